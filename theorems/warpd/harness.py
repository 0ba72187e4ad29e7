r"""WARPd measured: linear convergence on five problems, against the un-restarted method and
FISTA, with fitted rates, sharpness constants, and a certified Ball-256 run.

For each problem of :mod:`theorems.warpd.problems` (float64):

* ``WARPd``: :func:`algorithms.solvers.warpd.warpd` with the problem's ``C1, C2`` (``k =
  ceil(2 C1 C2 L / (tau nu))`` steps per restart, ``tau = 0.99``, ``nu = e^-1``, ``delta =
  0``); the relative error ``||x_r - x_ref|| / ||x_ref||`` after every restart ``r``;
* ``PD ergodic``: the same primal-dual iteration without restarts, with the first restart's
  steps ``tau1, tau2``, ergodic average (the method WARPd restarts);
* ``PD last``: the same, last iterate (shown because on some problems it is also linear);
* ``FISTA`` (problems with a prox-friendly ``J`` and no ``B``): ``min lam J(x) + ||Ax -
  b||^2 / 2`` with ``lam = 1e-4 ||A^H b||_inf``; its limit is the LASSO solution, ``O(lam)``
  away from ``x_ref``: the curve levels off there.

Columns of the report: ``iters to 1e-6`` (first recorded total step count with relative error
``<= 1e-6``; ``>N`` if never within the budget), ``factor`` (un-restarted ergodic over WARPd;
a lower bound when the baseline never got there), ``rate`` (least-squares slope of
``log10(error)`` against steps over the points between ``1e-1`` and ``1e3`` times the run's
floor, as decades per 1000 steps), ``theory`` (``-log10(e) * 1000 / k``: one factor ``e`` per
restart of ``k`` steps), ``agreement`` (relative distance of WARPd's final output to the
reference).

References: problems 1, 3, 4 as in :mod:`theorems.warpd.problems`; problems 2, 2b and 5
(Fourier TV, TV + wavelet) are measured against :func:`admm_reference`, an independent
algorithm (ADMM with exact sub-steps, :mod:`algorithms.solvers.admm`), so ``agreement`` there is
WARPd's distance to an independent solver and ``factor`` is measured against it; the ADMM
steps and relative KKT residual are in ``extra`` and the References table.

Sharpness table: the constants used, the theory's (problem 1: from the exact LP certificate;
problem 3: ``sqrt(n1 n2 / m)`` and 1) and empirical ones from ``(error, objective gap,
feasibility gap)`` pairs of all runs (:func:`theorems.warpd.sharpness.empirical_constants`).

Certified run (problem 1): WARPd in ``Ball(256)`` with midpoint iterates
(``midpoints=True``); after every restart the output (an exact dyadic vector) is compared with
the exact ``x`` (proven the unique minimiser by the LP certificate): the distance is computed in
exact rationals and enclosed by integer square roots, so each printed error is a proven
``[lower, upper]``.  Depth: two layers per primal-dual step plus one,
``2 k r + 1`` after ``r`` restarts, the depth of the unrolled network with ``r`` restarts.

Unrolled network (problem 1): :func:`algorithms.solvers.warpd.warpd_network` (two layers per
step, depth ``2 k R + 1``) built for several ``R`` and evaluated in float64 at the exact ``b``:
depth against the error reached, and its largest difference from the engine's float64 output.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball, Exact, Float64
from algorithms.rationals import mpq_sqrt_lower, mpq_sqrt_upper
from algorithms.solvers.warpd import primal_dual, warpd
from theorems.warpd.noisefloor import FloorResult, run_floor
from theorems.warpd.problems import (
    Problem,
    admm_reference,
    completion_problem,
    initial_level,
    lowrank_problem,
    mixed_problem,
    sparse_problem,
    tv_exact_problem,
    tv_problem,
)
from theorems.warpd.sharpness import empirical_constants

__all__ = ["Curve", "ProblemResult", "CertifiedRow", "NetworkRow", "WarpdResult", "run",
           "run_problem", "fit_rate", "first_below", "extrapolate", "certified_run",
           "network_rows", "problems"]

Progress = Callable[[str], None]
TARGET = 1e-6


@dataclass(frozen=True)
class Curve:
    """Relative error against total primal-dual steps for one method."""

    method: str
    iterations: tuple[int, ...]
    errors: tuple[float, ...]
    seconds: float


@dataclass(frozen=True)
class ProblemResult:
    key: str
    title: str
    size: str
    k: int
    L: float
    C1: float
    C2: float
    theory: dict[str, Any]
    empirical: dict[str, Any]
    curves: tuple[Curve, ...]
    to_target: dict[str, int | None]
    factor: float | None
    factor_is_lower_bound: bool
    rate: float | None
    rate_theory: float
    agreement: float
    why_ref: str
    reference: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CertifiedRow:
    restart: int
    iterations: int
    depth: int
    lower: gmpy2.mpq
    upper: gmpy2.mpq


@dataclass(frozen=True)
class NetworkRow:
    """The unrolled WARPd network with ``restarts`` restarts: its depth, widths' maximum,
    the float64 error of its output against the exact ``x`` and the largest difference from
    the engine's float64 output (same parameters)."""

    restarts: int
    depth: int
    max_width: int
    error_float64: float
    engine_difference: float


