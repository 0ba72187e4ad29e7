"""FIRENET: closed-form steps, network = solver, certified Ball runs, convergence, bad input."""

from __future__ import annotations

import flint
import gmpy2
import numpy as np
import pytest
import sympy

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import AlgorithmError, InexactInput, InvalidArgument, InvalidType
from algorithms.rationals import mpq_sqrt_upper
from algorithms.solvers.firenet import (
    FIRENET,
    NU,
    FirenetNetwork,
    firenet_network,
    firenet_parameters,
    firenet_solve,
)
from oracle import Oracle

Q = gmpy2.mpq


# ------------------------------------------------------------------------------ instances
def dyadic_instance(m: int, N: int, seed: int, bits: int = 12):
    rng = np.random.default_rng(seed)
    A = np.array([[Q(int(v), 2**bits) for v in row]
                  for row in rng.integers(-(2**bits), 2**bits, (m, N))], dtype=object)
    y = np.array([Q(int(v), 2**bits) for v in rng.integers(-(2**bits), 2**bits, m)],
                 dtype=object)
    return A, y


def table1_instance(n: int = 10, K: int = 1, j: int = 2):
    """The (P3) Table-1 data of SPEC section 6 for member ``j`` (21 x 22, DCT-II, lam = 1),
    as the oracle serves it at level ``n + 40`` (well within 2^-n of the exact member)."""
    from theorems.table1.setup import table_member

    served = table_member(K, n, j).oracle()
    return served.matrix(n + 40), served.sample(0, n + 40)


def mid_distance_upper(ctx, got, target) -> gmpy2.mpq:
    """A rational upper bound of ||midpoints(got) - target||_2."""
    mids = ctx.to_rationals(got)
    return mpq_sqrt_upper(sum((Q(a) - Q(b)) ** 2 for a, b in zip(mids, target, strict=True)))


# ------------------------------------------------------------------------------ closed forms
ONE_ROW = dict(lam=1, tau=Q(1, 4), sigma=Q(1, 8), delta=0, eps0=1, p_inner=2)


@pytest.mark.parametrize("ctx", [Exact(), Ball(128), MP(128), Float64()],
                         ids=["exact", "ball", "mp", "float64"])
def test_two_inner_steps_and_a_restart_match_hand_computation(ctx) -> None:
    """A = [1 2], y = 3, tau = 1/4 != sigma = 1/8 (m = 1, so even Exact can project).

    Restart 1: x1 = soft(0) = 0; u1 = -3 sigma s1 < -1 so v1 = -1; x2 = soft(tau A^T, tau) =
    (0, 1/4); psi_1 = (x1 + x2)/(p s1) = (0, 1/(8 s1)).  Restart 2 (r = s2/s1 > 2): x0 =
    (0, r/8), x1 = (0, r/8 - 1/4), v1 = -1, x2 = (0, r/8), psi_2 = (0, (r - 1)/(8 s2)).
    """
    A, y = [[1, 2]], [3]
    P = firenet_parameters(A, n_outer=2, **{k: v for k, v in ONE_ROW.items() if k != "p_inner"},
                           p_inner=2)
    s1, s2 = P.scales
    assert P.schedule[0] == NU and P.tau != P.sigma
    r = s2 / s1
    assert r > 2 and 3 * P.sigma * s1 > 1
    got1 = firenet_solve(A, y, n_outer=1, ctx=ctx, **ONE_ROW)
    got2 = firenet_solve(A, y, n_outer=2, ctx=ctx, **ONE_ROW)
    exp1 = [Q(0), 1 / (8 * s1)]
    exp2 = [Q(0), (r - 1) / (8 * s2)]
    if ctx.kind == "exact":
        assert list(got1) == exp1 and list(got2) == exp2
    elif ctx.kind == "ball":
        assert ctx.contains(got1, exp1) and ctx.contains(got2, exp2)
        assert ctx.radius(got2) < Q(1, 2**120)
    else:
        tol = Q(1, 2 ** (ctx.prec - 6))
        for got, exp in [(got1, exp1), (got2, exp2)]:
            assert max(abs(a - b) for a, b in zip(ctx.to_rationals(got), exp, strict=True)) < tol


