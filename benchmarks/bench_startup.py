"""Start-up of the ``jiesu`` command: ``--help``, ``params``, and the first line of long commands.

Every measurement is a fresh process (what a user waits for), repeated, best and median kept:

* ``jiesu --help``, ``jiesu params``, ``jiesu scenarios`` and ``python -c "import jiesu"``;
* the time until ``jiesu run`` (Beijing, 2018-01..2018-06) and ``jiesu compare`` (default
  set) print their first line, standard error or output, not a terminal (the compare is
  stopped after its first line).

``--baseline REF`` measures the same commands on the code of a git commit (exported with
``git archive`` into a temporary folder with its own ``uv sync --locked``), interleaved with
the current tree so that both see the same machine load; the report gives the ratios.

    uv run python benchmarks/bench_startup.py                      # about 30 s
    uv run python benchmarks/bench_startup.py --baseline 1bbb59c   # before/after, about 3 min

Targets: ``--help`` and ``params`` under 1 s; the first line of a long command within 2 s.
Results go to ``benchmarks/out/startup.json`` with the machine, the commit and the load average.
"""

from __future__ import annotations

import argparse
import math
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, code_version, machine, now, print_targets, target, write_report

COMMANDS = {
    "jiesu --help": ["--help"],
    "jiesu params": ["params"],
    "jiesu scenarios": ["scenarios"],
}
FIRST_LINE = {
    "jiesu run: first line": ["run", "--end", "2018-06"],
    "jiesu compare: first line": ["compare"],
}


def load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def timed(cmd: list[str], cwd: Path) -> float:
    """Wall time of a command run to completion (its output discarded); NaN if it fails.

    (``import jiesu`` fails on commits before the ``jiesu`` package existed.)
    """
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start if done.returncode == 0 else math.nan


def first_line(cmd: list[str], cwd: Path, timeout: float) -> float:
    """Seconds until the command prints its first line (either stream), then stop it.

    Returns ``inf`` if nothing is printed within ``timeout`` seconds.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            return time.perf_counter() - start if selector.select(timeout) else math.inf
    finally:
        proc.kill()
        proc.wait()


def measure(tree: dict, out: Path, timeout: float) -> dict[str, float]:
    """One round of every measurement of one tree."""
    jiesu, python = tree["jiesu"], tree["python"]
    res = {name: timed([jiesu, *args], out) for name, args in COMMANDS.items()}
    res["import jiesu"] = timed([python, "-c", "import jiesu"], out)
    for k, (name, args) in enumerate(FIRST_LINE.items()):
        folder = Path(tempfile.mkdtemp(dir=out)) / f"{tree['label']}-{k}"
        res[name] = first_line([jiesu, *args, "--out", str(folder)], out, timeout)
    return res


def export(ref: str) -> dict:
    """The code of commit ``ref`` in a temporary folder, with its own environment."""
    folder = Path(tempfile.mkdtemp(prefix=f"jiesu-{ref}-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    subprocess.run(["uv", "sync", "--locked", "--quiet"], cwd=folder, check=True)
    venv = folder / ".venv" / "bin"
    return {"label": ref, "jiesu": str(venv / "jiesu"), "python": str(venv / "python")}


def summary(times: list[float]) -> dict:
    return {"best": min(times), "median": statistics.median(times), "all": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", help="git commit to compare with (e.g. 1bbb59c)")
    parser.add_argument(
        "--timeout", type=float, default=20.0, help="seconds to wait for a first line (default 20)"
    )
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    trees = [{"label": "current", "jiesu": str(bindir / "jiesu"), "python": sys.executable}]
    if args.baseline:
        print(f"  exporting {args.baseline} and installing its environment ...", file=sys.stderr)
        trees.append(export(args.baseline))
    report = {"date": now(), "machine": machine(), "code": code_version(), "load_before": load()}
    raw: dict[str, dict[str, list[float]]] = {t["label"]: {} for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):  # interleaved: every tree sees the same load
            print(f"  repeat {r + 1}/{args.repeats} ...", file=sys.stderr)
            for tree in trees:
                for name, seconds in measure(tree, Path(tmp), args.timeout).items():
                    raw[tree["label"]].setdefault(name, []).append(seconds)
    report["load_after"] = load()
    report["results"] = {label: {n: summary(t) for n, t in res.items()} for label, res in raw.items()}
    _print(report, trees)
    cur = report["results"]["current"]
    report["targets"] = {
        "jiesu --help (s, best)": target("<=", 1.0, cur["jiesu --help"]["best"]),
        "jiesu params (s, best)": target("<=", 1.0, cur["jiesu params"]["best"]),
        "jiesu run: first line (s, best)": target("<=", 2.0, cur["jiesu run: first line"]["best"]),
        "jiesu compare: first line (s, best)": target("<=", 2.0, cur["jiesu compare: first line"]["best"]),
    }
    print_targets(report["targets"])
    print(f"\nwrote {write_report(report, 'startup.json')}")


def _print(report: dict, trees: list[dict]) -> None:
    m = report["machine"]
    print(
        f"\njiesu start-up  {report['date']}  ({m['usable_cpus']} usable cpus, python {m['python']}; "
        f"load average {report['load_before'][0]:.2f} before, {report['load_after'][0]:.2f} after; "
        f"commit {report['code']['commit'][:10]})"
    )
    labels = [t["label"] for t in trees]
    head = "".join(f"{label + ' best/median (s)':>30}" for label in labels)
    print(f"{'':<30}{head}" + ("   ratio of best" if len(labels) > 1 else ""))
    res = report["results"]
    for name in res["current"]:
        cells = "".join(f"{res[lb][name]['best']:>19.3f} / {res[lb][name]['median']:<8.3f}" for lb in labels)
        ratio = ""
        if len(labels) > 1:
            ratio = f"   {res[labels[1]][name]['best'] / res['current'][name]['best']:>6.1f}x"
        print(f"{name:<30}{cells}{ratio}")


if __name__ == "__main__":
    main()
