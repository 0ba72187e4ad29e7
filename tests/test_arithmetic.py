"""Arithmetic contexts: one protocol, four number systems, checked against exact closed forms.

Exact results are compared with ``==``; MP and Float64 with tolerances derived from the
precision; Ball results must CONTAIN the exact value and be NARROW (radius from the precision).
"""

from __future__ import annotations

from fractions import Fraction

import flint
import gmpy2
import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from algorithms.arithmetic import MP, Ball, Exact, Float64, context, flint_prec
from algorithms.arithmetic.ball import arb_to_mpq
from algorithms.errors import (
    AlgorithmError,
    InexactInput,
    InexactOperation,
    InvalidArgument,
    InvalidType,
)
from algorithms.linalg import spectral_norm_bounds

Q = gmpy2.mpq
CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]
IDS = [c.name for c in CONTEXTS]


def tolerance(ctx, magnitude=1) -> Q:
    """Allowed error for a short computation of the given magnitude."""
    if ctx.kind == "exact":
        return Q(0)
    return Q(magnitude) * Q(1, 2 ** (ctx.prec - 8))


def assert_close(ctx, got, expected, magnitude=1) -> None:
    """``got`` (a vector or scalar of ``ctx``) equals the exact ``expected`` to precision.

    Balls must contain the exact values and have radius below the tolerance."""
    if isinstance(expected, (list, tuple, np.ndarray)):
        exp = [Q(v) for v in expected]
        mids = list(ctx.to_rationals(got))
        assert len(mids) == len(exp)
        if ctx.kind == "ball":
            assert ctx.contains(got, exp)
            assert ctx.radius(got) <= tolerance(ctx, magnitude)
        else:
            err = max((abs(a - b) for a, b in zip(mids, exp, strict=True)), default=Q(0))
            assert err <= tolerance(ctx, magnitude), (ctx.name, mids, exp)
    else:
        exp = Q(expected)
        if ctx.kind == "ball":
            with flint_prec(ctx.prec * 2):
                assert got.contains(flint.fmpq(int(exp.numerator), int(exp.denominator)))
            assert arb_to_mpq(got.rad()) <= tolerance(ctx, magnitude)
        else:
            assert abs(ctx.scalar_to_rational(got) - exp) <= tolerance(ctx, magnitude)


# ------------------------------------------------------------------------------ the factory
def test_factory_names_and_keys() -> None:
    assert context("exact").name == "exact" and context("exact").prec is None
    assert context("ball", 256).name == "ball-256"
    assert context("mp", 256).name == "mp-256"
    assert context("float64").name == "float64" and context("float64").prec == 53
    assert context("Ball", 64) == Ball(64) and hash(Ball(64)) == hash(Ball(64))
    assert Ball(64) != MP(64)
    assert repr(Ball(64)) == "Ball(64)" and repr(Exact()) == "Exact()"


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: Ball(1), InvalidArgument, "prec=1 must be an integer >= 2"),
        (lambda: MP(0), InvalidArgument, "prec=0 must be an integer >= 2"),
        (lambda: Ball(64.0), InvalidType, "prec=64.0"),
        (lambda: context("ball"), InvalidArgument, "prec=None"),
        (lambda: context("exact", 64), InvalidArgument, "prec=64"),
        (lambda: context("float64", 64), InvalidArgument, "prec=64"),
        (lambda: context("quad", 64), InvalidArgument, "kind='quad'"),
        (lambda: context(3), InvalidType, "kind=3"),
    ],
)
def test_factory_errors(call, exc, words) -> None:
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
    with pytest.raises(AlgorithmError):
        call()


# ------------------------------------------------------------------------------ input rules
@pytest.mark.parametrize("ctx", [Exact(), Ball(64), MP(64)], ids=["exact", "ball", "mp"])
def test_floats_are_refused_by_exact_constructors(ctx) -> None:
    with pytest.raises(InexactInput, match=r"values\[1\]=0.5 is a float"):
        ctx.vector([1, 0.5])
    with pytest.raises(InexactInput, match="float"):
        ctx.matrix(np.array([[1.0, 2.0]]))
    with pytest.raises(InexactInput, match="q=0.25 is a float"):
        ctx.scalar(0.25)
    with pytest.raises(InvalidType, match="bool"):
        ctx.vector([True])


