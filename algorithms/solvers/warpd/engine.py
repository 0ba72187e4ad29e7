r"""WARPd: the restarted primal-dual engine (SPEC section 8; Colbrook, SIAM J. Imaging Sci. 2022).

Problem (constrained form, ``WARPd``)::

    minimize_x  J(x) + ||B x||_1   subject to  ||A x - b||_2 <= eps

and the square-root form (``WARPdSR``, no noise level needed)::

    minimize_x  lam J(x) + ||B x||_1 + ||A x - b||_2 .

Both are saddle problems ``min_x max_{y, z} lam J(x) + Re<Bx, z> + Re<Ax - b, y> - g*(y)``
with ``|z_i| <= 1`` and ``g*(y) = eps ||y||`` (constrained) or the indicator of ``||y|| <= 1``
(square root).  One primal-dual (Chambolle-Pock) step with steps ``tau1, tau2``::

    x+ = prox_{tau1 lam J}( x - tau1 (A^H y + B^H z) )
    xb = 2 x+ - x
    y+ = shrink_{tau2 eps}( y + tau2 (A xb - b) )   (WARPd; shrink_r(v) = max(0, 1 - r/||v||) v)
    y+ = proj_{||.|| <= 1}( y + tau2 (A xb - b) )        (WARPdSR)
    z+ = clip( z + tau2 B xb )                          (clip(z)_i = z_i min(1, 1/|z_i|))

(``A^H``, ``B^H`` are adjoints in the real inner product when the unknown is real.)

Restarts (``omega`` is the error level, in units of the sharpness bound)::

    omega_0 = w0                     (default C2 ||b||: then ||0 - x_hat|| <= C1 omega_0)
    x_0     = x0                     (default 0)
    for r = 1..R:
        tau1 = tau C1 (delta + omega) / (L C2),   tau2 = tau^2 / (L^2 tau1)
        run k steps from (x_{r-1}, y = 0, z = 0);  x_r = their ergodic average (or last iterate)
        omega <- nu (delta + omega)
        [optional reweighting of J from x_r]
    k = ceil(2 C1 C2 L / (tau nu)),   L >= ||[A; B]||_2,   nu = e^-1 by default.

Why (the argument of the paper, as we use it): with approximate sharpness
``||x - x_hat|| <= C1 (J(x) - J(x_hat) + C2 (||Ax - b|| - eps)) + c``, the ergodic average of
``k`` steps started at distance ``C1 (delta + omega)`` has a gap at most
``(||x0 - x_hat||^2 / tau1 + C2^2 / tau2) / k = 2 C1 C2 L (delta + omega) / (tau k) <=
nu (delta + omega)``, so each restart multiplies the error level by ``nu``: linear convergence
in the total number of steps, ``||x_R - x_hat|| <~ C1 (delta/(1 - nu) + nu^R C2 ||b||)``,
down to ``O(delta)``.

Certified step sizes.  ``L`` is a rational upper bound (``A.norm_bound()``, and
``sqrt(L_A^2 + L_B^2)`` with ``B``); ``tau1`` is rounded DOWN to a 53-bit dyadic, ``tau2`` is
``tau^2 / (L^2 tau1)`` rounded down to a 53-bit dyadic, and the condition
``tau1 * tau2 * L^2 < 1`` is checked EXACTLY in rationals before every restart (a violation
raises :class:`~algorithms.errors.InvalidArgument`).  Every parameter (``nu``, ``omega``,
``tau1``, ``tau2``, ``1/k``) is a dyadic rational, hence exact in every binary context; the
iteration itself runs in the context passed in (``Exact``, ``Ball``, ``MP``, ``Float64``).
In ``Ball`` the balls are propagated naively (rigorous but they widen, see DESIGN.md); the
recommended use is ``MP`` and a certified distance of the (exact dyadic) output afterwards.

The restart driver (shared with FIRENET).  :func:`run_restarts` is the one restart loop of
the package: for each :class:`RestartPlan` (restart ``r``, level, ``tau1``, ``tau2``, ``k``
steps, and the data scale of FIRENET) it calls an *inner-run kernel*
``kernel(plan, carry, need_output) -> RestartOutput`` that runs the restart's primal-dual
steps from the state ``carry`` handed over by the previous restart, then keeps the count of
steps, times the restart, builds the :class:`RestartRecord`, calls ``callback(record)`` and
stops on a truthy return.  WARPd/WARPdSR plug :func:`_pd_run` in as the kernel (carry: the
restart's output and the regulariser ``J``, which ``reweight`` may change); FIRENET
(:mod:`algorithms.solvers.firenet`) plugs in its generic, Float64, operator and certified Ball
inner loops with the plans of :func:`algorithms.solvers.firenet.parameters.restart_plans`
(the parameter map from FIRENET to WARPdSR is documented there).  What a kernel computes is
its own business (contexts, exact fixed point, error bounds); the driver never touches
vectors.

Observation: ``callback(record)`` after every restart with a :class:`RestartRecord`, and
``step_callback(iteration, x)`` every ``every`` steps of the un-restarted
:func:`primal_dual`; a truthy return value stops the run.  Nothing is printed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Context
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.operators.base import LinearOperator, power_norm_estimate
from algorithms.operators.dense import Dense
from algorithms.proximal.analysis import AnalysisL1, clip
from algorithms.proximal.base import Regulariser
from algorithms.rationals import as_mpq, dyadic_round, mpq_sqrt_upper

__all__ = [
    "NU",
    "RestartPlan",
    "RestartOutput",
    "RestartKernel",
    "run_restarts",
    "run_plans",
    "WarpdProblem",
    "WarpdSchedule",
    "RestartRecord",
    "WarpdResult",
    "warpd",
    "warpd_sr",
    "primal_dual",
    "schedule",
    "inner_steps",
    "step_sizes",
]

Vec = Any
#: e^-1 as the exact value of the nearest double
NU = gmpy2.mpq(math.exp(-1))
_BITS = 53


# =============================================================================== the problem
@dataclass(frozen=True)
class WarpdProblem:
    """The data of one problem: ``A`` (operator), ``b`` (rationals or a context vector),
    ``eps`` (constrained form; ``None`` for the square-root form), ``J`` with ``lam``, the
    optional analysis term, and ``L >= ||[A; B]||_2`` (rational, certified)."""

    A: LinearOperator
    b: object = field(repr=False)
    J: Regulariser
    eps: gmpy2.mpq | None
    lam: gmpy2.mpq
    analysis: AnalysisL1 | None
    L: gmpy2.mpq
    L_A: gmpy2.mpq

    @property
    def square_root(self) -> bool:
        return self.eps is None


def _problem(A: object, b: object, J: object, eps: object, lam: object, B: object,
             L_A: object, L_B: object) -> WarpdProblem:
    if not isinstance(A, LinearOperator):
        if isinstance(A, (np.ndarray, list, tuple)):
            try:
                A = Dense(A)
            except (InvalidArgument, InvalidType) as exc:
                raise type(exc)(f"A: {exc}") from None
        else:
            raise InvalidType(
                f"A has type {type(A).__name__}; pass a LinearOperator or a 2-D rational array")
    if not isinstance(J, Regulariser):
        raise InvalidType(f"J has type {type(J).__name__}; pass an algorithms.proximal "
                          f"Regulariser (Zero() for none)")
    analysis: AnalysisL1 | None
    if B is None:
        analysis = None
    elif isinstance(B, AnalysisL1):
        analysis = B if L_B is None else AnalysisL1(B.B, L_B)
    elif isinstance(B, LinearOperator):
        analysis = AnalysisL1(B, L_B)
    else:
        raise InvalidType(f"B has type {type(B).__name__}; pass a LinearOperator or AnalysisL1")
    if analysis is not None and analysis.B.shape[1] != A.shape[1]:
        raise InvalidArgument(f"B takes length {analysis.B.shape[1]}; A takes {A.shape[1]}")
    la = A.norm_bound() if L_A is None else as_mpq(L_A, "L_A")
    if la <= 0:
        raise InvalidArgument(f"L_A={la} must be > 0")
    if L_A is not None:  # (a given L_B is checked by AnalysisL1)
        _claimed_bound(A, la, "L_A")
    if analysis is None:
        L = la
    else:
        L = dyadic_round(mpq_sqrt_upper(la * la + analysis.L_B ** 2, 60), _BITS, "up")
    eq = None if eps is None else as_mpq(eps, "eps")
    if eq is not None and eq < 0:
        raise InvalidArgument(f"eps={eps!r} must be >= 0")
    lq = as_mpq(lam, "lam")
    if lq <= 0:
        raise InvalidArgument(f"lam={lam!r} must be > 0")
    return WarpdProblem(A, b, J, eq, lq, analysis, L, la)


def _claimed_bound(op: LinearOperator, bound: gmpy2.mpq, name: str) -> None:
    """Refuse a caller's bound ``bound >= ||op||_2`` that a float64 power iteration proves
    false: every iterate gives ``||op u|| <= ||op||`` for a unit ``u`` (up to rounding,
    relative ``< 1e-12`` here), so an estimate above ``bound (1 + 1e-9)`` is a certain
    violation.  A bound below the norm breaks ``tau1 tau2 L^2 < 1`` and the iteration may
    diverge."""
    est = power_norm_estimate(op, 30, 0)
    if est > float(bound) * (1 + 1e-9):
        raise InvalidArgument(
            f"{name}={bound} is not an upper bound of the operator norm: ||{op!r}||_2 >= "
            f"{est:.9g} (a power-iteration lower estimate). Pass an upper bound, or leave "
            f"{name} out to use the certified norm_bound()")


# =============================================================================== parameters
def _count(v: object, name: str) -> int:
    """A positive integer (Python or numpy; not a bool) named ``name`` in the error."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise InvalidArgument(f"{name}={v!r} must be a positive integer")
    return int(v)


