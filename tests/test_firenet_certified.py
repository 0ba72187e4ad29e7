"""FIRENET's certified fixed-point Ball iteration: containment of the exact output on awkward
data (non-dyadic matrices, weights, ball inputs), the guard-bit rule, lazy network layers."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest
from flint import arb, arb_mat, fmpq, fmpz, fmpz_mat

from algorithms.arithmetic import MP, Ball, Exact
from algorithms.certify import ExactIntegerOperator, ceil_sqrt
from algorithms.networks import NeuralNetwork
from algorithms.solvers.firenet import (
    FirenetNetwork,
    default_guard_bits,
    firenet_network,
    firenet_parameters,
    firenet_solve,
)
from algorithms.solvers.firenet.certified import guard_schedule

Q = gmpy2.mpq


def exact_output(A, y, **kw) -> list[gmpy2.mpq]:
    """The exact-arithmetic FIRENET output (m = 1, so Exact can project)."""
    return list(firenet_solve(A, y, ctx=Exact(), **kw))


@pytest.mark.parametrize("A, y, extra", [
    # non-dyadic entries: A = Z / 21 exactly
    (np.array([[Q(1, 3), Q(-2, 7), Q(5, 21)]], dtype=object), [Q(2, 3)], {}),
    # dyadic entries of very different sizes, non-uniform weights
    (np.array([[Q(3, 2**40), Q(1), Q(-7, 8)]], dtype=object), [Q(1, 5)],
     {"weights": [1, Q(1, 3), 2]}),
    # rational tau != sigma
    (np.array([[Q(1), Q(2)]], dtype=object), [Q(3)], {"tau": Q(1, 5), "sigma": Q(1, 9)}),
])
@pytest.mark.parametrize("guard_bits", [None, 0])
def test_ball_contains_the_exact_output(A, y, extra, guard_bits) -> None:
    kw = dict(lam=Q(1, 4), n_outer=3, p_inner=4, delta="1e-6", eps0=2, **extra)
    exact = exact_output(A, y, **kw)
    recs: list = []
    out = firenet_solve(A, y, ctx=Ball(64), guard_bits=guard_bits, callback=recs.append, **kw)
    assert Ball(64).contains(out, exact)
    mids = Ball(64).to_rationals(out)
    dist2 = sum((Q(a) - b) ** 2 for a, b in zip(mids, exact, strict=True))
    assert dist2 <= recs[-1].error_bound ** 2
    assert recs[-1].error_bound < Q(1, 2**40)


def test_ball_input_with_radius_contains_every_output() -> None:
    """y given as balls: the result contains the exact output for the ball's midpoint and for
    points inside it."""
    A = np.array([[Q(1, 2), Q(-1, 4), Q(3, 8)]], dtype=object)
    kw = dict(lam=Q(1, 5), n_outer=2, p_inner=5, delta="1e-6", eps0=2)
    r = Q(1, 2**30)
    yb = arb_mat(1, 1, [arb(fmpq(3, 4), fmpq(1, 2**30))])
    out = firenet_solve(A, [Q(3, 4)], ctx=Ball(128), **kw)
    outb = FirenetNetwork(firenet_parameters(A, **kw))(yb, Ball(128))
    for yy in (Q(3, 4), Q(3, 4) + r, Q(3, 4) - r / 3):
        assert Ball(128).contains(outb, exact_output(A, [yy], **kw))
    assert Ball(128).radius(outb) > Ball(128).radius(out)


def test_guard_schedule_follows_the_rule() -> None:
    A = np.array([[Q(1), Q(2)], [Q(0), Q(1)]], dtype=object)
    P = firenet_parameters(A, lam=1, n_outer=30, p_inner=50, delta="1e-6", eps0=1)
    g = guard_schedule(P)
    assert g == [default_guard_bits(P)] * 30
    # n_outer log2(1/sqrt(1 - 0.99^2)) = 30 * 2.83 bits, log2(1501) = 10.6, + 8
    assert 30 * 2.83 + 10.5 + 8 <= g[0] <= 30 * 2.84 + 11 + 8 + 12


def test_every_restart_runs_at_the_full_guard() -> None:
    """No taper: restart k's working precision is prec + default_guard_bits (certified.py,
    "Guard bits": tapering loosened the convergence floor without a measurable speed gain)."""
    A = np.array([[Q(1), Q(2), Q(-1)]], dtype=object)
    recs: list = []
    firenet_solve(A, [Q(1)], lam=1, n_outer=5, p_inner=3, delta="1e-6", ctx=Ball(100),
                  callback=recs.append)
    wps = [r.working_prec for r in recs]
    P = firenet_parameters(A, lam=1, n_outer=5, p_inner=3, delta="1e-6", eps0=2)
    assert wps == [100 + default_guard_bits(P)] * 5


def test_exact_integer_operator() -> None:
    A = np.array([[Q(1, 3), Q(1, 4)], [Q(-5, 6), Q(0)]], dtype=object)
    op = ExactIntegerOperator(A)
    assert op.D == 12
    assert [int(e) for e in op.apply([1, 2]).entries()] == [4 + 6, -10]
    assert [int(e) for e in op.adjoint([1, 1]).entries()] == [4 - 10, 3]
    # the limb-split product (long, dense vectors on a larger matrix) is the same exact product
    rng = np.random.default_rng(7)
    B = np.array([[Q(int(v), 2**30) for v in row]
                  for row in rng.integers(-2**30, 2**30, (200, 330))], dtype=object)
    big = ExactIntegerOperator(B)
    xs = [int(v) << 300 | 12345 for v in rng.integers(-2**60, 2**60, 330)]
    vs = [int(v) << 200 for v in rng.integers(-2**60, 2**60, 200)]
    assert big.apply(xs) == big.Z * fmpz_mat(330, 1, xs)
    assert big.adjoint(vs) == big.ZT * fmpz_mat(200, 1, vs)
    assert big.adjoint([fmpz(v) for v in vs]) == big.ZT * fmpz_mat(200, 1, vs)
    # a short support: the product over the nonzero columns only, the same integers
    sparse = [0] * 330
    sparse[5], sparse[99] = 3 << 400, -(7 << 10)
    assert big.apply(sparse, [5, 99, 120]) == big.Z * fmpz_mat(330, 1, sparse)
    assert [ceil_sqrt(n) for n in (0, 1, 2, 4, 5, 9, 10)] == [0, 1, 2, 2, 3, 3, 4]


def test_network_layers_are_built_lazily_and_match_the_closed_forms() -> None:
    A = np.array([[Q(1), Q(2), Q(0)], [Q(1, 2), Q(0), Q(3)]], dtype=object)
    net = firenet_network(A, lam=1, n_outer=3, p_inner=4, delta="1e-6", eps0=5)
    net(["1", "1/2"], Ball(64))
    assert net.depth == 37 and net._layers is None        # solving never builds the layers
    full = NeuralNetwork(list(net.layers), input_size=2)
    assert (net.depth, net.widths, net.output_size) == (full.depth, full.widths,
                                                        full.output_size)
    assert net.layers is net.layers


def test_many_restarts_without_noise_reach_huge_iterates() -> None:
    """delta = 0: scale_k grows like e^k, so after 400 restarts the scaled iterate is about
    2^570 and its grid is coarser than 1 (negative grid exponents)."""
    A = np.array([[Q(1), Q(1, 2), Q(-1, 4)], [Q(0), Q(1), Q(1, 8)]], dtype=object)
    x = [Q(1), Q(0), Q(0)]
    y = list(A.dot(np.array(x, dtype=object)))
    kw = dict(lam=Q(1, 10), n_outer=400, p_inner=3, delta=0, eps0=2)
    recs: list = []
    out = firenet_solve(A, y, ctx=Ball(64), callback=recs.append, **kw)
    assert len(recs) == 400 and recs[-1].scale > 2**500
    mp = firenet_solve(A, y, ctx=MP(600), **kw)
    assert Ball(64).contains(out, MP(600).to_rationals(mp))


def test_large_matrix_uses_the_split_products_and_still_contains() -> None:
    """256 x 256 (the limb-split product path for the dense A^T v): a short run still
    contains a high-precision MP run."""
    rng = np.random.default_rng(11)
    A = np.array([[Q(int(v), 2**20) for v in row]
                  for row in rng.integers(-2**14, 2**14, (256, 256))], dtype=object)
    y = [Q(int(v), 2**10) for v in rng.integers(-2**10, 2**10, 256)]
    kw = dict(lam=Q(1, 100), n_outer=2, p_inner=3, delta="1e-6", eps0=64)
    out = firenet_solve(A, y, ctx=Ball(200), **kw)
    mp = firenet_solve(A, y, ctx=MP(800), **kw)
    assert Ball(200).contains(out, MP(800).to_rationals(mp))
    assert Ball(200).radius(out) < Q(1, 2**150)


def _gaussian_like(m: int, N: int, seed: int) -> tuple[np.ndarray, list]:
    """Gaussian entries N(0, 1/m) on the grid 2^-58, a 4-sparse x, y = A x."""
    rng = np.random.default_rng(seed)
    A = np.array([[Q(int(round(v * 2**58)), 2**58) for v in row]
                  for row in rng.standard_normal((m, N)) / np.sqrt(m)], dtype=object)
    x = [Q(0)] * N
    for i in rng.choice(N, 4, replace=False):
        x[i] = Q(int(rng.integers(-2**20, 2**20)), 2**18)
    return A, list(A.dot(np.array(x, dtype=object)))


def _balls(b) -> list[tuple]:
    return [(arb_to_mpq_(e.mid()), arb_to_mpq_(e.rad())) for e in b.entries()]


def arb_to_mpq_(a):
    from algorithms.arithmetic.ball import arb_to_mpq

    return arb_to_mpq(a)


@pytest.mark.parametrize("lam, screen_max, expect", [(Q(1, 3), None, "screened"),
                                                     (Q(1, 3), 1, "gave up"),
                                                     (Q(1, 10), None, "gave up")])
def test_screened_adjoint_gives_the_same_step_bit_for_bit(monkeypatch, lam, screen_max,
                                                          expect) -> None:
    """128 x 512 (65,536 entries: Z^T v is screened by a rigorous float estimate and formed
    exactly only where it matters): the output balls and every restart bound are those of the
    full exact product -- with lam = 1/3 (two entries pass the threshold: screened), with a
    cap of one exact entry (the screen gives up) and with lam = 1/10 (about 140 of 512 entries
    pass in these early restarts: it gives up and the full product runs)."""
    import algorithms.solvers.firenet.certified as cert

    A, y = _gaussian_like(128, 512, 5)
    kw = dict(lam=lam, n_outer=2, p_inner=6, delta="1e-6")
    calls = {"screened": 0, "gave up": 0}
    orig = cert._screened

    def counted(*a):
        out = orig(*a)
        calls["gave up" if out is None else "screened"] += 1
        return out

    monkeypatch.setattr(cert, "_screened", counted)
    if screen_max is not None:
        monkeypatch.setattr(cert, "_SCREEN_MAX", screen_max)
    recs: list = []
    out = firenet_solve(A, y, ctx=Ball(128), callback=recs.append, **kw)
    assert calls["screened"] + calls["gave up"] == 2 * (6 - 1)
    if expect is not None:
        assert calls[expect] > 0
    monkeypatch.setattr(ExactIntegerOperator, "screenable", property(lambda self: False))
    full_recs: list = []
    full = firenet_solve(A, y, ctx=Ball(128), callback=full_recs.append, **kw)
    assert _balls(out) == _balls(full)
    assert [r.error_bound for r in recs] == [r.error_bound for r in full_recs]


def test_adjoint_estimate_bounds_the_exact_product() -> None:
    """|(Z^T v)_i 2^-s - a_i| <= r_i on long integer vectors of every size and sign pattern,
    with the largest entries the rule allows (400 bits)."""
    rng = np.random.default_rng(2)
    for bits, vbits in [(61, 360), (400, 2000), (12, 30)]:
        Z = [[int(v) << (bits - 60) if bits > 60 else int(v) >> (60 - bits)
              for v in row] for row in rng.integers(-2**60, 2**60, (64, 1024))]
        op = ExactIntegerOperator(np.array([[Q(v) for v in row] for row in Z], dtype=object))
        assert op.screenable
        for scale in (vbits, vbits // 2, 0):
            v = [int(a) << max(0, scale - 60) for a in rng.integers(-2**60, 2**60, 64)]
            v[3] = 0
            a, r, s = op.adjoint_estimate(v)
            exact = op.adjoint(v).entries()
            for i in range(1024):
                assert abs(Q(int(exact[i]), 2**s) - Q(float(a[i]))) <= Q(float(r[i]))
            assert float(np.max(r / np.maximum(np.abs(a), 1e-300))) < 2.0 ** -20 or scale == 0


def _convergence_best(n_outer: int, precisions: list[int], floors: bool) -> list[tuple]:
    """``(context, role, best restart, best certified bound, working bits)`` of the convergence
    experiment's runs on its default instance (``python -m theorems convergence``)."""
    from theorems.convergence.restarts import convergence_runs, prepare

    runs = convergence_runs(prepare(None), n_outer=n_outer, precisions=precisions,
                            float64=False, floor_noise="1e-30" if floors else None,
                            floor_delta="1e-40" if floors else None)
    out = []
    for r in runs:
        best = min(r.points, key=lambda p: p.upper)
        out.append((r.context, r.role, best.restart, best.upper, r.working_prec))
    return out


