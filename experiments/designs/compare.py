"""Scenario comparison with common random numbers (``jiesu compare``).

Every scenario runs ``replicates`` times; replicate ``i`` of every scenario uses the same
random streams (:mod:`jiesu.model.streams`), so paired differences between scenarios are free
of most noise. The results folder holds ``manifest.json``, ``runs.parquet`` (one row per run
with its metrics), ``timeseries.parquet`` (city, province and national rows; only province and
national rows with ``city_rows=False``, ``--no-city-rows``), ``adoptions.parquet``,
``hazards.parquet`` (the simulator's adoption hazards by source for every city-month at risk:
the ground truth of event-history analyses), ``summary.csv`` and figures.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jiesu.experiments.errors import UsageError, check_seed
from jiesu.experiments.execution.parallel import run_tasks
from jiesu.experiments.execution.progress import Progress
from jiesu.experiments.outputs.storage import base_manifest, staged_folder, write_json, write_parquet
from jiesu.experiments.scenarios import Scenario

if TYPE_CHECKING:  # pandas is imported when a comparison runs, not when the module is imported
    import pandas as pd

#: The built-in comparison (the README's main job): every multi-city scenario.
DEFAULT_SET = ("no_reform", "pioneer_only", "horizontal", "top_down", "bottom_up", "all_channels")


@dataclass
class ComparisonResult:
    """Tables of a scenario comparison.

    Attributes:
        runs: One row per run: ``run_index``, ``run_id``, ``scenario``, ``replicate``, ``seed``,
            ``status`` (``ok``/``failed``), ``error``, ``wall_seconds`` and every run metric.
        timeseries: Tidy rows of every successful run (run x unit x month; see the README),
            or None if every run failed.
        adoptions: One row per adoption event of every successful run, or None.
        summary: One row per scenario x metric: mean, 95 % interval, paired difference against
            the first scenario.
        hazards: The simulator's adoption hazards by source for every city-month at risk of
            every successful run (the ground truth of event-history panels), or None.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    adoptions: pd.DataFrame | None
    summary: pd.DataFrame
    hazards: pd.DataFrame | None = None

    def to_frame(self, level: str | None = None, metric: str | None = None) -> pd.DataFrame:
        """Timeseries rows of one level, tidy or (with ``metric``) one column per run.

        Args:
            level: ``"city"``, ``"province"`` or ``"national"``; by default the national rows
                (the only city's rows when one city is simulated).
            metric: An outcome column such as ``"satisfaction_rate"``. If given, the result
                has one row per month and one column per (scenario, replicate), plus the
                unit code (``unit_id``) below the national level.

        Raises:
            UsageError: For an unknown level or metric, or a comparison without timeseries.

        Example:
            >>> import jiesu
            >>> res = jiesu.Comparison("pioneer_only", replicates=2, end="2018-12").run().results
            >>> res.to_frame(metric="share_adopted").shape
            (12, 2)
        """
        from jiesu.experiments.execution.runner import select_rows

        if self.timeseries is None:
            raise UsageError("this comparison has no timeseries (every run failed)")
        return select_rows(self.timeseries, level, metric, by=("scenario", "replicate"))


