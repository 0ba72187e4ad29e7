"""The unrolled solver networks of the paradox panels: WARPd with the eps > 0 shrink layer (P1)
and FISTA (P2).  In Exact each network returns the same rationals as the solver it unrolls; in
Ball its enclosure contains the exact value; the training algorithms read only what they say
and run sealed."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import NeuralNetwork
from algorithms.proximal import WeightedL1
from algorithms.solvers.fista_network import fista_network
from algorithms.solvers.ista import fista
from algorithms.solvers.unrolled import UnrolledFISTA, UnrolledWARPd, gadget_sharpness
from algorithms.solvers.warpd import warpd, warpd_network
from theorems.instances.distance import distance
from theorems.paradox.harness import build_class

Q = gmpy2.mpq
# m = 1: every dual vector is a scalar, so ||u|| is rational and Exact can run the shrink
A1 = np.array([[Q(3, 2), Q(1, 2), Q(-1, 4)]], dtype=object)
B1 = [Q(1)]
A2 = np.array([[Q(3, 2), Q(1, 2), Q(-1, 4)], [Q(0), Q(1), Q(2)]], dtype=object)
B2 = [Q(1), Q(1, 3)]
# L = 3 >= ||A2||_F = 2.75 >= ||A2||_2 = sqrt(5) (L = 2 was below the norm of A2: the steps
# broke tau1 tau2 ||A||^2 < 1; the engine and the network now refuse such a bound)
WARPD = dict(C1=1, C2=2, w0=2, L=3)


def _engine(A, b, eps, ctx, restarts, k):
    return warpd(A, b, eps=eps, J=WeightedL1(), C1=1, C2=2, restarts=restarts, k=k, w0=2,
                 L_A=3, ctx=ctx).x


@pytest.mark.parametrize("eps", [Q(1, 10), Q(1, 2), Q(0)])
def test_warpd_network_in_exact_is_the_engine_iterate(eps):
    net = warpd_network(A1, restarts=2, k=5, eps=eps, **WARPD)
    assert net.depth == (3 if eps else 2) * 5 * 2 + 1
    out = net(B1, Exact())
    assert list(out) == list(_engine(A1, B1, eps, Exact(), 2, 5))
    # the shrink is active (the noise level changes the iterate) and the ball encloses it
    if eps:
        assert list(out) != list(_engine(A1, B1, Q(0), Exact(), 2, 5))
    ball = Ball(128)
    enc = net(B1, ball)
    assert ball.contains(enc, out)


def test_warpd_network_layers_and_widths():
    m, N = A2.shape
    net = warpd_network(A2, restarts=2, k=3, eps=Q(1, 10), **WARPD)
    assert net.depth == 3 * 3 * 2 + 1
    step = (3 * N + m, 2 * N + 2 * m, 2 * N + 2 * m + 1)
    assert net.widths == (m,) + step * 6 + (N,)
    assert net.info["eps"] == Q(1, 10) and net.info["k"] == 3
    # plain data round trip (what the sealed protocol sends) gives the same function
    back = NeuralNetwork.from_data(net.to_data())
    ctx = Ball(128)
    assert list(ctx.to_rationals(back(B2, ctx))) == list(ctx.to_rationals(net(B2, ctx)))


def test_warpd_network_ball_and_engine_enclose_the_same_point():
    """m = 2: ||u|| is irrational, so Exact cannot run; the network's Ball evaluation and the
    engine's Ball run are both rigorous enclosures of the same exact iterate, so they overlap;
    MP and Float64 land inside within their rounding (stated bounds: 2^-150 and 1e-9 for 30
    steps of a map with O(1) entries)."""
    net = warpd_network(A2, restarts=3, k=10, eps=Q(1, 10), **WARPD)
    ball = Ball(256)
    enc = net(B2, ball)
    eng = _engine(A2, B2, Q(1, 10), ball, 3, 10)
    assert ball.overlaps(enc, eng)
    rad = max(float(e.rad()) for e in ball.entries(enc))
    assert rad < 1e-40
    mids = [float(e.mid()) for e in ball.entries(enc)]
    mp = [float(v) for v in net(B2, MP(200))]
    f64 = net(B2, Float64())
    assert max(abs(a - b) for a, b in zip(mids, mp, strict=True)) < 2.0**-150 + rad
    assert max(abs(a - b) for a, b in zip(mids, f64, strict=True)) < 1e-9


def test_warpd_network_refuses_a_negative_noise_level():
    with pytest.raises(InvalidArgument, match="eps"):
        warpd_network(A1, restarts=1, k=2, eps=Q(-1, 10), **WARPD)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_fista_network_in_exact_is_the_fista_iterate(n):
    lam = Q(1, 5)
    net = fista_network(A2, lam=lam, n_iter=n)
    m, N = A2.shape
    assert net.depth == n and net.widths == (m,) + (2 * N,) * (n - 1) + (N,)
    out = net(B2, Exact())
    assert list(out) == list(fista(A2, B2, lam=lam, n_iter=n, ctx=Exact()))
    ball = Ball(128)
    enc = net(B2, ball)
    assert ball.contains(enc, out)
    f64 = net(B2, Float64())
    assert max(abs(float(q) - v) for q, v in zip(out, f64, strict=True)) < 1e-12


def test_fista_network_checks_its_arguments():
    with pytest.raises(InvalidArgument, match="lam"):
        fista_network(A2, lam=0, n_iter=3)
    with pytest.raises(InvalidArgument, match="n_iter"):
        fista_network(A2, lam=1, n_iter=0)
    with pytest.raises(InvalidArgument, match="step"):
        fista_network(A2, lam=1, n_iter=3, step=1)


# ------------------------------------------------------------------ training algorithms
def test_unrolled_warpd_reads_the_matrix_and_samples_at_its_level():
    om = build_class("P1", 3)
    tie = om.tie("I")
    oracle = tie.oracle(tighten=1)
    alg = UnrolledWARPd(level=22, eta=Q(1, 10), restarts=1)
    net = alg.train(oracle)
    assert oracle.samples_read == 2 and oracle.deepest_level == 22
    assert net.info["k"] == 16 and net.info["eps"] == Q(1, 10) and net.depth == 3 * 16 + 1
    C1, C2 = gadget_sharpness(oracle.matrix(22))
    assert C1 == 1 and net.info["C2"] == C2
    given = UnrolledWARPd(level=22, eta=Q(1, 10), restarts=1, w0=1)
    fresh = tie.oracle(tighten=1)
    given.train(fresh)
    assert fresh.samples_read == 1


@pytest.mark.parametrize("N, k", [(3, None), (16, 16)])
def test_unrolled_warpd_error_falls_about_e_per_restart_on_the_class(N, k):
    """The working constants C1 = 1, C2 = 2/alpha_hat (unrolled.py's docstring), and the
    paradox panel's 16 steps a restart at N1 = 15 (harness.default_panel's docstring): the
    certified error to the tie's solution set falls by a factor >= 2 per restart."""
    tie = build_class("P1", 3, N=N).tie("I")
    ball = Ball(256)
    y = ball.vector([Q(1), Q(0)])
    errors = []
    for restarts in (1, 2, 3):
        alg = UnrolledWARPd(level=22, eta=Q(1, 10), restarts=restarts, k=k)
        net = alg.train(tie.oracle())
        errors.append(distance(ball.entries(net(y, ball)), tie, 0).upper)
    assert errors[0] < Q(1, 1000)
    assert all(b < a / 2 for a, b in zip(errors, errors[1:], strict=False))


