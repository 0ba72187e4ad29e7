"""Review of operators, regularisers, WARPd and ADMM: properties on random small sizes and the
inputs that used to fail (each test below the properties failed before its fix).

Tolerances.  Float64 power iterations: ``||A u||`` is computed with relative error at most
``n 2^-52`` (``n <= 64`` here), so ``1e-10`` relative is a bound with room.  Nuclear-norm
optimality in float64: LAPACK's SVD is backward stable, errors ``~ 1e-15 ||X||`` for these
sizes; ``1e-9 (1 + ||X||)`` has room.
"""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.operators import (
    DFT2,
    Dense,
    Subsample,
    WalshHadamard2,
    Wavelet2D,
    check_adjoint,
    power_norm_estimate,
)
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
    Zero,
)
from algorithms.solvers.admm import (
    admm_analysis,
    dense_gram,
    neumann_gradient_gram,
    project_data_ball,
    subsampled_fourier_gram,
)
from algorithms.solvers.unrolled import UnrolledWARPd
from algorithms.solvers.warpd import (
    RestartPlan,
    primal_dual,
    run_plans,
    warpd,
    warpd_network,
    warpd_sr,
)
from algorithms.solvers.warpd.engine import _problem

Q = gmpy2.mpq
G = GaussianRational
CONTEXTS = [Exact(), Ball(96), Float64()]
F64 = Float64()


# ------------------------------------------------------------------ operator strategies
small = st.integers(1, 4)
pow2 = st.sampled_from([1, 2, 4])
rat = st.integers(-9, 9).map(lambda k: Q(k, 4))


@st.composite
def dense_ops(draw) -> Dense:
    m, n = draw(small), draw(small)
    if draw(st.booleans()):
        rows = [[G(draw(rat), draw(rat)) for _ in range(n)] for _ in range(m)]
    else:
        rows = [[draw(rat) for _ in range(n)] for _ in range(m)]
    return Dense(rows)


@st.composite
def image_ops(draw):
    n1, n2 = draw(small), draw(small)
    kind = draw(st.sampled_from(["dft", "walsh", "haar", "fd", "cgrad", "realdft", "stack",
                                 "sub", "scaled", "mixstack"]))
    if kind == "dft":
        return DFT2((n1, n2))
    if kind == "walsh":
        return WalshHadamard2((draw(pow2), draw(pow2)))
    if kind == "haar":
        a, b = draw(pow2), draw(pow2)
        return Wavelet2D((a, b), "haar", draw(st.integers(0, min(a, b).bit_length() - 1)))
    if kind == "fd":
        return FiniteDifferences2D((n1, n2))
    if kind == "cgrad":
        return ComplexGradient2D((n1, n2))
    if kind == "realdft":
        keep = draw(st.lists(st.booleans(), min_size=n1 * n2, max_size=n1 * n2))
        return RealDomain(Subsample(np.array(keep, dtype=bool)) @ DFT2((n1, n2)))
    if kind == "stack":
        return Stack([ComplexGradient2D((n1, n2)), Scaled("1/2", FiniteDifferences2D((n1, n2)))])
    if kind == "sub":
        keep = draw(st.lists(st.booleans(), min_size=n1 * n2, max_size=n1 * n2))
        return Subsample(np.array(keep, dtype=bool))
    if kind == "mixstack":  # a real block on top of a complex one, complex data
        keep = draw(st.lists(st.booleans(), min_size=n1 * n2, max_size=n1 * n2))
        return Stack([Subsample(np.array(keep, dtype=bool)), DFT2((n1, n2))])
    return Scaled(3, DFT2((n1, n2)).H)


def _supported(op, ctx) -> bool:
    """Exact runs only where the matrix is rational (documented refusals otherwise)."""
    try:
        op.apply(ctx, ctx.zeros(op.shape[1]))
    except InexactOperation:
        return False
    return True


@given(op=st.one_of(dense_ops(), image_ops()), seed=st.integers(0, 2**16),
       ctx=st.sampled_from(CONTEXTS))
