"""Benchmark: whole diffusion runs — full China, the quick default scale, cost vs number of cities.

Run from the repository root::

    uv run python benchmarks/bench_diffusion.py            # 5 to 5½ minutes on 2 cores
    uv run python benchmarks/bench_diffusion.py --profile  # also cProfile full China and quick scale

Every measurement is a fresh subprocess (so its peak memory is its own); the best of
``--repeats`` is kept. Figures are printed as tables and written to
``benchmarks/out/diffusion.json``. A speed measurement, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import (  # noqa: E402
    PhaseTimer,
    best_of,
    code_version,
    fit_exponent,
    header,
    local_exponent,
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
START, END = "2018-01", "2030-12"
CHINA_RPC = 1000  # one simulated citizen per 1,000 residents: ~1.4 M citizens
COARSE_UNIT = 200_000  # the scenario's (china.toml) handling-unit size
SYNTH_CITIES = (100, 300, 1000, 3000)
SYNTH = {
    "geography": "synthetic",
    "synthetic_network": "random_geometric",
    "synthetic_population": 1_000_000,
    "residents_per_citizen": 10_000,
    "pioneer": "largest",
    "imitation_rate": 0.05,
    "external_rate": 0.002,
    "start": START,
    "end": END,
}
TARGETS = {"china_run_s": 15.0, "china_peak_mb": 3072.0, "quick_run_s": 3.0}
SCALE_CITIES = (1000, 10_000)  # the scale part: synthetic cities under a national mandate
MANDATE = {"month": "2019-01", "kind": "mandate", "target": "national", "deadline": "2021-12",
           "elements": ["unified_hotline", "fast_response", "feedback"], "channel": "top_down"}  # fmt: skip
CHINA100_END = "2018-04"  # China 1:100 runs a few months; 156 months are extrapolated

# Calls of the month timed separately: (attribute path on the model, method, label).
PHASES = (
    ("citizens", "decide", "citizens.decide"),
    ("citizens", "end_month", "citizens.end_month"),
    ("units", "month", "units.month"),
    ("units", "evaluate", "units.evaluate"),
    ("", "_apply_events", "model._apply_events"),
    ("central", "step", "central.step"),
    ("", "_record", "model._record"),
)
DIFFUSION = ("mandate_hazard", "step_adoption", "step_elements", "step_durability")
GOVERNANCE = ("regime", "govern")  # module functions of agents.governance
CLI_PHASES = (
    "load_scenario",
    "build_model",
    "run_model",
    "_start_figures",
    "write_parquet",
    "base_manifest",
    "write_json",
    "_summarise",
)
PARTS = ("china", "quick", "synthetic", "scale", "commands")
IMPORT_ROOTS = 12  # packages listed in the import-time breakdown


# --- child: one model run ------------------------------------------------------------------
def scenario_for(name: str | None, events: list[dict] | None = None):
    from jiesu.experiments.scenarios import Scenario, load_scenario
    from jiesu.model.events import Event

    if name:
        return load_scenario(name)
    return Scenario(
        name="synthetic", events=tuple(Event(**{**e, "elements": tuple(e["elements"])}) for e in events or ())
    )


def install_timers(model) -> PhaseTimer:
    import jiesu.agents.diffusion as diffusion
    import jiesu.agents.governance as governance

    timer = PhaseTimer()
    timer.wrap(model, "step", "step")
    for path, name, label in PHASES:
        timer.wrap(getattr(model, path) if path else model, name, label)
    for name in DIFFUSION:
        timer.wrap(diffusion, name, f"diffusion.{name}")
    for name in GOVERNANCE:
        timer.wrap(governance, name, f"governance.{name}")
    return timer


def run_child(spec: dict) -> dict:
    from jiesu.experiments.execution.runner import build_model

    base_mb = vm_mb("VmRSS")
    scenario = scenario_for(spec["scenario"], spec.get("events"))
    t0 = perf_counter()
    model = build_model(scenario, spec["overrides"], seed=spec["seed"])
    construct_s = perf_counter() - t0
    if spec.get("profile"):
        return profile_run(model, spec.get("top", 25))
    timer = install_timers(model)
    t0 = perf_counter()
    model.run()
    run_s = perf_counter() - t0
    timer.restore()
    phases = {k: v for k, v in timer.seconds.items() if k != "step"}
    step_s = timer.seconds["step"]
    phases["other (glue, sectors)"] = step_s - sum(phases.values())
    months = len(model.months)
    return {
        "cities": model.n_cities,
        "citizens": model.citizens.n,
        "units": model.units.n,
        "months": months,
        "construct_s": construct_s,
        "run_s": run_s,
        "step_s": step_s,
        "tables_s": run_s - step_s,
        "phases_s": phases,
        "us_per_city_month": run_s / (model.n_cities * months) * 1e6,
        "ns_per_citizen_month": run_s / (model.citizens.n * months) * 1e9,
        "adopted_share_end": float(model.cities.adopted.mean()),
        "events": len(model.event_log),
        "rss_after_imports_mb": base_mb,
        "peak_rss_mb": vm_mb("VmHWM"),
    }


def profile_run(model, top: int) -> dict:
    prof = cProfile.Profile()
    t0 = perf_counter()
    prof.enable()
    model.run()
    prof.disable()
    total = perf_counter() - t0
    rows = []
    for (file, line, func), (_cc, ncalls, tottime, cumtime, _callers) in pstats.Stats(prof).stats.items():
        rows.append(
            {
                "function": f"{short_path(file)}:{line}({func})",
                "project": is_project(file),
                "ncalls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
            }
        )
    by_tot = sorted(rows, key=lambda r: -r["tottime_s"])[:top]
    by_cum = sorted((r for r in rows if r["project"]), key=lambda r: -r["cumtime_s"])[:top]
    return {
        "cities": model.n_cities,
        "citizens": model.citizens.n,
        "units": model.units.n,
        "months": len(model.months),
        "profiled_run_s": total,
        "by_tottime": by_tot,
        "project_by_cumtime": by_cum,
    }


def is_project(file: str) -> bool:
    return any(file.startswith(str(ROOT / d)) for d in ("agents", "model", "experiments"))


def short_path(file: str) -> str:
    if is_project(file):
        return str(Path(file).relative_to(ROOT))
    if "site-packages/" in file:
        return "~/" + file.split("site-packages/", 1)[1]
    return file


# --- child: the jiesu run command, phase by phase ------------------------------------------
def cli_child(spec: dict) -> dict:
    t0 = perf_counter()
    from jiesu.experiments.cli import main as cli

    import_s = perf_counter() - t0
    cli.small_pages()  # as the command does before numpy is imported (below)
    t0 = perf_counter()
    from jiesu.experiments.cli import run as commands
    from jiesu.experiments.designs import run as run_folder
    from jiesu.experiments.execution import runner

    lazy_s = perf_counter() - t0
    sim = {}
    original = runner.run_model

    def run_model(model, progress=None):
        out = original(model, progress)
        sim["model_run_s"] = out.info["wall_seconds"]
        return out

    runner.run_model = run_model
    timer = PhaseTimer()
    timer.wrap(cli, "build_parser", "build_parser (imports compare, sweep)")
    from jiesu.experiments.figures import pool as figure_pool

    timer.wrap(figure_pool.Batch, "results", "figures: waiting for the figure workers")
    for module in (runner, commands, run_folder):
        for name in CLI_PHASES:
            if hasattr(module, name):  # the command's code may be refactored under us
                timer.wrap(module, name, name)
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        t0 = perf_counter()
        args = [
            "run",
            spec["scenario"],
            *spec.get("args", []),
            "--seed",
            str(spec["seed"]),
            "--out",
            f"{tmp}/run",
        ]
        status = cli.main(args)
        main_s = perf_counter() - t0
    timer.restore()
    runner.run_model = original
    phases = {
        "imports (experiments.cli and what it pulls in)": import_s,
        "imports of the run command (runner, designs.run)": lazy_s,
        **timer.seconds,
    }
    phases["run_model: model.run()"] = sim["model_run_s"]
    phases["run_model: tidy tables, release"] = phases.pop("run_model") - sim["model_run_s"]
    phases["other (argument parsing, folder staging, progress)"] = main_s - sum(timer.seconds.values())
    return {"status": status, "import_s": import_s, "main_s": main_s, "phases_s": phases}


def child(spec: dict) -> dict:
    return cli_child(spec) if spec["mode"] == "cli" else run_child(spec)


# --- parent --------------------------------------------------------------------------------
def china_overrides(units: int) -> dict:
    return {"residents_per_citizen": CHINA_RPC, "residents_per_unit": units, "start": START, "end": END}


def measure_china(args) -> dict:
    from jiesu.model.parameters import PARAMS_BY_NAME

    default_unit = int(PARAMS_BY_NAME["residents_per_unit"].default)
    out = {}
    for units, label in ((default_unit, "default_units"), (COARSE_UNIT, "coarse_units")):
        spec = {
            "mode": "run",
            "scenario": "all_channels",
            "overrides": china_overrides(units),
            "seed": args.seed,
        }
        out[label] = best_of(SCRIPT, spec, args.repeats, "run_s", f"full China, units of {units:,}")
        out[label]["residents_per_unit"] = units
    return out


def measure_quick(args) -> dict:
    spec = {"mode": "run", "scenario": "all_channels", "overrides": {}, "seed": args.seed}
    model = best_of(SCRIPT, spec, args.quick_repeats, "run_s", "quick scale, model.run()")
    command = time_command(args)
    note("quick scale, jiesu run phase by phase")
    breakdown = spawn(SCRIPT, {"mode": "cli", "scenario": "all_channels", "seed": args.seed})
    return {"model": model, "command": command, "command_breakdown": breakdown}


def jiesu_command() -> list[str]:
    exe = Path(sys.executable).with_name("jiesu")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jiesu.experiments.cli"]


def wall(cmd: list[str], env: dict | None = None) -> float:
    t0 = perf_counter()
    env = {**os.environ, **env} if env else None
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    seconds = perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return seconds


def time_command(args) -> dict:
    times = []
    for r in range(args.quick_repeats):
        note(f"quick scale, whole `jiesu run all_channels` ({r + 1}/{args.quick_repeats})")
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [*jiesu_command(), "run", "all_channels", "--seed", str(args.seed), "--out", f"{tmp}/run"]
            times.append(wall(cmd))
    startup = min(wall([sys.executable, "-c", "pass"]) for _ in range(3))
    return {"cmd": "jiesu run all_channels --out TMP", "wall_s": min(times), "wall_s_all": times,
            "python_startup_s": startup, "imports": import_breakdown()}  # fmt: skip


def import_breakdown() -> dict:
    """Import time of ``experiments.cli`` by root package (``-X importtime`` self times summed)."""
    note("import time of experiments.cli by package (-X importtime)")
    cmd = [sys.executable, "-X", "importtime", "-c", "import jiesu.experiments.cli.main"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    by_root: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.split(":", 1)[1].split("|")
        root = name.strip().split(".")[0]
        by_root[root] = by_root.get(root, 0.0) + int(self_us) / 1e6
    top = dict(sorted(by_root.items(), key=lambda kv: -kv[1])[:IMPORT_ROOTS])
    return {"total_s": sum(by_root.values()), "by_package_s": top}


def measure_synthetic(args) -> dict:
    out = {}
    for n in SYNTH_CITIES:
        spec = {
            "mode": "run",
            "scenario": None,
            "overrides": {**SYNTH, "synthetic_cities": n},
            "seed": args.seed,
        }
        out[str(n)] = best_of(SCRIPT, spec, args.repeats, "run_s", f"synthetic, {n:,} cities")
    sizes = [r["cities"] for r in out.values()]
    times = [r["run_s"] for r in out.values()]
    scaling = {
        "exponent_fit": fit_exponent(sizes, times),
        "local_exponents": {
            f"{a}->{b}": local_exponent(a, ta, b, tb)
            for (a, ta), (b, tb) in zip(
                zip(sizes, times, strict=True), zip(sizes[1:], times[1:], strict=True), strict=False
            )
        },
        "phase_exponents_last_step": phase_exponents(out[str(sizes[-2])], out[str(sizes[-1])]),
    }
    return {"sizes": out, "scaling": scaling}


def city_level_us(r: dict) -> float:
    """µs per city-month of everything but the citizens' rules and the handling units."""
    per_citizen = sum(v for k, v in r["phases_s"].items() if k.startswith(("citizens.", "units.")))
    return (r["run_s"] - per_citizen) / (r["cities"] * r["months"]) * 1e6


