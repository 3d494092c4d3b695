"""Scenario comparison with common random numbers (``jiesu compare``).

Every scenario runs ``--replicates`` times; replicate ``i`` of every scenario uses the same
random streams (:mod:`model.streams`), so paired differences between scenarios are free of
most noise. The results folder holds ``manifest.json``, ``runs.parquet`` (one row per run
with its metrics), ``timeseries.parquet`` (national and province rows; city rows with
``--city-rows``), ``adoptions.parquet``, ``hazards.parquet`` (the simulator's adoption hazards
by source for every city-month at risk: the ground truth of event-history analyses),
``summary.csv`` and figures.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd
from jiesu.experiments.analysis.metrics import METRICS
from jiesu.experiments.errors import UsageError
from jiesu.experiments.execution.parallel import run_tasks
from jiesu.experiments.figures import compare as compare_figures
from jiesu.experiments.outputs.storage import base_manifest, staged_folder, write_json, write_parquet
from jiesu.experiments.scenarios import Scenario
from tqdm.auto import tqdm

#: The built-in comparison (the README's main job): every multi-city scenario.
DEFAULT_SET = ("no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels")


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
        >>> from jiesu.experiments.scenarios import load_scenario
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
    runs, series, events, hazards = [], [], [], {}
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
            hazards[res["run_index"]] = res["hazards"]
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
    hz = pd.concat([hazards[k] for k in sorted(hazards)], ignore_index=True) if hazards else None
    return {
        "runs": runs_df,
        "timeseries": ts,
        "adoptions": ev,
        "hazards": hz,
        "summary": summarise(runs_df, scenarios),
    }


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
    from jiesu.experiments.analysis.stats import (
        mean_interval,  # scipy.stats: slow to import, needed only here
    )

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


def save_comparison(
    res: dict,
    scenarios: list[Scenario],
    out: Path,
    lang: str = "en",
    settings: dict | None = None,
    command=None,
) -> list[str]:
    """Write a comparison's tables, summary, figures and manifest into the new folder ``out``.

    Args:
        res: What :func:`compare` returned.
        scenarios: The scenarios compared, in order.
        out: Folder to create; it must not exist or be empty.
        lang: Language of the figures.
        settings: Recorded in the manifest: ``seed``, ``replicates``, ``workers``, ``scheduler``,
            ``overrides``, ``wall_seconds``.
        command: Command line recorded in the manifest.

    Returns:
        The names of the files written.
    """
    settings = dict(settings or {})
    overrides = settings.get("overrides", {})
    with staged_folder(out) as tmp:
        write_parquet(res["runs"], tmp / "runs.parquet")
        if res["timeseries"] is not None:
            write_parquet(res["timeseries"], tmp / "timeseries.parquet")
            write_parquet(res["adoptions"], tmp / "adoptions.parquet")
        if res.get("hazards") is not None:
            write_parquet(res["hazards"], tmp / "hazards.parquet")
        res["summary"].to_csv(tmp / "summary.csv", index=False)
        figures = (
            compare_figures.draw_all(res, scenarios, tmp, lang, settings.get("replicates", 0))
            if res["timeseries"] is not None
            else []
        )
        tables = ["timeseries.parquet", "adoptions.parquet", "hazards.parquet"]
        files = ["runs.parquet", *[f for f in tables if (tmp / f).exists()], "summary.csv", *figures]
        manifest = base_manifest(command)
        manifest.update(
            {
                "kind": "compare",
                **{k: settings.get(k) for k in ("seed", "replicates", "workers", "scheduler")},
                "overrides": overrides,
                "common_random_numbers": "replicate r of every scenario uses spawn key (r,) of the root seed",
                "scenarios": [s.to_dict() for s in scenarios],
                "parameters": {s.name: dataclasses.asdict(s.params(overrides)) for s in scenarios},
                "metrics": {m.name: {"unit": m.unit, "meaning": m.meaning} for m in METRICS},
                "runs": {"total": len(res["runs"]), "failed": int((res["runs"]["status"] != "ok").sum())},
                "wall_seconds": settings.get("wall_seconds"),
                "files": files,
            }
        )
        write_json(manifest, tmp / "manifest.json")
    return [*files, "manifest.json"]
