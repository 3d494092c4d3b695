"""Count sampling: exact where counts are small, normal where large, and the same bits either way."""

import numpy as np
import pytest
from jiesu.agents.sampling import NORMAL_ABOVE, binomial, poisson


def _binomial_masked(rng, n, p):
    """The sampler as first written: exact draws only for the entries that need one."""
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


def _poisson_masked(rng, lam):
    lam = np.asarray(lam, dtype=np.float64)
    z = rng.standard_normal(lam.shape)
    out = np.maximum(np.rint(lam + np.sqrt(lam) * z), 0).astype(np.int64)
    small = (lam <= NORMAL_ABOVE) & (lam > 0)
    if small.any():
        out[small] = rng.poisson(lam[small])
    return out


@pytest.mark.parametrize("case", ["small", "zeros", "certain", "large"])
def test_the_samplers_give_the_bits_of_drawing_only_where_needed(case):
    """One exact call over every entry (when all are small) draws what the masked call draws."""
    for seed in range(30):
        r = np.random.default_rng(seed)
        n = r.integers(0, 30, 400)
        p = r.uniform(0, 0.95, 400)
        lam = r.uniform(0, 40, 400)
        if case != "small":
            n[::3], p[1::4], lam[::5] = 0, 0.0, 0.0
        if case == "certain":
            p[2::7] = 1.0  # no draw: every one of n
        if case == "large":
            n[5], lam[7] = 100_000, 5_000.0  # normal approximation for these
        a, b = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
        assert np.array_equal(binomial(a, n, p), _binomial_masked(b, n, p))
        assert np.array_equal(poisson(a, lam), _poisson_masked(b, lam))
        assert a.random() == b.random(), "the stream is left where it was"


def test_counts_have_the_right_mean_and_spread_on_both_sides_of_the_threshold():
    rng = np.random.default_rng(7)
    for n, p in ((40, 0.3), (100_000, 0.3)):  # variance 8.4 (exact) and 21,000 (normal)
        x = binomial(rng, np.full(20_000, n), p)
        assert abs(x.mean() - n * p) < 4 * np.sqrt(n * p * (1 - p) / 20_000)
        assert abs(x.var() / (n * p * (1 - p)) - 1) < 0.05
        assert x.min() >= 0 and x.max() <= n
    for lam in (3.0, 5_000.0):
        x = poisson(rng, np.full(20_000, lam))
        assert abs(x.mean() - lam) < 4 * np.sqrt(lam / 20_000)
        assert abs(x.var() / lam - 1) < 0.05
