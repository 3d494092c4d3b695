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
def per_citizen(values, counts):
    """Per-unit ``values`` for each citizen of the chunk: the value itself when the chunk is one unit.

    A scalar costs no pass over the chunk; combined with a float32 array it gives the same float32
    result as the repeated array (every operation below is elementwise).
    """
    return values[0] if len(counts) == 1 else np.repeat(values, counts)


def utilities(trust, cost, community, lo, counts, cost_mult, self_gov, c, x_file, x_self) -> None:
    """Write the utilities ``v_file`` and ``v_self`` of the chunk's citizens (before ``exp``).

    ``c`` holds the float32 constants ``(trust_weight, file_intercept, self_governance_cost)``.
    """
    m = int(counts.sum())
    hi = lo + m
    f, s = x_file[:m], x_self[:m]
    np.multiply(trust[lo:hi], c[0], out=f)
    f += c[1]
    f -= np.multiply(cost[lo:hi], per_citizen(cost_mult, counts), out=s)
    np.multiply(community[lo:hi], per_citizen(self_gov, counts), out=s)
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
    aware = np.multiply(awareness[lo:hi], per_citizen(scope, counts), out=b)
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
    np.multiply(consult, per_citizen(rates[0], counts), out=out)
    out += np.multiply(community, per_citizen(rates[1], counts), out=a)
    out += np.multiply(public, per_citizen(rates[2], counts), out=a)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sums[:] = np.add.reduceat(probs[:4, :m], starts, axis=1)


def learn(
    trust, awareness, lo, counts, unit_values, rate, draws, none_filed, do_learn, do_spread, scratch, flags
) -> None:
    """Trust learning (if ``do_learn``) and awareness spreading (if ``do_spread``) of the chunk.

    ``unit_values`` is (4, units) float32: satisfied share (0 where nobody filed), word-of-mouth
    weight, own-experience learning rate, awareness ceiling. ``draws`` are the citizens' uniforms
    and ``none_filed`` is ``exp(-mu)``, the probability of not having filed. ``scratch`` (3,
    length) float32 and ``flags`` (2, length) bool are buffers: no temporary the size of the chunk
    is allocated (for a chunk of one large unit that would cost fresh pages on every call).
    """
    m = int(counts.sum())
    hi = lo + m
    if do_learn:
        t = trust[lo:hi]
        filed, diff, step = scratch[:, :m]
        good, own = flags[:, :m]
        np.subtract(1, none_filed[:m], out=filed)
        draw = draws[:m]
        share = per_citizen(unit_values[0], counts)
        np.less(draw, np.multiply(filed, share, out=diff), out=good)
        diff = np.subtract(share, t, out=diff)
        diff *= per_citizen(unit_values[1], counts)
        t += diff
        np.multiply(per_citizen(unit_values[2], counts), np.less(draw, filed, out=own), out=step)
        np.subtract(good, t, out=diff)
        diff *= step
        t += diff
    if do_spread:
        a = awareness[lo:hi]
        gap = np.subtract(per_citizen(unit_values[3], counts), a, out=scratch[0, :m])
        gap *= rate
        a += gap


def group_sums(x, starts, buffer) -> np.ndarray:
    """Float64 sums of the float32 ``x`` over consecutive groups beginning at ``starts``.

    The same bits as ``np.add.reduceat(x, starts, dtype=np.float64)``, about 10-20x faster: numpy's
    reduceat converts element by element when given a dtype (see :class:`SumPlan` for how).
    ``buffer`` is float64 with at least 129 entries; nothing the size of ``x`` is allocated.
    """
    plan = SumPlan(starts, len(x), len(buffer) - 1)
    plan.advance((x,), len(x), buffer)
    return plan.finish((x,))[0]


class SumPlan:
    """How :func:`group_sums` sums fixed groups, in pieces that can be taken as the data is ready.

    Blocks of whole groups are converted into a float64 buffer of ``size + 1`` entries and summed
    with numpy's reduceat, which gives each group the bits of numpy's own float64 reduceat. A group
    longer than the buffer is summed as numpy sums a segment: its first value plus the pairwise
    sum of the rest, where numpy splits a run of more than 128 values at half its length, rounded
    down to a multiple of 8; the halves are split the same way until they fit in the buffer, and
    the pieces' sums are added back up the same tree. Pieces are ordered by their last element,
    so :meth:`advance` can sum each piece right after a pass has written it (while it is still in
    the processor's cache), and :meth:`finish` adds up the trees. Checked against numpy in
    ``tests/test_citizen_kernels.py``.
    """

    def __init__(self, starts, n: int, size: int):
        if size < 128:
            raise ValueError("the buffer needs at least 129 entries (numpy's pairwise block is 128)")
        self.size = size
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.append(starts[1:], n)
        self.n_groups = len(starts)
        self.pieces: list[tuple] = []  # (last element + 1, block or pairwise piece)
        self.trees: list[tuple] = []  # (group, its first element, tree of piece indices)
        self._slots = 0
        i = 0
        while i < len(starts):
            s, e = int(starts[i]), int(ends[i])
            if e - s > size:  # one long group
                self.trees.append((i, s, self._tree(s + 1, e)))
                i += 1
                continue
            j = i + max(int(np.searchsorted(ends[i:], s + size, side="right")), 1)
            e = int(ends[j - 1])
            self.pieces.append((e, ("block", s, e, starts[i:j] - s, i, j)))
            i = j
        self._next = 0

    def _tree(self, a: int, b: int):
        n = b - a
        if n <= self.size:
            slot = self._slots
            self._slots += 1
            self.pieces.append((b, ("pairwise", a, b, slot)))
            return slot
        half = n // 2
        half -= half % 8
        return (self._tree(a, a + half), self._tree(a + half, b))

    def advance(self, arrays, upto: int, buffer) -> None:
        """Sum the pieces of ``arrays`` (float32, one per row of the result) ending at or before ``upto``."""
        if self._next == 0:
            self._out = np.empty((len(arrays), self.n_groups))
            self._pair = np.empty((len(arrays), self._slots))
        while self._next < len(self.pieces) and self.pieces[self._next][0] <= upto:
            piece = self.pieces[self._next][1]
            for r, x in enumerate(arrays):
                if piece[0] == "block":
                    _, s, e, local, i, j = piece
                    buffer[: e - s] = x[s:e]
                    self._out[r, i:j] = np.add.reduceat(buffer[: e - s], local)
                else:
                    _, a, b, slot = piece
                    buffer[0] = 0.0  # reduceat starts from the first value: a leading zero makes a plain sum
                    buffer[1 : b - a + 1] = x[a:b]
                    self._pair[r, slot] = np.add.reduceat(buffer[: b - a + 1], [0])[0]
            self._next += 1

    def finish(self, arrays) -> np.ndarray:
        """Add up the long groups' trees; the sums, one row per array. The plan can then be used again."""
        if self._next != len(self.pieces):
            raise RuntimeError("finish() before every piece was summed")
        for group, first, tree in self.trees:
            for r, x in enumerate(arrays):
                self._out[r, group] = np.float64(x[first]) + self._combine(tree, r)
        self._next = 0
        return self._out

    def _combine(self, node, r: int) -> np.float64:
        if isinstance(node, int):
            return self._pair[r, node]
        return self._combine(node[0], r) + self._combine(node[1], r)
