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

import itertools
from dataclasses import dataclass

import numpy as np
from jiesu.agents import citizen_kernels

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

    The monthly rules run over chunks of whole units that fit in the processor's cache
    (:mod:`agents.citizen_kernels`): :meth:`decide` reads each citizen's traits once, and
    :meth:`end_month` (learning, then awareness) reads and writes its state once. Per-unit
    values are never repeated per citizen, and no citizen-sized array is allocated after
    construction: a citizen takes 20 bytes (four float32 traits and its filings ``mu``).

    Attributes:
        counts: Simulated citizens of each handling unit.
        unit_starts: Index of each unit's first citizen.
        awareness: Probability the citizen knows where and how to file (float32).
        trust: Belief that filing solves problems, learned from outcomes (float32).
        cost: Filing cost with fragmented hotlines, utility units (float32).
        community: Access to community self-governance, relative (float32).
    """

    #: Citizens per chunk of whole units; a unit of half that or more is a chunk of its
    #: own. About 3 MB of buffers. Chunks of 16,384 citizens, within a core's level-2 cache, were
    #: measured 15-20 % slower: each chunk costs about 60 numpy calls of a microsecond or more.
    CHUNK = 65_536

    def __init__(self, citizens_per_unit: np.ndarray, params, rng: np.random.Generator):
        counts = np.asarray(citizens_per_unit, dtype=np.int64)
        if (counts < 1).any():
            raise ValueError("every handling unit needs at least one simulated citizen")
        n = int(counts.sum())
        self.n = n
        self.counts = counts
        self.unit_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.p = params
        a0, t0 = params.awareness_initial, params.trust_initial
        self.awareness = _beta_around(rng, a0, n)
        self.trust = _beta_around(rng, t0, n)
        self.cost = (params.filing_cost * rng.lognormal(0.0, params.filing_cost_sd, n)).astype(np.float32)
        sd = params.community_sd
        self.community = rng.lognormal(-0.5 * sd**2, sd, n).astype(np.float32)
        self._mu = np.zeros(n, dtype=np.float32)  # filings per resident this month
        self._chunks = _plan_chunks(counts, self.unit_starts, self.CHUNK)
        longest = max(m for *_, m in self._chunks)
        # rows: utilities of filing and self-governance, 4 probabilities, 2 scratch, draws, exp(-mu)
        self._buffers = np.empty((10, longest), dtype=np.float32)
        self._flags = np.empty((2, longest), dtype=bool)
        self._sum_buffer = np.empty(65_537)  # float64 (0.5 MB), for the sums of :meth:`sum_over`
        self._sum_plan: citizen_kernels.SumPlan | None = None  # groups summed by end_month

    @property
    def unit(self) -> np.ndarray:
        """Handling unit of each citizen (int32, non-decreasing; built on demand)."""
        return np.repeat(np.arange(len(self.counts), dtype=np.int32), self.counts)

    def sum_over(self, starts: np.ndarray) -> None:
        """Have :meth:`end_month` return the float64 sums of trust and awareness over these groups.

        ``starts`` are the groups' first citizens (e.g. each city's). The sums have the bits of
        ``np.add.reduceat(x, starts, dtype=np.float64)`` (:class:`agents.citizen_kernels.SumPlan`),
        but are taken chunk by chunk while the month's values are still in the processor's cache,
        which spares a pass over every citizen.
        """
        self._sum_plan = citizen_kernels.SumPlan(starts, self.n, len(self._sum_buffer) - 1)

    def expand(self, per_unit) -> np.ndarray:
        """Per-unit values repeated for each citizen of the unit (float32, a new array)."""
        return np.repeat(np.asarray(per_unit, dtype=np.float32), self.counts)

    def decide(self, ctx: UnitContext) -> np.ndarray:
        """Compute each citizen's choice probabilities and return their per-unit sums.

        Also sets each citizen's expected filings per resident this month, used by :meth:`learn`.

        Returns:
            Array (n_units, 4) with the sums of the columns in :data:`DECISION_COLUMNS`
            (probabilities per problem, per citizen; summed in float32).
        """
        k, p, f32 = citizen_kernels, self.p, np.float32
        constants = np.array([p.trust_weight, p.file_intercept, p.self_governance_cost], dtype=f32)
        cost_mult = np.asarray(ctx.cost_multiplier, dtype=f32)
        self_gov = np.asarray(p.self_governance_weight * ctx.self_governance, dtype=f32)
        scope = np.asarray(ctx.scope, dtype=f32)
        rates = np.array([ctx.rate_consult, ctx.rate_community, ctx.rate_public], dtype=f32)
        bonus = f32(np.exp(p.consult_bonus))
        sums = np.empty((4, len(self.counts)), dtype=f32)
        e_file, e_self, probs = self._buffers[0], self._buffers[1], self._buffers[2:8]
        for u0, u1, lo, m in self._chunks:
            counts = self.counts[u0:u1]
            k.utilities(
                self.trust, self.cost, self.community, lo, counts, cost_mult[u0:u1], self_gov[u0:u1],
                constants, e_file, e_self,
            )  # fmt: skip
            np.exp(e_file[:m], out=e_file[:m])
            np.exp(e_self[:m], out=e_self[:m])
            k.choices(
                self.awareness, lo, counts, scope[u0:u1], rates[:, u0:u1], bonus, e_file, e_self, probs,
                self._mu, sums[:, u0:u1],
            )  # fmt: skip
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
        self._end(satisfied_share, learning, None, 0.0, rng)

    def spread_awareness(self, ceiling: np.ndarray, rate: float) -> None:
        """Move awareness toward the per-unit ceiling (publicity and word of mouth)."""
        self._end(None, None, ceiling, rate, None)

    def end_month(
        self,
        satisfied_share: np.ndarray,
        learning: np.ndarray,
        ceiling: np.ndarray,
        rate: float,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """:meth:`learn`, then :meth:`spread_awareness`, in one pass over the citizens.

        Returns:
            With :meth:`sum_over`, the groups' float64 sums of trust and of awareness after the
            month (the bits of numpy's float64 ``reduceat``); None without.
        """
        return self._end(satisfied_share, learning, ceiling, rate, rng, self._sum_plan)

    def _end(self, satisfied_share, learning, ceiling, rate, rng, plan=None):
        """Learning (if ``satisfied_share`` is given) and awareness (if ``ceiling`` is), chunk by chunk.

        One uniform draw per citizen, in citizen order, from ``rng`` (drawn chunk by chunk: the
        same numbers as one draw of ``n``).
        """
        do_learn, do_spread = satisfied_share is not None, ceiling is not None
        values = np.zeros((4, len(self.counts)), dtype=np.float32)
        if do_learn:
            heard = ~np.isnan(satisfied_share)
            values[0] = np.where(heard, satisfied_share, 0.0)
            values[1] = self.p.trust_social_learning * heard
            values[2] = learning * heard
        if do_spread:
            values[3] = ceiling
        draws, none_filed = self._buffers[8], self._buffers[9]
        learn = citizen_kernels.learn
        for u0, u1, lo, m in self._chunks:
            counts = self.counts[u0:u1]
            if do_learn:
                rng.random(m, dtype=np.float32, out=draws[:m])
                np.exp(np.negative(self._mu[lo : lo + m], out=none_filed[:m]), out=none_filed[:m])
            learn(
                self.trust, self.awareness, lo, counts, values[:, u0:u1], np.float32(rate), draws,
                none_filed, do_learn, do_spread, self._buffers[:3], self._flags,
            )  # fmt: skip
            if plan is not None:
                plan.advance((self.trust, self.awareness), lo + m, self._sum_buffer)
        if plan is not None:
            trust, awareness = plan.finish((self.trust, self.awareness))
            return trust, awareness
        return None


def _plan_chunks(
    counts: np.ndarray, starts: np.ndarray, size: int, alone: int | None = None
) -> list[tuple[int, int, int, int]]:
    """Split the units into runs of whole units of about ``size`` citizens.

    A unit of ``alone`` citizens or more (default ``size // 2``) is a chunk of its own: its
    per-unit values are then scalars, with no pass to repeat them over its citizens. The other
    units are grouped between them, a new chunk starting where a unit's first citizen crosses a
    multiple of ``size`` from the start of the group.

    Returns:
        ``(first unit, last unit + 1, first citizen, citizens)`` of each chunk.
    """
    alone = max(size // 2, 1) if alone is None else alone
    big = counts >= alone
    new_group = big.copy()
    new_group[1:] |= big[:-1]  # a group starts at a large unit and right after one
    new_group[0] = True
    group = np.cumsum(new_group) - 1
    offset = starts - starts[np.flatnonzero(new_group)][group]
    key = offset // size
    first = np.flatnonzero((np.diff(group) != 0) | (np.diff(key) != 0)) + 1
    bounds = [0, *first.tolist(), len(counts)]
    ends = np.append(starts, starts[-1] + counts[-1])
    return [(u0, u1, int(ends[u0]), int(ends[u1] - ends[u0])) for u0, u1 in itertools.pairwise(bounds)]


def _beta_around(rng: np.random.Generator, mean: float, n: int, concentration: float = 8.0) -> np.ndarray:
    """Draw ``n`` values in [0, 1] from a beta law with the given mean."""
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n).astype(np.float32)
