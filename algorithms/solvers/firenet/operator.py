r"""FIRENET on a matrix-free operator (complex data allowed), and its certified Ball iteration.

The iteration is that of :mod:`algorithms.solvers.firenet.solve` with ``A^T`` replaced by the
adjoint ``A^H`` (``<A x, v> = <x, A^H v>``, ``<a, b> = sum conj(a_i) b_i``) and the
soft-threshold acting on the modulus, ``soft(z, t) = z max(0, 1 - t/|z|)`` (the prox of
``t |.|`` on ``C``; on reals it is the usual one).  One inner step, data ``scale_k y``::

    x+ = soft(x - tau A^H v,  tau lam w)
    u  = v + sigma A (2 x+ - x) - sigma scale_k y
    v+ = u / max(1, |u|_2)                       (projection onto the unit ball of C^m)
    s  = s + x+

Two operator applications per step (one ``adjoint``, one ``apply``); the dense path's network
order uses three matrix products, so in ``Float64``/``MP`` the two paths agree to rounding, and
in ``Exact`` exactly.  Complex data is ``C^n`` read as ``R^(2n)`` with the real inner product
``Re <a, b>``: the primal-dual step is the same real Chambolle-Pock step on the real embedding
(``A`` acts R-linearly, ``Re <A x, v> = Re <x, A^H v>``, the modulus soft-threshold is the prox
of the weighted ``l1``-of-moduli norm, the 2-norms agree), so every statement of the real
argument -- nonexpansiveness in ``M = [[I/tau, -A^H], [-A, I/sigma]]``, the restart transfer,
the eigenvalue bounds of ``M`` with ``L >= ||A||_2`` -- holds verbatim.

Certified iteration in ``Ball`` (operators)
-------------------------------------------
The stored iterates ``z_j = (x_j, v_j)`` are exact dyadic vectors (ball midpoints).  One step is
evaluated in ball arithmetic FROM the stored point, so the resulting balls contain the exact
step ``T(z_j)``::

    Wb  = A^H v_j                    (the operator's Ball adjoint: its radius bounds this
                                      product's error, e.g. acb.dft's rigorous radii)
    zb  = x_j - tau Wb
    xb  = soft(zb, tau lam w)        (ball soft-threshold: encloses soft(z) for every z in zb)
    x_{j+1} = mid(xb),    |r_x| := |x_{j+1} - T_x(z_j)|_2 <= rad2(xb)
    ub  = v_j + sigma A (2 x_{j+1} - x_j) - sigma scale yb     (``apply`` in balls; ``yb`` a
                                      ball vector containing the exact data)
    v_{j+1} = mid(proj(mid(ub))),   |r_v| <= rad2(proj(mid ub)) + rad2(ub)

(``proj`` is 1-Lipschitz, so ``|proj(mid ub) - proj(u)| <= |mid ub - u|_2 <= rad2(ub)`` for the
exact ``u`` in ``ub``.)  As in the dense proof the dual half uses the stored ``x_{j+1}``, which
costs at most ``2 sigma L |r_x|`` more, so the local error is
``rho_j = (1 + 2 sigma L) rad2(xb) + rad2(proj(mid ub)) + rad2(ub)`` and enters the same M-metric
sum ``D_{j+1} <= D_j + sqrt(lambda_max(M)) rho_j``.  The rest -- ``D_0 = |x_0 - x^_0|/sqrt(tau)``,
``|x_j - x^_j| <= D_p / sqrt(q)``, ``psi_k`` and the next restart's start ``scale_{k+1} psi_k`` --
is the dense argument word for word.  The restart sum ``s`` is accumulated in balls (its radius
is carried into ``psi`` and into the next start), so no rounding is ever left unbounded.  Guard
bits follow the same rule (:func:`~algorithms.solvers.firenet.certified.
guard_schedule`); the working precision ``prec + guard`` is raised to at least 16 bits (arb's
projection can return NaN balls below about 8).  The iteration reads ``A`` only through
``apply``, ``adjoint`` and ``norm_bound`` (``L``).

The network form of FIRENET needs the matrix as layer weights; for an operator
:func:`algorithms.solvers.firenet.firenet_network` refuses (:class:`~algorithms.errors.
InvalidArgument`): use :func:`firenet_solve` (the same function, evaluated matrix-free).
"""

from __future__ import annotations

import math
from typing import Any

import gmpy2
import numpy as np
from flint import acb, acb_mat, arb, arb_mat, fmpq

from algorithms.arithmetic.ball import Ball, flint_prec
from algorithms.arithmetic.base import Context, Vec
from algorithms.arithmetic.float64 import Float64
from algorithms.arithmetic.gaussian import GaussianRational, as_gaussian
from algorithms.certify import bound_up, pd_metric_bounds
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import as_positive_int, dyadic_round, mpq_sqrt_upper
from algorithms.solvers.firenet.certified import guard_schedule
from algorithms.solvers.firenet.parameters import (
    Callback,
    FirenetParameters,
    check_double_range,
    restart_plans,
)
from algorithms.solvers.warpd.engine import RestartOutput, RestartPlan, run_restarts

