"""Benchmark: the sweep machinery — overhead per run, speed-up of 2 workers, memory over many runs.

Run from the repository root::

    uv run python benchmarks/bench_sweep.py             # about 7 minutes on 2 cores
    uv run python benchmarks/bench_sweep.py --parts overhead,memory

Runs are cheap synthetic scenarios written to a temporary folder (30 cities, 2018-01..2022-12,
about 0.3 s a run; 1 city and 6 months for the memory check). Every measurement is a fresh
subprocess; the best of ``--repeats`` is kept. Figures are printed and written to
``benchmarks/out/sweep.json``. A speed measurement, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import weakref
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import (  # noqa: E402
    PhaseTimer,
    code_version,
    header,
    machine,
    note,
    now,
    out_name,
    print_targets,
    spawn,
    target,
    vm_mb,
    write_report,
)

SCRIPT = str(Path(__file__).resolve())
SCENARIO = """name = "bench_synthetic"
[parameters]
geography = "synthetic"
synthetic_cities = {cities}
synthetic_population = 300000
residents_per_citizen = 100000
residents_per_unit = 300000
pioneer = "largest"
end = "{end}"
imitation_rate = 0.1
"""
SPEC = """name = "bench"
scenario = "{scenario}"
design = "lhs"
samples = {samples}
replicates = 2
seed = 5
outcomes = ["share_adopted_end", "satisfaction_rate_last12"]
[factors]
imitation_rate = [0.0, 0.3]
external_rate = [0.0, 0.05]
"""
CHEAP = {"cities": 30, "end": "2022-12"}  # about 0.3 s a run
TINY = {"cities": 1, "end": "2018-06"}  # about 35 ms a run
OVERHEAD_RUNS = 60
PARALLEL_RUNS = 200
MEMORY_RUNS = 2000
MEMORY_MARKS = (20, 200, 2000)
PART = "run_scenario: "
TARGETS = {"overhead": 0.05, "speedup": 1.8, "memory_ratio": 1.10}


# --- inputs --------------------------------------------------------------------------------
def write_scenario(folder: Path, cities: int, end: str) -> Path:
    path = folder / "scenario.toml"
    path.write_text(SCENARIO.format(cities=cities, end=end))
    return path


def write_spec(folder: Path, runs: int) -> Path:
    scenario = write_scenario(folder, **CHEAP)
    path = folder / "spec.toml"
    path.write_text(SPEC.format(scenario=scenario, samples=runs // 2))
    return path


def load_tasks(folder: Path, runs: int):
    """The sweep spec and its tasks; SALib is imported and the model warmed up once."""
    from jiesu.experiments.designs.sweep import tasks_for
    from jiesu.experiments.designs.sweep_spec import load_spec
    from jiesu.experiments.execution.runner import run_scenario

    spec = load_spec(write_spec(folder, runs))
    tasks = tasks_for(spec, spec.design_table())
    first = tasks[0]
    run_scenario(first["scenario"], first["overrides"], seed=first["seed"], replicate=first["replicate"])
    return spec, tasks


# --- child: N runs called directly ---------------------------------------------------------
def direct_child(spec: dict) -> dict:
    from jiesu.experiments.analysis.metrics import headline
    from jiesu.experiments.execution.runner import run_scenario

    with tempfile.TemporaryDirectory() as tmp:
        _, tasks = load_tasks(Path(tmp), spec["runs"])
        outputs = []
        t0 = perf_counter()
        for t in tasks:
            out = run_scenario(t["scenario"], t["overrides"], t["seed"], t["replicate"], t["run_id"])
            outputs.append((t["run_index"], out.timeseries))
        elapsed = perf_counter() - t0
    share = {i: float(headline(ts)["share_adopted"].iloc[-1]) for i, ts in outputs}
    return {"runs": len(tasks), "elapsed_s": elapsed, "share_adopted_end": [share[i] for i in sorted(share)]}


# --- child: the same runs through run_sweep ------------------------------------------------
def install_sweep_timers(workers: int) -> tuple[PhaseTimer, list[float]]:
    import jiesu.experiments.designs.sweep as sweep
    from jiesu.experiments.analysis import metrics
    from jiesu.experiments.execution import parallel, runner
    from jiesu.model.model import JiesuModel

    timer = PhaseTimer()
    if workers == 1:  # runs execute in this process only with one worker
        timer.wrap(parallel, "execute", "execute")
        timer.wrap(runner, "run_scenario", "run_scenario (as direct)")
        timer.wrap(runner, "build_model", f"{PART}build_model")
        timer.wrap(JiesuModel, "run", f"{PART}model.run()")
        timer.wrap(runner, "tidy_timeseries", f"{PART}tidy_timeseries (+ aggregates)")
        timer.wrap(metrics, "compute_metrics", "execute: compute_metrics")
    timer.wrap(sweep, "prepare", "prepare (design, folder, manifest)")
    timer.wrap(sweep.PartWriter, "flush", "Parquet parts (PartWriter.flush)")
    timer.wrap(sweep, "finalise", "finalise (runs.parquet)")
    arrivals: list[float] = []
    original = sweep.run_tasks

    def run_tasks(*args, **kwargs):
        for res in original(*args, **kwargs):
            arrivals.append(perf_counter())
            yield res

    sweep.run_tasks = run_tasks
    return timer, arrivals


def sweep_child(spec: dict) -> dict:
    import pandas as pd
    from jiesu.experiments.designs.sweep import run_sweep

    workers = spec["workers"]
    with tempfile.TemporaryDirectory() as tmp:
        sweep_spec, _ = load_tasks(Path(tmp), spec["runs"])
        timer, arrivals = install_sweep_timers(workers)
        t0 = perf_counter()
        result = run_sweep(sweep_spec, Path(tmp) / "sweep", workers=workers, progress=False)
        elapsed = perf_counter() - t0
        runs = pd.read_parquet(Path(tmp) / "sweep" / "runs.parquet")
    timer.restore()
    phases = dict(timer.seconds)
    parts = split_execute(phases, elapsed) if workers == 1 else {}
    return {
        "runs": len(runs),
        "workers": workers,
        "elapsed_s": elapsed,
        "complete": result["complete"],
        "failed": int((runs["status"] != "ok").sum()),
        "first_result_s": arrivals[0] - t0,
        "last_result_s": arrivals[-1] - t0,
        "run_wall_s_sum": float(runs["wall_seconds"].sum()),
        "run_wall_s_mean": float(runs["wall_seconds"].mean()),
        "phases_s": phases,
        "run_scenario_parts_s": parts,
        "in_process_overhead": in_process_overhead(phases, elapsed) if workers == 1 else None,
        "share_adopted_end": runs["share_adopted_end"].astype(float).tolist(),
    }


def split_execute(phases: dict, elapsed: float) -> dict:
    """Turn the timed calls into parts that add up to the sweep's time (one worker).

    Returns the parts of ``run_scenario`` (removed from ``phases``, which they are part of).
    """
    parts = {k: phases.pop(k) for k in list(phases) if k.startswith(PART)}
    parts[f"{PART}the rest (release, info)"] = phases["run_scenario (as direct)"] - sum(parts.values())
    execute_s = phases.pop("execute")
    inner = phases["run_scenario (as direct)"] + phases["execute: compute_metrics"]
    phases["execute: the rest (result dict)"] = execute_s - inner
    phases["sweep loop: tqdm, rows, bookkeeping"] = (
        elapsed
        - execute_s
        - sum(v for k, v in phases.items() if not k.startswith(("run_scenario", "execute")))
    )
    return parts


def in_process_overhead(phases: dict, elapsed: float) -> float:
    """Time of the sweep beyond its run_scenario calls, relative to them (same process)."""
    inner = phases["run_scenario (as direct)"]
    return (elapsed - inner) / inner


# --- child: memory of one worker over many runs --------------------------------------------
def track_models() -> list:
    """Keep a weak reference to every JiesuModel built from now on."""
    from jiesu.model import model as model_module

    refs: list = []
    original = model_module.JiesuModel.__init__

    def tracking(self, *args, **kwargs):
        original(self, *args, **kwargs)
        refs.append(weakref.ref(self))

    model_module.JiesuModel.__init__ = tracking
    return refs


def snapshot(refs: list, runs: int, t0: float) -> dict:
    import mesa

    before = sum(r() is not None for r in refs)
    gc.collect()
    ids = getattr(mesa.Agent, "_ids", None)
    return {
        "runs": runs,
        "models_built": len(refs),
        "alive_before_gc": before,
        "alive_after_gc": sum(r() is not None for r in refs),
        "mesa_agent_ids_entries": len(ids) if ids is not None else None,
        "gc_objects": len(gc.get_objects()) - len(refs),  # not counting this benchmark's weakrefs
        "rss_mb": vm_mb("VmRSS"),
        "elapsed_s": perf_counter() - t0,
    }


def memory_child(spec: dict) -> dict:
    from jiesu.experiments.execution.parallel import execute
    from jiesu.experiments.scenarios import load_scenario

    refs = track_models()
    marks, failed, points = set(spec["marks"]), 0, []
    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(write_scenario(Path(tmp), **TINY))
        rss_imports = vm_mb("VmRSS")
        t0 = perf_counter()
        for i in range(spec["runs"]):
            task = {"run_index": i, "run_id": f"mem-{i:05d}", "scenario": scenario, "overrides": {},
                    "seed": i, "replicate": 0, "tables": "none"}  # fmt: skip
            failed += execute(task)["status"] != "ok"
            if i + 1 in marks:
                points.append(snapshot(refs, i + 1, t0))
    return {
        "rss_before_runs_mb": rss_imports,
        "failed": failed,
        "points": points,
        "peak_rss_mb": vm_mb("VmHWM"),
    }


def child(spec: dict) -> dict:
    mode = spec["mode"]
    if mode == "direct":
        return direct_child(spec)
    if mode == "sweep":
        return sweep_child(spec)
    return memory_child(spec)


# --- parent --------------------------------------------------------------------------------
def interleaved(specs: dict[str, dict], repeats: int, what: str) -> dict[str, dict]:
    """Alternate the specs repeat by repeat (drift hits each alike); keep each one's fastest."""
    runs: dict[str, list] = {k: [] for k in specs}
    for r in range(repeats):
        for key, spec in specs.items():
            note(f"{what}: {key} ({r + 1}/{repeats})")
            runs[key].append(spawn(SCRIPT, spec))
    out = {}
    for key, results in runs.items():
        best = dict(min(results, key=lambda x: x["elapsed_s"]))
        best["elapsed_s_all"] = [x["elapsed_s"] for x in results]
        best["in_process_overhead_all"] = [x.get("in_process_overhead") for x in results]
        out[key] = best
    return out