def test_unrolled_fista_reads_one_matrix():
    om = build_class("P2", 3)
    oracle = om.tie("I").oracle(tighten=1)
    net = UnrolledFISTA(level=22, lam=1, n_iter=5).train(oracle)
    assert oracle.samples_read == 1 and oracle.deepest_level == 22
    assert net.depth == 5 and net.info["problem"] == "P2"


@pytest.mark.parametrize("bad, match", [
    (dict(level=-1, eta=0), "level"),
    (dict(level=3, eta=-1), "eta"),
    (dict(level=3, eta=0, restarts=0), "restarts"),
    (dict(level=3, eta=0, C2=0), "C2"),
])
def test_unrolled_warpd_refuses_bad_parameters(bad, match):
    with pytest.raises(InvalidArgument, match=match):
        UnrolledWARPd(**bad)


def test_unrolled_algorithms_refuse_bad_types():
    with pytest.raises(InvalidType, match="ctx"):
        UnrolledFISTA(level=3, lam=1, ctx="ball")
    with pytest.raises(InvalidArgument, match="lam"):
        UnrolledFISTA(level=3, lam=0)
    with pytest.raises(InvalidType, match="oracle"):
        UnrolledFISTA(level=3, lam=1).train(object())


def test_the_harness_raises_the_precision_when_a_deep_network_widens_its_balls():
    """Six WARPd restarts (289 layers) widen 256-bit balls past 2^-64 of the output (about
    1e-15 at outputs near 1e-3); the harness repeats the evaluation at 512 bits."""
    from theorems.paradox.harness import _evaluate

    tie = build_class("P1", 3).tie("I")
    shallow = UnrolledWARPd(level=22, eta=Q(1, 10), restarts=3).train(tie.oracle())
    deep = UnrolledWARPd(level=22, eta=Q(1, 10), restarts=6).train(tie.oracle())
    assert _evaluate(shallow, [Q(1), Q(0)])[2] == "Ball(256)"
    point, mids, arithmetic = _evaluate(deep, [Q(1), Q(0)])
    assert arithmetic == "Ball(512)"
    assert all(e.rad() < abs(e.mid()) * 2.0**-64 for e in point if e.mid() != 0)
