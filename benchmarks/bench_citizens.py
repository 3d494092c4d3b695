"""Benchmark: cost per citizen-month of the jiesu model vs one mesa.Agent per citizen.

Run from the repository root::

    uv run python benchmarks/bench_citizens.py            # full benchmark (about a minute)
    uv run python benchmarks/bench_citizens.py --profile  # also line-profile the 1M model

Every size is measured in a fresh subprocess (so peak memory is that size's own), on the
Beijing geography with every reform element adopted from the first month. The figures are
printed as a table and written to ``benchmarks/out/citizens.json``. This is a speed
measurement, not a test: it asserts nothing except that the mesa version computes the same
choice probabilities as :meth:`agents.citizens.Citizens.decide`.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import json
import linecache
import math
import resource
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from time import perf_counter

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import code_version, machine  # noqa: E402
from jiesu.agents.citizens import Citizens  # noqa: E402
from jiesu.agents.handling import HandlingUnits  # noqa: E402
from jiesu.model import JiesuModel, make_parameters  # noqa: E402
from jiesu.model.calendar import format_month, parse_month  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "citizens.json"
BEIJING_POPULATION = 21_893_095
SIZES = (1_000_000, 10_000, 100_000)  # 1M first: RUSAGE_CHILDREN then holds its peak alone
START = "2019-01"
OOP_BUDGET_S = 60.0
TARGETS = {"ns_at_1m": 50.0, "speedup": 50.0, "linearity": 1.2, "peak_mb": 1024.0}

# Calls of the month that are timed separately (object path, method name, label).
PHASES = (
    ("citizens", "decide", "citizens.decide"),
    ("citizens", "learn", "citizens.learn"),
    ("citizens", "spread_awareness", "citizens.spread_awareness"),
    ("units", "month", "units.month"),
    ("units", "evaluate", "units.evaluate"),
    ("", "_regime", "model._regime"),
    ("", "_govern", "model._govern"),
    ("", "_record", "model._record"),
    ("", "_apply_events", "model._apply_events"),
)
CITIZEN_PHASES = ("citizens.decide", "citizens.learn", "citizens.spread_awareness")


# --- the vectorised model ------------------------------------------------------------------
def residents_per_citizen(target: int) -> int:
    return max(1, round(BEIJING_POPULATION / target))


def build_model(rpc: int, seed: int, months: int) -> JiesuModel:
    params = make_parameters(
        {
            "geography": "beijing",
            "pioneer_elements": "all",
            "start": START,
            "reform_start": START,
            "end": format_month(parse_month(START) + months - 1),
            "residents_per_citizen": rpc,
            "abandon_rate": 0,  # keep every mechanism on for the whole run
        }
    )
    return JiesuModel(params, seed=seed)


class PhaseTimer:
    """Wraps bound methods of one model instance to accumulate their run time."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.first_args: dict[str, tuple] = {}

    def install(self, model: JiesuModel) -> None:
        for path, name, label in PHASES:
            owner = getattr(model, path) if path else model
            setattr(owner, name, self._timed(getattr(owner, name), label))

    def _timed(self, fn, label: str):
        def timed(*args):
            self.first_args.setdefault(label, args)
            t0 = perf_counter()
            out = fn(*args)
            self.seconds[label] += perf_counter() - t0
            return out

        return timed


def time_model_once(rpc: int, months: int, seed: int, snapshot: bool) -> dict:
    gc.collect()
    t0 = perf_counter()
    m = build_model(rpc, seed, months)
    construct_s = perf_counter() - t0
    before = copy.deepcopy(m.citizens) if snapshot else None
    timer = PhaseTimer()
    timer.install(m)
    t0 = perf_counter()
    for _ in range(months):
        m.step()
    step_s = perf_counter() - t0
    return {
        "citizens": m.citizens.n,
        "units": m.units.n,
        "construct_s": construct_s,
        "step_s": step_s,
        "phases_s": dict(timer.seconds),
        "_snapshot": before,
        "_args": timer.first_args,
    }


