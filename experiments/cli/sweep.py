"""``jiesu sweep``: a parameter sweep from a TOML file, written as it runs, resumable."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from jiesu.experiments.cli.options import add_execution_options, count, say


def add_parser(sub) -> None:
    """Register ``jiesu sweep``."""
    p = sub.add_parser("sweep", help="run a parameter sweep (grid, lhs, sobol, morris) from a TOML file")
    p.add_argument("spec", help="sweep file (.toml) or a shipped example name")
    add_execution_options(p)
    p.add_argument("--out", type=Path, help="sweep folder (default: results/sweep-NAME)")
    p.add_argument(
        "--parents", action="store_true", help="create the parent folders of --out if they are missing"
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument(
        "--batch", type=count("batch", "--batch"), default=10, help="runs per Parquet part (default 10)"
    )


def main(args, argv: list[str]) -> int:
    """Run (or resume) the sweep and say where its results are."""
    from jiesu.experiments.designs.sweep_spec import load_spec
    from jiesu.experiments.outputs.storage import confined

    spec = load_spec(args.spec)
    folder = args.out if args.out is not None else confined(Path("results"), f"sweep-{spec.name}")

    from jiesu.experiments.designs.sweep import done_runs, run_sweep

    start = time.perf_counter()
    try:
        result = run_sweep(
            spec,
            folder,
            args.workers,
            args.scheduler,
            args.resume,
            args.batch,
            argv,
            parents=args.parents or args.out is None,
            started=lambda: say(f"jiesu sweep: {spec.name} ({spec.design}, seed {spec.seed}) -> {folder}/"),
        )
    except KeyboardInterrupt:
        stored = len(done_runs(folder))
        print(
            f"jiesu: interrupted; {stored} runs are stored in {folder}. Continue with:\n"
            f"  jiesu sweep {args.spec} --out {folder} --resume",
            file=sys.stderr,
        )
        return 130
    for note in result["notes"]:
        say(f"note: {note}")
    seconds = time.perf_counter() - start
    state = "complete" if result["complete"] else "incomplete"
    print(
        f"sweep {spec.name}: {result['ran_now']} runs now ({result['failed_now']} failed), "
        f"{result['runs']} in all, {state}, {seconds:.0f} s -> {folder}/"
    )
    if result["complete"]:
        print(f"analyse with: jiesu analyze {folder}")
    return 0
