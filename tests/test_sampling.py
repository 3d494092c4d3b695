"""Count sampling: exact where counts are small, normal where large; both with the right moments."""

import numpy as np
from jiesu.agents.sampling import binomial, poisson


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