__all__ = ["solve_operator", "operator_data", "norm2_upper_any", "check_ball_data"]

#: extra bits of the data balls and of the restart sum over the working precision
_DATA_GUARD = 64
#: the least working precision of the certified operator iteration: below about 8 bits arb's
#: ``max``/``rsqrt`` in the dual projection can return NaN balls (seen at ``Ball(2)`` with
#: ``guard_bits=0``), which would end the run with no bound at all
_MIN_WP = 16


# =============================================================================== data
def norm2_upper_any(y: object) -> gmpy2.mpq:
    """A certified 53-bit dyadic upper bound of ``||y||_2`` for rationals, Gaussian rationals,
    float/complex numpy arrays (their exact binary values) or Ball vectors (midpoint norm plus
    the radius)."""
    if isinstance(y, (arb_mat, acb_mat)):
        Bc = Ball(max(64, 53))
        mids = Bc.to_rationals(y)
        base = _sq(mids)
        extra = Bc.radius(y)
        return _up(mpq_sqrt_upper(base, 64) + extra if base else extra)
    arr = np.asarray(y)
    if arr.dtype.kind in "fc":
        if not np.all(np.isfinite(arr)):
            raise InvalidArgument("y has non-finite entries")
        sq = gmpy2.mpq(0)
        for v in arr.ravel():
            c = complex(v)
            sq += gmpy2.mpq(c.real) ** 2 + gmpy2.mpq(c.imag) ** 2
        return _up(mpq_sqrt_upper(sq, 64)) if sq else gmpy2.mpq(0)
    sq = _sq(list(arr.ravel()))
    return _up(mpq_sqrt_upper(sq, 64)) if sq else gmpy2.mpq(0)


def _sq(vals: list) -> gmpy2.mpq:
    """``sum |v|^2`` exactly, for every exact spelling :func:`as_gaussian` accepts (Python and
    numpy integers, ``Fraction``, ``mpq``, rational strings, SymPy numbers, Gaussian
    rationals)."""
    out = gmpy2.mpq(0)
    for i, v in enumerate(vals):
        out += (v if isinstance(v, GaussianRational) else as_gaussian(v, f"y[{i}]")).abs2()
    return out


def _up(q: gmpy2.mpq) -> gmpy2.mpq:
    return dyadic_round(q, 53, "up") if q > 0 else gmpy2.mpq(0)


def operator_data(y: object, ctx: Context, m: int) -> Vec:
    """``y`` as a vector of ``ctx`` of length ``m``: a vector of the context is used as it is
    (in ``Float64`` any float/complex numpy array), anything else goes through
    ``ctx.vector`` (rationals or Gaussian rationals)."""
    if isinstance(ctx, Float64) and isinstance(y, np.ndarray) and y.dtype.kind in "fciu":
        yv = ctx.vector(y)
    else:
        yv = ctx.as_vector(y)
    if ctx.size(yv) != m:
        raise InvalidArgument(f"y has length {ctx.size(yv)}; length {m} is required")
    return yv


def check_ball_data(y: object, ctx: Context) -> None:
    """Balls (``arb_mat``/``acb_mat``) as data are for ``Ball`` only: another context would
    have to pick a point in them (:class:`InvalidType` naming ``y`` and ``ctx``)."""
    if isinstance(y, (arb_mat, acb_mat)) and not isinstance(ctx, Ball):
        raise InvalidType(
            f"y is a vector of balls ({type(y).__name__}) and ctx={ctx.name}; balls are data "
            f"for Ball contexts only: pass the exact (rational) data instead")


# =============================================================================== solvers
def solve_operator(P: FirenetParameters, y: object, ctx: Context, callback: Callback | None,
                   certify: bool, guard_bits: int | None) -> Vec:
    """FIRENET with ``P.A`` a :class:`~algorithms.operators.LinearOperator` (module docstring);
    the certified iteration in ``Ball`` when ``certify``."""
    if isinstance(ctx, Ball) and certify:
        return _solve_ball(P, y, ctx, callback, guard_bits)
    if guard_bits is not None:
        raise InvalidArgument(
            f"guard_bits={guard_bits} only applies to the certified Ball iteration")
    check_ball_data(y, ctx)
    yv = operator_data(y, ctx, P.shape[0])
    if isinstance(ctx, Float64):
        check_double_range(P)
        return _solve_float64(P, yv, ctx, callback)
    return _solve_generic(P, yv, ctx, callback)


def _thresholds(P: FirenetParameters, ctx: Context) -> Vec:
    return ctx.vector(list(P.thresholds))


