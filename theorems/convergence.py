r"""FIRENET's theorem made visible: exponential convergence, a precision floor, stability.

The paper (Colbrook, Antun, Hansen, PNAS 2022, the theorem on FIRENETs; SPEC section 7) shows
that for signals sparse in levels and matrices with the weighted robust null space property in
levels, the FIRENET network with ``n`` restarts reaches error about ``delta + e^-n``, and is
stable to perturbations of its input.  This harness measures that on exact data
(:mod:`theorems.levels`) read through an :class:`oracle.Oracle`, with the network built by the
training algorithm :class:`algorithms.firenet.FIRENET`:

1. **Convergence** (:func:`convergence_runs`).  The same network evaluated in ``Float64`` and in
   certified ``Ball`` arithmetic at 128, 256 and 512 bits.  After every restart ``k`` the
   output ``psi_k`` is compared with the exact signal ``x``: for balls
   ``||mid - x|| +- radius`` (``mid``, ``x`` exact rationals; the ball contains the exact
   network output), for float64 the exact distance of the float vector.  Columns: restart
   ``k``, network depth ``3 k p + 1``, the schedule ``e_k``, and the certified
   ``[lower, upper]`` of ``||psi_k - x||_2``.  Two further runs show the floors: noise of
   size ``eta`` (error levels off near the minimiser of the noisy problem, within
   ``2 C_x eta`` of ``x``) and ``delta > 0`` (the schedule itself levels off at
   ``e^-1 delta / (1 - e^-1)``).
2. **Rate** (:func:`fit_rate`).  Least-squares slope of ``log(upper)`` against ``k`` over the
   geometric phase: restarts ``k >= k_min`` whose bound is at least ``floor_factor`` times the
   smallest bound of the run (so the transient and the approach to the precision floor are
   left out).  ``rate = exp(slope)`` is the factor per restart; the schedule's is ``e^-1``.
3. **Stability** (:func:`stability_experiment`).  FIRENET (few restarts) and a LISTA network
   trained on the same class (:class:`algorithms.lista.LISTA`, through an oracle of class
   members with their labels) on the same held-out inputs: worst perturbation of size ``eta``
   found by gradient ascent (:mod:`theorems.stability`), the amplification it causes, a
   certified lower bound of that amplification from a Ball re-evaluation of the witness, and
   each network's Lipschitz bound (FIRENET: rigorous, derived in :mod:`theorems.stability`;
   LISTA: layer product, float64).
4. **Sharpness** (:func:`sharpness_experiment`).  On a small instance: the estimated rNSPL
   constants, the paper's ``C1, C2`` and prescribed ``lam``, ``p``; our instance constant
   ``C_x`` and ``p_x`` (:mod:`theorems.levels`); FIRENET runs with ``p`` far below, near and
   above the prescriptions.  Below a threshold the iterate freezes (each restart multiplies
   the scale by ``e`` but ``p`` steps move the scaled iterate only a bounded distance); above
   it the error follows ``e_k``; for ``p >= p_x`` our bound ``(C_x Lambda/(2L)) e_k`` is
   checked at every restart.

What is the paper's and what is ours: the FIRENET iteration, the rNSPL in levels, the constants
``C1, C2`` and the prescriptions (as transcribed in SPEC section 7) are the paper's; the exact
dyadic instances, the dual-certificate sharpness constant ``C_x`` with its restart argument,
the Lipschitz bound of the unrolled network, the certified distances and the witnesses are ours.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball, Context, Float64
from algorithms.certify import pd_metric_bounds
from algorithms.firenet import FIRENET, FirenetNetwork
from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper
from theorems._exact import integer, rational
from theorems.errors import ConditionError, InvalidArgument
from theorems.levels import (
    LevelsInstance,
    RecoveryCertificate,
    RNSPLEstimate,
    best_lambda,
    class_samples,
    default_instance,
    norm_upper,
    recovery_certificate,
    rnspl_constants,
    small_instance,
)
from theorems.stability import (
    Float64Program,
    certified_amplification,
    firenet_lipschitz_bound,
    lista_lipschitz_bound,
    worst_perturbation,
)

__all__ = [
    "RestartPoint",
    "RateFit",
    "ConvergenceRun",
    "StabilityRow",
    "SharpnessRow",
    "SharpnessResult",
    "Setup",
    "ConvergenceResult",
    "fit_rate",
    "prepare",
    "convergence_runs",
    "stability_experiment",
    "sharpness_experiment",
    "run",
    "add_arguments",
    "main",
]

#: ``e^-1`` (the schedule's factor per restart), as a float for comparisons
NU = math.exp(-1)
#: data level read from the oracle; the instances are dyadic, so this level serves them exactly
LEVEL = 400

Progress = Callable[[str], object] | None


def _say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)


# =============================================================================== records
@dataclass(frozen=True)
class RestartPoint:
    """One restart: ``restart`` ``k``, network ``depth`` ``3 k p + 1``, schedule ``e_k`` and the
    certified ``lower <= ||psi_k - x||_2 <= upper`` (exact rationals)."""

    restart: int
    depth: int
    e_k: gmpy2.mpq
    lower: gmpy2.mpq
    upper: gmpy2.mpq


@dataclass(frozen=True)
class RateFit:
    """Fitted factor per restart over restarts ``first..last`` (``None`` if fewer than three
    points qualify)."""

    rate: float | None
    first: int | None
    last: int | None

    @property
    def ratio(self) -> float | None:
        """``rate / e^-1`` (1 means the error follows the schedule exactly)."""
        return None if self.rate is None else self.rate / NU


@dataclass(frozen=True)
class ConvergenceRun:
    """Error against restarts for one context.

    ``context``: context name (``"float64"``, ``"ball-256"``); ``role``: ``"main"``
    (noiseless, ``delta = 0``), ``"noise floor"`` or ``"delta floor"``; ``label``: the data;
    ``noise``: upper bound of ``||e||``; ``delta``; ``points``; ``fit``; ``floor``: the
    smallest upper bound reached; ``working_prec``: bits of the midpoint iteration (Ball) or
    53; ``certified``: whether ``upper`` bounds the EXACT network's error (Ball), or the error
    of the computed float vector (float64); ``seconds``.
    """

    context: str
    role: str
    label: str
    noise: gmpy2.mpq
    delta: gmpy2.mpq
    points: tuple[RestartPoint, ...] = field(repr=False)
    fit: RateFit
    floor: gmpy2.mpq
    working_prec: int
    certified: str
    seconds: float


@dataclass(frozen=True)
class StabilityRow:
    """One network at one perturbation size ``eta`` over the same inputs.

    ``amplification``: largest ``||phi(y+e) - phi(y)|| / eta`` found (float64);
    ``certified``: certified lower bound of it from the Ball re-evaluation of the worst
    witness; ``lipschitz``: the network's Lipschitz bound and ``bound_kind`` (``"rigorous"`` or
    ``"estimate"``); ``test_error``: mean relative error ``||phi(y) - x|| / ||x||`` on the
    inputs; ``perturbed_error``: certified upper bound of ``||phi(y + e) - x|| / ||x||`` at the
    worst witness (accuracy under the worst perturbation found); ``below_bound``:
    ``amplification <= lipschitz``.
    """

    network: str
    eta: gmpy2.mpq
    depth: int
    inputs: int
    amplification: float
    certified: gmpy2.mpq
    lipschitz: gmpy2.mpq
    bound_kind: str
    test_error: float
    perturbed_error: float
    below_bound: bool
    seconds: float


@dataclass(frozen=True)
class SharpnessRow:
    """FIRENET on the small instance with ``p_inner`` steps per restart (float64).

    ``errors``: exact ``||psi_k - x||`` of the float output per restart; ``fit``;
    ``guarantee``: for ``p_inner >= p_x`` whether every error is below our bound
    ``c e_k`` (``None`` when ``p_inner < p_x``: no guarantee claimed).
    """

    p_inner: int
    role: str
    errors: tuple[gmpy2.mpq, ...] = field(repr=False)
    fit: RateFit
    final: gmpy2.mpq
    guarantee: bool | None


@dataclass(frozen=True)
class SharpnessResult:
    """The sharpness section: rNSPL estimate, instance certificate, prescriptions, runs."""

    instance: dict[str, Any]
    rnspl: RNSPLEstimate
    lam: gmpy2.mpq
    lam_source: str
    lam_max: gmpy2.mpq
    C_x: gmpy2.mpq
    Lambda: gmpy2.mpq
    p_x: int
    c: gmpy2.mpq
    n_outer: int
    rows: tuple[SharpnessRow, ...]


@dataclass(frozen=True)
class Setup:
    """FIRENET settings for one instance, derived from its exact certificate.

    ``lam``: the ``lam`` minimising ``C_x``; ``tau = sigma = step / L``; ``Lambda``: upper bound
    of ``lambda_max(M)``; ``p_x = ceil(e C_x Lambda)`` (sufficient for our guarantee);
    ``c = C_x Lambda / (2L)`` (the guaranteed ``||psi_k - x|| <= c e_k`` when ``p >= p_x``).
    """

    instance: LevelsInstance = field(repr=False)
    certificate: RecoveryCertificate
    lam: gmpy2.mpq
    C_x: gmpy2.mpq
    L: gmpy2.mpq
    tau: gmpy2.mpq
    Lambda: gmpy2.mpq
    p_x: int
    c: gmpy2.mpq


@dataclass(frozen=True)
class ConvergenceResult:
    """Everything :func:`run` measured (plain records; formatting is in
    :mod:`theorems.convergence_report`)."""

    instance: dict[str, Any]
    firenet: dict[str, Any]
    setup: Setup = field(repr=False)
    runs: tuple[ConvergenceRun, ...]
    stability: tuple[StabilityRow, ...]
    sharpness: SharpnessResult | None
    targets: dict[str, Any]
    seconds: float


# =============================================================================== helpers
def _exact_float(v: float) -> gmpy2.mpq:
    return gmpy2.mpq(float(v))


def _distance(ctx: Context, psi: Any, x: np.ndarray) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Certified ``[lower, upper]`` of ``||psi - x||_2`` (balls: true network output)."""
    if isinstance(ctx, Float64):
        mids = [_exact_float(v) for v in np.asarray(psi, dtype=np.float64)]
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