def test_adjoint_identity_on_random_small_operators(op, seed, ctx) -> None:
    """<A x, y> = <x, A^H y> (real inner product for real-domain operators): equality in Exact,
    overlap in Ball, a precision-derived tolerance in Float64.  RealDomain, ComplexGradient2D and
    stacks of them made check_adjoint raise before (it fed them complex x)."""
    if not _supported(op, ctx):
        with pytest.raises(InexactOperation):
            check_adjoint(op, ctx, seed)
        return
    res = check_adjoint(op, ctx, seed)
    assert res.ok, res
    if ctx.kind == "exact":
        assert res.gap == 0


@given(op=st.one_of(dense_ops(), image_ops()), seed=st.integers(0, 2**16))
def test_norm_bound_is_above_the_power_estimate(op, seed) -> None:
    """norm_bound() >= ||A u|| for unit u (power iteration; it raised on real-domain
    operators before)."""
    est = power_norm_estimate(op, 60, seed)
    assert est <= float(op.norm_bound()) * (1 + 1e-10)


def test_check_adjoint_on_real_domain_detects_a_wrong_adjoint() -> None:
    class Broken(RealDomain):
        def adjoint(self, ctx, v):
            return ctx.scale(2, super().adjoint(ctx, v))

    op = Broken(DFT2((2, 2)))
    for ctx in CONTEXTS:
        assert check_adjoint(RealDomain(DFT2((2, 2))), ctx, 5).ok
        assert not check_adjoint(op, ctx, 5).ok
    with pytest.raises(InvalidArgument, match="complex_data=True"):
        check_adjoint(op, F64, 5, complex_data=True)


@pytest.mark.parametrize("ctx", [Exact(), Ball(96), MP(96), Float64()], ids=lambda c: c.name)
def test_stack_of_a_real_and_a_complex_block_is_adjoint_in_the_complex_product(ctx) -> None:
    """Stack.adjoint took the real part of every real block's dual, which is right only in
    the real inner product: [P; F] with complex data failed <A x, y> = <x, A^H y> (gap
    11/16 on this instance).  Real-domain stacks keep the real inner product and return a
    real adjoint."""
    op = Stack([Subsample([0], 4), DFT2((2, 2))])
    assert not op.real_domain
    res = check_adjoint(op, ctx, 1)
    assert res.ok, res
    tv = Stack([ComplexGradient2D((2, 2)), DFT2((2, 2))])
    assert tv.real_domain and check_adjoint(tv, ctx, 1).ok
    assert not ctx.is_complex(tv.adjoint(ctx, ctx.complex_vector([1] * 8, [1] * 8)))


def test_orthonormal_l1_refuses_a_non_real_prox_of_a_real_vector() -> None:
    """OrthonormalL1(DFT2, asymmetric weights) on a real x returned Re(W soft(W^H x)), which
    is not the prox over real vectors: the symmetrised weights (the same J on real vectors)
    give a strictly smaller objective.  Now refused; symmetric weights still work."""
    x = np.random.default_rng(1).standard_normal(16)
    t = 0.05
    w = np.arange(1, 17).reshape(4, 4)
    w_sym = (w + np.roll(w[::-1, ::-1], (1, 1), axis=(0, 1))).reshape(-1)  # w(k) + w(-k)
    J = OrthonormalL1(DFT2((4, 4)), weights=[int(v) for v in w.reshape(-1)])
    J_sym = OrthonormalL1(DFT2((4, 4)), weights=[Q(int(v), 2) for v in w_sym])

    def objective(z):
        return t * float(np.real(J.value(F64, z))) + 0.5 * float(np.sum((z - x) ** 2))

    p_sym = J_sym.prox(F64, x, t)
    assert p_sym.dtype == np.float64
    p_wrong = np.real(DFT2((4, 4)).apply(F64, WeightedL1([int(v) for v in w.reshape(-1)]).prox(
        F64, DFT2((4, 4)).adjoint(F64, x), t)))
    assert objective(p_sym) < objective(p_wrong) - 1e-3  # what the old code returned
    for ctx in (Ball(96), MP(96), F64):
        xv = ctx.vector([Q(float(v)) for v in x])
        with pytest.raises(InvalidArgument, match="not the prox over real vectors"):
            J.prox(ctx, xv, Q(1, 20))
        assert not ctx.is_complex(J_sym.prox(ctx, xv, Q(1, 20)))


