r"""Sharpness constants: an exact dual certificate by linear programming, and empirical C1, C2.

Approximate sharpness (SPEC section 8): ``||x - x_hat|| <= C1 (J(x) - J(x_hat) + C2 (||Ax - b||
- eps)) + c``.

**From a dual certificate** (l1 recovery, ``eps = 0``, support ``S``, signs ``sigma``).  A
vector ``v`` with ``A_S^T v = sigma`` and ``|<a_i, v>| <= 1 - mu`` off ``S`` (``mu > 0``) proves
that ``x_hat`` is the unique minimiser, and for ``z = x - x_hat``, ``g = ||x||_1 - ||x_hat||_1``,
``f = ||A z||``::

    g >= <sigma, z_S> + ||z_Sc||_1 = <v, A z> + sum_{i not in S} (1 - <a_i, v> sign) |z_i|
      >= -||v|| f + mu ||z_Sc||_1,
    ||z_S|| <= P (f + c ||z_Sc||_1)      with P = ||A_S^+||_2, c = max_{i not in S} ||a_i||,

so ``||z|| <= ||z_S|| + ||z_Sc||_1 <= C1 (g + C2 f)`` with
``C1 = (1 + P c) / mu`` and ``C2 = ||v|| + P mu / (1 + P c)``.

:func:`lp_certificate` finds ``v`` by the LP ``min t`` s.t. ``A_S^T v = sigma``,
``-t <= <a_i, v> <= t`` (scipy HiGHS), rounds ``v`` to 2^-48 dyadics, restores
``A_S^T v = sigma`` EXACTLY by the rational correction ``v += A_S (A_S^T A_S)^-1 (sigma -
A_S^T v)`` (python-flint ``fmpq_mat``), checks every margin exactly and bounds ``||v||``, ``P``,
``c`` above with rational square roots.  It also reports whether the minimum-norm certificate
``v0 = A_S (A_S^T A_S)^-1 sigma`` (:func:`theorems.instances.certificates.recovery_certificate`)
would have worked: it can fail where the LP one succeeds.

**Empirical** (:func:`empirical_constants`).  From pairs ``(e_i, g_i, f_i)`` (error, objective
gap, feasibility gap ``max(0, ||Ax - b|| - eps)``) collected along the runs: the smallest
admissible ``C2`` and the ``C1`` needed at the ``C2`` used (see the function).  These are
LOWER estimates of the true constants (finitely many points, float64).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np
from flint import fmpq, fmpq_mat

from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import dyadic_round, mpq_sqrt_upper
from theorems.instances.certificates import recovery_certificate

__all__ = ["LPCertificate", "lp_certificate", "empirical_constants"]


@dataclass(frozen=True)
class LPCertificate:
    """Result of :func:`lp_certificate`: ``valid`` (every exact margin ``> 0``), ``mu`` (exact
    smallest margin), rational upper bounds ``v_norm``, ``P``, ``c``; ``C1``, ``C2`` (rational
    upper bounds, module docstring); ``min_norm_valid``: whether the minimum-norm certificate
    also works."""

    valid: bool
    mu: gmpy2.mpq
    v_norm: gmpy2.mpq
    P: gmpy2.mpq
    c: gmpy2.mpq
    C1: gmpy2.mpq
    C2: gmpy2.mpq
    min_norm_valid: bool
    support: tuple[int, ...]


def _fm(M: np.ndarray) -> fmpq_mat:
    r, c = M.shape
    return fmpq_mat(r, c, [fmpq(int(v.numerator), int(v.denominator)) for v in M.reshape(-1)])


def _q(a: fmpq) -> gmpy2.mpq:
    return gmpy2.mpq(int(a.p), int(a.q))


def lp_certificate(A: np.ndarray, x: np.ndarray) -> LPCertificate:
    """Search a dual certificate of ``x`` for ``min ||z||_1 s.t. Az = Ax`` by LP, then verify
    it exactly (module docstring).  ``A``, ``x``: object arrays of ``gmpy2.mpq``."""
    from scipy.optimize import linprog

    m, N = A.shape
    S = [i for i in range(N) if x[i] != 0]
    Sc = [i for i in range(N) if x[i] == 0]
    sig = np.array([1 if x[i] > 0 else -1 for i in S])
    Af = np.array([[float(v) for v in row] for row in A])
    # variables (v, t): minimise t
    cost = np.zeros(m + 1)
    cost[-1] = 1
    Aeq = np.hstack([Af[:, S].T, np.zeros((len(S), 1))])
    Ac = Af[:, Sc].T
    Aub = np.vstack([np.hstack([Ac, -np.ones((len(Sc), 1))]),
                     np.hstack([-Ac, -np.ones((len(Sc), 1))])])
    res = linprog(cost, A_ub=Aub, b_ub=np.zeros(2 * len(Sc)), A_eq=Aeq, b_eq=sig,
                  bounds=[(None, None)] * m + [(0, None)], method="highs")
    zero = gmpy2.mpq(0)
    bad = LPCertificate(False, zero, zero, zero, zero, zero, zero, False, tuple(S))
    if res.status != 0:
        return bad
    v = np.array([dyadic_round(gmpy2.mpq(float(t)), 48) for t in res.x[:m]], dtype=object)
    AS = A[:, S]
    G = _fm(np.ascontiguousarray(AS.T).dot(AS))
    try:
        Ginv = G.inv()
    except ZeroDivisionError:
        return bad
    resid = np.array([gmpy2.mpq(int(s)) for s in sig], dtype=object) - AS.T.dot(v)
    corr = Ginv * _fm(resid.reshape(-1, 1))
    v = v + AS.dot(np.array([_q(corr[i, 0]) for i in range(len(S))], dtype=object))
    assert all(AS.T.dot(v)[j] == sig[j] for j in range(len(S)))
    margins = [1 - abs(A[:, i].dot(v)) for i in Sc]
    mu = min(margins)
    valid = mu > 0
    vn = mpq_sqrt_upper(sum((t * t for t in v), zero), 64)
    Gq = np.array([[_q(Ginv[i, j]) for j in range(len(S))] for i in range(len(S))],
                  dtype=object)
    P = mpq_sqrt_upper(spectral_norm_bounds(Gq)[1], 64)
    c = max(mpq_sqrt_upper(sum((t * t for t in A[:, i]), zero), 64) for i in Sc)
    if valid:
        C1 = (1 + P * c) / mu
        C2 = vn + P * mu / (1 + P * c)
    else:
        C1 = C2 = zero
    mn = recovery_certificate(A, x, np.array([gmpy2.mpq(1)] * N, dtype=object))
    return LPCertificate(bool(valid), mu, vn, P, c, dyadic_round(C1, 53, "up"),
                         dyadic_round(C2, 53, "up"), bool(mn.valid), tuple(S))


def empirical_constants(pairs: list[tuple[float, float, float]], C2_used: float
                        ) -> dict[str, Any]:
    """Empirical constants from ``(error, objective gap, feasibility gap)`` pairs:

    * ``C2_min = max_{f_i > 0} (-g_i / f_i)``: below it some pair has ``g_i + C2 f_i <= 0``
      (an infeasible point with a smaller objective), so no ``C1`` works;
    * ``C1_at_used``: the smallest ``C1`` with ``e_i <= C1 (g_i + C2 f_i)`` for all pairs at the
      ``C2`` the runs used (``None`` when ``C2_used <= C2_min``);
    * ``C1_at_2min``: the same at ``C2 = 2 C2_min`` (a measured pair away from the edge);
    * ``C1``, ``C2``: the pair minimising ``C1 C2`` over a geometric grid of ``C2`` in
      ``[1e-3, 1e6]``.

    Pairs with ``e_i <= 1e-13`` (at the float64 floor) are left out.  LOWER estimates."""
    P = [(e, g, f) for e, g, f in pairs if math.isfinite(e) and e > 1e-13]
    c2min = max([-g / f for _, g, f in P if f > 0] + [0.0])

    def c1(C2: float) -> float | None:
        den = [g + C2 * f for _, g, f in P]
        if not P or min(den) <= 0:
            return None
        return float(max(e / d for (e, _, _), d in zip(P, den, strict=True)))

    best: tuple[float, float] | None = None
    for C2 in np.geomspace(1e-3, 1e6, 91):
        v = c1(float(C2))
        if v is not None and (best is None or v * C2 < best[0] * best[1]):
            best = (v, float(C2))
    out: dict[str, Any] = {"C2_min": c2min, "C1_at_used": c1(C2_used),
                           "C1_at_2min": c1(2 * c2min) if c2min > 0 else None,
                           "pairs": len(P)}
    if best is None:
        return out | {"C1": None, "C2": None, "product": None}
    return out | {"C1": best[0], "C2": best[1], "product": best[0] * best[1]}