def measure_scale(args) -> dict:
    """The issue's large-scale figures: many cities under a mandate, China 1:100, China 1:1,000 command."""
    out: dict = {"mandate": {}}
    for n in SCALE_CITIES:
        spec = {"mode": "run", "scenario": None, "overrides": {**SYNTH, "synthetic_cities": n},
                "events": [MANDATE], "seed": args.seed}  # fmt: skip
        r = best_of(SCRIPT, spec, 1, "run_s", f"synthetic, {n:,} cities under a national mandate")
        r["city_level_us_per_city_month"] = city_level_us(r)
        out["mandate"][str(n)] = r
    small, big = (out["mandate"][str(n)] for n in SCALE_CITIES)
    out["mandate_exponent"] = local_exponent(small["cities"], small["run_s"], big["cities"], big["run_s"])
    overrides = {"residents_per_citizen": 100, "start": START, "end": CHINA100_END}
    spec = {"mode": "run", "scenario": "all_channels", "overrides": overrides, "seed": args.seed}
    r = best_of(SCRIPT, spec, 1, "run_s", "China 1:100 (14.1M citizens), a few months")
    r["run_156_months_s_extrapolated"] = r["construct_s"] + 156 * r["step_s"] / r["months"]
    out["china_1to100"] = r
    return out