def measure_model(rpc: int, months: int, repeats: int, seed: int, snapshot: bool) -> dict:
    runs = [time_model_once(rpc, months, seed, snapshot and r == 0) for r in range(repeats)]
    best = min(runs, key=lambda r: r["step_s"])
    best["construct_s"] = min(r["construct_s"] for r in runs)
    best["step_s_all"] = [r["step_s"] for r in runs]
    best["_snapshot"], best["_args"] = runs[0]["_snapshot"], runs[0]["_args"]
    cm = best["citizens"] * months
    citizen_s = sum(best["phases_s"][k] for k in CITIZEN_PHASES)
    best.update(
        months=months,
        residents_per_citizen=rpc,
        ns_per_citizen_month=best["step_s"] / cm * 1e9,
        citizen_rules_ns_per_citizen_month=citizen_s / cm * 1e9,
        rest_ns_per_citizen_month=(best["step_s"] - citizen_s) / cm * 1e9,
        step_ms_per_month=best["step_s"] / months * 1e3,
    )
    best["phases_s"]["other (diffusion, higher govts, glue)"] = best["step_s"] - sum(
        best["phases_s"].values()
    )
    return best


# --- one mesa.Agent per citizen ------------------------------------------------------------
class CitizenAgent(mesa.Agent):
    """One citizen, written the obvious way: attributes and python math."""

    def __init__(self, model, unit, awareness, trust, cost, community):
        super().__init__(model)
        self.unit = unit
        self.awareness = awareness
        self.trust = trust
        self.cost = cost
        self.community = community
        self.mu = 0.0

    def decide(self) -> None:
        m, p, u = self.model, self.model.p, self.unit
        e_file = math.exp(p.file_intercept + p.trust_weight * self.trust - self.cost * m.cost_multiplier[u])
        e_self = math.exp(
            p.self_governance_weight * self.community * m.self_governance[u] - p.self_governance_cost
        )
        consult_odds = e_file * math.exp(p.consult_bonus)
        a = self.awareness
        denom = 1 + e_file + e_self
        p_consult = a * consult_odds / (1 + consult_odds)
        p_community = a * e_file / denom
        p_public = a * e_file / (1 + e_file)
        p_self = a * e_self / denom + (1 - a) * e_self / (1 + e_self)
        self.mu = (
            p_consult * m.rate_consult[u] + p_community * m.rate_community[u] + p_public * m.rate_public[u]
        )
        sums = m.unit_sums[u]
        sums[0] += p_consult
        sums[1] += p_community
        sums[2] += p_public
        sums[3] += p_self

    def step(self) -> None:
        """Learn trust from the unit's outcomes and the own experience, then awareness."""
        m, p, u = self.model, self.model.p, self.unit
        share = m.satisfied_share[u]
        draw = self.random.random()
        filed = 1 - math.exp(-self.mu)
        good = 1.0 if draw < filed * share else 0.0
        self.trust += p.trust_social_learning * (share - self.trust)
        if draw < filed:
            self.trust += m.learning[u] * (good - self.trust)
        self.awareness += m.awareness_rate * (m.ceiling[u] - self.awareness)


class MesaCitizensModel(mesa.Model):
    """The citizens' rules alone, one agent per citizen, with fixed per-unit context."""

    def __init__(self, citizens: Citizens, args: dict, seed: int):
        super().__init__(rng=seed)
        self.p = citizens.p
        self._set_context(args)
        cols = (
            citizens.unit,
            citizens.awareness,
            citizens.trust,
            citizens.cost,
            citizens.community,
        )
        for unit, a, t, c, k in zip(*(col.tolist() for col in cols), strict=True):
            CitizenAgent(self, unit, a, t, c, k)
        self.unit_sums: list[list[float]] = []

    def _set_context(self, args: dict) -> None:
        (ctx,) = args["citizens.decide"]
        for name in (
            "cost_multiplier",
            "self_governance",
            "rate_consult",
            "rate_community",
            "rate_public",
        ):
            setattr(self, name, getattr(ctx, name).tolist())
        share, learning, _ = args["citizens.learn"]
        self.satisfied_share, self.learning = share.tolist(), learning.tolist()
        ceiling, rate = args["citizens.spread_awareness"]
        self.ceiling, self.awareness_rate = ceiling.tolist(), float(rate)
        self.n_units = len(ceiling)

    def step(self) -> None:
        self.unit_sums = [[0.0, 0.0, 0.0, 0.0] for _ in range(self.n_units)]
        self.agents.do("decide")
        self.agents.do("step")


