"""Complex vectors in every context, checked against closed forms and the real 2x2 embedding.

Exact results are compared with ``==``; MP and Float64 with tolerances derived from the
precision; Ball results must CONTAIN the exact value AND be narrow.  A complex matrix
``A = Ar + i Ai`` acts like the real matrix ``[[Ar, -Ai], [Ai, Ar]]`` on ``(Re x, Im x)``:
matvec, rmatvec (``A^H``), norms, the real part of the inner product, the ball projection and
``shrink`` must agree with that embedding.  Soft-thresholding by modulus does NOT act
componentwise on the embedding, so it is checked against its closed form instead.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import gmpy2
import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.arithmetic import MP, Ball, Exact, Float64, flint_prec
from algorithms.arithmetic.ball import arb_to_mpq
from algorithms.arithmetic.gaussian import IMAG_UNIT, GaussianRational, as_gaussian
from algorithms.errors import InexactInput, InexactOperation, InvalidArgument, InvalidType

Q = gmpy2.mpq
G = GaussianRational
CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]
IDS = [c.name for c in CONTEXTS]


def tolerance(ctx, magnitude=1) -> Q:
    if ctx.kind == "exact":
        return Q(0)
    return Q(magnitude) * Q(1, 2 ** (ctx.prec - 8))


def gauss(v) -> GaussianRational:
    return v if isinstance(v, GaussianRational) else G(v, 0)


def assert_close(ctx, got, expected, magnitude=1) -> None:
    """A vector/scalar of ``ctx`` equals the exact (Gaussian) rational ``expected``."""
    if isinstance(expected, (list, tuple, np.ndarray)):
        exp = [gauss(v) for v in expected]
        mids = [gauss(v) for v in ctx.to_rationals(got)]
        assert len(mids) == len(exp)
        if ctx.kind == "ball":
            assert ctx.contains(ctx.to_complex(got), exp)
            assert ctx.radius(got) <= tolerance(ctx, magnitude)
        else:
            err = max((abs(a.re - b.re) + abs(a.im - b.im) for a, b in zip(mids, exp,
                                                                          strict=True)),
                      default=Q(0))
            assert err <= tolerance(ctx, magnitude), (ctx.name, mids, exp)
        return
    exp = gauss(expected)
    if ctx.kind == "ball":
        z = got if isinstance(got, flint.acb) else flint.acb(got)
        with flint_prec(ctx.prec * 2):
            assert z.real.contains(flint.fmpq(int(exp.re.numerator), int(exp.re.denominator)))
            assert z.imag.contains(flint.fmpq(int(exp.im.numerator), int(exp.im.denominator)))
        assert arb_to_mpq(z.real.rad()) + arb_to_mpq(z.imag.rad()) <= tolerance(ctx, magnitude)
    else:
        got_q = gauss(ctx.scalar_to_rational(got))
        assert abs(got_q.re - exp.re) + abs(got_q.im - exp.im) <= tolerance(ctx, magnitude)


# ------------------------------------------------------------------------------ Gaussian rationals
def test_gaussian_rational_field_operations() -> None:
    z, w = G(1, Q(1, 2)), G(-3, 2)
    assert z + w == G(-2, Q(5, 2)) and z - w == G(4, Q(-3, 2))
    assert z * w == G(-4, Q(1, 2))
    assert (z * w) / w == z and z / 2 == G(Q(1, 2), Q(1, 4)) and 1 / IMAG_UNIT == G(0, -1)
    assert z * z.conjugate() == z.abs2() == Q(5, 4)
    assert Q(2) * z == z * 2 == G(2, 1) and 3 - z == G(2, Q(-1, 2))
    assert G(5, 0) == 5 and hash(G(5, 0)) == hash(Q(5)) and str(G(1, -2)) == "1-2i"
    with pytest.raises(ZeroDivisionError):
        z / G(0, 0)
    with pytest.raises(InexactInput, match="re=0.5 is a float"):
        G(0.5, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(sympy.Rational(1, 2) + sympy.I * sympy.Rational(3, 4), G(Q(1, 2), Q(3, 4))),
     (sympy.I, G(0, 1)), (Fraction(2, 3), G(Q(2, 3), 0)), ("1/7", G(Q(1, 7), 0)),
     (G(1, 1), G(1, 1))],
)
def test_as_gaussian_spellings(value, expected) -> None:
    assert as_gaussian(value) == expected


def test_as_gaussian_refusals() -> None:
    with pytest.raises(InexactInput, match="floating-point complex"):
        as_gaussian(1 + 2j, "z")
    with pytest.raises(InexactInput, match="floating-point complex"):
        as_gaussian(np.complex128(1j), "z")
    with pytest.raises(InvalidType, match="not a Gaussian rational"):
        as_gaussian(sympy.sqrt(2) * sympy.I, "z")
    with pytest.raises(InexactInput, match=r"Re\(values\[0\]\)=0.5\d* is a float"):
        Exact().vector([sympy.Float(0.5) + sympy.I])
    with pytest.raises(InexactInput, match=r"values\[0\]=0.25\d* is a float"):
        Exact().vector([sympy.Float(0.25)])


# ------------------------------------------------------------------------------ construction
@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_complex_detection_and_explicit_forms(ctx) -> None:
    z = ctx.vector([G(1, 2), 3, sympy.Rational(1, 2) - sympy.I])
    assert ctx.is_complex(z) and ctx.is_vector(z)
    assert_close(ctx, z, [G(1, 2), 3, G(Q(1, 2), -1)], 4)
    r = ctx.vector([1, 2])
    assert not ctx.is_complex(r)
    forced = ctx.vector([1, 2], complex=True)
    assert ctx.is_complex(forced)
    assert_close(ctx, forced, [1, 2])
    parts = ctx.complex_vector([1, Q(1, 3)], [Q(-1, 2), 0])
    assert_close(ctx, parts, [G(1, Q(-1, 2)), G(Q(1, 3), 0)], 4)
    with pytest.raises(InvalidArgument, match="lengths 2 and 1"):
        ctx.complex_vector([1, 2], [1])
    with pytest.raises((InvalidType, InvalidArgument)):
        ctx.vector([G(1, 1)], complex=False)
    assert ctx.matrix([[G(0, 1), 1]]).is_complex and not ctx.matrix([[1, 2]]).is_complex
    assert ctx.matrix([[1, 2]], complex=True).is_complex


@pytest.mark.parametrize("ctx", [Exact(), Ball(64), MP(64)], ids=["exact", "ball", "mp"])
def test_python_complex_is_refused_like_a_float(ctx) -> None:
    with pytest.raises(InexactInput, match="floating-point complex"):
        ctx.vector([1, 1j])
    with pytest.raises(InexactInput, match="floating-point complex"):
        ctx.vector(np.array([1 + 1j]))
    with pytest.raises(InexactInput, match="floating-point complex"):
        ctx.matrix([[1, 2j]])
    with pytest.raises(InexactInput, match="floating-point complex"):
        ctx.scalar(0.5j)


def test_float64_takes_python_complex_as_it_is() -> None:
    ctx = Float64()
    assert ctx.vector([1, 0.5j]).dtype == np.complex128
    assert ctx.vector(np.array([1 + 2j])).tolist() == [1 + 2j]
    assert ctx.matrix([[1, 2j]]).is_complex
    assert ctx.scalar(G(Q(1, 3), 1)) == complex(1 / 3, 1)


# ------------------------------------------------------------------------------ closed forms
A_ROWS = [[1, G(0, 1), 0], [G(1, 1), 2, G(0, -1)]]
X = [G(3, 4), 1, G(Q(1, 2), 1)]
V = [G(0, 2), Q(-1, 5)]


def c_matvec(rows, x):
    return [sum((gauss(a) * gauss(b) for a, b in zip(r, x, strict=True)), G(0, 0)) for r in rows]


def c_adjoint(rows):
    return [[gauss(rows[i][j]).conjugate() for i in range(len(rows))]
            for j in range(len(rows[0]))]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_complex_linear_algebra_closed_forms(ctx) -> None:
    A = ctx.matrix(A_ROWS)
    x, v = ctx.vector(X), ctx.vector(V)
    assert_close(ctx, ctx.matvec(A, x), c_matvec(A_ROWS, X), 16)
    assert_close(ctx, ctx.rmatvec(A, v), c_matvec(c_adjoint(A_ROWS), V), 16)
    # a real matrix on a complex vector and a complex matrix on a real vector
    R = [[1, 2, Q(-1, 3)], [0, Q(1, 2), 4]]
    assert_close(ctx, ctx.matvec(ctx.matrix(R), x), c_matvec(R, X), 16)
    assert_close(ctx, ctx.rmatvec(A, ctx.vector([1, 2])), c_matvec(c_adjoint(A_ROWS), [1, 2]), 16)
    # <x, y> = sum conj(x_i) y_i, conjugate-linear in the FIRST argument
    dot_xx = sum((gauss(a).abs2() for a in X), Q(0))
    y = [G(1, -1), 2, G(0, 3)]
    expect = sum((gauss(a).conjugate() * gauss(b) for a, b in zip(X, y, strict=True)), G(0, 0))
    assert_close(ctx, ctx.dot(x, ctx.vector(y)), expect, 32)
    assert_close(ctx, ctx.dot(ctx.vector(y), x), expect.conjugate(), 32)
    assert_close(ctx, ctx.dot(x, x), dot_xx, 32)
    assert_close(ctx, ctx.norm2_squared(x), dot_xx, 32)
    assert_close(ctx, ctx.scale(G(0, 1), x), [G(0, 1) * gauss(a) for a in X], 8)
    assert_close(ctx, ctx.axpy(G(1, 1), x, x), [G(2, 1) * gauss(a) for a in X], 16)
    assert_close(ctx, ctx.add(x, ctx.vector([1, 1, 1])), [gauss(a) + 1 for a in X], 8)
    assert_close(ctx, ctx.sub(ctx.vector([1, 1, 1]), x), [1 - gauss(a) for a in X], 8)
    assert_close(ctx, ctx.sum(x), G(Q(9, 2), 5), 16)
    assert_close(ctx, ctx.concat([ctx.vector([7]), x]), [7] + X, 8)
    assert ctx.is_complex(ctx.concat([ctx.vector([7]), x]))
    assert_close(ctx, ctx.conj(x), [gauss(a).conjugate() for a in X], 8)
    assert_close(ctx, ctx.real_part(x), [gauss(a).re for a in X], 8)
    assert_close(ctx, ctx.imag_part(x), [gauss(a).im for a in X], 8)
    assert_close(ctx, ctx.abs2(x), [gauss(a).abs2() for a in X], 16)
    assert not ctx.is_complex(ctx.abs2(x)) and not ctx.is_complex(ctx.real_part(x))
    idx = np.array([2, 0])
    assert_close(ctx, ctx.take(x, idx), [X[2], X[0]], 8)
    assert_close(ctx, ctx.embed(ctx.take(x, idx), idx, 4), [X[0], 0, X[2], 0], 8)
    assert ctx.scalar_to_rational(ctx.item(x, 0)) == G(3, 4)


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_rational_moduli_closed_forms(ctx) -> None:
    """3-4-5 and 5-12-13 moduli: every context, even Exact, gives these exactly."""
    x = ctx.vector([G(3, 4), G(0, 5), G(-5, 12)])
    assert_close(ctx, ctx.norm1(x), 23, 32)
    assert_close(ctx, ctx.norm2(ctx.vector([G(3, 4)])), 5, 16)
    assert_close(ctx, ctx.soft_threshold(x, 1),
                 [G(3, 4) * Q(4, 5), G(0, 4), G(-5, 12) * Q(12, 13)], 16)
    assert_close(ctx, ctx.soft_threshold(x, 5), [0, 0, G(-5, 12) * Q(8, 13)], 16)
    assert_close(ctx, ctx.soft_threshold(x, 0), [G(3, 4), G(0, 5), G(-5, 12)], 16)
    t = ctx.vector([5, Q(1, 2), 13])
    assert_close(ctx, ctx.soft_threshold(x, t), [0, G(0, Q(9, 2)), 0], 16)
    assert_close(ctx, ctx.project_unit_ball(ctx.vector([G(3, 4)])), [G(Q(3, 5), Q(4, 5))], 8)
    assert_close(ctx, ctx.project_unit_ball(ctx.vector([G(0, Q(1, 2))])), [G(0, Q(1, 2))], 8)
    assert_close(ctx, ctx.shrink(ctx.vector([G(3, 4)]), 1), [G(Q(12, 5), Q(16, 5))], 8)
    assert_close(ctx, ctx.shrink(ctx.vector([G(3, 4)]), 6), [0], 8)
    assert_close(ctx, ctx.gate(ctx.vector([G(3, 4)]), 25), [G(Q(3, 5), Q(4, 5))], 8)


def test_exact_refuses_irrational_moduli_and_names_the_entry() -> None:
    ctx = Exact()
    x = ctx.vector([G(3, 4), G(1, 1)])
    with pytest.raises(InexactOperation, match=r"soft_threshold: \|x\[1\]\| = sqrt\(2\)"):
        ctx.soft_threshold(x, Q(1, 2))
    with pytest.raises(InexactOperation, match="norm1"):
        ctx.norm1(x)
    with pytest.raises(InexactOperation, match=r"sqrt\(27\) is irrational"):
        ctx.norm2(x)
    assert ctx.norm2_squared(x) == 27
    # |1 + i|^2 = 2 <= t^2: the zero branch is decided exactly, no square root needed
    assert list(ctx.soft_threshold(ctx.vector([G(1, 1)]), 2)) == [G(0, 0)]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_complex_vectors_refuse_real_only_operations(ctx) -> None:
    x = ctx.vector([G(1, 1)])
    with pytest.raises(InvalidArgument, match="relu: x is a complex vector"):
        ctx.relu(x)
    with pytest.raises(InvalidArgument, match="square: x is a complex vector"):
        ctx.square(x)


@pytest.mark.parametrize("ctx", [Ball(128), MP(128), Float64()], ids=IDS[1:])
def test_irrational_soft_threshold_against_a_high_precision_closed_form(ctx) -> None:
    """``(1 + 2i)(1 - t/sqrt(5))`` at t = 1/3, enclosed at 400 bits."""
    got = ctx.soft_threshold(ctx.vector([G(1, 2), G(-1, 1)]), Q(1, 3))
    with flint_prec(400):
        f1 = 1 - flint.arb(1) / 3 / flint.arb(5).sqrt()
        f2 = 1 - flint.arb(1) / 3 / flint.arb(2).sqrt()
        exact = [(f1, 2 * f1), (-f2, f2)]
        mids = [gauss(v) for v in ctx.to_rationals(got)]
        for (re, im), m in zip(exact, mids, strict=True):
            for part, q in ((re, m.re), (im, m.im)):
                err = abs(part - flint.fmpq(int(q.numerator), int(q.denominator)))
                assert err.upper() < 2.0 ** -(ctx.prec - 4)
    if ctx.kind == "ball":
        with flint_prec(400):
            for z, (re, im) in zip(got.entries(), exact, strict=True):
                assert z.real.contains(re) and z.imag.contains(im)
        assert ctx.radius(got) < Q(1, 2 ** (ctx.prec - 6))


def test_ball_complex_soft_threshold_encloses_every_point_of_a_wide_rectangle() -> None:
    """Rectangles around 3+4i (outside the threshold) and around 0.3i (straddling it) map to
    enclosures of the image of every sampled point, with width ~ the input's radius."""
    ctx = Ball(128)
    t = Q(1, 2)
    centres = [G(3, 4), G(0, Q(3, 10)), G(Q(1, 2), 0)]
    r = Q(1, 10)
    with flint_prec(128):
        rad = flint.arb(0, flint.fmpq(1, 10))
        x = flint.acb_mat(3, 1, [flint.acb(flint.arb(flint.fmpq(int(c.re.numerator),
                                                               int(c.re.denominator))) + rad,
                                           flint.arb(flint.fmpq(int(c.im.numerator),
                                                               int(c.im.denominator))) + rad)
                                 for c in centres])
    out = ctx.soft_threshold(x, t)
    grid = [Q(k, 10) * r for k in range(-10, 11, 5)]
    for i, c in enumerate(centres):
        for dr in grid:
            for di in grid:
                z = G(c.re + dr, c.im + di)
                with flint_prec(300):
                    zz = flint.acb(flint.fmpq(int(z.re.numerator), int(z.re.denominator)),
                                   flint.fmpq(int(z.im.numerator), int(z.im.denominator)))
                    a = abs(zz)
                    s = zz * (1 - flint.arb(flint.fmpq(1, 2)) / a) if a > flint.fmpq(1, 2) \
                        else flint.acb(0)
                    assert out[i, 0].real.contains(s.real) and out[i, 0].imag.contains(s.imag)
    # width: the Lipschitz widening adds sqrt(2) r per part, nothing more
    for z in out.entries():
        assert arb_to_mpq(z.real.rad()) <= Q(15, 10) * r


