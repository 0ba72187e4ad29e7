"""Certified distances: exact simplex projection, enclosures, digits and verdicts."""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import mpmath
import numpy as np
import pytest
import sympy
from flint import arb, arb_mat
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.arithmetic import context
from oracle.exact import arb_mid_mpq, enclose, mpq_to_arb
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import sqrt_bounds
from theorems.instances.distance import (
    Digits,
    Enclosure,
    correct_to_digits,
    decide_correct,
    digits_achieved,
    distance,
    operator_norm_enclosure,
    point_distance,
    rational_point,
    simplex_projection,
)
from theorems.instances.gadget import member
from theorems.instances.problems import P1, P3
from theorems.instances.solutions import solution_set
from theorems.instances.strategies import members

Q = gmpy2.mpq
fractions = st.fractions(min_value=-3, max_value=3, max_denominator=12)


# --------------------------------------------------------------------------- simplex projection


@settings(max_examples=60, deadline=None)
@given(st.lists(fractions, min_size=1, max_size=6),
       st.fractions(min_value=0, max_value=3, max_denominator=7))
def test_simplex_projection_is_exact_and_optimal(xs, total):
    p = simplex_projection(xs, total)
    assert all(v >= 0 for v in p) and sum(p) == Q(total)  # in the simplex, exactly
    # variational inequality <x - p, q - p> <= 0 at every vertex q = total e_i, hence for
    # every point of the simplex: p is the nearest point
    x = [Q(v) for v in xs]
    for i in range(len(x)):
        q = [Q(total) if r == i else Q(0) for r in range(len(x))]
        assert sum((a - b) * (c - b) for a, b, c in zip(x, p, q, strict=True)) <= 0


def test_simplex_projection_by_hand():
    assert simplex_projection([3, 1, -1], 1) == [1, 0, 0]
    assert simplex_projection([Q(1, 2), Q(1, 2)], 2) == [1, 1]
    assert simplex_projection([0, 0, 0], 0) == [0, 0, 0]
    with pytest.raises(InvalidArgument, match="total=-1"):
        simplex_projection([1], -1)


# --------------------------------------------------------------------------- distances


def _vertex_point(sol, i=None, bits=300):
    vertex = sol.vertex(i or sol.support)
    return [arb_mid_mpq(enclose(e, bits)) for e in vertex]


def test_distance_is_exact_for_rational_solution_sets():
    """With alpha and eps rational and c = 0 the vertex is rational: the enclosure must contain
    the exact distance sqrt(d2) and be narrow."""
    mb = member(P3(1), alpha=4, N=4, m=2, j=2, n=1)  # t = 1/(4 + 1/4) = 4/17, v = 0
    sol = solution_set(mb)
    assert sol.total == sympy.Rational(4, 17)
    x = [Q(1, 3), Q(1, 5), Q(-1, 7), Q(2, 9)]
    d2 = Q(1, 3) ** 2 + (Q(1, 5) - Q(4, 17)) ** 2 + Q(1, 7) ** 2 + Q(2, 9) ** 2
    enc = distance(x, mb, bits=100)
    lo, hi = sqrt_bounds(d2, 200)
    assert enc.lower <= lo and hi <= enc.upper and enc.width < Q(1, 2**95)
    # tie member: projection onto the simplex {u >= 0, sum = 1/4} x {0}
    tie = mb.tie
    p = simplex_projection(x[:3], Q(1, 4))
    d2 = sum((a - b) ** 2 for a, b in zip(x[:3], p, strict=True)) + x[3] ** 2
    enc = distance(x, tie, bits=100)
    lo, hi = sqrt_bounds(d2, 200)
    assert enc.lower <= lo and hi <= enc.upper and enc.width < Q(1, 2**95)


@settings(max_examples=25, deadline=None)
@given(members(), st.data())
def test_points_of_the_solution_set_have_distance_zero(mb, data):
    sol = solution_set(mb)
    weights = data.draw(st.lists(st.integers(0, 5), min_size=sol.N1, max_size=sol.N1).filter(
        lambda w: sum(w) > 0))
    if sol.is_point:
        point = sol.vertex(sol.support)
    else:  # a convex combination of the vertices lies in the simplex
        s = sum(weights)
        point = tuple(sol.total * sympy.Rational(w, s) for w in weights) + sol.content
    x = [arb_mid_mpq(enclose(e, 300)) for e in point]
    enc = distance(x, sol, bits=200)
    assert enc.lower == 0 and enc.upper < Q(1, 2**190)
    assert digits_achieved(enc).at_least >= 57


