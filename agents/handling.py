"""Handling units (streets and townships, 街道乡镇): receive, dispatch, respond, evaluate.

Units are stored as arrays (one entry per unit, all cities together) and belong to city
governments. Each month a unit:

1. receives requests: Poisson counts per group (consultations, community, public);
   large counts use the normal approximation of :mod:`agents.sampling`;
2. answers consultations at first contact with the knowledge-base share, dispatches the rest;
3. redirects the private matters that the boundary policy sends to self-governance;
4. gets extra work orders pushed in by departments under evaluation (siphon effect);
5. loses the share that fragmented hotlines never route to a responsible unit;
6. serves its queue up to capacity x effort (:func:`serve_queue`); the rest is backlog;
   capacity adapts: a share ``capacity_adaptation`` of unmet demand (or of slack) is added
   to (or removed from) the unit's extra capacity each month;
7. resolves and satisfies callers with probabilities set by the reform's elements;
8. is ranked within its city on the three rates and adjusts its effort (:meth:`evaluate`).

Satisfaction counts every caller whose work order was due this month: those handled and
satisfied are satisfied; those handled and not, those left in the backlog (overdue) and those
that fragmented hotlines never routed are not. A collapsing unit therefore reports collapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jiesu.agents.sampling import binomial, poisson


def serve_queue(backlog: np.ndarray, arrivals: np.ndarray, capacity: np.ndarray):
    """Serve a first-come queue for one month.

    With Poisson arrivals and a fixed integer capacity ``c`` this is the embedded chain of
    the M/D/c queue at multiples of the service time (Crommelin 1932).

    Returns:
        ``(handled, new_backlog)``.
    """
    queue = backlog + arrivals
    handled = np.minimum(queue, capacity)
    return handled, queue - handled


@dataclass
class Regime:
    """Per-unit settings that follow from the city's adopted elements (arrays of n_units)."""

    routing: np.ndarray  # share of work orders reaching a responsible unit
    capacity: np.ndarray  # work orders per month at effort 1
    gap: np.ndarray  # probability a handled order stays unresolved at effort 1 (learning curve)
    feedback: np.ndarray  # feedback boost: feedback_gain times the element's maturity, else 0
    disappointment: np.ndarray  # fall in unresolved callers' satisfaction from raised expectations
    evaluation: np.ndarray  # 1 with evaluation
    knowledge_base: np.ndarray  # share of consultations answered at first contact
    private_share: np.ndarray  # share of community-group requests that are private matters
    private_handled: np.ndarray  # share of private matters handled by government
    fit: np.ndarray  # effectiveness of the reform's elements in this context
    self_governance: np.ndarray  # probability that the community solves a redirected matter