def measure_whole_commands(args) -> dict:
    """China and counties at 1:1,000: whole commands with and without figures, and one phase by phase."""
    flags = ["--set", f"residents_per_citizen={CHINA_RPC}", "--start", START, "--end", END]
    out = {"commands": measure_commands(args, {"china": flags, "counties": [*flags, *COUNTIES]})}
    note(f"`jiesu run all_channels` at 1:{CHINA_RPC:,}, phase by phase")
    out["china_breakdown"] = spawn(
        SCRIPT, {"mode": "cli", "scenario": "all_channels", "args": flags, "seed": args.seed}
    )
    return out


#: The figure settings each whole command is timed with: label -> (--figures, environment).
COMMAND_VARIANTS = {
    "no figures (--figures none)": ("none", {}),
    "every figure, png+pdf+svg (the default)": ("all", {}),
    "the same, drawn in the main process (JIESU_FIGURE_WORKERS=0)": ("all", {"JIESU_FIGURE_WORKERS": "0"}),
    "every figure, numpy asking for huge pages (NUMPY_MADVISE_HUGEPAGE=1)": (
        "all",
        {"NUMPY_MADVISE_HUGEPAGE": "1"},
    ),
}
COUNTIES = ["--set", "geography=china_counties"]  # 2,985 county-level units


