"""Summaries across replicates with intervals that respect the bounds of what they summarise.

* :func:`bootstrap_mean` — the mean with a percentile-bootstrap interval (Efron & Tibshirani
  1993, ch. 13). Every resampled mean is a mean of observed values, so the interval lies within
  the observed range: a share stays in [0, 1], a count stays at or above 0.
* :func:`spread` — percentiles of the replicates themselves: where individual runs fall.
* :func:`wilson` — the Wilson (1927) score interval of a proportion of independent trials, for
  example the share of replicates in which half of the cities adopt.
* :func:`few_replicates_message` — the warning, with the command that would give enough, when a
  summary rests on fewer than :data:`ENOUGH_REPLICATES` replicates.
"""

from __future__ import annotations

import math
import sys
from statistics import NormalDist

import numpy as np
import pandas as pd

#: Fewer replicates than this print a warning: intervals from so few runs are rough.
ENOUGH_REPLICATES = 10
#: Bootstrap resamples, and the fixed seed that makes every summary reproducible.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20190101
_WARNED: set[tuple] = set()


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def bootstrap_mean(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean of the finite values with a percentile-bootstrap interval; also their count.

    Args:
        values: One value per replicate (NaN values are left out).
        level: Coverage of the interval.

    Returns:
        ``(mean, low, high, n)``; ``low``/``high`` are NaN for fewer than two values.

    Example:
        >>> bootstrap_mean([0.0, 1.0])[1:]
        (0.0, 1.0, 2)
    """
    x = _finite(values)
    n = x.size
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return (mean, math.nan, math.nan, 1)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = x[rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return (mean, float(low), float(high), n)


def spread(values, low: float = 10, high: float = 90) -> tuple[float, float]:
    """The ``low``-th and ``high``-th percentiles of the finite values (NaN if none)."""
    x = _finite(values)
    if x.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(x, [low, high])
    return (float(lo), float(hi))


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Proportion ``successes / n`` with its Wilson score interval (NaNs if ``n`` is 0).

    Example:
        >>> [round(v, 3) for v in wilson(2, 2)]
        [1.0, 0.342, 1.0]
    """
    if n <= 0:
        return (math.nan, math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (p, max(0.0, centre - half), min(1.0, centre + half))


def enough_command(command: list[str] | None, enough: int = ENOUGH_REPLICATES) -> str:
    """The recorded command with ``--replicates`` raised to ``enough`` and ``--out`` removed."""
    words = list(command or ["jiesu", "compare"])
    if words and words[0].endswith("jiesu"):
        words[0] = "jiesu"
    out, k = [], 0
    while k < len(words):
        word = words[k]
        if word in ("--out", "--replicates"):
            k += 2
            continue
        if word.startswith(("--out=", "--replicates=")):
            k += 1
            continue
        out.append(word)
        k += 1
    return " ".join([*out, "--replicates", str(enough)])


def few_replicates_message(n: int, command: list[str] | None) -> str | None:
    """The warning for a summary of ``n`` replicates, or None when there are enough."""
    if n >= ENOUGH_REPLICATES:
        return None
    return (
        f"only {n} replicate(s) per scenario: intervals are rough and a split between replicates "
        f"may go unseen; for at least {ENOUGH_REPLICATES} run: {enough_command(command)}"
    )


def warn_few_replicates(n: int, command: list[str] | None) -> None:
    """Print :func:`few_replicates_message` to stderr, once per process and command."""
    message = few_replicates_message(n, command)
    key = (n, tuple(command or ()))
    if message is None or key in _WARNED:
        return
    _WARNED.add(key)
    print(f"jiesu: warning: {message}", file=sys.stderr)


#: The columns of ``summary.csv``: (meaning, 含义). Written beside it as ``summary_columns.csv``.
SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "scenario": ("scenario identifier", "情景标识"),
    "scenario_zh": ("scenario name in Chinese", "情景中文名"),
    "metric": ("metric identifier (see manifest.json, metrics)", "指标标识（见 manifest.json 的 metrics）"),
    "metric_zh": ("metric name in Chinese", "指标中文名"),
    "unit": ("unit of mean, intervals and differences", "均值、区间与差值的单位"),
    "n": ("replicates with a value (months_to_*: replicates that reached the level)", "有取值的重复次数"),
    "mean": ("mean over those replicates", "重复运行的均值"),
    "ci95_low": ("lower end of the 95 % interval (see interval)", "95%区间下限（方法见 interval）"),
    "ci95_high": ("upper end of the 95 % interval (see interval)", "95%区间上限（方法见 interval）"),
    "interval": (
        "bootstrap: percentile bootstrap of the mean over replicates (2,000 resamples), within the "
        "observed range; wilson: Wilson score interval of a share of independent replicates",
        "bootstrap：重复运行均值的百分位自助法区间（2000次重抽样），不超出观测范围；"
        "wilson：独立重复运行比例的 Wilson 区间",
    ),
    "p10": ("10th percentile of the replicates (where single runs fall)", "重复运行的第10百分位数"),
    "p90": ("90th percentile of the replicates", "重复运行的第90百分位数"),
    "baseline": ("scenario the differences are taken against", "差值的基准情景"),
    "diff_mean": ("mean of the paired differences (replicate r against replicate r)", "配对差值均值"),
    "diff_ci95_low": ("lower end of its 95 % bootstrap interval", "配对差值95%自助法区间下限"),
    "diff_ci95_high": ("upper end of its 95 % bootstrap interval", "配对差值95%自助法区间上限"),
    "n_pairs": ("pairs with both values", "配对数"),
}
#: Derived rows: the share of replicates in which a level of adoption is reached (Wilson).
REACHED = {"months_to_50pct": "reached_50pct", "months_to_90pct": "reached_90pct"}


def summarise_runs(
    runs: pd.DataFrame, scenarios: list[tuple[str, str]], metrics, labels_zh: dict[str, str]
) -> pd.DataFrame:
    """One row per scenario x metric: mean with a 95 % interval that can occur, spread, paired differences.

    Means of replicates get a percentile-bootstrap interval (:func:`bootstrap_mean`: it stays
    within the observed values, so shares stay in [0, 1] and counts at or above 0); the share of
    replicates that reach 50 % or 90 % adoption gets a Wilson interval. Paired differences are
    taken replicate by replicate against the first scenario.

    Args:
        runs: One row per run (``scenario``, ``replicate``, ``status`` and the metrics).
        scenarios: ``(name, Chinese name)`` in order; the first is the baseline.
        metrics: Objects with ``name`` and ``unit`` (:data:`jiesu.experiments.analysis.metrics.METRICS`).
        labels_zh: Chinese names of the metrics.

    Returns:
        The columns of :data:`SUMMARY_COLUMNS`.
    """
    ok = runs[runs["status"] == "ok"]
    base_name = scenarios[0][0]
    base = ok[ok["scenario"] == base_name].set_index("replicate")
    rows = []
    for name, name_zh in scenarios:
        mine = ok[ok["scenario"] == name].set_index("replicate")
        for m in metrics:
            if m.name not in mine:
                continue
            ids = {"scenario": name, "scenario_zh": name_zh, "metric": m.name, "unit": m.unit}
            rows.append(
                {**ids, "metric_zh": labels_zh.get(m.name, m.name), **_stats(mine[m.name], base, m.name)}
            )
            rows[-1]["baseline"] = base_name
            if m.name in REACHED and len(mine):
                hits = int(mine[m.name].notna().sum())
                share, low, high = wilson(hits, len(mine))
                reached = REACHED[m.name]
                rows.append(
                    {
                        **{**ids, "metric": reached, "unit": "share of replicates"},
                        **{"metric_zh": labels_zh.get(reached, reached), "n": len(mine), "mean": share},
                        **{"ci95_low": low, "ci95_high": high, "interval": "wilson", "baseline": base_name},
                    }
                )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _stats(values: pd.Series, base: pd.DataFrame, metric: str) -> dict:
    mean, low, high, n = bootstrap_mean(values)
    p10, p90 = spread(values)
    paired = values - base[metric].reindex(values.index) if metric in base else pd.Series(dtype=float)
    d_mean, d_low, d_high, d_n = bootstrap_mean(paired)
    return {
        **{"n": n, "mean": mean, "ci95_low": low, "ci95_high": high, "interval": "bootstrap"},
        **{"p10": p10, "p90": p90, "diff_mean": d_mean, "diff_ci95_low": d_low, "diff_ci95_high": d_high},
        "n_pairs": d_n,
    }
