"""Certified distances to exact solution sets, digits achieved, and the K-digit verdict.

An output ``x`` (rationals, python-flint balls or floats) is compared with the exact solution
set ``Xi = S_t x {v*}`` of a member (``S_t`` the vertex ``t e_j`` or the simplex
``{u >= 0, sum(u) = t}``).  ``t`` and ``v*`` are irrational, so the distance is enclosed as
follows, at a precision of ``bits``:

1. Enclose ``t`` and ``v*`` in balls of radius ``<= 2^-(bits+8)`` (:func:`oracle.exact.enclose`)
   and take the rational midpoints ``t'`` (clamped to ``>= 0``) and ``v'``.  The sets
   ``S_t x {v*}`` and ``S_t' x {v'}`` are within Hausdorff distance
   ``h = sqrt(|t - t'|^2 + ||v* - v'||^2)``, because ``||t p - t' p|| <= |t - t'| ||p||_1`` for
   ``p`` in the unit simplex.
2. Compute ``d^2 = dist(x', S_t' x {v'})^2`` EXACTLY in rationals, for the rational midpoint
   ``x'`` of ``x``: the simplex projection sorts ``x'_u``, finds the threshold
   ``tau = (sum of the r largest - t')/r`` for the largest admissible ``r``, and clips.
3. Distance is 1-Lipschitz in the point and moves by at most ``h`` with the set, so
   ``dist(x, Xi)`` lies in ``[sqrt(d^2) - h - ||x - x'||, sqrt(d^2) + h + ||x - x'||]``, with the
   square roots bracketed by integer square roots.  For ball input the bound holds for every
   point in the balls.

Floats are taken at their exact binary value (``0.1`` is ``3602879701896397/2^55``), so the
certificate is about the float vector actually produced.  Endpoints are exact ``gmpy2.mpq``;
nothing returned is a bare float.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import gmpy2
import mpmath
import numpy as np
import sympy
from flint import arb, arb_mat, fmpq, fmpq_mat

from oracle.exact import (
    arb_mid_mpq,
    arb_rad_mpq,
    compile_expr,
    enclose_many,
    flint_precision,
    mpq_to_arb,
)
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import MPQ, MPZ, integer, rational, sqrt_bounds
from theorems.instances.gadget import Member
from theorems.instances.solutions import SolutionSet, solution_set

__all__ = [
    "Enclosure",
    "Digits",
    "rational_point",
    "simplex_projection",
    "distance",
    "point_distance",
    "digits_achieved",
    "correct_to_digits",
    "decide_correct",
    "operator_norm_enclosure",
]

_ZERO = gmpy2.mpq(0)


@dataclass(frozen=True)
class Enclosure:
    """A certified enclosure ``lower <= d <= upper`` of a non-negative real ``d`` (exact
    rational endpoints)."""

    lower: gmpy2.mpq
    upper: gmpy2.mpq

    def __post_init__(self) -> None:
        # exact endpoints: ints, Fractions, numpy integers, 'p/q' strings become gmpy2.mpq;
        # floats are refused (an enclosure of floats would not be the certificate it claims)
        for name in ("lower", "upper"):
            object.__setattr__(self, name, rational(getattr(self, name), name))
        if not (0 <= self.lower <= self.upper):
            raise InvalidArgument(
                f"lower={self.lower}, upper={self.upper}: need 0 <= lower <= upper"
            )

    @property
    def width(self) -> gmpy2.mpq:
        """``upper - lower``."""
        return self.upper - self.lower

    @property
    def mid(self) -> gmpy2.mpq:
        """``(lower + upper)/2``."""
        return (self.lower + self.upper) / 2

    def contains(self, value: object) -> bool:
        """Whether the rational ``value`` lies in ``[lower, upper]``."""
        return bool(self.lower <= gmpy2.mpq(value) <= self.upper)

    def arb(self) -> arb:
        """A python-flint ball containing ``[lower, upper]``."""
        with flint_precision(max(64, _bits_needed(self.upper) + 64)):
            return arb(mpq_to_arb(self.lower)).union(mpq_to_arb(self.upper))

    def __str__(self) -> str:
        return f"[{_sci(self.lower)}, {_sci(self.upper)}]"


def _bits_needed(q: gmpy2.mpq) -> int:
    return int(q.denominator).bit_length()


def _sci(q: gmpy2.mpq, digits: int = 7) -> str:
    """Display string of a rational in scientific notation (for printing only)."""
    return mpmath.nstr(mpmath.mpf(int(q.numerator)) / int(q.denominator), digits)


# --------------------------------------------------------------------------- input points


def _entry(v: object, where: str) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """``(midpoint, radius)`` of one entry of an output vector."""
    if isinstance(v, bool):
        raise InvalidType(f"{where}={v!r} is a bool, not a number")
    if isinstance(v, (int, MPZ, np.integer)):
        return gmpy2.mpq(int(v)), _ZERO
    if isinstance(v, MPQ):
        return v, _ZERO
    if isinstance(v, Fraction):
        return gmpy2.mpq(v.numerator, v.denominator), _ZERO
    if isinstance(v, fmpq):
        return gmpy2.mpq(int(v.p), int(v.q)), _ZERO
    if isinstance(v, sympy.Rational):
        return gmpy2.mpq(int(v.p), int(v.q)), _ZERO
    if isinstance(v, sympy.Float):
        if not v.is_finite:
            raise InvalidArgument(f"{where}={v!r} is not finite")
        r = sympy.Rational(v)  # exact binary value
        return gmpy2.mpq(int(r.p), int(r.q)), _ZERO
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            raise InvalidArgument(f"{where}={v!r} is not finite")
        return gmpy2.mpq(float(v)), _ZERO
    if isinstance(v, type(gmpy2.mpfr(0))):
        if not gmpy2.is_finite(v):
            raise InvalidArgument(f"{where}={v!r} is not finite")
        num, den = v.as_integer_ratio()
        return gmpy2.mpq(num, den), _ZERO
    if isinstance(v, arb):
        if not v.is_finite():
            raise InvalidArgument(f"{where}={v!r} is not a finite ball")
        return arb_mid_mpq(v), arb_rad_mpq(v)
    raw = getattr(v, "_mpf_", None)  # mpmath mpf of any (private) context
    if isinstance(raw, tuple) and len(raw) == 4:
        sgn, man, exp, bc = raw
        man, exp = int(man), int(exp)
        if man == 0:
            if int(bc) < 0 or exp != 0:
                raise InvalidArgument(f"{where}={v!r} is not finite")
            return _ZERO, _ZERO
        man = -man if sgn else man
        return (gmpy2.mpq(man << exp) if exp >= 0 else gmpy2.mpq(man, 1 << -exp)), _ZERO
    raise InvalidType(
        f"{where}={v!r} has type {type(v).__name__}; pass rationals (gmpy2.mpq, Fraction, int), "
        f"python-flint arb balls or floats"
    )


def rational_point(x: object) -> tuple[list[gmpy2.mpq], list[gmpy2.mpq]]:
    """Split an output vector into exact rational midpoints and radii.

    Accepts a sequence or 1-D (or single-column) array of ints, ``gmpy2.mpq``, ``Fraction``,
    ``sympy.Rational``, floats (exact binary value; also ``sympy.Float``, ``gmpy2.mpfr``,
    ``mpmath.mpf`` of any context) or python-flint ``arb`` balls, or a python-flint
    ``arb_mat``/``fmpq_mat`` column: so the vectors of every ``algorithms.arithmetic`` context
    are accepted as they are.
    """
    if isinstance(x, (arb_mat, fmpq_mat)):
        if x.ncols() != 1:
            raise InvalidArgument(f"x is a {x.nrows()} x {x.ncols()} matrix; pass a column")
        x = [x[i, 0] for i in range(x.nrows())]
    elif isinstance(x, sympy.MatrixBase):
        x = list(x)
    elif isinstance(x, np.ndarray):
        if x.ndim == 2 and 1 in x.shape:
            x = x.reshape(-1)
        if x.ndim != 1:
            raise InvalidArgument(f"x must be a vector, got an array of shape {x.shape}")
        x = list(x)
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise InvalidType(f"x has type {type(x).__name__}; pass a vector")
    mids, rads = [], []
    for i, v in enumerate(x):
        mid, rad = _entry(v, f"x[{i}]")
        mids.append(mid)
        rads.append(rad)
    return mids, rads


# --------------------------------------------------------------------------- exact geometry


def simplex_projection(x: Sequence[object], total: object) -> list[gmpy2.mpq]:
    """The Euclidean projection of rational ``x`` onto ``{u >= 0, sum(u) = total}``, exactly.

    Sort ``x`` decreasingly, let ``r`` be the largest index with
    ``x_(r) > (x_(1) + ... + x_(r) - total)/r``, ``tau`` that fraction, and return
    ``max(x - tau, 0)``.  ``x`` and ``total`` (``>= 0``) are exact rationals of any type
    :func:`rational_point` accepts; floats are taken at their exact binary value, as in
    :func:`distance`.
    """
    xs, rads = rational_point(x)
    if any(rads):
        raise InvalidArgument("x holds balls of nonzero radius; pass exact rationals (or the "
                              "balls' midpoints)")
    t = rational(total, "total") if isinstance(total, str) else _entry(total, "total")[0]
    if t < 0:
        raise InvalidArgument(f"total={t} must be >= 0")
    if not xs:
        raise InvalidArgument("x must be non-empty")
    if t == 0:
        return [_ZERO] * len(xs)
    order = sorted(xs, reverse=True)
    cumulative, tau = _ZERO, _ZERO
    for r, value in enumerate(order, start=1):
        cumulative += value
        candidate = (cumulative - t) / r
        if value > candidate:
            tau = candidate
        else:
            break
    return [max(v - tau, _ZERO) for v in xs]


def _square(q: gmpy2.mpq) -> gmpy2.mpq:
    return q * q


def _sqrt_upper(q: gmpy2.mpq, bits: int) -> gmpy2.mpq:
    return sqrt_bounds(q, bits)[1]


def distance(
    x: object, target: Member | SolutionSet, k: int = 0, *, bits: int = 128
) -> Enclosure:
    """A certified enclosure of ``dist(x, Xi(A, y_k))`` for the member (or solution set)
    ``target``.

    ``bits`` sets the accuracy: the width is about ``2^-bits`` plus twice the 2-norm of the
    input radii (ball input).  See the module docstring for the method.
    """
    sol = _as_solution(target, k)
    bits = integer(bits, "bits", 8)
    mids, rads = rational_point(x)
    if len(mids) != sol.N:
        raise InvalidArgument(f"x has length {len(mids)} but the member has N={sol.N}")
    t_thunk, v_thunks = sol.thunks
    balls = enclose_many([t_thunk, *v_thunks], bits + 8)
    t_mid, t_rad = arb_mid_mpq(balls[0]), arb_rad_mpq(balls[0])
    t_mid = max(t_mid, _ZERO)
    v_mid = [arb_mid_mpq(b) for b in balls[1:]]
    set_err = _square(t_rad) + sum((_square(arb_rad_mpq(b)) for b in balls[1:]), _ZERO)
    u, v = mids[: sol.N1], mids[sol.N1:]
    if sol.support is None:
        proj = simplex_projection(u, t_mid)
        d2 = sum((_square(a - b) for a, b in zip(u, proj, strict=True)), _ZERO)
    else:
        j = sol.support - 1
        d2 = sum((_square(a) for i, a in enumerate(u) if i != j), _ZERO) + _square(u[j] - t_mid)
    d2 += sum((_square(a - b) for a, b in zip(v, v_mid, strict=True)), _ZERO)
    h = _sqrt_upper(set_err, bits + 8)
    radius = _sqrt_upper(sum((_square(r) for r in rads), _ZERO), bits + 8)
    lo, hi = sqrt_bounds(d2, bits + 8)
    return Enclosure(max(lo - h - radius, _ZERO), hi + h + radius)


def point_distance(x: object, point: Sequence[object], *, bits: int = 128) -> Enclosure:
    """A certified enclosure of ``||x - p||_2`` for an output ``x`` and an exact point ``p``
    (SymPy expressions or rationals), e.g. a vertex or a barycentre."""
    bits = integer(bits, "bits", 8)
    mids, rads = rational_point(x)
    point = list(point)
    if len(point) != len(mids):
        raise InvalidArgument(f"x has length {len(mids)} but the point has {len(point)}")
    balls = enclose_many([compile_expr(sympy.sympify(p)) for p in point], bits + 8)
    p_mid = [arb_mid_mpq(b) for b in balls]
    set_err = sum((_square(arb_rad_mpq(b)) for b in balls), _ZERO)
    d2 = sum((_square(a - b) for a, b in zip(mids, p_mid, strict=True)), _ZERO)
    h = _sqrt_upper(set_err, bits + 8)
    radius = _sqrt_upper(sum((_square(r) for r in rads), _ZERO), bits + 8)
    lo, hi = sqrt_bounds(d2, bits + 8)
    return Enclosure(max(lo - h - radius, _ZERO), hi + h + radius)


def _as_solution(target: object, k: int) -> SolutionSet:
    if isinstance(target, SolutionSet):
        return target
    if isinstance(target, Member):
        return solution_set(target, k)
    raise InvalidType(
        f"target={target!r} must be a theorems.instances.gadget.Member or a"
        f" theorems.instances.solutions.SolutionSet"
    )


# --------------------------------------------------------------------------- digits


@dataclass(frozen=True)
class Digits:
    """Correct digits implied by a distance enclosure: the true number of correct digits
    ``floor(-log10(d))`` lies in ``[at_least, at_most]``.

    ``at_least`` is certified (``d <= 10^-at_least``); ``at_most`` is the most the enclosure
    allows.  ``None`` means unbounded (distance zero, or possibly zero for ``at_most``).
    """

    at_least: int | None
    at_most: int | None

    @property
    def decided(self) -> bool:
        """Whether the enclosure pins the number of digits down to one value."""
        return self.at_least == self.at_most


def _digits(q: gmpy2.mpq) -> int | None:
    """The largest integer ``K`` with ``q <= 10^-K`` (``None`` when ``q = 0``)."""
    if q == 0:
        return None
    est = -(int(q.numerator).bit_length() - int(q.denominator).bit_length()) * 0.30103
    K = math.floor(est)
    ten = gmpy2.mpq(10)
    while q <= ten ** (-(K + 1)):
        K += 1
    while q > ten ** (-K):
        K -= 1
    return K


def digits_achieved(enclosure: Enclosure) -> Digits:
    """How many correct digits a distance enclosure certifies (and at most allows)."""
    if not isinstance(enclosure, Enclosure):
        raise InvalidType(f"enclosure={enclosure!r} must be a"
                          f" theorems.instances.distance.Enclosure")
    return Digits(at_least=_digits(enclosure.upper), at_most=_digits(enclosure.lower))


def correct_to_digits(enclosure: Enclosure, K: int) -> bool | None:
    """Three-valued verdict on "correct to K digits" (``dist <= 10^-K``): ``True`` when
    certainly, ``False`` when certainly not, ``None`` when the enclosure straddles ``10^-K``."""
    if not isinstance(enclosure, Enclosure):
        raise InvalidType(f"enclosure={enclosure!r} must be a"
                          f" theorems.instances.distance.Enclosure")
    K = integer(K, "K")
    limit = gmpy2.mpq(10) ** (-K)
    if enclosure.upper <= limit:
        return True
    if enclosure.lower > limit:
        return False
    return None


def decide_correct(
    x: object,
    target: Member | SolutionSet,
    K: int,
    k: int = 0,
    *,
    bits: int = 128,
    max_bits: int = 4096,
) -> bool | None:
    """:func:`correct_to_digits` of :func:`distance`, doubling ``bits`` up to ``max_bits``
    while undecided.  ``None`` remains possible (the distance may equal ``10^-K``, or a ball
    input may be too wide)."""
    bits = integer(bits, "bits", 8)
    while True:
        verdict = correct_to_digits(distance(x, target, k, bits=bits), K)
        if verdict is not None or bits >= max_bits:
            return verdict
        bits = min(2 * bits, max_bits)


# --------------------------------------------------------------------------- matrix norms


def operator_norm_enclosure(E: object, *, bits: int = 128) -> Enclosure:
    """A certified enclosure of the operator 2-norm of an exact matrix ``E`` (SymPy matrix or
    nested lists of exact entries).

    With ``G = E^T E`` in balls: upper bound ``sqrt(min(||G||_inf, ||E||_F^2))`` (``G`` is
    symmetric, so ``lambda_max(G) <= ||G||_inf``); lower bound ``||E v|| / ||v||`` for the
    rational ``v`` = midpoint of the column of ``G`` with the largest diagonal entry (one step
    of power iteration).  Both are tight for the gadget's rank-one and block-diagonal
    differences.
    """
    M = sympy.Matrix(E)
    rows, cols = M.shape
    bits = integer(bits, "bits", 8)
    entries = enclose_many([compile_expr(sympy.sympify(e)) for e in M], bits + 16)
    with flint_precision(2 * bits + 64):
        Eb = [[entries[r * cols + c] for c in range(cols)] for r in range(rows)]
        G = [
            [sum((Eb[r][a] * Eb[r][b] for r in range(rows)), arb(0)) for b in range(cols)]
            for a in range(cols)
        ]
        frob = sum((Eb[r][c] * Eb[r][c] for r in range(rows) for c in range(cols)), arb(0))
        inf_norm = max((sum((abs(g) for g in row), arb(0)) for row in G), key=_upper)
        lam_hi = min(_upper(inf_norm), _upper(frob))
        best = max(range(cols), key=lambda a: _upper(G[a][a]))
        v = [arb_mid_mpq(G[a][best]) for a in range(cols)]
        vv = sum((_square(q) for q in v), _ZERO)
        lam_lo = _ZERO
        if vv > 0:
            vb = [mpq_to_arb(q) for q in v]
            Ev = [sum((Eb[r][c] * vb[c] for c in range(cols)), arb(0)) for r in range(rows)]
            norm_sq = sum((e * e for e in Ev), arb(0))
            lam_lo = max(_lower(norm_sq), _ZERO) / vv
    lo = sqrt_bounds(lam_lo, bits)[0]
    hi = sqrt_bounds(lam_hi, bits)[1]
    return Enclosure(min(lo, hi), hi)


def _upper(x: arb) -> gmpy2.mpq:
    return arb_mid_mpq(x) + arb_rad_mpq(x)


def _lower(x: arb) -> gmpy2.mpq:
    return arb_mid_mpq(x) - arb_rad_mpq(x)
