"""``jiesu compare``: scenarios over replicates with common random numbers."""

from __future__ import annotations

import time
from pathlib import Path

from jiesu.experiments.cli.options import (
    add_execution_options,
    add_run_options,
    count,
    draw_to_files,
    load_posterior,
    output_folder,
    overrides_from,
    say,
)


def add_parser(sub) -> None:
    """Register ``jiesu compare``."""
    p = sub.add_parser("compare", help="compare scenarios over replicates with common random numbers")
    p.add_argument(
        "scenarios",
        nargs="*",
        help="built-in names or .toml paths (default: every multi-city built-in scenario, "
        "as `jiesu scenarios` lists them after beijing)",
    )
    p.add_argument(
        "--replicates",
        type=count("replicates", "--replicates"),
        default=6,
        help="runs per scenario (default 6; at most 10,000)",
    )
    add_execution_options(p)
    p.add_argument(
        "--no-city-rows",
        dest="city_rows",
        action="store_false",
        help="store only province and national rows in timeseries.parquet (10 times smaller)",
    )
    add_run_options(p)


def main(args, argv: list[str]) -> int:
    """Write the comparison folder and print its headline table."""
    from jiesu.experiments.errors import UsageError
    from jiesu.experiments.limits import check_limit
    from jiesu.experiments.scenarios import load_scenario
    from jiesu.experiments.scenarios.preflight import check_run

    names = args.scenarios or list(_default_set())
    scenarios = [load_scenario(n) for n in names]
    if len({s.name for s in scenarios}) != len(scenarios):
        raise UsageError("each scenario may be named once")
    check_limit("design", len(scenarios) * args.replicates, "scenarios x --replicates")
    overrides = overrides_from(args)
    notes = [note for s in scenarios for note in check_run(s, overrides)]
    posterior = load_posterior(args)
    label = "builtin" if not args.scenarios else "-".join(s.name for s in scenarios)[:60].strip("-. ")
    with output_folder(args, "compare", label) as out:
        say(
            f"jiesu compare: {len(scenarios)} scenarios x {args.replicates} replicates = "
            f"{len(scenarios) * args.replicates} runs on {args.scheduler or f'{args.workers} worker(s)'} "
            f"-> {out}/"
        )
        for note in notes:
            say(f"note: {note}")

        from jiesu.experiments.designs.compare import compare, save_comparison

        start = time.perf_counter()
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
            "city_rows": args.city_rows,
            "wall_seconds": round(time.perf_counter() - start, 1),
        }
        draw_to_files()
        save_comparison(res, scenarios, out, args.lang, settings, ["jiesu", *argv], parents=True)
    _print_headline(res, out, time.perf_counter() - start)
    return 0


def _default_set() -> tuple[str, ...]:
    from jiesu.experiments.designs.compare import DEFAULT_SET

    return DEFAULT_SET


def _print_headline(res, out: Path, seconds: float) -> None:
    import pandas as pd

    summary, runs = res.summary, res.runs
    failed = int((runs["status"] != "ok").sum())
    print(f"wrote {out}/ ({len(runs)} runs, {failed} failed, {seconds:.0f} s)")
    keys = ["share_adopted_end", "months_to_90pct", "satisfaction_rate_last12", "requests_per_10k_last12"]
    table = summary[summary["metric"].isin(keys)].pivot(index="scenario", columns="metric", values="mean")
    table = table.reindex(summary["scenario"].unique())[[k for k in keys if k in table]]
    with pd.option_context("display.width", 140, "display.precision", 3):
        print(table.to_string())
    if failed:
        print(f"{failed} run(s) failed; their errors are in runs.parquet (column 'error')")
