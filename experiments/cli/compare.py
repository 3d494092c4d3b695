"""``jiesu compare``: scenarios over replicates with common random numbers."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from jiesu.experiments.cli.options import (
    add_execution_options,
    add_run_options,
    load_posterior,
    overrides_from,
)
from jiesu.experiments.designs.compare import DEFAULT_SET, compare, save_comparison
from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.storage import check_destination, default_out
from jiesu.experiments.scenarios import load_scenario


def add_parser(sub) -> None:
    """Register ``jiesu compare``."""
    p = sub.add_parser("compare", help="compare scenarios over replicates with common random numbers")
    p.add_argument(
        "scenarios", nargs="*", help=f"built-in names or .toml paths (default: {' '.join(DEFAULT_SET)})"
    )
    p.add_argument("--replicates", type=int, default=6, help="runs per scenario (default 6)")
    add_execution_options(p)
    p.add_argument("--city-rows", action="store_true", help="also store city rows in timeseries.parquet")
    add_run_options(p)


def main(args, argv: list[str]) -> int:
    """Write the comparison folder and print its headline table."""
    names = args.scenarios or list(DEFAULT_SET)
    scenarios = [load_scenario(n) for n in names]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise UsageError("each scenario may be named once")
    overrides = overrides_from(args)
    for s in scenarios:
        s.params(overrides)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    out = args.out or default_out(
        "compare", "builtin" if not args.scenarios else "-".join(s.name for s in scenarios)[:60]
    )
    check_destination(out)
    start = time.perf_counter()
    posterior = load_posterior(args)
    res = compare(
        scenarios,
        args.replicates,
        args.seed,
        args.workers,
        overrides,
        args.scheduler,
        args.city_rows,
        posterior=posterior,
    )
    settings = {
        "seed": args.seed,
        "replicates": args.replicates,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "overrides": overrides,
        "posterior": posterior.source if posterior is not None else None,
        "wall_seconds": round(time.perf_counter() - start, 1),
    }
    save_comparison(res, scenarios, out, args.lang, settings, ["jiesu", *argv])
    _print_headline(res["summary"], out, time.perf_counter() - start, res["runs"])
    return 0


def _print_headline(summary: pd.DataFrame, out: Path, seconds: float, runs: pd.DataFrame) -> None:
    failed = int((runs["status"] != "ok").sum())
    print(f"wrote {out}/ ({len(runs)} runs, {failed} failed, {seconds:.0f} s)")
    keys = ["share_adopted_end", "months_to_90pct", "satisfaction_rate_last12", "requests_per_10k_last12"]
    table = summary[summary["metric"].isin(keys)].pivot(index="scenario", columns="metric", values="mean")
    table = table.reindex(summary["scenario"].unique())[[k for k in keys if k in table]]
    with pd.option_context("display.width", 140, "display.precision", 3):
        print(table.to_string())
    if failed:
        print(f"{failed} run(s) failed; their errors are in runs.parquet (column 'error')")
