"""Parameter sweeps (``jiesu sweep``): written as they run, resumable, local or on Dask.

Layout of a sweep folder::

    manifest.json        provenance, the spec's digest, counts
    spec.toml            the sweep file as given
    design.parquet       one row per design point
    parts/runs-*.parquet results in batches, each written atomically as runs finish
    parts/{series,adoptions,hazards}-*.parquet
                         with ``panel = true``: what event-history panels need, per batch
                         (written before the batch's runs part, which marks it complete)
    runs.parquet         all runs, sorted (written when the sweep is complete)

Run ``r`` of design point ``p`` has ``run_index = p * replicates + r`` and uses replicate
``r``'s streams. An interrupted sweep (Ctrl-C, kill, crashed worker) loses at most the runs
not yet flushed; ``--resume`` runs exactly the missing ones. Failed runs are stored with
their error and do not stop the sweep.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
from jiesu.experiments.designs.sweep_spec import SweepSpec, load_spec
from jiesu.experiments.errors import UsageError
from jiesu.experiments.execution.parallel import run_tasks
from jiesu.experiments.execution.progress import Progress
from jiesu.experiments.outputs.storage import base_manifest, write_atomic, write_json, write_parquet

PARTS = "parts"


def tasks_for(spec: SweepSpec, design: pd.DataFrame) -> list[dict]:
    """Every run of the sweep as a task for :func:`experiments.parallel.execute`."""
    factor_cols = list(spec.factors)
    ints = _ints(spec)
    tasks = []
    for row in design.itertuples(index=False):
        values = {n: int(getattr(row, n)) if n in ints else float(getattr(row, n)) for n in factor_cols}
        for r in range(spec.replicates):
            index = int(row.point_index) * spec.replicates + r
            tasks.append(
                {
                    "run_index": index,
                    "run_id": f"{spec.name}-{index:06d}",
                    "scenario": spec.scenario,
                    "overrides": {**spec.parameters, **values},
                    "seed": spec.seed,
                    "replicate": r,
                    "tables": "panel" if spec.panel else "none",
                    "point_index": int(row.point_index),
                    "factors": values,
                }
            )
    return tasks


def _ints(spec: SweepSpec) -> set[str]:
    from jiesu.model.parameters import PARAMS_BY_NAME

    return {n for n in spec.factors if PARAMS_BY_NAME[n].kind == "int"}


def done_runs(folder: Path) -> set[int]:
    """Run indices already stored in the folder's parts."""
    files = sorted((folder / PARTS).glob("runs-*.parquet"))
    if not files:
        return set()
    return set(pd.concat([pd.read_parquet(f, columns=["run_index"]) for f in files])["run_index"].tolist())


def prepare(spec: SweepSpec, folder: Path, resume: bool, argv: list[str]) -> pd.DataFrame:
    """Create the sweep folder (or check it for a resume) and return the design.

    Raises:
        UsageError: An existing folder without ``--resume``, a resume of another sweep, or
            ``--resume`` on a folder that holds no sweep.
    """
    manifest_path = folder / "manifest.json"
    if resume:
        if not manifest_path.exists():
            raise UsageError(f"--resume: {folder} holds no sweep (no manifest.json); run without --resume")
        old = json.loads(manifest_path.read_text())
        if old.get("spec_sha256") != spec.digest:
            raise UsageError(f"--resume: {folder} was started from a different sweep file; use another --out")
        return pd.read_parquet(folder / "design.parquet")
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(
            f"{folder} already exists and is not empty: add --resume to continue it, or choose --out"
        )
    design = spec.design_table()
    (folder / PARTS).mkdir(parents=True, exist_ok=True)
    (folder / "spec.toml").write_text(spec.text, encoding="utf-8")
    write_parquet(design, folder / "design.parquet")
    manifest = base_manifest(["jiesu", *argv])
    manifest.update(
        {
            "kind": "sweep",
            "name": spec.name,
            "design": spec.design,
            "samples": spec.samples,
            "replicates": spec.replicates,
            "seed": spec.seed,
            "factors": {k: list(v) for k, v in spec.factors.items()},
            "parameters": spec.parameters,
            "scenario": spec.scenario.to_dict(),
            "outcomes": list(spec.outcomes),
            "spec_sha256": spec.digest,
            "panel": spec.panel,
            "n_points": len(design),
            "n_runs": len(design) * spec.replicates,
            "run_index": "point_index * replicates + replicate; replicate r uses spawn key (r,) of the seed",
            "notes": "Sobol: SALib's Saltelli scheme, no second-order terms; N need not be a power of 2.",
        }
    )
    write_json(manifest, folder / "manifest.json")
    return design


