"""Equivalence check: the same seed gives the same tables before and after a change of the code.

Run from the repository root::

    uv run python benchmarks/equivalence.py --save REF       # store the tables of the current code
    uv run python benchmarks/equivalence.py --compare REF    # compare the current code with them
    uv run python benchmarks/equivalence.py --compare REF --cases beijing-s1,synthetic-500

Every case is a whole run through ``run_scenario`` (the model, then the tidy tables): the
``timeseries``, ``adoptions`` and ``hazards`` tables of the ``beijing``, ``all_channels``,
``top_down``, ``bottom_up`` and ``horizontal`` scenarios at a few seeds, a county run, a China run
with fine handling units, a run with strong voluntary diffusion (learners copy peers, cities
abandon), a Beijing run with every element, gaming and abandonment, and a 500-city synthetic
Bass run. ``--save`` writes them to ``benchmarks/out/equivalence/REF/`` (Parquet, git-ignored);
``--compare`` reads them back and reports, per case and table, whether the two are identical
(same columns, dtypes and values, NaN where NaN) and otherwise the largest absolute and
relative difference of each numeric column that differs. Exit status 1 if anything differs.
This is a check for the developer of a speed change, not a test (it takes a few minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from time import perf_counter

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "benchmarks" / "out" / "equivalence"
TABLES = ("timeseries", "adoptions", "hazards")
STRONG = {"imitation_rate": 0.03, "learning_rate": 0.3, "internal_rate": 0.002, "abandon_rate": 0.01}
EVERYTHING = {"pioneer_elements": "all", "gaming": 0.3, "abandon_rate": 0.02, "pioneer_abandons": True}
SYNTHETIC = {
    "geography": "synthetic",
    "synthetic_cities": 500,
    "synthetic_network": "complete",
    "synthetic_population": 10000,
    "residents_per_citizen": 10000,
    "pioneer": "none",
    "external_rate": 0.003,
    "imitation_rate": 0.4,
    "start": "2020-01",
    "end": "2022-06",
}
RGG = {
    "geography": "synthetic",
    "synthetic_cities": 1000,
    "synthetic_network": "random_geometric",
    "synthetic_population": 1_000_000,
    "residents_per_citizen": 10_000,
    "pioneer": "largest",
    "imitation_rate": 0.05,
    "learning_rate": 0.3,
    "external_rate": 0.002,
    "abandon_rate": 0.01,
    "start": "2018-01",
    "end": "2024-12",
}
LARGE_UNITS = {"residents_per_citizen": 20, "residents_per_unit": 1_000_000, "end": "2019-12"}

#: label -> (scenario, overrides, seed); a scenario of None is an empty one (no events)
CASES: dict[str, tuple[str, dict, int]] = {
    "beijing-s1": ("beijing", {}, 1),
    "beijing-s2": ("beijing", {}, 2),
    "beijing-s3": ("beijing", {}, 3),
    "beijing-fine-s1": ("beijing", {"residents_per_citizen": 100, "end": "2022-12"}, 1),
    "beijing-everything-s1": ("beijing", EVERYTHING, 1),
    # units of 50,000 citizens: every chunk is one unit larger than Citizens.CHUNK
    "beijing-large-units-s1": ("beijing", LARGE_UNITS, 1),
    "beijing-small-s4": ("beijing", {"residents_per_citizen": 20000, "end": "2021-12"}, 4),
    "all_channels-s1": ("all_channels", {}, 1),
    "all_channels-s2": ("all_channels", {}, 2),
    "top_down-s1": ("top_down", {}, 1),
    "top_down-s2": ("top_down", {}, 2),
    "bottom_up-s1": ("bottom_up", {}, 1),
    "bottom_up-s2": ("bottom_up", {}, 2),
    "horizontal-s1": ("horizontal", {}, 1),
    "horizontal-s2": ("horizontal", {}, 2),
    "horizontal-strong-s3": ("horizontal", STRONG, 3),
    "all_channels-strong-s3": ("all_channels", STRONG, 3),
    "all_channels-units64k-s1": ("all_channels", {"residents_per_unit": 64000, "end": "2022-12"}, 1),
    "all_channels-coarse-s5": ("all_channels", {"residents_per_citizen": 200000, "end": "2023-12"}, 5),
    "counties-s1": ("all_channels", {"geography": "china_counties", "end": "2024-12"}, 1),
    "synthetic-500": (None, SYNTHETIC, 11),
    "synthetic-rgg-1000": (None, RGG, 7),
}


def run_case(label: str) -> dict[str, pd.DataFrame]:
    from jiesu.experiments.execution.runner import run_scenario
    from jiesu.experiments.scenarios import Scenario, load_scenario

    name, overrides, seed = CASES[label]
    scenario = load_scenario(name) if name else Scenario(name="synthetic")
    out = run_scenario(scenario, overrides, seed=seed)
    return {"timeseries": out.timeseries, "adoptions": out.adoptions, "hazards": out.hazards}


def save(ref: str, labels: list[str]) -> None:
    folder = STORE / ref
    folder.mkdir(parents=True, exist_ok=True)
    for label in labels:
        t0 = perf_counter()
        tables = run_case(label)
        for table, df in tables.items():
            df.to_parquet(folder / f"{label}.{table}.parquet")
        print(f"{label:<28} saved ({perf_counter() - t0:.1f} s)", flush=True)


def differences(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """What differs between two tables (empty if they are identical)."""
    if list(old.columns) != list(new.columns):
        return [f"columns differ: {list(old.columns)} vs {list(new.columns)}"]
    if len(old) != len(new):
        return [f"rows differ: {len(old)} vs {len(new)}"]
    found = []
    for column in old.columns:
        a, b = old[column], new[column]
        if a.dtype != b.dtype:
            found.append(f"{column}: dtype {a.dtype} vs {b.dtype}")
            continue
        if a.equals(b):
            continue
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            nan_mismatch = int((np.isnan(x) != np.isnan(y)).sum())
            both = ~np.isnan(x) & ~np.isnan(y)
            diff = np.abs(x[both] - y[both])
            scale = np.maximum(np.abs(x[both]), 1e-300)
            found.append(
                f"{column}: {int((diff > 0).sum())} values differ, max abs {diff.max(initial=0):.3g}, "
                f"max rel {(diff / scale).max(initial=0):.3g}, NaN mismatches {nan_mismatch}"
            )
        else:
            found.append(f"{column}: {int((a != b).sum())} values differ")
    return found


def compare(ref: str, labels: list[str]) -> bool:
    folder = STORE / ref
    same = True
    for label in labels:
        t0 = perf_counter()
        tables = run_case(label)
        report = []
        for table in TABLES:
            path = folder / f"{label}.{table}.parquet"
            if not path.exists():
                report.append(f"  {table}: no reference ({path.name})")
                same = False
                continue
            diff = differences(pd.read_parquet(path), tables[table])
            if diff:
                same = False
                report += [f"  {table}: {d}" for d in diff]
        status = "identical" if not report else "DIFFERENT"
        print(f"{label:<28} {status} ({perf_counter() - t0:.1f} s)", flush=True)
        for line in report:
            print(line, flush=True)
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", metavar="REF", help="store the tables of the current code as REF")
    mode.add_argument("--compare", metavar="REF", help="compare the current code with REF")
    parser.add_argument("--cases", default="all", help=f"comma-separated, of: {', '.join(CASES)}")
    args = parser.parse_args()
    labels = list(CASES) if args.cases == "all" else args.cases.split(",")
    unknown = [c for c in labels if c not in CASES]
    if unknown:
        sys.exit(f"unknown cases: {unknown}")
    if args.save:
        save(args.save, labels)
        return
    sys.exit(0 if compare(args.compare, labels) else 1)


if __name__ == "__main__":
    main()