def test_float64_accepts_floats_and_rounds_rationals_to_nearest() -> None:
    ctx = Float64()
    assert ctx.vector([0.5, 1]).tolist() == [0.5, 1.0]
    assert ctx.scalar(Q(1, 3)) == 1 / 3
    big = Q(2**60 + 1, 3)
    assert ctx.scalar(big) == (2**60 + 1) / 3  # correctly rounded true division


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_rational_spellings(ctx) -> None:
    v = ctx.vector([1, Fraction(1, 3), Q(-2, 7), "5/4", "0.1", "1e-3", np.int64(2)])
    assert_close(ctx, v, [1, Q(1, 3), Q(-2, 7), Q(5, 4), Q(1, 10), Q(1, 1000), 2])
    with pytest.raises(InvalidArgument, match="values has shape"):
        ctx.vector([[1, 2]])
    with pytest.raises(InvalidArgument, match="not a rational string"):
        ctx.vector(["one"])


# ------------------------------------------------------------------------------ closed forms
A_ROWS = [[1, 2, Q(-1, 3)], [0, Q(1, 2), 4]]
X = [Q(1, 2), -1, 3]
V = [2, Q(-1, 5)]


def exact_matvec(rows, x):
    return [sum((Q(a) * Q(b) for a, b in zip(r, x, strict=True)), Q(0)) for r in rows]


def exact_soft(x, t):
    ts = t if isinstance(t, list) else [t] * len(x)
    out = []
    for a, b in zip(x, ts, strict=True):
        a, b = Q(a), Q(b)
        out.append(a - b if a > b else a + b if a < -b else Q(0))
    return out


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_linear_algebra_closed_forms(ctx) -> None:
    A = ctx.matrix(A_ROWS)
    x, v = ctx.vector(X), ctx.vector(V)
    assert A.shape == (2, 3)
    assert_close(ctx, ctx.matvec(A, x), exact_matvec(A_ROWS, X), 16)
    AT = [list(col) for col in zip(*A_ROWS, strict=True)]
    assert_close(ctx, ctx.rmatvec(A, v), exact_matvec(AT, V), 16)
    assert_close(ctx, ctx.add(x, x), [2 * Q(a) for a in X], 8)
    assert_close(ctx, ctx.sub(x, x), [0, 0, 0])
    assert_close(ctx, ctx.scale(Q(2, 3), x), [Q(2, 3) * Q(a) for a in X], 8)
    assert_close(ctx, ctx.axpy(-2, x, x), [-Q(a) for a in X], 8)
    assert_close(ctx, ctx.neg(x), [-Q(a) for a in X], 8)
    assert_close(ctx, ctx.concat([x, v]), X + V, 8)
    assert_close(ctx, ctx.dot(x, x), Q(1, 4) + 1 + 9, 16)
    assert_close(ctx, ctx.norm2_squared(v), 4 + Q(1, 25), 16)
    assert_close(ctx, ctx.norm1(x), Q(9, 2), 16)
    assert_close(ctx, ctx.sum(x), Q(5, 2), 16)
    assert ctx.size(x) == 3 and len(ctx.entries(x)) == 3
    assert ctx.scalar_to_rational(ctx.item(x, 2)) == 3
    assert_close(ctx, ctx.zeros(2), [0, 0])


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_nonlinearities_closed_forms(ctx) -> None:
    x = ctx.vector([Q(3, 2), Q(-1, 4), Q(1, 2), -2])
    assert_close(ctx, ctx.soft_threshold(x, Q(1, 2)), exact_soft([Q(3, 2), Q(-1, 4), Q(1, 2),
                                                                   -2], Q(1, 2)), 8)
    tv = [Q(1), Q(1, 8), Q(1, 4), 3]
    assert_close(ctx, ctx.soft_threshold(x, ctx.vector(tv)),
                 exact_soft([Q(3, 2), Q(-1, 4), Q(1, 2), -2], tv), 8)
    assert_close(ctx, ctx.relu(x), [Q(3, 2), 0, Q(1, 2), 0], 8)
    assert_close(ctx, ctx.square(x), [Q(9, 4), Q(1, 16), Q(1, 4), 4], 8)
    # 3-4-5: every context (even Exact) can project and gate exactly
    w = ctx.vector([3, 4])
    assert_close(ctx, ctx.project_unit_ball(w), [Q(3, 5), Q(4, 5)], 8)
    assert_close(ctx, ctx.gate(w, 25), [Q(3, 5), Q(4, 5)], 8)
    assert_close(ctx, ctx.gate(w, Q(1, 2)), [3, 4], 8)           # t <= 1: untouched
    assert_close(ctx, ctx.project_unit_ball(ctx.vector([Q(1, 5), 0])), [Q(1, 5), 0], 8)
    assert_close(ctx, ctx.shrink(w, 1), [Q(12, 5), Q(16, 5)], 8)
    assert_close(ctx, ctx.shrink(w, 7), [0, 0], 8)
    assert_close(ctx, ctx.shrink(w, 0), [3, 4], 8)
    if ctx.kind != "exact":
        n2 = ctx.scalar_to_rational(ctx.norm2(ctx.vector([1, 1])))
        assert abs(n2 * n2 - 2) <= tolerance(ctx, 8)


