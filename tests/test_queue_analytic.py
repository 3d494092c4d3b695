"""The handling layer against queueing theory (STYLE.md layer 3).

With Poisson(lambda) arrivals per month, one unit that serves c = 1 work order per month and
no other mechanism, the number of work orders due at the start of a month follows the
embedded chain of the M/D/1 queue (Crommelin 1932): by Pollaczek-Khinchine its stationary
mean is rho + rho^2 / (2 (1 - rho)), and the mean backlog carried over is
Lq = rho^2 / (2 (1 - rho)), with rho = lambda / c. Throughput equals lambda (no loss).
"""

import numpy as np
from jiesu.experiments.reports.analytic_checks import md1_queue


def test_mean_backlog_matches_pollaczek_khinchine_for_md1():
    rho, burn_in = 0.7, 300
    backlog, handled = md1_queue(units=400, rate=rho, months=1800, seed=3)
    per_queue = backlog[burn_in:].mean(axis=0)  # time average of each independent queue
    mean, se = per_queue.mean(), per_queue.std(ddof=1) / np.sqrt(per_queue.size)
    lq = rho**2 / (2 * (1 - rho))
    assert abs(mean - lq) < 4 * se + 0.01, f"mean backlog {mean:.4f} ± {se:.4f}, M/D/1 Lq = {lq:.4f}"
    assert abs(handled[burn_in:].mean() - rho) < 0.01, "throughput must equal the arrival rate"


def test_overloaded_queue_grows_at_the_excess_rate():
    backlog, _ = md1_queue(units=200, rate=1.5, months=400, seed=4)
    slope = (backlog[-1].mean() - backlog[100].mean()) / 299
    assert abs(slope - 0.5) < 0.02, f"backlog should grow by lambda - c = 0.5 a month, got {slope:.3f}"