def measure_commands(args, commands: dict[str, list[str]]) -> dict:
    """Whole ``jiesu run all_channels`` commands in fresh processes, each variant interleaved."""
    times = {name: {label: [] for label in COMMAND_VARIANTS} for name in commands}
    for k in range(args.repeats):
        for name, flags in commands.items():
            for label, (figures, env) in COMMAND_VARIANTS.items():  # interleaved: the same load
                note(f"{name}: `jiesu run all_channels` at 1:{CHINA_RPC:,}, {label} ({k + 1}/{args.repeats})")
                with tempfile.TemporaryDirectory() as tmp:
                    cmd = [*jiesu_command(), "run", "all_channels", *flags, "--figures", figures,
                           "--seed", str(args.seed), "--out", f"{tmp}/r"]  # fmt: skip
                    times[name][label].append(wall(cmd, env))
    return {
        name: {
            "cmd": f"jiesu run all_channels {' '.join(flags)} --out TMP",
            "wall_s": {label: min(t) for label, t in times[name].items()},
            "wall_s_all": times[name],
        }
        for name, flags in commands.items()
    }


def print_scale(scale: dict) -> None:
    print("\nlarge scale:")
    for r in scale["mandate"].values():
        print(
            f"  {r['cities']:>6,} synthetic cities under a national mandate, {r['months']} months, "
            f"{r['citizens']:,} citizens: run {r['run_s']:.1f} s (build {r['construct_s']:.1f} s), "
            f"{r['us_per_city_month']:.2f} µs per city-month, city-level work alone "
            f"{r['city_level_us_per_city_month']:.2f} µs; peak {r['peak_rss_mb']:.0f} MB"
        )
    print(f"  cost exponent in cities, {' -> '.join(scale['mandate'])}: {scale['mandate_exponent']:.2f}")
    r = scale["china_1to100"]
    print(
        f"  China 1:100, {r['citizens']:,} citizens, {r['units']:,} units: build {r['construct_s']:.1f} s, "
        f"{r['step_s'] / r['months']:.2f} s per month over {r['months']} months -> 156 months "
        f"{r['run_156_months_s_extrapolated']:.0f} s (extrapolated); peak {r['peak_rss_mb']:.0f} MB"
    )


