"""ISTA and FISTA for (P2), the LASSO, written once against the arithmetic protocol.

Problem::

    minimize_x  F(x) = lam ||x||_1 + ||A x - y||_2^2.

The smooth part has gradient ``2 A^T (A x - y)`` with Lipschitz constant ``Lip = 2 ||A||_2^2``.

ISTA (proximal gradient) with step ``s``::

    x_{k+1} = soft(x_k - 2 s A^T (A x_k - y),  s lam)

FISTA (accelerated, with the rational momentum ``beta_k = (k - 1)/(k + 2)`` of the
``t_k = (k + 1)/2`` variant, so every operation stays rational)::

    w_k     = x_k + beta_k (x_k - x_{k-1})
    x_{k+1} = soft(w_k - 2 s A^T (A w_k - y),  s lam)

Step sizes are certified: the default is ``s = 1/(2 L^2)`` with ``L`` a certified upper bound of
``||A||_2``; a user-supplied ``s`` must satisfy ``0 < s <= 1/(2 ||A||_2^2)`` provably.  Neither
method takes a square root, so both run in :class:`~algorithms.arithmetic.Exact`.

Certified ISTA in ``Ball``.  For ``s <= 1/Lip`` the map ``x -> x - s grad(x)`` is nonexpansive
(its linear part ``I - 2 s A^T A`` has spectrum in ``[0, 1]``) and so is soft-thresholding, so
the ISTA map ``T`` is nonexpansive in the 2-norm.  With ``certify=True`` (default in ``Ball``)
each step is evaluated in ball arithmetic from the stored dyadic midpoint, the midpoint is
stored, and the local errors simply add up: ``|x_k - x^_k| <= sum_{j <= k} rad_j``.  FISTA's
momentum is not nonexpansive, so in ``Ball`` it propagates balls naively (rigorous but wide).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
    rad2,
    soft_threshold_balls,
)
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import (
    as_mpq,
    as_mpq_vector,
    as_positive_int,
    as_problem_data,
)

__all__ = ["IterationRecord", "lasso_step", "lasso_objective", "ista", "fista"]


@dataclass(frozen=True)
class IterationRecord:
    """What a callback receives after iteration ``iteration`` (1-based).

    ``error_bound`` (certified ``Ball`` runs only) bounds ``||midpoint(x) - x^_k||_2`` where
    ``x^_k`` is the exact-arithmetic iterate; the balls of ``x`` already contain ``x^_k``.
    """

    iteration: int
    x: Vec = field(repr=False)
    error_bound: gmpy2.mpq | None
    seconds: float


Callback = Callable[[IterationRecord], object]


def lasso_step(A: object, step: object | None = None) -> gmpy2.mpq:
    """The certified step: ``1/(2 L^2)`` by default, or ``step`` after checking
    ``0 < step <= 1/(2 ||A||_2^2)``."""
    lo, hi = spectral_norm_bounds(A)
    if hi == 0:
        raise InvalidArgument("A is the zero matrix; the LASSO step is unbounded")
    if step is None:
        return 1 / (2 * hi * hi)
    s = as_mpq(step, "step")
    if s <= 0:
        raise InvalidArgument(f"step={s} must be > 0")
    if s * 2 * hi * hi <= 1:
        return s
    if lo > 0 and s * 2 * lo * lo > 1:
        raise InvalidArgument(
            f"step={s} ({float(s):.6g}) exceeds 1/(2||A||^2) <= {float(1 / (2 * lo * lo)):.6g}")
    raise InvalidArgument(
        f"step={s} ({float(s):.6g}) could not be certified to be <= 1/(2||A||^2) (certified "
        f"safe value {float(1 / (2 * hi * hi)):.12g}); pass a smaller step or omit it")


def lasso_objective(ctx: Context, A: object, y: object, x: Vec, lam: object) -> object:
    """``lam ||x||_1 + ||A x - y||_2^2`` in the context ``ctx`` (exact in ``Exact``)."""
    Aq, yq = as_problem_data(A, y)
    Ac = ctx.matrix(Aq)
    r = ctx.sub(ctx.matvec(Ac, ctx.as_vector(x)), ctx.vector(yq))
    lam_c = ctx.scalar(as_mpq(lam, "lam"))
    return lam_c * ctx.norm1(ctx.as_vector(x)) + ctx.dot(r, r)


def _settings(lam: object, n_iter: int, callback: object) -> tuple[gmpy2.mpq, int]:
    lam_q = as_mpq(lam, "lam")
    if lam_q <= 0:
        raise InvalidArgument(f"lam={lam_q} must be > 0")
    n = as_positive_int(n_iter, "n_iter")
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")
    return lam_q, n


def ista(A: object, y: object, *, lam: object, n_iter: int, ctx: Context,
         step: object | None = None, x0: object | None = None, callback: Callback | None = None,
         certify: bool = True, guard_bits: int | None = None) -> Vec:
    """``n_iter`` ISTA steps for the LASSO from ``x0`` (default 0); returns ``x_{n_iter}``.

    ``callback(record)`` after every step; a truthy return stops early.  In ``Ball`` with
    ``certify=True`` the midpoint iteration of the module docstring is used with
    ``guard_bits`` (default ``ceil(log2(n_iter + 1)) + 8``) extra bits; ``guard_bits`` is
    refused elsewhere, where it would have no effect.
    """
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    if not isinstance(certify, (bool, np.bool_)):
        raise InvalidType(f"certify={certify!r} must be True or False")
    Aq, yq = as_problem_data(A, y)
    lam_q, n = _settings(lam, n_iter, callback)
    s = lasso_step(Aq, step)
    N = Aq.shape[1]
    x0q = None if x0 is None else as_mpq_vector(x0, "x0", N)
    if isinstance(ctx, Ball) and certify:
        return _ista_ball(Aq, yq, lam_q, s, n, ctx, x0q, callback, guard_bits)
    if guard_bits is not None:
        raise InvalidArgument(
            f"guard_bits={guard_bits!r} only applies to the certified Ball iteration")
    Ac = ctx.matrix(Aq)
    yc = ctx.vector(yq)
    two_s = ctx.scalar(-2 * s)
    th = ctx.scalar(s * lam_q)
    x = ctx.zeros(N) if x0q is None else ctx.vector(x0q)
    for k in range(1, n + 1):
        t0 = time.perf_counter()
        grad_dir = ctx.rmatvec(Ac, ctx.sub(ctx.matvec(Ac, x), yc))
        x = ctx.soft_threshold(ctx.axpy(two_s, grad_dir, x), th)
        if callback is not None and callback(
                IterationRecord(k, x, None, time.perf_counter() - t0)):
            break
    return x


def _ista_ball(Aq: np.ndarray, yq: np.ndarray, lam: gmpy2.mpq, s: gmpy2.mpq, n: int,
               ctx: Ball, x0q: np.ndarray | None, callback: Callback | None,
               guard_bits: int | None) -> arb_mat:
    m, N = Aq.shape
    guard = (math.ceil(math.log2(n + 1)) + 8 if guard_bits is None
             else as_positive_int(guard_bits, "guard_bits", 0))
    with flint_prec(ctx.prec + guard) as scope:
        Ab = arb_matrix(Aq)
        Gt = arb_matrix(np.ascontiguousarray(Aq.T), -2 * s)
        yb = arb_vector(yq)
        t = mpq_to_arb(s * lam)
        th, nth = [t] * N, [-t] * N
        x = arb_mat(N, 1) if x0q is None else arb_vector(x0q).mid()
        err = gmpy2.mpq(0) if x0q is None else rad2(arb_vector(x0q))
        xb = x
        for k in range(1, n + 1):
            t0 = time.perf_counter()
            xb = soft_threshold_balls(x + Gt * (Ab * x - yb), th, nth)
            x = xb.mid()
            err = bound_up(err + rad2(xb))
            if callback is not None:
                record = IterationRecord(k, _with_radius(x, err), err, time.perf_counter() - t0)
                if notify(callback, record, scope):
                    break
        return _with_radius(x, err)


def _with_radius(x: arb_mat, err: gmpy2.mpq) -> arb_mat:
    from flint import fmpq

    eb = arb(0, fmpq(int(err.numerator), int(err.denominator)))
    return arb_mat(x.nrows(), 1, [e + eb for e in x.entries()])


def fista(A: object, y: object, *, lam: object, n_iter: int, ctx: Context,
          step: object | None = None, x0: object | None = None,
          callback: Callback | None = None) -> Vec:
    """``n_iter`` FISTA steps for the LASSO (momentum ``(k-1)/(k+2)``); returns ``x_{n_iter}``.

    In ``Ball`` the balls are propagated naively (rigorous, but they widen with ``n_iter``).
    """
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    Aq, yq = as_problem_data(A, y)
    lam_q, n = _settings(lam, n_iter, callback)
    s = lasso_step(Aq, step)
    N = Aq.shape[1]
    Ac = ctx.matrix(Aq)
    yc = ctx.vector(yq)
    two_s = ctx.scalar(-2 * s)
    th = ctx.scalar(s * lam_q)
    x = ctx.zeros(N) if x0 is None else ctx.vector(as_mpq_vector(x0, "x0", N))
    x_prev = x
    for k in range(1, n + 1):
        t0 = time.perf_counter()
        beta = ctx.scalar(gmpy2.mpq(k - 1, k + 2))
        w = ctx.axpy(beta, ctx.sub(x, x_prev), x) if k > 1 else x
        grad_dir = ctx.rmatvec(Ac, ctx.sub(ctx.matvec(Ac, w), yc))
        x_prev, x = x, ctx.soft_threshold(ctx.axpy(two_s, grad_dir, w), th)
        if callback is not None and callback(
                IterationRecord(k, x, None, time.perf_counter() - t0)):
            break
    return x
