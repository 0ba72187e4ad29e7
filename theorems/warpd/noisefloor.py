r"""Why WARPd stops short of the minimiser when the data are noisy (``eps > 0``).

The theorem (SPEC section 8) assumes approximate sharpness at the minimiser ``x_hat``::

    ||x - x_hat|| <= C1 (J(x) - J(x_hat) + C2 (||Ax - b|| - eps)_+) + c          (S)

and promises linear convergence down to ``O(delta)`` with ``delta`` of the size of ``c``.
Without noise (``eps = 0``) the sparse, TV and low-rank problems here are polyhedral or sharp
and ``c = 0`` works.  With noise it cannot:

**Claim.**  Let ``eps > 0``, the constraint active at ``x_hat`` (multiplier ``mu > 0``), and
let the objective be twice differentiable along a linear space ``F`` of directions at
``x_hat`` of dimension at least 2 that contains a ``u`` with ``<A u, r> != 0`` (for l1, the
vectors supported on the support ``S`` of ``x_hat``: dimension ``|S|``; for isotropic TV, the
images constant on each connected region where ``grad x_hat = 0``: dimension at least 2
unless ``x_hat`` is constant).  Then for every ``C1, C2`` inequality (S) needs
``c >= c_min(C1) > 0``: the objective grows only quadratically along the data ball.

*Proof* (for l1; TV is the same with its face).  On the face the KKT condition reads
``A_S^T r = -s / mu`` with ``r = A x_hat - b``, ``||r|| = eps``.  Take ``d`` on the face with
``s^T d = 0`` (possible because the face has dimension >= 2), so ``<A d, r> = 0``: ``d`` is
tangent to the data ball.  With ``u = (A_S^T A_S)^{-1} s`` the curve
``x(t) = x_hat + t d + alpha(t) u``, where ``alpha(t) >= 0`` is the small root of
``||r + t A d + alpha A u||^2 = eps^2``, stays on the data ball (feasibility gap 0) and keeps
the signs for small ``t``, so ``J(x(t)) - J(x_hat) = s^T (t d + alpha u) = alpha(t) s^T u``.
Expanding, ``alpha(t) = t^2 ||A d||^2 mu / (2 s^T u) + O(t^3)``: the objective gap grows like
``kappa t^2`` with ``kappa = mu ||A d||^2 / 2`` (``||d|| = 1``) while the distance grows like
``t``.  Hence (S) at ``x(t)`` forces ``c >= max_t (t - C1 kappa t^2) = 1 / (4 C1 kappa)``.  QED.

So WARPd's guarantee on a noisy problem ends at about ``c_min(C1)``: the primal step, which
shrinks with the error level, stalls the iterates short of ``x_hat``.  This module makes that
visible on the simplest noisy problem, basis pursuit denoising (the paradox's (P1) with
``eta > 0``), where the minimiser is known in closed form on its support and certified in
ball arithmetic:

* :func:`bpdn_instance`: a Gaussian instance with exact dyadic data and noise;
* :func:`certify_bpdn`: the minimiser ``x_S = G^{-1}(A_S^T b - s/mu)``, ``G = A_S^T A_S``,
  ``mu = ||A_S G^{-1} s|| / sqrt(eps^2 - ||r_LS||^2)``, in python-flint balls, proven the unique
  minimiser by checking the KKT conditions rigorously (signs on ``S``, ``|mu A_i^T r| < 1`` off
  ``S``, ``eps > ||r_LS||``, ``G`` invertible).  Why that suffices: with ``z = -mu A^T r``
  (``|z_i| <= 1``, ``z_S = s``) every feasible ``x`` has ``||x||_1 >= z^T x = -mu r^T (A x - b)
  - mu r^T b >= -mu eps^2 - mu r^T b = z^T x_hat = ||x_hat||_1``; equality forces ``x_i = 0``
  off ``S`` (there ``|z_i| < 1``) and ``A x - b = r`` (Cauchy-Schwarz), so ``x = x_hat`` as
  ``A_S`` is injective;
* :func:`tangent_growth`: the curve of the proof in balls: objective gap against distance, the
  fitted growth exponent (2) and the certified lower bound ``c_min(C1)``;
* :func:`floor_sweep`: WARPd in float64 for several ``C1`` and the distance at which each run
  stalls (its *floor*), with the fitted exponent of floor against ``C1``.

What this means for problems 2 and 5 (TV with 2 % noise): the same curve exists there (the TV
minimiser is not constant), so no ``C1, C2`` make WARPd converge linearly to the minimiser;
its guarantee ends at ``O(c_min(C1))`` and the runs stall at a floor that falls as ``C1``
grows while the steps per restart grow like ``C1``.  :func:`tv_floor` measures it on problem 2
at 32 x 32 against the ADMM reference: floors 5.3e-5, 7.2e-6, 1.0e-6 for ``C1`` = 3, 10, 30
(``C2 = 30``; 33 k, 109 k, 326 k steps).  The first restarts of the three runs coincide: a
larger ``C1`` buys a lower floor, not a faster decay.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np
from flint import arb, arb_mat

from algorithms.arithmetic import Float64
from algorithms.arithmetic.ball import flint_prec, mpq_to_arb
from algorithms.operators import Dense
from algorithms.proximal import WeightedL1
from algorithms.solvers.warpd.engine import warpd
from theorems.errors import InvalidArgument
from theorems.warpd.problems import admm_reference, exact_gaussian, initial_level, tv_problem

__all__ = ["BpdnInstance", "BpdnCertificate", "GrowthResult", "FloorRun", "FloorResult",
           "bpdn_instance", "certify_bpdn", "tangent_growth", "floor_sweep", "run_floor"]


@dataclass(frozen=True)
class BpdnInstance:
    """``min ||x||_1`` s.t. ``||A x - b|| <= eps`` with exact dyadic ``A``, ``b``, ``eps``
    (object arrays of ``gmpy2.mpq``); ``x0`` is the sparse vector the noisy ``b`` came from."""

    A: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    eps: gmpy2.mpq
    x0: np.ndarray = field(repr=False)
    size: str


@dataclass(frozen=True)
class BpdnCertificate:
    """The certified minimiser (module docstring).  ``x``: the balls' midpoints rounded to
    float64 (length ``N``); ``radius``: an upper bound of the balls' radii (``balls`` holds the
    enclosures themselves); ``mu``: the multiplier;
    ``margin``: ``1 - max_{i not in S} |mu A_i^T r|`` (a lower bound; > 0 proves it);
    ``min_abs``: a lower bound of ``min_{i in S} |x_i|``; ``valid``: all checks passed."""

    support: tuple[int, ...]
    signs: tuple[int, ...]
    x: np.ndarray = field(repr=False)
    radius: float
    mu: float
    margin: float
    min_abs: float
    valid: bool
    prec: int
    balls: tuple[Any, ...] = field(repr=False, default=())


@dataclass(frozen=True)
class GrowthResult:
    """Objective gap against distance along the feasible curve of the proof (relative to
    ``||x_hat||``; every number a certified ball's midpoint, the bounds use the ball ends).
    ``exponent``: fitted slope of ``log gap`` against ``log t``; ``kappa``: ``mu ||A d||^2 /
    2``; ``c_min``: ``{C1: certified lower bound of c in (S), relative to ||x_hat||}``."""

    t: tuple[float, ...]
    distance: tuple[float, ...]
    gap: tuple[float, ...]
    exponent: float
    kappa: float
    c_min: dict[float, float]


@dataclass(frozen=True)
class FloorRun:
    """One WARPd run: ``C1``, ``k`` steps per restart, relative distance to the minimiser
    after every restart (noisy BPDN: a certified upper bound, rounded up; TV: a float64
    distance to the ADMM reference), and the floor (the last distance)."""

    C1: float
    k: int
    iterations: tuple[int, ...]
    errors: tuple[float, ...]
    floor: float
    seconds: float


@dataclass(frozen=True)
class FloorResult:
    instance: str
    certificate: BpdnCertificate
    growth: GrowthResult
    runs: tuple[FloorRun, ...]
    C2: float
    #: fitted slope of ``log floor`` against ``log C1``
    floor_exponent: float | None
    seconds: float
    #: ``--full`` only: the same sweep on noisy TV (problem 2 at ``tv_size``), distances to
    #: the ADMM reference (:func:`tv_floor`)
    tv: tuple[FloorRun, ...] = ()
    tv_size: str = ""
    tv_reference_kkt: float | None = None


# =============================================================================== instance
def bpdn_instance(m: int = 20, N: int = 40, s: int = 4, noise: float = 0.02, seed: int = 0
                  ) -> BpdnInstance:
    """Gaussian basis pursuit denoising: ``A`` from :func:`exact_gaussian`, ``x0`` with ``s``
    entries ``+-j/8``, ``b = A x0 + e`` with ``||e|| = noise ||A x0||`` (rounded to doubles,
    so exact dyadics) and ``eps`` the double just above ``||b - A x0||``."""
    for name, v in (("m", m), ("N", N), ("s", s)):
        if not isinstance(v, int) or v < 1:
            raise InvalidArgument(f"{name}={v!r} must be a positive integer")
    if not s < m < N:
        raise InvalidArgument(f"need s < m < N, got s={s}, m={m}, N={N}")
    if not (isinstance(noise, float | int) and 0 < noise < 1):
        raise InvalidArgument(f"noise={noise!r} must be in (0, 1)")
    rng = np.random.default_rng(seed)
    A = exact_gaussian(m, N, rng)
    x0 = np.zeros(N)
    idx = rng.choice(N, s, replace=False)
    x0[idx] = rng.integers(4, 16, s) * rng.choice([-1, 1], s) / 8
    Af = A.astype(float)
    clean = A.dot(np.array([gmpy2.mpq(v) for v in x0], dtype=object))
    e = rng.standard_normal(m)
    e *= noise * np.linalg.norm(Af @ x0) / np.linalg.norm(e)
    b = np.array([gmpy2.mpq(float(c) + float(ei)) for c, ei in zip(clean, e, strict=True)],
                 dtype=object)
    res2 = sum(v * v for v in b - clean)
    eps = gmpy2.mpq(math.sqrt(float(res2)) * (1 + 2.0 ** -40))
    if eps * eps <= res2:
        raise AssertionError("eps below the noise norm")  # pragma: no cover - rounding guard
    return BpdnInstance(A, b, eps, x0, f"{m} x {N}, s = {s}, {noise:.0%} noise")


# =============================================================================== certificate
def _col(v: Sequence[Any]) -> arb_mat:
    return arb_mat(len(v), 1, [x if isinstance(x, arb) else mpq_to_arb(x) for x in v])


def _dot(a: arb_mat, b: arb_mat) -> arb:
    return (a.transpose() * b)[0, 0]


def _signs_hold(x: arb_mat, signs: Sequence[int]) -> list[bool]:
    """Per entry: is the ball certainly of the given sign?"""
    return [bool(x[k, 0] > 0) if sg > 0 else bool(x[k, 0] < 0) for k, sg in enumerate(signs)]


def _down(v: arb) -> float:
    """A double ``<=`` every point of the ball (float() rounds the exact endpoint to nearest,
    one step further down makes it a bound)."""
    return math.nextafter(float(v.lower()), -math.inf)


def _up(v: arb) -> float:
    """A double ``>=`` every point of the ball."""
    return math.nextafter(float(v.upper()), math.inf)


def certify_bpdn(inst: BpdnInstance, x_approx: np.ndarray, *, prec: int = 256,
                 threshold: float = 1e-9, repairs: int = 10) -> BpdnCertificate:
    """Guess the support and signs from ``x_approx`` (entries above ``threshold * max|x|``)
    and certify the closed-form minimiser on it (module docstring).  When a check fails the
    guess is repaired (up to ``repairs`` times): an index whose sign comes out wrong leaves
    the support, else the off-support index with the largest ``|mu A_i^T r| > 1`` joins it
    with that sign.  ``valid`` is ``False`` when no guess passes."""
    xa = np.asarray(x_approx, dtype=float)
    if xa.shape != (inst.A.shape[1],) or not np.all(np.isfinite(xa)) or not np.any(xa):
        raise InvalidArgument(f"x_approx must be a finite non-zero vector of length "
                              f"{inst.A.shape[1]}")
    S = tuple(int(i) for i in np.flatnonzero(np.abs(xa) > threshold * np.abs(xa).max()))
    sg = tuple(int(np.sign(xa[i])) for i in S)
    cert = _certify(inst, S, sg, prec)
    for _ in range(repairs):
        if cert.valid or not cert.balls:
            break
        xs, z = cert.balls[3], cert.balls[-1]
        wrong = [k for k, ok in enumerate(_signs_hold(xs, sg)) if not ok]
        if wrong:
            S = tuple(i for k, i in enumerate(S) if k != wrong[0])
            sg = tuple(v for k, v in enumerate(sg) if k != wrong[0])
        else:
            off = [i for i in range(z.nrows()) if i not in S]
            i = max(off, key=lambda i: abs(float(z[i, 0].mid())))
            sign = dict(zip(S, sg, strict=True))
            sign[i] = int(np.sign(float(z[i, 0].mid())))
            S = tuple(sorted(sign))
            sg = tuple(sign[j] for j in S)
        cert = _certify(inst, S, sg, prec)
    return cert


def _certify(inst: BpdnInstance, S: tuple[int, ...], sg: tuple[int, ...], prec: int
             ) -> BpdnCertificate:
    m, N = inst.A.shape
    with flint_prec(prec):
        A = arb_mat(m, N, [mpq_to_arb(v) for v in inst.A.reshape(-1)])
        AS = arb_mat(m, len(S), [mpq_to_arb(inst.A[i, j]) for i in range(m) for j in S])
        b = _col(inst.b)
        s = arb_mat(len(S), 1, [arb(v) for v in sg])
        G = AS.transpose() * AS
        try:
            xls = G.solve(AS.transpose() * b)
            u = G.solve(s)
        except ZeroDivisionError:
            return _invalid(S, sg, m, N, prec)
        rls = AS * xls - b
        room = mpq_to_arb(inst.eps) ** 2 - _dot(rls, rls)
        if not room > 0:
            return _invalid(S, sg, m, N, prec)
        q = AS * u
        mu = _dot(q, q).sqrt() / room.sqrt()
        xs = xls - u * (1 / mu)
        r = AS * xs - b
        z = A.transpose() * r * (-mu)
        off = [z[i, 0] for i in range(N) if i not in S]
        max_off = max((abs(v).upper() for v in off), default=arb(0))
        signs_ok = all(_signs_hold(xs, sg))
        valid = bool(signs_ok and max_off < 1)
        x = np.zeros(N)
        rad = 0.0
        for k, i in enumerate(S):
            x[i] = float(xs[k, 0].mid())
            rad = max(rad, _up(xs[k, 0].rad()))
        min_abs = min(_down(abs(xs[k, 0])) for k in range(len(S)))
        return BpdnCertificate(S, sg, x, rad, float(mu.mid()), _down(1 - max_off),
                               min_abs, valid, prec, (AS, b, s, xs, u, r, mu, z))


def _invalid(S: tuple[int, ...], sg: tuple[int, ...], m: int, N: int, prec: int
             ) -> BpdnCertificate:
    return BpdnCertificate(S, sg, np.zeros(N), math.inf, math.nan, -math.inf, 0.0, False, prec)


# =============================================================================== growth
def tangent_growth(cert: BpdnCertificate, C1s: Sequence[float],
                   ts: Sequence[float] | None = None) -> GrowthResult:
    """The feasible curve of the proof, in balls at the certificate's precision: for each
    ``t`` (default ``2^(-j/4)``, ``j = 8..120``) the distance ``||x(t) - x_hat||`` and the
    objective gap, both relative to ``||x_hat||``; the direction ``d`` is the one of the
    face's tangent space (``s^T d = 0``) that ``A_S`` shrinks most.  ``c_min[C1]`` is
    ``max_t (distance lower bound - C1 * gap upper bound)``: a rigorous lower bound of the
    additive constant ``c`` of (S) for that ``C1`` and every ``C2``."""
    if not cert.valid:
        raise InvalidArgument("tangent_growth needs a valid certificate (cert.valid is False)")
    if len(cert.support) < 2:
        raise InvalidArgument("the face has dimension < 2: no tangent direction, (S) holds with "
                         "c = 0")
    AS, b, s, xs, u, r, mu, _ = cert.balls
    n = len(cert.support)
    ts = [2.0 ** (-j / 4) for j in range(8, 121)] if ts is None else list(ts)
    # direction (floats are enough to choose it; everything after is in balls)
    ASf = np.array([[float(AS[i, j].mid()) for j in range(n)] for i in range(AS.nrows())])
    sf = np.array(cert.signs, dtype=float)
    basis = np.linalg.svd(sf[None, :])[2][1:].T            # orthonormal basis of s^perp
    v = basis @ np.linalg.svd(ASf @ basis)[2][-1]
    with flint_prec(cert.prec):
        vb = _col([gmpy2.mpq(float(c)) for c in v])
        d = vb - u * (_dot(s, vb) / _dot(s, u))             # s^T d = 0
        d = d * (1 / _dot(d, d).sqrt())
        p, q = AS * d, AS * u
        pp, qq, rq, pq, su = _dot(p, p), _dot(q, q), _dot(r, q), _dot(p, q), _dot(s, u)
        xnorm = _dot(xs, xs).sqrt()
        rows = []
        for t in ts:
            tb = mpq_to_arb(gmpy2.mpq(t))
            beta = rq + tb * pq
            disc = beta * beta - qq * pp * tb * tb
            if not (beta < 0 and disc > 0):
                continue
            alpha = tb * tb * pp / (-beta + disc.sqrt())    # the small root, stably
            step = d * tb + u * alpha
            x = xs + step
            if not all(_signs_hold(x, cert.signs)):
                continue
            rows.append((t, _dot(step, step).sqrt() / xnorm, alpha * su / xnorm))
        kappa = float((mu * pp / 2).mid())
    if len(rows) < 3:
        raise InvalidArgument("fewer than 3 curve points keep the signs; give smaller ts")
    tt = np.array([r[0] for r in rows])
    dist = [r[1] for r in rows]
    gap = [r[2] for r in rows]
    gm = np.array([float(g.mid()) for g in gap])
    small = tt <= tt.max() * 2.0 ** -8
    sel = small if small.sum() >= 3 else np.ones_like(small)
    expo = float(np.polyfit(np.log(tt[sel]), np.log(gm[sel]), 1)[0])
    c_min = {}
    for C1 in C1s:
        best = max(_down(dd.lower() - arb(C1) * g.upper()) for dd, g in
                   zip(dist, gap, strict=True))
        c_min[float(C1)] = max(best, 0.0)
    return GrowthResult(tuple(float(t) for t in tt), tuple(float(v.mid()) for v in dist),
                        tuple(float(g.mid()) for g in gap), expo, kappa, c_min)


# =============================================================================== floors
def _relative_distance(cert: BpdnCertificate, x: np.ndarray) -> float:
    """A certified upper bound of ``||x - x_hat|| / ||x_hat||`` (``x`` a float64 vector, so
    exact dyadics; ``x_hat`` the certificate's balls)."""
    xs = cert.balls[3]
    with flint_prec(cert.prec):
        full = [arb(0)] * len(x)
        for k, i in enumerate(cert.support):
            full[i] = xs[k, 0]
        diff = _col([arb(float(v)) - f for v, f in zip(x, full, strict=True)])
        return _up(_dot(diff, diff).sqrt() / _dot(xs, xs).sqrt())



def _sweep(C1s: Sequence[float], solve: Callable[[float, Callable[[Any], bool]], Any],
           keep: Callable[[Any], Any], progress: Any, label: str
           ) -> list[tuple[float, int, list[int], list[Any], float]]:
    """Run ``solve(C1, callback)`` (a WARPd call) for every ``C1``; per run ``(C1, k, total
    steps after each restart, keep(output of each restart), seconds)``."""
    out = []
    for C1 in C1s:
        its: list[int] = []
        kept: list[Any] = []

        def cb(rec: Any, its: list[int] = its, kept: list[Any] = kept) -> bool:
            its.append(int(rec.iterations))
            kept.append(keep(rec.x))
            return False

        t0 = time.perf_counter()
        res = solve(float(C1), cb)
        out.append((float(C1), res.schedule.plans()[0].steps, its, kept,
                    time.perf_counter() - t0))
        if progress is not None:
            progress(f"noise floor{label}: WARPd with C1 = {C1:g}")
    return out


def floor_sweep(inst: BpdnInstance, C1s: Sequence[float], *, C2: float = 3.0,
                restarts: int = 40, progress: Any = None
                ) -> list[tuple[float, int, list[int], list[np.ndarray], float]]:
    """WARPd (float64, ``delta = 0``) for every ``C1``: per run ``(C1, k, iterations after
    each restart, the restart outputs, seconds)``.  Distances come later, once the
    minimiser is certified (the largest ``C1``'s output guesses its support)."""
    def solve(C1: float, cb: Callable[[Any], bool]) -> Any:
        return warpd(Dense(inst.A), inst.b, eps=inst.eps, J=WeightedL1(), C1=gmpy2.mpq(C1),
                     C2=gmpy2.mpq(C2), restarts=restarts, ctx=Float64(), callback=cb)

    return _sweep(C1s, solve, lambda x: np.asarray(x, dtype=float).copy(), progress, "")


def tv_floor(C1s: Sequence[float] = (3.0, 10.0, 30.0), *, n: int = 32, C2: float = 30.0,
             restarts: int = 22, reference_iterations: int = 30000, progress: Any = None
             ) -> tuple[tuple[FloorRun, ...], str, float]:
    """The same floors on problem 2 (TV, 15 % Fourier samples, 2 % noise) at ``n x n``:
    WARPd with ``C2`` and each ``C1`` for ``restarts`` restarts, distances relative to the
    ADMM reference (:func:`theorems.warpd.problems.admm_reference`, an independent solver;
    its KKT residual is returned).  Measured on 32 x 32: 5.3e-5, 7.2e-6, 1.0e-6 for ``C1`` =
    3, 10, 30 (the reference agrees with two other ADMM variants to 5e-8)."""
    prob = tv_problem(n=n)
    xr, info = admm_reference(prob, reference_iterations, tol=1e-14)
    xr = np.asarray(xr, dtype=float)
    xn = float(np.linalg.norm(xr))

    def solve(C1: float, cb: Callable[[Any], bool]) -> Any:
        return warpd(prob.A, prob.b, eps=prob.eps, J=prob.J, B=prob.B, C1=gmpy2.mpq(C1),
                     C2=gmpy2.mpq(C2), restarts=restarts, ctx=Float64(), callback=cb,
                     w0=initial_level(prob))

    def error(x: Any) -> float:
        return float(np.linalg.norm(np.asarray(x, dtype=float).real - xr)) / xn

    runs = tuple(FloorRun(C1, k, tuple(its), tuple(errs), errs[-1], sec) for C1, k, its, errs, sec
                 in _sweep(C1s, solve, error, progress, f" on TV {n} x {n}"))
    return runs, prob.size, float(info["reference_kkt"])


def run_floor(*, quick: bool = False, full: bool = False, progress: Any = None,
              seed: int = 0) -> FloorResult:
    """The noisy-sparse demonstration: WARPd for ``C1`` in 3, 10, 30, 100 (and 300 unless
    ``quick``) with ``C2 = 3``, the certified minimiser, the curve and the floors; with
    ``full`` also :func:`tv_floor` (about 3 minutes)."""
    t0 = time.perf_counter()
    inst = bpdn_instance(seed=seed)
    C1s = (3.0, 10.0, 30.0, 100.0) if quick else (3.0, 10.0, 30.0, 100.0, 300.0)
    sweep = floor_sweep(inst, C1s, restarts=30 if quick else 40, progress=progress)
    cert = certify_bpdn(inst, sweep[-1][3][-1])
    if not cert.valid:
        raise RuntimeError("the noisy BPDN minimiser could not be certified on the support "
                           f"guessed from WARPd's output (support {cert.support})")
    growth = tangent_growth(cert, C1s)
    runs = []
    for C1, k, its, xs, sec in sweep:
        errs = [_relative_distance(cert, x) for x in xs]
        runs.append(FloorRun(C1, k, tuple(its), tuple(errs), errs[-1], sec))
    fl = np.array([r.floor for r in runs])
    expo = (float(np.polyfit(np.log(C1s), np.log(fl), 1)[0]) if np.all(fl > 0) else None)
    tv: tuple[FloorRun, ...] = ()
    tv_size, kkt = "", None
    if full:
        tv, tv_size, kkt = tv_floor(progress=progress)
    return FloorResult(inst.size, cert, growth, tuple(runs), 3.0, expo,
                       time.perf_counter() - t0, tv, tv_size, kkt)
