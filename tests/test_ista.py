"""ISTA / FISTA for (P2) and the primal-dual solver for (P1): single steps against hand
computations, convergence to the gadget's closed-form minimisers (SPEC section 4), certified
Ball runs, and bad input."""

from __future__ import annotations

import flint
import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import AlgorithmError, InexactInput, InvalidArgument, InvalidType
from algorithms.solvers.ista import fista, ista, lasso_objective, lasso_step
from algorithms.solvers.pdhg import bpdn_steps, pdhg_bpdn

Q = gmpy2.mpq
CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]
IDS = [c.name for c in CONTEXTS]

# the gadget with a = (4, 3) (alpha = 3, eps = 1, switch j = 1): ||a|| = 5, m = 3, N = 4
GADGET = [[4, 3, 0, 0], [0, 0, 5, 0], [0, 0, 0, 5]]


def soft(t, r):
    return t - r if t > r else t + r if t < -r else Q(0)


def p2_minimiser(y0, c, lam):
    """SPEC section 4: u = ((2 a_j y0 - lam)/(2 a_j^2)) e_j, v_i = soft(c_i, lam/(2|a|))/|a|."""
    return [(2 * 4 * Q(y0) - lam) / (2 * 16), Q(0)] + [soft(Q(ci), lam / 10) / 5 for ci in c]


def dist(ctx, x, target) -> float:
    return float(max(abs(a - Q(b)) for a, b in zip(ctx.to_rationals(x), target, strict=True)))


# ------------------------------------------------------------------------------ single steps
def test_ista_one_step_by_hand() -> None:
    """A = [[1, 2]], y = 3, lam = 1, step 1/16 (<= 1/(2*5)): from 0 the gradient direction is
    2 A^T (0 - 3) = (-6, -12), so x1 = soft((6, 12)/16, 1/16) = (5/16, 11/16)."""
    x1 = ista([[1, 2]], [3], lam=1, n_iter=1, ctx=Exact(), step=Q(1, 16))
    assert list(x1) == [Q(5, 16), Q(11, 16)]
    # second step: r = A x1 - y = 27/16 - 3 = -21/16; x2 = soft(x1 + (1/8)(21/16)(1, 2), 1/16)
    x2 = ista([[1, 2]], [3], lam=1, n_iter=2, ctx=Exact(), step=Q(1, 16))
    assert list(x2) == [soft(Q(5, 16) + Q(21, 128), Q(1, 16)),
                        soft(Q(11, 16) + Q(42, 128), Q(1, 16))]


def test_fista_two_steps_by_hand() -> None:
    """Step 1 equals ISTA's; step 2 uses w = x1 + (1/4)(x1 - x0) (beta_2 = (2-1)/(2+2))."""
    A, y, s = [[1, 2]], [3], Q(1, 16)
    x1 = [Q(5, 16), Q(11, 16)]
    w = [v + (v - 0) / 4 for v in x1]
    r = w[0] + 2 * w[1] - 3
    x2 = [soft(w[0] - 2 * s * r, s), soft(w[1] - 2 * s * 2 * r, s)]
    assert list(fista(A, y, lam=1, n_iter=2, ctx=Exact(), step=s)) == x2


def test_pdhg_one_step_by_hand_with_tau_ne_sigma() -> None:
    """(P1) with eta = 0, A = [[1, 2]], y = 3, tau = 1/4, sigma = 1/8: x1 = soft(0, 1/4) = 0,
    v1 = 0 + sigma A (0) - sigma y = -3/8; x2 = soft(-tau A^T v1, tau) = soft((3/32, 3/16), 1/4)
    = 0; v2 = v1 - sigma y = -3/4."""
    x = pdhg_bpdn([[1, 2]], [3], eta=0, n_iter=2, ctx=Exact(), tau=Q(1, 4), sigma=Q(1, 8))
    assert list(x) == [0, 0]
    x4 = pdhg_bpdn([[1, 2]], [3], eta=0, n_iter=4, ctx=Exact(), tau=Q(1, 4), sigma=Q(1, 8))
    # x3 = soft((3/16, 3/8), 1/4) = (0, 1/8); v3 = -3/4 + sigma A (2 x3) - 3/8 = -17/16;
    # x4 = soft(x3 + (17/64)(1, 2), 1/4) = soft((17/64, 21/32), 1/4) = (1/64, 13/32)
    assert list(x4) == [Q(1, 64), Q(13, 32)]


def test_ista_decreases_the_lasso_objective_exactly() -> None:
    A, y = GADGET, [1, 2, Q(-1, 20)]
    ctx = Exact()
    values = []
    ista(A, y, lam=1, n_iter=6, ctx=ctx,
         callback=lambda r: values.append(lasso_objective(ctx, A, y, r.x, 1)))
    assert all(b <= a for a, b in zip(values, values[1:], strict=False))


# ------------------------------------------------------------------------------ convergence
@pytest.mark.parametrize("ctx", CONTEXTS[1:], ids=IDS[1:])
def test_ista_and_fista_reach_the_p2_closed_form(ctx) -> None:
    y0, c, lam = 1, [2, Q(-1, 20)], Q(1)
    target = p2_minimiser(y0, c, lam)
    x = ista(GADGET, [y0] + c, lam=lam, n_iter=400, ctx=ctx)
    assert dist(ctx, x, target) < 1e-14
    if ctx.kind == "ball":
        assert ctx.radius(x) < Q(1, 2**100)       # certified midpoint iteration: narrow
        assert ctx.contains(x, MP(300).to_rationals(ista(GADGET, [y0] + c, lam=lam, n_iter=400,
                                                          ctx=MP(300))))
    else:
        x = fista(GADGET, [y0] + c, lam=lam, n_iter=200, ctx=ctx)
        assert dist(ctx, x, target) < 1e-14


