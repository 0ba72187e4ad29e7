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

The restart loop is WARPd's (:func:`algorithms.solvers.warpd.engine.run_restarts`): FIRENET is
WARPdSR with weighted l1 on the plans of :func:`~algorithms.solvers.firenet.parameters.
restart_plans` (restart ``k``: level ``e_k``, steps ``tau / scale_k`` and ``sigma scale_k`` in the
unscaled variable ``psi``, ``p`` steps), and each evaluation path below -- generic contexts,
Float64, matrix-free operators, the certified Ball iteration -- is an inner-run kernel for one
restart that keeps the scaled form above (carry: the previous restart's sum ``s``).

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
``scale_k y``).  From the stored point ``z_j`` (an exact dyadic vector) one step is computed
exactly up to a few explicit roundings to a dyadic grid, and the result is stored as
``z_{j+1}``; ``r_j = z_{j+1} - T(z_j)`` is bounded from those roundings (half a grid step per
rounded entry; entries that the soft-threshold sends exactly to 0 carry no error).  (The dual
half uses the stored ``x_{j+1}``, not ``T_x(z_j)``; since the projection is 1-Lipschitz this adds
at most ``2 sigma L |r_x|`` to the dual error.)  So ``|r_j|_2 <= (1 + 2 sigma L) |r_x|_2 +
|r_v|_2``, summed over a restart (the bounds are in :mod:`algorithms.solvers.firenet.certified`).

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
away the dual part of the M-norm.  An error committed in restart ``k`` therefore reaches the
output amplified by at most ``(1 - tau sigma L^2)^(-(n_outer - k)/2)``; to deliver results
accurate to about ``2^-prec`` the Ball iteration runs every restart with enough guard bits to
absorb the largest of these, that of the first restart (the rule, and why it is not tapered
over the restarts, is in :mod:`algorithms.solvers.firenet.certified`).  Pass ``guard_bits``
to use a fixed number for every restart (``0``: exactly ``prec`` bits).  The returned balls
contain the exact-arithmetic output; the per-restart records carry the 2-norm bound.

*Implementation.*  The certified steps run in exact fixed point
(:mod:`algorithms.solvers.firenet.certified`): ``A`` is kept as ``Z / D`` with its short
integer entries, ``tau``, ``sigma`` and the scales multiply vectors, the products are exact
``fmpz_mat`` products, and the local error of each step is bounded analytically from its few
roundings (a ball evaluation of the step gives the same kind of bound, at a higher cost).
"""

from __future__ import annotations

import math

import numpy as np
from flint import acb_mat, arb_mat

from algorithms.arithmetic.ball import Ball
from algorithms.arithmetic.base import Context, Vec
from algorithms.arithmetic.float64 import Float64
from algorithms.errors import InexactInput, InvalidArgument, InvalidType
from algorithms.operators import Dense, LinearOperator
from algorithms.rationals import as_mpq_matrix, as_problem_data
from algorithms.solvers.firenet.certified import solve_ball
from algorithms.solvers.firenet.operator import check_ball_data, norm2_upper_any, solve_operator
from algorithms.solvers.firenet.parameters import (
    Callback,
    FirenetParameters,
    FirenetWeights,
    check_certify,
    check_double_range,
    firenet_parameters,
    norm2_upper,
    operator_parameters,
    restart_plans,
)
from algorithms.solvers.warpd.engine import RestartOutput, RestartPlan, run_restarts


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

    ``A`` may also be a matrix-free :class:`~algorithms.operators.LinearOperator` (``L``
    defaults to its proven ``norm_bound()``), and ``A``/``y`` may be complex (Gaussian
    rationals; a complex matrix is wrapped in :class:`~algorithms.operators.Dense`): both run
    the operator form of :mod:`algorithms.solvers.firenet.operator`, which for an operator
    also accepts float64 numpy data in ``Float64`` and ``acb_mat``/``arb_mat`` balls (that
    contain the exact data) in ``Ball``.  Real rational matrices take the dense path below,
    unchanged; it takes ``y`` as an ``arb_mat`` of balls in ``Ball`` too (the returned balls
    then contain the output for every data vector in them).  Other contexts refuse balls.

    ``eps0`` defaults to a certified upper bound of ``||y||_2``.  ``callback(record)`` is called
    after every restart with a :class:`RestartRecord`; a truthy return value stops the run (the
    current ``psi`` is returned).  In ``Ball`` with ``certify=True`` (default) the certified
    midpoint iteration of the module docstring is used: the returned balls contain the
    exact-arithmetic output; ``guard_bits`` (default: automatic) extra bits are used for the
    midpoints.  With ``certify=False`` balls are propagated naively (rigorous but wide).
    """
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    check_certify(certify)
    op = _as_operator(A, y)
    if op is not None:
        if callback is not None and not callable(callback):
            raise InvalidType(f"callback={callback!r} must be callable or None")
        e0 = norm2_upper_any(y) if eps0 is None else eps0
        P = operator_parameters(op, lam=lam, n_outer=n_outer, p_inner=p_inner, delta=delta,
                                eps0=e0, weights=weights, L=L, tau=tau, sigma=sigma)
        return solve_operator(P, y, ctx, callback, certify, guard_bits)
    if isinstance(y, arb_mat):      # real balls that contain the data: certified Ball only
        Aq, yq = as_mpq_matrix(A, "A"), y
        e0 = norm2_upper_any(y) if eps0 is None else eps0
    else:
        Aq, yq = as_problem_data(A, y)
        e0 = norm2_upper(yq) if eps0 is None else eps0
    P = firenet_parameters(Aq, lam=lam, n_outer=n_outer, p_inner=p_inner, delta=delta, eps0=e0,
                           weights=weights, L=L, tau=tau, sigma=sigma)
    return run_firenet(P, FirenetWeights(P), yq, ctx, callback, certify, guard_bits)


