"""Citizens: heterogeneous residents stored as arrays (one entry per simulated citizen).

Each simulated citizen stands for ``weight`` residents of its handling unit who share its
state. For every problem a resident meets, the citizen's rule chooses between tolerating it,
solving it through community self-governance (居民自治) and filing a hotline request, by a
multinomial logit on awareness, trust, filing cost and access to the community:

* ``v_file = file_intercept + trust_weight * trust - cost * cost_multiplier``
* ``v_self = self_governance_weight * community * strength - self_governance_cost``
* public problems: file with probability ``awareness * e^v_file / (1 + e^v_file)``;
* consultations: the same with ``v_file + consult_bonus``;
* community problems: file ``awareness * e^v_file / (1 + e^v_file + e^v_self)``, self-govern
  ``e^v_self / (1 + e^v_self)`` when unaware, ``e^v_self / (1 + e^v_file + e^v_self)`` when aware.

Individual filings are Poisson, so a unit's requests are Poisson with the summed mean: they
are drawn per unit in :mod:`agents.handling`, exactly. Each citizen then learns from one
representative experience per month: with probability ``1 - exp(-mu)`` (``mu`` = its
filings per resident) it filed, and the outcome (satisfied or not, at its unit's rate)
moves its trust by the learning rate (Bush-Mosteller learning); what neighbours report (the
unit's satisfied share) moves it by ``trust_social_learning`` each month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Columns of the per-unit sums returned by :meth:`Citizens.decide`.
DECISION_COLUMNS = ("file_consult", "file_community", "file_public", "self_community")


@dataclass
class UnitContext:
    """Per-unit values the citizens' rules need this month (arrays of length n_units)."""

    cost_multiplier: np.ndarray  # filing cost relative to fragmented hotlines
    self_governance: np.ndarray  # strength of community self-governance in the city
    rate_consult: np.ndarray  # problems per resident per month, by group
    rate_community: np.ndarray
    rate_public: np.ndarray


class Citizens:
    """Struct of arrays holding every simulated citizen, sorted by handling unit.

    Attributes:
        unit: Handling unit of each citizen (int32, non-decreasing).
        awareness: Probability the citizen knows where and how to file (float32).
        trust: Belief that filing solves problems, learned from outcomes (float32).
        cost: Filing cost with fragmented hotlines, utility units (float32).
        community: Access to community self-governance, relative (float32).
    """

    def __init__(self, citizens_per_unit: np.ndarray, params, rng: np.random.Generator):
        counts = np.asarray(citizens_per_unit, dtype=np.int64)
        n = int(counts.sum())
        self.n = n
        self.unit = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        self.unit_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.p = params
        a0, t0 = params.awareness_initial, params.trust_initial
        self.awareness = _beta_around(rng, a0, n)
        self.trust = _beta_around(rng, t0, n)
        self.cost = (params.filing_cost * rng.lognormal(0.0, params.filing_cost_sd, n)).astype(np.float32)
        self.community = rng.lognormal(-0.5 * params.community_sd**2, params.community_sd, n).astype(
            np.float32
        )
        self._probs = np.empty((n, 4), dtype=np.float32)
        self._mu = np.empty(n, dtype=np.float32)

    def decide(self, ctx: UnitContext) -> np.ndarray:
        """Compute each citizen's choice probabilities and return their per-unit sums.

        Returns:
            Array (n_units, 4) with the sums of the columns in :data:`DECISION_COLUMNS`
            (probabilities per problem, per citizen).
        """
        p, u = self.p, self.unit
        v_file = self.trust * np.float32(p.trust_weight)
        v_file += np.float32(p.file_intercept)
        v_file -= self.cost * ctx.cost_multiplier.astype(np.float32)[u]
        e_file = np.exp(v_file, out=v_file)
        v_self = self.community * ctx.self_governance.astype(np.float32)[u]
        v_self *= np.float32(p.self_governance_weight)
        v_self -= np.float32(p.self_governance_cost)
        e_self = np.exp(v_self, out=v_self)
        aware = self.awareness
        probs = self._probs
        consult_odds = e_file * np.float32(np.exp(p.consult_bonus))
        np.divide(consult_odds, consult_odds + 1, out=probs[:, 0])
        probs[:, 0] *= aware
        denom = e_file + e_self
        denom += 1
        np.divide(e_file, denom, out=probs[:, 1])
        probs[:, 1] *= aware
        np.divide(e_file, e_file + 1, out=probs[:, 2])
        probs[:, 2] *= aware
        # self-governance: aware citizens weigh it against filing, unaware ones only against tolerating
        np.divide(e_self, denom, out=probs[:, 3])
        probs[:, 3] *= aware
        probs[:, 3] += (1 - aware) * e_self / (e_self + 1)
        # filings per resident this month, for the citizen's own experience
        mu = self._mu
        np.multiply(probs[:, 0], ctx.rate_consult.astype(np.float32)[u], out=mu)
        mu += probs[:, 1] * ctx.rate_community.astype(np.float32)[u]
        mu += probs[:, 2] * ctx.rate_public.astype(np.float32)[u]
        if self.n == 0:
            return np.zeros((len(self.unit_starts), 4))
        return np.add.reduceat(probs, self.unit_starts, axis=0, dtype=np.float64)

    def learn(self, satisfied_share: np.ndarray, learning: np.ndarray, rng: np.random.Generator) -> None:
        """Update trust from what neighbours report and from the citizen's own experience.

        Every citizen moves ``trust_social_learning`` of the way toward its unit's satisfied
        share (word of mouth); a citizen who filed this month also moves ``learning`` of the
        way toward its own outcome (1 if satisfied, 0 if not).

        Args:
            satisfied_share: Per unit, the share of this month's filings whose caller was
                satisfied.
            learning: Per unit, the learning rate (lower without the feedback element).
            rng: The citizens' stream.
        """
        draw = rng.random(self.n, dtype=np.float32)
        u = self.unit
        filed = -self._mu
        np.exp(filed, out=filed)
        np.subtract(1, filed, out=filed)  # P(at least one filing)
        good = draw < filed * satisfied_share.astype(np.float32)[u]
        share = satisfied_share.astype(np.float32)[u]
        self.trust += np.float32(self.p.trust_social_learning) * (share - self.trust)
        step = np.where(draw < filed, learning.astype(np.float32)[u], np.float32(0))
        self.trust += step * (good - self.trust)

    def spread_awareness(self, ceiling: np.ndarray, rate: float) -> None:
        """Move awareness toward the per-unit ceiling (publicity and word of mouth)."""
        self.awareness += np.float32(rate) * (ceiling.astype(np.float32)[self.unit] - self.awareness)

    def unit_means(self, values: np.ndarray) -> np.ndarray:
        """Return the mean of a per-citizen array within each unit."""
        sums = np.add.reduceat(values, self.unit_starts, dtype=np.float64)
        return sums / np.diff(np.append(self.unit_starts, self.n))


def _beta_around(rng: np.random.Generator, mean: float, n: int, concentration: float = 8.0) -> np.ndarray:
    """Draw ``n`` values in [0, 1] from a beta law with the given mean."""
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(np.float32)
