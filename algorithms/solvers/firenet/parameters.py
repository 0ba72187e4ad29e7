"""FIRENET's parameters (validated, exact rationals), the restart schedule and its plans for the
shared restart driver (with the parameter map to WARPdSR), and the rational weights shared by
the network and the solvers.  ``RestartRecord`` is the driver's record
(:class:`algorithms.solvers.warpd.engine.RestartRecord`), importable from here as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import gmpy2
import numpy as np

from algorithms.certify import ExactIntegerOperator
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.linalg import spectral_norm_bounds
from algorithms.networks import (
    Coefficient,
    RationalMatrix,
    RationalVector,
)
from algorithms.rationals import (
    as_mpq,
    as_mpq_matrix,
    as_mpq_vector,
    as_positive_int,
    dyadic_round,
    mpq_sqrt_upper,
)
from algorithms.solvers.warpd.engine import RestartPlan, RestartRecord

#: ``e^-1`` as used by the restart schedule: the double nearest to it, as an exact rational
NU = gmpy2.mpq(math.exp(-1))
_PARAM_BITS = 53


# =============================================================================== parameters
@dataclass(frozen=True)
class FirenetParameters:
    """Every exact rational that defines one FIRENET run (see the module docstring)."""

    #: the exact ``mpq`` matrix, or a matrix-free ``LinearOperator`` (:func:`operator_parameters`)
    A: Any = field(repr=False)
    lam: gmpy2.mpq
    weights: np.ndarray = field(repr=False)
    n_outer: int
    p_inner: int
    delta: gmpy2.mpq
    L: gmpy2.mpq
    tau: gmpy2.mpq
    sigma: gmpy2.mpq
    eps0: gmpy2.mpq
    #: ``e_1..e_n`` (53-bit dyadics)
    schedule: tuple[gmpy2.mpq, ...] = field(repr=False)
    #: ``scale_1..scale_n`` (53-bit dyadics)
    scales: tuple[gmpy2.mpq, ...] = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    @property
    def is_operator(self) -> bool:
        """Whether ``A`` is a matrix-free operator (not an exact matrix)."""
        return not isinstance(self.A, np.ndarray)

    @property
    def thresholds(self) -> np.ndarray:
        """``tau * lam * w`` (exact)."""
        return np.array([self.tau * self.lam * w for w in self.weights], dtype=object)

    def restart_factor(self, k: int) -> gmpy2.mpq:
        """``c_k = scale_k / (p scale_{k-1})``: the map from the previous sum ``s`` to ``x_0``."""
        return self.scales[k - 1] / (self.p_inner * self.scales[k - 2])

    def readout(self, k: int) -> gmpy2.mpq:
        """``1 / (p scale_k)``: the map from the sum ``s`` of restart ``k`` to ``psi_k``."""
        return 1 / (self.p_inner * self.scales[k - 1])

    def describe(self) -> dict[str, Any]:
        m, N = self.shape
        return {
            "m": m, "N": N, "lam": str(self.lam), "n_outer": self.n_outer,
            "p_inner": self.p_inner, "delta": str(self.delta), "L": float(self.L),
            "tau": float(self.tau), "sigma": float(self.sigma), "eps0": float(self.eps0),
        }


def firenet_parameters(
    A: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    eps0: object,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
) -> FirenetParameters:
    """Validate the settings and fix every exact parameter of a run.

    Defaults: ``L`` a certified dyadic upper bound of ``||A||_2``; ``tau = sigma = 0.99 / L``;
    ``weights`` all ones.  ``tau * sigma * L^2 < 1`` is checked exactly.  A user-supplied ``L``
    must be provably ``>= ||A||_2``.
    """
    Aq = as_mpq_matrix(A, "A")
    m, N = Aq.shape
    if m < 1 or N < 1:
        raise InvalidArgument(f"A has shape {Aq.shape}; it needs at least one row and column")
    lam_q, n_outer, p_inner, delta_q, eps0_q, w = _settings(
        lam, n_outer, p_inner, delta, eps0, weights, N)
    lo, hi = spectral_norm_bounds(Aq)
    if hi == 0:
        raise InvalidArgument("A is the zero matrix; FIRENET needs ||A||_2 > 0")
    if L is None:
        L_q = hi
    else:
        L_q = as_mpq(L, "L")
        if L_q < lo:
            raise InvalidArgument(
                f"L={L_q} ({float(L_q):.6g}) is below ||A||_2 >= {float(lo):.12g}; L must be an "
                f"upper bound of ||A||_2 (omit it to use a certified one)")
        if L_q < hi:
            raise InvalidArgument(
                f"L={L_q} ({float(L_q):.12g}) could not be certified to be >= ||A||_2 (certified "
                f"upper bound {float(hi):.12g}); pass L >= {hi} or omit it")
    return _finish(Aq, lam_q, w, n_outer, p_inner, delta_q, eps0_q, L_q, tau, sigma)


def _finish(A: object, lam_q: gmpy2.mpq, w: np.ndarray, n_outer: int, p_inner: int,
            delta_q: gmpy2.mpq, eps0_q: gmpy2.mpq, L_q: gmpy2.mpq, tau: object,
            sigma: object) -> FirenetParameters:
    """Steps (default ``0.99 / L``), the exact check ``tau sigma L^2 < 1``, the schedule."""
    default_step = gmpy2.mpq(99, 100) / L_q
    tau_q = default_step if tau is None else as_mpq(tau, "tau")
    sigma_q = default_step if sigma is None else as_mpq(sigma, "sigma")
    if tau_q <= 0:
        raise InvalidArgument(f"tau={tau_q} must be > 0")
    if sigma_q <= 0:
        raise InvalidArgument(f"sigma={sigma_q} must be > 0")
    prod = tau_q * sigma_q * L_q * L_q
    if prod >= 1:
        raise InvalidArgument(
            f"tau*sigma*L^2 = {float(prod):.6g} must be < 1 (tau={tau_q}, sigma={sigma_q}, "
            f"L={float(L_q):.12g}): the primal-dual step is not nonexpansive otherwise")
    schedule, scales = [], []
    e = eps0_q
    for _ in range(n_outer):
        e = dyadic_round(NU * (delta_q + e), _PARAM_BITS, "up")
        schedule.append(e)
        scales.append(dyadic_round(2 * L_q / (e * p_inner), _PARAM_BITS, "nearest"))
    return FirenetParameters(A, lam_q, w, n_outer, p_inner, delta_q, L_q, tau_q, sigma_q, eps0_q,
                             tuple(schedule), tuple(scales))


def _settings(lam: object, n_outer: int, p_inner: int, delta: object, eps0: object,
              weights: object | None, N: int
              ) -> tuple[gmpy2.mpq, int, int, gmpy2.mpq, gmpy2.mpq, np.ndarray]:
    """The validated scalar settings and weights (shared by matrices and operators)."""
    lam_q = as_mpq(lam, "lam")
    if lam_q <= 0:
        raise InvalidArgument(f"lam={lam_q} must be > 0")
    n_outer = as_positive_int(n_outer, "n_outer")
    p_inner = as_positive_int(p_inner, "p_inner")
    delta_q = as_mpq(delta, "delta")
    if delta_q < 0:
        raise InvalidArgument(f"delta={delta_q} must be >= 0")
    eps0_q = as_mpq(eps0, "eps0")
    if eps0_q < 0:
        raise InvalidArgument(f"eps0={eps0_q} must be >= 0")
    if delta_q + eps0_q == 0:
        raise InvalidArgument(
            f"delta={delta_q} and eps0={eps0_q} are both 0: the restart schedule e_k would be 0 "
            f"and scale_k = 2L/(e_k p) undefined; pass a positive eps0 or delta")
    if weights is None:
        w = np.array([gmpy2.mpq(1)] * N, dtype=object)
    else:
        w = as_mpq_vector(weights, "weights", N)
        bad = [i for i, v in enumerate(w) if v <= 0]
        if bad:
            raise InvalidArgument(f"weights[{bad[0]}]={w[bad[0]]} must be > 0")
    return lam_q, n_outer, p_inner, delta_q, eps0_q, w


def operator_parameters(
    op: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    eps0: object,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
) -> FirenetParameters:
    """:func:`firenet_parameters` for a matrix-free
    :class:`~algorithms.operators.LinearOperator` ``op`` (stored in the ``A`` field).

    ``L`` defaults to ``op.norm_bound()`` (a bound proven from the operator's structure, e.g.
    1 for ``P_Omega U W^-1``); a user-supplied ``L`` must be ``>= op.norm_bound()``, the only
    certified bound available without the matrix.
    """
    from algorithms.operators import LinearOperator

    if not isinstance(op, LinearOperator):
        raise InvalidType(f"op has type {type(op).__name__}; pass a LinearOperator")
    m, N = op.shape
    if m < 1 or N < 1:
        raise InvalidArgument(f"op has shape {op.shape}; it needs at least one row and column")
    lam_q, n_outer, p_inner, delta_q, eps0_q, w = _settings(
        lam, n_outer, p_inner, delta, eps0, weights, N)
    hi = gmpy2.mpq(op.norm_bound())
    if hi <= 0:
        raise InvalidArgument(f"{op!r} has norm bound {hi}; FIRENET needs ||A||_2 > 0")
    if L is None:
        L_q = hi
    else:
        L_q = as_mpq(L, "L")
        if L_q < hi:
            raise InvalidArgument(
                f"L={L_q} ({float(L_q):.12g}) is below the certified bound {float(hi):.12g} of "
                f"{op!r}; pass L >= {hi} or omit it")
    return _finish(op, lam_q, w, n_outer, p_inner, delta_q, eps0_q, L_q, tau, sigma)


def norm2_upper(y: object) -> gmpy2.mpq:
    """A certified 53-bit dyadic upper bound of ``||y||_2`` for a rational vector ``y``."""
    y = as_mpq_vector(y, "y")
    sq = sum((v * v for v in y), gmpy2.mpq(0))
    return dyadic_round(mpq_sqrt_upper(sq, 64), _PARAM_BITS, "up") if sq else gmpy2.mpq(0)


# =============================================================================== restarts
def restart_plans(P: FirenetParameters) -> tuple[RestartPlan, ...]:
    r"""FIRENET's restarts as plans of the shared restart driver
    (:func:`algorithms.solvers.warpd.engine.run_restarts`): restart ``k`` has level ``e_k``,
    ``p_inner`` steps, data scale ``scale_k`` and the steps ``tau1 = tau / scale_k``,
    ``tau2 = sigma scale_k`` (exact rationals).

    FIRENET is WARPdSR (SPEC section 8) with ``J`` the weighted ``l1`` norm, no analysis term
    (``B = 0``) and this parameter map:

    * problem: ``lam``, the weights ``w`` and ``b = y`` are WARPdSR's ``lam``, ``J = ||.||_{1,w}``
      and data;
    * steps: FIRENET runs restart ``k`` on the scaled unknown ``x = scale_k psi`` with fixed
      ``(tau, sigma)`` and data ``scale_k y``.  Dividing the step by ``scale_k`` gives exactly
      the WARPdSR step on ``psi`` with ``tau1 = tau / scale_k`` and ``tau2 = sigma scale_k``:
      ``soft(x - tau A^T v, tau lam w) / scale_k = soft(psi - tau1 A^T v, tau1 lam w)`` and
      ``v + sigma A (2 x+ - x) - sigma scale_k y = v + tau2 (A (2 psi+ - psi) - y)`` (the same
      dual iterate).  Since ``tau1 tau2 = tau sigma``, WARPd's ``tau`` (``tau1 tau2 L^2 =
      tau_W^2``) is ``tau_W = L sqrt(tau sigma)`` (0.99 for ``tau = sigma = 0.99 / L``);
    * level: WARPdSR's ``tau1 = tau_W C1 level / (L C2)`` equals ``tau / scale_k =
      tau e_k p / (2 L)`` for ``level = e_k`` and ``C1 / C2 = tau p / (2 tau_W)``
      (``p / (2 L)`` when ``tau = sigma``); ``p`` plays WARPd's ``k = ceil(2 C1 C2 L /
      (tau_W nu))``, which FIRENET takes as given;
    * level rule: FIRENET's ``e_k = nu (delta + e_{k-1})`` from ``e_0 = eps0`` and restart ``k``
      uses ``e_k``; WARPd's restart ``r`` uses ``delta + omega_r`` with ``omega_{r+1} =
      nu (delta + omega_r)``, ``omega_1 = w0``.  For ``delta = 0`` and ``w0 = nu eps0`` the two
      level sequences are the same; for ``delta > 0`` FIRENET's is WARPd's shifted by ``delta``
      (its floor is ``nu delta / (1 - nu)``, not ``delta / (1 - nu)``).  FIRENET rounds ``e_k``
      up and ``scale_k`` to nearest (53-bit dyadics), so its ``tau1, tau2`` are exact rationals
      with ``tau1 tau2 L^2 = tau sigma L^2 < 1``; WARPd rounds its steps down;
    * restart: both start from the previous output (``x_0 = scale_k psi_{k-1}``, ``v = 0``) and
      return the ergodic average (``psi_k = s / (p scale_k)``).

    In exact arithmetic, FIRENET's output is therefore WARPdSR's on these plans
    (``tests/test_restart_engine.py`` checks it in ``Exact``); the kernels keep FIRENET's scaled
    form because its operation order defines the network (bit-for-bit in Float64/MP/Exact)."""
    return tuple(RestartPlan(k, P.schedule[k - 1], P.tau / P.scales[k - 1],
                             P.sigma * P.scales[k - 1], P.p_inner, P.scales[k - 1])
                 for k in range(1, P.n_outer + 1))


Callback = Callable[[RestartRecord], object]

def check_certify(certify: object) -> None:
    """``certify`` must be a bool (a string such as ``"no"`` is truthy and would silently
    select the certified iteration)."""
    if not isinstance(certify, (bool, np.bool_)):
        raise InvalidType(f"certify={certify!r} must be True or False")


#: ``2^1024``: a rational at least this large rounds to infinity in float64
_DOUBLE_OVERFLOW = gmpy2.mpq(2) ** 1024


def _log2(q: gmpy2.mpq) -> int:
    """``floor``-ish ``log2 |q|`` (within one) of a nonzero rational, for messages."""
    return int(abs(q.numerator)).bit_length() - int(q.denominator).bit_length()


def check_double_range(P: FirenetParameters) -> None:
    """Refuse a run whose coefficients overflow float64 (:class:`InvalidArgument` naming the
    parameter that causes it).

    With ``delta = 0`` the levels ``e_k = nu^k eps0`` fall geometrically, so ``scale_k =
    2 L / (e_k p)`` and the data coefficient ``sigma scale_k`` pass ``2^1024`` after roughly 700
    restarts (fewer for a small ``eps0``); a huge ``lam`` does the same to the thresholds
    ``tau lam w``.  A double run would meet infinities (the exact contexts and the certified
    Ball iteration have no such limit)."""
    for k, sc in enumerate(P.scales, start=1):
        if max(sc, P.sigma * sc) >= _DOUBLE_OVERFLOW:
            raise InvalidArgument(
                f"n_outer={P.n_outer}, delta={P.delta}: restart {k} has scale_k = 2L/(e_k p) "
                f"~ 2^{_log2(sc)}, beyond the double range; Float64 cannot run it.  Use at "
                f"most {k - 1} restarts, delta > 0, or an MP/Ball context")
    th = max(P.thresholds)
    if th >= _DOUBLE_OVERFLOW:
        raise InvalidArgument(
            f"lam ~ 2^{_log2(P.lam)}: the threshold tau lam w ~ 2^{_log2(th)} is beyond the "
            f"double range; Float64 cannot run it")


# =============================================================================== the network
class FirenetWeights:
    """Rational matrices and coefficients shared by the network and the generic solver.

    The matrices ``-tau A^T``, ``-sigma A``, ``2 sigma A`` (the network's weights) are formed
    on first use only: the certified Ball solver never needs them (it keeps ``A`` exactly as
    ``Z / D`` and applies ``tau``, ``sigma`` and the scales to vectors, see
    :meth:`integer_operator`).
    """

    def __init__(self, P: FirenetParameters):
        m, _ = P.shape
        self.P = P
        self.ones = RationalMatrix(np.full((1, m), gmpy2.mpq(1), dtype=object), "ones")
        self.th = RationalVector(P.thresholds, "tau lam w")
        self.g = [Coefficient(-P.sigma * s, "g") for s in P.scales]
        self.c = [None] + [Coefficient(P.restart_factor(k), "c") for k in range(2, P.n_outer + 1)]
        self.r = [Coefficient(P.readout(k), "r") for k in range(1, P.n_outer + 1)]
        self._integer: ExactIntegerOperator | None = None

    @cached_property
    def Bt(self) -> RationalMatrix:  # noqa: N802 - the matrix's name in the docstrings
        """``-tau A^T``."""
        return RationalMatrix(np.array(-self.P.tau * self.P.A.T, dtype=object), "-tau A^T")

    @cached_property
    def C(self) -> RationalMatrix:  # noqa: N802
        """``-sigma A``."""
        return RationalMatrix(np.array(-self.P.sigma * self.P.A, dtype=object), "-sigma A")

    @cached_property
    def C2(self) -> RationalMatrix:  # noqa: N802
        """``2 sigma A``."""
        return RationalMatrix(np.array(2 * self.P.sigma * self.P.A, dtype=object), "2 sigma A")

    def integer_operator(self) -> ExactIntegerOperator:
        """``A = Z / D`` exactly, built once (the certified Ball solver's operator)."""
        if self._integer is None:
            self._integer = ExactIntegerOperator(self.P.A)
        return self._integer