def test_checkers_refuse_non_operators() -> None:
    with pytest.raises(InvalidType, match="op has type int"):
        check_adjoint(3, F64)
    with pytest.raises(InvalidType, match="op has type int"):
        power_norm_estimate(3)
    with pytest.raises(InvalidType, match="ctx has type NoneType"):
        check_adjoint(DFT2(2), None)
    with pytest.raises(InvalidArgument, match="iterations=-1"):
        power_norm_estimate(DFT2(2), -1)


@pytest.mark.parametrize("rows", [[1, 2], 3, None])
def test_dense_refuses_non_matrices_with_its_own_error(rows) -> None:
    with pytest.raises(InvalidType, match="rows="):
        Dense(rows)
    with pytest.raises(InvalidType, match=r"^A[: ]"):
        warpd(rows, [1], eps=0, J=Zero(), C1=1, C2=1, restarts=1, ctx=F64)


def test_scaled_refuses_non_operators() -> None:
    with pytest.raises(InvalidType, match="op has type int"):
        Scaled(2, 3)


def test_gradients_and_nuclear_norm_take_numpy_integer_sizes() -> None:
    n = np.int64(3)
    assert FiniteDifferences2D((n, np.int32(2))).shape == (12, 6)
    assert ComplexGradient2D((n, 2)).shape == (6, 6)
    assert repr(ComplexGradient2D((3, 2))) == "ComplexGradient2D(3x2)"
    J = NuclearNorm(n, np.int64(2))
    assert (J.n1, J.n2) == (3, 2) and type(J.n1) is int
    with pytest.raises(InvalidArgument, match="shape"):
        FiniteDifferences2D((True, 2))


def test_mp_apply_names_a_vector_that_is_not_mp() -> None:
    with pytest.raises(InvalidType, match="MP vector"):
        DFT2((2, 2)).apply(MP(64), np.array([1, 2, 3, 4]))


# ------------------------------------------------------------------ proxes
@given(n=st.integers(1, 6), seed=st.integers(0, 2**16), t=st.sampled_from([0.1, 0.7, 3.0]))
def test_complex_weighted_l1_prox_meets_its_optimality_conditions(n, seed, t) -> None:
    """p = prox_{tJ}(x), J = sum w_i |x_i|: x_i - p_i = t w_i p_i/|p_i| where p_i != 0, and
    |x_i| <= t w_i where p_i = 0 (the subdifferential of the modulus)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    w = [Q(int(k), 4) for k in rng.integers(1, 9, size=n)]
    p = WeightedL1(w).prox(F64, x, t)
    for xi, pi, wi in zip(x, p, w, strict=True):
        tw = t * float(wi)
        if pi != 0:
            assert abs((xi - pi) - tw * pi / abs(pi)) <= 1e-12 * (1 + abs(xi))
        else:
            assert abs(xi) <= tw * (1 + 1e-12)


def test_weighted_l1_value_of_a_complex_vector_in_exact() -> None:
    """|3 + 4i| = 5 is rational: Exact returns sum w_i |x_i| exactly (it refused before with
    InvalidArgument, while the unweighted value worked); sqrt(2) is refused as inexact."""
    ctx = Exact()
    J = WeightedL1([1, 2, 3])
    assert J.value(ctx, ctx.complex_vector([3, 0, 1], [4, 1, 0])) == 10
    with pytest.raises(InexactOperation, match=r"sqrt\(2\)"):
        J.value(ctx, ctx.complex_vector([1, 0, 0], [1, 0, 0]))


def test_exact_weighted_l1_prox_is_the_closed_form() -> None:
    ctx = Exact()
    x = [Q(7, 3), Q(-1, 5), Q(-9, 4), 0]
    w = [1, 2, Q(1, 2), 3]
    t = Fraction(1, 2)
    p = WeightedL1(w).prox(ctx, ctx.vector(x), t)
    expect = [np.sign(v) * max(abs(v) - Q(t) * wi, 0) for v, wi in zip(x, w, strict=True)]
    assert list(p) == expect


@given(n1=st.integers(1, 5), n2=st.integers(1, 5), seed=st.integers(0, 2**16),
       cplx=st.booleans(), t=st.sampled_from([0.05, 0.5, 2.0]))
def test_nuclear_prox_meets_its_optimality_conditions(n1, n2, seed, cplx, t) -> None:
    """P = prox_{t||.||_*}(X) iff G = (X - P)/t is a subgradient of ||.||_* at P:
    ||G||_2 <= 1 and Re tr(G^H P) = ||P||_* (non-square and complex included)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n1, n2))
    if cplx:
        X = X + 1j * rng.standard_normal((n1, n2))
    P = NuclearNorm(n1, n2).prox(F64, X.reshape(-1), t).reshape(n1, n2)
    Gm = (X - P) / t
    scale = 1 + np.linalg.norm(X)
    assert np.linalg.norm(Gm, 2) <= 1 + 1e-9 * scale / t
    nuc = np.linalg.svd(P, compute_uv=False).sum()
    assert abs(np.real(np.vdot(Gm, P)) - nuc) <= 1e-9 * scale * (1 + 1 / t)


