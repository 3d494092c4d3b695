"""Benchmark: cost per citizen-month, from 10k citizens to every resident of Beijing.

Run from the repository root::

    uv run python benchmarks/bench_citizens.py                     # all sizes, 4 to 6 minutes on 2 cores
    uv run python benchmarks/bench_citizens.py --sizes 10k,100k,1m  # a subset (own output file)

Every size is measured in a fresh subprocess (its peak memory is its own) on the Beijing
geography with every reform element from the first month (``abandon_rate = 0``: every mechanism
stays on). For each size the child reports, all measured side by side in the same process:

* construction time and ``step()`` time per citizen-month (best of ``--repeats``, after one
  warm-up month), with the citizens' rules (``Citizens.decide`` and ``Citizens.end_month``)
  apart from everything else;
* a floor: one Bernoulli draw per citizen and month in numpy (``rng.random`` into a float32
  buffer, compared with a probability into a bool buffer), timed the same way; the model's
  cost is reported as a multiple of it;
* at 10k and 100k, the same citizens' rules written with one ``mesa.Agent`` per citizen (python
  math, ``model.agents.do``), from the same state and context; the two versions are first
  checked to compute the same choice probabilities; ratios of the mesa version to the
  vectorised rules and to the vectorised full ``step()``;
* peak resident memory (``VmHWM``), bytes per citizen held by :class:`Citizens`, the load
  average before and after.

For the largest sizes the number of months is small (``--big-months``): the 156-month figure of
a whole run is extrapolated as construction + 156 x the time of a month, and labelled so.
Everything goes to ``benchmarks/out/citizens.json`` with the machine and the commit.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import math
import os
import sys
from pathlib import Path
from time import perf_counter

import mesa
import numpy as np

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
from jiesu.agents.citizens import Citizens  # noqa: E402
from jiesu.model import JiesuModel, make_parameters  # noqa: E402
from jiesu.model.calendar import format_month, parse_month  # noqa: E402

SCRIPT = str(Path(__file__).resolve())
BEIJING_POPULATION = 21_893_095
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "21.9m": BEIJING_POPULATION}
BIG = 5_000_000  # from this size on: --big-months, one repeat
MESA_SIZES = (10_000, 100_000)
START = "2019-01"
RUN_MONTHS = 156  # 2018-01..2030-12, a whole run
TARGETS = {"ns": 20.0, "floor": 5.0, "mesa": 100.0, "run_s": 60.0, "peak_gb": 4.0}
CITIZEN_PHASES = ("citizens.decide", "citizens.end_month")


# --- the vectorised model ------------------------------------------------------------------
def build_model(citizens: int, seed: int, months: int) -> JiesuModel:
    params = make_parameters(
        {
            "geography": "beijing",
            "pioneer_elements": "all",
            "start": START,
            "reform_start": START,
            "end": format_month(parse_month(START) + months - 1),
            "residents_per_citizen": max(1, round(BEIJING_POPULATION / citizens)),
            "abandon_rate": 0,  # keep every mechanism on for the whole run
        }
    )
    return JiesuModel(params, seed=seed)


def citizen_bytes(c: Citizens) -> float:
    """Bytes per citizen of the arrays :class:`Citizens` holds for its citizens."""
    sized = [v.nbytes for v in vars(c).values() if isinstance(v, np.ndarray) and v.shape == (c.n,)]
    return sum(sized) / c.n


def time_model(spec: dict) -> tuple[dict, JiesuModel, Citizens | None, dict]:
    months, repeats = spec["months"], spec["repeats"]
    gc.collect()
    t0 = perf_counter()
    m = build_model(spec["citizens"], spec["seed"], months * repeats + 1)
    construct_s = perf_counter() - t0
    snapshot = copy.deepcopy(m.citizens) if spec["mesa"] else None  # before any wrapping
    timer = PhaseTimer()
    timer.wrap(m.citizens, "decide", "citizens.decide")
    timer.wrap(m.citizens, "end_month", "citizens.end_month")
    first: dict = {}
    for name in ("decide", "end_month"):  # record the first month's arguments for the mesa version
        fn = getattr(m.citizens, name)

        def keep(*args, _fn=fn, _name=name):
            first.setdefault(_name, args)
            return _fn(*args)

        setattr(m.citizens, name, keep)
    m.step()  # warm-up
    runs = []
    for _ in range(repeats):
        timer.seconds.clear()
        t0 = perf_counter()
        for _ in range(months):
            m.step()
        runs.append((perf_counter() - t0, sum(timer.seconds[k] for k in CITIZEN_PHASES)))
    step_s, rules_s = min(runs)
    cm = m.citizens.n * months
    return (
        {
            "citizens": m.citizens.n,
            "units": m.units.n,
            "months": months,
            "repeats": repeats,
            "construct_s": construct_s,
            "step_s_all": [r[0] for r in runs],
            "ms_per_month": step_s / months * 1e3,
            "ns_per_citizen_month": step_s / cm * 1e9,
            "rules_ns_per_citizen_month": rules_s / cm * 1e9,
            "rest_ns_per_citizen_month": (step_s - rules_s) / cm * 1e9,
            "bytes_per_citizen": citizen_bytes(m.citizens),
        },
        m,
        snapshot,
        first,
    )


def time_floor(n: int, months: int, repeats: int, seed: int) -> float:
    """ns per citizen-month of one Bernoulli draw per citizen (numpy, preallocated buffers)."""
    rng = np.random.default_rng(seed)
    draws, flags = np.empty(n, dtype=np.float32), np.empty(n, dtype=bool)
    best = math.inf
    for _ in range(repeats):
        t0 = perf_counter()
        for _ in range(months):
            rng.random(n, dtype=np.float32, out=draws)
            np.less(draws, np.float32(0.3), out=flags)
        best = min(best, perf_counter() - t0)
    return best / (n * months) * 1e9


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
        a = self.awareness * m.scope[u]
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
        if share == share:  # units without filings (NaN) teach nothing
            draw = self.random.random()
            filed = 1 - math.exp(-self.mu)
            good = 1.0 if draw < filed * share else 0.0
            self.trust += p.trust_social_learning * (share - self.trust)
            if draw < filed:
                self.trust += m.learning[u] * (good - self.trust)
        self.awareness += m.awareness_rate * (m.ceiling[u] - self.awareness)


class MesaCitizensModel(mesa.Model):
    """The citizens' rules alone, one agent per citizen, with the first month's per-unit context."""

    def __init__(self, citizens: Citizens, first: dict, seed: int):
        super().__init__(rng=seed)
        self.p = citizens.p
        (ctx,) = first["decide"]
        for name in ("cost_multiplier", "scope", "self_governance", "rate_consult", "rate_community"):
            setattr(self, name, np.asarray(getattr(ctx, name)).tolist())
        self.rate_public = np.asarray(ctx.rate_public).tolist()
        share, learning, ceiling, rate, _ = first["end_month"]
        self.satisfied_share, self.learning = share.tolist(), learning.tolist()
        self.ceiling, self.awareness_rate = ceiling.tolist(), float(rate)
        self.n_units = len(ceiling)
        cols = (citizens.unit, citizens.awareness, citizens.trust, citizens.cost, citizens.community)
        for unit, a, t, c, k in zip(*(col.tolist() for col in cols), strict=True):
            CitizenAgent(self, unit, a, t, c, k)
        self.unit_sums: list[list[float]] = []

    def step(self) -> None:
        self.unit_sums = [[0.0, 0.0, 0.0, 0.0] for _ in range(self.n_units)]
        self.agents.do("decide")
        self.agents.do("step")


def mesa_comparison(snapshot: Citizens, first: dict, months: int, seed: int) -> dict:
    # parity: one month of both versions from the same state and context
    vec = copy.deepcopy(snapshot)
    (ctx,) = first["decide"]
    vec_sums = vec.decide(ctx)
    share, learning, ceiling, rate, _ = first["end_month"]
    vec.end_month(share, learning, ceiling, rate, np.random.default_rng(seed))
    oop = MesaCitizensModel(snapshot, first, seed)
    oop.step()
    awareness = np.array([a.awareness for a in oop.agents])
    parity = {
        "decide_sums_max_rel_diff": float(np.max(np.abs(np.array(oop.unit_sums) / vec_sums - 1))),
        "awareness_max_abs_diff": float(np.max(np.abs(awareness - vec.awareness))),
    }
    if parity["decide_sums_max_rel_diff"] > 1e-4 or parity["awareness_max_abs_diff"] > 1e-5:
        raise AssertionError(f"mesa version disagrees with the vectorised citizens: {parity}")
    del oop
    gc.collect()
    t0 = perf_counter()
    oop = MesaCitizensModel(snapshot, first, seed)
    construct_s = perf_counter() - t0
    t0 = perf_counter()
    for _ in range(months):
        oop.step()
    step_s = perf_counter() - t0
    return {
        "parity": parity,
        "construct_s": construct_s,
        "ns_per_citizen_month": step_s / (snapshot.n * months) * 1e9,
    }


def whole_run(spec: dict) -> dict:
    """Build and run all 156 months once, timed as a user would see it (no wrapping)."""
    load_before = os.getloadavg()[0]
    t0 = perf_counter()
    m = build_model(spec["citizens"], spec["seed"], RUN_MONTHS)
    construct_s = perf_counter() - t0
    t0 = perf_counter()
    m.run()
    run_s = perf_counter() - t0
    return {
        "citizens": m.citizens.n,
        "months": len(m.months),
        "construct_s": construct_s,
        "run_s": run_s,
        "total_s": construct_s + run_s,
        "peak_rss_mb": vm_mb("VmHWM"),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def child(spec: dict) -> dict:
    if spec.get("whole"):
        return whole_run(spec)
    load_before = os.getloadavg()[0]
    base_mb = vm_mb("VmRSS")
    res, model, snapshot, first = time_model(spec)
    res["floor_ns_per_citizen_month"] = time_floor(model.citizens.n, spec["months"], spec["repeats"], 0)
    res["times_floor"] = res["ns_per_citizen_month"] / res["floor_ns_per_citizen_month"]
    res["peak_rss_mb"] = vm_mb("VmHWM")
    res["model_mb"] = res["peak_rss_mb"] - base_mb
    res["run_156_months_s_extrapolated"] = res["construct_s"] + RUN_MONTHS * res["ms_per_month"] / 1e3
    if snapshot is not None:
        del model
        gc.collect()
        oop = mesa_comparison(snapshot, first, spec["months"], spec["seed"])
        oop["times_vectorised_rules"] = oop["ns_per_citizen_month"] / res["rules_ns_per_citizen_month"]
        oop["times_vectorised_step"] = oop["ns_per_citizen_month"] / res["ns_per_citizen_month"]
        res["mesa"] = oop
    res["load_before"], res["load_after"] = load_before, os.getloadavg()[0]
    return res


# --- parent --------------------------------------------------------------------------------
def assess(sizes: dict) -> dict:
    out = {}
    for key in ("1m", "10m"):
        if key in sizes:
            out[f"ns_per_citizen_month_at_{key}"] = target(
                "<=", TARGETS["ns"], sizes[key]["ns_per_citizen_month"]
            )
            out[f"times_bernoulli_floor_at_{key}"] = target("<=", TARGETS["floor"], sizes[key]["times_floor"])
    for key in ("10k", "100k"):
        if "mesa" in sizes.get(key, {}):
            mesa_ = sizes[key]["mesa"]
            out[f"mesa_over_vectorised_step_at_{key}"] = target(
                ">=", TARGETS["mesa"], mesa_["times_vectorised_step"]
            )
            out[f"mesa_over_vectorised_rules_at_{key}"] = target(
                ">=", TARGETS["mesa"], mesa_["times_vectorised_rules"]
            )
    if "21.9m" in sizes:
        r = sizes["21.9m"]
        out["beijing_1to1_156_months_s_extrapolated"] = target(
            "<=", TARGETS["run_s"], r["run_156_months_s_extrapolated"]
        )
        if "whole_run" in r:
            out["beijing_1to1_156_months_s_measured"] = target(
                "<=", TARGETS["run_s"], r["whole_run"]["total_s"]
            )
        out["beijing_1to1_peak_gb"] = target("<=", TARGETS["peak_gb"], r["peak_rss_mb"] / 1024)
    return out


def parent(args) -> dict:
    report = {"date": now(), "machine": machine(), "code": code_version(), "load_start": os.getloadavg()}
    sizes = {}
    for key in args.sizes.split(","):
        n = SIZES[key]
        big = n >= BIG
        spec = {
            "citizens": n,
            "months": args.big_months if big else args.months,
            "repeats": 1 if big else args.repeats,
            "seed": args.seed,
            "mesa": n in MESA_SIZES,
        }
        note(f"~{n:,} citizens{' (+ one mesa agent per citizen)' if spec['mesa'] else ''}")
        sizes[key] = spawn(SCRIPT, spec, timeout=1800)
        if key == "21.9m" and args.whole_run:
            note(f"~{n:,} citizens, a whole {RUN_MONTHS}-month run (build included)")
            sizes[key]["whole_run"] = spawn(SCRIPT, {**spec, "whole": True}, timeout=1800)
    report["settings"] = {"months": args.months, "big_months": args.big_months, "repeats": args.repeats}
    report["sizes"] = sizes
    report["targets"] = assess(sizes)
    report["load_end"] = os.getloadavg()
    return report


def print_report(report: dict) -> None:
    header("jiesu citizens benchmark", report)
    load = f"{report['load_start'][0]:.2f} at start, {report['load_end'][0]:.2f} at end"
    print(
        f"Beijing, every element from month 1; ns/cm = nanoseconds per citizen-month; load average {load}\n"
    )
    head = (
        "citizens",
        "units",
        "build s",
        "months",
        "ms/month",
        "ns/cm",
        "rules",
        "rest",
        "floor",
        "x floor",
    )
    print("{:>11} {:>6} {:>8} {:>6} {:>9} {:>7} {:>7} {:>7} {:>6} {:>8}".format(*head), end="")
    print(f" {'B/cit':>6} {'peak MB':>8} {'156 mo s*':>9} {'load':>10}")
    for r in report["sizes"].values():
        cells = (
            f"{r['citizens']:>11,} {r['units']:>6} {r['construct_s']:>8.2f} {r['months']:>6} ",
            f"{r['ms_per_month']:>9.1f} {r['ns_per_citizen_month']:>7.1f} ",
            f"{r['rules_ns_per_citizen_month']:>7.1f} {r['rest_ns_per_citizen_month']:>7.1f} ",
            f"{r['floor_ns_per_citizen_month']:>6.2f} {r['times_floor']:>8.1f} ",
            f"{r['bytes_per_citizen']:>6.0f} {r['peak_rss_mb']:>8.0f} ",
            f"{r['run_156_months_s_extrapolated']:>9.1f} {r['load_before']:>4.2f}-{r['load_after']:.2f}",
        )
        print("".join(cells))
    print(
        "(rules: Citizens.decide + end_month; floor: one numpy Bernoulli draw per citizen; B/cit: bytes "
        "per citizen in Citizens; *156 mo s: construction + 156 x ms/month, extrapolated)"
    )
    for r in report["sizes"].values():
        if "whole_run" in r:
            w = r["whole_run"]
            print(
                f"a whole run of {w['months']} months at {w['citizens']:,} citizens, measured: "
                f"{w['total_s']:.1f} s "
                f"(build incl. 36 burn-in months {w['construct_s']:.1f} s, months {w['run_s']:.1f} s); "
                f"peak {w['peak_rss_mb']:.0f} MB; load {w['load_before']:.2f}-{w['load_after']:.2f}"
            )
        if "mesa" in r:
            o = r["mesa"]
            print(
                f"one mesa.Agent per citizen at {r['citizens']:,}: {o['ns_per_citizen_month']:.0f} ns/cm -> "
                f"{o['times_vectorised_rules']:.0f}x the vectorised rules, {o['times_vectorised_step']:.0f}x "
                f"the whole vectorised step (parity: sums {o['parity']['decide_sums_max_rel_diff']:.1e}, "
                f"awareness {o['parity']['awareness_max_abs_diff']:.1e})"
            )
    print_targets(report["targets"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, of: {', '.join(SIZES)}")
    parser.add_argument("--months", type=int, default=12, help="timed months below 5M citizens")
    parser.add_argument("--big-months", type=int, default=3, help="timed months from 5M citizens on")
    parser.add_argument("--repeats", type=int, default=3, help="repeats below 5M citizens (best kept)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--whole-run",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="at 21.9m, also time a whole 156-month run (about a minute more)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    report = parent(args)
    path = write_report(report, out_name("citizens", args.sizes, ",".join(SIZES)))
    print_report(report)
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