# ------------------------------------------------------------------------------ real embedding
def embed_matrix(rows):
    m, n = len(rows), len(rows[0])
    out = [[Q(0)] * (2 * n) for _ in range(2 * m)]
    for i in range(m):
        for j in range(n):
            z = gauss(rows[i][j])
            out[i][j], out[i][n + j] = z.re, -z.im
            out[m + i][j], out[m + i][n + j] = z.im, z.re
    return out


def embed_vector(x):
    return [gauss(v).re for v in x] + [gauss(v).im for v in x]


gauss_st = st.builds(lambda a, b: G(Q(a.numerator, a.denominator), Q(b.numerator, b.denominator)),
                     st.fractions(min_value=-3, max_value=3, max_denominator=8),
                     st.fractions(min_value=-3, max_value=3, max_denominator=8))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_complex_problem_agrees_with_its_real_embedding(m, n, data) -> None:
    rows = [[data.draw(gauss_st) for _ in range(n)] for _ in range(m)]
    x = [data.draw(gauss_st) for _ in range(n)]
    y = [data.draw(gauss_st) for _ in range(n)]
    v = [data.draw(gauss_st) for _ in range(m)]
    ex = Exact()
    E = ex.matrix(embed_matrix(rows))
    ref_ax = ex.matvec(E, ex.vector(embed_vector(x)))
    ref_ahv = ex.rmatvec(E, ex.vector(embed_vector(v)))
    ref_dot = ex.dot(ex.vector(embed_vector(x)), ex.vector(embed_vector(y)))
    for ctx in CONTEXTS:
        A = ctx.matrix(rows, complex=True)
        cx, cy, cv = (ctx.vector(w, complex=True) for w in (x, y, v))

        def pairs(z, ctx=ctx):
            return ctx.concat([ctx.real_part(z), ctx.imag_part(z)])

        assert_close(ctx, pairs(ctx.matvec(A, cx)), ref_ax, 64)
        assert_close(ctx, pairs(ctx.rmatvec(A, cv)), ref_ahv, 64)
        assert_close(ctx, ctx.norm2_squared(cx), ex.norm2_squared(ex.vector(embed_vector(x))),
                     64)
        dot = ctx.dot(cx, cy)
        assert_close(ctx, dot, ex.dot(ex.vector(x, complex=True), ex.vector(y, complex=True)), 64)
        assert gauss(ex.dot(ex.vector(x, complex=True), ex.vector(y, complex=True))).re == ref_dot
        if ctx.kind != "exact":  # both need a square root; Exact refuses most of them
            rx = ctx.vector(embed_vector(x))
            for got, ref in ((ctx.project_unit_ball(cx), ctx.project_unit_ball(rx)),
                             (ctx.shrink(cx, Q(1, 2)), ctx.shrink(rx, Q(1, 2)))):
                assert_close(ctx, pairs(got), ctx.to_rationals(ref) if ctx.kind != "ball"
                             else ctx.to_rationals(ref), 64)