@pytest.mark.parametrize("shape", [(2, 3), (3, 1), (1, 4)])
def test_nuclear_prox_in_mp_matches_float64_on_non_square(shape) -> None:
    n1, n2 = shape
    X = np.random.default_rng(7).standard_normal(shape) + 0.5j
    mp = MP(80)
    xm = mp.complex_vector([Q(float(v)) for v in X.real.reshape(-1)],
                           [Q(float(v)) for v in X.imag.reshape(-1)])
    pm = NuclearNorm(n1, n2).prox(mp, xm, Q(1, 2))
    pf = NuclearNorm(n1, n2).prox(F64, X.reshape(-1), 0.5)
    assert np.max(np.abs(np.array([complex(v) for v in pm]) - pf)) < 1e-12


@pytest.mark.parametrize("ctx", [Exact(), Ball(64), MP(64), Float64()], ids=lambda c: c.name)
@pytest.mark.parametrize("J", [WeightedL1(), WeightedL1([1, 2]), Zero()], ids=repr)
def test_prox_refuses_a_negative_step_given_as_a_string(ctx, J) -> None:
    """t="-1" (a rational string, accepted as exact input) skipped the positivity check: the
    l1 prox returned the EXPANSION (2, -4) of (1, -3)."""
    with pytest.raises(InvalidArgument, match="t='-1'"):
        J.prox(ctx, ctx.vector([1, -3]), "-1")
    with pytest.raises(InvalidType, match="positive real number"):
        J.prox(ctx, ctx.vector([1, -3]), G(1, 1))
    assert list(ctx.to_rationals(WeightedL1().prox(ctx, ctx.vector([1, -3]), "1/2"))) == [
        Q(1, 2), Q(-5, 2)]


def test_prox_refusals_name_the_method_and_the_step() -> None:
    with pytest.raises(InexactOperation, match="NuclearNorm.singular_values"):
        NuclearNorm(2, 2).value(Exact(), Exact().vector([1, 0, 0, 1]))
    with pytest.raises(InvalidArgument, match="t=-1"):
        Zero().prox(F64, np.ones(2), -1)


# ------------------------------------------------------------------ WARPd
A2 = [[1, 0, 1], [0, 1, 1]]
B2 = [1, 2]
WARPD = dict(eps=0, J=WeightedL1(), C1=1, C2=1, restarts=2, ctx=F64, k=5)


