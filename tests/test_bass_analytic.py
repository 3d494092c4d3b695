"""Diffusion against the Bass model (STYLE.md layer 3).

On a complete graph with only a constant external influence p and imitation q (hazard
p + q * share of other cities adopted), the mean-field limit of the share adopted is the
Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (Bass 1969).

Tolerance: the model works in monthly steps (adoption probability 1 - e^{-h} a month), so its
expectation follows the recursion F' = F + (1 - F)(1 - e^{-(p + q F)}), which departs from the
continuous curve by a discretisation gap computed below; finite N = 400 and R replicates add
sampling error, bounded by 4 standard errors of the replicate mean. The test requires the
simulated mean to lie within gap + 4 SE + 0.01 of the closed form at every month.
"""

import numpy as np
from jiesu.model import JiesuModel, make_parameters

P, Q, N, R, MONTHS = 0.005, 0.10, 400, 16, 72


def bass(t, p=P, q=Q):
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def test_mean_adoption_curve_matches_the_bass_closed_form():
    params = make_parameters(
        {
            "geography": "synthetic",
            "synthetic_cities": N,
            "synthetic_network": "complete",
            "synthetic_population": 10000,
            "residents_per_citizen": 10000,
            "pioneer": "none",
            "external_rate": P,
            "imitation_rate": Q,
            "peer_weight_province": 0.0,
            "peer_weight_rank": 0.0,
            "abandon_rate": 0.0,
            "start": "2020-01",
            "end": "2025-12",
        }
    )
    curves = []
    for r in range(R):
        model = JiesuModel(params, seed=11, replicate=r)
        model.run()
        curves.append(model.records[:, :, model_index("adopted")].mean(axis=1))
    curves = np.array(curves)
    t = np.arange(1, MONTHS + 1)  # share adopted at the end of month k
    mean, se = curves.mean(axis=0), curves.std(axis=0, ddof=1) / np.sqrt(R)

    recursion = np.zeros(MONTHS + 1)
    for k in range(MONTHS):
        f = recursion[k]
        recursion[k + 1] = f + (1 - f) * (1 - np.exp(-(P + Q * f)))
    gap = np.abs(recursion[1:] - bass(t)).max()
    assert gap < 0.05, "monthly steps should stay close to the continuous Bass curve"
    tolerance = gap + 4 * se + 0.01
    worst = np.abs(mean - bass(t)) - tolerance
    assert (worst <= 0).all(), (
        f"month {worst.argmax()}: sim {mean[worst.argmax()]:.3f} vs Bass {bass(t)[worst.argmax()]:.3f}"
    )
    assert mean[-1] > 0.9 and mean[5] < 0.1, "S-shaped: slow start, near saturation"


def model_index(name):
    from jiesu.model.outcomes import OUTCOME_INDEX

    return OUTCOME_INDEX[name]