def test_default_parameters_follow_the_specification() -> None:
    A, y = dyadic_instance(3, 5, 0)
    P = firenet_parameters(A, lam="1/2", n_outer=4, p_inner=3, delta="1e-6", eps0=2)
    assert P.tau == P.sigma == Q(99, 100) / P.L
    assert P.tau * P.sigma * P.L**2 < 1
    F = np.array([[float(v) for v in row] for row in A])
    assert float(P.L) >= np.linalg.norm(F, 2) and float(P.L) < np.linalg.norm(F, 2) * (1 + 1e-9)
    e = Q(2)
    for k in range(4):
        assert P.schedule[k] >= NU * (Q(1, 10**6) + e)  # rounded up, never down
        e = P.schedule[k]
        assert abs(P.scales[k] - 2 * P.L / (e * 3)) <= P.scales[k] / 2**52
    assert list(P.thresholds) == [P.tau * Q(1, 2)] * 5
    assert float(P.delta) == 1e-6 and P.lam == Q(1, 2)


# ------------------------------------------------------------------------------ network = solver
def test_network_structure_depth_and_widths() -> None:
    A, _ = dyadic_instance(3, 5, 1)
    m, N = A.shape
    net = firenet_network(A, lam="1/4", n_outer=2, p_inner=3, delta="1e-6", eps0=4)
    assert isinstance(net, FirenetNetwork)
    assert net.depth == 3 * 2 * 3 + 1
    assert net.widths == (m,) + (2 * N + m, 2 * (N + m), 2 * N + m + 1) * 6 + (N,)
    text = net.summary()
    assert "depth 19 affine layers" in text and "6 x a 3-layer pattern" in text
    assert "soft_threshold" in text and "square" in text and "gate" in text


def test_network_equals_solver_bit_for_bit() -> None:
    A, y = dyadic_instance(3, 5, 2)
    kw = dict(lam="1/4", n_outer=3, p_inner=4, delta="1e-6", eps0=4)
    net = firenet_network(A, **kw)
    for ctx in [Float64(), MP(96)]:
        solved = firenet_solve(A, y, ctx=ctx, **kw)
        layered = net.forward(y, ctx)
        assert list(ctx.to_rationals(solved)) == list(ctx.to_rationals(layered))
        assert list(ctx.to_rationals(net(y, ctx))) == list(ctx.to_rationals(solved))
    f = Float64()
    assert np.array_equal(firenet_solve(A, y, ctx=f, **kw), net.forward(y, f))
    # Exact: with m = 1 the projection is rational
    A1, y1 = [[1, Q(-3, 4), 2]], [Q(5, 2)]
    kw1 = dict(lam=1, n_outer=2, p_inner=3, delta=0, eps0=1)
    net1 = firenet_network(A1, **kw1)
    assert list(net1.forward(y1, Exact())) == list(firenet_solve(A1, y1, ctx=Exact(), **kw1))


def test_network_and_certified_solver_overlap_in_ball() -> None:
    A, y = dyadic_instance(3, 5, 3)
    kw = dict(lam="1/4", n_outer=2, p_inner=3, delta="1e-6", eps0=4)
    net = firenet_network(A, **kw)
    ball = Ball(128)
    naive = net.forward(y, ball)
    certified = firenet_solve(A, y, ctx=ball, **kw)
    assert ball.overlaps(naive, certified)
    assert ball.radius(certified) < ball.radius(naive)
    assert ball.contains(certified, MP(300).to_rationals(net.forward(y, MP(300))))


# ------------------------------------------------------------------------------ certified Ball
def test_ball_256_contains_the_mp_512_output() -> None:
    A, y = dyadic_instance(6, 10, 4)
    kw = dict(lam="1/5", n_outer=5, p_inner=20, delta="1e-6")
    ball = firenet_solve(A, y, ctx=Ball(256), **kw)
    mp = firenet_solve(A, y, ctx=MP(512), **kw)
    assert Ball(256).contains(ball, MP(512).to_rationals(mp))
    assert Ball(256).radius(ball) < Q(1, 10**70)


