"""Citizens: heterogeneous residents stored as arrays (one entry per simulated citizen).

Each simulated citizen stands for ``weight`` residents of its handling unit who share its
state. For every problem a resident meets, the citizen's rule chooses between tolerating it,
solving it through community self-governance (居民自治) and filing a hotline request, by a
multinomial logit on awareness, trust, filing cost and access to the community:

* ``v_file = file_intercept + trust_weight * trust - cost * cost_multiplier``
* ``v_self = self_governance_weight * community * strength - self_governance_cost``
* a resident can file a problem when aware of the hotline and the matter is within its
  scope: ``reach = awareness * scope``;
* public problems: file with probability ``reach * e^v_file / (1 + e^v_file)``;
* consultations: the same with ``v_file + consult_bonus``;
* community problems: file ``reach * e^v_file / (1 + e^v_file + e^v_self)``, self-govern
  ``e^v_self / (1 + e^v_self)`` without reach, ``e^v_self / (1 + e^v_file + e^v_self)`` with it.

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
    scope: np.ndarray  # share of matters the city's hotline accepts
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
        if (counts < 1).any():
            raise ValueError("every handling unit needs at least one simulated citizen")
        n = int(counts.sum())
        self.n = n
        self.counts = counts
        self.unit = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        self.unit_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.p = params
        a0, t0 = params.awareness_initial, params.trust_initial
        self.awareness = _beta_around(rng, a0, n)
        self.trust = _beta_around(rng, t0, n)
        self.cost = (params.filing_cost * rng.lognormal(0.0, params.filing_cost_sd, n)).astype(np.float32)
        sd = params.community_sd
        self.community = rng.lognormal(-0.5 * sd**2, sd, n).astype(np.float32)
        # scratch buffers: every monthly operation writes in place, since allocating fresh
        # arrays of a million entries costs more than the arithmetic on them
        self._probs = np.empty((4, n), dtype=np.float32)  # rows: DECISION_COLUMNS
        self._mu = np.empty(n, dtype=np.float32)
        self._file, self._self, self._a, self._b, self._draw = np.empty((5, n), dtype=np.float32)
        self._reach = np.empty(n, dtype=np.float32)
        self._yes, self._filed = np.empty((2, n), dtype=bool)

    def expand(self, per_unit, out: np.ndarray | None = None) -> np.ndarray:
        """Per-unit values repeated for each citizen of the unit (into ``out`` if given)."""
        values = np.asarray(per_unit, dtype=np.float32)
        if out is None:
            return np.repeat(values, self.counts)
        return np.take(values, self.unit, out=out)

    def decide(self, ctx: UnitContext) -> np.ndarray:
        """Compute each citizen's choice probabilities and return their per-unit sums.

        Returns:
            Array (n_units, 4) with the sums of the columns in :data:`DECISION_COLUMNS`
            (probabilities per problem, per citizen).
        """
        p, a, b = self.p, self._a, self._b
        aware = np.multiply(self.awareness, self.expand(ctx.scope, self._reach), out=self._reach)  # reach
        e_file = np.multiply(self.trust, np.float32(p.trust_weight), out=self._file)
        e_file += np.float32(p.file_intercept)
        e_file -= np.multiply(self.cost, self.expand(ctx.cost_multiplier, a), out=a)
        np.exp(e_file, out=e_file)
        e_self = np.multiply(
            self.community, self.expand(p.self_governance_weight * ctx.self_governance, a), out=self._self
        )
        e_self -= np.float32(p.self_governance_cost)
        np.exp(e_self, out=e_self)
        consult, community, public, self_gov = self._probs
        odds = np.multiply(e_file, np.float32(np.exp(p.consult_bonus)), out=a)
        np.divide(odds, np.add(odds, 1, out=b), out=consult)
        consult *= aware
        denom = np.add(e_file, e_self, out=b)
        denom += 1
        np.divide(e_file, denom, out=community)
        community *= aware
        np.divide(e_file, np.add(e_file, 1, out=a), out=public)
        public *= aware
        # self-governance: citizens who can file weigh it against filing, others only against tolerating
        np.divide(e_self, denom, out=self_gov)
        self_gov *= aware
        alone = np.divide(e_self, np.add(e_self, 1, out=a), out=a)
        alone *= np.subtract(1, aware, out=b)
        self_gov += alone
        # filings per resident this month, for the citizen's own experience
        mu = np.multiply(consult, self.expand(ctx.rate_consult, a), out=self._mu)
        mu += np.multiply(community, self.expand(ctx.rate_community, a), out=a)
        mu += np.multiply(public, self.expand(ctx.rate_public, a), out=a)
        sums = np.add.reduceat(self._probs, self.unit_starts, axis=1)  # float32: units are small
        return sums.T.astype(np.float64)

    def learn(self, satisfied_share: np.ndarray, learning: np.ndarray, rng: np.random.Generator) -> None:
        """Update trust from what neighbours report and from the citizen's own experience.

        Every citizen moves ``trust_social_learning`` of the way toward its unit's satisfied
        share (word of mouth); a citizen who filed this month also moves ``learning`` of the
        way toward its own outcome (1 if satisfied, 0 if not). Units without filings this
        month (share NaN) teach nothing.

        Args:
            satisfied_share: Per unit, the share of this month's filings whose caller was
                satisfied (NaN where nobody filed).
            learning: Per unit, the learning rate (lower without the feedback element).
            rng: The citizens' stream.
        """
        draw = rng.random(self.n, dtype=np.float32, out=self._draw)
        heard = ~np.isnan(satisfied_share)
        share = self.expand(np.where(heard, satisfied_share, 0.0), self._file)
        filed = np.negative(self._mu, out=self._self)
        np.exp(filed, out=filed)
        np.subtract(1, filed, out=filed)  # P(at least one filing)
        good = np.less(draw, np.multiply(filed, share, out=self._a), out=self._yes)
        weight = self.expand(self.p.trust_social_learning * heard, self._b)
        self.trust += np.multiply(weight, np.subtract(share, self.trust, out=self._a), out=self._a)
        step = self.expand(learning * heard, self._b)
        step *= np.less(draw, filed, out=self._filed)
        self.trust += np.multiply(step, np.subtract(good, self.trust, out=self._a), out=self._a)

    def spread_awareness(self, ceiling: np.ndarray, rate: float) -> None:
        """Move awareness toward the per-unit ceiling (publicity and word of mouth)."""
        gap = np.subtract(self.expand(ceiling, self._a), self.awareness, out=self._a)
        gap *= np.float32(rate)
        self.awareness += gap


def _beta_around(rng: np.random.Generator, mean: float, n: int, concentration: float = 8.0) -> np.ndarray:
    """Draw ``n`` values in [0, 1] from a beta law with the given mean."""
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(np.float32)
