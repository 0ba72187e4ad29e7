"""The rNSPL constants, the paper's prescriptions for ``lam`` and ``p``, and FIRENET runs with
``p`` below and above them (:func:`sharpness_experiment`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import gmpy2

from algorithms.arithmetic import Float64
from algorithms.rationals import dyadic_round
from theorems.convergence.records import LEVEL, Progress, Setup, SharpnessResult, SharpnessRow, say
from theorems.convergence.restarts import (
    build_firenet,
    exact_float,
    fit_rate,
    prepare,
    trace_restarts,
)
from theorems.errors import InvalidType
from theorems.instances._exact import integer
from theorems.instances.certificates import rnspl_constants
from theorems.instances.levels import LevelsInstance, small_instance

__all__ = [
    "sharpness_experiment",
]


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
    n_outer = integer(n_outer, "n_outer", 1)
    k_min = integer(k_min, "k_min")
    if p_values is not None:
        if isinstance(p_values, (str, bytes)) or not isinstance(p_values, Iterable):
            raise InvalidType(f"p_values={p_values!r} must be a sequence of integers >= 1")
        p_values = [integer(p, "p_values[]", 1) for p in p_values]
    say(progress, "sharpness: enumerating supports for the rNSPL constants")
    est = rnspl_constants(inst)
    base = prepare(inst, step=step)
    cert = base.certificate
    if est.lam is not None and 0 < est.lam < float(cert.lam_max):
        lam = dyadic_round(exact_float(est.lam), 12, "down")
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
        say(progress, f"sharpness: p_inner = {p}")
        net = build_firenet(oracle, setup, n_outer=n_outer, p_inner=p, delta=gmpy2.mpq(0))
        pts, _ = trace_restarts(net, y, Float64(), inst.x, p)
        errs = tuple(pt.upper for pt in pts)
        fit = fit_rate([pt.restart for pt in pts], errs, k_min=k_min, floor_factor=10.0)
        guarantee = None
        if p >= p_x:
            guarantee = all(pt.upper <= c * pt.e_k for pt in pts)
        rows.append(SharpnessRow(p, role, errs, fit, errs[-1], guarantee))
    return SharpnessResult(inst.describe(), est, lam, source, cert.lam_max, C_x, base.Lambda,
                           p_x, c, n_outer, tuple(rows))