@settings(max_examples=25, deadline=None)
@given(members(), st.integers(0, 5), st.sampled_from([1, -1]))
def test_distance_of_a_content_offset_is_the_offset(mb, exponent, sgn):
    """Moving a vertex by delta along a content (or, for N2 = 0, a switch) coordinate moves it
    exactly delta away from a vertex solution set."""
    sol = solution_set(mb)
    x = _vertex_point(sol, i=sol.support or 1)
    delta = Q(sgn, 10**exponent)
    if sol.N2:
        x[-1] += delta
        enc = distance(x, sol, bits=150)
        assert enc.contains(abs(delta)) and enc.width < Q(1, 2**140)


def test_all_input_kinds_give_the_same_enclosure():
    mb = member(P3(1), alpha=sympy.sqrt(2) * 100 / 3, N=4, m=2, j=1, n=3, contents=[[1]])
    values = [0.25, -0.5, 0.125, 1.0]  # exactly representable
    rationals = [Q(1, 4), Q(-1, 2), Q(1, 8), Q(1)]
    reference = distance(rationals, mb)
    inputs = [
        values,
        np.array(values),
        np.array(values).reshape(-1, 1),
        [Fraction(1, 4), Fraction(-1, 2), Fraction(1, 8), 1],
        [sympy.Rational(1, 4), sympy.Rational(-1, 2), sympy.Rational(1, 8), sympy.Integer(1)],
        sympy.Matrix([sympy.Rational(1, 4), sympy.Rational(-1, 2), sympy.Rational(1, 8), 1]),
        [sympy.Float(v) for v in values],
        [gmpy2.mpfr(v) for v in values],
        [mpmath.mpf(v) for v in values],
        [arb(v) for v in values],
        arb_mat([[v] for v in values]),
        np.array(rationals, dtype=object),
    ]
    for kind, prec in (("exact", None), ("ball", 64), ("mp", 64), ("float64", None)):
        ctx = context(kind, prec)  # outputs of algorithms come as context vectors
        inputs.append(ctx.vector(rationals) if kind != "float64" else ctx.vector(values))
    for x in inputs:
        assert distance(x, mb) == reference, type(x)


def test_float_input_is_taken_at_its_exact_binary_value():
    mb = member(P3(1), alpha=4, N=3, m=1, j=1, n=1)  # vertex (4/17, 0, 0)
    enc = distance([0.1, 0.0, 0.0], mb, bits=100)
    exact = abs(Q(0.1) - Q(4, 17))  # Q(0.1) is 3602879701896397/2^55, not 1/10
    assert enc.contains(exact) and not enc.contains(abs(Q(1, 10) - Q(4, 17)))


@settings(max_examples=20, deadline=None)
@given(members(max_N=4), st.integers(10, 60))
def test_ball_input_widens_the_enclosure_by_its_radius(mb, rad_bits):
    """For balls the enclosure holds for every point of the box: it contains the distances of
    the midpoint and of a corner, and its width is at most about twice the radius norm."""
    sol = solution_set(mb)
    mids = _vertex_point(sol, i=sol.support or 1)
    mids[0] += Q(1, 1000)
    r = Q(1, 2**rad_bits)
    balls = [mpq_to_arb(q) + arb(0, mpq_to_arb(r)) for q in mids]
    enc = distance(balls, sol)
    for point in (mids, [q + r for q in mids]):
        d = distance(point, sol, bits=200)
        assert enc.lower <= d.lower and d.upper <= enc.upper
    assert enc.width <= 2 * r * 3 + Q(1, 2**100)  # 2 * ||radius|| (<= sqrt(N) r <= 2r) + slack


def test_bad_inputs_are_refused():
    mb = member(P3(1), alpha=4, N=3, m=1, j=1, n=1)
    with pytest.raises(InvalidArgument, match="x has length 2"):
        distance([0, 0], mb)
    with pytest.raises(InvalidArgument, match=r"x\[1\]=nan is not finite"):
        distance([0, float("nan"), 0], mb)
    with pytest.raises(InvalidArgument, match="is not finite"):
        distance([0, mpmath.mpf("inf"), 0], mb)
    with pytest.raises(InvalidType, match=r"x\[0\]='1' has type str"):
        distance(["1", 0, 0], mb)
    with pytest.raises(InvalidType, match="x has type str"):
        rational_point("abc")
    with pytest.raises(InvalidType, match="target="):
        distance([0, 0, 0], "member")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="need 0 <= lower <= upper"):
        Enclosure(Q(2), Q(1))


