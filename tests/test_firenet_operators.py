"""FIRENET on matrix-free operators and complex data: the operator path against the dense path
in every context, certified enclosures, complex cases that must agree with real ones."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InvalidArgument
from algorithms.operators import (
    DFT2,
    Dense,
    Subsample,
    WalshHadamard2,
    Wavelet2D,
    to_dense,
)
from algorithms.solvers.firenet import firenet_network, firenet_parameters, firenet_solve
from algorithms.solvers.firenet.parameters import operator_parameters

Q = gmpy2.mpq
G = GaussianRational


def dyadic(rng: np.random.Generator, shape: tuple, bits: int = 4) -> np.ndarray:
    vals = rng.integers(-(2**bits), 2**bits + 1, shape)
    out = np.empty(shape, dtype=object)
    for idx, v in np.ndenumerate(vals):
        out[idx] = Q(int(v), 2**bits)
    return out


def overlap(ctx: Ball, a, b) -> bool:
    return all(x.overlaps(y) for x, y in zip(a.entries(), b.entries(), strict=True))


def max_gap(ctx, a, b) -> float:
    ra, rb = ctx.to_rationals(a), ctx.to_rationals(b)
    return max(abs(complex(_c(u)) - complex(_c(v))) for u, v in zip(ra, rb, strict=True))


def _c(v) -> complex:
    if isinstance(v, GaussianRational):
        return complex(float(v.re), float(v.im))
    return complex(float(v))


ONE_ROW = dict(lam=1, tau=Q(1, 4), sigma=Q(1, 8), delta=0, eps0=1, p_inner=2, n_outer=2)


# ------------------------------------------------------------------ Dense operator == dense path
def test_exact_operator_iterates_equal_the_dense_ones() -> None:
    """A = [1 2], y = 3 (m = 1: the projection is exact): every restart is the same rational."""
    A, y = [[1, 2]], [3]
    got = firenet_solve(Dense(A), y, ctx=Exact(), **ONE_ROW)
    want = firenet_solve(A, y, ctx=Exact(), **ONE_ROW)
    assert list(got) == list(want)


@pytest.mark.parametrize("ctx", [Float64(), MP(160)], ids=["float64", "mp"])
def test_float_contexts_agree_to_rounding(ctx) -> None:
    rng = np.random.default_rng(0)
    A, y = dyadic(rng, (5, 8)), dyadic(rng, (5,))
    kw = dict(lam=Q(1, 4), n_outer=4, p_inner=5, delta=0, eps0=4)
    seen_a, seen_b = [], []
    a = firenet_solve(A, y, ctx=ctx, callback=lambda r: seen_a.append(r.psi), **kw)
    b = firenet_solve(Dense(A), y, ctx=ctx, callback=lambda r: seen_b.append(r.psi), **kw)
    tol = 1e-12 if ctx.kind == "float64" else 1e-40
    assert max_gap(ctx, a, b) < tol
    assert all(max_gap(ctx, u, v) < tol for u, v in zip(seen_a, seen_b, strict=True))


def test_ball_operator_enclosure_overlaps_the_dense_certified_one() -> None:
    rng = np.random.default_rng(1)
    A, y = dyadic(rng, (6, 9)), dyadic(rng, (6,))
    kw = dict(lam=Q(1, 8), n_outer=5, p_inner=6, delta=0, eps0=4)
    ctx = Ball(128)
    a = firenet_solve(A, y, ctx=ctx, **kw)
    b = firenet_solve(Dense(A), y, ctx=ctx, **kw)
    assert overlap(ctx, a, b)
    assert ctx.radius(b) < Q(1, 2**110)
    ref = firenet_solve(A, y, ctx=MP(300), **kw)  # far more accurate than either ball
    assert ctx.contains(b, MP(300).to_rationals(ref)) or max_gap(ctx, b, ref) < 2.0**-110


def test_certified_records_bound_the_midpoint_error() -> None:
    rng = np.random.default_rng(2)
    A, y = dyadic(rng, (4, 6)), dyadic(rng, (4,))
    recs = []
    kw = dict(lam=Q(1, 4), n_outer=4, p_inner=4, delta=0, eps0=4)
    out = firenet_solve(Dense(A), y, ctx=Ball(96), callback=recs.append, **kw)
    assert [r.restart for r in recs] == [1, 2, 3, 4]
    assert all(r.error_bound is not None and 0 < r.error_bound < Q(1, 2**80) for r in recs)
    assert [r.working_prec for r in recs] == sorted((r.working_prec for r in recs),
                                                     reverse=True)
    ref = MP(256).to_rationals(firenet_solve(A, y, ctx=MP(256), **kw))
    mids = Ball(96).to_rationals(out)
    err = max(abs(Q(u) - Q(v)) for u, v in zip(mids, ref, strict=True))
    assert err <= recs[-1].error_bound


# ------------------------------------------------------------------ imaging operators, small
def walsh_haar(n: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    omega = np.flatnonzero(rng.random(n * n) < 0.5)
    op = Subsample(omega, n * n) @ WalshHadamard2((n, n)) @ Wavelet2D((n, n), "haar")
    x = np.zeros(n * n, dtype=object)
    x[:] = Q(0)
    for i in rng.choice(n * n, 6, replace=False):
        x[i] = Q(int(rng.integers(1, 9)), 8)
    y = Exact().to_rationals(op.apply(Exact(), Exact().vector(list(x))))
    return op, x, y


@pytest.mark.parametrize("ctx", [Float64(), MP(128), Ball(128)], ids=["float64", "mp", "ball"])
def test_walsh_haar_operator_against_its_dense_matrix(ctx) -> None:
    """8x8 Walsh-Haar: every entry is a dyadic rational, so the dense matrix is exact."""
    op, _, y = walsh_haar(8, 3)
    M = to_dense(op, Exact())
    kw = dict(lam=Q(1, 64), n_outer=3, p_inner=4, delta=0, tau=Q(3, 4), sigma=Q(3, 4))
    L = firenet_parameters(M, eps0=1, **kw).L  # the dense certified bound (just above 1)
    assert 1 <= L < Q(101, 100)
    a = firenet_solve(op, y, ctx=ctx, L=L, **kw)
    b = firenet_solve(M, y, ctx=ctx, L=L, **kw)
    if ctx.kind == "ball":
        assert overlap(ctx, a, b)
        assert ctx.radius(a) < Q(1, 2**100)
    else:
        assert max_gap(ctx, a, b) < (1e-12 if ctx.kind == "float64" else 1e-30)


def test_fourier_operator_against_its_dense_complex_matrix() -> None:
    """4x4 Fourier-Haar: the DFT of order 4 has Gaussian-integer entries over 4, so the
    complex dense matrix is exact; both certified runs contain the same exact output."""
    n = 4
    op = Subsample(np.array([0, 1, 4, 5, 6, 9, 10, 15]), n * n) @ DFT2((n, n)) @ \
        Wavelet2D((n, n), "haar")
    M = to_dense(op, Exact())
    assert any(not v.is_real() for v in M.flat if isinstance(v, GaussianRational))
    x = [Q(0)] * (n * n)
    x[0], x[5] = Q(1), Q(-1, 2)
    y = Exact().to_rationals(op.apply(Exact(), Exact().vector(x, complex=True)))
    kw = dict(lam=Q(1, 32), n_outer=3, p_inner=3, delta=0, tau=Q(3, 4), sigma=Q(3, 4))
    ctx = Ball(128)
    L = Dense(M).norm_bound()  # the dense certified bound (>= 1): the same L for both runs
    a = firenet_solve(op, y, ctx=ctx, L=L, **kw)
    b = firenet_solve(M, y, ctx=ctx, **kw)  # complex matrix: the Dense operator path
    assert ctx.is_complex(a) and ctx.is_complex(b)
    assert overlap(ctx, a, b)
    assert ctx.radius(a) < Q(1, 2**110)
    f = firenet_solve(op, np.array([_c(v) for v in y]), ctx=Float64(), L=L, **kw)
    mids = ctx.to_rationals(a)
    assert max(abs(_c(u) - complex(v)) for u, v in zip(mids, f, strict=True)) < 1e-12


# ------------------------------------------------------------------ complex vs real
@pytest.mark.parametrize("ctx", [Exact(), Float64(), Ball(96)], ids=["exact", "float64", "ball"])
def test_complex_data_with_zero_imaginary_part_equals_the_real_run(ctx) -> None:
    A, y = [[1, 2]], [3]
    yc = [G(3, 0)]
    got = firenet_solve(A, yc, ctx=ctx, **ONE_ROW)
    want = firenet_solve(A, y, ctx=ctx, **ONE_ROW)
    assert ctx.is_complex(got)
    if ctx.kind == "ball":
        re = Ball(96).real_part(got)
        assert overlap(ctx, re, want) and ctx.contains(Ball(96).imag_part(got), [0, 0])
    elif ctx.kind == "exact":
        assert [v.re for v in got] == list(want) and all(v.im == 0 for v in got)
    else:
        assert max_gap(ctx, got, want) < 1e-15


@pytest.mark.parametrize("ctx", [Float64(), MP(128)], ids=["float64", "mp"])
def test_phase_equivariance_of_the_complex_iteration(ctx) -> None:
    """With ``D = diag(1, i, -1, -i, ...)``, FIRENET on ``(A D, y)`` returns ``D^-1`` times FIRENET
    on ``(A, y)``: the modulus soft-threshold commutes with unit phases, and the 2-norm, the
    projection and ``A^H`` all transform accordingly (a complex problem and its real 2x2
    embedding agree on everything but the soft-threshold, which is where this checks the
    modulus form)."""
    rng = np.random.default_rng(4)
    m, N = 4, 6
    A = np.empty((m, N), dtype=object)
    re, im = dyadic(rng, (m, N)), dyadic(rng, (m, N))
    for idx in np.ndindex(m, N):
        A[idx] = G(re[idx], im[idx])
    phases = [G(1, 0), G(0, 1), G(-1, 0), G(0, -1)]
    D = [phases[j % 4] for j in range(N)]
    AD = np.empty_like(A)
    for i, j in np.ndindex(m, N):
        AD[i, j] = A[i, j] * D[j]
    y = [G(a, b) for a, b in zip(dyadic(rng, (m,)), dyadic(rng, (m,)), strict=True)]
    kw = dict(lam=Q(1, 8), n_outer=3, p_inner=4, delta=0, eps0=4)
    base = ctx.to_rationals(firenet_solve(A, y, ctx=ctx, **kw))
    rot = ctx.to_rationals(firenet_solve(AD, y, ctx=ctx, **kw))
    for j in range(N):
        want = _c(base[j]) * complex(float(D[j].re), -float(D[j].im))
        assert abs(_c(rot[j]) - want) < (1e-12 if ctx.kind == "float64" else 1e-30)


# ------------------------------------------------------------------ errors, parameters
def test_operator_parameters_use_the_proven_bound_and_refuse_a_smaller_L() -> None:
    op, _, _ = walsh_haar(8, 5)
    P = operator_parameters(op, lam=1, n_outer=2, p_inner=2, delta=0, eps0=1,
                            tau=Q(1, 2), sigma=Q(1, 2))
    assert P.L == 1 and P.is_operator
    with pytest.raises(InvalidArgument, match="below the certified bound"):
        operator_parameters(op, lam=1, n_outer=2, p_inner=2, delta=0, eps0=1, L=Q(1, 2))
    with pytest.raises(InvalidArgument, match=r"tau\*sigma\*L\^2 = 1 must be < 1"):
        operator_parameters(op, lam=1, n_outer=2, p_inner=2, delta=0, eps0=1, tau=1, sigma=1)


def test_network_form_refuses_an_operator() -> None:
    op, _, _ = walsh_haar(8, 6)
    with pytest.raises(InvalidArgument, match="network form needs the matrix"):
        firenet_network(op, lam=1, n_outer=1, p_inner=1, delta=0, eps0=1)


def test_ball_run_refuses_float_data() -> None:
    op, _, y = walsh_haar(8, 7)
    with pytest.raises(InvalidArgument, match="float array"):
        firenet_solve(op, np.array([float(v) for v in y]), ctx=Ball(64), lam=1, n_outer=1,
                      p_inner=1, delta=0, eps0=4, tau=Q(1, 2), sigma=Q(1, 2))