@pytest.mark.parametrize("kw, match", [
    (dict(eps=-1), "eps=-1"), (dict(C1=0), "C1=0"), (dict(C1=-2), "C1=-2"),
    (dict(C2=0), "C2=0"), (dict(restarts=0), "restarts=0"), (dict(k=0), "k=0"),
    (dict(tau=1), "tau=1"), (dict(b=[1, 2, 3]), "b has length 3"),
    (dict(x0=[1, 2]), "x0 has length 2"), (dict(B=Dense([[1, 2]])), "B takes length 2"),
    (dict(b=None), "b: "), (dict(L_A=0), "L_A=0"),
])
def test_warpd_input_validation(kw, match) -> None:
    args = dict(WARPD, A=A2, b=B2)
    args.update(kw)
    with pytest.raises(InvalidArgument, match=match):
        warpd(args.pop("A"), args.pop("b"), **args)


def test_warpd_takes_numpy_integer_counts() -> None:
    """restarts/k/iterations as numpy integers (e.g. from an array of settings) were refused
    with 'must be a positive integer'."""
    ref = warpd(A2, B2, **WARPD).x
    kw = dict(WARPD, restarts=np.int64(2), k=np.int32(5))
    assert np.array_equal(warpd(A2, B2, **kw).x, ref)
    pd = dict(J=WeightedL1(), ctx=F64, tau1=Q(1, 10), tau2=Q(1, 10))
    assert np.array_equal(primal_dual(A2, B2, iterations=np.int64(3), **pd).x,
                          primal_dual(A2, B2, iterations=3, **pd).x)


@pytest.mark.parametrize("every", [0, -1, 1.5])
def test_primal_dual_refuses_bad_every(every) -> None:
    """every=0 raised ZeroDivisionError from the step loop; -1 and 1.5 were accepted."""
    with pytest.raises(InvalidArgument, match="every="):
        primal_dual(A2, B2, J=WeightedL1(), ctx=F64, iterations=3, tau1=Q(1, 10),
                    tau2=Q(1, 10), step_callback=lambda i, x: None, every=every)


def test_run_plans_checks_the_step_condition_and_counts() -> None:
    """run_plans ran any plan: steps violating tau1 tau2 L^2 < 1 silently, steps=0 into a
    ZeroDivisionError, midpoints=True outside Ball silently ignored."""
    P = _problem(Dense(A2), B2, WeightedL1(), None, 1, None, None, None)
    tau = Q(1, 2) / P.L  # tau1 tau2 L^2 = 1/4
    ok = RestartPlan(1, Q(1), tau, tau, 3)
    assert len(run_plans(P, F64, [ok]).records) == 1
    big = RestartPlan(1, Q(1), 2 / P.L, 1 / P.L, 3)  # tau1 tau2 L^2 = 2
    with pytest.raises(InvalidArgument, match=r"tau1\*tau2\*L\^2 < 1"):
        run_plans(P, F64, [ok, big])
    edge = RestartPlan(1, Q(1), 1 / P.L, 1 / P.L, 3)  # = 1 exactly: not < 1
    with pytest.raises(InvalidArgument, match=r"plans\[0\]"):
        run_plans(P, F64, [edge])
    with pytest.raises(InvalidArgument, match=r"plans\[0\].steps=0"):
        run_plans(P, F64, [RestartPlan(1, Q(1), tau, tau, 0)])
    with pytest.raises(InvalidArgument, match="midpoints=True"):
        run_plans(P, F64, [ok], midpoints=True)
    with pytest.raises(InvalidType, match=r"plans\[0\] has type tuple"):
        run_plans(P, F64, [(1, 1, tau, tau, 3)])


def test_warpd_sr_steps_satisfy_the_certified_condition() -> None:
    res = warpd_sr(A2, B2, lam=Q(1, 3), J=WeightedL1(), C1=2, C2=3, restarts=4, k=2, ctx=F64)
    L = res.problem.L
    assert all(r.tau1 * r.tau2 * L * L < 1 for r in res.records)


def test_warpd_network_refuses_bad_weights() -> None:
    with pytest.raises(InvalidArgument, match="weights has 1 entries; 3 are required"):
        warpd_network(A2, C1=1, C2=1, restarts=1, w0=1, weights=1)
    with pytest.raises(InvalidArgument, match="weights contain -1"):
        warpd_network(A2, C1=1, C2=1, restarts=1, w0=1, weights=[1, -1, 1])