def print_whole_commands(scale: dict) -> None:
    print("\nwhole commands:")
    for name, c in scale["commands"].items():
        runs = len(next(iter(c["wall_s_all"].values())))
        print(f"  {name}: `{c['cmd']}`, wall clock in a fresh process (best of {runs}):")
        for label, seconds in c["wall_s"].items():
            print(f"      {label:<62} {seconds:>6.1f} s")
    print("  china, the default command in one process, phase by phase:")
    for k, v in scale["china_breakdown"]["phases_s"].items():
        print(f"      {k:<62} {v:>6.2f} s")


def phase_exponents(small: dict, big: dict) -> dict:
    out = {}
    for label, s in big["phases_s"].items():
        s0 = small["phases_s"].get(label, 0.0)
        if s > 1e-3 and s0 > 1e-3:
            out[label] = local_exponent(small["cities"], s0, big["cities"], s)
    return out


def profile(args, scenario: str | None, overrides: dict, label: str) -> dict:
    note(f"cProfile: {label}")
    spec = {"mode": "run", "scenario": scenario, "overrides": overrides, "seed": args.seed, "profile": True}
    return {"label": label, **spawn(SCRIPT, spec)}


def assess(report: dict) -> dict:
    out = {}
    if "china" in report:
        default = report["china"]["default_units"]
        coarse = report["china"]["coarse_units"]
        out["full China run s (units of 64k)"] = target("<=", TARGETS["china_run_s"], default["run_s"])
        out["full China peak MB (units of 64k)"] = target(
            "<=", TARGETS["china_peak_mb"], default["peak_rss_mb"]
        )
        out["full China run s (units of 200k)"] = target("<=", TARGETS["china_run_s"], coarse["run_s"])
        out["full China peak MB (units of 200k)"] = target(
            "<=", TARGETS["china_peak_mb"], coarse["peak_rss_mb"]
        )
    if "quick" in report:
        out["quick scale run s"] = target("<=", TARGETS["quick_run_s"], report["quick"]["model"]["run_s"])
    if "scale" in report:
        sc = report["scale"]
        big = sc["mandate"][str(SCALE_CITIES[-1])]
        out[f"µs per city-month, {SCALE_CITIES[-1]:,} cities, mandate"] = target(
            "<=", 1.0, big["us_per_city_month"]
        )
        out["  same, city-level work alone"] = target("<=", 1.0, big["city_level_us_per_city_month"])
        out["China 1:100, 156 months s (extrapolated)"] = target(
            "<=", 60.0, sc["china_1to100"]["run_156_months_s_extrapolated"]
        )
        out["China 1:100 peak GB"] = target("<=", 4.0, sc["china_1to100"]["peak_rss_mb"] / 1024)
    if "commands" in report:
        for name, title in (("china", "China 1:1,000"), ("counties", "counties (2,985) 1:1,000")):
            seconds = report["commands"]["commands"][name]["wall_s"]
            for label, short in (("no figures (--figures none)", "--figures none"),
                                 ("every figure, png+pdf+svg (the default)", "every figure")):  # fmt: skip
                out[f"{title} whole command s, {short}"] = target("<=", 10.0, seconds[label])
    return out


