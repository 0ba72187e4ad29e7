"""ADMM reference solver (algorithms.solvers.admm): Gram decompositions, the data-ball
projection, and agreement with brute-force solvers (HiGHS LP, SLSQP) on tiny instances."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest
import scipy.optimize

from algorithms.arithmetic import Float64
from algorithms.errors import InvalidArgument
from algorithms.operators import DFT2, Dense, Subsample
from algorithms.proximal import ComplexGradient2D, FiniteDifferences2D, RealDomain
from algorithms.solvers.admm import (
    admm_analysis,
    dense_gram,
    neumann_gradient_gram,
    project_data_ball,
    subsampled_fourier_gram,
)

CTX = Float64()


def _dyadic(rng, m, n, den=64):
    """A float matrix with dyadic entries and the exact Dense operator of it."""
    ints = np.rint(rng.standard_normal((m, n)) * den / 4).astype(np.int64)
    exact = np.array([[gmpy2.mpq(int(v), den) for v in row] for row in ints], dtype=object)
    return ints / den, Dense(exact)


def _gram_err(op, gram, n, rng):
    x = rng.standard_normal(n)
    want = np.real(op.adjoint(CTX, op.apply(CTX, x)))
    return np.linalg.norm(gram.apply(x) - want) / np.linalg.norm(x)


def test_grams_represent_the_operators():
    # float64 transforms of size <= 144: errors ~1e-15 ||x|| ||M|| (||M|| <= 8); 1e-12 is a
    # bound with room, a wrong eigenvalue or transform gives O(1)
    rng = np.random.default_rng(1)
    shape = (12, 10)
    n = 120
    for op in (ComplexGradient2D(shape), FiniteDifferences2D(shape)):
        assert _gram_err(op, neumann_gradient_gram(shape), n, rng) < 1e-12
    idx = np.sort(rng.choice(n, 40, replace=False))
    A = RealDomain(Subsample(idx, n) @ DFT2(shape))
    assert _gram_err(A, subsampled_fourier_gram(shape, idx), n, rng) < 1e-12
    M, DM = _dyadic(rng, 7, 9)
    assert _gram_err(DM, dense_gram(M), 9, rng) < 1e-12
    # the wrong boundary (periodic eigenvalues) is detected
    wrong = neumann_gradient_gram((10, 12))
    assert _gram_err(ComplexGradient2D(shape), wrong, n, rng) > 1e-2


def test_projection_is_on_the_sphere_and_normal():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((6, 10))
    b = rng.standard_normal(6)
    g = dense_gram(M)
    c = 3 * rng.standard_normal(10)
    eps = 0.5
    q, lam = project_data_ball(c, g, g.forward(M.T @ b), float(b @ b), eps)
    r = M @ q - b
    assert lam > 0 and abs(np.linalg.norm(r) - eps) < 1e-10
    # KKT: c - q = lam M^T (M q - b)
    assert np.linalg.norm(c - q - lam * M.T @ r) < 1e-9 * np.linalg.norm(c)
    inside = M @ np.linalg.lstsq(M, b, rcond=None)[0]
    q2, lam2 = project_data_ball(np.linalg.lstsq(M, b, rcond=None)[0], g,
                                 g.forward(M.T @ b), float(b @ b), eps)
    assert lam2 == 0.0 and np.allclose(M @ q2, inside)
    with pytest.raises(InvalidArgument, match="eps"):
        M2 = np.vstack([M, M])
        b2 = np.concatenate([b, b + 1])  # inconsistent: min ||Aq - b|| = sqrt(6)/sqrt(2)
        g2 = dense_gram(M2)
        project_data_ball(c, g2, g2.forward(M2.T @ b2), float(b2 @ b2), 0.1)


def _tiny(noise: float):
    rng = np.random.default_rng(3)
    img = np.zeros((5, 5))
    img[1:4, 1:3] = 1.0
    img[2, 3] = 0.5
    M, DM = _dyadic(rng, 14, 25)
    b = M @ img.reshape(-1)
    e = rng.standard_normal(14)
    b = b + noise * e / np.linalg.norm(e) * np.linalg.norm(b)
    eps = noise * np.linalg.norm(b)
    return M, DM, b, eps


def _admm(M, DM, b, eps):
    B = FiniteDifferences2D((5, 5))
    return admm_analysis(DM, b, eps, B, gram_A=dense_gram(M),
                         gram_B=neumann_gradient_gram((5, 5)), tol=1e-12,
                         max_iterations=50000), B


def test_admm_matches_lp_without_noise():
    """eps = 0, anisotropic TV: min sum t, -t <= Dx <= t, Mx = b is an LP (HiGHS)."""
    M, DM, b, _ = _tiny(0.0)
    res, B = _admm(M, DM, b, 0.0)
    assert res.converged and res.kkt <= 1e-12
    D = np.array([B.apply(CTX, e) for e in np.eye(25)]).T
    m = D.shape[0]
    c = np.concatenate([np.zeros(25), np.ones(m)])
    A_ub = np.block([[D, -np.eye(m)], [-D, -np.eye(m)]])
    lp = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(2 * m),
                                A_eq=np.hstack([M, np.zeros((14, m))]), b_eq=b,
                                bounds=[(None, None)] * (25 + m), method="highs")
    assert lp.status == 0
    tv = np.sum(np.abs(D @ res.x))
    # HiGHS' default tolerances are 1e-7 (primal/dual feasibility); ADMM's KKT 1e-12
    assert abs(tv - lp.fun) <= 1e-6 * lp.fun
    assert np.linalg.norm(M @ res.q - b) <= 1e-10 * np.linalg.norm(b)


def test_admm_matches_slsqp_with_noise():
    """eps > 0: the smooth reformulation min sum t, -t <= Dx <= t, ||Mx - b||^2 <= eps^2 by
    SLSQP from ADMM-independent start 0; objective values agree to SLSQP's tolerance."""
    M, DM, b, eps = _tiny(0.05)
    res, B = _admm(M, DM, b, eps)
    assert res.converged
    D = np.array([B.apply(CTX, e) for e in np.eye(25)]).T
    m = D.shape[0]
    cons = [{"type": "ineq", "fun": lambda z: np.concatenate([z[25:] - D @ z[:25],
                                                               z[25:] + D @ z[:25]]),
             "jac": lambda z: np.block([[-D, np.eye(m)], [D, np.eye(m)]])},
            {"type": "ineq", "fun": lambda z: eps ** 2 - np.sum((M @ z[:25] - b) ** 2),
             "jac": lambda z: np.concatenate([-2 * M.T @ (M @ z[:25] - b), np.zeros(m)])}]
    z0 = np.concatenate([np.linalg.lstsq(M, b, rcond=None)[0], np.zeros(m)])
    z0[25:] = np.abs(D @ z0[:25]) + 1
    sq = scipy.optimize.minimize(lambda z: np.sum(z[25:]), z0,
                                 jac=lambda z: np.concatenate([np.zeros(25), np.ones(m)]),
                                 constraints=cons, method="SLSQP",
                                 options={"ftol": 1e-12, "maxiter": 2000})
    assert sq.success
    tv = np.sum(np.abs(D @ res.q))
    assert np.linalg.norm(M @ res.q - b) <= eps * (1 + 1e-10)
    assert abs(tv - sq.fun) <= 1e-6 * sq.fun
    assert np.linalg.norm(res.x - sq.x[:25]) <= 1e-3 * np.linalg.norm(res.x)


def test_bad_input_named():
    M, DM, b, eps = _tiny(0.0)
    B = FiniteDifferences2D((5, 5))
    with pytest.raises(InvalidArgument, match="eps"):
        admm_analysis(DM, b, -1.0, B, gram_A=dense_gram(M),
                      gram_B=neumann_gradient_gram((5, 5)))
    with pytest.raises(InvalidArgument, match="gram_B"):
        admm_analysis(DM, b, 0.1, B, gram_A=dense_gram(M),
                      gram_B=neumann_gradient_gram((5, 5), 1.0))
    with pytest.raises(InvalidArgument, match="shape"):
        neumann_gradient_gram((5,))