def measure_oop(snapshot: Citizens, args: dict, months: int, repeats: int, seed: int) -> dict:
    runs = []
    for _ in range(repeats):
        gc.collect()
        t0 = perf_counter()
        m = MesaCitizensModel(snapshot, args, seed)
        construct_s = perf_counter() - t0
        t0 = perf_counter()
        for _ in range(months):
            m.step()
        runs.append((perf_counter() - t0, construct_s))
        del m
    step_s, construct_s = min(runs)
    return {
        "citizens": snapshot.n,
        "months": months,
        "step_s": step_s,
        "step_s_all": [r[0] for r in runs],
        "construct_s": construct_s,
        "ns_per_citizen_month": step_s / (snapshot.n * months) * 1e9,
    }


def check_parity(snapshot: Citizens, args: dict, seed: int) -> dict:
    """One month of both versions from the same state and context: they must agree."""
    vec = copy.deepcopy(snapshot)
    (ctx,) = args["citizens.decide"]
    share, learning, _ = args["citizens.learn"]
    ceiling, rate = args["citizens.spread_awareness"]
    vec_sums = vec.decide(ctx)
    vec.learn(share, learning, np.random.default_rng(seed))
    vec.spread_awareness(ceiling, rate)
    oop = MesaCitizensModel(snapshot, args, seed)
    oop.step()
    oop_sums = np.array(oop.unit_sums)
    agents = list(oop.agents)
    awareness = np.array([a.awareness for a in agents])
    trust = np.array([a.trust for a in agents])
    out = {
        "decide_sums_max_rel_diff": float(np.max(np.abs(oop_sums / vec_sums - 1))),
        "awareness_max_abs_diff": float(np.max(np.abs(awareness - vec.awareness))),
        "trust_mean_abs_diff": float(abs(trust.mean() - vec.trust.mean())),
    }
    if out["decide_sums_max_rel_diff"] > 1e-4 or out["awareness_max_abs_diff"] > 1e-5:
        raise AssertionError(f"mesa version disagrees with the vectorised citizens: {out}")
    return out


# --- line profile --------------------------------------------------------------------------
def line_profile(codes: set, fn) -> dict:
    """Time every line of the functions whose code objects are in ``codes`` while ``fn`` runs."""
    stats: dict[tuple, float] = defaultdict(float)
    last: dict = {}

    def local(frame, event, arg):
        now = perf_counter()
        line, t0 = last[frame]
        stats[(frame.f_code, line)] += now - t0
        if event == "return":
            del last[frame]
        else:
            last[frame] = (frame.f_lineno, perf_counter())
        return local

    def tracer(frame, event, arg):
        if frame.f_code not in codes:
            return None
        last[frame] = (frame.f_lineno, perf_counter())
        return local

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return stats