def test_unrolled_warpd_checks_level_and_tau_early() -> None:
    u = UnrolledWARPd(level=np.int64(2), eta=0)
    assert u.level == 2 and type(u.level) is int
    with pytest.raises(InvalidArgument, match="tau=1"):
        UnrolledWARPd(level=1, eta=0, tau=1)


# ------------------------------------------------------------------ ADMM
def _admm_problem():
    shape, n = (4, 5), 20
    idx = np.arange(0, n, 2)
    A = RealDomain(Subsample(idx, n) @ DFT2(shape))
    b = A.apply(F64, np.random.default_rng(0).standard_normal(n))
    return A, b, ComplexGradient2D(shape), subsampled_fourier_gram(shape, idx), \
        neumann_gradient_gram(shape)


@pytest.mark.parametrize("kw, match", [
    (dict(rho=0), "rho=0"), (dict(rho=-1.0), "rho=-1.0"), (dict(rho=float("nan")), "rho=nan"),
    (dict(record_every=0), "record_every=0"), (dict(record_every=-1), "record_every=-1"),
    (dict(x0=np.zeros(3)), "x0 has shape"), (dict(x0=np.zeros(20) + 1j), "x0"),
    (dict(eps=True), "eps=True"), (dict(eps=-1.0), "eps=-1.0"), (dict(tol=float("nan")), "tol"),
    (dict(b=np.full(10, np.nan)), "b has non-finite"),
])
def test_admm_input_validation(kw, match) -> None:
    """rho=0, record_every=0 raised ZeroDivisionError; rho < 0 and a complex x0 ran silently;
    a short x0 failed in numpy's reshape; NaN data in scipy's brentq."""
    A, b, B, gA, gB = _admm_problem()
    args = dict(b=b, eps=0.01, max_iterations=5)
    args.update(kw)
    with pytest.raises(InvalidArgument, match=match):
        admm_analysis(A, args.pop("b"), args.pop("eps"), B, gram_A=gA, gram_B=gB, **args)


def test_admm_takes_any_real_number_type() -> None:
    """eps as Fraction/mpq/np.float32 and counts as numpy ints were refused ('must be a real
    number'); the run is the one with the equal float."""
    A, b, B, gA, gB = _admm_problem()
    ref = admm_analysis(A, b, 0.25, B, gram_A=gA, gram_B=gB, max_iterations=30)
    for eps in (Fraction(1, 4), Q(1, 4), np.float32(0.25)):
        res = admm_analysis(A, b, eps, B, gram_A=gA, gram_B=gB,
                            max_iterations=np.int64(30), tol=np.float64(1e-12))
        assert np.array_equal(res.x, ref.x)


def test_admm_grams_and_projection_validate() -> None:
    shape = (4, 5)
    mask = np.zeros(20, dtype=bool)
    mask[::3] = True
    assert np.array_equal(subsampled_fourier_gram(shape, mask).d,
                          subsampled_fourier_gram(shape, np.flatnonzero(mask)).d)
    with pytest.raises(InvalidArgument, match="repeated"):
        subsampled_fourier_gram(shape, [0, 0, 1])
    with pytest.raises(InvalidArgument, match="shape"):
        neumann_gradient_gram((True, 2))
    assert neumann_gradient_gram(shape, Q(1)).d.min() == 1
    with pytest.raises(InvalidArgument, match="shift=0"):
        neumann_gradient_gram(shape).solve_shifted(np.ones(20), 0.0)
    with pytest.raises(InvalidType, match="not numbers"):
        dense_gram([["a"]])
    g = dense_gram(np.eye(3))
    with pytest.raises(InvalidArgument, match="eps=-1"):
        project_data_ball(np.zeros(3), g, np.zeros(3), 1.0, -1.0)


