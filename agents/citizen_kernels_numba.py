"""The citizens' kernels of :mod:`agents.citizen_kernels`, compiled with numba.

Each function does what its numpy namesake (``utilities_numpy``, ...) does, citizen by citizen,
with the same float32 operations in the same order, so the results are bit-identical: numba
compiles without fast-math, so it neither fuses multiplications and additions nor reorders sums.
Compiled code is cached on disk (``__pycache__``), so only the first run compiles.
"""

from __future__ import annotations

import numba
import numpy as np

_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)
_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def utilities(trust, cost, community, lo, counts, cost_mult, self_gov, c, x_file, x_self):  # noqa: D103
    tw, fi, sgc = c[0], c[1], c[2]
    i = 0
    for u in range(counts.size):
        cm, sg = cost_mult[u], self_gov[u]
        for _ in range(counts[u]):
            g = lo + i
            v = trust[g] * tw
            v = v + fi
            x_file[i] = v - cost[g] * cm
            x_self[i] = community[g] * sg - sgc
            i += 1


@_jit
def pairwise(a, lo, n):
    """Sum ``a[lo:lo + n]`` (float32) pairwise, in the order of numpy's ``add.reduce``."""
    if n < 8:
        res = _ZERO
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        end = n - n % 8
        while i < end:
            j = lo + i
            r0 += a[j]
            r1 += a[j + 1]
            r2 += a[j + 2]
            r3 += a[j + 3]
            r4 += a[j + 4]
            r5 += a[j + 5]
            r6 += a[j + 6]
            r7 += a[j + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    half = n // 2
    half -= half % 8
    return pairwise(a, lo, half) + pairwise(a, lo + half, n - half)


@_jit
def choices(awareness, lo, counts, scope, rates, bonus, e_file, e_self, probs, mu, sums):  # noqa: D103
    i = 0
    for u in range(counts.size):
        sc, rc, rm, rp = scope[u], rates[0, u], rates[1, u], rates[2, u]
        for _ in range(counts[u]):
            g = lo + i
            aware = awareness[g] * sc
            ef, es = e_file[i], e_self[i]
            odds = ef * bonus
            consult = odds / (odds + _ONE) * aware
            denom = (ef + es) + _ONE
            community = ef / denom * aware
            self_gov = es / denom * aware
            public = ef / (ef + _ONE) * aware
            self_gov += es / (es + _ONE) * (_ONE - aware)
            probs[0, i] = consult
            probs[1, i] = community
            probs[2, i] = public
            probs[3, i] = self_gov
            f = consult * rc
            f += community * rm
            mu[g] = f + public * rp
            i += 1
    start = 0
    for u in range(counts.size):
        n = counts[u]
        for r in range(4):
            total = probs[r, start]
            if n > 1:
                total += pairwise(probs[r], start + 1, n - 1)
            sums[r, u] = total
        start += n


@_jit
def learn(trust, awareness, lo, counts, unit_values, rate, draws, none_filed, do_learn, do_spread):  # noqa: D103
    i = 0
    for u in range(counts.size):
        share, weight = unit_values[0, u], unit_values[1, u]
        step, ceiling = unit_values[2, u], unit_values[3, u]
        for _ in range(counts[u]):
            g = lo + i
            if do_learn:
                filed = _ONE - none_filed[i]
                draw = draws[i]
                good = _ONE if draw < filed * share else _ZERO
                t = trust[g]
                t = t + weight * (share - t)
                own = step * (_ONE if draw < filed else _ZERO)
                trust[g] = t + own * (good - t)
            if do_spread:
                a = awareness[g]
                awareness[g] = a + (ceiling - a) * rate
            i += 1
