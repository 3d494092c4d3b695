"""Scenario comparison with common random numbers (``jiesu compare``).

Every scenario runs ``--replicates`` times; replicate ``i`` of every scenario uses the same
random streams (:mod:`model.streams`), so paired differences between scenarios are free of
most noise. The results folder holds ``manifest.json``, ``runs.parquet`` (one row per run
with its metrics), ``timeseries.parquet`` (national and province rows; city rows with
``--city-rows``), ``adoptions.parquet``, ``summary.csv`` and figures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from experiments import compare_figures
from experiments.errors import UsageError
from experiments.metrics import METRICS
from experiments.parallel import run_tasks
from experiments.scenarios import Scenario, load_scenario
from experiments.storage import base_manifest, check_destination, default_out, staged_folder, write_parquet

#: The built-in comparison (the README's main job): every multi-city scenario.
DEFAULT_SET = ("no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels")


def add_parser(sub) -> None:
    """Register ``jiesu compare``."""
    p = sub.add_parser("compare", help="compare scenarios over replicates with common random numbers")
    p.add_argument(
        "scenarios", nargs="*", help=f"built-in names or .toml paths (default: {' '.join(DEFAULT_SET)})"
    )
    p.add_argument("--replicates", type=int, default=6, help="runs per scenario (default 6)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    p.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT instead of local workers")
    p.add_argument("--city-rows", action="store_true", help="also store city rows in timeseries.parquet")
    from experiments.cli import add_run_options

    add_run_options(p)


def compare(
    scenarios: list[Scenario],
    replicates: int = 6,
    seed: int = 0,
    workers: int = 1,
    overrides: dict | None = None,
    scheduler: str | None = None,
    city_rows: bool = False,
    progress: bool = True,
) -> dict:
    """Run every scenario ``replicates`` times and return the combined tables.

    Example:
        >>> from experiments.scenarios import load_scenario
        >>> res = compare([load_scenario("pioneer_only"), load_scenario("top_down")], replicates=2,
        ...               overrides={"end": "2021-12", "residents_per_citizen": 200000}, progress=False)
        >>> sorted(res["summary"]["scenario"].unique())
        ['pioneer_only', 'top_down']
    """
    if replicates < 1:
        raise UsageError(f"--replicates must be at least 1, got {replicates}")
    overrides = dict(overrides or {})
    for s in scenarios:  # validate every scenario's parameters before running anything
        s.params(overrides)
    tasks = [
        {
            "run_index": k * replicates + r,
            "run_id": f"{s.name}-r{r}",
            "scenario": s,
            "overrides": overrides,
            "seed": seed,
            "replicate": r,
            "tables": "all" if city_rows else "headline",
        }
        for k, s in enumerate(scenarios)
        for r in range(replicates)
    ]
    runs, series, events = [], [], []
    bar = tqdm(
        total=len(tasks), desc="compare", unit="run", disable=None if progress else True, file=sys.stderr
    )
    failures = 0
    for res in run_tasks(tasks, workers, scheduler):
        task = tasks[res["run_index"]]
        runs.append(
            {
                "run_index": res["run_index"],
                "run_id": res["run_id"],
                "scenario": task["scenario"].name,
                "replicate": task["replicate"],
                "seed": seed,
                "status": res["status"],
                "error": res["error"],
                "wall_seconds": res["wall_seconds"],
                **res["metrics"],
            }
        )
        if res["status"] == "ok":
            series.append(res["timeseries"])
            events.append(res["adoptions"])
        else:
            failures += 1
        bar.set_postfix(failed=failures)
        bar.update()
    bar.close()
    runs_df = pd.DataFrame(runs).sort_values("run_index").reset_index(drop=True)
    order = {s.name: k for k, s in enumerate(scenarios)}
    ts = (
        _sorted(pd.concat(series, ignore_index=True), order, ["level", "unit_id", "month"])
        if series
        else None
    )
    ev = (
        _sorted(pd.concat(events, ignore_index=True), order, ["month", "unit_id", "event"])
        if events
        else None
    )
    return {"runs": runs_df, "timeseries": ts, "adoptions": ev, "summary": summarise(runs_df, scenarios)}


def _sorted(df: pd.DataFrame, order: dict, keys: list[str]) -> pd.DataFrame:
    rank = df["scenario"].map(order)
    return (
        df.assign(_o=rank)
        .sort_values(["_o", "replicate", *keys], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def summarise(runs: pd.DataFrame, scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario x metric: mean with its 95 % interval, and paired differences.

    The paired difference is taken replicate by replicate against the first scenario.
    """
    from experiments.stats import mean_interval  # scipy.stats: slow to import, needed only here

    ok = runs[runs["status"] == "ok"]
    base_name = scenarios[0].name
    base = ok[ok["scenario"] == base_name].set_index("replicate")
    rows = []
    for s in scenarios:
        mine = ok[ok["scenario"] == s.name].set_index("replicate")
        for m in METRICS:
            if m.name not in mine:
                continue
            mean, lo, hi, n = mean_interval(mine[m.name])
            paired = (
                (mine[m.name] - base[m.name].reindex(mine.index))
                if m.name in base
                else pd.Series(dtype=float)
            )
            d_mean, d_lo, d_hi, d_n = mean_interval(paired)
            rows.append(
                {
                    "scenario": s.name,
                    "scenario_zh": s.name_zh,
                    "metric": m.name,
                    "unit": m.unit,
                    "mean": mean,
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "n": n,
                    "baseline": base_name,
                    "diff_mean": d_mean,
                    "diff_ci95_low": d_lo,
                    "diff_ci95_high": d_hi,
                    "n_pairs": d_n,
                }
            )
    return pd.DataFrame(rows)


