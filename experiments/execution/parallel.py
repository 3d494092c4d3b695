"""Executing many runs: one process, local workers (joblib), or a Dask cluster.

A task is a plain dict (picklable); :func:`execute` runs it in whatever process receives it
and returns a plain dict. Results arrive in completion order; every task carries its own seed
and replicate, so results do not depend on the number of workers or on the scheduler.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Iterator

from jiesu.experiments.errors import UsageError


def execute(task: dict) -> dict:
    """Run one task and return its result; a failing run is reported, not raised.

    Task keys: ``run_index``, ``run_id``, ``scenario`` (a :class:`Scenario`), ``overrides``,
    ``seed``, ``replicate``, ``tables`` (``"none"``, ``"headline"`` for national and province
    rows, ``"all"``, or ``"panel"`` for what event-history panels need: the compact city series,
    the events and the hazards, without timeseries rows), and optionally ``posterior`` (each
    replicate draws its particle). Except with ``"none"`` the result carries the run's
    ``hazards`` (the ground truth of adoption, by source).
    """
    from jiesu.experiments.analysis.metrics import compute_metrics
    from jiesu.experiments.execution.runner import run_scenario
    from jiesu.experiments.outputs.tables import LEVELS, city_series

    start = time.perf_counter()
    base = {"run_index": task["run_index"], "run_id": task["run_id"]}
    tables = task.get("tables", "none")
    levels = {"none": ("national",), "headline": ("province", "national"), "panel": ("city", "national")}
    levels = levels.get(tables, LEVELS)
    try:
        out = run_scenario(
            task["scenario"],
            task["overrides"],
            seed=task["seed"],
            replicate=task["replicate"],
            run_id=task["run_id"],
            levels=levels,
            posterior=task.get("posterior"),
        )
    except Exception as err:
        last = traceback.format_exception_only(type(err), err)[-1].strip()
        return {
            **base,
            "status": "failed",
            "error": last,
            "wall_seconds": time.perf_counter() - start,
            "metrics": {},
            "timeseries": None,
            "adoptions": None,
            "hazards": None,
            "series": None,
        }
    ts = out.timeseries
    keep = tables != "none"
    panel = tables == "panel"
    metrics = compute_metrics(out.timeseries, out.adoptions)
    return {
        **base,
        "status": "ok",
        "error": "",
        "wall_seconds": time.perf_counter() - start,
        "particle": (out.info.get("particle") or {}).get("particle"),
        "metrics": metrics,
        "timeseries": ts.reset_index(drop=True) if keep and not panel else None,
        "adoptions": out.adoptions if keep else None,
        "hazards": out.hazards if keep else None,
        "series": city_series(ts) if panel else None,
    }


def run_tasks(tasks: list[dict], workers: int = 1, scheduler: str | None = None) -> Iterator[dict]:
    """Yield the result of every task as it completes.

    Args:
        tasks: Task dicts for :func:`execute`.
        workers: Local worker processes (joblib); 1 runs in this process.
        scheduler: Address of a Dask scheduler (``tcp://HOST:PORT``); overrides ``workers``.

    Raises:
        UsageError: For a worker count below 1, or a scheduler that cannot be reached.
    """
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if not tasks:
        return
    if scheduler:
        yield from _dask(tasks, scheduler)
    elif workers == 1:
        for task in tasks:
            yield execute(task)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=workers, return_as="generator_unordered", backend="loky")
        yield from parallel(delayed(execute)(t) for t in tasks)


def dask_client(address: str):
    """A client of the Dask scheduler at ``address``, or a clear error.

    Raises:
        UsageError: If Dask distributed is not installed or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--scheduler needs Dask distributed: install the extra with `uv sync --extra distributed`"
        ) from None
    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError) as err:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {err}") from None


def _dask(tasks: Iterable[dict], address: str) -> Iterator[dict]:
    from distributed import as_completed

    client = dask_client(address)
    try:
        futures = client.map(execute, list(tasks), pure=False)
        for _future, result in as_completed(futures, with_results=True):
            yield result
    finally:
        client.close()
