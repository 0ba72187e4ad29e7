"""Certified distances checked against an independent computation in mpmath.

The solution set's total ``t`` and content ``v*`` are evaluated by SymPy to 90 digits, the
projection onto the simplex ``{u >= 0, sum u = t}`` is found by BISECTION on the threshold
``tau`` (``sum max(u_i - tau, 0) = t``), not by the sorting rule of
:func:`theorems.instances.distance.simplex_projection`, and the distance is formed at 80
digits.  That value is within ``10^-60`` of the true distance, so the certified enclosure
(width about ``2^-128``) must contain it up to ``10^-60``.
"""

from fractions import Fraction

import mpmath
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems.instances.distance import distance
from theorems.instances.solutions import solution_set
from theorems.instances.strategies import members


def _mp(expr):
    return mpmath.mpf(str(sympy.N(expr, 90)))


def _independent_distance(x, sol):
    with mpmath.workdps(80):
        t = _mp(sol.total)
        v = [_mp(c) for c in sol.content]
        xs = [mpmath.mpf(q.numerator) / q.denominator for q in x]
        u, rest = xs[: sol.N1], xs[sol.N1:]
        if sol.support is None:
            lo, hi = min(u) - t, max(u)
            for _ in range(400):
                tau = (lo + hi) / 2
                if sum(max(a - tau, 0) for a in u) > t:
                    lo = tau
                else:
                    hi = tau
            proj = [max(a - tau, 0) for a in u]
        else:
            proj = [t if i == sol.support - 1 else 0 for i in range(sol.N1)]
        d2 = sum((a - b) ** 2 for a, b in zip(u, proj, strict=True)) + sum(
            (a - b) ** 2 for a, b in zip(rest, v, strict=True))
        return mpmath.sqrt(d2)


@settings(max_examples=30, deadline=None)
@given(mb=members(max_N=4, max_n=8), data=st.data())
def test_distance_encloses_an_independent_mpmath_value(mb, data):
    k = data.draw(st.integers(0, len(mb.samples) - 1), label="k")
    sol = solution_set(mb, k)
    x = data.draw(st.lists(st.fractions(-3, 3, max_denominator=64), min_size=sol.N,
                           max_size=sol.N), label="x")
    enc = distance(x, mb, k)
    d = _independent_distance([Fraction(q) for q in x], sol)
    with mpmath.workdps(80):
        tol = mpmath.mpf(10) ** -60
        lower = mpmath.mpf(int(enc.lower.numerator)) / int(enc.lower.denominator)
        upper = mpmath.mpf(int(enc.upper.numerator)) / int(enc.upper.denominator)
        assert lower - tol <= d <= upper + tol, (enc, d)
        assert upper - lower < mpmath.mpf(10) ** -30