def max_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def measure_overhead(args) -> dict:
    n = args.overhead_runs
    res = interleaved(
        {
            "direct": {"mode": "direct", "runs": n},
            "sweep": {"mode": "sweep", "runs": n, "workers": 1},
        },
        args.overhead_repeats,
        f"overhead, {n} runs",
    )
    d, s = res["direct"], res["sweep"]
    per_run_ms = (s["elapsed_s"] - d["elapsed_s"]) / n * 1e3
    return {
        **res,
        "ratio": s["elapsed_s"] / d["elapsed_s"],
        "overhead_ms_per_run": per_run_ms,
        "pairwise_ratios": [b / a for a, b in zip(d["elapsed_s_all"], s["elapsed_s_all"], strict=True)],
        "same_results_max_abs_diff": max_diff(d["share_adopted_end"], s["share_adopted_end"]),
        "in_process_overhead": min(s["in_process_overhead_all"]),
    }


def measure_parallel(args) -> dict:
    n = args.parallel_runs
    res = interleaved(
        {w: {"mode": "sweep", "runs": n, "workers": int(w)} for w in ("1", "2")},
        args.repeats,
        f"speed-up, {n} runs",
    )
    one, two = res["1"], res["2"]
    steady = {w: (r["last_result_s"] - r["first_result_s"]) / (r["runs"] - 1) for w, r in res.items()}
    return {
        "workers": res,
        "speedup": one["elapsed_s"] / two["elapsed_s"],
        "steady_s_per_run": steady,
        "steady_speedup": steady["1"] / steady["2"],
        "startup_estimate_s": two["first_result_s"] - one["first_result_s"],
        "run_slowdown_with_2": two["run_wall_s_mean"] / one["run_wall_s_mean"],
        "speedup_without_startup": (one["elapsed_s"] - one["first_result_s"])
        / (two["elapsed_s"] - two["first_result_s"]),
        "same_results_max_abs_diff": max_diff(one["share_adopted_end"], two["share_adopted_end"]),
    }


