"""Helpers for certified iterations on midpoints (used by FIRENET, ISTA and the P1 solver).

The pattern (DESIGN.md, "Balls are for short computations"): keep the iterate as an exact
dyadic point, evaluate ONE step in ball arithmetic from it, store the midpoint of the result
and remember the radius as that step's local error.  The iteration's own stability then says
how local errors combine:

* a map that is nonexpansive in the 2-norm (ISTA with a step ``<= 1/Lip``) adds them up;
* a primal-dual step is nonexpansive in the metric ``M = [[I/tau, -A^T], [-A, I/sigma]]``;
  :func:`pd_metric_bounds` gives the constants needed to pass between ``|.|_M`` and ``|.|_2``.

The ball helpers expect python-flint's precision to be set by the caller
(``with flint_prec(bits): ...``).  :class:`ExactIntegerOperator` holds a rational matrix as
``Z / D`` with integer ``Z`` for iterations that run in exact fixed point and bound their
roundings analytically (FIRENET's certified step).
"""

from __future__ import annotations

import math

import gmpy2
import numpy as np
from flint import arb, arb_mat, fmpz_mat

from algorithms.arithmetic.ball import arb_upper_mpq, mpq_to_arb, soft_threshold_balls
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import (
    MPQ,
    as_mpq,
    as_mpq_matrix,
    dyadic_round,
    mpq_sqrt_lower,
    mpq_sqrt_upper,
)

__all__ = [
    "bound_up",
    "pd_metric_bounds",
    "rad2",
    "rad_l1",
    "arb_vector",
    "arb_matrix",
    "soft_threshold_balls",
    "ceil_sqrt",
    "ExactIntegerOperator",
]

_BOOK_BITS = 64


def notify(callback: object, record: object, scope: object) -> bool:
    """Call ``callback(record)`` OUTSIDE the precision ``scope`` of a certified iteration (user
    code must see python-flint's own precision), then re-enter it; ``True`` means stop."""
    scope.__exit__()  # type: ignore[attr-defined]
    try:
        return bool(callback(record))  # type: ignore[operator]
    finally:
        scope.__enter__()  # type: ignore[attr-defined]


def bound_up(q: gmpy2.mpq) -> gmpy2.mpq:
    """Round a non-negative bound up to a 64-bit dyadic (keeps the bookkeeping cheap)."""
    return dyadic_round(q, _BOOK_BITS, "up") if q > 0 else gmpy2.mpq(0)


def pd_metric_bounds(tau: gmpy2.mpq, sigma: gmpy2.mpq, L: gmpy2.mpq
                     ) -> tuple[gmpy2.mpq, gmpy2.mpq, gmpy2.mpq]:
    """Upper bounds of ``(1/sqrt(tau), sqrt(lambda_max(M)), 1/sqrt(q))``, ``q = 1/tau - sigma L^2``.

    ``lambda_max(M) <= ((a + b) + sqrt((a - b)^2 + 4 L^2)) / 2`` with ``a = 1/tau``,
    ``b = 1/sigma`` (the 2x2 blocks of ``M`` on each singular pair of ``A``), and for every
    ``(dx, dv)``: ``|(dx, dv)|_M^2 >= dx^T (I/tau - sigma A^T A) dx >= q |dx|^2``.  Requires
    ``tau, sigma > 0``, ``L >= ||A||_2`` and ``tau sigma L^2 < 1`` (checked, exact rationals:
    otherwise ``M`` is not positive definite and no such bounds exist).
    """
    tau, sigma, L = as_mpq(tau, "tau"), as_mpq(sigma, "sigma"), as_mpq(L, "L")
    if tau <= 0 or sigma <= 0 or L < 0:
        raise InvalidArgument(
            f"tau={tau}, sigma={sigma}, L={L}: tau and sigma must be > 0 and L >= 0")
    if tau * sigma * L * L >= 1:
        raise InvalidArgument(
            f"tau={tau}, sigma={sigma}, L={L}: tau sigma L^2 = {tau * sigma * L * L} must be "
            f"< 1 (the primal-dual metric is not positive definite otherwise)")
    a, b = 1 / tau, 1 / sigma
    lmax = ((a + b) + mpq_sqrt_upper((a - b) ** 2 + 4 * L * L, 64)) / 2
    q = a - sigma * L * L
    return (bound_up(mpq_sqrt_upper(a, 64)), bound_up(mpq_sqrt_upper(lmax, 64)),
            bound_up(1 / mpq_sqrt_lower(q, 64)))