def profile_child(target: int, months: int, seed: int) -> dict:
    m = build_model(residents_per_citizen(target), seed, months + 1)
    m.step()  # warm up
    funcs = (
        JiesuModel.step,
        JiesuModel._regime,
        JiesuModel._govern,
        JiesuModel._record,
        Citizens.decide,
        Citizens.learn,
        Citizens.spread_awareness,
        HandlingUnits.month,
    )
    codes = {f.__code__ for f in funcs}

    def run():
        for _ in range(months):
            m.step()

    t0 = perf_counter()
    stats = line_profile(codes, run)
    total = perf_counter() - t0
    names = {f.__code__: f.__qualname__ for f in funcs}
    rows = [
        {
            "function": names[code],
            "line": line,
            "ms_per_month": s / months * 1e3,
            "ns_per_citizen_month": s / (months * m.citizens.n) * 1e9,
            "source": linecache.getline(code.co_filename, line).strip(),
        }
        for (code, line), s in stats.items()
    ]
    rows.sort(key=lambda r: -r["ms_per_month"])
    return {
        "citizens": m.citizens.n,
        "months": months,
        "traced_ms_per_month": total / months * 1e3,
        "lines": rows,
    }


# --- child process -------------------------------------------------------------------------
def vm_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def child(args) -> dict:
    if args.profile_only:
        return profile_child(args.citizens, args.months, args.seed)
    base_mb = vm_kb("VmRSS") / 1024
    rpc = residents_per_citizen(args.citizens)
    res = measure_model(rpc, args.months, args.repeats, args.seed, snapshot=args.oop)
    res["peak_rss_mb"] = vm_kb("VmHWM") / 1024
    res["rss_after_imports_mb"] = base_mb
    snapshot, first_args = res.pop("_snapshot"), res.pop("_args")
    if args.oop:
        res["parity"] = check_parity(snapshot, first_args, args.seed)
        oop = measure_oop(snapshot, first_args, args.months, args.oop_repeats, args.seed)
        oop["speedup_vs_citizen_rules"] = (
            oop["ns_per_citizen_month"] / res["citizen_rules_ns_per_citizen_month"]
        )
        oop["speedup_vs_full_step"] = oop["ns_per_citizen_month"] / res["ns_per_citizen_month"]
        oop["peak_rss_mb"] = vm_kb("VmHWM") / 1024
        res["oop"] = oop
    return res


def spawn(target: int, months: int, seed: int, extra: list[str]) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--citizens",
        str(target),
        "--months",
        str(months),
        "--seed",
        str(seed),
        *extra,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"child {' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- parent --------------------------------------------------------------------------------
def run_sizes(args) -> tuple[dict, float]:
    results: dict[int, dict] = {}
    children_peak_mb = 0.0
    for target in SIZES:
        extra = ["--repeats", str(args.repeats)]
        oop_repeats = oop_plan(target, results, args.months)
        if oop_repeats:
            extra += ["--oop", "--oop-repeats", str(oop_repeats)]
        print(
            f"  measuring ~{target:,} citizens{' (+ mesa agents)' if oop_repeats else ''} ...",
            file=sys.stderr,
            flush=True,
        )
        results[target] = spawn(target, args.months, args.seed, extra)
        if target == SIZES[0]:
            children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return results, children_peak_mb


