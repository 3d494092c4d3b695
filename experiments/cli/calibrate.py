"""``jiesu calibrate``: ABC-SMC calibration of declared parameters to Beijing's 2018-2021 figures."""

from __future__ import annotations

import sys
from pathlib import Path

from jiesu.experiments.cli.options import add_execution_options


def add_parser(sub) -> None:
    """Register ``jiesu calibrate``."""
    p = sub.add_parser(
        "calibrate", help="Bayesian calibration (ABC-SMC) of declared parameters to Beijing's figures to 2021"
    )
    p.add_argument("spec", nargs="?", default="beijing", help="calibration file (.toml) or a shipped name")
    add_execution_options(p)
    p.add_argument("--out", type=Path, help="calibration folder (default: results/calibrate-NAME)")
    p.add_argument(
        "--parents", action="store_true", help="create the parent folders of --out if they are missing"
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted calibration in --out")
    p.add_argument(
        "--ship",
        action="store_true",
        help="also write the posterior into model/data/ as the project's shipped posterior (developers)",
    )


def main(args, argv: list[str]) -> int:
    """Run (or resume) the calibration and say where its results are."""
    from jiesu.experiments.designs.calibrate import run_calibration
    from jiesu.experiments.designs.calibration_spec import load_calibration
    from jiesu.experiments.execution.posterior import ship
    from jiesu.experiments.outputs.storage import confined
    from jiesu.experiments.scenarios.preflight import check_city, check_run

    spec = load_calibration(args.spec)
    check_run(spec.scenario, spec.parameters)
    check_run(spec.scenario, {**spec.parameters, "end": spec.predictive_end})
    check_city(spec.scenario, spec.parameters, spec.city)
    folder = args.out if args.out is not None else confined(Path("results"), f"calibrate-{spec.name}")
    try:
        result = run_calibration(
            spec,
            folder,
            args.workers,
            args.scheduler,
            args.resume,
            command=["jiesu", *argv],
            parents=args.parents or args.out is None,
        )
    except KeyboardInterrupt:
        print(
            f"jiesu: interrupted; finished generations and evaluated candidates are stored in {folder}. "
            f"Continue with:\n  jiesu calibrate {args.spec} --out {folder} --resume",
            file=sys.stderr,
        )
        return 130
    diag, manifest = result["diagnostics"], result["manifest"]
    print(
        f"calibration {spec.name}: {manifest['generations_done']} generations, "
        f"{manifest['simulations']} simulations, "
        f"final acceptance rate {diag['acceptance_rate'].iloc[-1]:.3f}, "
        f"{manifest['wall_seconds']:.0f} s -> {folder}/"
    )
    for name, fit in manifest.get("in_sample", {}).items():
        print(f"  {name:28s} observed {fit['observed']:9.4g}   predictive {fit['median']:9.4g} "
              f"[{fit['q05']:.4g}, {fit['q95']:.4g}]")  # fmt: skip
    if args.ship:
        for path in ship(folder, spec):
            print(f"shipped {path}")
    return 0
