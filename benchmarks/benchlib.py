"""Helpers shared by ``bench_diffusion.py`` and ``bench_sweep.py`` (not a benchmark itself).

Same conventions as ``bench_citizens.py``: every measurement runs in a fresh subprocess of the
calling script (``--child SPEC``, SPEC a JSON object), which prints its result as one JSON line;
the parent keeps the best of the repeats and writes everything to ``benchmarks/out/``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "benchmarks" / "out"


# --- child processes -----------------------------------------------------------------------
def spawn(script: str, spec: dict, timeout: float = 900) -> dict:
    """Run ``script --child SPEC`` in a fresh interpreter and return its last JSON line."""
    cmd = [sys.executable, script, "--child", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        sys.exit(f"child {' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(script: str, spec: dict, repeats: int, key: str, label: str) -> dict:
    """Spawn ``repeats`` children with ``spec``; return the one with the smallest ``key``."""
    runs = []
    for r in range(repeats):
        note(f"{label} ({r + 1}/{repeats})")
        runs.append(spawn(script, spec))
    best = dict(min(runs, key=lambda x: x[key]))
    best[f"{key}_all"] = [x[key] for x in runs]
    best["repeats"] = repeats
    return best


def note(message: str) -> None:
    print(f"  {message} ...", file=sys.stderr, flush=True)


def vm_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS: resident now, VmHWM: peak resident)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def vm_mb(field: str) -> float:
    return vm_kb(field) / 1024


# --- timing the phases of a month ----------------------------------------------------------
class PhaseTimer:
    """Wraps attributes (bound methods or module functions) to accumulate their run time.

    ``restore`` puts the originals back (needed for module functions, which outlive a model).
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[object, str, object, bool]] = []

    def wrap(self, owner, name: str, label: str) -> None:
        had_own = name in getattr(owner, "__dict__", {})
        original = getattr(owner, name)
        self._undo.append((owner, name, original, had_own))
        setattr(owner, name, self._timed(original, label))

    def _timed(self, fn, label: str):
        def timed(*args, **kwargs):
            t0 = perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += perf_counter() - t0
                self.calls[label] += 1

        return timed

    def restore(self) -> None:
        for owner, name, original, had_own in reversed(self._undo):
            if had_own:  # a module's function or an instance's own attribute
                setattr(owner, name, original)
            else:  # a method looked up on the class: drop the instance's wrapper
                delattr(owner, name)
        self._undo.clear()


# --- statistics ----------------------------------------------------------------------------
def fit_exponent(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y on log x (cost ~ x ** slope)."""
    lx = [math.log(v) for v in x]
    ly = [math.log(v) for v in y]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sxx


def local_exponent(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.log(y1 / y0) / math.log(x1 / x0)


def target(op: str, goal: float, measured: float) -> dict:
    met = measured <= goal if op == "<=" else measured >= goal
    return {"target": f"{op} {goal:g}", "measured": measured, "met": bool(met)}


def print_targets(targets: dict) -> None:
    print("\ntargets:")
    for name, t in targets.items():
        print(
            f"  {name:<46} {t['target']:>9}  measured {t['measured']:>9.3f}  "
            f"{'MET' if t['met'] else 'MISSED'}"
        )


# --- provenance ----------------------------------------------------------------------------
def machine() -> dict:
    import joblib
    import mesa
    import numpy as np
    import pandas as pd

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "mem_total_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "mesa": mesa.__version__,
        "joblib": joblib.__version__,
    }


def code_version() -> dict:
    """Commit and uncommitted files of the code measured (others may be editing it)."""

    def git(*cmd: str) -> str:
        proc = subprocess.run(["git", *cmd], capture_output=True, text=True, check=False, cwd=ROOT)
        return proc.stdout.rstrip("\n")

    status = git("status", "--porcelain", "--", "agents", "model", "experiments")
    return {"commit": git("rev-parse", "HEAD"), "uncommitted": [ln[3:] for ln in status.splitlines()]}


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def out_name(stem: str, parts: str, every: str, default: str | None = None) -> str:
    """``stem.json`` for the default set of parts; another set (``--parts``) must not overwrite it."""
    chosen = [p for p in every.split(",") if p in parts.split(",")]
    full = (default or every).split(",")
    return f"{stem}.json" if chosen == full else f"{stem}-{'-'.join(chosen)}.json"


def write_report(report: dict, name: str) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / name
    path.write_text(json.dumps(report, indent=1))
    return path


def header(title: str, report: dict) -> None:
    m = report["machine"]
    print(
        f"\n{title}  {report['date']}  ({m['usable_cpus']} usable cpus, {m['cpu']}, python {m['python']}, "
        f"numpy {m['numpy']}, pandas {m['pandas']}, mesa {m['mesa']}, joblib {m['joblib']})"
    )
    code = report["code"]
    dirty = f"; uncommitted: {', '.join(code['uncommitted'])}" if code["uncommitted"] else ""
    print(f"code {code['commit'][:10]}{dirty}")