def rad2(b: arb_mat) -> gmpy2.mpq:
    """Upper bound of ``sqrt(sum_i rad(b_i)^2)``: the 2-norm from the midpoints to the box."""
    d = b - b.mid()
    return arb_upper_mpq((d.transpose() * d)[0, 0].upper().sqrt())


def rad_l1(b: arb_mat) -> gmpy2.mpq:
    """Upper bound of ``sum_i rad(b_i)`` (``>=`` the 2-norm of the radius vector)."""
    total = arb(0)
    for e in b.entries():
        total += e.rad()
    return arb_upper_mpq(total)


def arb_vector(q: np.ndarray) -> arb_mat:
    """A column of balls enclosing the rationals ``q``."""
    return arb_mat(len(q), 1, [mpq_to_arb(v) for v in q])


def arb_matrix(q: np.ndarray, factor: gmpy2.mpq | int = 1) -> arb_mat:
    """Balls enclosing the rational matrix ``factor * q`` (each product formed exactly first)."""
    m, n = q.shape
    return arb_mat(m, n, [mpq_to_arb(factor * v) for v in q.reshape(-1)])


def ceil_sqrt(n: int) -> int:
    """``ceil(sqrt(n))`` for an integer ``n >= 0`` (exact)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidType(f"n={n!r} must be an integer >= 0")
    if n < 0:
        raise InvalidArgument(f"n={n} must be an integer >= 0")
    r = math.isqrt(n)
    return r if r * r == n else r + 1


class ExactIntegerOperator:
    """A rational matrix held exactly as ``A = Z / D``: ``Z`` an integer ``fmpz_mat`` (and its
    transpose), ``D > 0`` the least common denominator of the entries.  ``A`` is a 2-D array
    (or list of rows) of exact rationals (:func:`~algorithms.rationals.as_mpq` spellings).

    For oracle data ``D`` is a power of two and the entries of ``Z`` are short (level-``n`` data
    have mantissas of about ``n + 6`` bits), so the exact products ``Z X`` and ``Z^T V`` of
    integer vectors cost far less than products at the working precision.  A certified
    iteration needs only these two products and a norm bound, the interface a matrix-free
    operator would also provide (exact integer results, or enclosures with an error bound).
    """

    __slots__ = ("Z", "ZT", "D", "shape", "bits", "_columns", "_rows", "_float")

    def __init__(self, A: np.ndarray):
        if not isinstance(A, np.ndarray) or A.ndim != 2:
            A = as_mpq_matrix(A, "A")
        elif not all(isinstance(v, MPQ) for v in A.flat):
            A = as_mpq_matrix(A, "A")                   # exact spellings; floats refused
        m, n = A.shape
        flat = A.reshape(-1)
        D = 1
        for d in {int(v.denominator) for v in flat}:
            D = math.lcm(D, d)
        ints = [int(v.numerator) * (D // int(v.denominator)) for v in flat]
        self.Z = fmpz_mat(m, n, ints)
        self.ZT = self.Z.transpose()
        self.D = D
        self.shape = (m, n)
        #: bit length of the largest ``|Z_ij|``
        self.bits = max((abs(v).bit_length() for v in ints), default=0)
        self._columns: list[fmpz_mat] | None = None
        self._rows: list[fmpz_mat] | None = None
        self._float: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def apply(self, x: list[int], support: list[int] | None = None) -> fmpz_mat:
        """``Z x`` (exact), a column: ``A (x 2^-F) = (Z x) / (D 2^F)``.

        ``support`` (optional) lists the indices where ``x`` may be nonzero.  When it is short
        (at most a quarter of the columns: a soft-thresholded iterate) the product is formed
        as ``sum_{j in support} x_j Z[:, j]``, which costs ``m |support|`` multiply-adds
        instead of a pass over all ``m n`` entries of ``Z``; the result is the same integers.
        """
        m, n = self.shape
        if support is not None and 4 * len(support) <= n:
            cols = self._columns
            if cols is None:
                rows = self.ZT.entries()
                cols = self._columns = [fmpz_mat(m, 1, rows[j * m:(j + 1) * m])
                                        for j in range(n)]
            acc = fmpz_mat(m, 1)
            for j in support:
                if x[j]:
                    acc += cols[j] * x[j]
            return acc
        return _product(self.Z, x)

    @property
    def screenable(self) -> bool:
        """Whether :meth:`adjoint_estimate` applies: a matrix of at least 16,384 entries (below,
        the exact product costs less than the float estimate's numpy calls) whose entries and
        their squared row norms stay far inside a double's range."""
        m, n = self.shape
        return m * n >= _SCREEN_MIN_ENTRIES and self.bits <= 400

    def adjoint_estimate(self, v: list) -> tuple[np.ndarray, np.ndarray, int]:
        """``(a, r, s)``: floats with ``|(Z^T v)_i 2^-s - a_i| <= r_i`` for every ``i``, rigorous
        whatever the summation order of the float product (one matrix-vector product in
        doubles).

        ``s = max(0, bits(max |v|) - 60)`` and ``w_j = floor(v_j 2^-s)`` rounded to the double
        ``f_j`` (``|v_j 2^-s - f_j| <= 1 + u |f_j| (1 + u)``, ``u = 2^-53``); ``Z`` is rounded to
        doubles ``Zf`` (``|Z - Zf| <= u |Zf|``), and a dot product of length ``m`` computed in
        any order is within ``g_m sum_j |Zf_ij f_j|`` of the exact one, ``g_m = m u / (1 - m u)``
        (Higham, Thm 3.1; an FMA only makes it smaller).  Together::

            |(Z^T v)_i 2^-s - fl(Zf^T f)_i| <= (g_m + 3u + 3u^2) sum_j |Zf_ij| |f_j|
                                              + (1 + u)^2 sum_j |Zf_ij|
                                           <= c_i |f|_2 + d_i

        with ``c_i >= 2 (g_m + 4u) |Zf_i|_2`` (Cauchy-Schwarz) and ``d_i >= 2 sum_j |Zf_ij|``,
        both precomputed rounded up (every float bound below is also inflated by
        ``1 + 2^-40``, far above the few ulps of its own computation)."""
        fl = self._float
        if fl is None:
            m, n = self.shape
            ZTf = np.array(self.ZT.entries(), dtype=np.float64).reshape(n, m)
            gam = (m + 4) * 2.0 ** -53 / (1 - (m + 4) * 2.0 ** -53)
            c = 2 * gam * np.sqrt(np.einsum("ij,ij->i", ZTf, ZTf)) * (1 + 2.0 ** -30)
            d = 2 * np.abs(ZTf).sum(axis=1) * (1 + 2.0 ** -30)
            fl = self._float = (ZTf, c, d)
        ZTf, c, d = fl
        top = max(max(v), -min(v)).bit_length()
        sh = max(0, top - 60)
        f = np.array([float(a >> sh) for a in v], dtype=np.float64)
        # numpy's own loops, not BLAS: a threaded dgemv costs milliseconds on a loaded machine
        a = np.einsum("ij,j->i", ZTf, f)
        nf = math.sqrt(float(np.einsum("i,i->", f, f))) * (1 + 2.0 ** -40)
        return a, (c * nf + d) * (1 + 2.0 ** -40), sh

    def adjoint_entries(self, v: fmpz_mat, rows: list[int]) -> list:
        """``(Z^T v)_i`` exactly for the ``i`` in ``rows`` (``v`` a column), a row product each."""
        rs = self._rows
        if rs is None:
            m, n = self.shape
            ents = self.ZT.entries()
            rs = self._rows = [fmpz_mat(1, m, ents[i * m:(i + 1) * m]) for i in range(n)]
        return [(rs[i] * v)[0, 0] for i in rows]

    def adjoint(self, v: list[int], scale: int = 1) -> fmpz_mat:
        """``scale Z^T v`` (exact), a column (the integer ``scale`` is folded into the product's
        last, cheapest factor)."""
        return _product(self.ZT, v, scale)


#: from this many matrix entries on, a certified step screens ``Z^T v`` (``screenable``)
_SCREEN_MIN_ENTRIES = 16384
#: limb width of the split products (signed limbs of at most 60 bits stay within flint's small
#: integers, and a 512 x 1024 product with 61-bit entries costs the same per column as with
#: 56-bit limbs: fewer limbs, one column fewer to build from Python at 300 to 360 bits)
_LIMB_BITS = 60
_LIMB_MASK = np.uint64((1 << _LIMB_BITS) - 1)
#: below this many matrix entries, or this density, a plain product is cheaper than a split one
_SPLIT_MIN_ENTRIES = 65536
_SPLIT_MIN_DENSITY = 0.3
#: above this many limbs (about 600 bits) the plain product is cheaper again (measured: 74 limbs
#: of 56 bits at 4096 bits cost 2.5x the plain product)
_SPLIT_MAX_LIMBS = 10
_POWERS: dict[int, fmpz_mat] = {}


def split_limbs(x: list) -> tuple[np.ndarray, int]:
    """``(L, k)``: the integers ``x`` (Python or flint) as signed 60-bit limbs, ``L`` an
    ``int64`` array of shape ``(len(x), k)`` with ``x_i = sum_j L_ij 2^(60 j)`` exactly
    (``|L_ij| < 2^60``, every limb of ``x_i`` carrying the sign of ``x_i``).

    Vectorised: one ``int.to_bytes`` per entry, then the 60-bit fields are cut out of the
    little-endian 64-bit words with numpy shifts (field ``j`` starts at bit ``60 j``: word
    ``60 j // 64``, offset ``60 j % 64``, straddling into the next word when the offset
    exceeds 4)."""
    ints = [int(a) for a in x]
    n = len(ints)
    top = max(max(ints), -min(ints)).bit_length() if ints else 0
    k = max(1, -(-top // _LIMB_BITS))
    nw = -(-(_LIMB_BITS * k) // 64) + 1
    buf = b"".join(abs(a).to_bytes(8 * nw, "little") for a in ints)
    words = np.frombuffer(buf, dtype="<u8").reshape(n, nw)
    limbs = np.empty((n, k), dtype=np.uint64)
    for j in range(k):
        w, o = divmod(_LIMB_BITS * j, 64)
        col = words[:, w] >> np.uint64(o)
        if o + _LIMB_BITS > 64:
            col |= words[:, w + 1] << np.uint64(64 - o)
        limbs[:, j] = col & _LIMB_MASK
    out = limbs.view(np.int64)
    neg = np.fromiter((a < 0 for a in ints), dtype=bool, count=n)
    out[neg] *= -1
    return out, k


def _powers(k: int) -> fmpz_mat:
    """The column ``[2^(60 j)]_{j < k}`` (cached)."""
    col = _POWERS.get(k)
    if col is None:
        col = _POWERS[k] = fmpz_mat(k, 1, [1 << (_LIMB_BITS * j) for j in range(k)])
    return col


def _product(M: fmpz_mat, x: list, scale: int = 1) -> fmpz_mat:
    """``scale M x`` exactly, for a long-integer column ``x`` (Python or flint integers).

    A dense ``x`` with entries longer than one limb is split into signed 60-bit limbs,
    ``x = sum_j X_j 2^(60 j)`` (:func:`split_limbs`), and ``M [X_0 ... X_{k-1}]`` is ONE
    matrix-matrix product of short integers (flint's fast small-entry kernels), recombined by
    ``(M X) [2^(60 j)]_j``.  Both are exact, so the result is the same integer vector as
    ``M * x``; only the cost differs (about 2x less at 512 x 1024 and 300 bits; only up to 10
    limbs, beyond which the plain product wins).  A sparse ``x`` (an iterate after
    soft-thresholding) is multiplied directly: the plain product skips its zeros.  ``scale``
    multiplies the short factor (the limb weights, or ``x``), not the long result.
    """
    n = len(x)
    if M.nrows() * n >= _SPLIT_MIN_ENTRIES:
        top = max(max(x), -min(x)).bit_length()
        nnz = n - x.count(0)
        k = -(-top // _LIMB_BITS)
        if 1 < k <= _SPLIT_MAX_LIMBS and nnz >= _SPLIT_MIN_DENSITY * n:
            limbs, k = split_limbs(x)
            weights = _powers(k) if scale == 1 else _powers(k) * scale
            return (M * fmpz_mat(n, k, limbs.ravel().tolist())) * weights
    col = fmpz_mat(n, 1, x)
    return M * (col if scale == 1 else col * scale)
