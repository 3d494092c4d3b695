"""A results folder read back from disk, as the report sees it.

The report never depends on results held in memory: it reads ``manifest.json``,
``timeseries.parquet``, ``adoptions.parquet`` and, for a comparison, ``runs.parquet`` and
``summary.csv``. For a single run the run's metrics are computed from its tables and summarised
with one replicate. Columns that a newer or older model does not write are simply absent, and
whatever depends on them is left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jiesu.experiments.analysis.metrics import METRICS, compute_metrics
from jiesu.experiments.analysis.stats import REACHED, summarise_runs
from jiesu.experiments.errors import UsageError
from jiesu.experiments.figures.labels import metric_label
from jiesu.experiments.figures.palette import scenario_label
from jiesu.experiments.outputs.people import rounded


class ReportError(UsageError):
    """The folder is not a results folder the report can read; the message says what is missing."""


@dataclass
class Results:
    """Everything a report is written from."""

    folder: Path
    manifest: dict
    kind: str
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    adoptions: pd.DataFrame
    summary: pd.DataFrame
    scenarios: list[dict] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Scenario identifiers in the order they were compared."""
        return [s["name"] for s in self.scenarios]

    @property
    def replicates(self) -> int:
        """Successful replicates per scenario (the smallest over scenarios)."""
        ok = self.runs[self.runs["status"] == "ok"]
        counts = ok.groupby("scenario").size()
        return int(counts.min()) if len(counts) else 0

    @property
    def months(self) -> list[str]:
        """The simulated months, first to last."""
        return sorted(self.timeseries["month"].unique())

    @property
    def multi_city(self) -> bool:
        """Whether the runs simulated more than one city (so adoption is a share of cities)."""
        return bool((self.timeseries["level"] == "national").any())

    def parameters(self, scenario: str) -> dict:
        """The full parameters a scenario ran with (empty if not recorded)."""
        if self.kind == "run":
            return dict(self.manifest.get("run", {}).get("parameters", {}))
        return dict(self.manifest.get("parameters", {}).get(scenario, {}))

    def label(self, scenario: str, lang: str) -> str:
        """A scenario's name in ``lang``."""
        s = next((s for s in self.scenarios if s["name"] == scenario), {"name": scenario})
        return scenario_label(scenario, s.get("name_zh", ""), lang)

    def value(self, scenario: str, metric: str, column: str = "mean") -> float:
        """One number of the summary table (NaN if absent)."""
        rows = self.summary[(self.summary["scenario"] == scenario) & (self.summary["metric"] == metric)]
        if rows.empty or column not in rows:
            return math.nan
        value = rows[column].iloc[0]
        return float(value) if pd.notna(value) else math.nan


def load_results(folder: Path) -> Results:
    """Read a results folder written by ``jiesu compare`` or ``jiesu run``.

    Raises:
        ReportError: If the folder or one of the files the report needs is missing.
    """
    folder = Path(folder)
    if not (folder / "manifest.json").is_file():
        raise ReportError(
            f"{folder} is not a results folder (no manifest.json): "
            "give a folder written by jiesu compare or jiesu run"
        )
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    kind = manifest.get("kind")
    if kind not in ("compare", "run"):
        raise ReportError(
            f"{folder} holds a {kind or 'unknown'} result; "
            "jiesu report reads folders of jiesu compare or jiesu run"
        )
    for name in (
        "timeseries.parquet",
        "adoptions.parquet",
        *(("runs.parquet", "summary.csv") if kind == "compare" else ()),
    ):
        if not (folder / name).is_file():
            raise ReportError(
                f"{folder}/{name} is missing: the results folder is incomplete; rerun the command"
            )
    ts = pd.read_parquet(folder / "timeseries.parquet")
    adoptions = pd.read_parquet(folder / "adoptions.parquet")
    scenarios = [_scenario(s) for s in (manifest.get("scenarios") or [manifest.get("scenario", {})])]
    if kind == "compare":
        runs = pd.read_parquet(folder / "runs.parquet")
        summary = pd.read_csv(folder / "summary.csv", encoding="utf-8-sig")
        if "interval" not in summary:  # written before intervals respected bounds: recompute
            summary = _summarise(runs, scenarios)
    else:
        runs = _single_run(ts, adoptions, scenarios[0]["name"])
        summary = _summarise(runs, scenarios[:1])
    return Results(folder, manifest, kind, runs, ts, adoptions, summary, scenarios)


def _scenario(entry: dict) -> dict:
    """A manifest's scenario entry, completed from the built-in file where the manifest lacks a field."""
    out = dict(entry)
    source = str(out.get("source", ""))
    if source.startswith("builtin:") and (not out.get("description_zh") or not out.get("colour")):
        from jiesu.experiments.scenarios import ScenarioError, load_scenario

        try:
            builtin = load_scenario(source.split(":", 1)[1])
        except ScenarioError:
            return out
        if builtin.name == out.get("name"):
            out.setdefault("description_zh", builtin.description_zh)
            out["colour"] = out.get("colour") or builtin.colour
    return out


def _single_run(ts: pd.DataFrame, adoptions: pd.DataFrame, scenario: str) -> pd.DataFrame:
    metrics = compute_metrics(ts, adoptions)
    row = {"run_id": ts["run_id"].iloc[0], "scenario": scenario, "replicate": 0, "status": "ok", **metrics}
    return pd.DataFrame([row])


def _summarise(runs: pd.DataFrame, scenarios: list[dict]) -> pd.DataFrame:
    """The summary as ``jiesu compare`` writes it, rounded as in ``summary.csv``."""
    labels = {m: metric_label(m, "zh") for m in [*(m.name for m in METRICS), *REACHED.values()]}
    pairs = [(s["name"], s.get("name_zh", "")) for s in scenarios]
    return rounded(summarise_runs(runs, pairs, METRICS, labels))