@pytest.mark.parametrize("ctx", [Ball(128), MP(128), Float64()], ids=["ball", "mp", "float64"])
def test_pdhg_reaches_the_p1_closed_form(ctx) -> None:
    """(P1) with c = 0 and eta < y0: u = ((y0 - eta)/a_j) e_j, v = 0 (SPEC section 4)."""
    x = pdhg_bpdn(GADGET, [1, 0, 0], eta=Q(1, 2), n_iter=1500, ctx=ctx)
    assert dist(ctx, x, [Q(1, 8), 0, 0, 0]) < 1e-12
    if ctx.kind == "ball":
        assert ctx.radius(x) < Q(1, 2**100)
        ref = pdhg_bpdn(GADGET, [1, 0, 0], eta=Q(1, 2), n_iter=1500, ctx=MP(300))
        assert ctx.contains(x, MP(300).to_rationals(ref))


def test_certified_ista_records_carry_growing_bounds_and_restore_precision() -> None:
    before = flint.ctx.prec
    recs = []
    ista(GADGET, [1, 2, 0], lam=1, n_iter=20, ctx=Ball(96), callback=recs.append)
    assert flint.ctx.prec == before
    bounds = [r.error_bound for r in recs]
    assert all(b is not None for b in bounds) and bounds == sorted(bounds)
    assert bounds[-1] < Q(1, 2**80)
    stop = []
    ista(GADGET, [1, 2, 0], lam=1, n_iter=20, ctx=Float64(),
         callback=lambda r: stop.append(r.iteration) or r.iteration == 4)
    assert stop == [1, 2, 3, 4]


# ------------------------------------------------------------------------------ bad input
def test_step_sizes_are_certified() -> None:
    s = lasso_step([[3, 0], [0, 4]])
    assert s <= Q(1, 32) and s > Q(1, 32) * (1 - Q(1, 2**30))
    assert lasso_step([[3, 0], [0, 4]], Q(1, 40)) == Q(1, 40)
    with pytest.raises(InvalidArgument, match=r"step=1/20 .* exceeds 1/\(2\|\|A\|\|\^2\)"):
        lasso_step([[3, 0], [0, 4]], Q(1, 20))
    with pytest.raises(InvalidArgument, match="step=0 must be > 0"):
        lasso_step([[1]], 0)
    L, t, s = bpdn_steps([[3, 0], [0, 4]])
    assert L >= 4 and t == s == Q(99, 100) / L
    with pytest.raises(InvalidArgument, match=r"tau\*sigma\*L\^2 = .* must be < 1"):
        bpdn_steps([[3, 0], [0, 4]], tau=Q(1, 4), sigma=Q(1, 4))
    # L = 3 < ||A||_2 = 4 provably: the message says so (it said 'could not be certified')
    with pytest.raises(InvalidArgument, match=r"L=3 \(3\) is below \|\|A\|\|_2 >= 4"):
        bpdn_steps([[3, 0], [0, 4]], L=3)


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: ista([[1, 2]], [1, 2], lam=1, n_iter=1, ctx=Exact()), InvalidArgument,
         "y has length 2 but A has shape"),
        (lambda: ista([[1, 2]], [1], lam=0, n_iter=1, ctx=Exact()), InvalidArgument,
         "lam=0 must be > 0"),
        (lambda: fista([[1, 2]], [1], lam=1, n_iter=0, ctx=Exact()), InvalidArgument,
         "n_iter=0 must be an integer >= 1"),
        (lambda: ista([[1, 0.5]], [1], lam=1, n_iter=1, ctx=Exact()), InexactInput,
         r"A\[0, 1\]=0.5 is a float"),
        (lambda: ista([[1, 2]], [1], lam=1, n_iter=1, ctx=None), InvalidType,
         "ctx has type NoneType"),
        (lambda: pdhg_bpdn([[1, 2]], [1], eta=-1, n_iter=1, ctx=Exact()), InvalidArgument,
         "eta=-1 must be >= 0"),
        (lambda: pdhg_bpdn([[1, 2]], [1], eta=0, n_iter=1, ctx=Exact(), callback=1), InvalidType,
         "callback=1 must be callable"),
        (lambda: ista([[0, 0]], [1], lam=1, n_iter=1, ctx=Exact()), InvalidArgument,
         "A is the zero matrix"),
    ],
)
def test_bad_input_raises_clear_errors(call, exc, words) -> None:
    with pytest.raises(exc, match=words):
        call()
    with pytest.raises(AlgorithmError):
        call()


def test_exact_p1_with_noise_needs_a_rational_norm() -> None:
    from algorithms.errors import InexactOperation

    with pytest.raises(InexactOperation, match="shrink"):
        pdhg_bpdn([[1, 2], [2, 1]], [3, 1], eta=Q(1, 2), n_iter=3, ctx=Exact())
    assert isinstance(pdhg_bpdn([[1, 2], [2, 1]], [3, 1], eta=0, n_iter=3, ctx=Exact()),
                      np.ndarray)