def fit_rate(restarts: Sequence[int], errors: Sequence[object], *, k_min: int = 5,
             floor_factor: float = 1e4) -> RateFit:
    """Fit ``log(error_k) = a + k log(rate)`` by least squares over the geometric phase.

    The phase is every ``k >= k_min`` up to the restart of the smallest error, with
    ``error_k > 0`` and, if the run has reached a floor, ``error_k >= floor_factor *
    min(errors)`` (after a floor a certified bound may grow again: its a-priori factor per
    restart, see :mod:`algorithms.firenet`).  A run has reached a floor unless its
    smallest error is its last one and the last restart still reduced it by a factor ``0.9``.
    Fewer than three qualifying points give ``RateFit(None, None, None)``.
    """
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


def _firenet(oracle: Any, setup: Setup, *, n_outer: int, p_inner: int, delta: gmpy2.mpq,
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
    step_q = rational(step, "step") if not isinstance(step, str) else gmpy2.mpq(step)
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
def _trace(net: FirenetNetwork, y: np.ndarray, ctx: Context, x: np.ndarray, p: int
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
    net = _firenet(oracle, setup, n_outer=n_outer, p_inner=p_inner, delta=delta)
    y = oracle.sample(0, LEVEL)
    if any(a != b for a, b in zip(y, inst.y, strict=True)):
        raise ConditionError(f"the oracle did not serve y exactly at level {LEVEL}")
    points, wp = _trace(net, y, ctx, inst.x, p_inner)
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
    n_outer = integer(n_outer, "n_outer", 1)
    p_inner = integer(p_inner, "p_inner", 1)
    inst = setup.instance
    zero = gmpy2.mpq(0)
    contexts: list[Context] = ([Float64()] if float64 else []) + [
        Ball(integer(b, "precisions[]", 8)) for b in precisions]
    runs = []
    for ctx in contexts:
        _say(progress, f"convergence: {ctx.name}, {n_outer} restarts of {p_inner} steps")
        runs.append(_one_run(setup, inst, ctx, "main", "noiseless, delta = 0", n_outer=n_outer,
                             p_inner=p_inner, delta=zero, k_min=k_min))
    if floor_noise is not None:
        eta = rational(floor_noise, "floor_noise") if not isinstance(floor_noise, str) else (
            gmpy2.mpq(floor_noise))
        noisy = _with_noise(inst, eta)
        _say(progress, f"convergence: noise floor ||e|| <= {float(eta):.0e}")
        runs.append(_one_run(setup, noisy, Ball(floor_prec), "noise floor",
                             f"noise {float(eta):.0e}, delta = 0",
                             n_outer=floor_restarts, p_inner=p_inner, delta=zero, k_min=k_min))
    if floor_delta is not None:
        d = rational(floor_delta, "floor_delta") if not isinstance(floor_delta, str) else (
            gmpy2.mpq(floor_delta))
        _say(progress, f"convergence: delta floor delta = {float(d):.0e}")
        runs.append(_one_run(setup, inst, Ball(floor_prec), "delta floor",
                             f"noiseless, delta = {float(d):.0e}",
                             n_outer=floor_restarts, p_inner=p_inner, delta=d, k_min=k_min))
    return runs


def _with_noise(inst: LevelsInstance, eta: gmpy2.mpq) -> LevelsInstance:
    """The same ``A`` and ``x`` with fresh noise of size ``<= eta``."""
    from theorems.levels import draw_noise

    rng = np.random.default_rng(inst.seed + 1)
    e = draw_noise(inst.shape[0], eta, rng)
    return LevelsInstance(inst.kind, inst.A, inst.levels, inst.sparsities, inst.level_weights,
                          inst.x, e, inst.A.dot(inst.x) + e, inst.rows, inst.rows_per_level,
                          eta, inst.seed)


# =============================================================================== stability
def _train_lista(inst: LevelsInstance, xs: list, ys: list, *, train: int, validation: int,
                 layers: int, epochs: int, batch: int, lr: float, seed: int) -> Any:
    """Adapter to :class:`algorithms.lista.LISTA`: an oracle of ``(A, ys)`` (read at
    :data:`LEVEL`, where it is exact) and the labels ``xs`` as floats."""
    from algorithms.lista import LISTA, LISTASettings

    X = np.array([[float(v) for v in x] for x in xs])
    oracle = inst.oracle(ys)
    settings = LISTASettings(layers=layers, epochs=epochs, batch_size=batch, learning_rate=lr,
                             seed=seed)
    algo = LISTA(lambda k: X[k], train=range(train), validation=range(train, train + validation),
                 level=LEVEL, settings=settings)
    return algo.fit(oracle)


def _ball_eval(net: Any, prec: int) -> Callable[[np.ndarray], tuple[np.ndarray, gmpy2.mpq]]:
    ctx = Ball(prec)

    def evaluate(v: np.ndarray) -> tuple[np.ndarray, gmpy2.mpq]:
        out = net(v, ctx)
        return ctx.to_rationals(out), ctx.radius(out)

    return evaluate


def stability_experiment(
    setup: Setup,
    *,
    n_outer: int = 10,
    p_inner: int = 30,
    etas: Sequence[object] = ("1/10000", "1/100", "1/10"),
    inputs: int = 4,
    starts: int = 6,
    iterations: int = 25,
    lista_train: int = 1000,
    lista_validation: int = 100,
    lista_layers: int = 10,
    lista_epochs: int = 80,
    lista_batch: int = 100,
    lista_lr: float = 5e-4,
    certify_prec: int = 128,
    seed: int = 7,
    progress: Progress = None,
) -> list[StabilityRow]:
    """Worst-case amplification of FIRENET (``n_outer`` restarts of ``p_inner`` steps) and of a
    LISTA network trained on the same class, on the same ``inputs`` held-out class members,
    for each perturbation size in ``etas`` (module docstring, item 3)."""
    inst = setup.instance
    n_outer = integer(n_outer, "n_outer", 1)
    inputs = integer(inputs, "inputs", 1)
    eta_q = [gmpy2.mpq(e) if isinstance(e, str) else rational(e, "etas[]") for e in etas]
    if any(e <= 0 for e in eta_q):
        raise InvalidArgument(f"etas={tuple(etas)} must all be > 0")
    total = lista_train + lista_validation + inputs
    _say(progress, f"stability: drawing {total} class members")
    xs, ys = class_samples(inst, total, seed)
    test = range(lista_train + lista_validation, total)
    _say(progress, f"stability: training LISTA ({lista_layers} layers, {lista_epochs} epochs)")
    t0 = time.perf_counter()
    fit = _train_lista(inst, xs, ys, train=lista_train, validation=lista_validation,
                       layers=lista_layers, epochs=lista_epochs, batch=lista_batch, lr=lista_lr,
                       seed=seed)
    lista_seconds = time.perf_counter() - t0
    P = fit.parameters
    lista_bound = _exact_float(lista_lipschitz_bound(P.W, P.A, P.scale))
    eps0 = max(norm_upper(ys[j]) for j in test)
    fnet = _firenet(inst.oracle([ys[j] for j in test]), setup, n_outer=n_outer,
                    p_inner=p_inner, delta=gmpy2.mpq(0), eps0=eps0)
    fire_bound = firenet_lipschitz_bound(fnet.parameters)
    rows = []
    nets = [("FIRENET", fnet, fire_bound, "rigorous", 0.0),
            ("LISTA", fit.network, lista_bound, "estimate", lista_seconds)]
    Yf = [np.array([float(v) for v in ys[j]]) for j in test]
    Xf = [np.array([float(v) for v in xs[j]]) for j in test]
    for name, net, bound, kind, extra in nets:
        t1 = time.perf_counter()
        prog = Float64Program(net)
        outs = prog.forward(np.stack(Yf, axis=1))
        err = float(np.mean([np.linalg.norm(outs[:, i] - Xf[i]) / np.linalg.norm(Xf[i])
                             for i in range(inputs)]))
        for eta in eta_q:
            _say(progress, f"stability: {name}, eta = {float(eta):.0e}")
            best, best_j = None, 0
            for i in range(inputs):
                r = worst_perturbation(prog, Yf[i], float(eta), starts=starts,
                                       iterations=iterations, seed=seed + i)
                if best is None or r.amplification > best.amplification:
                    best, best_j = r, i
            j = list(test)[best_j]
            wit = certified_amplification(_ball_eval(net, certify_prec), ys[j], best.e, eta)
            xnorm = float(norm_upper(xs[j]))
            perturbed = float(wit.distance_upper(xs[j])) / xnorm
            rows.append(StabilityRow(name, eta, net.depth, inputs, best.amplification,
                                     wit.bound, bound, kind, err, perturbed,
                                     best.amplification <= float(bound),
                                     time.perf_counter() - t1 + extra))
            extra = 0.0
    return rows


# =============================================================================== sharpness
def sharpness_experiment(
    inst: LevelsInstance | None = None,
    *,
    n_outer: int = 25,
    p_values: Sequence[int] | None = None,
    step: object = "1/2",
    k_min: int = 3,
    progress: Progress = None,
) -> SharpnessResult:
    """The sharpness section (module docstring, item 4) on a small instance (float64 runs).

    ``lam`` is the paper's prescription ``C1/(C2 sqrt(xi))`` when the rNSPL estimate gives one
    and it is below the instance's ``lam_max``; otherwise the ``lam`` minimising ``C_x``.
    ``p_values`` default: 1, 3, 10, 30, ``p_x``, the paper's ``p`` and twice the larger of
    the two.
    """
    inst = small_instance() if inst is None else inst
    _say(progress, "sharpness: enumerating supports for the rNSPL constants")
    est = rnspl_constants(inst)
    base = prepare(inst, step=step)
    cert = base.certificate
    if est.lam is not None and 0 < est.lam < float(cert.lam_max):
        lam = dyadic_round(_exact_float(est.lam), 12, "down")
        source = "paper: C1/(C2 sqrt(xi))"
    else:
        lam, source = base.lam, "instance: argmin C_x"
    C_x = cert.sharpness(lam)
    p_x = int(math.ceil(math.e * float(C_x) * float(base.Lambda)))
    c = C_x * base.Lambda / (2 * base.L)
    setup = Setup(inst, cert, lam, C_x, base.L, base.tau, base.Lambda, p_x, c)
    if p_values is None:
        vals = {1, 3, 10, 30, p_x, 2 * max(p_x, est.p_inner or 0)}
        if est.p_inner is not None:
            vals.add(est.p_inner)
        p_values = sorted(vals)
    rows = []
    oracle = inst.oracle()
    y = oracle.sample(0, LEVEL)
    for p in p_values:
        p = integer(p, "p_values[]", 1)
        role = ("paper's p" if est.p_inner is not None and p == est.p_inner else
                "p_x (ours)" if p == p_x else "above both" if p > max(p_x, est.p_inner or 0)
                else "above p_x" if p > p_x else "below p_x")
        _say(progress, f"sharpness: p_inner = {p}")
        net = _firenet(oracle, setup, n_outer=n_outer, p_inner=p, delta=gmpy2.mpq(0))
        pts, _ = _trace(net, y, Float64(), inst.x, p)
        errs = tuple(pt.upper for pt in pts)
        fit = fit_rate([pt.restart for pt in pts], errs, k_min=k_min, floor_factor=10.0)
        guarantee = None
        if p >= p_x:
            guarantee = all(pt.upper <= c * pt.e_k for pt in pts)
        rows.append(SharpnessRow(p, role, errs, fit, errs[-1], guarantee))
    return SharpnessResult(inst.describe(), est, lam, source, cert.lam_max, C_x, base.Lambda,
                           p_x, c, n_outer, tuple(rows))


# =============================================================================== run
def run(
    inst: LevelsInstance | None = None,
    *,
    n_outer: int = 200,
    p_inner: int = 30,
    precisions: Sequence[int] = (128, 256, 512),
    float64: bool = True,
    floors: bool = True,
    stability: bool = True,
    sharpness: bool = True,
    stability_options: dict[str, Any] | None = None,
    sharpness_options: dict[str, Any] | None = None,
    progress: Progress = None,
) -> ConvergenceResult:
    """The whole experiment on ``inst`` (default :func:`theorems.levels.default_instance`).

    Returns a :class:`ConvergenceResult`; ``targets`` records the issue's done-when checks as
    measured: the smallest certified bound at 256 bits (target ``< 1e-60``), the float64 floor
    (target ``> 1e-17``), each run's rate ratio (target ``0.8 .. 1.2``), and whether FIRENET's
    amplification stays below its bound and LISTA's exceeds FIRENET's.
    """
    t0 = time.perf_counter()
    setup = prepare(inst)
    runs = convergence_runs(setup, n_outer=n_outer, p_inner=p_inner, precisions=precisions,
                            float64=float64, floor_noise="1e-30" if floors else None,
                            floor_delta="1e-40" if floors else None,
                            floor_restarts=min(120, n_outer), progress=progress)
    stab = stability_experiment(setup, p_inner=p_inner, progress=progress,
                                **(stability_options or {})) if stability else []
    sharp = sharpness_experiment(progress=progress, **(sharpness_options or {})) if (
        sharpness) else None
    firenet = {
        "lam": setup.lam, "p_inner": p_inner, "n_outer": n_outer, "delta": gmpy2.mpq(0),
        "L": setup.L, "tau": setup.tau, "sigma": setup.tau, "depth": 3 * n_outer * p_inner + 1,
        "level": LEVEL, "lam_max": setup.certificate.lam_max, "C_x": setup.C_x,
        "p_x": setup.p_x, "c": setup.c,
    }
    return ConvergenceResult(setup.instance.describe(), firenet, setup, tuple(runs),
                             tuple(stab), sharp, _targets(runs, stab),
                             time.perf_counter() - t0)


def _targets(runs: Sequence[ConvergenceRun], stab: Sequence[StabilityRow]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    main = [r for r in runs if r.role == "main"]
    for r in main:
        if r.context == "ball-256":
            out["ball-256 best certified bound"] = r.floor
            out["ball-256 below 1e-60"] = r.floor < gmpy2.mpq(1, 10**60)
        if r.context == "float64":
            out["float64 floor"] = r.floor
            out["float64 stalls above 1e-17"] = r.floor > gmpy2.mpq(1, 10**17)
    out["rate ratio within 20%"] = {
        r.context: (r.fit.ratio is not None and abs(r.fit.ratio - 1) <= 0.2) for r in main}
    if stab:
        out["FIRENET below its Lipschitz bound"] = all(
            s.below_bound for s in stab if s.network == "FIRENET")
        by_eta: dict[str, dict[str, float]] = {}
        for s in stab:
            by_eta.setdefault(str(s.eta), {})[s.network] = s.amplification
        out["LISTA amplification above FIRENET's"] = {
            k: v.get("LISTA", 0.0) > v.get("FIRENET", math.inf) for k, v in by_eta.items()}
    return out


# =============================================================================== CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems convergence``."""
    from theorems.cli import positive_int

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "FIRENET's theorem made visible (SPEC section 7).  On exact data sparse in levels:\n"
        "  - certified error against restarts in float64 and in balls at 128/256/512 bits,\n"
        "    the fitted rate per restart (the schedule's is e^-1) and the floors;\n"
        "  - worst-case amplification of input perturbations for FIRENET and a trained LISTA,\n"
        "    against FIRENET's rigorous Lipschitz bound;\n"
        "  - rNSPL constants, the prescribed lam and p, and runs with p below/above them.")
    parser.add_argument("--restarts", type=positive_int, default=200,
                        help="restarts n of the convergence runs (default 200)")
    parser.add_argument("--p-inner", type=positive_int, default=30,
                        help="primal-dual steps per restart (default 30)")
    parser.add_argument("--precisions", type=positive_int, nargs="+", default=[128, 256, 512],
                        help="ball precisions in bits (default 128 256 512)")
    parser.add_argument("--seed", type=int, default=3, help="instance seed (default 3)")
    parser.add_argument("--no-floors", action="store_true", help="skip the noise/delta runs")
    parser.add_argument("--no-stability", action="store_true", help="skip the stability part")
    parser.add_argument("--no-sharpness", action="store_true", help="skip the sharpness part")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", metavar="FILE", help="save the error-vs-restarts figure")


def main(args: argparse.Namespace) -> int:
    """Run the experiment with the parsed ``args``; print tables (or JSON); 0 on success."""
    import json
    import sys

    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from theorems.convergence_report import plot, render, to_json

    width = None if sys.stdout.isatty() else 140
    console = Console(width=width)
    try:
        inst = default_instance(seed=args.seed)
        with Bar(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                 console=Console(stderr=True), transient=True,
                 disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("convergence", total=None)
            result = run(inst, n_outer=args.restarts, p_inner=args.p_inner,
                         precisions=tuple(args.precisions), floors=not args.no_floors,
                         stability=not args.no_stability, sharpness=not args.no_sharpness,
                         progress=lambda msg: bar.update(task, description=msg))
    except ConditionError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, console)
    if args.plot:
        plot(result, args.plot)
        if not args.json:
            console.print(f"figure written to {args.plot}")
    return 0
