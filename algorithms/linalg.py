"""Certified bounds used to choose step sizes: the operator 2-norm of a rational matrix.

``spectral_norm_bounds(A)`` returns rationals ``lo <= ||A||_2 <= hi``.  Method (rigorous, fast):

1. ``G = A A^T`` (or ``A^T A``, whichever is smaller) is enclosed in ball arithmetic.
2. A floating-point eigendecomposition ``G ~ Q diag(w) Q^T`` is computed with numpy; the
   double entries of ``Q`` are taken as EXACT rationals, so ``Q`` is an exactly known (merely
   nearly orthogonal) matrix.  (When the entries of ``A`` lie outside ``[2^-500, 2^500]`` in
   magnitude, the doubles are those of ``2^-k A`` for a power of two that brings the largest
   entry near 1: the eigenvectors are the same, and ``A A^T`` neither overflows nor
   underflows.)
3. ``M = Q^-1 G Q`` is enclosed in ball arithmetic (``arb_mat`` inversion is rigorous and fails
   loudly when it cannot certify the inverse).  ``M`` is similar to ``G``, so it has the same
   real eigenvalues, and by Gershgorin's theorem each lies in some disc ``|z - M_ii| <= R_i``
   with ``R_i = sum_{j != i} |M_ij|``.  Hence ``lambda_max(G) <= max_i (M_ii + R_i)``.  Because
   ``Q`` nearly diagonalises ``G`` the discs have radii of order ``1e-15 ||G||``.
4. A lower bound is the Rayleigh quotient ``q^T G q / q^T q`` of the top float eigenvector.

Then ``||A||_2 = sqrt(lambda_max(G))`` and the bounds are rounded outward to short dyadics.
"""

from __future__ import annotations

import gmpy2
import numpy as np
from flint import arb, arb_mat

from algorithms.arithmetic.ball import arb_to_mpq, flint_prec, mpq_to_arb
from algorithms.arithmetic.float64 import mpq_to_float
from algorithms.errors import PrecisionError
from algorithms.rationals import (
    as_mpq_matrix,
    as_positive_int,
    dyadic_round,
    mpq_sqrt_lower,
    mpq_sqrt_upper,
)

__all__ = ["spectral_norm_bounds", "spectral_norm_upper"]

_WORK_PREC = 128


def spectral_norm_bounds(A: object, *, bits: int = 40) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Rationals ``(lo, hi)`` with ``lo <= ||A||_2 <= hi`` (operator 2-norm), certified.

    ``A`` is a 2-D array of rationals.  ``hi`` is a dyadic with a ``bits``-bit mantissa,
    rounded up; typically ``hi / ||A||_2 - 1`` is below ``2^-(bits - 2)``.  ``bits`` is an
    integer ``>= 2``.
    """
    bits = as_positive_int(bits, "bits", 2)
    Q = as_mpq_matrix(A, "A")
    m, n = Q.shape
    if m == 0 or n == 0 or all(v == 0 for v in Q.flat):
        return gmpy2.mpq(0), gmpy2.mpq(0)
    if m > n:
        Q = Q.T
        m, n = n, m
    F = np.array([[mpq_to_float(v) for v in row] for row in _float_scaled(Q)],
                 dtype=np.float64)
    w, V = np.linalg.eigh(F @ F.T)
    with flint_prec(_WORK_PREC):
        Ab = arb_mat(m, n, [mpq_to_arb(v) for v in Q.reshape(-1)])
        Gb = Ab * Ab.transpose()
        Vb = arb_mat(m, m, [arb(float(v)) for v in V.reshape(-1)])
        try:
            Vinv = Vb.inv()
        except ZeroDivisionError:
            raise PrecisionError(
                "spectral_norm_bounds: could not certify the inverse of the eigenvector "
                "matrix; A is too badly scaled for this method") from None
        M = Vinv * Gb * Vb
        best = None
        for i in range(m):
            radius = arb(0)
            for j in range(m):
                if j != i:
                    radius += abs(M[i, j])
            cand = (M[i, i] + radius).upper()
            if not cand.is_finite():
                raise PrecisionError("spectral_norm_bounds: the Gershgorin bound is not finite")
            best = cand if best is None or cand > best else best
        lam_hi = arb_to_mpq(best)
        top = Vb.transpose()
        q = arb_mat(m, 1, [top[m - 1, j] for j in range(m)])
        rq = ((q.transpose() * Gb * q)[0, 0] / (q.transpose() * q)[0, 0]).lower()
        lam_lo = max(arb_to_mpq(rq), gmpy2.mpq(0))
    hi2 = dyadic_round(lam_hi, bits + 8, "up")
    lo2 = dyadic_round(lam_lo, bits + 8, "down") if lam_lo > 0 else gmpy2.mpq(0)
    hi = _sqrt_up(hi2, bits)
    lo = _sqrt_down(lo2, bits) if lo2 > 0 else gmpy2.mpq(0)
    return lo, hi


def spectral_norm_upper(A: object, *, bits: int = 40) -> gmpy2.mpq:
    """A certified rational upper bound of ``||A||_2`` (see :func:`spectral_norm_bounds`)."""
    return spectral_norm_bounds(A, bits=bits)[1]


def _float_scaled(Q: np.ndarray) -> np.ndarray:
    """``Q`` itself when its largest entry lies in ``[2^-500, 2^500]`` in magnitude, else
    ``2^-k Q`` (exact) with the largest entry in ``(1/2, 2)``: the float eigenvectors of
    ``Q Q^T`` then come from a matrix that neither overflows nor underflows in doubles."""
    top = max(abs(v) for v in Q.flat)
    if gmpy2.mpq(1, 2 ** 500) <= top <= 2 ** 500:
        return Q
    k = int(top.numerator).bit_length() - int(top.denominator).bit_length()
    f = gmpy2.mpq(2) ** (-k)
    return np.array([[v * f for v in row] for row in Q], dtype=object)


def _sqrt_up(q: gmpy2.mpq, bits: int) -> gmpy2.mpq:
    return dyadic_round(mpq_sqrt_upper(q, bits + 10), bits, "up")


def _sqrt_down(q: gmpy2.mpq, bits: int) -> gmpy2.mpq:
    return dyadic_round(mpq_sqrt_lower(q, bits + 10), bits, "down")
