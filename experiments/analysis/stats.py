"""Summaries across replicates: means with t-based 95 % intervals, paired differences."""

from __future__ import annotations

import numpy as np
from scipy import stats


def mean_interval(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean of the finite values with a t-based confidence interval; also their count."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return (mean, np.nan, np.nan, 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return (mean, mean - half, mean + half, n)
