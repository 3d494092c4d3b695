"""Drawing a run's figures in worker processes, on the cores the simulation leaves idle.

A run's figures are most of a short command's time (a county run's three figures, each in
three formats, take about 3.5 s on one core, plus 0.7 s to import matplotlib), while the
simulation uses one core. :class:`FigurePool` starts its workers when the run starts: they
import matplotlib and the figure code while the model runs; afterwards each draws whole
figures straight into the run's folder while the main process writes the tables. The files
are those the main process would draw (tested).

How many workers: ``JIESU_FIGURE_WORKERS`` if set (``0`` draws in the main process, as the
library's :func:`~jiesu.experiments.designs.run.save_run` does without a pool); otherwise as
many as the process may use cores, at most one per figure, and none on a single core.

Each worker has a pipe of its own (no lock shared between workers), so stopping one can never
block another; a worker that dies is noticed, and its figure drawn in the main process.
"""

from __future__ import annotations

import contextlib
import os

from jiesu.experiments.errors import UsageError
from jiesu.experiments.limits import cpu_count

ENV = "JIESU_FIGURE_WORKERS"


def workers_for(n_figures: int) -> int:
    """Worker processes to draw ``n_figures`` figures (see the module docstring).

    Raises:
        UsageError: If ``JIESU_FIGURE_WORKERS`` is not a whole number, 0 or more.
    """
    text = os.environ.get(ENV, "").strip()
    if text:
        asked = int(text) if text.isascii() and text.isdigit() else -1
        if asked < 0:
            raise UsageError(f"{ENV}={text!r}: give a whole number of worker processes, 0 or more")
        return min(asked, n_figures)
    cores = cpu_count()
    return 0 if cores < 2 else min(cores, n_figures)


def _serve(conn, lang: str) -> None:
    """A worker: import what drawing needs, then run the tasks the pipe brings until told to stop."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    import importlib

    import matplotlib

    matplotlib.use("Agg")
    for name in PRELOAD:  # already there when forked from the server
        importlib.import_module(name)
    from jiesu.experiments.figures.chinamap import outlines

    outlines()
    _warm_up(lang)
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the main process is gone
            break
        if task is None:
            break
        fn, share = task
        answers = []
        for args in share:
            try:
                answers.append((True, fn(*args)))
            except BaseException as err:  # sent back, raised in the main process
                answers.append((False, err))
        conn.send(answers)
    conn.close()
    os._exit(0)  # files are written whole and closed; skip a slow orderly exit


#: What a worker imports before it can draw (about a second of CPU).
PRELOAD = (
    "matplotlib.pyplot",
    "jiesu.experiments.figures.maps",
    "jiesu.experiments.figures.run",
    "jiesu.experiments.outputs.storage",
)


def _context(multiprocessing):
    """A fork server where there is one (it imports :data:`PRELOAD` once for every worker), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
        return context
    return multiprocessing.get_context("spawn")


def _warm_up(lang: str) -> None:
    """Draw a line of text in ``lang`` into each format: fonts and writers load now, not later."""
    import io

    import matplotlib.pyplot as plt
    from jiesu.experiments.figures.common import FORMATS
    from jiesu.experiments.figures.fonts import rc

    with rc(lang):
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.1, 0.5, "接诉即办 2018-01" if lang == "zh" else "jiesu 2018-01")
        for fmt in FORMATS:
            fig.savefig(io.BytesIO(), format=fmt, dpi=72)
        plt.close(fig)


class WorkerLostError(RuntimeError):
    """A figure worker died (killed, out of memory) before answering."""