def profiles(args, report: dict) -> list[dict]:
    out = []
    missed = {k for k, t in report["targets"].items() if not t["met"]}
    if "synthetic" in report:
        overrides = {**SYNTH, "synthetic_cities": SYNTH_CITIES[-1]}
        out.append(profile(args, None, overrides, f"synthetic, {SYNTH_CITIES[-1]:,} cities"))
    if "china" in report and (args.profile or "full China run s (units of 64k)" in missed):
        units = report["china"]["default_units"]["residents_per_unit"]
        out.append(profile(args, "all_channels", china_overrides(units), f"full China, units of {units:,}"))
    if "quick" in report and (args.profile or "quick scale run s" in missed):
        out.append(profile(args, "all_channels", {}, "quick scale (all_channels as shipped)"))
    return out


def parent(args) -> dict:
    t0 = perf_counter()
    load_start = os.getloadavg()[0]
    report = {
        "date": now(),
        "machine": machine(),
        "code": code_version(),
        "settings": {"start": START, "end": END, "seed": args.seed, "repeats": args.repeats,
                     "quick_repeats": args.quick_repeats, "china_residents_per_citizen": CHINA_RPC,
                     "synthetic": SYNTH, "synthetic_cities": SYNTH_CITIES},
    }  # fmt: skip
    parts = set(args.parts.split(","))
    if "china" in parts:
        report["china"] = measure_china(args)
    if "quick" in parts:
        report["quick"] = measure_quick(args)
    if "synthetic" in parts:
        report["synthetic"] = measure_synthetic(args)
    if "scale" in parts:
        report["scale"] = measure_scale(args)
    if "commands" in parts:
        report["commands"] = measure_whole_commands(args)
    report["load"] = [load_start, os.getloadavg()[0]]
    report["targets"] = assess(report)
    report["profiles"] = profiles(args, report)
    report["wall_s"] = perf_counter() - t0
    return report


# --- report --------------------------------------------------------------------------------
def print_runs(report: dict) -> None:
    rows = []
    if "china" in report:
        for key in ("default_units", "coarse_units"):
            r = report["china"][key]
            units = r["residents_per_unit"]
            rows.append(
                (f"full China, 1 citizen/{CHINA_RPC:,}, units of {units:,}", f"China, {units // 1000}k", r)
            )
    if "quick" in report:
        rows.append(("quick scale (all_channels as shipped)", "quick scale", report["quick"]["model"]))
    if not rows:
        return
    print(f"\nwhole runs of all_channels, {START}..{END}, every channel; best of N fresh subprocesses")
    head = ("run", "citizens", "units", "build s", "run s", "all runs s", "steps s", "tables s", "peak MB")
    print("{:<52} {:>10} {:>7} {:>8} {:>7} {:>17} {:>8} {:>9} {:>8}".format(*head))
    for label, _, r in rows:
        runs = "/".join(f"{x:.1f}" for x in r["run_s_all"])
        print(
            f"{label:<52} {r['citizens']:>10,} {r['units']:>7,} {r['construct_s']:>8.2f} {r['run_s']:>7.2f} "
            f"{runs:>17} {r['step_s']:>8.2f} {r['tables_s']:>9.2f} {r['peak_rss_mb']:>8.0f}"
        )
    print_phases([(short, r) for _, short, r in rows], "phases of the best run, seconds")


def print_phases(columns: list[tuple[str, dict]], title: str, extra: dict | None = None) -> None:
    print(f"\n{title}:")
    labels = list(columns[0][1]["phases_s"])
    tail = "  exponent" if extra is not None else ""
    print(f"  {'phase':<28}" + "".join(f"{name:>24}" for name, _ in columns) + tail)
    for label in labels:
        cells = "".join(f"{r['phases_s'].get(label, 0.0):>24.3f}" for _, r in columns)
        exp = f"  {extra[label]:>8.2f}" if extra and label in extra else ""
        print(f"  {label:<28}{cells}{exp}")
    cells = "".join(f"{r['tables_s']:>24.3f}" for _, r in columns)
    print(f"  {'tables (city_table, events)':<28}{cells}")


