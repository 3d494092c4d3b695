"""``jiesu run``: one simulation, written to a results folder with figures and manifest."""

from __future__ import annotations

import sys
from pathlib import Path

from jiesu.experiments.cli.options import add_run_options, load_posterior, overrides_from
from jiesu.experiments.designs.run import save_run
from jiesu.experiments.execution.runner import build_model, run_model
from jiesu.experiments.outputs.storage import check_destination, default_out
from jiesu.experiments.scenarios import load_scenario
from tqdm.auto import tqdm


def add_parser(sub) -> None:
    """Register ``jiesu run``."""
    run = sub.add_parser("run", help="run one simulation and write its results folder")
    run.add_argument(
        "scenario", nargs="?", default="beijing", help="built-in name or .toml path (default: beijing)"
    )
    add_run_options(run)


def main(args, argv: list[str]) -> int:
    """``jiesu run``: one simulation, written to a results folder with figures and manifest."""
    scenario = load_scenario(args.scenario)
    model = build_model(
        scenario,
        overrides_from(args),
        seed=args.seed,
        run_id=f"{scenario.name}-s{args.seed}",
        posterior=load_posterior(args),
    )
    out = args.out or default_out("run", scenario.name)
    check_destination(out)
    bar = tqdm(
        total=len(model.months),
        desc=f"{scenario.name}",
        unit="month",
        leave=False,
        disable=None,
        file=sys.stderr,
    )
    output = run_model(model, progress=bar.update)
    bar.close()
    save_run(output, scenario, model.geography, out, args.lang, ["jiesu", *argv])
    _summarise(output, out)
    return 0


def _summarise(output, out: Path) -> None:
    ts, ev = output.timeseries, output.adoptions
    top = ts[ts["level"] == "national"] if (ts["level"] == "national").any() else ts
    last = top.sort_values("month").iloc[-1]
    print(
        f"wrote {out}/ ({output.info['wall_seconds']:.1f} s wall time, "
        f"{output.info['n_citizens']:,} citizens, {output.info['n_cities']} cities)"
    )
    print(
        f"  {last['month']}: response {last['response_rate']:.3f}, resolution {last['resolution_rate']:.3f}, "
        f"satisfaction {last['satisfaction_rate']:.3f}, requests {last['requests']:,.0f}/month"
    )
    adopts = ev[(ev["event"] == "adopt") & (ev["level"] == "city")]
    if output.info["n_cities"] > 1 and len(adopts):
        shares = adopts["channel"].value_counts(normalize=True)
        print(
            "  adoptions by channel: "
            + ", ".join(f"{k} {v:.1%}" for k, v in shares.items())
            + f" ({len(adopts)} adoptions)"
        )
