r"""FIRENET's theorem made visible: exponential convergence, a precision floor, stability.

The paper (Colbrook, Antun, Hansen, PNAS 2022, the theorem on FIRENETs; SPEC section 7) shows
that for signals sparse in levels and matrices with the weighted robust null space property in
levels, the FIRENET network with ``n`` restarts reaches error about ``delta + e^-n``, and is
stable to perturbations of its input.  This harness measures that on exact data
(:mod:`theorems.instances.levels`) read through an :class:`oracle.Oracle`, with the network built
by the
training algorithm :class:`algorithms.solvers.firenet.FIRENET`:

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
   trained on the same class (:class:`algorithms.learned.lista.LISTA`, through an oracle of class
   members with their labels) on the same held-out inputs: worst perturbation of size ``eta``
   found by gradient ascent (:mod:`theorems.stability`), the amplification it causes, a
   certified lower bound of that amplification from a Ball re-evaluation of the witness, and
   each network's Lipschitz bound (FIRENET: rigorous, derived in :mod:`theorems.stability`;
   LISTA: layer product, float64).
4. **Sharpness** (:func:`sharpness_experiment`).  On a small instance: the estimated rNSPL
   constants, the paper's ``C1, C2`` and prescribed ``lam``, ``p``; our instance constant
   ``C_x`` and ``p_x`` (:mod:`theorems.instances.levels`); FIRENET runs with ``p`` far below, near
   and
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

import math
import time
from collections.abc import Sequence
from typing import Any

import gmpy2

from theorems.convergence.perturbations import stability_experiment
from theorems.convergence.records import (
    LEVEL,
    ConvergenceResult,
    ConvergenceRun,
    Progress,
    StabilityRow,
)
from theorems.convergence.restarts import convergence_runs, prepare
from theorems.convergence.sharpness import sharpness_experiment
from theorems.errors import InvalidType
from theorems.instances._exact import integer
from theorems.instances.levels import (
    LevelsInstance,
)

__all__ = [
    "run",
]


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
    """The whole experiment on ``inst`` (default
    :func:`theorems.instances.levels.default_instance`).

    Returns a :class:`ConvergenceResult`; ``targets`` records the issue's done-when checks as
    measured: the smallest certified bound at 256 bits (target ``< 1e-60``), the float64 floor
    (target ``> 1e-17``), each run's rate ratio (target ``0.8 .. 1.2``), and whether FIRENET's
    amplification stays below its bound and LISTA's exceeds FIRENET's.
    """
    t0 = time.perf_counter()
    n_outer = integer(n_outer, "n_outer", 1)  # checked before min() below and the long runs
    if progress is not None and not callable(progress):
        raise InvalidType(f"progress={progress!r} must be a callable taking one message "
                          f"string, or None")
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