def oop_plan(target: int, results: dict, months: int) -> int:
    """Repeats of the mesa version at this size (0: skip)."""
    if target == 10_000:
        return 3
    small = results.get(10_000, {}).get("oop")
    if target == 100_000 and small:
        # one repeat: construction (~10 months' worth) plus the months, scaled from 10k
        estimate = small["ns_per_citizen_month"] * 1e-9 * target * (months + 10)
        return min(3, int(OOP_BUDGET_S // estimate))
    return 0


def linearity(results: dict) -> dict:
    n = np.array([r["citizens"] for r in results.values()], dtype=float)
    per_month = np.array([r["step_s"] / r["months"] for r in results.values()])
    slope, intercept = np.polyfit(n, per_month, 1)
    big, mid = results[1_000_000], results[100_000]
    ratio = big["ns_per_citizen_month"] / mid["ns_per_citizen_month"]
    exponent = math.log(big["step_s"] / mid["step_s"]) / math.log(big["citizens"] / mid["citizens"])
    return {
        "fit_ns_per_citizen_month": slope * 1e9,
        "fit_fixed_ms_per_month": intercept * 1e3,
        "ratio_per_citizen_1m_over_100k": ratio,
        "exponent_100k_to_1m": exponent,
        "citizen_rules_ratio_1m_over_100k": big["citizen_rules_ns_per_citizen_month"]
        / mid["citizen_rules_ns_per_citizen_month"],
    }


def assess(results: dict, lin: dict) -> dict:
    big = results[1_000_000]
    out = {"ns_per_citizen_month_at_1m": _target("<=", TARGETS["ns_at_1m"], big["ns_per_citizen_month"])}
    for n in (10_000, 100_000):
        if "oop" in results[n]:
            out[f"speedup_vs_mesa_agents_at_{n // 1000}k"] = _target(
                ">=", TARGETS["speedup"], results[n]["oop"]["speedup_vs_citizen_rules"]
            )
    out["per_citizen_cost_ratio_1m_over_100k"] = _target(
        "<=", TARGETS["linearity"], lin["ratio_per_citizen_1m_over_100k"]
    )
    out["peak_rss_mb_at_1m"] = _target("<=", TARGETS["peak_mb"], big["peak_rss_mb"])
    return out


def _target(op: str, target: float, measured: float) -> dict:
    met = measured <= target if op == "<=" else measured >= target
    return {"target": f"{op} {target:g}", "measured": measured, "met": bool(met)}


def print_report(report: dict) -> None:
    sizes = report["sizes"]
    print(
        f"\njiesu citizens benchmark  {report['date']}  ({report['machine']['nproc']} cpus, "
        f"python {report['machine']['python']}, numpy {report['machine']['numpy']}, "
        f"mesa {report['machine']['mesa']})"
    )
    print(
        f"Beijing, all elements from month 1, {report['settings']['months']} months, "
        f"best of {report['settings']['repeats']}; ns/cm = nanoseconds per citizen-month\n"
    )
    head = (
        "citizens",
        "units",
        "build s",
        "ms/month",
        "ns/cm step",
        "ns/cm citizens",
        "ns/cm rest",
        "peak MB",
        "model MB",
    )
    print("{:>10} {:>6} {:>8} {:>9} {:>11} {:>15} {:>11} {:>8} {:>9}".format(*head))
    for r in sizes.values():
        print(
            f"{r['citizens']:>10,} {r['units']:>6} {r['construct_s']:>8.3f} "
            f"{r['step_ms_per_month']:>9.2f} {r['ns_per_citizen_month']:>11.1f} "
            f"{r['citizen_rules_ns_per_citizen_month']:>15.1f} "
            f"{r['rest_ns_per_citizen_month']:>11.1f} {r['peak_rss_mb']:>8.0f} "
            f"{r['peak_rss_mb'] - r['rss_after_imports_mb']:>9.0f}"
        )
    print("(ns/cm citizens: decide + learn + spread_awareness; model MB: peak RSS minus RSS after imports)")
    print_phases(sizes)
    print_oop(sizes)
    lin = report["linearity"]
    print(
        f"\nlinearity: step time/month = {lin['fit_fixed_ms_per_month']:.2f} ms + "
        f"{lin['fit_ns_per_citizen_month']:.1f} ns x citizens (least squares); "
        f"cost per citizen 1M/100k = {lin['ratio_per_citizen_1m_over_100k']:.2f}; "
        f"exponent 100k->1M = {lin['exponent_100k_to_1m']:.2f}; citizen rules alone 1M/100k = "
        f"{lin['citizen_rules_ratio_1m_over_100k']:.2f}"
    )
    print(f"peak RSS of the 1M child from RUSAGE_CHILDREN: {report['children_peak_rss_mb_1m']:.0f} MB")
    print("\ntargets:")
    for name, t in report["targets"].items():
        print(
            f"  {name:<40} {t['target']:>9}  measured {t['measured']:>9.2f}  "
            f"{'MET' if t['met'] else 'MISSED'}"
        )
    if "profile" in report:
        print_profile(report["profile"])


def print_phases(sizes: dict) -> None:
    print("\nper-phase time, ns per citizen-month (ms/month at 1M in brackets):")
    labels = list(next(iter(sizes.values()))["phases_s"])
    print(f"  {'phase':<40}" + "".join(f"{r['citizens']:>12,}" for r in sizes.values()))
    big = sizes["1000000"]
    for label in labels:
        cells = "".join(
            f"{r['phases_s'][label] / (r['citizens'] * r['months']) * 1e9:>12.1f}" for r in sizes.values()
        )
        ms = big["phases_s"][label] / big["months"] * 1e3
        print(f"  {label:<40}{cells}   ({ms:.2f} ms)")


def print_oop(sizes: dict) -> None:
    print("\none mesa.Agent per citizen (same rules, python math, agents.do) vs vectorised citizens:")
    for r in sizes.values():
        if "oop" not in r:
            continue
        o = r["oop"]
        print(
            f"  {o['citizens']:>9,} citizens: mesa {o['ns_per_citizen_month']:>8.0f} ns/cm "
            f"(build {o['construct_s']:.2f} s, {o['step_s']:.1f} s for {o['months']} months); "
            f"vectorised rules {r['citizen_rules_ns_per_citizen_month']:.1f} ns/cm -> "
            f"{o['speedup_vs_citizen_rules']:.0f}x faster "
            f"(full step: {o['speedup_vs_full_step']:.0f}x); peak {o['peak_rss_mb']:.0f} MB"
        )
        par = r["parity"]
        print(
            f"  {'':>9}  parity after 1 month: decide sums rel diff "
            f"{par['decide_sums_max_rel_diff']:.1e}, "
            f"awareness {par['awareness_max_abs_diff']:.1e}, "
            f"mean trust {par['trust_mean_abs_diff']:.1e}"
        )


def print_profile(prof: dict, top: int = 20) -> None:
    print(
        f"\nline profile at {prof['citizens']:,} citizens ({prof['months']} months, "
        f"{prof['traced_ms_per_month']:.1f} ms/month under tracing); top {top} lines:"
    )
    rows = [r for r in prof["lines"] if r["function"] != "JiesuModel.step"] + [
        r
        for r in prof["lines"]
        if r["function"] == "JiesuModel.step"
        and not r["source"].startswith(("sums =", "out =", "regime,", "self._", "self.citizens."))
    ]
    rows.sort(key=lambda r: -r["ms_per_month"])
    for r in rows[:top]:
        print(
            f"  {r['ms_per_month']:>7.2f} ms {r['ns_per_citizen_month']:>6.1f} ns/cm  "
            f"{r['function']}:{r['line']}  {r['source'][:70]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="line-profile even if the target is met")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--citizens", type=int, default=10_000, help=argparse.SUPPRESS)
    parser.add_argument("--oop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--oop-repeats", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--profile-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    report = parent(args)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1))
    print_report(report)
    print(f"\nwritten {OUT.relative_to(ROOT)}")


def parent(args) -> dict:
    t0 = perf_counter()
    results, children_peak_mb = run_sizes(args)
    ordered = {str(k): results[k] for k in sorted(results)}
    lin = linearity(results)
    report = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "code": code_version(),
        "settings": {
            "months": args.months,
            "repeats": args.repeats,
            "seed": args.seed,
            "geography": "beijing",
            "start": START,
            "reform_start": START,
            "pioneer_elements": "all",
            "abandon_rate": 0,
        },
        "sizes": ordered,
        "linearity": lin,
        "children_peak_rss_mb_1m": children_peak_mb,
        "targets": assess(results, lin),
    }
    if args.profile or not report["targets"]["ns_per_citizen_month_at_1m"]["met"]:
        print("  line-profiling ~1,000,000 citizens ...", file=sys.stderr, flush=True)
        report["profile"] = spawn(1_000_000, 6, args.seed, ["--profile-only"])
    report["wall_s"] = perf_counter() - t0
    return report


if __name__ == "__main__":
    main()