def measure_memory(args) -> dict:
    marks = [m for m in MEMORY_MARKS if m <= args.memory_runs]
    note(f"memory, {args.memory_runs:,} runs of execute() in one process")
    res = spawn(SCRIPT, {"mode": "memory", "runs": args.memory_runs, "marks": marks})
    first, last = res["points"][0], res["points"][-1]
    res["rss_ratio_last_over_first"] = last["rss_mb"] / first["rss_mb"]
    span = last["runs"] - first["runs"]
    res["growth_kb_per_run"] = (last["rss_mb"] - first["rss_mb"]) * 1024 / span if span else 0.0
    return res


def assess(report: dict) -> dict:
    out = {}
    if "overhead" in report:
        o = report["overhead"]
        out["sweep overhead: best/best - 1"] = target("<=", TARGETS["overhead"], o["ratio"] - 1)
        out["sweep overhead: in-process"] = target("<=", TARGETS["overhead"], o["in_process_overhead"])
    if "parallel" in report:
        out["speed-up 2 workers / 1"] = target(">=", TARGETS["speedup"], report["parallel"]["speedup"])
    if "memory" in report:
        mem = report["memory"]
        last = mem["points"][-1]["runs"]
        first = mem["points"][0]["runs"]
        out[f"RSS after {last} runs / after {first}"] = target(
            "<=", TARGETS["memory_ratio"], mem["rss_ratio_last_over_first"]
        )
        out["models alive after the runs (after gc)"] = target("<=", 0, mem["points"][-1]["alive_after_gc"])
    return out


