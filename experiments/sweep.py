"""Parameter sweeps (``jiesu sweep``): written as they run, resumable, local or on Dask.

Layout of a sweep folder::

    manifest.json        provenance, the spec's digest, counts
    spec.toml            the sweep file as given
    design.parquet       one row per design point
    parts/runs-*.parquet results in batches, each written atomically as runs finish
    runs.parquet         all runs, sorted (written when the sweep is complete)

Run ``r`` of design point ``p`` has ``run_index = p * replicates + r`` and uses replicate
``r``'s streams. An interrupted sweep (Ctrl-C, kill, crashed worker) loses at most the runs
not yet flushed; ``--resume`` runs exactly the missing ones. Failed runs are stored with
their error and do not stop the sweep.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from experiments.errors import UsageError
from experiments.parallel import run_tasks
from experiments.storage import base_manifest, write_json, write_parquet
from experiments.sweep_spec import SweepSpec, load_spec

PARTS = "parts"


def add_parsers(sub) -> None:
    """Register ``jiesu sweep`` and ``jiesu analyze``."""
    p = sub.add_parser("sweep", help="run a parameter sweep (grid, lhs, sobol, morris) from a TOML file")
    p.add_argument("spec", help="sweep file (.toml) or a shipped example name")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    p.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT instead of local workers")
    p.add_argument("--out", type=Path, help="sweep folder (default: results/sweep-NAME)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep in --out")
    p.add_argument("--batch", type=int, default=10, help="runs per Parquet part (default 10)")
    a = sub.add_parser("analyze", help="Sobol/Morris indices and summary tables of a finished sweep")
    a.add_argument("folder", type=Path, help="sweep folder")
    a.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the figures")


def dispatch(args, argv: list[str]) -> int:
    """Run ``sweep`` or ``analyze``."""
    if args.command == "analyze":
        from experiments.analyze import cmd_analyze

        return cmd_analyze(args)
    return cmd_sweep(args, argv)


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
                    "tables": "none",
                    "point_index": int(row.point_index),
                    "factors": values,
                }
            )
    return tasks


def _ints(spec: SweepSpec) -> set[str]:
    from model.parameters import PARAMS_BY_NAME

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
        existing = sorted(self.folder.glob("runs-*.parquet"))
        self.next = 1 + max((int(f.stem.split("-")[1]) for f in existing), default=-1)
        self.last_flush = time.monotonic()

    def add(self, row: dict) -> None:
        """Buffer one run; flush when the batch is full or 30 s have passed."""
        self.rows.append(row)
        if len(self.rows) >= self.batch or time.monotonic() - self.last_flush > 30:
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs as the next part."""
        if self.rows:
            write_parquet(pd.DataFrame(self.rows), self.folder / f"runs-{self.next:05d}.parquet")
            self.next += 1
            self.rows = []
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
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc=spec.name,
        unit="run",
        disable=None if progress else True,
        file=sys.stderr,
    )
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
                }
            )
            failures += res["status"] != "ok"
            bar.set_postfix(failed=failures)
            bar.update()
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


def cmd_sweep(args, argv: list[str]) -> int:
    """``jiesu sweep``."""
    spec = load_spec(args.spec)
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    folder = args.out or Path("results") / f"sweep-{spec.name}"
    start = time.perf_counter()
    try:
        result = run_sweep(spec, folder, args.workers, args.scheduler, args.resume, args.batch, argv)
    except KeyboardInterrupt:
        stored = len(done_runs(folder))
        print(
            f"jiesu: interrupted; {stored} runs are stored in {folder}. Continue with:\n"
            f"  jiesu sweep {args.spec} --out {folder} --resume",
            file=sys.stderr,
        )
        return 130
    seconds = time.perf_counter() - start
    state = "complete" if result["complete"] else "incomplete"
    print(
        f"sweep {spec.name}: {result['ran_now']} runs now ({result['failed_now']} failed), "
        f"{result['runs']} in all, {state}, {seconds:.0f} s -> {folder}/"
    )
    if result["complete"]:
        print(f"analyse with: jiesu analyze {folder}")
    return 0