def test_exact_refuses_irrational_results_and_keeps_rational_ones() -> None:
    ctx = Exact()
    assert ctx.norm2(ctx.vector([3, 4])) == 5
    assert ctx.norm2(ctx.vector([Q(3, 5), Q(4, 5)])) == 1
    with pytest.raises(InexactOperation, match=r"sqrt\(2\) is irrational"):
        ctx.norm2(ctx.vector([1, 1]))
    with pytest.raises(InexactOperation, match="gate: t=2 > 1"):
        ctx.gate(ctx.vector([1, 1]), 2)
    with pytest.raises(InexactOperation, match="shrink"):
        ctx.shrink(ctx.vector([1, 1]), Q(1, 2))
    assert ctx.radius(ctx.vector([1])) == 0


def test_ball_nonlinearities_on_wide_balls_contain_every_point() -> None:
    """Balls straddling a kink map to enclosures of every point they contain."""
    ctx = Ball(64)
    balls = ctx.vector_with_radius([Q(1, 2), Q(-1, 2), 0, 2], Q(1, 10))
    soft = ctx.soft_threshold(balls, Q(1, 2))
    relu = ctx.relu(ctx.vector_with_radius([Q(1, 20), Q(-1, 20)], Q(1, 10)))
    for frac in [Q(-1), Q(-1, 2), Q(0), Q(1, 3), Q(1)]:
        pts = [Q(1, 2), Q(-1, 2), 0, 2]
        shifted = [p + frac / 10 for p in pts]
        assert ctx.contains(soft, exact_soft(shifted, Q(1, 2)))
        r_pts = [Q(1, 20) + frac / 10, Q(-1, 20) + frac / 10]
        assert ctx.contains(relu, [max(p, 0) for p in r_pts])
    g = ctx.gate(ctx.vector([3, 4]), ctx.vector_with_radius([1], Q(1, 2))[0, 0])
    with flint_prec(200):
        for t in [flint.fmpq(1, 2), flint.fmpq(1), flint.fmpq(5, 4), flint.fmpq(3, 2)]:
            factor = flint.arb(t).max(flint.arb(1)).rsqrt()
            assert g[0, 0].contains(3 * factor) and g[1, 0].contains(4 * factor)


@given(st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=50), min_size=1,
                max_size=6),
       st.fractions(min_value=0, max_value=2, max_denominator=20))
def test_every_context_agrees_with_exact_on_random_data(vals, t) -> None:
    x_exact = Exact().vector(vals)
    expect_soft = list(Exact().soft_threshold(x_exact, t))
    expect_sq = Exact().dot(x_exact, x_exact)
    for ctx in CONTEXTS[1:]:
        x = ctx.vector(vals)
        assert_close(ctx, ctx.soft_threshold(x, Q(t.numerator, t.denominator)), expect_soft, 8)
        assert_close(ctx, ctx.dot(x, x), expect_sq, 128)


# ------------------------------------------------------------------------------ precision rules
def test_ball_never_leaves_flint_precision_changed() -> None:
    before = flint.ctx.prec
    ctx = Ball(300)
    A = ctx.matrix(A_ROWS)
    x = ctx.vector(X)
    ctx.matvec(A, x)
    ctx.project_unit_ball(ctx.vector([3, 4]))
    ctx.radius(x)
    assert flint.ctx.prec == before
    with pytest.raises(InvalidArgument, match="rmatvec"):
        ctx.rmatvec(A, x)
    assert flint.ctx.prec == before
    with pytest.raises(ZeroDivisionError), flint_prec(999):
        assert flint.ctx.prec == 999
        raise ZeroDivisionError
    assert flint.ctx.prec == before


def test_ball_precision_is_owned_by_the_context() -> None:
    """Two contexts with different precisions give different widths, whatever the global."""
    third = [Q(1, 3)]
    old = flint.ctx.prec
    try:
        flint.ctx.prec = 20  # a hostile global setting must not matter
        r64 = Ball(64).radius(Ball(64).vector(third))
        r256 = Ball(256).radius(Ball(256).vector(third))
    finally:
        flint.ctx.prec = old
    assert 0 < r256 < Q(1, 2**250) < Q(1, 2**70) < r64 < Q(1, 2**60)