@dataclass(frozen=True)
class WarpdResult:
    problems: tuple[ProblemResult, ...]
    certified: tuple[CertifiedRow, ...]
    network: tuple[NetworkRow, ...]
    certificate: dict[str, Any]
    quick: bool
    seconds: float
    #: the noisy-sparse demonstration of :mod:`theorems.warpd.noisefloor` (``None``: skipped)
    floor: FloorResult | None = None


# =============================================================================== helpers
def fit_rate(its: tuple[int, ...], errs: tuple[float, ...]) -> float | None:
    """Slope of ``log10(err)`` per 1000 steps over the geometric phase (module docstring)."""
    e = np.array(errs, dtype=float)
    i = np.array(its, dtype=float)
    ok = np.isfinite(e) & (e > 0)
    if ok.sum() < 3:
        return None
    floor = e[ok].min()
    sel = ok & (e <= 1e-1) & (e >= floor * 1e3)
    if sel.sum() < 3:
        sel = ok & (e <= 1e-1)
    if sel.sum() < 2:
        return None
    return float(np.polyfit(i[sel], np.log10(e[sel]), 1)[0] * 1000)


def extrapolate(c: Curve, target: float = TARGET) -> float | None:
    """Steps at which a power law ``err = a it^p`` fitted (log-log least squares) to the last
    half of ``c`` reaches ``target`` (``None`` if it does not decrease).  An EXTRAPOLATION."""
    pts = [(i, e) for i, e in zip(c.iterations, c.errors, strict=True) if e > 0]
    pts = pts[len(pts) // 2:]
    if len(pts) < 3:
        return None
    li, le = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    slope, icpt = np.polyfit(li, le, 1)
    if slope >= 0:
        return None
    return float(np.exp((math.log(target) - icpt) / slope))


def first_below(c: Curve, target: float = TARGET) -> int | None:
    for it, e in zip(c.iterations, c.errors, strict=True):
        if e <= target:
            return it
    return None


def _fista(prob: Problem, x_ref: np.ndarray, iterations: int, every: int) -> Curve:
    ctx = Float64()
    A, J = prob.A, prob.J
    b = ctx.as_vector(prob.b)
    L2 = float(A.norm_bound()) ** 2
    lam = 1e-4 * float(np.max(np.abs(A.adjoint(ctx, b))))
    x = xo = np.zeros(A.shape[1])
    nr = np.linalg.norm(x_ref)
    its, errs = [], []
    t0 = time.perf_counter()
    for k in range(1, iterations + 1):
        w = x + (k - 2) / (k + 1) * (x - xo) if k > 1 else x
        g = A.adjoint(ctx, A.apply(ctx, w) - b)
        xo, x = x, J.prox(ctx, w - g / L2, lam / L2)
        if k % every == 0:
            its.append(k)
            errs.append(float(np.linalg.norm(x - x_ref) / nr))
    return Curve("FISTA", tuple(its), tuple(errs), time.perf_counter() - t0)


def _objective(prob: Problem, x: np.ndarray) -> tuple[float, float]:
    """``(J(x) + ||Bx||_1, max(0, ||Ax - b|| - eps))`` in float64."""
    ctx = Float64()
    F = float(np.real(prob.J.value(ctx, x)))
    if prob.B is not None:
        F += float(np.sum(np.abs(prob.B.apply(ctx, x))))
    r = float(np.linalg.norm(prob.A.apply(ctx, x) - ctx.as_vector(prob.b)))
    return F, max(0.0, r - float(prob.eps))


# =============================================================================== one problem
def run_problem(prob: Problem, *, budget: int, ref_iterations: int = 0,
                baseline_cap: int = 0, progress: Progress | None = None) -> ProblemResult:
    """All curves of one problem with ``budget`` total steps per method (module docstring).
    The ergodic baseline runs ``min(baseline_cap, 10 x WARPd's steps to 1e-6 + k)`` steps
    when that exceeds the budget, so that a factor ``>= 10`` is measured, not guessed."""
    ctx = Float64()
    say = progress or (lambda _m: None)
    tau = gmpy2.mpq(99, 100)
    L = float(prob.A.norm_bound() if prob.B is None else
              math.hypot(float(prob.A.norm_bound()), float(prob.B.norm_bound())))
    reference = "ground truth / certified minimiser"
    x_ref = prob.x_ref
    extra: dict[str, Any] = {}
    C1, C2 = gmpy2.mpq(prob.C1), gmpy2.mpq(prob.C2)
    if x_ref is None:
        say(f"{prob.key}: independent reference (ADMM, at most {ref_iterations} steps)")
        x_ref, info = admm_reference(prob, ref_iterations)
        extra.update(info)
        extra["objective_reference"] = _objective(prob, x_ref)
        reference = (f"ADMM, {info['reference_iterations']} steps, relative KKT residual "
                     f"{info['reference_kkt']:.1e} (objective "
                     f"{extra['objective_reference'][0]:.10g}, infeasibility "
                     f"{extra['objective_reference'][1]:.1e})")
    nr = float(np.linalg.norm(x_ref))
    F_ref, _ = _objective(prob, x_ref)
    pairs: list[tuple[float, float, float]] = []

    def err(x: np.ndarray) -> float:
        return float(np.linalg.norm(x - x_ref) / nr)

    def pair(x: np.ndarray) -> None:
        F, f = _objective(prob, x)
        pairs.append((float(np.linalg.norm(x - x_ref)), F - F_ref, f))

    say(f"{prob.key}: WARPd")
    its, errs = [], []

    def cb(rec: Any) -> None:
        its.append(rec.iterations)
        errs.append(err(rec.x))
        pair(rec.x)

    t0 = time.perf_counter()
    from algorithms.solvers.warpd.engine import inner_steps
    k = inner_steps(C1, C2, gmpy2.mpq(L), tau)
    restarts = max(1, budget // k)
    w = warpd(prob.A, prob.b, eps=prob.eps, J=prob.J, B=prob.B, C1=C1, C2=C2,
              restarts=restarts, ctx=ctx, callback=cb, w0=initial_level(prob))
    curves = [Curve("WARPd", tuple(its), tuple(errs), time.perf_counter() - t0)]
    k = w.schedule.k
    tau1, tau2 = w.schedule.steps[0]
    every = max(1, budget // 60)
    wi0 = first_below(curves[0])
    long = restarts * k
    if wi0 is not None:
        long = max(long, min(baseline_cap, 10 * wi0 + k))
    for output, name in (("ergodic", "PD ergodic"), ("last", "PD last")):
        say(f"{prob.key}: {name}")
        n_it = long if output == "ergodic" else restarts * k
        its2, errs2 = [], []

        def scb(i: int, x: np.ndarray, its2: list = its2, errs2: list = errs2) -> None:
            its2.append(i)
            errs2.append(err(x))
            pair(x)

        t0 = time.perf_counter()
        primal_dual(prob.A, prob.b, eps=prob.eps, J=prob.J, B=prob.B, ctx=ctx,
                    iterations=n_it, tau1=tau1, tau2=tau2, output=output,
                    step_callback=scb, every=max(every, n_it // 60))
        curves.append(Curve(name, tuple(its2), tuple(errs2), time.perf_counter() - t0))
    if prob.fista:
        say(f"{prob.key}: FISTA")
        curves.append(_fista(prob, x_ref, restarts * k, every))
    to = {c.method: first_below(c) for c in curves}
    ex = extrapolate(curves[1]) if to["PD ergodic"] is None else None
    extra["ergodic_extrapolated"] = ex
    #: noisy data: not sharp at the minimiser (theorems.warpd.noisefloor), a floor is expected
    extra["noisy"] = bool(prob.eps) and prob.eps > 0
    if ex is not None and to["WARPd"] is not None:
        extra["factor_extrapolated"] = ex / to["WARPd"]
    wi, bi = to["WARPd"], to["PD ergodic"]
    if wi is None:
        factor, lower = None, False
    elif bi is None:
        factor, lower = curves[1].iterations[-1] / wi, True
    else:
        factor, lower = bi / wi, False
    return ProblemResult(
        prob.key, prob.title, prob.size, k, L, float(C1), float(C2), prob.theory,
        empirical_constants(pairs, float(C2)), tuple(curves), to, factor, lower,
        fit_rate(curves[0].iterations, curves[0].errors), -1000 / k / math.log(10),
        err(w.x), prob.why_ref, reference, extra)


# =============================================================================== certified
def certified_run(prob: Problem, *, target_exponent: int = 40, prec: int = 256,
                  max_restarts: int = 400, progress: Progress | None = None
                  ) -> list[CertifiedRow]:
    """WARPd on problem 1 in ``Ball(prec)`` (midpoint iterates) until the certified error is
    below ``10^-target_exponent`` (module docstring); one row per restart."""
    ex = prob.exact
    assert ex is not None
    x = ex["x"]
    ctx = Ball(prec)
    rows: list[CertifiedRow] = []
    target = gmpy2.mpq(1, 10 ** target_exponent)
    say = progress or (lambda _m: None)

    def cb(rec: Any) -> bool:
        mid = ctx.to_rationals(rec.x)
        sq = sum(((a - c) ** 2 for a, c in zip(mid, x, strict=True)), gmpy2.mpq(0))
        lo = mpq_sqrt_lower(sq, 64) if sq else gmpy2.mpq(0)
        hi = mpq_sqrt_upper(sq, 64) if sq else gmpy2.mpq(0)
        rows.append(CertifiedRow(rec.restart, rec.iterations, 2 * rec.iterations + 1, lo, hi))
        if rec.restart % 10 == 0:
            say(f"ball-{prec}: restart {rec.restart}, error <= {float(hi):.1e}")
        return hi <= target

    warpd(ex["A"], ex["b"], eps=0, J=prob.J, C1=gmpy2.mpq(prob.C1), C2=gmpy2.mpq(prob.C2),
          restarts=max_restarts, ctx=ctx, midpoints=True, callback=cb)
    return rows


# =============================================================================== network
def network_rows(prob: Problem, restarts: tuple[int, ...], progress: Progress | None = None
                 ) -> list[NetworkRow]:
    """Build :func:`algorithms.solvers.warpd.warpd_network` for problem 1 with each number of
    restarts (``w0 = C2 ||b||`` rounded up, the engine's default, fixed for this instance) and
    evaluate it in float64 at the exact ``b``."""
    from algorithms.solvers.warpd import warpd_network
    from algorithms.solvers.warpd.engine import _norm_b_upper

    ex = prob.exact
    assert ex is not None
    ctx = Float64()
    C1, C2 = gmpy2.mpq(prob.C1), gmpy2.mpq(prob.C2)
    w0 = C2 * _norm_b_upper(Exact(), Exact().vector(list(ex["b"])))
    xq = ex["x"]
    rows = []
    for R in restarts:
        if progress:
            progress(f"network with {R} restarts")
        net = warpd_network(ex["A"], C1=C1, C2=C2, restarts=R, w0=w0,
                            L=prob.A.norm_bound())
        out = net(ex["b"], ctx)
        err = math.sqrt(float(sum(((gmpy2.mpq(float(a)) - c) ** 2
                                   for a, c in zip(out, xq, strict=True)), gmpy2.mpq(0))))
        eng = warpd(ex["A"], ex["b"], eps=0, J=prob.J, C1=C1, C2=C2, restarts=R, ctx=ctx).x
        rows.append(NetworkRow(R, net.depth, max(net.widths), err,
                               float(np.max(np.abs(out - eng)))))
    return rows


# =============================================================================== run
def problems(quick: bool, full: bool = False) -> list[tuple[Problem, int, int, int]]:
    """``(problem, budget, reference steps, cap of the long ergodic baseline)`` for the
    default, quick or full sizes.  The reference steps of problems 2, 2b and 5 are ADMM's
    iteration cap (it stops earlier at a relative KKT residual of 1e-13)."""
    if quick:
        return [(sparse_problem(), 1500, 0, 12000),
                (tv_problem(n=32), 2000, 1000, 0),
                (tv_exact_problem(n=16, fraction=0.5), 6000, 3000, 0),
                (completion_problem(n=60, rank=2, fraction=0.4), 500, 0, 0),
                (lowrank_problem(n=8, rank=1, m=48), 1000, 0, 6000),
                (mixed_problem(n=32), 2000, 1000, 0)]
    tv, ref = (24000, 20000) if full else (10000, 3000)
    return [(sparse_problem(), 4000, 0, 12000),
            (tv_problem(), tv, ref, 0),
            (tv_exact_problem(), 8500, 20000, 70000),
            (completion_problem(), 600, 0, 4600),
            (lowrank_problem(), 3000, 0, 8000),
            (mixed_problem(), tv, ref, 0)]


def run(*, quick: bool = False, full: bool = False, only: tuple[str, ...] | None = None,
        certified: bool = True, progress: Progress | None = None) -> WarpdResult:
    """Every problem (or those whose key is in ``only``; ``"noise-floor"`` is the noisy-sparse
    demonstration of :mod:`theorems.warpd.noisefloor`), the certified Ball run and the
    unrolled networks."""
    t0 = time.perf_counter()
    out = []
    cert: dict[str, Any] = {}
    rows: list[CertifiedRow] = []
    nrows: list[NetworkRow] = []
    for prob, budget, ref, cap in problems(quick, full):
        if only and prob.key not in only:
            continue
        out.append(run_problem(prob, budget=budget, ref_iterations=ref, baseline_cap=cap,
                               progress=progress))
        if prob.key == "sparse":
            c = prob.exact["certificate"]  # type: ignore[index]
            cert = {"valid": c.valid, "mu": c.mu, "C1": c.C1, "C2": c.C2,
                    "min_norm_valid": c.min_norm_valid, "support": c.support}
            if certified:
                rows = certified_run(prob, target_exponent=20 if quick else 40,
                                     progress=progress)
            nrows = network_rows(prob, (2, 5, 10) if quick else (2, 5, 10, 15, 20, 30),
                                 progress)
    floor = (run_floor(quick=quick, full=full, progress=progress)
             if not only or "noise-floor" in only else None)
    return WarpdResult(tuple(out), tuple(rows), tuple(nrows), cert, quick,
                       time.perf_counter() - t0, floor)
