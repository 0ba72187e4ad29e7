"""FIRENET's error against restarts, certified: the set-up (:func:`prepare`), the runs in float64
and in balls (:func:`convergence_runs`) and the fitted rate per restart (:func:`fit_rate`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball, Context, Float64
from algorithms.certify import pd_metric_bounds
from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper
from algorithms.solvers.firenet import FIRENET, FirenetNetwork
from theorems.convergence.records import (
    LEVEL,
    ConvergenceRun,
    Progress,
    RateFit,
    RestartPoint,
    Setup,
    say,
)
from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances._exact import integer, rational
from theorems.instances.certificates import best_lambda, recovery_certificate
from theorems.instances.levels import LevelsInstance, default_instance

__all__ = [
    "exact_float",
    "fit_rate",
    "build_firenet",
    "prepare",
    "trace_restarts",
    "convergence_runs",
]


# =============================================================================== helpers
def exact_float(v: float) -> gmpy2.mpq:
    return gmpy2.mpq(float(v))


def _distance(ctx: Context, psi: Any, x: np.ndarray) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Certified ``[lower, upper]`` of ``||psi - x||_2`` (balls: true network output)."""
    if isinstance(ctx, Float64):
        mids = [exact_float(v) for v in np.asarray(psi, dtype=np.float64)]
        rad = gmpy2.mpq(0)
    else:
        mids = list(ctx.to_rationals(psi))
        rad = ctx.radius(psi) or gmpy2.mpq(0)
    d2 = sum(((a - b) * (a - b) for a, b in zip(mids, x, strict=True)), gmpy2.mpq(0))
    if d2 == 0:
        return gmpy2.mpq(0), rad
    up = dyadic_round(mpq_sqrt_upper(d2, 64) + rad, 64, "up")
    low = mpq_sqrt_lower(d2, 64) - rad
    return (dyadic_round(low, 64, "down") if low > 0 else gmpy2.mpq(0)), up


def _exact_arg(value: object, name: str) -> gmpy2.mpq:
    """An exact rational from ``value``; strings may also be decimals (``"1e-30"``)."""
    if isinstance(value, str):
        try:
            return gmpy2.mpq(value)
        except ValueError:
            raise InvalidArgument(f"{name}={value!r} is not a rational 'p/q' or a decimal "
                                  f"string such as '1e-30'") from None
    return rational(value, name)


def fit_rate(restarts: Sequence[int], errors: Sequence[object], *, k_min: int = 5,
             floor_factor: float = 1e4) -> RateFit:
    """Fit ``log(error_k) = a + k log(rate)`` by least squares over the geometric phase.

    The phase is every ``k >= k_min`` up to the restart of the smallest error, with
    ``error_k > 0`` and, if the run has reached a floor, ``error_k >= floor_factor *
    min(errors)`` (after a floor a certified bound may grow again: its a-priori factor per
    restart, see :mod:`algorithms.solvers.firenet`).  A run has reached a floor unless its
    smallest error is its last one and the last restart still reduced it by a factor ``0.9``.
    Fewer than three qualifying points (for example no points at all) give
    ``RateFit(None, None, None)``; ``restarts`` and ``errors`` must have the same length.
    """
    restarts = list(restarts)
    errors = list(errors)
    if len(restarts) != len(errors):
        raise InvalidArgument(f"restarts has {len(restarts)} entries but errors has "
                              f"{len(errors)}; they must pair up one error per restart")
    k_min = integer(k_min, "k_min")
    if isinstance(floor_factor, bool) or not isinstance(floor_factor, (int, float, np.integer,
                                                                       np.floating)):
        raise InvalidType(f"floor_factor={floor_factor!r} must be a real number > 0")
    if not (math.isfinite(floor_factor) and floor_factor > 0):
        raise InvalidArgument(f"floor_factor={floor_factor!r} must be a finite number > 0")
    if not errors:
        return RateFit(None, None, None)
    vals = [float(gmpy2.log(gmpy2.mpfr(e, 64))) if e > 0 else -math.inf for e in errors]
    low = min(vals)
    falling = (len(vals) >= 2 and vals[-1] == low and math.isfinite(low)
               and vals[-1] <= vals[-2] + math.log(0.9))
    cut = -math.inf if falling else low + math.log(floor_factor)
    k_low = list(restarts)[vals.index(low)]
    ks = [k for k, v in zip(restarts, vals, strict=True) if k_min <= k <= k_low and v >= cut
          and math.isfinite(v)]
    if len(ks) < 3:
        return RateFit(None, None, None)
    ys = [vals[list(restarts).index(k)] for k in ks]
    slope = float(np.polyfit(np.array(ks, dtype=float), np.array(ys), 1)[0])
    return RateFit(math.exp(slope), ks[0], ks[-1])


