"""Diffusion against the Bass model (STYLE.md layer 3).

On a complete graph with only a constant external influence p and imitation q per month (hazard
p + q * share of the other cities adopted, both in continuous time), the share adopted follows
the Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) in the mean-field limit
(Bass 1969). The model integrates the imitation hazard over each month with peers adopting as
that same mean field (agents/diffusion.py, ``imitation_over_month``), so the expected share at
the end of month k is F(k) for any p and q, not only small ones.

Tolerance: the simulated mean over R replicates of N cities must lie within 4 standard errors
of the replicate mean plus 0.005 of F(k) at every month; 0.005 covers the finite-N effects
(exposure is the share of the *other* N - 1 cities; the month-to-month map is applied to a
random F(k), a Jensen gap of order F''(k) var F(k) / 2 ≈ 1e-3 at N = 500).
"""

import numpy as np
import pytest
from jiesu.experiments.reports.analytic_checks import bass_closed_form, bass_curves

N, R = 500, 20


@pytest.mark.parametrize(
    ("p", "q", "months"),
    [(0.003, 0.4, 30), (0.005, 0.10, 60)],
    ids=["fast imitation p=0.003 q=0.4", "slow p=0.005 q=0.1"],
)
def test_share_adopted_at_the_end_of_each_month_is_bass_f_k(p, q, months):
    curves = bass_curves(p, q, N, R, months)
    k = np.arange(1, months + 1)  # the record of month k is the state at its end
    mean, se = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(R)
    excess = np.abs(mean - bass_closed_form(k, p, q)) - (4 * se + 0.005)
    worst = int(excess.argmax())
    assert (excess <= 0).all(), (
        f"month {worst + 1}: simulated {mean[worst]:.4f} vs Bass F(k) {bass_closed_form(k, p, q)[worst]:.4f} "
        f"(se {se[worst]:.4f})"
    )
    assert mean[-1] > 0.9 and mean[0] < 0.05, "S-shaped: slow start, near saturation"