def _pos(v: object, name: str) -> gmpy2.mpq:
    q = as_mpq(v, name)
    if q <= 0:
        raise InvalidArgument(f"{name}={v!r} must be > 0")
    return q


def inner_steps(C1: object, C2: object, L: object, tau: object, nu: object = NU) -> int:
    """``k = ceil(2 C1 C2 L / (tau nu))``, computed exactly in rationals."""
    q = 2 * _pos(C1, "C1") * _pos(C2, "C2") * _pos(L, "L") / (_pos(tau, "tau") * _pos(nu, "nu"))
    return int(-((-q.numerator) // q.denominator))


def step_sizes(C1: object, C2: object, L: object, tau: object, level: object
               ) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """``(tau1, tau2)`` for the error level ``level = delta + omega``: ``tau1 = tau C1 level /
    (L C2)`` and ``tau2 = tau^2 / (L^2 tau1)``, each rounded DOWN to a 53-bit dyadic; raises
    :class:`InvalidArgument` unless ``tau1 tau2 L^2 < 1`` holds exactly."""
    C1q, C2q, Lq, tq, lv = (_pos(C1, "C1"), _pos(C2, "C2"), _pos(L, "L"), _pos(tau, "tau"),
                            _pos(level, "delta + omega"))
    tau1 = dyadic_round(tq * C1q * lv / (Lq * C2q), _BITS, "down")
    tau2 = dyadic_round(tq * tq / (Lq * Lq * tau1), _BITS, "down")
    if not (tau1 > 0 and tau2 > 0 and tau1 * tau2 * Lq * Lq < 1):
        raise InvalidArgument(
            f"step sizes tau1={tau1}, tau2={tau2} with L={Lq} violate tau1*tau2*L^2 < 1 "
            f"(tau={tq} must be < 1)")
    return tau1, tau2


@dataclass(frozen=True)
class WarpdSchedule:
    """Validated restart parameters: ``C1, C2, tau, nu, delta, w0`` (rationals), ``k`` inner
    steps, ``restarts``, the error levels ``omega_r`` (53-bit dyadics, rounded up) and the
    step sizes of each restart."""

    C1: gmpy2.mpq
    C2: gmpy2.mpq
    tau: gmpy2.mpq
    nu: gmpy2.mpq
    delta: gmpy2.mpq
    w0: gmpy2.mpq
    k: int
    restarts: int
    levels: tuple[gmpy2.mpq, ...]
    steps: tuple[tuple[gmpy2.mpq, gmpy2.mpq], ...]

    def plans(self) -> tuple[RestartPlan, ...]:
        """The schedule as the restart driver's plans (:func:`run_restarts`)."""
        return tuple(RestartPlan(r + 1, self.levels[r], *self.steps[r], self.k)
                     for r in range(self.restarts))


def schedule(*, C1: object, C2: object, L: object, restarts: int, w0: object,
             tau: object = gmpy2.mpq(99, 100), nu: object = NU, delta: object = 0,
             k: int | None = None) -> WarpdSchedule:
    """The restart schedule of the module docstring (all in exact rationals)."""
    C1q, C2q, tq, nq = _pos(C1, "C1"), _pos(C2, "C2"), _pos(tau, "tau"), _pos(nu, "nu")
    if tq >= 1:
        raise InvalidArgument(f"tau={tau!r} must be < 1 (tau1*tau2*L^2 = tau^2)")
    if nq >= 1:
        raise InvalidArgument(f"nu={nu!r} must be in (0, 1)")
    dq = as_mpq(delta, "delta")
    if dq < 0:
        raise InvalidArgument(f"delta={delta!r} must be >= 0")
    wq = _pos(w0, "w0")
    restarts = _count(restarts, "restarts")
    kk = inner_steps(C1q, C2q, L, tq, nq) if k is None else _count(k, "k")
    levels, steps = [], []
    w = wq
    for _ in range(restarts):
        levels.append(w)
        steps.append(step_sizes(C1q, C2q, L, tq, dq + w))
        w = dyadic_round(nq * (dq + w), _BITS, "up")
        if w == 0:
            w = gmpy2.mpq(1, 2 ** 1000)
    return WarpdSchedule(C1q, C2q, tq, nq, dq, wq, kk, restarts, tuple(levels), tuple(steps))


# =============================================================================== records
@dataclass(frozen=True)
class RestartRecord:
    """After restart ``restart`` (1-based): the steps so far (``iterations``), the error level
    ``omega`` the restart was planned with (FIRENET: ``e_k``; alias :attr:`e`), its steps
    ``tau1, tau2`` (FIRENET: the equivalent unscaled steps ``tau / scale_k`` and
    ``sigma scale_k``), its output ``x`` (a context vector; FIRENET: ``psi_k``, alias
    :attr:`psi`) and the time taken.

    FIRENET also fills ``scale`` (``scale_k``), ``working_prec`` (the precision of the run:
    ``prec + guard`` bits for the certified Ball iteration, 53 in Float64) and, for the certified
    Ball iteration only, ``error_bound``: a rigorous bound on ``||midpoint(psi) - psi^_k||_2``
    where ``psi^_k`` is the exact-arithmetic iterate (the balls of ``psi`` already contain it).
    WARPd leaves the three at ``None``."""

    restart: int
    iterations: int
    omega: gmpy2.mpq
    tau1: gmpy2.mpq
    tau2: gmpy2.mpq
    x: Vec = field(repr=False)
    seconds: float
    scale: gmpy2.mpq | None = None
    error_bound: gmpy2.mpq | None = None
    working_prec: int | None = None

    @property
    def e(self) -> gmpy2.mpq:
        """FIRENET's name of the level: ``e_k`` (the same number as :attr:`omega`)."""
        return self.omega

    @property
    def psi(self) -> Vec:
        """FIRENET's name of the output: ``psi_k`` (the same vector as :attr:`x`)."""
        return self.x


@dataclass(frozen=True)
class WarpdResult:
    """The output ``x``, the per-restart records, the schedule and the problem."""

    x: Vec = field(repr=False)
    records: tuple[RestartRecord, ...]
    schedule: WarpdSchedule | None
    problem: WarpdProblem = field(repr=False)
    iterations: int


# =============================================================================== the driver
@dataclass(frozen=True)
class RestartPlan:
    """What restart ``restart`` (1-based) runs with: the error level (WARPd's ``omega_r``,
    FIRENET's ``e_k``), the steps ``tau1, tau2``, the number of inner ``steps`` and, for
    FIRENET, the data scale ``scale_k`` (``None`` for WARPd)."""

    restart: int
    level: gmpy2.mpq
    tau1: gmpy2.mpq
    tau2: gmpy2.mpq
    steps: int
    scale: gmpy2.mpq | None = None


@dataclass(frozen=True)
class RestartOutput:
    """What an inner-run kernel returns: the restart's output ``x`` (may be ``None`` when the
    driver did not ask for it), the ``carry`` handed to the next restart, and (certified
    kernels) an ``error_bound`` of ``x`` and the ``working_prec``."""

    x: Vec
    carry: Any
    error_bound: gmpy2.mpq | None = None
    working_prec: int | None = None


#: ``kernel(plan, carry, need_output) -> RestartOutput``
RestartKernel = Callable[[RestartPlan, Any, bool], RestartOutput]


def run_restarts(plans: Sequence[RestartPlan], kernel: RestartKernel, carry: Any, *,
                 callback: Callable[[RestartRecord], object] | None = None
                 ) -> tuple[Vec, tuple[RestartRecord, ...], int]:
    """The restart loop shared by WARPd, WARPdSR and FIRENET (module docstring).

    For each plan in order: ``out = kernel(plan, carry, need_output)`` with ``need_output``
    true when a callback will see the output or the plan is the last one (a kernel may skip
    forming the output otherwise: FIRENET's certified readout costs a pass over the sum);
    ``carry = out.carry``; a :class:`RestartRecord` with the steps counted so far and the
    restart's wall time; then ``callback(record)``, whose truthy return stops the loop.
    Returns ``(x of the last restart run, the records, the total steps)``.
    """
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")
    plans = tuple(plans)
    if not plans:
        raise InvalidArgument("plans is empty; a restarted run needs at least one restart")
    records: list[RestartRecord] = []
    total = 0
    x: Vec = None
    last = len(plans) - 1
    for i, plan in enumerate(plans):
        t0 = time.perf_counter()
        out = kernel(plan, carry, callback is not None or i == last)
        carry = out.carry
        total += plan.steps
        x = out.x
        rec = RestartRecord(plan.restart, total, plan.level, plan.tau1, plan.tau2, x,
                            time.perf_counter() - t0, plan.scale, out.error_bound,
                            out.working_prec)
        records.append(rec)
        if callback is not None and callback(rec):
            break
    return x, tuple(records), total


Callback = Callable[[RestartRecord], object]
StepCallback = Callable[[int, Vec], object]


# =============================================================================== one run
def scal(ctx: Context, a: object, x: Vec) -> Vec:
    """``ctx.scale(a, x)``; in ``MP`` computed as ``x * a`` (``mpf * ndarray`` first tries to
    convert the whole array and builds its repr before numpy falls back: 3x slower)."""
    if ctx.kind == "mp":
        mp = ctx.mpctx  # type: ignore[attr-defined]
        return x * (a if isinstance(a, (mp.mpf, mp.mpc)) else ctx.scalar(a))
    return ctx.scale(a, x)


def _mid(ctx: Context, x: Vec) -> Vec:
    """In ``Ball``: the ball vector of the midpoints (radius 0); else ``x``."""
    if ctx.kind != "ball" or x is None:
        return x
    from flint import acb, acb_mat, arb, arb_mat
    ents = ctx.entries(x)
    if isinstance(x, acb_mat):
        return acb_mat(len(ents), 1, [acb(e.real.mid(), e.imag.mid()) for e in ents])
    return arb_mat(len(ents), 1, [arb(e.mid()) for e in ents])


def _named(ctx: Context, values: object, name: str) -> Vec:
    """``ctx.as_vector(values)``, with the parameter's name in a refusal."""
    try:
        return ctx.as_vector(values)
    except (InvalidArgument, InvalidType) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def _b(ctx: Context, P: WarpdProblem) -> Vec:
    return _named(ctx, P.b, "b")


def _pd_run(P: WarpdProblem, ctx: Context, b: Vec, x: Vec, tau1: object, tau2: object,
            k: int, output: str, J: Regulariser, start: int = 0,
            step_callback: StepCallback | None = None, every: int = 1,
            midpoints: bool = False) -> tuple[Vec, int]:
    """``k`` primal-dual steps from ``(x, 0, 0)``; returns (output, steps run: ``k``, or fewer
    when ``step_callback`` stopped the run).  With
    ``midpoints`` (``Ball`` only) every iterate is replaced by its midpoint after each step."""
    A, an = P.A, P.analysis
    t1, t2 = ctx.scalar(tau1), ctx.scalar(tau2)
    t1lam = ctx.scalar(tau1 * P.lam) if P.lam != 1 else t1
    shrink_r = None if P.eps is None else ctx.scalar(tau2 * P.eps)
    y = ctx.zeros(A.shape[0])
    if ctx.is_complex(b) or A.is_complex:
        y = ctx.to_complex(y)
    z = None if an is None else ctx.zeros(an.B.shape[0])
    if z is not None and an.B.is_complex:
        z = ctx.to_complex(z)
    s = None
    first = True
    for j in range(1, k + 1):
        if first:
            g = None  # y = z = 0
            first = False
        else:
            g = A.adjoint(ctx, y)
            if an is not None:
                g = ctx.add(g, an.B.adjoint(ctx, z))
        xin = x if g is None else ctx.sub(x, scal(ctx, t1, g))
        x1 = J.prox(ctx, xin, t1lam)
        xb = ctx.sub(scal(ctx, 2, x1), x)
        u = ctx.add(y, scal(ctx, t2, ctx.sub(A.apply(ctx, xb), b)))
        y = ctx.project_unit_ball(u) if shrink_r is None else ctx.shrink(u, shrink_r)
        if an is not None:
            z = clip(ctx, ctx.add(z, scal(ctx, t2, an.B.apply(ctx, xb))))
        x = x1
        if midpoints:
            x, y, z = _mid(ctx, x), _mid(ctx, y), _mid(ctx, z)
        if output == "ergodic":
            s = x1 if s is None else ctx.add(s, x1)
        if step_callback is not None and (j % every == 0 or j == k):
            cur = x if output == "last" else scal(ctx, gmpy2.mpq(1, j), s)
            if step_callback(start + j, cur):
                return cur, j
    if output == "last":
        return x, k
    return _mid(ctx, scal(ctx, gmpy2.mpq(1, k), s)) if midpoints else scal(
        ctx, gmpy2.mpq(1, k), s), k


def _check_run(ctx: Context, reweight: object, midpoints: object) -> None:
    if midpoints and ctx.kind != "ball":
        raise InvalidArgument(f"midpoints=True applies to Ball contexts only; ctx={ctx.name}")
    if reweight is not None and not callable(reweight):
        raise InvalidType(f"reweight={reweight!r} must be callable or None")


def _check_plans(plans: object, L: gmpy2.mpq) -> tuple[RestartPlan, ...]:
    """Each plan a :class:`RestartPlan` with a positive step count and rational steps
    ``tau1, tau2 > 0`` satisfying ``tau1 tau2 L^2 < 1`` exactly (the convergence condition of
    the primal-dual iteration, ``L >= ||[A; B]||``)."""
    try:
        plans = tuple(plans)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidType(f"plans has type {type(plans).__name__}; pass a sequence of "
                          f"RestartPlan") from None
    for i, plan in enumerate(plans):
        if not isinstance(plan, RestartPlan):
            raise InvalidType(f"plans[{i}] has type {type(plan).__name__}; pass RestartPlan")
        _count(plan.steps, f"plans[{i}].steps")
        t1, t2 = _pos(plan.tau1, f"plans[{i}].tau1"), _pos(plan.tau2, f"plans[{i}].tau2")
        if not t1 * t2 * L * L < 1:
            raise InvalidArgument(f"plans[{i}]: tau1={t1}, tau2={t2} with L={L} violate "
                                  f"tau1*tau2*L^2 < 1")
    return plans


def _check_common(ctx: object, output: str, callback: object) -> None:
    if not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
    if output not in ("ergodic", "last"):
        raise InvalidArgument(f"output={output!r} must be 'ergodic' or 'last'")
    if callback is not None and not callable(callback):
        raise InvalidType(f"callback={callback!r} must be callable or None")


def _x0(ctx: Context, P: WarpdProblem, x0: object) -> Vec:
    if x0 is None:
        return ctx.zeros(P.A.shape[1])
    x = _named(ctx, x0, "x0")
    if ctx.size(x) != P.A.shape[1]:
        raise InvalidArgument(f"x0 has length {ctx.size(x)}; length {P.A.shape[1]} is required")
    return x


def _norm_b_upper(ctx: Context, b: Vec) -> gmpy2.mpq:
    q = ctx.to_rationals(b)
    sq = gmpy2.mpq(0)
    for v in q:
        sq += v.re * v.re + v.im * v.im if hasattr(v, "re") else v * v
    return dyadic_round(mpq_sqrt_upper(sq, 60), _BITS, "up") if sq else gmpy2.mpq(1)


def _restarted(P: WarpdProblem, ctx: Context, *, C1: object, C2: object, restarts: int,
               tau: object, nu: object, delta: object, w0: object, k: int | None,
               x0: object, output: str, reweight: Callable[[Context, Vec, Regulariser],
                                                           Regulariser] | None,
               callback: Callback | None, midpoints: bool = False) -> WarpdResult:
    _check_common(ctx, output, callback)
    _check_run(ctx, reweight, midpoints)
    b = _b(ctx, P)
    if ctx.size(b) != P.A.shape[0]:
        raise InvalidArgument(f"b has length {ctx.size(b)}; length {P.A.shape[0]} is required")
    w0q = as_mpq(C2, "C2") * _norm_b_upper(ctx, b) if w0 is None else w0
    S = schedule(C1=C1, C2=C2, L=P.L, restarts=restarts, w0=w0q, tau=tau, nu=nu, delta=delta,
                 k=k)
    return run_plans(P, ctx, S.plans(), x0=x0, output=output, reweight=reweight,
                     callback=callback, midpoints=midpoints, schedule_=S)


def run_plans(P: WarpdProblem, ctx: Context, plans: Sequence[RestartPlan], *,
              x0: object = None, output: str = "ergodic",
              reweight: Callable[[Context, Vec, Regulariser], Regulariser] | None = None,
              callback: Callback | None = None, midpoints: bool = False,
              schedule_: WarpdSchedule | None = None) -> WarpdResult:
    """WARPd/WARPdSR on given restart plans: the kernel :func:`_pd_run` (``plan.steps``
    primal-dual steps with ``plan.tau1, plan.tau2`` from the previous output, ``y = z = 0``)
    in the shared driver :func:`run_restarts`.  :func:`warpd` and :func:`warpd_sr` call it
    with their :class:`WarpdSchedule`'s plans; FIRENET's plans
    (:func:`algorithms.solvers.firenet.parameters.restart_plans`) run WARPdSR with FIRENET's
    levels and steps.  ``schedule_`` is only stored in the result.  Every plan is checked
    first: ``steps >= 1`` and ``tau1 tau2 L^2 < 1`` exactly with the problem's ``L``
    (:class:`InvalidArgument` otherwise)."""
    if not isinstance(P, WarpdProblem):
        raise InvalidType(f"P has type {type(P).__name__}; pass a WarpdProblem")
    _check_common(ctx, output, callback)
    _check_run(ctx, reweight, midpoints)
    plans = _check_plans(plans, P.L)
    b = _b(ctx, P)
    if ctx.size(b) != P.A.shape[0]:
        raise InvalidArgument(f"b has length {ctx.size(b)}; length {P.A.shape[0]} is required")
    x = _x0(ctx, P, x0)

    def kernel(plan: RestartPlan, carry: tuple[Vec, Regulariser], need: bool) -> RestartOutput:
        x_in, J = carry
        x_out, _ = _pd_run(P, ctx, b, x_in, plan.tau1, plan.tau2, plan.steps, output, J,
                           midpoints=midpoints)
        if reweight is not None:
            J = reweight(ctx, x_out, J)
            if not isinstance(J, Regulariser):
                raise InvalidType(f"reweight returned a {type(J).__name__} after restart "
                                  f"{plan.restart}; it must return a Regulariser")
        return RestartOutput(x_out, (x_out, J))

    x, records, total = run_restarts(plans, kernel, (x, P.J), callback=callback)
    return WarpdResult(x, records, schedule_, P, total)


# =============================================================================== public API
def warpd(A: object, b: object, *, eps: object, J: Regulariser, C1: object, C2: object,
          restarts: int, ctx: Context, B: object = None, L_A: object = None,
          L_B: object = None, tau: object = gmpy2.mpq(99, 100), nu: object = NU,
          delta: object = 0, w0: object = None, k: int | None = None, x0: object = None,
          output: str = "ergodic",
          reweight: Callable[[Context, Vec, Regulariser], Regulariser] | None = None,
          callback: Callback | None = None, midpoints: bool = False) -> WarpdResult:
    """WARPd for ``min J(x) + ||Bx||_1`` s.t. ``||Ax - b|| <= eps`` (module docstring).

    ``A``: a :class:`LinearOperator` or a 2-D rational array (wrapped in
    :class:`~algorithms.operators.Dense`); ``b``: rationals or a vector of ``ctx``; ``J``: an
    :class:`~algorithms.proximal.Regulariser`; ``B``: a LinearOperator or
    :class:`~algorithms.proximal.AnalysisL1` (or ``None``); ``L_A``, ``L_B``: rational upper
    bounds (default the operators' certified ``norm_bound()``); ``k`` overrides
    ``ceil(2 C1 C2 L / (tau nu))``; ``reweight(ctx, x, J) -> J`` is called after every restart
    (e.g. ``lambda c, x, J: J.reweighted(c, x, r)`` for reweighted l1).

    ``midpoints=True`` (``Ball`` only): after every step the iterates are replaced by their
    midpoints, so the run is an (uncertified) ``prec``-bit iteration at python-flint speed
    whose output is an exact dyadic vector; certify its distance to the solution afterwards
    (the returned balls then have radius 0 and certify nothing by themselves).
    """
    P = _problem(A, b, J, eps, 1, B, L_A, L_B)
    return _restarted(P, ctx, C1=C1, C2=C2, restarts=restarts, tau=tau, nu=nu, delta=delta,
                      w0=w0, k=k, x0=x0, output=output, reweight=reweight, callback=callback,
                      midpoints=midpoints)


def warpd_sr(A: object, b: object, *, lam: object, J: Regulariser, C1: object, C2: object,
             restarts: int, ctx: Context, B: object = None, L_A: object = None,
             L_B: object = None, tau: object = gmpy2.mpq(99, 100), nu: object = NU,
             delta: object = 0, w0: object = None, k: int | None = None, x0: object = None,
             output: str = "ergodic",
             reweight: Callable[[Context, Vec, Regulariser], Regulariser] | None = None,
             callback: Callback | None = None, midpoints: bool = False) -> WarpdResult:
    """WARPdSR for ``min lam J(x) + ||Bx||_1 + ||Ax - b||`` (square-root LASSO; the dual
    step projects onto the unit ball instead of shrinking).  Arguments as :func:`warpd`."""
    P = _problem(A, b, J, None, lam, B, L_A, L_B)
    return _restarted(P, ctx, C1=C1, C2=C2, restarts=restarts, tau=tau, nu=nu, delta=delta,
                      w0=w0, k=k, x0=x0, output=output, reweight=reweight, callback=callback,
                      midpoints=midpoints)


def primal_dual(A: object, b: object, *, J: Regulariser, ctx: Context, iterations: int,
                tau1: object, tau2: object, eps: object = None, lam: object = 1,
                B: object = None, L_A: object = None, L_B: object = None,
                x0: object = None, output: str = "ergodic",
                step_callback: StepCallback | None = None, every: int = 1) -> WarpdResult:
    """The same primal-dual iteration WITHOUT restarts (the baseline): ``iterations`` steps
    with fixed ``tau1, tau2`` (checked: ``tau1 tau2 L^2 < 1`` exactly); ``eps=None`` is the
    square-root form.  ``step_callback(i, x_out)`` every ``every`` steps, with ``x_out`` the
    running ergodic average (or the last iterate); a truthy return stops the run, and the
    result's ``iterations`` is then the number of steps run."""
    P = _problem(A, b, J, eps, lam, B, L_A, L_B)
    _check_common(ctx, output, step_callback)
    t1, t2 = _pos(tau1, "tau1"), _pos(tau2, "tau2")
    if not t1 * t2 * P.L * P.L < 1:
        raise InvalidArgument(f"tau1={t1}, tau2={t2} with L={P.L} violate tau1*tau2*L^2 < 1")
    iterations = _count(iterations, "iterations")
    every = _count(every, "every")
    b_ = _b(ctx, P)
    x, done = _pd_run(P, ctx, b_, _x0(ctx, P, x0), t1, t2, iterations, output, P.J, 0,
                      step_callback, every)
    return WarpdResult(x, (), None, P, done)
