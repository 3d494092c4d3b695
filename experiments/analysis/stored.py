"""Reading what a results folder holds for event-history panels: runs, events, hazards, series.

A folder written by ``jiesu run``, ``jiesu compare`` or ``jiesu sweep`` (a sweep only with
``panel = true`` in its sweep file) holds everything a panel needs:

* the runs, their parameters and their scenario's dated events (``manifest.json``,
  ``runs.parquet``, ``design.parquet``);
* the event log (``adoptions.parquet``, or the sweep's ``parts/adoptions-*.parquet``);
* the ground truth (``hazards.parquet``, or ``parts/hazards-*.parquet``);
* each city's monthly outcomes: city rows of ``timeseries.parquet``, or the sweep's compact
  ``parts/series-*.parquet``.

A sweep's part ``k`` of each table counts only once ``parts/runs-k.parquet`` exists (it is
written last), so a sweep interrupted mid-batch never yields half a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jiesu.experiments.errors import UsageError
from jiesu.experiments.outputs.tables import CITY_SERIES_OUTCOMES
from jiesu.model.events import Event
from jiesu.model.parameters import make_parameters

PARTS = "parts"
_SERIES = ["run_id", "month", "unit_id", *CITY_SERIES_OUTCOMES]


@dataclass
class StoredResults:
    """What a results folder holds for panels.

    Attributes:
        folder: The results folder.
        kind: ``run``, ``compare`` or ``sweep``.
        runs: One row per successful run: ``run_id``, ``scenario``, ``replicate``, ``seed``.
        params: Run id -> the run's validated parameters.
        events: Run id -> its scenario's dated events.
        adoptions: The event log of every run.
        hazards: The simulator's hazards by source, city-months at risk.
        series: Each city's monthly ``requests_per_10k``, ``satisfaction_rate`` and ``backlog``.
        manifest: The folder's manifest.
    """

    folder: Path
    kind: str
    runs: pd.DataFrame
    params: dict
    events: dict
    adoptions: pd.DataFrame
    hazards: pd.DataFrame
    series: pd.DataFrame
    manifest: dict = field(repr=False, default_factory=dict)


def load_stored(folder: Path) -> StoredResults:
    """Read a run, compare or sweep folder for panels.

    Raises:
        UsageError: If the folder holds no results, or lacks the hazards or the city series
            (the message names the command that writes them).
    """
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise UsageError(
            f"{folder} holds no jiesu results (no manifest.json): give a run, compare or sweep folder"
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    kind = manifest.get("kind")
    readers = {"run": _run, "compare": _compare, "sweep": _sweep}
    if kind not in readers:
        raise UsageError(f"{folder}: panels are built from run, compare or sweep folders, not {kind!r}")
    return readers[kind](folder, manifest)


def _events(scenario: dict) -> tuple[Event, ...]:
    return tuple(Event.from_dict(e) for e in scenario.get("events", []))


def _need(path: Path, what: str, fix: str) -> Path:
    if not path.is_file():
        raise UsageError(f"{path.parent} has no {path.name} ({what}); {fix}")
    return path


_RERUN = "re-run it with this version of jiesu, which writes it"


def _run(folder: Path, manifest: dict) -> StoredResults:
    info = manifest["run"]
    run_id = info["run_id"]
    runs = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "scenario": info["scenario"],
                "replicate": int(info["seed"]["spawn_key"][0]),
                "seed": int(info["seed"]["entropy"]),
            }
        ]
    )
    return StoredResults(
        folder,
        "run",
        runs,
        {run_id: make_parameters(info["parameters"])},
        {run_id: _events(manifest["scenario"])},
        pd.read_parquet(folder / "adoptions.parquet"),
        pd.read_parquet(_need(folder / "hazards.parquet", "the ground-truth hazards", _RERUN)),
        _city_rows(folder, "re-run `jiesu run`"),
        manifest,
    )


def _compare(folder: Path, manifest: dict) -> StoredResults:
    runs = pd.read_parquet(folder / "runs.parquet")
    runs = runs[runs["status"] == "ok"][["run_id", "scenario", "replicate", "seed"]].reset_index(drop=True)
    params = {name: make_parameters(values) for name, values in manifest["parameters"].items()}
    events = {s["name"]: _events(s) for s in manifest["scenarios"]}
    fix = (
        "run the comparison again keeping city rows (without --no-city-rows; "
        "with --city-rows on versions that drop them by default)"
    )
    return StoredResults(
        folder,
        "compare",
        runs,
        {r.run_id: params[r.scenario] for r in runs.itertuples()},
        {r.run_id: events[r.scenario] for r in runs.itertuples()},
        pd.read_parquet(_need(folder / "adoptions.parquet", "the event log", fix)),
        pd.read_parquet(_need(folder / "hazards.parquet", "the ground-truth hazards", _RERUN)),
        _city_rows(folder, fix),
        manifest,
    )


def from_comparison(res, scenarios, overrides: dict | None = None) -> StoredResults:
    """What panels need from a :class:`~jiesu.experiments.designs.compare.ComparisonResult`.

    The comparison must have kept city rows (``city_rows=True``). This spares a notebook or a
    test writing the folder first.

    Example:
        >>> res = compare(scenarios, replicates=3, city_rows=True)  # doctest: +SKIP
        >>> panel = build_panel(from_comparison(res, scenarios), period="year")  # doctest: +SKIP
    """
    ts = res.timeseries
    if ts is None or not (ts["level"] == "city").any():
        raise UsageError("the comparison kept no city rows: run compare(..., city_rows=True)")
    runs = res.runs
    runs = runs[runs["status"] == "ok"][["run_id", "scenario", "replicate", "seed"]].reset_index(drop=True)
    by_name = {s.name: s for s in scenarios}
    params = {r.run_id: by_name[r.scenario].params(overrides) for r in runs.itertuples()}
    events = {r.run_id: tuple(by_name[r.scenario].events) for r in runs.itertuples()}
    series = ts.loc[ts["level"] == "city", _SERIES].reset_index(drop=True)
    return StoredResults(Path("."), "compare", runs, params, events, res.adoptions, res.hazards, series)


def _city_rows(folder: Path, fix: str) -> pd.DataFrame:
    path = _need(folder / "timeseries.parquet", "the city series", fix)
    series = pd.read_parquet(path, columns=_SERIES, filters=[("level", "==", "city")])
    if series.empty:
        raise UsageError(
            f"{folder}/timeseries.parquet has no city rows, which panels need for the cities' own "
            f"requests, satisfaction and backlog: {fix}"
        )
    return series


def read_parts(folder: Path, name: str) -> pd.DataFrame | None:
    """Concatenate a sweep's committed parts ``parts/NAME-k.parquet`` (None if there are none).

    Part ``k`` counts only if ``parts/runs-k.parquet`` exists.
    """
    parts = Path(folder) / PARTS
    done = {f.stem.split("-")[1] for f in parts.glob("runs-*.parquet")}
    files = sorted(f for f in parts.glob(f"{name}-*.parquet") if f.stem.split("-")[1] in done)
    if not files:
        return None
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _sweep(folder: Path, manifest: dict) -> StoredResults:
    fix = "add `panel = true` to the sweep file and run the sweep again (it stores what panels need)"
    runs = read_parts(folder, "runs")
    if runs is None:
        raise UsageError(f"{folder}: no runs stored yet")
    tables = {name: read_parts(folder, name) for name in ("series", "adoptions", "hazards")}
    if any(t is None for t in tables.values()):
        raise UsageError(f"{folder}: the sweep stored no per-city series, events or hazards; {fix}")
    runs = runs[runs["status"] == "ok"].drop_duplicates("run_id", keep="last")
    factors = list(manifest.get("factors", {}))
    scenario = manifest["scenario"]
    base = {**_scenario_parameters(scenario), **manifest.get("parameters", {})}
    params, events = {}, {}
    for row in runs.to_dict("records"):
        params[row["run_id"]] = make_parameters({**base, **{f: row[f] for f in factors}})
        events[row["run_id"]] = _events(scenario)
    runs = runs.assign(scenario=scenario["name"])[["run_id", "scenario", "replicate", "seed"]]
    adoptions = tables["adoptions"].drop_duplicates()
    return StoredResults(
        folder,
        "sweep",
        runs.reset_index(drop=True),
        params,
        events,
        adoptions,
        tables["hazards"],
        tables["series"],
        manifest,
    )


def _scenario_parameters(scenario: dict) -> dict:
    return dict(scenario.get("parameters", {}))