class HandlingUnits:
    """Struct of arrays of all handling units.

    Attributes:
        city: City index of each unit (non-decreasing).
        residents: Residents served.
        effort: Effort multiplier (1 = normal).
        backlog: Work orders carried to next month.
        rates: Last month's (response, resolution, reported satisfaction) per unit.
    """

    def __init__(self, city: np.ndarray, residents: np.ndarray, params):
        self.city = np.asarray(city, dtype=np.int64)
        self.n = len(self.city)
        self.residents = np.asarray(residents, dtype=np.float64)
        self.p = params
        self.effort = np.ones(self.n)
        self.backlog = np.zeros(self.n, dtype=np.int64)
        self.rates = np.full((self.n, 3), np.nan)
        self.inflation = np.zeros(self.n)  # reported minus true satisfaction from gaming
        self.extra_capacity = np.zeros(self.n)  # capacity added in response to unmet demand
        counts = np.bincount(self.city)
        self._city_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self._city_size = counts

    def from_cities(self, values: np.ndarray) -> np.ndarray:
        """Per-city values repeated for each unit of the city (units are sorted by city)."""
        return np.repeat(values, self._city_size, axis=0)

    def month(self, expected: np.ndarray, regime: Regime, rng: np.random.Generator) -> dict:
        """Run one month of handling.

        Args:
            expected: Array (n_units, 3): expected requests by group (consult, community, public).
            regime: The units' settings this month.
            rng: The handling stream.

        Returns:
            Per-unit counts and probabilities (see the keys), used for outcomes and learning.
        """
        p = self.p
        consult, community, public = poisson(rng, expected.T)
        answered = binomial(rng, consult, regime.knowledge_base)
        # private matters redirected to self-governance (thinning: one draw instead of two)
        redirected = binomial(rng, community, regime.private_share * (1 - regime.private_handled))
        orders = consult - answered + community - redirected + public
        siphon = poisson(rng, p.siphon_rate * regime.evaluation * orders)
        orders = orders + siphon
        routed = binomial(rng, orders, regime.routing)
        queue = self.backlog + routed  # dispatched work orders due this month
        pending = queue + (orders - routed)  # plus those fragmented hotlines never route
        # capacity in whole work orders; an infinite capacity serves the whole queue
        nominal = (regime.capacity + self.extra_capacity) * self.effort
        capacity = np.minimum(np.floor(nominal), np.iinfo(np.int64).max // 4).astype(np.int64)
        handled, self.backlog = serve_queue(self.backlog, routed, capacity)
        # governments add staff where demand outruns capacity, and shed it where there is slack
        with np.errstate(invalid="ignore"):
            excess = np.where(np.isfinite(nominal), queue - nominal, 0.0)
        self.extra_capacity = np.maximum(0.0, self.extra_capacity + p.capacity_adaptation * excess)

        resolve_p = self._resolution_probability(regime)
        resolved = binomial(rng, handled, resolve_p)
        s_res, s_unres = self._satisfaction_probabilities(regime)
        satisfied = binomial(rng, resolved, s_res) + binomial(rng, handled - resolved, s_unres)

        reported_satisfied = np.minimum(handled, satisfied + self.inflation * handled)
        with np.errstate(invalid="ignore", divide="ignore"):
            response = handled / pending
            resolution = resolved / queue
            reported = reported_satisfied / pending  # every due caller counts (module docstring)
            filed = consult + community + public
            # share of this month's filers who end satisfied: answered consultations and
            # handled work orders at their rates, redirected matters when the community solves them
            # this month's work orders from citizens get a response at the unit's response rate
            # and then satisfy at its rate among handled orders
            own_orders = filed - answered - redirected
            p_order = np.nan_to_num(response * satisfied / handled)
            happy = answered * s_res + own_orders * p_order + redirected * s_res * regime.self_governance
            satisfied_share = np.where(filed > 0, happy / np.maximum(filed, 1), np.nan)
        self.rates = np.column_stack([response, resolution, reported])
        return {
            "requests": filed,
            "inquiries": consult,
            "answered": answered,
            "work_orders": orders,
            "siphon": siphon,
            "redirected": redirected,
            "routed": routed,
            "handled": handled,
            "resolved": resolved,
            "satisfied": satisfied,
            "reported_satisfied": reported_satisfied,
            "pending": pending,
            "queue": queue,
            "backlog": self.backlog.copy(),
            "effort": self.effort.copy(),
            "cost": handled * self.effort,
            "satisfied_share": satisfied_share,
        }

    def _resolution_probability(self, regime: Regime) -> np.ndarray:
        """Resolution probability of a handled order: the learning curve's gap, closed further by effort.

        Effort closes ``effort_resolution_gain`` per unit of extra effort (times the fit) of the
        resolvable part of the gap; ``resolution_unresolvable`` stays unresolved whatever is done;
        effort above ``overload_threshold`` lowers quality (grassroots overload).
        """
        p = self.p
        extra = np.clip(self.effort - 1, 0, None)
        closed = np.clip(p.effort_resolution_gain * extra * regime.fit, 0, 1)
        floor = np.minimum(p.resolution_unresolvable, regime.gap)
        gap = floor + (regime.gap - floor) * (1 - closed)
        overload = p.overload_penalty * np.clip(self.effort - p.overload_threshold, 0, None)
        return np.clip(1 - gap - overload, 0, 1)

    def _satisfaction_probabilities(self, regime: Regime):
        """Probabilities that a resolved and an unresolved caller are satisfied.

        Raised expectations make an unresolved outcome disappoint more (``disappointment``); a
        timely call-back (feedback) removes a share of the dissatisfaction left.
        """
        p = self.p
        boost = regime.feedback
        unresolved = p.satisfaction_unresolved * np.clip(1 - regime.disappointment, 0, 1)
        s_res = p.satisfaction_resolved + (1 - p.satisfaction_resolved) * boost
        s_unres = unresolved + (1 - unresolved) * boost
        return s_res, s_unres

    def evaluate(self, regime: Regime) -> None:
        """Rank units within their city on the three rates and adjust effort (月度点评).

        Under evaluation, the lowest-ranked unit of a city adds ``evaluation_pressure`` effort
        and the top one none (linear in rank); a ``gaming`` share of that pressure goes into
        inflating reported satisfaction instead. Effort relaxes toward 1 at ``effort_decay``.
        """
        p = self.p
        score = np.where(np.isnan(self.rates), 0.0, self.rates).mean(axis=1)  # in [0, 1]
        order = np.argsort(self.city + 0.5 * score, kind="stable")  # by city, then by score
        rank = np.empty(self.n)
        rank[order] = np.arange(self.n) - np.repeat(self._city_start, self._city_size)
        size = self._city_size[self.city]
        percentile = np.where(size > 1, rank / np.maximum(size - 1, 1), 0.5)
        push = p.evaluation_pressure * (1 - percentile) * regime.evaluation
        self.effort = 1 + (self.effort - 1) * (1 - p.effort_decay) + (1 - p.gaming) * push
        self.effort = np.clip(self.effort, 1, p.effort_max)
        self.inflation = np.clip(self.inflation * (1 - p.effort_decay) + p.gaming * push * 0.1, 0, 0.5)