class PartWriter:
    """Buffers finished runs and writes them as numbered Parquet parts, atomically."""

    def __init__(self, folder: Path, batch: int):
        self.folder = folder / PARTS
        self.batch = max(1, batch)
        self.rows: list[dict] = []
        self.frames: dict[str, list[pd.DataFrame]] = {}
        existing = sorted(self.folder.glob("runs-*.parquet"))
        self.next = 1 + max((int(f.stem.split("-")[1]) for f in existing), default=-1)
        self.last_flush = time.monotonic()

    def add(self, row: dict, frames: dict[str, pd.DataFrame] | None = None) -> None:
        """Buffer one run (and its tables for panels); flush when the batch is full or after 30 s."""
        self.rows.append(row)
        for name, frame in (frames or {}).items():
            if frame is not None:
                self.frames.setdefault(name, []).append(frame)
        if len(self.rows) >= self.batch or time.monotonic() - self.last_flush > 30:
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs as the next part."""
        if self.rows:
            for name, frames in self.frames.items():  # before the runs part, which marks the batch done
                write_parquet(
                    pd.concat(frames, ignore_index=True), self.folder / f"{name}-{self.next:05d}.parquet"
                )
            write_parquet(pd.DataFrame(self.rows), self.folder / f"runs-{self.next:05d}.parquet")
            self.next += 1
            self.rows, self.frames = [], {}
        self.last_flush = time.monotonic()


def run_sweep(
    spec: SweepSpec,
    folder: Path,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    batch: int = 10,
    argv: list[str] | None = None,
    progress: bool = True,
) -> dict:
    """Run (or resume) a sweep into ``folder``; return counts. See the module docstring."""
    design = prepare(spec, folder, resume, argv or [])
    tasks = tasks_for(spec, design)
    done = done_runs(folder)
    todo = [t for t in tasks if t["run_index"] not in done]
    writer = PartWriter(folder, batch)
    failures = 0
    bar = Progress(len(todo), spec.name, "run", enabled=progress)
    by_index = {t["run_index"]: t for t in todo}
    try:
        for res in run_tasks(todo, workers, scheduler):
            task = by_index[res["run_index"]]
            writer.add(
                {
                    "run_index": res["run_index"],
                    "run_id": res["run_id"],
                    "point_index": task["point_index"],
                    "replicate": task["replicate"],
                    "seed": spec.seed,
                    **task["factors"],
                    "status": res["status"],
                    "error": res["error"],
                    "wall_seconds": res["wall_seconds"],
                    **res["metrics"],
                },
                {k: res.get(k) for k in ("series", "adoptions", "hazards")} if spec.panel else None,
            )
            failures += res["status"] != "ok"
            bar.update(failed=int(res["status"] != "ok"))
    finally:
        writer.flush()
        bar.close()
    complete = finalise(folder, len(tasks))
    return {"runs": len(tasks), "ran_now": len(todo), "failed_now": failures, "complete": complete}


def finalise(folder: Path, expected: int) -> bool:
    """When every run is stored, write the sorted ``runs.parquet``; return whether complete."""
    files = sorted((folder / PARTS).glob("runs-*.parquet"))
    if not files:
        return False
    runs = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    if runs["run_index"].duplicated().any():
        raise RuntimeError(f"{folder}: a run is stored twice; the parts are inconsistent")
    if len(runs) < expected:
        return False
    write_parquet(runs.sort_values("run_index").reset_index(drop=True), folder / "runs.parquet")
    return True


def load_results(folder: Path) -> tuple[SweepSpec, pd.DataFrame, pd.DataFrame]:
    """The spec, the design, and the point means of every outcome (DuckDB over the parts).

    Raises:
        UsageError: If the folder holds no sweep or the sweep is incomplete.
    """
    if not (folder / "spec.toml").is_file():
        raise UsageError(f"{folder} holds no sweep (no spec.toml)")
    spec = load_spec(folder / "spec.toml")
    design = pd.read_parquet(folder / "design.parquet")
    pattern = str(folder / PARTS / "runs-*.parquet")
    if not list((folder / PARTS).glob("runs-*.parquet")):
        raise UsageError(f"{folder}: no runs stored yet")
    import duckdb  # needed only here and in summary_table

    con = duckdb.connect()
    counts = con.execute(
        f"SELECT count(*), count(DISTINCT run_index), sum(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) "
        f"FROM read_parquet('{pattern}')"
    ).fetchone()
    expected = len(design) * spec.replicates
    if counts[1] < expected:
        raise UsageError(
            f"{folder}: sweep incomplete ({counts[1]} of {expected} runs); resume it with --resume"
        )
    cols = ", ".join(f"avg({o}) AS {o}" for o in spec.outcomes)
    means = con.execute(
        f"SELECT point_index, count(*) AS n_ok, {cols} FROM read_parquet('{pattern}') "
        "WHERE status = 'ok' GROUP BY point_index ORDER BY point_index"
    ).df()
    means.attrs["failed"] = int(counts[2] or 0)
    return spec, design, means


def summary_table(folder: Path, spec: SweepSpec) -> pd.DataFrame:
    """Per outcome: runs, failures, mean, sd, min, quartiles, max (DuckDB)."""
    import duckdb

    pattern = str(folder / PARTS / "runs-*.parquet")
    con = duckdb.connect()
    parts = []
    for o in spec.outcomes:
        parts.append(
            con.execute(
                f"SELECT '{o}' AS outcome, count({o}) AS n, avg({o}) AS mean, stddev_samp({o}) AS sd, "
                f"min({o}) AS min, "
                f"quantile_cont({o}, 0.25) AS q25, median({o}) AS median, quantile_cont({o}, 0.75) AS q75, "
                f"max({o}) AS max FROM read_parquet('{pattern}') WHERE status = 'ok'"
            ).df()
        )
    return pd.concat(parts, ignore_index=True)


def analyze(folder: Path, lang: str = "en") -> tuple[pd.DataFrame, int]:
    """Write ``indices.csv``, ``summary.csv`` and one figure per outcome into ``folder/analysis``.

    Figures in Chinese are named ``indices_OUTCOME-zh.png``, so they never replace the English
    ones (the tables do not depend on the language).

    Returns:
        The table of indices and the number of failed runs.

    Raises:
        UsageError: If the folder holds no sweep or the sweep is incomplete.
    """
    from jiesu.experiments.analysis.sensitivity import indices
    from jiesu.experiments.designs.run import figure_name
    from jiesu.experiments.figures.common import save
    from jiesu.experiments.figures.sensitivity import indices_figure

    spec, design, means = load_results(folder)
    table = indices(spec, design, means)
    out = folder / "analysis"
    out.mkdir(exist_ok=True)
    write_atomic(out / "indices.csv", lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))
    summary = summary_table(folder, spec)
    write_atomic(out / "summary.csv", lambda p: summary.to_csv(p, index=False, encoding="utf-8-sig"))
    for outcome in spec.outcomes:
        if "note" in table and table.loc[table["outcome"] == outcome, "note"].notna().any():
            continue
        save(indices_figure(table, outcome, lang), out, figure_name(f"indices_{outcome}", lang))
    return table, int(means.attrs.get("failed", 0))
