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

import numpy as np

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
    from scipy.stats import norm  # slow to import, needed only here

    z = float(norm.ppf(0.5 + level / 2))
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
