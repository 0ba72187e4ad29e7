"""Multiprecision floating point through a PRIVATE mpmath context.

Each ``MP(prec)`` owns its own ``mpmath.ctx_mp.MPContext`` with ``prec`` bits; the global
``mpmath.mp`` is never read or written.  Vectors are 1-D numpy object arrays of that context's
``mpf``; a matrix keeps its rows as lists for ``fdot``.  Rationals are rounded once, to
nearest, with ``mpmath.libmp.from_rational`` (``mpf(Fraction)`` is refused by mpmath and
``mp.matrix`` truncates, so neither is used).  Matrix-vector products are computed EXACTLY
(mantissas aligned to a common exponent, an integer product with python-flint's ``fmpz_mat``)
and each result entry is rounded once to nearest by mpmath's ``from_man_exp``; inner products
use ``fdot`` (also one rounding).  No error bound is known: ``radius(x) is None``.
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np
from flint import fmpz_mat
from mpmath import libmp
from mpmath.ctx_mp import MPContext

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_positive_int

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

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        m, n = q.shape
        data = np.empty((m, n), dtype=object)
        for i in range(m):
            for j in range(n):
                data[i, j] = self._from_mpq(q[i, j])
        return CtxMatrix(_IntRows(data), _IntRows(data.T), (m, n), self.key, q)

    def scalar(self, q: object) -> Scalar:
        if isinstance(q, self.mpctx.mpf):
            return q
        return self._from_mpq(q if isinstance(q, MPQ) else as_mpq(q, "q"))

    def zeros(self, n: int) -> Vec:
        out = np.empty(n, dtype=object)
        out.fill(self._zero)
        return out

    def _coerce(self, a: object) -> Scalar:
        return a if isinstance(a, self.mpctx.mpf) else self.scalar(a)

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        mpf = self.mpctx.mpf
        return (isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == object
                and all(isinstance(v, mpf) for v in x))

    def size(self, x: Vec) -> int:
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            raise InvalidType(f"x has type {type(x).__name__}; an MP vector is a 1-D array")
        return x.shape[0]

    def entries(self, x: Vec) -> list[Scalar]:
        return list(x)

    def item(self, x: Vec, i: int) -> Scalar:
        return x[i]

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        raw = getattr(a, "_mpf_", None)
        if raw is None:
            raw = self._coerce(a)._mpf_
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
        return self._product(A.data, x)

    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        self._check_matvec(A, v, True)
        return self._product(A.tdata, v)

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
        return self._coerce(a) * x

    def concat(self, parts: Sequence[Vec]) -> Vec:
        return np.concatenate([np.asarray(p, dtype=object) for p in parts]) if parts else (
            self.zeros(0))

    def dot(self, x: Vec, y: Vec) -> Scalar:
        self._check_same_size(x, y, "dot")
        return self.mpctx.fdot(list(x), list(y)) if len(x) else self._zero

    def norm2(self, x: Vec) -> Scalar:
        return self.mpctx.sqrt(self.dot(x, x))

    def norm1(self, x: Vec) -> Scalar:
        return self.mpctx.fsum(abs(v) for v in x)

    def sum(self, x: Vec) -> Scalar:
        return self.mpctx.fsum(x)

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        if isinstance(t, np.ndarray):
            if t.shape != x.shape:
                raise InvalidArgument(
                    f"t has shape {t.shape}; a scalar or shape {x.shape} is required")
        else:
            t = self._coerce(t)
        return np.maximum(x - t, self._zero) + np.minimum(x + t, self._zero)

    def relu(self, x: Vec) -> Vec:
        return np.maximum(x, self._zero)

    def square(self, x: Vec) -> Vec:
        return x * x

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._coerce(t)
        g = self._one / self.mpctx.sqrt(t if t > self._one else self._one)
        return x * g

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._coerce(r)
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if not r:
            return w.copy()
        nrm = self.norm2(w)
        return w * (self._one - r / (nrm if nrm > r else r))
