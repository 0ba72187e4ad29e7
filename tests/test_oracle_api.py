"""Memoisation, the read log, budgets and bad input for the honest oracle."""

from fractions import Fraction

import gmpy2
import numpy as np
import pytest
import sympy

import oracle.certify
from oracle import (
    Budget,
    BudgetExceeded,
    ExactData,
    InexactInput,
    InvalidArgument,
    InvalidType,
    Oracle,
    as_exact,
    enclose,
)


@pytest.fixture
def problem():
    A = sympy.Matrix([[sympy.sqrt(2), sympy.pi, 1], [sympy.Rational(1, 3), sympy.E, -1]])
    ys = [sympy.Matrix([1, sympy.sqrt(3)]), sympy.Matrix([sympy.log(2), 0])]
    return A, ys


def test_memoised_answers_are_identical_and_read_only(problem):
    o = Oracle(*problem)
    first = o.matrix(30)
    again = o.matrix(30)
    # equal, but each reader gets its own copy (so changing one changes no other read)
    assert first is not again and first.tolist() == again.tolist()
    assert not first.flags.writeable
    with pytest.raises(ValueError):
        first[0, 0] = gmpy2.mpq(0)
    assert list(o.sample(1, 7)) == list(o.sample(1, 7))


def test_fresh_oracle_shares_answers_but_not_the_log(problem):
    o = Oracle(*problem)
    a = o.matrix(12)
    f = o.fresh()
    assert f.reads == () and f.samples_read == 0
    assert f.matrix(12).tolist() == a.tolist()
    assert f.reads[0].cached and not o.reads[0].cached
    # the clone's reads are reported to its parent too (fresh() cannot hide reads)
    assert [r.key for r in o.reads] == [("matrix", None, 12)] * 2


def test_read_log_counts_distinct_entries(problem):
    o = Oracle(*problem)
    assert o.deepest_level is None and o.samples_read == 0
    o.matrix(3)
    o.matrix(3)
    o.sample(0, 5)
    o.sample(1, 5)
    o.sample(0, 9)
    assert [r.key for r in o.reads] == [
        ("matrix", None, 3), ("matrix", None, 3), ("sample", 0, 5), ("sample", 1, 5),
        ("sample", 0, 9)]
    assert o.samples_read == 4
    assert o.deepest_level == 9
    assert [r.cached for r in o.reads] == [False, True, False, False, False]
    text = o.explain()
    assert "5 read(s), 4 distinct entries, deepest level 9" in text
    assert "y_1,n" in text and "A_n" in text


def test_budget_on_reads_raises_before_any_work(problem, monkeypatch):
    o = Oracle(*problem, budget=Budget(max_reads=2))
    o.matrix(1)
    o.sample(0, 1)
    o.matrix(1)  # a repeat is not a new entry

    def forbidden(*args, **kwargs):  # pragma: no cover - must not run
        raise AssertionError("work was done for a refused read")

    monkeypatch.setattr(oracle.certify, "certified_approximation", forbidden)
    monkeypatch.setattr("oracle.oracles.certified_approximation", forbidden)
    with pytest.raises(BudgetExceeded, match="max_reads=2") as info:
        o.matrix(2)
    assert info.value.limit == "max_reads"
    assert info.value.attempted == ("matrix", None, 2)
    assert len(o.reads) == 3 and o.samples_read == 2


def test_budget_on_level(problem):
    o = Oracle(*problem, budget=Budget(max_level=4))
    o.sample(1, 4)
    with pytest.raises(BudgetExceeded, match=r"n=5 exceeds the budget max_level=4"):
        o.sample(1, 5)
    assert o.deepest_level == 4


def test_ceiling_refuses_huge_levels_without_work(problem):
    o = Oracle(*problem, ceiling=100)
    with pytest.raises(BudgetExceeded, match="ceiling=100"):
        o.matrix(10**9)
    assert o.reads == ()


def test_tighten_serves_finer_data(problem):
    o = Oracle(*problem, tighten=5)
    o.matrix(3)
    assert o.reads[0].bound <= gmpy2.mpq(1, 2**8)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda o: o.matrix(-3), InvalidArgument, "n=-3 must be a non-negative integer"),
        (lambda o: o.matrix(2.0), InvalidType, "n=2.0 must be a non-negative integer"),
        (lambda o: o.matrix(True), InvalidType, "n=True must be a non-negative integer"),
        (lambda o: o.sample(2, 1), InvalidArgument, "k=2 is out of range"),
        (lambda o: o.sample(-1, 1), InvalidArgument, "k=-1 is out of range"),
        (lambda o: o.sample(0.0, 1), InvalidType, "k=0.0 must be an integer"),
    ],
)
def test_bad_queries(problem, call, error, message):
    o = Oracle(*problem)
    with pytest.raises(error, match=message):
        call(o)
    assert o.reads == ()


