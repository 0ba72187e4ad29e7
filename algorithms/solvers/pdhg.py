"""A primal-dual (Chambolle-Pock) solver for (P1), basis pursuit denoising.

Problem::

    minimize_x ||x||_1   subject to   ||A x - y||_2 <= eta,

as the saddle problem ``min_x max_v ||x||_1 + <A x, v> - <y, v> - eta ||v||_2`` (the conjugate of
the indicator of the ``eta``-ball around ``y``).  Iteration (``tau sigma L^2 < 1``)::

    x+ = soft(x - tau A^T v,  tau)
    v+ = shrink_{sigma eta}(v + sigma A (2 x+ - x) - sigma y),   shrink_r(w) = max(0, 1 - r/|w|) w

(``shrink`` is the prox of ``sigma eta ||.||_2``).  Defaults: ``L`` a certified upper bound of
``||A||_2`` and ``tau = sigma = 0.99 / L``; the condition is checked exactly.  With ``eta = 0``
(basis pursuit) no square root is taken and the solver runs in ``Exact``.

Certified run in ``Ball`` (default there): each step is evaluated in ball arithmetic from the
stored dyadic midpoints and the local errors are combined with the nonexpansiveness of the step
in the metric ``M = [[I/tau, -A^T], [-A, I/sigma]]`` (see :mod:`algorithms.certify` and
:mod:`algorithms.solvers.firenet`): ``D_k <= D_{k-1} + sqrt(lmax) |r_k|`` and
``|x_k - x^_k| <= D_k / sqrt(1/tau - sigma L^2)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import gmpy2
import numpy as np
from flint import arb, arb_mat

from algorithms.arithmetic.ball import Ball, flint_prec, mpq_to_arb
from algorithms.arithmetic.base import Context, Vec
from algorithms.certify import (
    arb_matrix,
    arb_vector,
    bound_up,
    notify,
    pd_metric_bounds,
    rad_l1,
    soft_threshold_balls,
)
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import (
    as_mpq,
    as_positive_int,
    as_problem_data,
)
from algorithms.solvers.ista import IterationRecord, _with_radius

__all__ = ["bpdn_steps", "pdhg_bpdn"]

Callback = Callable[[IterationRecord], object]


def bpdn_steps(A: object, *, L: object | None = None, tau: object | None = None,
               sigma: object | None = None) -> tuple[gmpy2.mpq, gmpy2.mpq, gmpy2.mpq]:
    """``(L, tau, sigma)``: a certified ``L >= ||A||_2`` and steps with ``tau sigma L^2 < 1``."""
    lo, hi = spectral_norm_bounds(A)
    if hi == 0:
        raise InvalidArgument("A is the zero matrix; the primal-dual steps are unbounded")
    if L is None:
        Lq = hi
    else:
        Lq = as_mpq(L, "L")
        if Lq < lo:
            raise InvalidArgument(
                f"L={Lq} ({float(Lq):.6g}) is below ||A||_2 >= {float(lo):.12g}; L must be an "
                f"upper bound of ||A||_2 (omit it to use a certified one)")
        if Lq < hi:
            raise InvalidArgument(
                f"L={Lq} ({float(Lq):.12g}) could not be certified to be >= ||A||_2 (certified "
                f"upper bound {float(hi):.12g}, lower bound {float(lo):.12g}); pass a larger L "
                f"or omit it")
    t = gmpy2.mpq(99, 100) / Lq if tau is None else as_mpq(tau, "tau")
    s = gmpy2.mpq(99, 100) / Lq if sigma is None else as_mpq(sigma, "sigma")
    if t <= 0:
        raise InvalidArgument(f"tau={t} must be > 0")
    if s <= 0:
        raise InvalidArgument(f"sigma={s} must be > 0")
    if t * s * Lq * Lq >= 1:
        raise InvalidArgument(
            f"tau*sigma*L^2 = {float(t * s * Lq * Lq):.6g} must be < 1 (tau={t}, sigma={s}, "
            f"L={float(Lq):.12g})")
    return Lq, t, s


def pdhg_bpdn(A: object, y: object, *, eta: object, n_iter: int, ctx: Context,
              L: object | None = None, tau: object | None = None, sigma: object | None = None,
              callback: Callback | None = None, certify: bool = True,
              guard_bits: int | None = None) -> Vec:
    """``n_iter`` primal-dual steps for (P1) from ``x = 0, v = 0``; returns ``x_{n_iter}``.

    ``callback(record)`` after every step (an :class:`~algorithms.solvers.ista.IterationRecord`); a
    truthy return stops early.  In ``Ball`` with ``certify=True`` (default) the certified
    midpoint iteration of the module docstring runs with ``guard_bits`` extra bits (default
    ``ceil(log2(n_iter + 1) + log2(max(sqrt(lmax / q), 1))) + 8``; the working precision is at
    least 16 bits: below about 8, arb's norm in the ``eta``-shrink can return infinite balls);
    ``guard_bits`` is refused elsewhere, where it would have no effect.
    """
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    if not isinstance(certify, (bool, np.bool_)):
        raise InvalidType(f"certify={certify!r} must be True or False")
    Aq, yq = as_problem_data(A, y)
    m, N = Aq.shape
    eta_q = as_mpq(eta, "eta")
    if eta_q < 0:
        raise InvalidArgument(f"eta={eta_q} must be >= 0")
    n = as_positive_int(n_iter, "n_iter")
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")
    Lq, t, s = bpdn_steps(Aq, L=L, tau=tau, sigma=sigma)
    if isinstance(ctx, Ball) and certify:
        return _pdhg_ball(Aq, yq, eta_q, n, Lq, t, s, ctx, callback, guard_bits)
    if guard_bits is not None:
        raise InvalidArgument(
            f"guard_bits={guard_bits!r} only applies to the certified Ball iteration")
    Bt = ctx.matrix(np.array(-t * Aq.T, dtype=object))
    Cs = ctx.matrix(np.array(s * Aq, dtype=object))
    sy = ctx.vector(np.array([s * v for v in yq], dtype=object))
    two, thr, r = ctx.scalar(2), ctx.scalar(t), ctx.scalar(s * eta_q)
    x, v = ctx.zeros(N), ctx.zeros(m)
    for k in range(1, n + 1):
        t0 = time.perf_counter()
        x1 = ctx.soft_threshold(ctx.add(x, ctx.matvec(Bt, v)), thr)
        w = ctx.sub(ctx.add(v, ctx.matvec(Cs, ctx.sub(ctx.scale(two, x1), x))), sy)
        v = ctx.shrink(w, r)
        x = x1
        if callback is not None and callback(
                IterationRecord(k, x, None, time.perf_counter() - t0)):
            break
    return x


def _pdhg_ball(Aq: np.ndarray, yq: np.ndarray, eta: gmpy2.mpq, n: int, Lq: gmpy2.mpq,
               t: gmpy2.mpq, s: gmpy2.mpq, ctx: Ball, callback: Callback | None,
               guard_bits: int | None) -> arb_mat:
    m, N = Aq.shape
    _, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(t, s, Lq)
    # log2 of the exact ratio (a double would overflow when 1 - tau sigma L^2 is below 2^-2000)
    ratio = gmpy2.mpq(sqrt_lmax * inv_sqrt_q)
    log_ratio = max(math.log2(int(ratio.numerator)) - math.log2(int(ratio.denominator)), 0.0)
    guard = (math.ceil(math.log2(n + 1) + log_ratio)
             + 8 if guard_bits is None else as_positive_int(guard_bits, "guard_bits", 0))
    kx = 1 + 2 * s * Lq
    with flint_prec(max(ctx.prec + guard, 16)) as scope:
        Bt = arb_matrix(np.ascontiguousarray(Aq.T), -t)
        Cs = arb_matrix(Aq, s)
        sy = arb_vector(np.array([s * v for v in yq], dtype=object))
        th = [mpq_to_arb(t)] * N
        nth = [-th[0]] * N
        r = mpq_to_arb(s * eta)
        one, two = arb(1), arb(2)
        x, v = arb_mat(N, 1), arb_mat(m, 1)
        D = gmpy2.mpq(0)
        err = gmpy2.mpq(0)
        for k in range(1, n + 1):
            t0 = time.perf_counter()
            xb = soft_threshold_balls(x + Bt * v, th, nth)
            x1 = xb.mid()
            wb = v + Cs * (x1 * two - x) - sy
            if eta:
                nrm = (wb.transpose() * wb)[0, 0].nonnegative_part().sqrt()
                vb = wb * (one - r / nrm.max(r))
            else:
                vb = wb
            v = vb.mid()
            x = x1
            D = bound_up(D + sqrt_lmax * (kx * rad_l1(xb - x1) + rad_l1(vb - v)))
            err = bound_up(D * inv_sqrt_q)
            if callback is not None:
                record = IterationRecord(k, _with_radius(x, err), err, time.perf_counter() - t0)
                if notify(callback, record, scope):
                    break
        return _with_radius(x, err)