def test_table1_instance_certified_below_1e_60_and_checked_at_twice_the_precision() -> None:
    A, y = table1_instance(n=10, K=1)
    kw = dict(lam=1, n_outer=30, p_inner=50, delta="1e-6")
    recs256, recs512 = [], []
    before = flint.ctx.prec
    out256 = firenet_solve(A, y, ctx=Ball(256), callback=recs256.append, **kw)
    out512 = firenet_solve(A, y, ctx=Ball(512), callback=recs512.append, **kw)
    assert flint.ctx.prec == before
    assert len(recs256) == 30 and recs256[-1].working_prec > 256
    bound = recs256[-1].error_bound
    assert bound < Q(1, 10**60)
    mids512 = Ball(512).to_rationals(out512)
    assert Ball(256).contains(out256, mids512)
    assert mid_distance_upper(Ball(256), out256, mids512) <= bound + recs512[-1].error_bound
    # the bounds grow with the restarts but stay tiny
    assert all(r.error_bound < Q(1, 10**60) for r in recs256)


def test_guard_bits_zero_still_certifies_with_a_wider_bound() -> None:
    A, y = dyadic_instance(4, 6, 5)
    kw = dict(lam="1/5", n_outer=6, p_inner=10, delta="1e-6")
    recs0, recs = [], []
    out0 = firenet_solve(A, y, ctx=Ball(128), guard_bits=0, callback=recs0.append, **kw)
    firenet_solve(A, y, ctx=Ball(128), callback=recs.append, **kw)
    assert recs0[-1].working_prec == 128 and recs[-1].working_prec > 128
    assert recs[-1].error_bound < recs0[-1].error_bound < Q(1, 10**20)
    assert Ball(128).contains(out0, MP(400).to_rationals(firenet_solve(A, y, ctx=MP(400), **kw)))


def test_exponential_convergence_ball_certified_float64_stalls() -> None:
    """Random 20 x 40 Gaussian A (N(0, 1/m)), 3-sparse x, y = A x exactly, lam = 1/10, p = 50."""
    rng = np.random.default_rng(3)
    m, N = 20, 40
    A = np.array([[Q(float(v)) for v in row] for row in rng.standard_normal((m, N)) / np.sqrt(m)],
                 dtype=object)
    x = np.array([Q(0)] * N, dtype=object)
    for i, v in zip(rng.choice(N, 3, replace=False), [1, -2, Q(3, 2)], strict=True):
        x[i] = Q(v)
    y = A.dot(x)
    kw = dict(lam="1/10", n_outer=100, p_inner=50, delta=0)
    ball = Ball(256)
    certified: list[gmpy2.mpq] = []

    def watch(rec) -> bool:
        certified.append(mid_distance_upper(ball, rec.psi, x) + rec.error_bound)
        return certified[-1] < Q(1, 10**40)

    firenet_solve(A, y, ctx=ball, callback=watch, **kw)
    assert certified[-1] < Q(1, 10**40) and len(certified) <= 100
    # exponential: the bound shrinks by a roughly constant factor per restart
    assert certified[40] < certified[20] * Q(1, 10**8) < certified[0] * Q(1, 10**16)

    f64 = Float64()
    errors: list[float] = []
    firenet_solve(A, y, ctx=f64, callback=lambda r: errors.append(
        float(mid_distance_upper(f64, r.psi, x))), **kw)
    assert len(errors) == 100
    assert min(errors[60:]) > 1e-17 and max(errors[60:]) < 1e-12  # stalls near 1e-15


# ------------------------------------------------------------------------------ callbacks
def test_callback_can_stop_and_precision_is_restored_even_on_error() -> None:
    A, y = dyadic_instance(3, 4, 6)
    kw = dict(lam="1/3", n_outer=10, p_inner=5, delta="1e-6")
    seen = []
    firenet_solve(A, y, ctx=Ball(64), callback=lambda r: seen.append(r.restart) or r.restart == 3,
                  **kw)
    assert seen == [1, 2, 3]
    before = flint.ctx.prec

    def boom(rec) -> None:
        assert flint.ctx.prec == before  # the callback runs outside the solver's precision
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        firenet_solve(A, y, ctx=Ball(200), callback=boom, **kw)
    assert flint.ctx.prec == before
    recs = []
    firenet_solve(A, y, ctx=Float64(), callback=recs.append, **kw)
    assert [r.restart for r in recs] == list(range(1, 11)) and recs[0].error_bound is None