@pytest.mark.parametrize(
    "A, samples, error, message",
    [
        ([[1, 2], [3]], [], InvalidArgument, "ragged"),
        ([], [], InvalidArgument, "non-empty"),
        ([[]], [], InvalidArgument, "non-empty"),
        ([[1, 2]], [[1, 2]], InvalidArgument, r"samples\[0\] has length 2 but A has m=1"),
        ([[1, 0.5]], [], InexactInput, r"A\[0, 1\]=0.5 is a float"),
        ([[1, np.float64(0.5)]], [], InexactInput, "is a float"),
        ([[sympy.Float(0.5)]], [], InexactInput, "is a float"),
        ([[sympy.sqrt(2) * 0.5]], [], InexactInput, "is a float"),
        ([[1]], [[0.25]], InexactInput, r"samples\[0\]\[0\]=0.25 is a float"),
        ([[sympy.Symbol("x")]], [], InvalidArgument, "free symbols"),
        ([[sympy.I]], [], InvalidArgument, "not real"),
        ([["one"]], [], InvalidArgument, "not a rational string"),
        ([["1/0"]], [], InvalidArgument, "zero denominator"),
        ([[True]], [], InvalidType, "is a bool"),
        (5, [], InvalidType, "A has type int"),
        ([[1]], "y", InvalidType, "samples has type str"),
    ],
)
def test_bad_data(A, samples, error, message):
    with pytest.raises(error, match=message):
        Oracle(A, samples)


def test_budget_and_settings_validation(problem):
    with pytest.raises(InvalidArgument, match="max_level=-1"):
        Budget(max_level=-1)
    with pytest.raises(InvalidType, match="budget=5"):
        Oracle(*problem, budget=5)
    with pytest.raises(InvalidArgument, match="tighten=-2"):
        Oracle(*problem, tighten=-2)


def test_accepted_exact_formats():
    data = ExactData(
        [[1, Fraction(1, 3), gmpy2.mpq(2, 7), "5/9", "-4", sympy.sqrt(5)]], [["1/2"]]
    )
    assert list(data.A) == [1, sympy.Rational(1, 3), sympy.Rational(2, 7),
                            sympy.Rational(5, 9), -4, sympy.sqrt(5)]
    assert as_exact(np.int64(3)) == 3


def test_enclose_is_rigorous_and_narrow():
    import mpmath

    ctx = mpmath.MPContext()
    ctx.prec = 400
    for expr, value in [
        (sympy.sqrt(2) * 10**3 / 3, ctx.sqrt(2) * 1000 / 3),
        (sympy.cos(sympy.pi * 5 / 42), ctx.cos(ctx.pi * 5 / 42)),
        (sympy.exp(sympy.Rational(1, 3)) + sympy.log(7), ctx.exp(ctx.mpf(1) / 3) + ctx.log(7)),
        (sympy.Integer(2) ** sympy.Rational(3, 5), ctx.mpf(2) ** (ctx.mpf(3) / 5)),
        (sympy.pi ** sympy.sqrt(2), ctx.pi ** ctx.sqrt(2)),
        (1 / sympy.sqrt(3), 1 / ctx.sqrt(3)),
    ]:
        ball = enclose(expr, 200)
        mid = oracle.exact.arb_mid_mpq(ball)
        rad = oracle.exact.arb_rad_mpq(ball)
        assert rad <= gmpy2.mpq(1, 2**200)
        man, exp = ctx.mpf(value).man_exp
        approx = gmpy2.mpq(int(man)) * gmpy2.mpq(2) ** int(exp)
        assert abs(approx - mid) <= rad + gmpy2.mpq(1, 2**390)


def test_flint_precision_is_restored():
    from flint import ctx

    before = ctx.prec
    Oracle([[sympy.sqrt(2)]], []).matrix(500)
    assert ctx.prec == before


def test_unsupported_function_is_named():
    with pytest.raises(InvalidArgument, match="gamma"):
        Oracle([[sympy.gamma(sympy.Rational(1, 3))]], [])


def test_with_matrix_shares_samples_and_serves_like_a_fresh_build(problem):
    A, ys = problem
    base = ExactData(A, ys)
    base.balls(0, 80)  # warm the sample cache
    B = sympy.Matrix([[1, 2, sympy.sqrt(5)], [0, sympy.pi, 3]])
    shared = base.with_matrix(B)
    assert shared.samples is base.samples and shared.R == 2
    fresh = Oracle(B, ys)
    served = Oracle(shared)
    for n in (3, 40):
        assert list(served.matrix(n).flatten()) == list(fresh.matrix(n).flatten())
        assert list(served.sample(1, n)) == list(fresh.sample(1, n))
    with pytest.raises(InvalidArgument, match="shape"):
        base.with_matrix([[1, 2]])