def test_admm_projection_with_eps_zero_refuses_data_outside_the_range() -> None:
    """eps = 0 with b outside the range of A (a real image's Fourier samples at k and -k must
    be conjugate) returned the least-squares point with ||Aq - b|| = 1 as if feasible, while
    any eps > 0 below the floor raised; now both raise.  Consistent data still projects."""
    shape, n = (4, 4), 16
    idx = np.array([1, 3, 15])  # 15 = -1 mod 16 in the flat index of (0, 1) and (3, 3)
    A = RealDomain(Subsample(idx, n) @ DFT2(shape))
    gram = subsampled_fourier_gram(shape, idx)

    def project(b, eps):
        Atb_hat = gram.forward(np.real(A.adjoint(F64, b)))
        return project_data_ball(np.zeros(n), gram, Atb_hat, float(np.sum(np.abs(b) ** 2)), eps)

    bad = np.array([1 + 1j, 2, 1 + 1j])
    for eps in (0.0, 0.1):
        with pytest.raises(InvalidArgument, match="empty"):
            project(bad, eps)
    good = A.apply(F64, np.random.default_rng(0).standard_normal(n))
    q, lam = project(good, 0.0)
    assert lam == float("inf") and np.linalg.norm(A.apply(F64, q) - good) < 1e-12


def test_unweighted_l1_with_n_refuses_other_lengths() -> None:
    """WeightedL1(n=3) stored n and ignored it: a length-5 x was thresholded silently (the
    weighted form refused); n=0 was accepted."""
    J = WeightedL1(n=3)
    with pytest.raises(InvalidArgument, match="length 5; this L1 was built with n=3"):
        J.prox(F64, np.ones(5), 1.0)
    with pytest.raises(InvalidArgument, match="length 5"):
        J.value(F64, np.ones(5))
    with pytest.raises(InvalidArgument, match="n=0"):
        WeightedL1(n=0)
    assert list(WeightedL1(n=np.int64(2)).prox(F64, np.array([2.0, -0.5]), 1.0)) == [1.0, 0.0]


def test_a_claimed_norm_bound_below_the_norm_is_refused() -> None:
    """L_A (and the network's L) below ||A||_2 was taken on trust: steps with
    tau1 tau2 ||A||^2 > 1; on this instance L_A=2 returned (-1.26, 0.37) (the certified bound
    gives (0.27, 0.13)) and L_A=1/100 an iterate of size 3e39 after 10 steps.  A float64
    power iteration (a lower estimate of the norm) now refuses bounds it proves false; true
    bounds pass."""
    A = [[3, 0], [0, 1]]  # ||A||_2 = 3
    kw = dict(eps=0, J=WeightedL1(), C1=1, C2=1, restarts=2, ctx=F64, k=5)
    with pytest.raises(InvalidArgument, match="L_A=2 is not an upper bound"):
        warpd(A, [1, 1], L_A=2, **kw)
    assert np.array_equal(warpd(A, [1, 1], L_A=4, **kw).x,
                          warpd(A, [1, 1], L_A=Fraction(4), **kw).x)
    with pytest.raises(InvalidArgument, match="L_B=1 is not an upper bound"):
        warpd(A, [1, 1], B=Dense([[2, 0]]), L_B=1, **kw)
    with pytest.raises(InvalidArgument, match="L=2 is not an upper bound"):
        warpd_network(A, C1=1, C2=1, restarts=1, w0=1, L=2)
    assert warpd_network(A, C1=1, C2=1, restarts=1, w0=1, L=3, k=4).depth == 2 * 4 + 1
    with pytest.raises(InvalidArgument, match="L_B=1 is not an upper bound"):
        AnalysisL1(Dense([[2, 0]]), 1)
    assert AnalysisL1(Dense([[2, 0]]), 2).L_B == 2