class FigurePool:
    """Worker processes that draw figures; use as a context manager around the run.

    Args:
        workers: Number of processes (see :func:`workers_for`). With 0, or where processes
            cannot be started, the pool is inactive (:attr:`active` is False) and the caller
            draws in its own process.
        lang: Language of the figures to come (``en`` or ``zh``): its fonts are loaded early.
    """

    def __init__(self, workers: int, lang: str = "en"):
        self._lang = lang
        self._workers: list = []  # (process, connection)
        self._starting = None
        if workers > 0:
            import threading

            # a fork server answers only once it has imported PRELOAD: start the workers
            # from a thread, so that this process goes on building the model meanwhile
            self._starting = threading.Thread(target=self._start_workers, args=(workers,), daemon=True)
            self._starting.start()

    def _start_workers(self, workers: int) -> None:
        import multiprocessing

        try:
            context = _context(multiprocessing)
            for _ in range(workers):
                parent, child = context.Pipe()
                process = context.Process(target=_serve, args=(child, self._lang), daemon=True)
                process.start()
                child.close()
                self._workers.append((process, parent))
        except (OSError, RuntimeError, ValueError):  # no processes here: draw in this one
            self._stop(now=True)

    def _started(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    @property
    def active(self) -> bool:
        """True while there are workers to draw (waits until they are started)."""
        self._started()
        self._workers = [w for w in self._workers if w[0].is_alive()]  # forget lost ones
        return bool(self._workers)

    def start(self, fn, tasks: list[tuple], weights: list[float] | None = None) -> Batch:
        """Start ``fn(*args)`` for every ``args`` in ``tasks``; returns at once.

        The tasks are shared out once, heaviest first to the least loaded worker (``weights``:
        their relative costs, default equal), and each worker gets its share as one message,
        so nothing here waits for a busy worker. :meth:`Batch.results` collects them.
        """
        if not self.active:
            raise RuntimeError("the figure pool has no workers")
        weights = weights or [1.0] * len(tasks)
        load = [0.0] * len(self._workers)
        shares: list[list[int]] = [[] for _ in self._workers]
        for k in sorted(range(len(tasks)), key=lambda k: -weights[k]):
            w = load.index(min(load))
            shares[w].append(k)
            load[w] += weights[k]
        sent = []
        for (process, conn), share in zip(self._workers, shares, strict=True):
            if share:
                try:
                    conn.send((fn, [tasks[k] for k in share]))
                    sent.append((process, conn, share))
                except (OSError, EOFError):
                    sent.append((process, None, share))
        return Batch(len(tasks), sent)

    def close(self, now: bool = False) -> None:
        """Stop the workers: idle ones exit at once; busy ones are terminated (at once if ``now``)."""
        self._started()
        self._stop(now)

    def _stop(self, now: bool) -> None:
        for _, conn in self._workers:
            with contextlib.suppress(OSError, EOFError):
                conn.send(None)
        for process, conn in self._workers:
            process.join(timeout=0 if now else 2)
            if process.is_alive():
                process.terminate()
                process.join()
            conn.close()
        self._workers = []

    def __enter__(self) -> FigurePool:
        return self

    def __exit__(self, kind, *exc) -> None:
        self.close(now=kind is not None)


class Batch:
    """Tasks started by :meth:`FigurePool.start`."""

    def __init__(self, n: int, sent: list):
        self._n = n
        self._sent = sent  # (process, connection or None, task indices)

    def results(self) -> list:
        """The tasks' results in their order, once all have ended.

        A task whose worker died gets a :class:`WorkerLostError` as its result (not raised); the
        first exception raised by a task is raised here.
        """
        from multiprocessing.connection import wait

        results: list = [None] * self._n
        waiting = {}
        for process, conn, share in self._sent:
            if conn is None:
                for k in share:
                    results[k] = WorkerLostError(f"figure worker {process.pid} is gone")
            else:
                waiting[conn] = (process, share)
        failure = None
        while waiting:
            ready = wait([*waiting, *(p.sentinel for p, _ in waiting.values())])
            for conn, (process, share) in list(waiting.items()):
                if conn not in ready and process.sentinel not in ready:
                    continue
                try:
                    answers = conn.recv()
                except (OSError, EOFError):  # died before answering
                    process.join(timeout=5)
                    answers = [(True, WorkerLostError(f"figure worker {process.pid} died"))] * len(share)
                del waiting[conn]
                for k, (ok, value) in zip(share, answers, strict=True):
                    results[k] = value if ok else None
                    if not ok and failure is None:
                        failure = value
        if failure is not None:
            raise failure
        return results
