"""The citizens' chunked month: chunking changes nothing, and it is the whole-array arithmetic.

The citizens' month runs over chunks of whole handling units (agents/citizen_kernels.py). The
results must not depend on where the chunks end. Unit sizes cover units of one citizen, the
branches of numpy's pairwise sums (under 8, up to 128, above) and units larger than a chunk.
That the chunked month gives the same bits as the whole-array code it replaced is checked on
whole runs by ``benchmarks/equivalence.py``.
"""

import itertools

import numpy as np
import pytest
from jiesu.agents.citizens import Citizens, UnitContext
from jiesu.model import make_parameters

SIZES = np.array([1, 2, 7, 8, 9, 16, 127, 128, 129, 130, 300, 1000, 5, 20_000, 3, 64, 65, 4097])


def _month(monkeypatch, chunk: int, months: int = 3, seed: int = 5):
    """Citizens of SIZES after ``months`` months with varied contexts; what each month returned."""
    monkeypatch.setattr(Citizens, "CHUNK", chunk)
    citizens = Citizens(SIZES, make_parameters({"trust_social_learning": 0.07}), np.random.default_rng(seed))
    ctx_rng, rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)
    sums = []
    for _ in range(months):
        n = len(SIZES)
        ctx = UnitContext(*(ctx_rng.uniform(0.05, 1.5, n) for _ in range(6)))
        sums.append(citizens.decide(ctx))
        share = np.where(ctx_rng.random(n) < 0.2, np.nan, ctx_rng.random(n))
        citizens.end_month(share, ctx_rng.uniform(0, 0.3, n), ctx_rng.random(n), 0.1, rng)
    return citizens, np.array(sums)


def _same(a, b) -> bool:
    return a.dtype == b.dtype and np.array_equal(a, b)


def _compare(one, other, label: str) -> None:
    (c1, s1), (c2, s2) = one, other
    assert _same(s1, s2), f"{label}: per-unit sums differ (max {np.abs(s1 - s2).max():.3g})"
    for name in ("trust", "awareness", "_mu"):
        a, b = getattr(c1, name), getattr(c2, name)
        assert _same(a, b), f"{label}: {name} differs at {np.flatnonzero(a != b)[:5]}"


@pytest.mark.parametrize("chunk", [1, 10, 100, 1000, 5000, 50_000])
def test_chunks_do_not_change_the_results(monkeypatch, chunk):
    whole = _month(monkeypatch, 10**9)
    _compare(whole, _month(monkeypatch, chunk), f"chunk {chunk}")


def test_learning_and_awareness_apart_equal_end_month():
    p = make_parameters()
    rng = np.random.default_rng(3)
    together, apart = (Citizens(SIZES, p, np.random.default_rng(1)) for _ in range(2))
    ctx = UnitContext(*(rng.uniform(0.1, 1, len(SIZES)) for _ in range(6)))
    share, learning, ceiling = rng.random(len(SIZES)), rng.random(len(SIZES)) / 4, rng.random(len(SIZES))
    for c in (together, apart):
        c.decide(ctx)
    together.end_month(share, learning, ceiling, 0.2, np.random.default_rng(9))
    apart.learn(share, learning, np.random.default_rng(9))
    apart.spread_awareness(ceiling, 0.2)
    assert _same(together.trust, apart.trust) and _same(together.awareness, apart.awareness)


def test_a_citizen_takes_twenty_bytes():
    citizens = Citizens(SIZES, make_parameters(), np.random.default_rng(0))
    per_citizen = [
        v.nbytes / citizens.n
        for v in vars(citizens).values()
        if isinstance(v, np.ndarray) and v.shape == (citizens.n,)
    ]
    assert sum(per_citizen) == 20, f"bytes per citizen in citizen-sized arrays: {per_citizen}"


@pytest.mark.parametrize("buffer", [129, 1000, 65_537])
def test_group_sums_are_numpys_float64_reduceat(buffer):
    """City sums of trust and awareness: the bits of numpy's reduceat with dtype float64.

    Values span many orders of magnitude (so that the order of additions shows in the last bits);
    groups run from one value to many times the buffer, so every branch of numpy's pairwise sum
    and of the split of a long group is taken.
    """
    from jiesu.agents.citizen_kernels import group_sums

    rng = np.random.default_rng(buffer)
    sizes = np.array([1, 2, 7, 8, 9, 127, 128, 129, 130, 257, 1000, 4097, 3 * buffer + 5, 1, 11 * buffer])
    n = int(sizes.sum())
    x = (rng.random(n) ** 10 * rng.lognormal(0, 3, n)).astype(np.float32)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    expected = np.add.reduceat(x, starts, dtype=np.float64)
    got = group_sums(x, starts, np.empty(buffer))
    assert _same(got, expected), f"groups differ: {np.flatnonzero(got != expected)}"
    assert _same(group_sums(x, np.array([0]), np.empty(buffer)), np.add.reduceat(x, [0], dtype=np.float64))


def test_group_sums_refuse_a_buffer_below_numpys_pairwise_block():
    from jiesu.agents.citizen_kernels import group_sums

    with pytest.raises(ValueError, match="129"):
        group_sums(np.ones(10, np.float32), np.array([0]), np.empty(128))


def test_chunks_cover_every_unit_once_and_large_units_stand_alone():
    from jiesu.agents.citizens import _plan_chunks

    counts = np.array([3, 40, 5, 5, 100, 1, 1, 30, 2, 64, 64, 7])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    chunks = _plan_chunks(counts, starts, size=64)  # units of 32 citizens or more stand alone
    assert chunks[0][0] == 0 and chunks[-1][1] == len(counts)
    for (_, u1, lo, m), (v0, _, lo2, _) in itertools.pairwise(chunks):
        assert u1 == v0 and lo + m == lo2, "chunks are consecutive runs of whole units"
    for u0, u1, lo, m in chunks:
        assert m == counts[u0:u1].sum() and lo == starts[u0]
        if (counts[u0:u1] >= 32).any():
            assert u1 - u0 == 1, f"a large unit shares chunk {(u0, u1)}"
        else:
            assert starts[u1 - 1] - lo < 64, "a group of small units starts within the chunk size"


@pytest.mark.parametrize("chunk", [1, 100, 50_000])
def test_end_month_sums_over_groups_as_numpy_does(monkeypatch, chunk):
    """The groups' sums taken during end_month equal numpy's float64 reduceat of the month's result."""
    monkeypatch.setattr(Citizens, "CHUNK", chunk)
    citizens = Citizens(SIZES, make_parameters(), np.random.default_rng(2))
    citizens._sum_buffer = np.empty(200)  # a small buffer: long groups are split into trees
    unit_starts = np.concatenate(([0], np.cumsum(SIZES)[:-1]))
    groups = unit_starts[[0, 3, 4, 10, 13, 16]]  # groups of several units, one of 20,000 citizens
    citizens.sum_over(groups)
    rng = np.random.default_rng(4)
    for _ in range(2):
        n = len(SIZES)
        citizens.decide(UnitContext(*(rng.uniform(0.05, 1.5, n) for _ in range(6))))
        trust, awareness = citizens.end_month(rng.random(n), rng.uniform(0, 0.3, n), rng.random(n), 0.1, rng)
        assert _same(trust, np.add.reduceat(citizens.trust, groups, dtype=np.float64))
        assert _same(awareness, np.add.reduceat(citizens.awareness, groups, dtype=np.float64))
