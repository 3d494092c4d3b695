"""Fast count sampling for large populations.

Monthly counts in a city run to hundreds of thousands, where exact binomial and Poisson
samplers cost ~100 ns a draw. Where the variance exceeds :data:`NORMAL_ABOVE` the normal
approximation (rounded, clipped to the support) is used instead: its mean is exact, and the
error in a cumulative probability is about 1 % at the threshold and falls as the variance
grows (the Berry-Esseen bound, about 0.5 / sd, is looser). Smaller counts are drawn exactly
and degenerate ones (p = 0 or 1) need no draw. Every call draws one normal per entry, so the
normal part of the streams stays aligned across scenarios; the exact draws for small counts
depend on how many there are, so common random numbers are approximate there.
"""

from __future__ import annotations

import numpy as np

NORMAL_ABOVE = 50.0


def binomial(rng: np.random.Generator, n, p) -> np.ndarray:
    """Binomial(n, p) counts, elementwise (see the module docstring for the approximation)."""
    n = np.asarray(n, dtype=np.int64)
    p = np.broadcast_to(np.asarray(p, dtype=np.float64), n.shape)
    mean = n * p
    var = mean * (1 - p)
    z = rng.standard_normal(n.shape)
    out = np.clip(np.rint(mean + np.sqrt(var) * z), 0, n).astype(np.int64)
    small = (var <= NORMAL_ABOVE) & (var > 0)
    if small.any():
        out[small] = rng.binomial(n[small], np.clip(p[small], 0, 1))
    return out


def poisson(rng: np.random.Generator, lam) -> np.ndarray:
    """Poisson(lam) counts, elementwise (normal approximation above the threshold)."""
    lam = np.asarray(lam, dtype=np.float64)
    z = rng.standard_normal(lam.shape)
    out = np.maximum(np.rint(lam + np.sqrt(lam) * z), 0).astype(np.int64)
    small = (lam <= NORMAL_ABOVE) & (lam > 0)
    if small.any():
        out[small] = rng.poisson(lam[small])
    return out