def test_walsh_and_filter_helpers_validate_their_arguments() -> None:
    """sequency_permutation / walsh_matrix raised AttributeError for numpy integers (no
    bit_length) and TypeError for floats and strings; fwht reshaped non-power-of-two arrays
    into a numpy ValueError; daubechies_filter passed prec=-40 to flint."""
    from algorithms.operators import daubechies_filter, sequency_permutation, walsh_matrix
    from algorithms.operators.walsh import fwht

    assert list(sequency_permutation(np.int64(4))) == list(sequency_permutation(4))
    assert np.array_equal(walsh_matrix(np.int32(8)), walsh_matrix(8))
    for bad in (4.0, "4", True):
        with pytest.raises(InvalidType, match="n="):
            sequency_permutation(bad)
    with pytest.raises(InvalidArgument, match="n=6 must be a power of two"):
        walsh_matrix(6)
    with pytest.raises(InvalidArgument, match="length 3 along axis 0"):
        fwht(np.ones((3, 2)), 0)
    with pytest.raises(InvalidArgument, match="2-D"):
        fwht(np.ones(4), 0)
    assert np.array_equal(fwht(np.eye(2), 1), np.array([[1, 1], [1, -1]]))
    with pytest.raises(InvalidArgument, match="prec=-40"):
        daubechies_filter(2, -40)
    from algorithms.operators.wavelets import analysis_matrix_1d

    with pytest.raises(InvalidArgument, match="n=3 must be an even"):
        analysis_matrix_1d([1, 1], 3, 0)  # its last row was silently all zeros
    assert analysis_matrix_1d([1, 1], 2, 0) == [[1, 1], [1, -1]]  # Haar times sqrt 2


def test_composition_and_stack_refuse_a_bare_operator() -> None:
    """Composition(A) and Stack(A) (a missing list) raised "'DFT2' object is not iterable"."""
    from algorithms.operators import Composition

    for make in (Composition, Stack):
        for bad in (DFT2(2), None):
            with pytest.raises(InvalidType, match="ops has type"):
                make(bad)
    assert Composition((DFT2(2), DFT2(2).H)).shape == (4, 4)
    assert Stack((DFT2(2), DFT2(2))).shape == (8, 4)


def test_primal_dual_stopped_by_its_callback_counts_the_steps_run() -> None:
    """A truthy step_callback at step 7 of 100 returned iterations=100."""
    seen = []

    def stop(i, x):
        seen.append((i, x.copy()))
        return i >= 7

    res = primal_dual(A2, B2, J=WeightedL1(), ctx=F64, iterations=100, tau1=Q(1, 4),
                      tau2=Q(1, 4), step_callback=stop)
    assert res.iterations == 7 and [i for i, _ in seen] == list(range(1, 8))
    assert np.array_equal(res.x, seen[-1][1])
    full = primal_dual(A2, B2, J=WeightedL1(), ctx=F64, iterations=7, tau1=Q(1, 4),
                       tau2=Q(1, 4))
    assert full.iterations == 7 and np.array_equal(full.x, res.x)


def test_reweight_must_return_a_regulariser() -> None:
    """A reweight returning None failed at the next restart with AttributeError."""
    with pytest.raises(InvalidType, match="reweight returned a NoneType after restart 1"):
        warpd(A2, B2, reweight=lambda c, x, J: None, **WARPD)
    res = warpd(A2, B2, reweight=lambda c, x, J: J.reweighted(c, x, "1/10"), **WARPD)
    assert len(res.records) == 2


pos_rat = st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)).map(lambda p: Q(*p))


@given(C1=pos_rat, C2=pos_rat, L=pos_rat, level=pos_rat,
       tau=st.integers(1, 999).map(lambda k: Q(k, 1000)))
def test_step_sizes_always_satisfy_the_certified_condition(C1, C2, L, level, tau) -> None:
    """tau1 = tau C1 level/(L C2) and tau2 = tau^2/(L^2 tau1), both rounded DOWN to 53-bit
    dyadics: tau1 tau2 L^2 <= tau^2 < 1 exactly, and each is within 2^-52 of its formula."""
    from algorithms.solvers.warpd import step_sizes

    t1, t2 = step_sizes(C1, C2, L, tau, level)
    assert 0 < t1 * t2 * L * L <= tau * tau < 1
    exact1 = tau * C1 * level / (L * C2)
    assert exact1 * (1 - Q(1, 2**52)) <= t1 <= exact1
    exact2 = tau * tau / (L * L * t1)
    assert exact2 * (1 - Q(1, 2**52)) <= t2 <= exact2