def parent(args) -> dict:
    t0 = perf_counter()
    report = {
        "date": now(),
        "machine": machine(),
        "code": code_version(),
        "settings": {"repeats": args.repeats, "overhead_repeats": args.overhead_repeats,
                     "runs": {"overhead": args.overhead_runs, "parallel": args.parallel_runs,
                              "memory": args.memory_runs}, "cheap_scenario": CHEAP, "tiny_scenario": TINY,
                     "scenario_template": SCENARIO, "spec_template": SPEC},
    }  # fmt: skip
    parts = set(args.parts.split(","))
    if "overhead" in parts:
        report["overhead"] = measure_overhead(args)
    if "parallel" in parts:
        report["parallel"] = measure_parallel(args)
    if "memory" in parts:
        report["memory"] = measure_memory(args)
    report["targets"] = assess(report)
    report["wall_s"] = perf_counter() - t0
    return report


# --- report --------------------------------------------------------------------------------
def print_overhead(o: dict) -> None:
    d, s = o["direct"], o["sweep"]
    n = d["runs"]
    print(
        f"\na. sweep machinery vs direct calls: {n} runs of a {CHEAP['cities']}-city synthetic scenario "
        f"(..{CHEAP['end']}), lhs over imitation_rate x external_rate, 2 replicates"
    )
    print(f"  {'':<44} {'best s':>8} {'ms/run':>8}  all runs s")
    for label, r in (("run_scenario in a loop", d), ("run_sweep(workers=1, progress=False)", s)):
        runs = "/".join(f"{x:.2f}" for x in r["elapsed_s_all"])
        print(f"  {label:<44} {r['elapsed_s']:>8.2f} {r['elapsed_s'] / n * 1e3:>8.1f}  {runs}")
    pairs = ", ".join(f"{x:.3f}" for x in o["pairwise_ratios"])
    print(
        f"  ratio sweep / direct (best / best) {o['ratio']:.3f}, i.e. {o['overhead_ms_per_run']:+.1f} ms per "
        f"run; per repeat pair: {pairs}; same results: max |diff| {o['same_results_max_abs_diff']:.1e}"
    )
    overheads = ", ".join(f"{x:.1%}" for x in s["in_process_overhead_all"])
    print(
        f"  overhead measured inside each sweep process (time beyond its run_scenario calls): "
        f"best {o['in_process_overhead']:.1%} (each: {overheads})"
    )
    print("  where the sweep's time went (best sweep run, seconds):")
    for label, sec in s["phases_s"].items():
        print(f"    {label:<52} {sec:>7.2f}  ({sec / n * 1e3:6.1f} ms/run)")
        if label.startswith("run_scenario"):
            for part, psec in s["run_scenario_parts_s"].items():
                print(f"      {part:<50} {psec:>7.2f}  ({psec / n * 1e3:6.1f} ms/run)")