def compare(
    scenarios: list[Scenario],
    replicates: int = 6,
    seed: int = 0,
    workers: int = 1,
    overrides: dict | None = None,
    scheduler: str | None = None,
    city_rows: bool = True,
    progress: bool = True,
    posterior=None,
) -> ComparisonResult:
    """Run every scenario ``replicates`` times and return the combined tables.

    Args:
        scenarios: The scenarios; the first is the baseline of the paired differences.
        replicates: Runs per scenario; replicate ``r`` of every scenario shares its streams.
        seed: Root seed, 0 to 2**63 - 1.
        workers: Local worker processes (1 runs in this process).
        overrides: Parameter overrides applied to every scenario.
        scheduler: Address of a Dask scheduler instead of local workers.
        city_rows: Keep the city rows of the timeseries (False: province and national rows).
        progress: Show progress on standard error.
        posterior: A :class:`~jiesu.experiments.execution.posterior.Posterior`: replicate ``r`` of
            every scenario runs with the particle replicate ``r`` draws, so bands show parameter
            and stochastic uncertainty while scenarios stay paired; ``runs`` records it.

    Raises:
        ParameterError, UsageError: Bad parameters, seed or counts, before anything runs. A
            run that fails (an event naming an unknown city, say) is recorded in ``runs``
            with its error.

    Example:
        >>> from jiesu.experiments.scenarios import load_scenario
        >>> res = compare([load_scenario("pioneer_only"), load_scenario("top_down")], replicates=2,
        ...               overrides={"end": "2021-12", "residents_per_citizen": 200000}, progress=False)
        >>> sorted(res.summary["scenario"].unique())
        ['pioneer_only', 'top_down']
    """
    import pandas as pd

    if replicates < 1:
        raise UsageError(f"--replicates must be at least 1, got {replicates}")
    check_seed(seed)
    overrides = dict(overrides or {})
    for s in scenarios:  # validate every scenario's parameters before running anything
        s.params(overrides)
        if posterior is not None:
            s.params({**posterior.draw(seed, 0)[1], **overrides})
    tasks = [
        {
            "run_index": k * replicates + r,
            "run_id": f"{s.name}-r{r}",
            "scenario": s,
            "overrides": overrides,
            "seed": seed,
            "replicate": r,
            "tables": "all" if city_rows else "headline",
            "posterior": posterior,
        }
        for k, s in enumerate(scenarios)
        for r in range(replicates)
    ]
    runs, series, events, hazards = [], [], [], {}
    bar = Progress(len(tasks), "compare", "run", enabled=progress)
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
                "particle": res.get("particle"),
                **res["metrics"],
            }
        )
        if res["status"] == "ok":
            series.append(res["timeseries"])
            events.append(res["adoptions"])
            if res.get("hazards") is not None:
                hazards[res["run_index"]] = res["hazards"]
        bar.update(failed=int(res["status"] != "ok"))
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
    return ComparisonResult(runs_df, ts, ev, summarise(runs_df, scenarios), hz)