def build_firenet(oracle: Any, setup: Setup, *, n_outer: int, p_inner: int, delta: gmpy2.mpq,
             eps0: gmpy2.mpq | None = None) -> FirenetNetwork:
    """The FIRENET training algorithm reading ``A`` (and the samples) at :data:`LEVEL`."""
    inst = setup.instance
    algo = FIRENET(level=LEVEL, lam=setup.lam, n_outer=n_outer, p_inner=p_inner, delta=delta,
                   weights=inst.weights, L=setup.L, tau=setup.tau, sigma=setup.tau, eps0=eps0)
    return algo.train(oracle)


# =============================================================================== setup
def prepare(inst: LevelsInstance | None = None, *, step: object = "1/2") -> Setup:
    """Certify exact recovery of the instance's ``x`` and fix FIRENET's ``lam``, ``L`` and
    steps ``tau = sigma = step / L`` (``0 < step < 1``).

    Raises :class:`ConditionError` if the dual certificate fails (``x`` is then not certified
    to be the minimiser the network approximates; choose another ``seed`` or more rows).
    """
    inst = default_instance() if inst is None else inst
    if not isinstance(inst, LevelsInstance):
        raise InvalidType(f"inst={inst!r} must be a theorems.instances.levels.LevelsInstance "
                          f"(or None for the default instance)")
    step_q = _exact_arg(step, "step")
    if not 0 < step_q < 1:
        raise InvalidArgument(f"step={step_q} must be in (0, 1) so that tau sigma L^2 < 1")
    cert = recovery_certificate(inst.A, inst.x, inst.weights)
    if not cert.valid:
        raise ConditionError(
            f"seed={inst.seed}: the dual certificate of x fails (some off-support margin "
            f"mu_i <= 0), so x is not certified to be the unique minimiser; choose another "
            f"seed or sample more rows")
    lam, C_x = best_lambda(cert)
    _, L = spectral_norm_bounds(inst.A)
    tau = step_q / L
    _, sqrt_lmax, _ = pd_metric_bounds(tau, tau, L)
    Lam = sqrt_lmax * sqrt_lmax
    p_x = int(math.ceil(math.e * float(C_x) * float(Lam)))
    c = C_x * Lam / (2 * L)
    return Setup(inst, cert, lam, C_x, L, tau, Lam, p_x, c)


# =============================================================================== convergence
def trace_restarts(net: FirenetNetwork, y: np.ndarray, ctx: Context, x: np.ndarray, p: int
           ) -> tuple[list[RestartPoint], int]:
    points: list[RestartPoint] = []
    prec = [53]

    def cb(rec: Any) -> None:
        low, up = _distance(ctx, rec.psi, x)
        points.append(RestartPoint(rec.restart, 3 * rec.restart * p + 1, rec.e, low, up))
        if rec.working_prec:
            prec[0] = rec.working_prec

    net(y, ctx, callback=cb)
    return points, prec[0]


def _one_run(setup: Setup, inst: LevelsInstance, ctx: Context, role: str, label: str, *,
             n_outer: int,
             p_inner: int, delta: gmpy2.mpq, k_min: int) -> ConvergenceRun:
    t0 = time.perf_counter()
    oracle = inst.oracle()
    net = build_firenet(oracle, setup, n_outer=n_outer, p_inner=p_inner, delta=delta)
    y = oracle.sample(0, LEVEL)
    if any(a != b for a, b in zip(y, inst.y, strict=True)):
        raise ConditionError(f"the oracle did not serve y exactly at level {LEVEL}")
    points, wp = trace_restarts(net, y, ctx, inst.x, p_inner)
    fit = fit_rate([p.restart for p in points], [p.upper for p in points], k_min=k_min)
    kind = "exact network (ball)" if isinstance(ctx, Ball) else "computed vector (float64)"
    return ConvergenceRun(ctx.name, role, label, inst.noise_norm_upper(), delta, tuple(points), fit,
                          min(p.upper for p in points), wp, kind, time.perf_counter() - t0)