def test_convergence_certified_numbers_are_pinned() -> None:
    """The certified bounds the convergence experiment prints come from this solver: 12
    restarts of its default instance at 128 bits, pinned exactly (a change of the guard rule,
    of a rounding or of a local error bound moves this number)."""
    [(ctx, role, k, upper, wp)] = _convergence_best(12, [128], floors=False)
    assert (ctx, role, k, wp) == ("ball-128", "main", 12, 148)
    assert upper == Q(800846096082820081, 75557863725914323419136)


@pytest.mark.slow
def test_convergence_floors_are_no_wider_than_before_the_fixed_point_step() -> None:
    """The full default run (200 restarts, p = 30): the numbers of CONVERGENCE.md's table, no
    wider than they were with the ball-arithmetic step (1.63e-79 at 256 bits in 319 working
    bits, 8.4e-46 at 128 bits in 191 bits, the noise and delta floors 1.16e-30 and 2.6e-41),
    pinned to four digits as measured with this step (certified.py, "Guard bits")."""
    rows = {(c, r): (k, float(u), wp) for c, r, k, u, wp in
            _convergence_best(200, [128, 256], floors=True)}
    assert rows[("ball-128", "main")][2] == 191 and rows[("ball-256", "main")][2] == 319
    assert rows[("ball-128", "main")][:2] == (108, pytest.approx(2.024e-46, rel=1e-3))
    assert rows[("ball-256", "main")][:2] == (185, pytest.approx(4.214e-80, rel=1e-3))
    assert rows[("ball-256", "noise floor")][1] == pytest.approx(1.161e-30, rel=1e-3)
    assert rows[("ball-256", "delta floor")][1] == pytest.approx(2.584e-41, rel=1e-3)


def test_ratio_down_is_a_lower_bound_everywhere() -> None:
    from algorithms.solvers.firenet.certified import _ratio_down

    for n, d in [(3, 7), (2**1100, 3), (1, 2**1100), (2**1001, 1), (2**1024 - 1, 1),
                 (10**40 + 7, 3**50), (0, 5)]:
        f = _ratio_down(n, d)
        assert Q(f) <= Q(n, d) and (n == 0 or Q(f) > 0 or Q(n, d) < Q(1, 2**999))
