"""The model in special cases against closed forms, for docs/validation.md (tests check the same)."""

from __future__ import annotations

import numpy as np
from jiesu.agents.handling import HandlingUnits, Regime
from jiesu.model import JiesuModel, make_parameters
from jiesu.model.outcomes import OUTCOME_INDEX


def bass_curves(p: float, q: float, cities: int, replicates: int, months: int, seed: int = 11) -> np.ndarray:
    """Share adopted at the end of each month, per replicate, on a complete graph with only p and q.

    Synthetic cities with no pioneer, no province or rank peers, no abandonment and no burn-in,
    from 2020-01: the special case in which the model is Bass's (docs/model.md §7.12).
    """
    year, month = divmod(2020 * 12 + months - 1, 12)
    params = make_parameters(
        {
            "geography": "synthetic",
            "synthetic_cities": cities,
            "synthetic_network": "complete",
            "synthetic_population": 10000,
            "residents_per_citizen": 10000,
            "burn_in_months": 0,
            "pioneer": "none",
            "external_rate": p,
            "imitation_rate": q,
            "peer_weight_province": 0.0,
            "peer_weight_rank": 0.0,
            "abandon_rate": 0.0,
            "start": "2020-01",
            "end": f"{year}-{month + 1:02d}",
        }
    )
    curves = []
    for r in range(replicates):
        model = JiesuModel(params, seed=seed, replicate=r)
        model.run()
        curves.append(model.records[OUTCOME_INDEX["adopted"]].mean(axis=1))
        model.release()
    return np.array(curves)


def bass_closed_form(k: np.ndarray, p: float, q: float) -> np.ndarray:
    """Bass's F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (Bass 1969)."""
    e = np.exp(-(p + q) * k)
    return (1 - e) / (1 + (q / p) * e)


def bass_check(p: float = 0.003, q: float = 0.4, cities: int = 500, replicates: int = 8, months: int = 30):
    """Largest gap between the mean share adopted at the end of month k and Bass's F(k)."""
    curves = bass_curves(p, q, cities, replicates, months)
    k = np.arange(1, months + 1)
    se = curves.std(axis=0, ddof=1) / np.sqrt(replicates)
    return {
        "p": p,
        "q": q,
        "cities": cities,
        "replicates": replicates,
        "max_error": float(np.abs(curves.mean(axis=0) - bass_closed_form(k, p, q)).max()),
        "max_se": float(se.max()),
    }


def md1_queue(units: int, rate: float, months: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Backlog and handled orders per month and unit, Poisson(rate) arrivals, capacity 1 (M/D/1).

    Only the handling layer runs (routing 1, no siphon, no adaptation): with these arrivals the
    backlog follows the embedded chain of the M/D/1 queue (docs/model.md §7.5).
    """
    params = make_parameters({"siphon_rate": 0.0, "capacity_adaptation": 0.0})
    handling = HandlingUnits(np.zeros(units, dtype=int), np.full(units, 1.0), params)
    ones, zeros = np.ones(units), np.zeros(units)
    regime = Regime(
        routing=ones, capacity=ones, gap=ones * 0.5, feedback=zeros, disappointment=zeros, evaluation=zeros,
        knowledge_base=zeros, private_share=zeros, private_handled=ones, fit=ones, self_governance=zeros,
    )  # fmt: skip
    expected = np.column_stack([zeros, zeros, np.full(units, rate)])
    rng = np.random.default_rng(seed)
    backlog, handled = np.empty((months, units)), np.empty((months, units))
    for t in range(months):
        out = handling.month(expected, regime, rng)
        backlog[t], handled[t] = out["backlog"], out["handled"]
    return backlog, handled


def queue_check(units: int = 2000, rate: float = 0.7, months: int = 400, seed: int = 5) -> dict:
    """Mean backlog of M/D/1 units against Pollaczek–Khinchine, ``ρ² / (2 (1 − ρ))``."""
    backlog, _ = md1_queue(units, rate, months, seed)
    return {
        "units": units,
        "rate": rate,
        "simulated": float(backlog[months // 4 :].mean()),
        "analytic": rate**2 / (2 * (1 - rate)),
    }