def _solve_generic(P: FirenetParameters, y: Vec, ctx: Context, callback: Callback | None) -> Vec:
    """The step of the module docstring with the context's vector operations."""
    op = P.A
    _, N = P.shape
    th = _thresholds(P, ctx)
    tau, sigma = ctx.scalar(P.tau), ctx.scalar(P.sigma)
    two = ctx.scalar(2)

    def kernel(plan: RestartPlan, s: Vec, need: bool) -> RestartOutput:
        k = plan.restart
        gy = ctx.scale(ctx.scalar(P.sigma * P.scales[k - 1]), y)
        x = ctx.zeros(N) if k == 1 else ctx.scale(ctx.scalar(P.restart_factor(k)), s)
        v = None
        s = ctx.zeros(N)
        for _ in range(plan.steps):
            z = x if v is None else ctx.sub(x, ctx.scale(tau, op.adjoint(ctx, v)))
            x1 = ctx.soft_threshold(z, th)
            s = ctx.add(s, x1)
            u = ctx.sub(ctx.scale(sigma, op.apply(ctx, ctx.sub(ctx.scale(two, x1), x))), gy)
            if v is not None:
                u = ctx.add(v, u)
            v = ctx.gate(u, ctx.norm2_squared(u))
            x = x1
        psi = ctx.scale(ctx.scalar(P.readout(k)), s) if need else None
        return RestartOutput(psi, s, None, ctx.prec)

    return run_restarts(restart_plans(P), kernel, ctx.zeros(N), callback=callback)[0]


def _solve_float64(P: FirenetParameters, y: np.ndarray, ctx: Float64,
                   callback: Callback | None) -> np.ndarray:
    """:func:`_solve_generic` in numpy (the same operations, in place where possible)."""
    op = P.A
    _, N = P.shape
    th = np.array([float(t) for t in P.thresholds])
    if np.all(th == th[0]):
        th = float(th[0])
    tau, sigma = float(P.tau), float(P.sigma)
    cplx = op.is_complex or y.dtype.kind == "c"
    dtype = np.complex128 if cplx else np.float64
    sqrt = math.sqrt

    def kernel(plan: RestartPlan, s: np.ndarray, need: bool) -> RestartOutput:
        k = plan.restart
        gy = float(P.sigma * P.scales[k - 1]) * y
        x = np.zeros(N, dtype=dtype) if k == 1 else float(P.restart_factor(k)) * s
        v = None
        s = np.zeros(N, dtype=dtype)
        for _ in range(plan.steps):
            z = x if v is None else x - tau * op.adjoint(ctx, v)
            if cplx:
                a = np.abs(z)
                x1 = z * np.maximum(1.0 - th / np.maximum(a, 1e-300), 0.0)
            else:
                x1 = np.maximum(z - th, 0.0) + np.minimum(z + th, 0.0)
            s += x1
            u = sigma * op.apply(ctx, 2.0 * x1 - x) - gy
            if v is not None:
                u += v
            t = float(np.vdot(u, u).real)
            v = u * (1.0 / sqrt(max(t, 1.0)))
            x = x1
        psi = float(P.readout(k)) * s if need else None
        return RestartOutput(psi, s, None, 53)

    return run_restarts(restart_plans(P), kernel, np.zeros(N, dtype=dtype),
                        callback=callback)[0]


# =============================================================================== certified
def _ball_data(y: object, m: int, prec: int) -> Any:
    """Balls (at ``prec`` bits) containing the exact data ``y`` (rationals, Gaussian
    rationals, or balls given by the caller, kept as they are)."""
    if isinstance(y, (arb_mat, acb_mat)):
        if y.nrows() != m or y.ncols() != 1:
            raise InvalidArgument(f"y has shape ({y.nrows()}, {y.ncols()}); ({m}, 1) needed")
        return y
    if isinstance(y, np.ndarray) and y.dtype.kind in "fc":
        raise InvalidArgument(
            "y is a float array; the certified Ball iteration needs exact data (rationals, "
            "Gaussian rationals) or balls that contain it")
    return Ball(prec).as_vector(y)