def cmd_compare(args, argv: list[str]) -> int:
    """``jiesu compare``: write the comparison folder and print its headline table."""
    from experiments.commands import overrides_from

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
    res = compare(
        scenarios, args.replicates, args.seed, args.workers, overrides, args.scheduler, args.city_rows
    )
    with staged_folder(out) as tmp:
        write_parquet(res["runs"], tmp / "runs.parquet")
        if res["timeseries"] is not None:
            write_parquet(res["timeseries"], tmp / "timeseries.parquet")
            write_parquet(res["adoptions"], tmp / "adoptions.parquet")
        res["summary"].to_csv(tmp / "summary.csv", index=False)
        figures = (
            compare_figures.draw_all(res, scenarios, tmp, args.lang, args.replicates)
            if res["timeseries"] is not None
            else []
        )
        manifest = base_manifest(["jiesu", *argv])
        manifest.update(
            {
                "kind": "compare",
                "seed": args.seed,
                "replicates": args.replicates,
                "workers": args.workers,
                "scheduler": args.scheduler,
                "overrides": overrides,
                "common_random_numbers": "replicate r of every scenario uses spawn key (r,) of the root seed",
                "scenarios": [s.to_dict() for s in scenarios],
                "parameters": {s.name: _params(s, overrides) for s in scenarios},
                "metrics": {m.name: {"unit": m.unit, "meaning": m.meaning} for m in METRICS},
                "runs": {"total": len(res["runs"]), "failed": int((res["runs"]["status"] != "ok").sum())},
                "wall_seconds": round(time.perf_counter() - start, 1),
                "files": ["runs.parquet", "timeseries.parquet", "adoptions.parquet", "summary.csv", *figures],
            }
        )
        from experiments.storage import write_json

        write_json(manifest, tmp / "manifest.json")
    _print_headline(res["summary"], out, time.perf_counter() - start, res["runs"])
    return 0


def _params(scenario: Scenario, overrides: dict) -> dict:
    import dataclasses

    return dataclasses.asdict(scenario.params(overrides))


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
