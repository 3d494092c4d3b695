"""Scalar outcomes of one run: what comparisons and sweeps summarise and analyse.

Each metric is computed from the national rows (or the only city's rows) of a run's tidy
timeseries and its event table. Adoption months are counted from the simulation's first month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from jiesu.agents.reform import CHANNELS


@dataclass(frozen=True)
class Metric:
    """One scalar outcome."""

    name: str
    unit: str
    meaning: str
    zh: str


METRICS: tuple[Metric, ...] = (
    Metric(
        "months_to_50pct",
        "months",
        "months from the start until half the cities have adopted (NaN: never)",
        "采纳过半用时",
    ),
    Metric(
        "months_to_90pct", "months", "months until 90 % of cities have adopted (NaN: never)", "采纳九成用时"
    ),
    Metric(
        "share_adopted_end", "share", "share of cities running the reform in the last month", "期末采纳比例"
    ),
    Metric(
        "population_covered_end", "share", "share of residents covered in the last month", "期末覆盖人口比例"
    ),
    Metric(
        "requests_per_10k_last12",
        "contacts/month per 10k",
        "requests per 10k residents, mean of the last 12 months",
        "末年每万人诉求量",
    ),
    Metric("response_rate_last12", "share", "response rate, mean of the last 12 months", "末年响应率"),
    Metric("resolution_rate_last12", "share", "resolution rate, mean of the last 12 months", "末年解决率"),
    Metric(
        "satisfaction_rate_last12", "share", "satisfaction rate, mean of the last 12 months", "末年满意率"
    ),
    Metric("trust_end", "share", "mean citizen trust in the last month", "期末信任"),
    Metric("self_governance_end", "share", "self-governance strength in the last month", "期末居民自治"),
    Metric("problem_rate_end", "problems/resident/month", "problem rate in the last month", "期末问题发生率"),
    Metric("gov_cost_total", "order-equivalents", "handling cost summed over the run", "累计办理成本"),
    *(
        Metric(f"adoptions_{c}", "cities", f"adoptions attributed to the {c} channel", f"{c}渠道采纳数")
        for c in CHANNELS
    ),
)
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)


def headline(ts: pd.DataFrame) -> pd.DataFrame:
    """The national rows of a run (or the only city's rows), sorted by month."""
    level = "national" if (ts["level"] == "national").any() else "city"
    return ts[ts["level"] == level].sort_values("month")


def compute_metrics(ts: pd.DataFrame, adoptions: pd.DataFrame) -> dict[str, float]:
    """Return every metric of :data:`METRICS` for one run."""
    nat = headline(ts)
    share = nat["share_adopted"].to_numpy()
    last12 = nat.tail(12)
    out = {
        "months_to_50pct": _first_reach(share, 0.5),
        "months_to_90pct": _first_reach(share, 0.9),
        "share_adopted_end": float(share[-1]),
        "population_covered_end": float(nat["share_population_covered"].iloc[-1]),
        "requests_per_10k_last12": float(last12["requests_per_10k"].mean()),
        "response_rate_last12": float(last12["response_rate"].mean()),
        "resolution_rate_last12": float(last12["resolution_rate"].mean()),
        "satisfaction_rate_last12": float(last12["satisfaction_rate"].mean()),
        "trust_end": float(nat["trust_mean"].iloc[-1]),
        "self_governance_end": float(nat["self_governance"].iloc[-1]),
        "problem_rate_end": float(nat["problem_rate"].iloc[-1]),
        "gov_cost_total": float(nat["gov_cost"].sum()),
    }
    adopts = adoptions[(adoptions["event"] == "adopt") & (adoptions["level"] == "city")]
    counts = adopts["channel"].value_counts()
    for c in CHANNELS:
        out[f"adoptions_{c}"] = float(counts.get(c, 0))
    return out


def _first_reach(share: np.ndarray, level: float) -> float:
    hits = np.flatnonzero(share >= level)
    return float(hits[0]) if hits.size else float("nan")