def print_parallel(p: dict) -> None:
    w = p["workers"]
    n = w["1"]["runs"]
    print(f"\nb. {n} runs of the same sweep with 1 and 2 local workers (joblib/loky)")
    head = ("workers", "best s", "all runs s", "first result s", "steady s/run", "mean run s")
    print("  {:>7} {:>8} {:>16} {:>15} {:>13} {:>11}".format(*head))
    for k, r in w.items():
        runs = "/".join(f"{x:.1f}" for x in r["elapsed_s_all"])
        print(
            f"  {k:>7} {r['elapsed_s']:>8.2f} {runs:>16} {r['first_result_s']:>15.2f} "
            f"{p['steady_s_per_run'][k]:>13.3f} {r['run_wall_s_mean']:>11.3f}"
        )
    print(
        f"  speed-up {p['speedup']:.2f}x; without the time to first result "
        f"{p['speedup_without_startup']:.2f}x; steady state {p['steady_speedup']:.2f}x"
    )
    print(
        f"  start-up (first result with 2 workers minus with 1): {p['startup_estimate_s']:.2f} s; "
        f"a run takes {p['run_slowdown_with_2']:.2f}x as long when two run at once; "
        f"same results: max |diff| {p['same_results_max_abs_diff']:.1e}"
    )


def print_memory(m: dict) -> None:
    print(
        f"\nc. one worker process calling experiments.parallel.execute() "
        f"({TINY['cities']}-city synthetic scenario, ..{TINY['end']}); RSS before the first run "
        f"{m['rss_before_runs_mb']:.0f} MB; failed runs {m['failed']}"
    )
    head = ("runs", "RSS MB", "alive before gc", "alive after gc", "Agent._ids", "gc objects", "s/run")
    print("  {:>6} {:>8} {:>16} {:>15} {:>11} {:>11} {:>8}".format(*head))
    for pt in m["points"]:
        print(
            f"  {pt['runs']:>6,} {pt['rss_mb']:>8.1f} {pt['alive_before_gc']:>16} {pt['alive_after_gc']:>15} "
            f"{pt['mesa_agent_ids_entries']!s:>11} {pt['gc_objects']:>11,} "
            f"{pt['elapsed_s'] / pt['runs']:>8.3f}"
        )
    print(
        f"  RSS ratio last/first checkpoint {m['rss_ratio_last_over_first']:.3f}; "
        f"growth {m['growth_kb_per_run']:.2f} kB per run; peak RSS {m['peak_rss_mb']:.0f} MB"
    )


def print_report(report: dict) -> None:
    header("jiesu sweep benchmark", report)
    if "overhead" in report:
        print_overhead(report["overhead"])
    if "parallel" in report:
        print_parallel(report["parallel"])
    if "memory" in report:
        print_memory(report["memory"])
    print_targets(report["targets"])
    print(f"\nbenchmark wall time {report['wall_s']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="fresh subprocesses per speed-up measurement")
    parser.add_argument(
        "--overhead-repeats", type=int, default=2, help="fresh subprocesses per overhead mode"
    )
    parser.add_argument("--parts", default="overhead,parallel,memory", help="comma-separated subset")
    parser.add_argument("--overhead-runs", type=int, default=OVERHEAD_RUNS)
    parser.add_argument("--parallel-runs", type=int, default=PARALLEL_RUNS)
    parser.add_argument("--memory-runs", type=int, default=MEMORY_RUNS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    report = parent(args)
    path = write_report(report, out_name("sweep", args.parts, "overhead,parallel,memory"))
    print_report(report)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