# --------------------------------------------------------------------------- digits


def test_digits_and_three_valued_verdicts():
    at = Enclosure(Q(1, 1000), Q(1, 1000))
    assert digits_achieved(at) == Digits(3, 3) and digits_achieved(at).decided
    assert correct_to_digits(at, 3) is True and correct_to_digits(at, 4) is False
    below = Enclosure(Q(9, 10000), Q(99, 100000))
    assert digits_achieved(below) == Digits(3, 3) and correct_to_digits(below, 3) is True
    straddle = Enclosure(Q(9, 10000), Q(11, 10000))
    assert digits_achieved(straddle) == Digits(2, 3) and not digits_achieved(straddle).decided
    assert correct_to_digits(straddle, 3) is None
    assert correct_to_digits(straddle, 2) is True and correct_to_digits(straddle, 4) is False
    zero = Enclosure(Q(0), Q(0))
    assert digits_achieved(zero) == Digits(None, None) and correct_to_digits(zero, 50) is True
    big = Enclosure(Q(25), Q(30))
    assert digits_achieved(big) == Digits(-2, -2) and correct_to_digits(big, 0) is False
    assert Enclosure(Q(1, 3), Q(1, 2)).arb().contains(mpq_to_arb(Q(1, 3)))
    with pytest.raises(InvalidType):
        digits_achieved((0, 1))  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.fractions(min_value=Fraction(1, 10**6), max_value=10**3, max_denominator=10**6),
       st.integers(-3, 12))
def test_digits_match_the_definition(d, K):
    enc = Enclosure(Q(d), Q(d))
    digits = digits_achieved(enc).at_least
    assert Q(d) <= Q(10) ** -digits and Q(d) > Q(10) ** -(digits + 1)
    assert correct_to_digits(enc, K) is (Q(d) <= Q(10) ** -K)


def test_decide_correct_refines_the_precision():
    """dist = 10^-K + 2^-300 cannot be told from 10^-K at 128 bits but can at higher
    precision."""
    K = 3
    mb = member(P3(1), alpha=sympy.sqrt(2) * 1000 / 3, N=4, m=2, j=1, n=3, contents=[[1]])
    x = _vertex_point(solution_set(mb), bits=700)
    x[-1] += Q(1, 10**K) + Q(1, 2**300)
    assert correct_to_digits(distance(x, mb, bits=128), K) is None
    assert decide_correct(x, mb, K) is False
    assert decide_correct(x, mb, K - 1) is True
    assert decide_correct(x, mb, K, max_bits=128) is None


# --------------------------------------------------------------------------- points, norms


def test_point_distance_and_operator_norms():
    enc = point_distance([0, 0], [sympy.sqrt(2), 1])
    lo, hi = sqrt_bounds(Q(3), 200)
    assert enc.lower <= lo and hi <= enc.upper and enc.width < Q(1, 2**120)
    assert operator_norm_enclosure(sympy.diag(3, -5, 1)).contains(5)
    rank_one = sympy.Matrix([[1], [2]]) * sympy.Matrix([[1, -1, 0]])  # norm sqrt(5)*sqrt(2)
    enc = operator_norm_enclosure(rank_one)
    lo, hi = sqrt_bounds(Q(10), 200)
    assert enc.lower <= lo and hi <= enc.upper and enc.width < Q(1, 2**100)
    generic = sympy.Matrix([[1, 2], [3, 4]])  # norm = sqrt(15 + sqrt(221))
    enc = operator_norm_enclosure(generic)
    true = enclose(sympy.sqrt(15 + sympy.sqrt(221)), 100)
    assert enc.lower <= arb_mid_mpq(true) <= enc.upper
    assert operator_norm_enclosure(sympy.zeros(2, 2)) == Enclosure(Q(0), Q(0))
    with pytest.raises(InvalidArgument, match="x has length 3 but the point has 2"):
        point_distance([0, 0, 0], [1, 2])


def test_distance_to_members_with_P1_content():
    mb = member(P1("1/8"), alpha=sympy.sqrt(2) * 100 / 3, N=5, m=3, j=2, n=2,
                contents=[[1, "-3/2"]])
    sol = solution_set(mb)
    x = _vertex_point(sol)
    assert distance(x, mb).upper < Q(1, 2**120)
    other = _vertex_point(solution_set(mb.sibling(1, 2)))
    enc = distance(other, mb)
    sep = enclose(sol.separation(), 200)
    assert enc.lower <= arb_mid_mpq(sep) <= enc.upper
