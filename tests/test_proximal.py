"""Regularisers and analysis operators: proxes against closed forms and the optimality
inequality, adjoints in every context, norm bounds against power iterations."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import InexactOperation, InvalidArgument
from algorithms.operators import DFT2, Subsample, Wavelet2D
from algorithms.operators.base import check_adjoint, power_norm_estimate
from algorithms.proximal import (
    AnalysisL1,
    ComplexGradient2D,
    FiniteDifferences2D,
    NuclearNorm,
    OrthonormalL1,
    RealDomain,
    Scaled,
    Stack,
    WeightedL1,
    check_prox,
    clip,
)

CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]


def test_weighted_l1_exact_closed_form():
    J = WeightedL1([1, 2, "1/2"])
    ctx = Exact()
    p = J.prox(ctx, ctx.vector([3, -1, "1/8"]), gmpy2.mpq(1, 2))
    assert list(p) == [gmpy2.mpq(5, 2), 0, 0]
    assert J.value(ctx, ctx.vector([1, -1, 2])) == 4


def test_weighted_l1_complex_and_optimality():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(12) + 1j * rng.standard_normal(12)
    assert check_prox(WeightedL1(), x, 0.7) <= 1e-9
    assert check_prox(WeightedL1(list(range(1, 13))), x.real, 0.3) <= 1e-9


def test_weights_refuse_non_positive():
    with pytest.raises(InvalidArgument, match="weights contain 0"):
        WeightedL1([1, 0])


def test_reweighting_keeps_weights_in_range():
    J = WeightedL1().reweighted(Float64(), np.array([1.0, 0.0, -0.5]), "1/10")
    w = [float(v) for v in J.weights]
    assert max(w) == 1 and min(w) > 0 and w[1] == 1


def test_nuclear_norm_svt_float64_and_mp():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 4))
    J = NuclearNorm(5, 4)
    assert check_prox(J, X.reshape(-1), 0.8) <= 1e-9
    s = np.linalg.svd(X, compute_uv=False)
    assert abs(J.value(Float64(), X.reshape(-1)) - s.sum()) < 1e-12
    mp = MP(80)
    xq = [gmpy2.mpq(float(v)) for v in X.reshape(-1)]
    pm = J.prox(mp, mp.vector(xq), gmpy2.mpq(4, 5))
    pf = J.prox(Float64(), X.reshape(-1), 0.8)
    assert np.max(np.abs(np.array([float(v) for v in pm]) - pf)) < 1e-12


@pytest.mark.parametrize("ctx", [Exact(), Ball(64)])
def test_nuclear_norm_refuses_uncertified_contexts(ctx):
    with pytest.raises(InexactOperation, match="NuclearNorm.prox"):
        NuclearNorm(2, 2).prox(ctx, ctx.vector([1, 0, 0, 1]), 1)


@pytest.mark.parametrize("ctx", CONTEXTS, ids=lambda c: c.name)
def test_finite_differences_adjoint(ctx):
    assert check_adjoint(FiniteDifferences2D((4, 3)), ctx, 0).ok


def _real_adjoint_gap(op, rng):
    ctx = Float64()
    x = rng.standard_normal(op.shape[1])
    v = rng.standard_normal(op.shape[0]) + 1j * rng.standard_normal(op.shape[0])
    return abs(np.real(np.vdot(op.apply(ctx, x), v)) - np.dot(x, op.adjoint(ctx, v)))


def test_complex_gradient_and_real_domain_adjoints_in_real_inner_product():
    rng = np.random.default_rng(2)
    for op in (ComplexGradient2D((5, 4)), RealDomain(Subsample(np.arange(0, 64, 3), 64)
                                                     @ DFT2((8, 8)))):
        assert _real_adjoint_gap(op, rng) < 1e-12


def test_isotropic_tv_is_sum_of_pixel_moduli_in_every_context():
    X = np.array([[0, 1, 3], [2, 2, 0]], dtype=object)
    vals = [gmpy2.mpq(int(v)) for v in X.reshape(-1)]
    expect = sum(np.hypot(np.diff(np.vstack([X, X[-1:]]).astype(float), axis=0),
                          np.diff(np.hstack([X, X[:, -1:]]).astype(float), axis=1)).reshape(-1))
    B = AnalysisL1(ComplexGradient2D((2, 3)))
    for ctx in (Ball(128), MP(128), Float64()):
        got = float(gmpy2.mpq(ctx.scalar_to_rational(B.value(ctx, ctx.vector(vals)))))
        assert abs(got - expect) < 1e-12


def _real_power(op, iterations=300):
    ctx = Float64()
    u = np.random.default_rng(0).standard_normal(op.shape[1])
    for _ in range(iterations):
        u = op.adjoint(ctx, op.apply(ctx, u))
        u = u / np.linalg.norm(u)
    return float(np.linalg.norm(op.apply(ctx, u)))


def test_norm_bounds_hold():
    assert power_norm_estimate(FiniteDifferences2D((16, 16)), 300) <= 2.829
    for op in (ComplexGradient2D((16, 16)),
               Stack([ComplexGradient2D((8, 8)), Scaled("1/2", Wavelet2D((8, 8), "db2").H)])):
        assert _real_power(op) <= float(op.norm_bound())


def test_clip_is_projection():
    ctx = Float64()
    z = np.array([2.0, -0.5, -3.0, 3 + 4j])
    assert np.allclose(clip(ctx, z), [1.0, -0.5, -1.0, 0.6 + 0.8j])
    e = Exact()
    assert list(clip(e, e.vector([2, "-1/2", -3]))) == [1, gmpy2.mpq(-1, 2), -1]


def test_orthonormal_wavelet_l1_prox():
    W = Wavelet2D((8, 8), "haar")
    x = np.random.default_rng(3).standard_normal(64)
    assert check_prox(OrthonormalL1(W), x, 0.4) <= 1e-9
