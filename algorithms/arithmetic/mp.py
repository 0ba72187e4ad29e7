"""Multiprecision floating point through a PRIVATE mpmath context.

Each ``MP(prec)`` owns its own ``mpmath.ctx_mp.MPContext`` with ``prec`` bits; the global
``mpmath.mp`` is never read or written.  Vectors are 1-D numpy object arrays of that context's
``mpf``; a matrix keeps its rows as lists for ``fdot``.  Rationals are rounded once, to
nearest, with ``mpmath.libmp.from_rational`` (``mpf(Fraction)`` is refused by mpmath and
``mp.matrix`` truncates, so neither is used).  Matrix-vector products are computed EXACTLY
(mantissas aligned to a common exponent, an integer product with python-flint's ``fmpz_mat``)
and each result entry is rounded once to nearest by mpmath's ``from_man_exp``; ``dot``,
``norm2_squared``, ``abs2`` and ``sum`` are also exact integer sums rounded once (mpmath's
``fdot``/``fsum`` are not used for them: they drop a term more than ``2 prec`` bits below the
running sum, so ``fdot([2^200, 1, -2^200], [1, 1, 1])`` is 0 at 53 bits).  ``add``, ``sub``,
``scale`` round each entry once.  No error bound is carried: ``radius(x) is None``.

Complex vectors are object arrays of the private context's ``mpc``.  A complex matrix
``A = Ar + i Ai`` is stored as the real block matrix ``[[Ar, -Ai], [Ai, Ar]]`` (and ``A^H`` as
``[[Ar^T, Ai^T], [-Ai^T, Ar^T]]``) acting on ``(Re x, Im x)``, so each real and imaginary part of
``A x`` is still one exact integer sum rounded once.  ``dot(x, y) = fdot(y, x, conjugate=True)``
and ``norm2_squared`` is one exact sum over the real and imaginary parts (one rounding each).
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np
from flint import fmpz_mat
from mpmath import libmp
from mpmath.ctx_mp import MPContext

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec, check_length
from algorithms.arithmetic.gaussian import GaussianRational, as_gaussian, is_complex_like, split
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_mpq_vector, as_positive_int

__all__ = ["MP"]


_CONTEXTS: dict[int, MPContext] = {}


class _IntRows:
    """A matrix of mpf as an exact integer matrix with one binary exponent per row:
    ``M[i, j] = ints[i, j] * 2^exps[i]`` (python-flint ``fmpz_mat``, for fast exact products)."""

    __slots__ = ("ints", "exps", "rows")

    def __init__(self, data: np.ndarray):
        m, n = data.shape
        self.rows = m
        entries: list[int] = []
        self.exps: list[int] = []
        for i in range(m):
            parts = [_signed(v) for v in data[i]]
            nz = [e for man, e in parts if man]
            e0 = min(nz) if nz else 0
            self.exps.append(e0)
            entries.extend((man << (e - e0)) if man else 0 for man, e in parts)
        self.ints = fmpz_mat(m, n, entries)


def _signed(v: object) -> tuple[int, int]:
    sign, man, exp, _ = v._mpf_  # type: ignore[attr-defined]
    if not man and exp:
        raise InvalidArgument(f"{v} is not finite")
    return (-int(man) if sign else int(man)), int(exp)


def _aligned(x: Vec) -> tuple[list[int], int] | None:
    """``x = ints * 2^e`` exactly with integers (``None`` when ``x`` is zero)."""
    parts = [_signed(v) for v in x]
    nz = [e for man, e in parts if man]
    if not nz:
        return None
    e0 = min(nz)
    return [(man << (e - e0)) if man else 0 for man, e in parts], e0


def _exact_sum(terms: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """``sum_k m_k 2^(e_k)`` exactly, as ``(M, e)`` with ``M 2^e`` the sum (integers)."""
    nz = [(m, e) for m, e in terms if m]
    if not nz:
        return 0, 0
    e0 = min(e for _, e in nz)
    return sum(m << (e - e0) for m, e in nz), e0


def _private_context(prec: int) -> MPContext:
    """One private mpmath context per precision (shared by equal ``MP(prec)`` objects, so their
    numbers have the same type); never ``mpmath.mp``."""
    ctx = _CONTEXTS.get(prec)
    if ctx is None:
        ctx = MPContext()
        ctx.prec = prec
        _CONTEXTS[prec] = ctx
    return ctx


class MP(Context):
    """mpmath floating point at ``prec`` bits in a private context.  ``name == "mp-<prec>"``."""

    kind = "mp"

    def __init__(self, prec: int):
        self.prec = as_positive_int(prec, "prec", 2)
        self.mpctx = _private_context(self.prec)
        self._mpf = self.mpctx.mpf
        self._zero = self.mpctx.make_mpf(libmp.fzero)
        self._one = self.mpctx.make_mpf(libmp.fone)

    # -------------------------------------------------------------- construction
    def _from_mpq(self, q: gmpy2.mpq) -> Scalar:
        raw = libmp.from_rational(int(q.numerator), int(q.denominator), self.prec,
                                  libmp.round_nearest)
        return self.mpctx.make_mpf(raw)

    def _vector_from_mpq(self, q: np.ndarray) -> Vec:
        out = np.empty(q.shape[0], dtype=object)
        for i, v in enumerate(q):
            out[i] = self._from_mpq(v)
        return out

    def _from_gauss(self, g: GaussianRational) -> Scalar:
        rnd, prec = libmp.round_nearest, self.prec
        return self.mpctx.make_mpc((
            libmp.from_rational(int(g.re.numerator), int(g.re.denominator), prec, rnd),
            libmp.from_rational(int(g.im.numerator), int(g.im.denominator), prec, rnd)))

    def _cvector_from_gauss(self, g: np.ndarray) -> Vec:
        out = np.empty(g.shape[0], dtype=object)
        for i, v in enumerate(g):
            out[i] = self._from_gauss(v)
        return out

    def _cmatrix_from_gauss(self, g: np.ndarray) -> CtxMatrix:
        m, n = g.shape
        re, im = split(g)
        fr = np.empty((m, n), dtype=object)
        fi = np.empty((m, n), dtype=object)
        for i in range(m):
            for j in range(n):
                fr[i, j] = self._from_mpq(re[i, j])
                fi[i, j] = self._from_mpq(im[i, j])
        block = np.block([[fr, -fi], [fi, fr]])
        tblock = np.block([[fr.T, fi.T], [-fi.T, fr.T]])
        return CtxMatrix(_IntRows(block), _IntRows(tblock), (m, n), self.key, g,
                         is_complex=True)

    def _combine(self, re: np.ndarray, im: np.ndarray) -> Vec:
        out = np.empty(re.shape[0], dtype=object)
        make = self.mpctx.make_mpc
        for i, (a, b) in enumerate(zip(re, im, strict=True)):
            out[i] = make((a._mpf_, b._mpf_))
        return out

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        m, n = q.shape
        data = np.empty((m, n), dtype=object)
        for i in range(m):
            for j in range(n):
                data[i, j] = self._from_mpq(q[i, j])
        return CtxMatrix(_IntRows(data), _IntRows(data.T), (m, n), self.key, q)

    def scalar(self, q: object) -> Scalar:
        return self._scalar(q, "q")

    def _scalar(self, q: object, where: str) -> Scalar:
        if isinstance(q, (self.mpctx.mpf, self.mpctx.mpc)):
            return q
        if isinstance(q, GaussianRational) or is_complex_like(q):
            return self._from_gauss(as_gaussian(q, where))
        return self._from_mpq(q if isinstance(q, MPQ) else as_mpq(q, where))

    def zeros(self, n: int) -> Vec:
        out = np.empty(check_length(n), dtype=object)
        out.fill(self._zero)
        return out

    def _coerce(self, a: object, where: str = "a") -> Scalar:
        return a if isinstance(a, (self.mpctx.mpf, self.mpctx.mpc)) else self._scalar(a, where)

    def _coerce_real(self, a: object, where: str) -> Scalar:
        a = self._coerce(a, where)
        if isinstance(a, self.mpctx.mpc):
            raise InvalidArgument(f"{where}={a} is complex; a real scalar is required")
        return a

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        mpf, mpc = self.mpctx.mpf, self.mpctx.mpc
        return (isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == object
                and (all(isinstance(v, mpf) for v in x) or all(isinstance(v, mpc) for v in x)))

    # -------------------------------------------------------------- complex structure
    def is_complex(self, x: Vec) -> bool:
        return bool(self.size(x)) and isinstance(x[0], self.mpctx.mpc)

    def real_part(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return x
        out = np.empty(x.shape[0], dtype=object)
        for i, v in enumerate(x):
            out[i] = v.real
        return out

    def imag_part(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return self.zeros(self.size(x))
        out = np.empty(x.shape[0], dtype=object)
        for i, v in enumerate(x):
            out[i] = v.imag
        return out

    def conj(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return x
        out = np.empty(x.shape[0], dtype=object)
        for i, v in enumerate(x):
            out[i] = v.conjugate()
        return out

    def to_complex(self, x: Vec) -> Vec:
        return x if self.is_complex(x) else self._combine(x, self.zeros(self.size(x)))

    def abs2(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return x * x
        out = np.empty(x.shape[0], dtype=object)
        for i, v in enumerate(x):
            out[i] = self._rounded(self._products([v.real, v.imag], [v.real, v.imag]))
        return out

    def take(self, x: Vec, idx: np.ndarray) -> Vec:
        return x[self._index(idx, self.size(x), "take")]

    def embed(self, v: Vec, idx: np.ndarray, n: int) -> Vec:
        idx = self._index(idx, n, "embed")
        if idx.shape[0] != self.size(v):
            raise InvalidArgument(f"embed: v has length {self.size(v)} but idx has {len(idx)}")
        out = self.zeros(n)
        if self.is_complex(v):
            out = self.to_complex(out)
        out[idx] = v
        return out

    def size(self, x: Vec) -> int:
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            raise InvalidType(f"x has type {type(x).__name__}; an MP vector is a 1-D array")
        return x.shape[0]

    def entries(self, x: Vec) -> list[Scalar]:
        return list(x)

    def item(self, x: Vec, i: int) -> Scalar:
        return x[i]

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq | GaussianRational:
        raw = getattr(a, "_mpf_", None)
        if raw is None:
            a = self._coerce(a)
            if isinstance(a, self.mpctx.mpc):
                return GaussianRational(self.scalar_to_rational(a.real),
                                        self.scalar_to_rational(a.imag))
            raw = a._mpf_
        sign, man, exp, _ = raw
        if not man:
            if exp:  # inf / nan
                raise InvalidArgument(f"a={a} is not finite")
            return gmpy2.mpq(0)
        v = gmpy2.mpq(int(man)) * (gmpy2.mpq(2) ** int(exp))
        return -v if sign else v

    def to_rationals(self, x: Vec) -> np.ndarray:
        out = np.empty(len(x), dtype=object)
        for i, v in enumerate(x):
            out[i] = self.scalar_to_rational(v)
        return out

    # -------------------------------------------------------------- linear algebra
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        self._check_matvec(A, x, False)
        if A.is_complex or self.is_complex(x):
            return self._cproduct(A.data, A.is_complex, x)
        return self._product(A.data, x)

    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        self._check_matvec(A, v, True)
        if A.is_complex or self.is_complex(v):
            return self._cproduct(A.tdata, A.is_complex, v)
        return self._product(A.tdata, v)

    def _cproduct(self, M: _IntRows, block: bool, x: Vec) -> Vec:
        """``M x`` with complex data: ``M`` is the real block form of a complex matrix
        (``block``) or a real matrix applied to ``Re x`` and ``Im x`` separately."""
        xr, xi = self.real_part(x), self.imag_part(x)
        if block:
            out = self._product(M, np.concatenate([xr, xi]))
            m = M.rows // 2
            return self._combine(out[:m], out[m:])
        return self._combine(self._product(M, xr), self._product(M, xi))

    def _product(self, M: _IntRows, x: Vec) -> Vec:
        """Each entry of ``M x`` computed exactly in integers, then rounded once to nearest."""
        out = np.empty(M.rows, dtype=object)
        xi = _aligned(x)
        if xi is None:
            out.fill(self._zero)
            return out
        ints, ex = xi
        prod = (M.ints * fmpz_mat(len(ints), 1, ints)).entries()
        make, prec, rnd = self.mpctx.make_mpf, self.prec, libmp.round_nearest
        for i, (val, e) in enumerate(zip(prod, M.exps, strict=True)):
            out[i] = make(libmp.from_man_exp(int(val), e + ex, prec, rnd))
        return out

    def add(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "add")
        return x + y

    def sub(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "sub")
        return x - y

    def scale(self, a: object, x: Vec) -> Vec:
        return x * self._coerce(a)  # ndarray first: mpf * ndarray builds the repr first

    def concat(self, parts: Sequence[Vec]) -> Vec:
        if any(self.is_complex(p) for p in parts):
            parts = [self.to_complex(p) for p in parts]
        return np.concatenate([np.asarray(p, dtype=object) for p in parts]) if parts else (
            self.zeros(0))

    def _rounded(self, terms: Sequence[tuple[int, int]]) -> Scalar:
        """The exact sum of ``m 2^e`` over ``terms``, rounded once to nearest."""
        man, e = _exact_sum(terms)
        return self.mpctx.make_mpf(libmp.from_man_exp(man, e, self.prec, libmp.round_nearest))

    @staticmethod
    def _products(x: Vec, y: Vec, sign: int = 1) -> list[tuple[int, int]]:
        """The exact nonzero products ``sign x_i y_i`` as ``(mantissa, exponent)`` pairs."""
        out = []
        for a, b in zip(x, y, strict=True):
            sa, ma, ea, _ = a._mpf_
            sb, mb, eb, _ = b._mpf_
            if ma and mb:
                m = ma * mb
                out.append((-m if (sa ^ sb) != (sign < 0) else m, ea + eb))
            elif (not ma and ea) or (not mb and eb):
                raise InvalidArgument(f"{a if not ma and ea else b} is not finite")
        return out

    def dot(self, x: Vec, y: Vec) -> Scalar:
        """``sum_i conj(x_i) y_i``: exact products and sums, rounded once (each part)."""
        self._check_same_size(x, y, "dot")
        if self.is_complex(x) or self.is_complex(y):
            xr, xi = self.real_part(x), self.imag_part(x)
            yr, yi = self.real_part(y), self.imag_part(y)
            re = self._rounded(self._products(xr, yr) + self._products(xi, yi))
            im = self._rounded(self._products(xr, yi) + self._products(xi, yr, -1))
            return self.mpctx.make_mpc((re._mpf_, im._mpf_))
        return self._rounded(self._products(x, y))

    def norm2_squared(self, x: Vec) -> Scalar:
        if self.is_complex(x):
            xr, xi = self.real_part(x), self.imag_part(x)
            return self._rounded(self._products(xr, xr) + self._products(xi, xi))
        return self.dot(x, x)

    def norm2(self, x: Vec) -> Scalar:
        return self.mpctx.sqrt(self.norm2_squared(x))

    def norm1(self, x: Vec) -> Scalar:
        return self.mpctx.fsum(abs(v) for v in x)

    def sum(self, x: Vec) -> Scalar:
        """``sum_i x_i``, exact then rounded once (each part)."""
        if self.is_complex(x):
            re = self._rounded([_signed(v) for v in self.real_part(x)])
            im = self._rounded([_signed(v) for v in self.imag_part(x)])
            return self.mpctx.make_mpc((re._mpf_, im._mpf_))
        return self._rounded([_signed(v) for v in x])

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        n = self.size(x)
        if isinstance(t, np.ndarray):
            if t.shape != (n,):
                raise InvalidArgument(
                    f"t has shape {t.shape}; a scalar or shape {x.shape} is required")
            mpf = self.mpctx.mpf
            if t.dtype != object or not all(isinstance(v, mpf) for v in t):
                t = self._vector_from_mpq(as_mpq_vector(t, "t"))
            for i, v in enumerate(t):
                if v < 0:
                    raise InvalidArgument(f"t[{i}]={v} must be >= 0 (a threshold)")
        else:
            t = self._coerce_real(t, "t")
            if t < 0:
                raise InvalidArgument(f"t={t} must be >= 0 (a threshold)")
        if self.is_complex(x):
            return self._complex_soft(x, t)
        return np.maximum(x - t, self._zero) + np.minimum(x + t, self._zero)

    def _complex_soft(self, x: Vec, t: object) -> Vec:
        """``z max(0, 1 - t/|z|)`` entrywise (``|z|`` by mpmath's ``hypot``)."""
        n = x.shape[0]
        ts = t if isinstance(t, np.ndarray) else [t] * n
        out = np.empty(n, dtype=object)
        one, zero, hypot = self._one, self._zero, self.mpctx.hypot
        for i, (z, ti) in enumerate(zip(x, ts, strict=True)):
            if not ti:
                out[i] = z
                continue
            a = hypot(z.real, z.imag)
            out[i] = z * (one - ti / a) if a > ti else z * zero
        return out

    def relu(self, x: Vec) -> Vec:
        self._refuse_complex(x, "relu")
        return np.maximum(x, self._zero)

    def square(self, x: Vec) -> Vec:
        self._refuse_complex(x, "square")
        return x * x

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._coerce_real(t, "t")
        g = self._one / self.mpctx.sqrt(t if t > self._one else self._one)
        return x * g

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._coerce_real(r, "r")
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if not r:
            return w.copy()
        nrm = self.norm2(w)
        return w * (self._one - r / (nrm if nrm > r else r))