def _sorted(df: pd.DataFrame, order: dict, keys: list[str]) -> pd.DataFrame:
    rank = df["scenario"].map(order)
    return (
        df.assign(_o=rank)
        .sort_values(["_o", "replicate", *keys], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def summarise(runs: pd.DataFrame, scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario x metric: mean with a 95 % interval that can occur, spread, paired differences.

    See :func:`jiesu.experiments.analysis.stats.summarise_runs` (columns: ``SUMMARY_COLUMNS``).
    """
    from jiesu.experiments.analysis.metrics import METRICS
    from jiesu.experiments.analysis.stats import REACHED, summarise_runs
    from jiesu.experiments.figures.labels import metric_label

    labels = {m: metric_label(m, "zh") for m in [*(m.name for m in METRICS), *REACHED.values()]}
    return summarise_runs(runs, [(s.name, s.name_zh) for s in scenarios], METRICS, labels)


def save_comparison(
    res: ComparisonResult,
    scenarios: list[Scenario],
    out: Path,
    lang: str = "en",
    settings: dict | None = None,
    command=None,
    parents: bool = False,
) -> list[str]:
    """Write a comparison's tables, summary, figures and manifest into the new folder ``out``.

    Args:
        res: What :func:`compare` returned.
        scenarios: The scenarios compared, in order.
        out: Folder to create; it must not exist or be empty.
        lang: Language of the figures (Chinese figures are named ``NAME-zh.png``).
        settings: Recorded in the manifest: ``seed``, ``replicates``, ``workers``, ``scheduler``,
            ``overrides``, ``city_rows``, ``wall_seconds``.
        command: Command line recorded in the manifest.
        parents: Create missing parent folders of ``out``.

    Returns:
        The names of the files written.

    Raises:
        OutputError: If ``out`` exists and is not empty, or its parent is missing and
            ``parents`` is False.
    """
    from jiesu.experiments.analysis.metrics import METRICS

    settings = dict(settings or {})
    overrides = settings.get("overrides", {})
    from jiesu.experiments.analysis.stats import SUMMARY_COLUMNS, warn_few_replicates
    from jiesu.experiments.outputs.people import write_people_csv

    manifest = base_manifest(command)
    manifest.update(
        {
            "kind": "compare",
            **{k: settings.get(k) for k in ("seed", "replicates", "workers", "scheduler", "city_rows")},
            "posterior": settings.get("posterior"),
            "particles": _particles(res.runs),
            "overrides": overrides,
            "common_random_numbers": "replicate r of every scenario uses spawn key (r,) of the root seed",
            "scenarios": [s.to_dict() for s in scenarios],
            "parameters": {s.name: dataclasses.asdict(s.params(overrides)) for s in scenarios},
            "metrics": {m.name: {"unit": m.unit, "meaning": m.meaning} for m in METRICS},
            "runs": {"total": len(res.runs), "failed": int((res.runs["status"] != "ok").sum())},
            "wall_seconds": settings.get("wall_seconds"),
        }
    )
    warn_few_replicates(int(settings.get("replicates") or 0), manifest["command"])
    with staged_folder(out, parents) as tmp:
        write_parquet(res.runs, tmp / "runs.parquet")
        files = ["runs.parquet"]
        if res.timeseries is not None:
            write_parquet(res.timeseries, tmp / "timeseries.parquet")
            write_parquet(res.adoptions, tmp / "adoptions.parquet")
            files += ["timeseries.parquet", "adoptions.parquet"]
        if res.hazards is not None:
            write_parquet(res.hazards, tmp / "hazards.parquet")
            files.append("hazards.parquet")
        files += write_people_csv(res.summary, tmp / "summary.csv", SUMMARY_COLUMNS)
        note = provenance_caption(manifest, lang)
        files += _figures(res, scenarios, tmp, lang, note)
        manifest["files"] = files
        write_json(manifest, tmp / "manifest.json")
    return [*files, "manifest.json"]


#: Figures of a comparison: kind -> file name.
COMPARISON_FIGURES = {"bands": "compare", "outcomes": "outcomes", "channels": "channels"}


def comparison_figure(
    res: ComparisonResult, scenarios, kind: str = "bands", lang: str = "en", note: str | None = None
):
    """Draw one figure of a comparison and return it (a matplotlib ``Figure``).

    Args:
        res: What :func:`compare` returned.
        scenarios: The scenarios compared, in order.
        kind: ``"bands"`` (national series: median and 10-90 % band over replicates, or single
            replicates where a band would mislead), ``"outcomes"`` (every replicate's end values)
            or ``"channels"`` (mean adoptions per run by channel).
        lang: ``"en"`` or ``"zh"``.
        note: Caption (scenarios, seed, version; :func:`provenance_caption`).

    Raises:
        UsageError: For an unknown kind, or bands of a comparison without timeseries.
    """
    from jiesu.experiments.figures import compare as figures

    if kind not in COMPARISON_FIGURES:
        raise UsageError(f"unknown figure {kind!r}; choose one of: {', '.join(COMPARISON_FIGURES)}")
    if kind == "channels":
        return figures.channels_figure(res.runs, scenarios, lang, note)
    if kind == "outcomes":
        return figures.outcomes_figure(res.runs, scenarios, lang, note)
    if res.timeseries is None:
        raise UsageError("this comparison has no timeseries (every run failed)")
    replicates = int(res.runs["replicate"].nunique())
    return figures.bands_figure(res.timeseries, scenarios, res.adoptions, lang, replicates, note)


def provenance_caption(manifest: dict, lang: str) -> str:
    """The caption of a comparison's figures: scenarios, seed, replicates, version, commit."""
    from jiesu.experiments.figures.labels import provenance_caption as caption

    return caption(manifest, lang)


def _figures(res: ComparisonResult, scenarios, folder: Path, lang: str, note: str | None) -> list[str]:
    """Draw the comparison figures into ``folder``; return the file names."""
    if res.timeseries is None:
        return []
    from jiesu.experiments.designs.run import figure_name
    from jiesu.experiments.figures.common import save

    paths = []
    for kind, stem in COMPARISON_FIGURES.items():
        paths += save(comparison_figure(res, scenarios, kind, lang, note), folder, figure_name(stem, lang))
    return [p.name for p in paths]


def _particles(runs: pd.DataFrame) -> dict | None:
    """Each run's particle (run id -> particle index), when the runs drew from a posterior."""
    import pandas as pd

    if "particle" not in runs or runs["particle"].isna().all():
        return None
    return {r.run_id: int(r.particle) for r in runs.itertuples() if pd.notna(r.particle)}
