"""The citizens' monthly arithmetic on one chunk of whole handling units.

:class:`agents.citizens.Citizens` walks its citizens in chunks of whole units small enough to
stay in the processor's cache, so that each citizen's state is read from memory once per pass
instead of once per array operation, and per-unit values are repeated over a chunk only. For
each chunk it calls the functions below; the exponentials and the random draws are computed by
numpy between them. Every operation is the float32 operation of the whole-array code it replaces,
in the same order, and the per-unit sums are numpy's (``add.reduceat``), so the results are the
same bits whatever the chunk size.

A numba version of these functions (one loop per citizen) was measured against them: 1.28x
faster on the citizens' rules at 100k citizens, 1.20x at 1M and 1.10x at 10.9M, for about 4 s of
importing numba and loading its cached code in every process (CHANGELOG, speed round 2), so it
was not kept.

Arguments common to the functions: ``lo`` is the first citizen of the chunk, ``counts`` the
citizens of each of its units (int64), per-unit values are float32 arrays over the chunk's units,
and buffers are float32 arrays of at least the chunk's length.
"""

from __future__ import annotations

import numpy as np


# --- numpy versions --------------------------------------------------------------------------
def utilities(trust, cost, community, lo, counts, cost_mult, self_gov, c, x_file, x_self) -> None:
    """Write the utilities ``v_file`` and ``v_self`` of the chunk's citizens (before ``exp``).

    ``c`` holds the float32 constants ``(trust_weight, file_intercept, self_governance_cost)``.
    """
    m = int(counts.sum())
    hi = lo + m
    f, s = x_file[:m], x_self[:m]
    np.multiply(trust[lo:hi], c[0], out=f)
    f += c[1]
    f -= np.multiply(cost[lo:hi], np.repeat(cost_mult, counts), out=s)
    np.multiply(community[lo:hi], np.repeat(self_gov, counts), out=s)
    s -= c[2]


def choices(awareness, lo, counts, scope, rates, bonus, e_file, e_self, probs, mu, sums) -> None:
    """Choice probabilities, each citizen's filings ``mu`` and the per-unit sums of the chunk.

    ``e_file`` and ``e_self`` are the exponentiated utilities; ``rates`` is (3, units) float32
    (consult, community, public); ``probs`` is a (6, length) float32 buffer (4 rows of
    probabilities, 2 of scratch); ``sums`` (4, units) float32 receives the unit sums.
    """
    m = int(counts.sum())
    hi = lo + m
    ef, es = e_file[:m], e_self[:m]
    consult, community, public, self_gov, a, b = probs[:, :m]
    aware = np.multiply(awareness[lo:hi], np.repeat(scope, counts), out=b)
    odds = np.multiply(ef, bonus, out=a)
    np.divide(odds, np.add(odds, 1, out=public), out=consult)
    consult *= aware
    denom = np.add(ef, es, out=self_gov)
    denom += 1
    np.divide(ef, denom, out=community)
    community *= aware
    np.divide(es, denom, out=self_gov)
    self_gov *= aware
    np.divide(ef, np.add(ef, 1, out=a), out=public)
    public *= aware
    alone = np.divide(es, np.add(es, 1, out=a), out=a)
    alone *= np.subtract(1, aware, out=b)
    self_gov += alone
    out = mu[lo:hi]
    np.multiply(consult, np.repeat(rates[0], counts), out=out)
    out += np.multiply(community, np.repeat(rates[1], counts), out=a)
    out += np.multiply(public, np.repeat(rates[2], counts), out=a)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums[:] = np.add.reduceat(probs[:4, :m], starts, axis=1)


def learn(trust, awareness, lo, counts, unit_values, rate, draws, none_filed, do_learn, do_spread) -> None:
    """Trust learning (if ``do_learn``) and awareness spreading (if ``do_spread``) of the chunk.

    ``unit_values`` is (4, units) float32: satisfied share (0 where nobody filed), word-of-mouth
    weight, own-experience learning rate, awareness ceiling. ``draws`` are the citizens' uniforms
    and ``none_filed`` is ``exp(-mu)``, the probability of not having filed.
    """
    m = int(counts.sum())
    hi = lo + m
    if do_learn:
        t = trust[lo:hi]
        filed = np.subtract(1, none_filed[:m])
        draw = draws[:m]
        share = np.repeat(unit_values[0], counts)
        good = np.less(draw, np.multiply(filed, share))
        t += np.multiply(np.repeat(unit_values[1], counts), np.subtract(share, t))
        step = np.repeat(unit_values[2], counts)
        step *= np.less(draw, filed)
        t += np.multiply(step, np.subtract(good, t))
    if do_spread:
        a = awareness[lo:hi]
        gap = np.subtract(np.repeat(unit_values[3], counts), a)
        gap *= rate
        a += gap
