r"""FIRENET: the restarted primal-dual iteration of the paper, as a solver and as a network.

Problem (weighted square-root LASSO, SPEC section 7; paper, section on FIRENETs)::

    minimize_x  lam * sum_i w_i |x_i| + ||A x - y||_2
    = min_x max_{||v||_2 <= 1}  lam ||x||_{1,w} + <A x - y, v>.

Iteration (our transcription of the paper's restart scheme; ``nu`` is ``e^-1``)::

    psi_0 = 0,  e_0 = eps0
    for k = 1..n_outer:
        e_k     = nu * (delta + e_{k-1})
        scale_k = 2 L / (e_k p)                       (L >= ||A||_2 certified)
        x = scale_k psi_{k-1},  v = 0,  s = 0
        repeat p times:                               (Chambolle-Pock, data scale_k y)
            x+ = soft(x - tau A^T v,  tau lam w)
            v  = proj_{||.||<=1}(v + sigma A (2 x+ - x) - sigma scale_k y)
            s  = s + x+ ;  x = x+
        psi_k = s / (p scale_k)
    return psi_{n_outer}

``tau sigma L^2 < 1`` is checked (a violation raises).  Exact parameters: every quantity above
is an exact rational fixed before the run -- ``L`` and ``eps0`` are certified dyadic upper
bounds (of ``||A||_2`` and ``||y||_2``), ``nu`` is the double nearest ``e^-1`` read as an exact
rational, and each ``e_k`` and ``scale_k`` is rounded to a 53-bit dyadic (so it is exact in
every binary context).  "The exact-arithmetic output" below means this iteration carried out
in exact real arithmetic with these rational parameters.

As a network (:func:`firenet_network`) each inner step is three layers (SPEC section 7):

1. ``[soft(x - tau A^T v), s, v - sigma A x - sigma scale y]``      width ``2N + m``
2. ``[x+, s + x+, u, u]`` with ``u = (..) + 2 sigma A x+``, then square the second ``u``
                                                                    width ``2N + 2m``
3. ``[x+, s, u, t = sum(u_i^2)]``, then gate ``u * min(1, t^-1/2)`` width ``2N + m + 1``

A restart's transition ``x = scale_k psi_{k-1}, v = 0, s = 0`` is linear in the previous ``s``
and is folded into the next first layer; a last affine layer returns ``s / (p scale_n)``.  The
depth is ``3 n_outer p + 1``.  The solver performs the very same operations in the very same
order, so in ``Float64`` (and ``MP``, ``Exact``) it reproduces the network bit for bit.  (The
widths leave no room to carry the old ``x`` into layer 2, so the network -- and hence the
uncertified solver -- forms ``A x`` and ``A x+`` separately: three matrix products per step.
The certified Ball iteration uses ``A (2 x+ - x)``: two products.  Mathematically the same
map.)

Certified iteration in ``Ball`` (no wrapping effect)
----------------------------------------------------
Pushing balls through thousands of steps is useless: the radii grow by a constant factor per
step (the wrapping effect) although the midpoints stay accurate.  Instead ``firenet_solve``
iterates on exact dyadic midpoints and certifies the run with the iteration's own stability.

*One step.*  Write ``z = (x, v)`` and ``T`` for the exact primal-dual step (with data
``scale_k y``).  From the stored point ``z_j`` (an exact dyadic vector) one step is evaluated
in ball arithmetic: the result is a box that contains ``T(z_j)``.  Its midpoint is stored as
``z_{j+1}`` and ``r_j = z_{j+1} - T(z_j)`` is bounded entrywise by the radii.  (The dual half
uses the stored ``x_{j+1}``, not ``T_x(z_j)``; since the projection is 1-Lipschitz this adds at
most ``2 sigma L |r_x|`` to the dual error.)  So ``|r_j|_2 <= (1 + 2 sigma L) |rad_x|_1 +
|rad_v|_1``, accumulated over a restart as one vector sum per block.

*Nonexpansiveness.*  The step is the proximal-point map of a maximal monotone operator in the
metric ``M = [[I/tau, -A^T], [-A, I/sigma]]``, hence nonexpansive in ``|z|_M = sqrt(z^T M z)``.
``M`` is positive definite when ``tau sigma ||A||^2 < 1``; its largest eigenvalue is at most
``lmax = ((a + b) + sqrt((a - b)^2 + 4 L^2)) / 2`` with ``a = 1/tau``, ``b = 1/sigma``.  So for the
exact iterates ``z^_j``::

    D_{j+1} := |z_{j+1} - z^_{j+1}|_M <= |T z_j - T z^_j|_M + |r_j|_M <= D_j + sqrt(lmax) |r_j|_2.

*Restart.*  ``v`` is reset to 0 in both runs, so ``D_0 = |x_0 - x^_0|_2 / sqrt(tau)``.  To read
the primal error back, minimise the M-norm over the dual part: ``|(dx, dv)|_M^2 >= dx^T (I/tau -
sigma A^T A) dx >= q |dx|^2`` with ``q = 1/tau - sigma L^2 > 0``.  Hence each ``|x_j - x^_j|_2 <=
D_j / sqrt(q) <= D_p / sqrt(q)`` and the average ``psi_k`` is off by at most
``D_p / (sqrt(q) scale_k)`` plus the (ball-bounded) rounding of the sum and the division.  The
next restart starts from ``scale_{k+1} psi_k`` with error ``scale_{k+1}`` times that plus its
own rounding.  All bounds are exact rationals rounded upward.

*Cost of rigour.*  A restart can multiply an earlier error by up to ``1/sqrt(tau q) =
1/sqrt(1 - tau sigma L^2)`` (about 7.1 for ``tau = sigma = 0.99/L``): the reset of ``v`` throws
away the dual part of the M-norm.  The bound is therefore about ``2^-prec`` times
``(1 - tau sigma L^2)^(-n_outer/2)``; to deliver results accurate to about ``2^-prec`` the Ball
iteration runs its midpoints with ``guard_bits`` extra bits (by default just enough to absorb
that factor; pass ``guard_bits=0`` to work at exactly ``prec`` bits).  The returned balls contain
the exact-arithmetic output; the per-restart records carry the 2-norm bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np
from flint import arb, arb_mat

from algorithms.arithmetic.ball import Ball, flint_prec, mpq_to_arb
from algorithms.arithmetic.base import Context, Vec
from algorithms.arithmetic.float64 import Float64
from algorithms.certify import (
    arb_matrix,
    arb_vector,
    bound_up,
    notify,
    pd_metric_bounds,
    rad2,
    rad_l1,
    soft_threshold_balls,
)
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.linalg import spectral_norm_bounds
from algorithms.networks import (
    Activation,
    Block,
    Coefficient,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
    RationalMatrix,
    RationalVector,
)
from algorithms.rationals import (
    as_mpq,
    as_mpq_matrix,
    as_mpq_vector,
    as_positive_int,
    as_problem_data,
    dyadic_round,
    mpq_sqrt_upper,
)

__all__ = [
    "NU",
    "FirenetParameters",
    "RestartRecord",
    "firenet_parameters",
    "firenet_solve",
    "firenet_network",
    "FirenetNetwork",
    "FIRENET",
    "default_guard_bits",
    "norm2_upper",
]

#: ``e^-1`` as used by the restart schedule: the double nearest to it, as an exact rational
NU = gmpy2.mpq(math.exp(-1))
_PARAM_BITS = 53


# =============================================================================== parameters
@dataclass(frozen=True)
class FirenetParameters:
    """Every exact rational that defines one FIRENET run (see the module docstring)."""

    A: np.ndarray = field(repr=False)
    lam: gmpy2.mpq
    weights: np.ndarray = field(repr=False)
    n_outer: int
    p_inner: int
    delta: gmpy2.mpq
    L: gmpy2.mpq
    tau: gmpy2.mpq
    sigma: gmpy2.mpq
    eps0: gmpy2.mpq
    #: ``e_1..e_n`` (53-bit dyadics)
    schedule: tuple[gmpy2.mpq, ...] = field(repr=False)
    #: ``scale_1..scale_n`` (53-bit dyadics)
    scales: tuple[gmpy2.mpq, ...] = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    @property
    def thresholds(self) -> np.ndarray:
        """``tau * lam * w`` (exact)."""
        return np.array([self.tau * self.lam * w for w in self.weights], dtype=object)

    def restart_factor(self, k: int) -> gmpy2.mpq:
        """``c_k = scale_k / (p scale_{k-1})``: the map from the previous sum ``s`` to ``x_0``."""
        return self.scales[k - 1] / (self.p_inner * self.scales[k - 2])

    def readout(self, k: int) -> gmpy2.mpq:
        """``1 / (p scale_k)``: the map from the sum ``s`` of restart ``k`` to ``psi_k``."""
        return 1 / (self.p_inner * self.scales[k - 1])

    def describe(self) -> dict[str, Any]:
        m, N = self.shape
        return {
            "m": m, "N": N, "lam": str(self.lam), "n_outer": self.n_outer,
            "p_inner": self.p_inner, "delta": str(self.delta), "L": float(self.L),
            "tau": float(self.tau), "sigma": float(self.sigma), "eps0": float(self.eps0),
        }


def firenet_parameters(
    A: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    eps0: object,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
) -> FirenetParameters:
    """Validate the settings and fix every exact parameter of a run.

    Defaults: ``L`` a certified dyadic upper bound of ``||A||_2``; ``tau = sigma = 0.99 / L``;
    ``weights`` all ones.  ``tau * sigma * L^2 < 1`` is checked exactly.  A user-supplied ``L``
    must be provably ``>= ||A||_2``.
    """
    Aq = as_mpq_matrix(A, "A")
    m, N = Aq.shape
    if m < 1 or N < 1:
        raise InvalidArgument(f"A has shape {Aq.shape}; it needs at least one row and column")
    lam_q = as_mpq(lam, "lam")
    if lam_q <= 0:
        raise InvalidArgument(f"lam={lam_q} must be > 0")
    n_outer = as_positive_int(n_outer, "n_outer")
    p_inner = as_positive_int(p_inner, "p_inner")
    delta_q = as_mpq(delta, "delta")
    if delta_q < 0:
        raise InvalidArgument(f"delta={delta_q} must be >= 0")
    eps0_q = as_mpq(eps0, "eps0")
    if eps0_q < 0:
        raise InvalidArgument(f"eps0={eps0_q} must be >= 0")
    if delta_q + eps0_q == 0:
        raise InvalidArgument(
            f"delta={delta_q} and eps0={eps0_q} are both 0: the restart schedule e_k would be 0 "
            f"and scale_k = 2L/(e_k p) undefined; pass a positive eps0 or delta")
    if weights is None:
        w = np.array([gmpy2.mpq(1)] * N, dtype=object)
    else:
        w = as_mpq_vector(weights, "weights", N)
        bad = [i for i, v in enumerate(w) if v <= 0]
        if bad:
            raise InvalidArgument(f"weights[{bad[0]}]={w[bad[0]]} must be > 0")
    lo, hi = spectral_norm_bounds(Aq)
    if hi == 0:
        raise InvalidArgument("A is the zero matrix; FIRENET needs ||A||_2 > 0")
    if L is None:
        L_q = hi
    else:
        L_q = as_mpq(L, "L")
        if L_q < lo:
            raise InvalidArgument(
                f"L={L_q} ({float(L_q):.6g}) is below ||A||_2 >= {float(lo):.12g}; L must be an "
                f"upper bound of ||A||_2 (omit it to use a certified one)")
        if L_q < hi:
            raise InvalidArgument(
                f"L={L_q} ({float(L_q):.12g}) could not be certified to be >= ||A||_2 (certified "
                f"upper bound {float(hi):.12g}); pass L >= {hi} or omit it")
    default_step = gmpy2.mpq(99, 100) / L_q
    tau_q = default_step if tau is None else as_mpq(tau, "tau")
    sigma_q = default_step if sigma is None else as_mpq(sigma, "sigma")
    if tau_q <= 0:
        raise InvalidArgument(f"tau={tau_q} must be > 0")
    if sigma_q <= 0:
        raise InvalidArgument(f"sigma={sigma_q} must be > 0")
    prod = tau_q * sigma_q * L_q * L_q
    if prod >= 1:
        raise InvalidArgument(
            f"tau*sigma*L^2 = {float(prod):.6g} must be < 1 (tau={tau_q}, sigma={sigma_q}, "
            f"L={float(L_q):.12g}): the primal-dual step is not nonexpansive otherwise")
    schedule, scales = [], []
    e = eps0_q
    for _ in range(n_outer):
        e = dyadic_round(NU * (delta_q + e), _PARAM_BITS, "up")
        schedule.append(e)
        scales.append(dyadic_round(2 * L_q / (e * p_inner), _PARAM_BITS, "nearest"))
    return FirenetParameters(Aq, lam_q, w, n_outer, p_inner, delta_q, L_q, tau_q, sigma_q, eps0_q,
                             tuple(schedule), tuple(scales))


def norm2_upper(y: object) -> gmpy2.mpq:
    """A certified 53-bit dyadic upper bound of ``||y||_2`` for a rational vector ``y``."""
    y = as_mpq_vector(y, "y")
    sq = sum((v * v for v in y), gmpy2.mpq(0))
    return dyadic_round(mpq_sqrt_upper(sq, 64), _PARAM_BITS, "up") if sq else gmpy2.mpq(0)


# =============================================================================== records
@dataclass(frozen=True)
class RestartRecord:
    """What a callback receives after restart ``restart`` (1-based).

    ``psi`` is ``psi_k`` in the run's context.  ``error_bound`` (``Ball`` only, else ``None``) is
    a rigorous bound on ``||midpoint(psi) - psi^_k||_2`` where ``psi^_k`` is the exact-arithmetic
    iterate; the balls of ``psi`` already contain ``psi^_k``.  ``working_prec`` is the precision
    of the midpoint iteration (``prec + guard_bits``).
    """

    restart: int
    e: gmpy2.mpq
    scale: gmpy2.mpq
    psi: Vec = field(repr=False)
    error_bound: gmpy2.mpq | None
    working_prec: int | None
    seconds: float


Callback = Callable[[RestartRecord], object]


# =============================================================================== the network
class _Weights:
    """Rational matrices and coefficients shared by the network and the generic solver."""

    def __init__(self, P: FirenetParameters):
        A = P.A
        m, N = A.shape
        self.P = P
        self.Bt = RationalMatrix(np.array(-P.tau * A.T, dtype=object), "-tau A^T")
        self.C = RationalMatrix(np.array(-P.sigma * A, dtype=object), "-sigma A")
        self.C2 = RationalMatrix(np.array(2 * P.sigma * A, dtype=object), "2 sigma A")
        self.ones = RationalMatrix(np.full((1, m), gmpy2.mpq(1), dtype=object), "ones")
        self.th = RationalVector(P.thresholds, "tau lam w")
        self.g = [Coefficient(-P.sigma * s, "g") for s in P.scales]
        self.c = [None] + [Coefficient(P.restart_factor(k), "c") for k in range(2, P.n_outer + 1)]
        self.r = [Coefficient(P.readout(k), "r") for k in range(1, P.n_outer + 1)]
        #: ball enclosures of (-tau A^T, sigma A, thresholds) per working precision
        self.balls: dict[int, tuple[arb_mat, arb_mat, list]] = {}

    def ball_weights(self, wp: int) -> tuple[arb_mat, arb_mat, list]:
        """``(-tau A^T, sigma A, tau lam w)`` enclosed at ``wp`` bits (call inside flint_prec)."""
        hit = self.balls.get(wp)
        if hit is None:
            P = self.P
            hit = (arb_matrix(np.ascontiguousarray(P.A.T), -P.tau), arb_matrix(P.A, P.sigma),
                   [mpq_to_arb(t) for t in P.thresholds])
            self.balls[wp] = hit
        return hit


def _layers(W: _Weights) -> list[Layer]:
    P = W.P
    m, N = P.shape
    one = Coefficient(1, "1")
    soft = Activation.soft_threshold(W.th)
    state = (N, N, m, 1)           # [x, s, v, t] after every third layer
    after1 = (N, N, m)             # [x+, s, q]
    after2 = (N, N, m, m)          # [x+, s+, u, u^2]
    X, S, V = 0, 1, 2
    layers: list[Layer] = []
    for k in range(1, P.n_outer + 1):
        g = Identity(0, W.g[k - 1])
        for j in range(1, P.p_inner + 1):
            if k == 1 and j == 1:            # x = 0, v = 0, s = 0; the input is y alone
                in_sizes: tuple[int, ...] = (m,)
                b_x = Block(N, activation=soft)
                b_s = Block(N)
                b_q = Block(m, input_terms=(g,))
            elif j == 1:                     # x = c_k s_prev, v = 0, s = 0
                in_sizes = state
                b_x = Block(N, terms=(Identity(S, W.c[k - 1]),), activation=soft)
                b_s = Block(N)
                b_q = Block(m, terms=(Dense(S, W.C, W.c[k - 1]),), input_terms=(g,))
            else:
                in_sizes = state
                b_x = Block(N, terms=(Identity(X, one), Dense(V, W.Bt, one)), activation=soft)
                b_s = Block(N, terms=(Identity(S, one),))
                b_q = Block(m, terms=(Identity(V, one), Dense(X, W.C, one)), input_terms=(g,))
            layers.append(Layer(in_sizes, [b_x, b_s, b_q], m))
            u_terms = (Identity(2, one), Dense(0, W.C2, one))
            layers.append(Layer(after1, [
                Block(N, terms=(Identity(0, one),)),
                Block(N, terms=(Identity(1, one), Identity(0, one))),
                Block(m, terms=u_terms),
                Block(m, terms=u_terms, activation=Activation("square")),
            ], m))
            layers.append(Layer(after2, [
                Block(N, terms=(Identity(0, one),)),
                Block(N, terms=(Identity(1, one),)),
                Block(m, terms=(Identity(2, one),), activation=Activation.gate(3)),
                Block(1, terms=(Dense(3, W.ones, one),)),
            ], m))
    layers.append(Layer(state, [Block(N, terms=(Identity(S, W.r[-1]),))], m))
    return layers


class FirenetNetwork(NeuralNetwork):
    """The FIRENET network: an ordinary :class:`NeuralNetwork` that also knows its parameters.

    :meth:`forward` evaluates layer by layer (in ``Ball`` that is naive ball propagation, which
    is rigorous but suffers the wrapping effect).  ``net(y, ctx)`` computes the same function
    with the fast solver: bit-identical to ``forward`` in ``Float64``/``MP``/``Exact``, and in
    ``Ball`` the certified midpoint iteration, whose balls contain the exact network output.
    """

    def __init__(self, P: FirenetParameters, *, name: str = "FIRENET",
                 default_ctx: Context | None = None, info: dict | None = None):
        self.parameters = P
        self._weights = _Weights(P)
        m, _ = P.shape
        super().__init__(_layers(self._weights), input_size=m, name=name,
                         default_ctx=default_ctx, info=info if info is not None else P.describe())

    def __call__(self, y: object, ctx: Context | None = None, *, callback: Callback | None = None,
                 guard_bits: int | None = None) -> Vec:
        ctx = self._ctx(ctx)
        return _run(self.parameters, self._weights, y, ctx, callback, True, guard_bits)


def firenet_network(
    A: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    eps0: object,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
    default_ctx: Context | None = None,
    name: str = "FIRENET",
) -> FirenetNetwork:
    """FIRENET as a :class:`FirenetNetwork` for the matrix ``A`` (input ``y``, output ``psi``).

    ``eps0`` is required: the network is built before ``y`` is known, so the initial error bound
    (``||y||_2`` in :func:`firenet_solve`) must be supplied.  Depth ``3 n_outer p_inner + 1``;
    widths ``(m, [2N+m, 2N+2m, 2N+m+1] * (n_outer p_inner), N)``.
    """
    if eps0 is None:
        raise InvalidArgument(
            "eps0=None: the network is built before y is known; pass an upper bound on the "
            "initial error, e.g. an upper bound of ||y||_2 over the inputs you will use")
    P = firenet_parameters(A, lam=lam, n_outer=n_outer, p_inner=p_inner, delta=delta, eps0=eps0,
                           weights=weights, L=L, tau=tau, sigma=sigma)
    return FirenetNetwork(P, name=name, default_ctx=default_ctx)


# =============================================================================== the solver
def firenet_solve(
    A: object,
    y: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    ctx: Context,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
    eps0: object | None = None,
    callback: Callback | None = None,
    certify: bool = True,
    guard_bits: int | None = None,
) -> Vec:
    """Run FIRENET on rational data ``(A, y)`` in the context ``ctx``; return ``psi`` (length N).

    ``eps0`` defaults to a certified upper bound of ``||y||_2``.  ``callback(record)`` is called
    after every restart with a :class:`RestartRecord`; a truthy return value stops the run (the
    current ``psi`` is returned).  In ``Ball`` with ``certify=True`` (default) the certified
    midpoint iteration of the module docstring is used: the returned balls contain the
    exact-arithmetic output; ``guard_bits`` (default: automatic) extra bits are used for the
    midpoints.  With ``certify=False`` balls are propagated naively (rigorous but wide).
    """
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    Aq, yq = as_problem_data(A, y)
    e0 = norm2_upper(yq) if eps0 is None else eps0
    P = firenet_parameters(Aq, lam=lam, n_outer=n_outer, p_inner=p_inner, delta=delta, eps0=e0,
                           weights=weights, L=L, tau=tau, sigma=sigma)
    return _run(P, _Weights(P), yq, ctx, callback, certify, guard_bits)


def _run(P: FirenetParameters, W: _Weights, y: object, ctx: Context, callback: Callback | None,
         certify: bool, guard_bits: int | None) -> Vec:
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")
    if isinstance(ctx, Ball) and certify:
        return _solve_ball(P, W, y, ctx, callback, guard_bits)
    if guard_bits is not None:
        raise InvalidArgument(
            f"guard_bits={guard_bits} only applies to the certified Ball iteration")
    m, _ = P.shape
    yv = ctx.as_vector(y)
    if ctx.size(yv) != m:
        raise InvalidArgument(f"y has length {ctx.size(yv)}; length {m} is required")
    if isinstance(ctx, Float64):
        return _solve_float64(P, W, yv, ctx, callback)
    return _solve_generic(P, W, yv, ctx, callback)


def _solve_generic(P: FirenetParameters, W: _Weights, y: Vec, ctx: Context,
                   callback: Callback | None) -> Vec:
    """The network's operations, in the network's order (see :func:`_layers`)."""
    m, N = P.shape
    Bt, C, C2, ones = W.Bt.on(ctx), W.C.on(ctx), W.C2.on(ctx), W.ones.on(ctx)
    th = W.th.on(ctx)
    x = v = s = None
    psi = None
    for k in range(1, P.n_outer + 1):
        t0 = time.perf_counter()
        gy = ctx.scale(W.g[k - 1].on(ctx), y)
        for j in range(1, P.p_inner + 1):
            if k == 1 and j == 1:
                x1 = ctx.soft_threshold(ctx.zeros(N), th)
                s = ctx.zeros(N)
                q = gy
            elif j == 1:
                ck = W.c[k - 1].on(ctx)
                x1 = ctx.soft_threshold(ctx.scale(ck, s), th)
                q = ctx.add(ctx.matvec(C, ctx.scale(ck, s)), gy)
                s = ctx.zeros(N)
            else:
                x1 = ctx.soft_threshold(ctx.add(x, ctx.matvec(Bt, v)), th)
                q = ctx.add(ctx.add(v, ctx.matvec(C, x)), gy)
            s = ctx.add(s, x1)
            u = ctx.add(q, ctx.matvec(C2, x1))
            t = ctx.item(ctx.matvec(ones, ctx.square(u)), 0)
            v = ctx.gate(u, t)
            x = x1
        r = W.r[k - 1]
        psi = s if r.q == 1 else ctx.scale(r.on(ctx), s)
        if callback is not None:
            rec = RestartRecord(k, P.schedule[k - 1], P.scales[k - 1], psi, None, ctx.prec,
                                time.perf_counter() - t0)
            if callback(rec):
                break
    return psi


def _solve_float64(P: FirenetParameters, W: _Weights, y: np.ndarray, ctx: Float64,
                   callback: Callback | None) -> np.ndarray:
    """:func:`_solve_generic` specialised to numpy (the same float operations, less overhead)."""
    m, N = P.shape
    Bt, C, C2 = W.Bt.on(ctx).data, W.C.on(ctx).data, W.C2.on(ctx).data
    ones = W.ones.on(ctx).data
    th = W.th.on(ctx)
    maximum, minimum, sqrt = np.maximum, np.minimum, math.sqrt
    x = v = s = None
    psi = None
    for k in range(1, P.n_outer + 1):
        t0 = time.perf_counter()
        gy = ctx.scalar(W.g[k - 1].q) * y
        for j in range(1, P.p_inner + 1):
            if k == 1 and j == 1:
                z = np.zeros(N)
                q = gy
                s = np.zeros(N)
            elif j == 1:
                ck = ctx.scalar(W.c[k - 1].q)
                z = ck * s
                q = C.dot(ck * s) + gy
                s = np.zeros(N)
            else:
                z = x + Bt.dot(v)
                q = (v + C.dot(x)) + gy
            x = maximum(z - th, 0.0) + minimum(z + th, 0.0)
            s = s + x
            u = q + C2.dot(x)
            t = float(ones.dot(u * u)[0])
            v = u * (1.0 / sqrt(max(t, 1.0)))
        r = W.r[k - 1]
        psi = s if r.q == 1 else ctx.scalar(r.q) * s
        if callback is not None:
            rec = RestartRecord(k, P.schedule[k - 1], P.scales[k - 1], psi, None, 53,
                                time.perf_counter() - t0)
            if callback(rec):
                break
    return psi


# =============================================================================== certified Ball
def default_guard_bits(P: FirenetParameters) -> int:
    """Extra bits that absorb the a-priori growth factor of the certified bound:
    ``n_outer log2(1/sqrt(1 - tau sigma L^2)) + log2(steps) + log2(sqrt(lmax/q)) + 8``."""
    per_restart = -0.5 * math.log2(1 - float(P.tau * P.sigma * P.L * P.L))
    _, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    steps = P.n_outer * P.p_inner
    return int(math.ceil(P.n_outer * per_restart + math.log2(steps + 1)
                         + math.log2(max(float(sqrt_lmax * inv_sqrt_q), 1.0)) + 8))


def _solve_ball(P: FirenetParameters, W: _Weights, y: object, ctx: Ball,
                callback: Callback | None, guard_bits: int | None) -> arb_mat:
    """The certified midpoint iteration (module docstring)."""
    m, N = P.shape
    guard = default_guard_bits(P) if guard_bits is None else as_positive_int(
        guard_bits, "guard_bits", 0)
    wp = ctx.prec + guard
    inv_sqrt_tau, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    kx = 1 + 2 * P.sigma * P.L
    with flint_prec(wp) as scope:
        if isinstance(y, arb_mat):
            if y.nrows() != m or y.ncols() != 1:
                raise InvalidArgument(f"y has shape ({y.nrows()}, {y.ncols()}); ({m}, 1) needed")
            yb = y
        else:
            yb = arb_vector(as_mpq_vector(y, "y", m))
        Bt, Cs, th = W.ball_weights(wp)
        nth = [-t for t in th]
        one, two = arb(1), arb(2)
        x = arb_mat(N, 1)
        v = arb_mat(m, 1)
        s = arb_mat(N, 1)
        e_avg = gmpy2.mpq(0)             # bound on |avg(stored x)/scale - psi^| of last restart
        psi = arb_mat(N, 1)
        for k in range(1, P.n_outer + 1):
            t0 = time.perf_counter()
            scale = P.scales[k - 1]
            gy = yb * mpq_to_arb(-P.sigma * scale)
            if k == 1:
                d0 = gmpy2.mpq(0)
            else:
                x0b = s * mpq_to_arb(P.restart_factor(k))
                x = x0b.mid()
                d0 = bound_up((rad2(x0b) + scale * e_avg) * inv_sqrt_tau)
                v = arb_mat(m, 1)
                s = arb_mat(N, 1)
            rx = arb_mat(N, 1)
            rv = arb_mat(m, 1)
            for _ in range(P.p_inner):
                xb = soft_threshold_balls(x + Bt * v, th, nth)
                x1 = xb.mid()
                rx += xb - x1            # zero-centred: radii add up the r_x
                s += x1
                ub = v + Cs * (x1 * two - x) + gy
                tb = (ub.transpose() * ub)[0, 0]
                vb = ub * tb.max(one).rsqrt()
                v = vb.mid()
                rv += vb - v
                x = x1
            sum_rho = kx * rad_l1(rx) + rad_l1(rv)
            dp = d0 + sqrt_lmax * sum_rho
            e_avg = bound_up(dp * inv_sqrt_q / scale)
            psi_b = s * mpq_to_arb(P.readout(k))
            eb = arb(0, _fmpq(e_avg))
            psi = arb_mat(N, 1, [b + eb for b in psi_b.entries()])
            if callback is not None:
                bound = bound_up(rad2(psi_b) + e_avg)
                rec = RestartRecord(k, P.schedule[k - 1], scale, psi, bound, wp,
                                    time.perf_counter() - t0)
                if notify(callback, rec, scope):
                    break
        return psi


def _fmpq(q: gmpy2.mpq) -> Any:
    from flint import fmpq

    return fmpq(int(q.numerator), int(q.denominator))


# =============================================================================== training
@dataclass(frozen=True, kw_only=True)
class FIRENET:
    """The FIRENET training algorithm: read ``A_level`` once and return the network.

    ``train(oracle)`` reads ``oracle.matrix(level)`` exactly once.  If ``eps0`` is ``None`` it
    also reads every sample ``y_{k, level}`` and uses a certified upper bound of their largest
    2-norm (the network is built before its input is known, so the paper's ``eps0 = ||y||``
    becomes a bound over the training samples); pass ``eps0`` to read the matrix only.
    ``ctx`` becomes the returned network's default evaluation context.
    """

    level: int
    lam: object
    n_outer: int = 30
    p_inner: int = 50
    delta: object = "1e-6"
    ctx: Context | None = None
    weights: object | None = None
    L: object | None = None
    tau: object | None = None
    sigma: object | None = None
    eps0: object | None = None
    name: str = "FIRENET"

    def __post_init__(self) -> None:
        if isinstance(self.level, bool) or not isinstance(self.level, int) or self.level < 0:
            raise InvalidArgument(f"level={self.level!r} must be a non-negative integer")
        lam = as_mpq(self.lam, "lam")
        if lam <= 0:
            raise InvalidArgument(f"lam={lam} must be > 0")
        as_positive_int(self.n_outer, "n_outer")
        as_positive_int(self.p_inner, "p_inner")
        if as_mpq(self.delta, "delta") < 0:
            raise InvalidArgument(f"delta={self.delta} must be >= 0")
        if self.eps0 is not None and as_mpq(self.eps0, "eps0") < 0:
            raise InvalidArgument(f"eps0={self.eps0} must be >= 0")
        if self.ctx is not None and not isinstance(self.ctx, Context):
            raise InvalidType(f"ctx has type {type(self.ctx).__name__}; pass a context or None")

    def train(self, oracle: Any) -> FirenetNetwork:
        """Read ``A_level`` (once) and return the FIRENET network for it."""
        A = oracle.matrix(self.level)
        eps0 = self.eps0
        if eps0 is None:
            norms = [norm2_upper(as_mpq_vector(oracle.sample(k, self.level), "y"))
                     for k in range(oracle.num_samples)]
            if not norms:
                raise InvalidArgument(
                    "eps0=None and the oracle has no samples; pass eps0 explicitly")
            eps0 = max(norms)
        P = firenet_parameters(A, lam=self.lam, n_outer=self.n_outer, p_inner=self.p_inner,
                               delta=self.delta, eps0=eps0, weights=self.weights, L=self.L,
                               tau=self.tau, sigma=self.sigma)
        info = dict(P.describe(), level=self.level)
        return FirenetNetwork(P, name=f"{self.name}(level={self.level})", default_ctx=self.ctx,
                              info=info)