def _soft_step(zb: Any, th: list[arb], cplx: bool, wp: int) -> tuple[Any, gmpy2.mpq]:
    """``(x, r)``: exact dyadic midpoints ``x`` (radius-0 balls) of ``soft(mid zb, th)`` and a
    bound ``r >= |x - soft(z, th)|_2`` for every ``z`` in ``zb``.

    ``soft`` is 1-Lipschitz in ``z``, so ``|x - soft(z)| <= |x - soft(mid zb)| + |mid zb - z|``;
    ``soft(mid zb)`` is enclosed in balls (``m (1 - t / max(|m|, t))``, which is ``0`` for
    ``m = 0``; the real form ``sign(m) max(|m| - t, 0)`` is the same function), and the two
    terms are the radius of that enclosure and ``rad2(zb)``."""
    B = Ball(wp)
    with flint_prec(wp):
        mids = zb.mid()
        if cplx:
            out = []
            for m, t in zip(mids.entries(), th, strict=True):
                out.append(m * (1 - t / abs(m).max(t)) if m != 0 else m)
            sb: Any = acb_mat(len(out), 1, out)
        else:
            out = []
            for m, t in zip(mids.entries(), th, strict=True):
                if m > t:
                    out.append(m - t)
                elif m < -t:
                    out.append(m + t)
                elif -t < m < t:
                    out.append(_ZERO_ARB)
                else:  # |m| within the (inexact) threshold's ball: enclose both pieces
                    out.append(arb.union(m - t, _ZERO_ARB) if m > 0
                               else arb.union(m + t, _ZERO_ARB))
            sb = arb_mat(len(out), 1, out)
        r = B.radius(sb) + B.radius(zb)
    return sb.mid(), r


_ZERO_ARB = arb(0)


def _exact_ball(mid: Any, cplx: bool) -> Any:
    """The midpoints of ``mid`` as radius-0 balls (``acb_mat`` when ``cplx``)."""
    m = mid.mid()
    if cplx and isinstance(m, arb_mat):
        return acb_mat(m)
    return m


def _solve_ball(P: FirenetParameters, y: object, ctx: Ball, callback: Callback | None,
                guard_bits: int | None) -> Any:
    """The certified midpoint iteration on an operator (module docstring)."""
    op = P.A
    m, N = P.shape
    guards = (guard_schedule(P) if guard_bits is None
              else [as_positive_int(guard_bits, "guard_bits", 0)] * P.n_outer)
    inv_sqrt_tau, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    kx = 1 + 2 * P.sigma * P.L
    yb = _ball_data(y, m, max(ctx.prec + guards[0], _MIN_WP) + _DATA_GUARD)
    cplx = op.is_complex or isinstance(yb, acb_mat)

    def q_arb(q: gmpy2.mpq) -> arb:
        return arb(fmpq(int(q.numerator), int(q.denominator)))

    def kernel(plan: RestartPlan, carry: tuple[Any, gmpy2.mpq], need: bool) -> RestartOutput:
        """One restart; carry: the ball sum ``S`` of the previous restart and its ``e_avg``."""
        S, e_avg = carry
        k = plan.restart
        wp = max(ctx.prec + guards[k - 1], _MIN_WP)
        B = Ball(wp)
        scale = P.scales[k - 1]
        with flint_prec(wp):
            tau, sigma = q_arb(P.tau), q_arb(P.sigma)
            th_list = [q_arb(t) for t in P.thresholds]
            gy = yb * (sigma * q_arb(scale))
            zero = acb_mat(N, 1) if cplx else arb_mat(N, 1)
            if k == 1:
                x, d0 = zero, gmpy2.mpq(0)
            else:
                xb0 = S * q_arb(P.restart_factor(k))
                x = _exact_ball(xb0, cplx)
                rad_x0 = B.radius(xb0)
                d0 = bound_up((rad_x0 + scale * e_avg) * inv_sqrt_tau)
            v = None
            S = zero
            sum_rho = gmpy2.mpq(0)
        for _ in range(P.p_inner):
            with flint_prec(wp):
                zb = x if v is None else x - op.adjoint(B, v) * tau
            x1, r_x = _soft_step(zb, th_list, cplx, wp)
            with flint_prec(wp + _DATA_GUARD):
                S = S + x1
            with flint_prec(wp):
                ub = op.apply(B, x1 * 2 - x) * sigma - gy
                if v is not None:
                    ub = ub + v
                um = _exact_ball(ub, cplx)
                vb = B.gate(um, B.norm2_squared(um))
                v = _exact_ball(vb, cplx)
            sum_rho += kx * r_x + B.radius(vb) + B.radius(ub)
            x = x1
        dp = d0 + sqrt_lmax * bound_up(sum_rho)
        e_avg = bound_up(dp * inv_sqrt_q / scale)
        psi = bound = None
        if need:
            with flint_prec(wp):
                psi_b = S * q_arb(P.readout(k))
                bound = bound_up(B.radius(psi_b) + e_avg)
                eb = arb(0, fmpq(int(e_avg.numerator), int(e_avg.denominator)))
                if cplx:
                    ec = acb(eb, eb)
                    psi = acb_mat(N, 1, [c + ec for c in psi_b.entries()])
                else:
                    psi = arb_mat(N, 1, [c + eb for c in psi_b.entries()])
        return RestartOutput(psi, (S, e_avg), bound, wp)

    return run_restarts(restart_plans(P), kernel, (None, gmpy2.mpq(0)), callback=callback)[0]
