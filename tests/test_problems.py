"""The problem records: validation, and objective evaluation in every arithmetic context."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import gmpy2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.arithmetic import context
from theorems.errors import InvalidArgument, InvalidType, TheoremError
from theorems.instances.problems import P1, P2, P3, problem

CONTEXTS = [("exact", None), ("ball", 128), ("mp", 128), ("float64", None)]


@pytest.mark.parametrize("value", [1, Fraction(1, 3), gmpy2.mpq(2, 7), "3/4"])
def test_parameters_accept_exact_rationals(value):
    for cls in (P1, P2, P3):
        p = cls(value)
        assert isinstance(p.value, type(gmpy2.mpq(0)))
        assert p.value == gmpy2.mpq(Fraction(value) if isinstance(value, str) else value)


def test_floats_and_bad_values_are_refused_with_named_messages():
    with pytest.raises(InvalidType, match="eta=0.1"):
        P1(0.1)
    with pytest.raises(InvalidArgument, match="eta=-1 must be >= 0"):
        P1(-1)
    with pytest.raises(InvalidArgument, match="lam=0 must be > 0"):
        P2(0)
    with pytest.raises(InvalidArgument, match="lam=-1/2 must be > 0"):
        P3("-1/2")
    with pytest.raises(InvalidArgument, match="name='P4'"):
        problem("P4", 1)
    with pytest.raises(TheoremError):
        P2(True)
    # the errors refine the builtins
    with pytest.raises(ValueError):
        P1(-1)
    with pytest.raises(TypeError):
        P3(1.0)


def test_records_are_frozen_hashable_and_distinct_by_problem():
    assert P2(1) != P3(1)
    assert P3(1) == P3(Fraction(2, 2)) == problem("p3", 1)
    assert len({P1(0), P1(0), P2(1), P3(1)}) == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        P3(1).lam = 2  # type: ignore[misc]
    assert str(P1("1/4")) == "P1(eta=1/4)" and str(P3(2)) == "P3(lam=2)"
    assert P2(1).parameter == "lam" and P1(0).parameter == "eta"


@pytest.mark.parametrize("kind,prec", CONTEXTS)
def test_objectives_on_a_hand_example(kind, prec):
    # A = [[1, 2]], y = [1], x = (1/2, 0): residual -1/2
    ctx = context(kind, prec)
    A, y, x = ctx.matrix([[1, 2]]), ctx.vector([1]), ctx.vector(["1/2", 0])
    expect = {
        "P2": gmpy2.mpq(3, 4),  # 1*1/2 + 1/4
        "P3": gmpy2.mpq(1),  # 1*1/2 + 1/2
        "P1": gmpy2.mpq(1, 2),
    }
    got = {
        "P2": P2(1).objective(x, A, y, ctx),
        "P3": P3(1).objective(x, A, y, ctx),
        "P1": P1("1/2").objective(x, A, y, ctx),
    }
    for name, value in got.items():
        q = ctx.scalar_to_rational(value)
        if kind == "exact":
            assert value == expect[name]
        else:
            assert abs(q - expect[name]) <= gmpy2.mpq(1, 2**40)
    gap = P1("1/2").constraint_gap(x, A, y, ctx)  # eta^2 - ||r||^2 = 0: on the boundary
    assert abs(ctx.scalar_to_rational(gap)) <= gmpy2.mpq(1, 2**40)
    # plain rational rows are converted to a context matrix
    assert ctx.scalar_to_rational(P2(1).objective(x, [[1, 2]], y, ctx)) == ctx.scalar_to_rational(
        got["P2"]
    )


small = st.fractions(min_value=-4, max_value=4, max_denominator=8)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(small, min_size=3, max_size=3),
    st.lists(small, min_size=2, max_size=2),
    st.sampled_from([P2(1), P2("1/3"), P3(1), P3(2), P1(0), P1("1/2")]),
)
def test_contexts_agree_with_exact_arithmetic(xs, ys, prob):
    """The same formula in every context: ball agrees with the exact value (when the exact
    context can express it), mp and float64 are close to the ball's midpoint."""
    rows = [[1, Fraction(1, 2), 0], [0, 1, Fraction(-1, 3)]]
    ball = context("ball", 128)
    b = ball.scalar_to_rational(prob.objective(ball.vector(xs), rows, ball.vector(ys), ball))
    for kind, prec in CONTEXTS[2:]:
        ctx = context(kind, prec)
        v = ctx.scalar_to_rational(prob.objective(ctx.vector(xs), rows, ctx.vector(ys), ctx))
        assert abs(v - b) <= gmpy2.mpq(1, 2**40) * (1 + abs(b))
    if not isinstance(prob, P3):  # P3 needs a 2-norm, irrational in general
        exact = context("exact")
        ex = prob.objective(exact.vector(xs), rows, exact.vector(ys), exact)
        assert abs(b - ex) <= gmpy2.mpq(1, 2**100)