def print_command(quick: dict) -> None:
    c, b = quick["command"], quick["command_breakdown"]
    times = "/".join(f"{x:.1f}" for x in c["wall_s_all"])
    print(
        f"\nwhole command `{c['cmd']}` (wall clock, fresh process): best {c['wall_s']:.2f} s "
        f"(all: {times}); bare python start-up {c['python_startup_s']:.2f} s"
    )
    print(f"  one command timed phase by phase in a fresh process ({b['main_s'] + b['import_s']:.2f} s):")
    for label, s in b["phases_s"].items():
        print(f"    {label:<48} {s:>7.2f} s")
    imp = c["imports"]
    parts = ", ".join(f"{k} {v:.2f}" for k, v in imp["by_package_s"].items())
    print(f"  import of experiments.cli under -X importtime: {imp['total_s']:.2f} s; by package (s): {parts}")


def print_synthetic(syn: dict) -> None:
    print(
        f"\ncost vs number of cities: synthetic random-geometric cities, median population "
        f"{SYNTH['synthetic_population']:,}, 1 citizen/{SYNTH['residents_per_citizen']:,} residents, "
        f"{START}..{END}, imitation {SYNTH['imitation_rate']}, external {SYNTH['external_rate']}"
    )
    head = (
        "cities",
        "citizens",
        "units",
        "build s",
        "run s",
        "µs/city-month",
        "ns/citizen-month",
        "adopted",
        "peak MB",
    )
    print("{:>7} {:>9} {:>7} {:>8} {:>7} {:>14} {:>17} {:>8} {:>8}".format(*head))
    for r in syn["sizes"].values():
        print(
            f"{r['cities']:>7,} {r['citizens']:>9,} {r['units']:>7,} "
            f"{r['construct_s']:>8.2f} {r['run_s']:>7.2f} "
            f"{r['us_per_city_month']:>14.1f} {r['ns_per_citizen_month']:>17.0f} "
            f"{r['adopted_share_end']:>8.2f} {r['peak_rss_mb']:>8.0f}"
        )
    sc = syn["scaling"]
    local = ", ".join(f"{k}: {v:.2f}" for k, v in sc["local_exponents"].items())
    print(f"run time ~ cities^{sc['exponent_fit']:.2f} (least squares on logs); local exponents {local}")
    cols = [(f"{n} cities", r) for n, r in syn["sizes"].items()]
    print_phases(
        cols, "phases of the best run, seconds (exponent: last two sizes)", sc["phase_exponents_last_step"]
    )


def print_profile(prof: dict, top: int = 15) -> None:
    print(
        f"\ncProfile, {prof['label']} ({prof['citizens']:,} citizens, {prof['units']:,} units, "
        f"{prof['months']} months): {prof['profiled_run_s']:.1f} s under the profiler"
    )
    print(f"  top {top} by own time:")
    for r in prof["by_tottime"][:top]:
        print(
            f"    {r['tottime_s']:>7.2f} s own {r['cumtime_s']:>7.2f} s cum "
            f"{r['ncalls']:>9,} calls  {r['function']}"
        )
    print(f"  project functions by cumulative time (top {top}):")
    for r in prof["project_by_cumtime"][:top]:
        print(
            f"    {r['cumtime_s']:>7.2f} s cum {r['tottime_s']:>7.2f} s own "
            f"{r['ncalls']:>9,} calls  {r['function']}"
        )


def print_report(report: dict) -> None:
    header("jiesu diffusion benchmark", report)
    print(f"load average {report['load'][0]:.2f} at start, {report['load'][1]:.2f} at end")
    print_runs(report)
    if "quick" in report:
        print_command(report["quick"])
    if "synthetic" in report:
        print_synthetic(report["synthetic"])
    if "scale" in report:
        print_scale(report["scale"])
    if "commands" in report:
        print_whole_commands(report["commands"])
    for prof in report["profiles"]:
        print_profile(prof)
    print_targets(report["targets"])
    print(f"\nbenchmark wall time {report['wall_s']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per size, full China and synthetic")
    parser.add_argument("--quick-repeats", type=int, default=3, help="runs of the quick scale and command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--parts",
        default="china,quick,synthetic",
        help=f"comma-separated subset of {','.join(PARTS)}",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile full China and quick scale even if met"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    report = parent(args)
    path = write_report(
        report,
        out_name(
            "diffusion", args.parts, "china,quick,synthetic,scale,commands", default="china,quick,synthetic"
        ),
    )
    print_report(report)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