def test_real_behaviour_is_unchanged_by_the_complex_paths() -> None:
    """Real vectors keep their types and exact values (the complex code paths are separate)."""
    assert Exact().dot(Exact().vector([1, 2]), Exact().vector([3, 4])) == 11
    assert isinstance(Exact().dot(Exact().vector([1, 2]), Exact().vector([3, 4])),
                      type(Q(0)))
    assert isinstance(Ball(64).vector([1]), flint.arb_mat)
    assert Float64().vector([1, 2]).dtype == np.float64
    mp = MP(64)
    assert isinstance(mp.dot(mp.vector([1]), mp.vector([2])), mp.mpctx.mpf)


def test_precision_scopes_survive_complex_operations() -> None:
    before_flint, before_mp = flint.ctx.prec, (mpmath.mp.prec, mpmath.mp.dps)
    for ctx in (Ball(300), MP(300)):
        x = ctx.vector([G(1, 1), G(2, -1)])
        ctx.soft_threshold(x, Q(1, 3))
        ctx.norm2(x)
        ctx.matvec(ctx.matrix([[G(0, 1), 1]]), x)
    assert flint.ctx.prec == before_flint and (mpmath.mp.prec, mpmath.mp.dps) == before_mp


def test_ball_radius_of_complex_vectors() -> None:
    ctx = Ball(64)
    assert ctx.radius(ctx.vector([G(1, 3)])) == 0
    third = ctx.vector([G(Q(1, 3), Q(1, 3))])
    assert 0 < ctx.radius(third) < Q(1, 2**60)
    assert ctx.radii(third)[0] <= ctx.radius(third) * Q(11, 10)