def convergence_runs(
    setup: Setup,
    *,
    n_outer: int = 200,
    p_inner: int = 30,
    precisions: Sequence[int] = (128, 256, 512),
    float64: bool = True,
    floor_noise: object | None = "1e-30",
    floor_delta: object | None = "1e-40",
    floor_restarts: int = 120,
    floor_prec: int = 256,
    k_min: int = 5,
    progress: Progress = None,
) -> list[ConvergenceRun]:
    """FIRENET error against restarts in float64 and Ball(prec) for each precision, plus the
    two floor runs (noise ``floor_noise`` with ``delta = 0``; ``delta = floor_delta`` without
    noise), each in ``Ball(floor_prec)`` for ``floor_restarts`` restarts (``None`` skips)."""
    if not isinstance(setup, Setup):
        raise InvalidType(f"setup={setup!r} must be a Setup (from prepare)")
    n_outer = integer(n_outer, "n_outer", 1)
    p_inner = integer(p_inner, "p_inner", 1)
    k_min = integer(k_min, "k_min")
    # every argument is checked before the first (long) run starts
    eta = None if floor_noise is None else _exact_arg(floor_noise, "floor_noise")
    d = None if floor_delta is None else _exact_arg(floor_delta, "floor_delta")
    if eta is not None and eta < 0:
        raise InvalidArgument(f"floor_noise={floor_noise!r} must be >= 0")
    if d is not None and d < 0:
        raise InvalidArgument(f"floor_delta={floor_delta!r} must be >= 0")
    if eta is not None or d is not None:
        floor_restarts = integer(floor_restarts, "floor_restarts", 1)
        floor_prec = integer(floor_prec, "floor_prec", 8)
    if isinstance(precisions, (str, bytes)) or not isinstance(precisions, Iterable):
        raise InvalidType(f"precisions={precisions!r} must be a sequence of bit counts, "
                          f"e.g. (128, 256)")
    inst = setup.instance
    zero = gmpy2.mpq(0)
    contexts: list[Context] = ([Float64()] if float64 else []) + [
        Ball(integer(b, "precisions[]", 8)) for b in precisions]
    runs = []
    for ctx in contexts:
        say(progress, f"convergence: {ctx.name}, {n_outer} restarts of {p_inner} steps")
        runs.append(_one_run(setup, inst, ctx, "main", "noiseless, delta = 0", n_outer=n_outer,
                             p_inner=p_inner, delta=zero, k_min=k_min))
    if eta is not None:
        noisy = _with_noise(inst, eta)
        say(progress, f"convergence: noise floor ||e|| <= {float(eta):.0e}")
        runs.append(_one_run(setup, noisy, Ball(floor_prec), "noise floor",
                             f"noise {float(eta):.0e}, delta = 0",
                             n_outer=floor_restarts, p_inner=p_inner, delta=zero, k_min=k_min))
    if d is not None:
        say(progress, f"convergence: delta floor delta = {float(d):.0e}")
        runs.append(_one_run(setup, inst, Ball(floor_prec), "delta floor",
                             f"noiseless, delta = {float(d):.0e}",
                             n_outer=floor_restarts, p_inner=p_inner, delta=d, k_min=k_min))
    return runs


def _with_noise(inst: LevelsInstance, eta: gmpy2.mpq) -> LevelsInstance:
    """The same ``A`` and ``x`` with fresh noise of size ``<= eta``."""
    from theorems.instances.levels import draw_noise

    rng = np.random.default_rng(inst.seed + 1)
    e = draw_noise(inst.shape[0], eta, rng)
    return LevelsInstance(inst.kind, inst.A, inst.levels, inst.sparsities, inst.level_weights,
                          inst.x, e, inst.A.dot(inst.x) + e, inst.rows, inst.rows_per_level,
                          eta, inst.seed)