def _as_operator(A: object, y: object) -> LinearOperator | None:
    """``A`` itself if it is a :class:`LinearOperator`; a :class:`Dense` operator when ``A`` or
    ``y`` holds complex entries (Gaussian rationals, or complex balls ``acb_mat``); ``None``
    for real rational data: the dense path, unchanged (float input keeps raising there)."""
    if isinstance(A, LinearOperator):
        return A
    if isinstance(y, acb_mat):
        return Dense(A)
    if isinstance(y, arb_mat):
        try:
            as_mpq_matrix(A, "A")
        except InvalidType:
            return Dense(A)             # a complex matrix: the operator path takes the balls
        return None
    try:
        as_problem_data(A, y)
    except InexactInput:
        return None  # floats: as_problem_data reports them below
    except InvalidType:
        try:
            return Dense(A)
        except (InvalidType, InvalidArgument):
            return None  # let as_problem_data report the problem below
    return None


def run_firenet(P: FirenetParameters, W: FirenetWeights, y: object, ctx: Context,
                callback: Callback | None, certify: bool, guard_bits: int | None) -> Vec:
    """Evaluate FIRENET at ``y`` in ``ctx`` (the certified iteration in ``Ball`` when
    ``certify``); shared by :func:`firenet_solve` and :class:`FirenetNetwork`."""
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")
    if isinstance(ctx, Ball) and certify:
        return solve_ball(P, W, y, ctx, callback, guard_bits)
    if guard_bits is not None:
        raise InvalidArgument(
            f"guard_bits={guard_bits} only applies to the certified Ball iteration")
    check_ball_data(y, ctx)
    m, _ = P.shape
    yv = ctx.as_vector(y)
    if ctx.size(yv) != m:
        raise InvalidArgument(f"y has length {ctx.size(yv)}; length {m} is required")
    if isinstance(ctx, Float64):
        check_double_range(P)
        return _solve_float64(P, W, yv, ctx, callback)
    return _solve_generic(P, W, yv, ctx, callback)


def _solve_generic(P: FirenetParameters, W: FirenetWeights, y: Vec, ctx: Context,
                   callback: Callback | None) -> Vec:
    """The network's operations, in the network's order (see :func:`_layers`): one restart is
    the kernel below, run by the shared restart driver (carry: the previous restart's sum)."""
    m, N = P.shape
    Bt, C, C2, ones = W.Bt.on(ctx), W.C.on(ctx), W.C2.on(ctx), W.ones.on(ctx)
    th = W.th.on(ctx)

    def kernel(plan: RestartPlan, s: Vec, need: bool) -> RestartOutput:
        k = plan.restart
        gy = ctx.scale(W.g[k - 1].on(ctx), y)
        x = v = None
        for j in range(1, plan.steps + 1):
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
        psi = (s if r.q == 1 else ctx.scale(r.on(ctx), s)) if need else None
        return RestartOutput(psi, s, None, ctx.prec)

    return run_restarts(restart_plans(P), kernel, None, callback=callback)[0]


def _solve_float64(P: FirenetParameters, W: FirenetWeights, y: np.ndarray, ctx: Float64,
                   callback: Callback | None) -> np.ndarray:
    """:func:`_solve_generic` specialised to numpy (the same float operations, less overhead)."""
    m, N = P.shape
    Bt, C, C2 = W.Bt.on(ctx).data, W.C.on(ctx).data, W.C2.on(ctx).data
    ones = W.ones.on(ctx).data
    th = W.th.on(ctx)
    maximum, minimum, sqrt = np.maximum, np.minimum, math.sqrt

    def kernel(plan: RestartPlan, s: np.ndarray, need: bool) -> RestartOutput:
        k = plan.restart
        gy = ctx.scalar(W.g[k - 1].q) * y
        x = v = None
        for j in range(1, plan.steps + 1):
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
        psi = (s if r.q == 1 else ctx.scalar(r.q) * s) if need else None
        return RestartOutput(psi, s, None, 53)

    return run_restarts(restart_plans(P), kernel, None, callback=callback)[0]