def test_mp_uses_a_private_context() -> None:
    before = (mpmath.mp.prec, mpmath.mp.dps)
    lo, hi = MP(30), MP(300)
    third_lo = lo.to_rationals(lo.vector([Q(1, 3)]))[0]
    third_hi = hi.to_rationals(hi.vector([Q(1, 3)]))[0]
    assert abs(third_lo - Q(1, 3)) > Q(1, 2**40)
    assert abs(third_hi - Q(1, 3)) < Q(1, 2**300)
    hi.norm2(hi.vector([1, 1]))
    assert (mpmath.mp.prec, mpmath.mp.dps) == before
    assert lo.mpctx is not mpmath.mp and lo.mpctx is not hi.mpctx


# ------------------------------------------------------------------------------ misuse
@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_shape_and_type_errors_name_the_problem(ctx) -> None:
    A = ctx.matrix(A_ROWS)
    with pytest.raises(InvalidArgument, match=r"matvec \(A x\): A has shape \(2, 3\)"):
        ctx.matvec(A, ctx.vector([1, 2]))
    with pytest.raises(InvalidArgument, match="lengths 3 and 2"):
        ctx.add(ctx.vector(X), ctx.vector(V))
    with pytest.raises(InvalidArgument, match="build it with ctx.matrix"):
        ctx.matvec(A_ROWS, ctx.vector(X))
    other = Ball(32) if ctx.kind != "ball" else MP(32)
    with pytest.raises(InvalidArgument, match="was built by context"):
        ctx.matvec(other.matrix(A_ROWS), ctx.vector(X))
    assert ctx.matrix(other.matrix(A_ROWS)).shape == (2, 3)  # explicit conversion is fine


def test_to_rationals_and_radius() -> None:
    for ctx in CONTEXTS:
        r = ctx.to_rationals(ctx.vector([Q(1, 4), -3]))
        assert list(r) == [Q(1, 4), -3] and all(isinstance(v, type(Q(0))) for v in r)
    assert MP(64).radius(MP(64).vector([1])) is None
    assert Float64().radius(Float64().vector([1])) is None
    assert Ball(64).radius(Ball(64).vector([Q(1, 4)])) == 0
    wide = Ball(64).vector_with_radius([0, 0], Q(3, 4))
    assert Q(3, 4) * Q(14, 10) <= Ball(64).radius(wide) <= Q(3, 4) * Q(15, 10)


# ------------------------------------------------------------------------------ norm bounds
@pytest.mark.parametrize(
    ("rows", "norm"),
    [([[3, 0], [0, 4]], 4), ([[1, 1]], gmpy2.sqrt(gmpy2.mpfr(2, 200))), ([[1], [2], [2]], 3),
     ([[0, 0]], 0)],
)
def test_spectral_norm_bounds_enclose_the_norm_tightly(rows, norm) -> None:
    lo, hi = spectral_norm_bounds(rows)
    assert lo <= Q(norm) <= hi if norm == 0 else lo <= gmpy2.mpfr(norm, 200) <= hi
    assert hi - lo <= Q(1, 2**30) * (1 + hi)


# ------------------------------------------------------------------------------ layering
def test_algorithms_never_import_theorems_or_oracle() -> None:
    """Imports flow one way (DESIGN.md): algorithms sees problems only through an oracle
    object passed in, and never imports the harness or the oracle package."""
    import ast
    import pathlib

    import algorithms

    root = pathlib.Path(algorithms.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in ("theorems", "oracle"), f"{path.name} imports {name}"


def test_ball_contains_decides_in_exact_rationals():
    """A ball narrower than the 53-bit enclosure of 1/3 still contains 1/3 (it was refused
    when the rational was enclosed at the context's precision first) and not 1/3 + 2^-590."""
    import gmpy2
    from flint import arb, arb_mat

    from algorithms.arithmetic import Ball
    from algorithms.arithmetic.ball import flint_prec, mpq_to_arb

    with flint_prec(2000):
        mid = mpq_to_arb(gmpy2.mpq(1, 3)).mid()
        x = arb_mat(1, 1, [arb(mid, arb(2) ** -600)])
    ctx = Ball(53)
    assert ctx.contains(x, [gmpy2.mpq(1, 3)])
    assert not ctx.contains(x, [gmpy2.mpq(1, 3) + gmpy2.mpq(1, 2 ** 590)])
    assert ctx.contains(ctx.vector([gmpy2.mpq(1, 3), 2]), [gmpy2.mpq(1, 3), 2])