# ------------------------------------------------------------------------------ training
def test_training_reads_the_matrix_once_and_returns_the_network() -> None:
    A = sympy.Matrix([[1, sympy.Rational(1, 2), 0], [0, 1, sympy.sqrt(2) / 3]])
    samples = [sympy.Matrix([1, -1]), sympy.Matrix([sympy.Rational(1, 3), 2])]
    algo = FIRENET(level=12, lam="1/2", n_outer=3, p_inner=4, ctx=Ball(128), eps0=3)
    assert algo.name == "FIRENET"
    oracle = Oracle(A, samples)
    net = algo.train(oracle)
    assert oracle.samples_read == 1 and [r.kind for r in oracle.reads] == ["matrix"]
    assert net.depth == 3 * 3 * 4 + 1 and net.info["level"] == 12
    out = net([1, -1])                               # default context: Ball(128), certified
    assert Ball(128).radius(out) < Q(1, 2**100)
    reading = FIRENET(level=8, lam="1/2", n_outer=2, p_inner=2)
    oracle2 = Oracle(A, samples)
    reading.train(oracle2)
    assert oracle2.samples_read == 3                  # A_8 and both y_{k,8} for eps0


# ------------------------------------------------------------------------------ bad input
A_OK, Y_OK = [[1, 2], [3, 4], [5, 7]], [1, 2, 3]
BASE = dict(lam=1, n_outer=2, p_inner=2, delta="1e-6", ctx=Float64())


@pytest.mark.parametrize(
    ("change", "exc", "words"),
    [
        (dict(y=[1, 2]), InvalidArgument, "y has length 2 but A has shape"),
        (dict(A=[[1.0, 2.0], [3, 4], [5, 7]]), InexactInput, r"A\[0, 0\]=1.0 is a float"),
        (dict(y=[1, 0.5, 3]), InexactInput, r"y\[1\]=0.5 is a float"),
        (dict(lam=0), InvalidArgument, "lam=0 must be > 0"),
        (dict(lam=-1), InvalidArgument, "lam=-1 must be > 0"),
        (dict(lam=0.1), InexactInput, "lam=0.1 is a float"),
        (dict(n_outer=0), InvalidArgument, "n_outer=0 must be an integer >= 1"),
        (dict(p_inner=-2), InvalidArgument, "p_inner=-2 must be an integer >= 1"),
        (dict(n_outer=2.0), InvalidType, "n_outer=2.0 must be an integer"),
        (dict(delta=-1), InvalidArgument, "delta=-1 must be >= 0"),
        (dict(tau=1, sigma=1), InvalidArgument, r"tau\*sigma\*L\^2 = .* must be < 1"),
        (dict(tau=0), InvalidArgument, "tau=0 must be > 0"),
        (dict(L=1), InvalidArgument, r"L=1 \(1\) is below \|\|A\|\|_2"),
        (dict(weights=[1, 0]), InvalidArgument, r"weights\[1\]=0 must be > 0"),
        (dict(weights=[1]), InvalidArgument, "weights has length 1; length 2"),
        (dict(y=[0, 0, 0], delta=0), InvalidArgument, "delta=0 and eps0=0 are both 0"),
        (dict(ctx="float64"), InvalidType, "ctx has type str"),
        (dict(callback=3), InvalidType, "callback=3 must be callable"),
        (dict(guard_bits=4), InvalidArgument, "guard_bits=4 only applies"),
    ],
)
def test_bad_input_raises_clear_errors(change, exc, words) -> None:
    args = {"A": A_OK, "y": Y_OK, **BASE, **change}
    A, y = args.pop("A"), args.pop("y")
    with pytest.raises(exc, match=words):
        firenet_solve(A, y, **args)
    with pytest.raises(AlgorithmError):
        firenet_solve(A, y, **args)


def test_bad_settings_of_the_training_algorithm() -> None:
    with pytest.raises(InvalidArgument, match="level=-1 must be a non-negative integer"):
        FIRENET(level=-1, lam=1)
    with pytest.raises(InvalidArgument, match="lam=0 must be > 0"):
        FIRENET(level=3, lam=0)
    with pytest.raises(InvalidArgument, match="p_inner=0"):
        FIRENET(level=3, lam=1, p_inner=0)
    with pytest.raises(TypeError):
        FIRENET(3, 1)  # keyword-only settings
    with pytest.raises(InvalidArgument, match="eps0=None: the network is built before y"):
        firenet_network(A_OK, lam=1, n_outer=1, p_inner=1, delta=0, eps0=None)
    with pytest.raises(InvalidArgument, match="prec=1 must be an integer >= 2"):
        Ball(1)
