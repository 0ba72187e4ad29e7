"""Exact rational arithmetic (``gmpy2.mpq``).

Vectors are 1-D numpy object arrays of ``mpq``; matrices wrap 2-D object arrays.  Every
operation is exact; the ones whose result can be irrational (a 2-norm, the ball projection and
the gate when ``t > 1``) return the exact value when it happens to be rational and otherwise
raise :class:`~algorithms.errors.InexactOperation`, naming the operation and the value.
Denominators grow quickly in long iterations: use this context for single steps, closed-form
checks and short runs.

Complex vectors are object arrays of :class:`~algorithms.arithmetic.gaussian.GaussianRational`
(exact ``a + b i``, ``a, b`` rational); a complex matrix keeps its conjugate transpose for
``rmatvec``.  The modulus ``|z| = sqrt(a^2 + b^2)`` is rarely rational, so ``norm1``, ``norm2``
and the complex ``soft_threshold`` return exact results when the moduli they need are rational
(e.g. ``3 + 4i``) and otherwise raise :class:`~algorithms.errors.InexactOperation`, naming the
entry.  ``norm2_squared`` and ``abs2`` are always exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec, check_length
from algorithms.arithmetic.gaussian import GaussianRational, as_gaussian, is_complex_like
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_mpq_vector, exact_sqrt

__all__ = ["Exact"]

_ZERO = gmpy2.mpq(0)
_GR = GaussianRational


def _conj(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, dtype=object)
    for idx, v in np.ndenumerate(x):
        out[idx] = v.conjugate() if isinstance(v, _GR) else v
    return out


def _promote(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, dtype=object)
    for idx, v in np.ndenumerate(x):
        out[idx] = v if isinstance(v, _GR) else _GR(v, _ZERO)
    return out


class Exact(Context):
    """Exact rationals.  ``Exact().name == "exact"``, ``prec is None``, ``radius(x) == 0``."""

    kind = "exact"
    prec = None

    @property
    def rigorous(self) -> bool:
        return True

    # -------------------------------------------------------------- construction
    def _vector_from_mpq(self, q: np.ndarray) -> Vec:
        return q

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        q.setflags(write=False)
        t = np.ascontiguousarray(q.T)
        t.setflags(write=False)
        return CtxMatrix(q, t, q.shape, self.key, q)

    def _cvector_from_gauss(self, g: np.ndarray) -> Vec:
        return g

    def _cmatrix_from_gauss(self, g: np.ndarray) -> CtxMatrix:
        g.setflags(write=False)
        t = np.ascontiguousarray(_conj(g).T)
        t.setflags(write=False)
        return CtxMatrix(g, t, g.shape, self.key, g, is_complex=True)

    def scalar(self, q: object) -> gmpy2.mpq | GaussianRational:
        if isinstance(q, _GR) or is_complex_like(q):
            return as_gaussian(q, "q")
        return as_mpq(q, "q")

    def zeros(self, n: int) -> Vec:
        out = np.empty(check_length(n), dtype=object)
        out.fill(_ZERO)
        return out

    def _coerce(self, a: object, where: str) -> gmpy2.mpq:
        return a if isinstance(a, MPQ) else as_mpq(a, where)

    def _coerce_any(self, a: object, where: str) -> gmpy2.mpq | GaussianRational:
        if isinstance(a, (MPQ, _GR)):
            return a
        return as_gaussian(a, where) if is_complex_like(a) else as_mpq(a, where)

    def _t(self, t: object, n: int) -> object:
        """The thresholds: an ``mpq`` ``>= 0`` or a length-``n`` array of them (a numpy array
        of other rationals is converted exactly; floats are refused)."""
        if isinstance(t, np.ndarray):
            if t.shape != (n,):
                raise InvalidArgument(f"t has shape {t.shape}; a scalar or length {n} is required")
            if t.dtype != object or not all(isinstance(v, MPQ) for v in t):
                t = as_mpq_vector(t, "t")
            for i, v in enumerate(t):
                if v < 0:
                    raise InvalidArgument(f"t[{i}]={v} must be >= 0 (a threshold)")
            return t
        t = self._coerce(t, "t")
        if t < 0:
            raise InvalidArgument(f"t={t} must be >= 0 (a threshold)")
        return t

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return (isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == object
                and (all(isinstance(v, MPQ) for v in x) or all(isinstance(v, _GR) for v in x)))

    def is_complex(self, x: Vec) -> bool:
        return bool(self.size(x)) and isinstance(x[0], _GR)

    def real_part(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return x
        return np.array([v.re for v in x], dtype=object).reshape(x.shape)

    def imag_part(self, x: Vec) -> Vec:
        if not self.is_complex(x):
            return self.zeros(self.size(x))
        return np.array([v.im for v in x], dtype=object).reshape(x.shape)

    def conj(self, x: Vec) -> Vec:
        return _conj(x) if self.is_complex(x) else x

    def to_complex(self, x: Vec) -> Vec:
        return x if self.is_complex(x) else _promote(x)

    def abs2(self, x: Vec) -> Vec:
        if self.is_complex(x):
            return np.array([v.abs2() for v in x], dtype=object).reshape(x.shape)
        return x * x

    def take(self, x: Vec, idx: np.ndarray) -> Vec:
        return x[self._index(idx, self.size(x), "take")]

    def embed(self, v: Vec, idx: np.ndarray, n: int) -> Vec:
        idx = self._index(idx, n, "embed")
        if idx.shape[0] != self.size(v):
            raise InvalidArgument(f"embed: v has length {self.size(v)} but idx has {len(idx)}")
        out = self.zeros(n) if not self.is_complex(v) else _promote(self.zeros(n))
        out[idx] = v
        return out

    def size(self, x: Vec) -> int:
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            raise InvalidType(f"x has type {type(x).__name__}; an Exact vector is a 1-D array")
        return x.shape[0]

    def entries(self, x: Vec) -> list[Scalar]:
        return list(x)

    def item(self, x: Vec, i: int) -> Scalar:
        return x[i]

    def to_rationals(self, x: Vec) -> np.ndarray:
        return np.array(x, dtype=object)

    def radius(self, x: Vec) -> gmpy2.mpq:
        return gmpy2.mpq(0)

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq | GaussianRational:
        return self._coerce_any(a, "a")

    # -------------------------------------------------------------- linear algebra
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        self._check_matvec(A, x, False)
        return A.data.dot(x) if A.shape[1] else self.zeros(A.shape[0])

    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        self._check_matvec(A, v, True)
        return A.tdata.dot(v) if A.shape[0] else self.zeros(A.shape[1])

    def add(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "add")
        return x + y

    def sub(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "sub")
        return x - y

    def scale(self, a: object, x: Vec) -> Vec:
        return self._coerce_any(a, "a") * x

    def concat(self, parts: Sequence[Vec]) -> Vec:
        if any(self.is_complex(p) for p in parts):
            parts = [self.to_complex(p) for p in parts]
        return np.concatenate([np.asarray(p, dtype=object) for p in parts]) if parts else (
            self.zeros(0))

    def dot(self, x: Vec, y: Vec) -> gmpy2.mpq | GaussianRational:
        self._check_same_size(x, y, "dot")
        if self.is_complex(x) or self.is_complex(y):
            if not x.shape[0]:
                return gmpy2.mpq(0)
            r = _conj(x).dot(y)
            return r if isinstance(r, _GR) else _GR(r, _ZERO)
        return gmpy2.mpq(x.dot(y)) if x.shape[0] else gmpy2.mpq(0)

    def norm2_squared(self, x: Vec) -> gmpy2.mpq:
        if self.is_complex(x):
            return gmpy2.mpq(sum((v.abs2() for v in x), _ZERO))
        return self.dot(x, x)

    def norm2(self, x: Vec) -> gmpy2.mpq:
        sq = self.norm2_squared(x)
        r = exact_sqrt(sq)
        if r is None:
            raise InexactOperation(
                f"norm2: ||x||_2 = sqrt({sq}) is irrational; Exact() cannot return it. Use "
                f"norm2_squared, or a Ball/MP context")
        return r

    def norm1(self, x: Vec) -> gmpy2.mpq:
        if self.is_complex(x):
            return gmpy2.mpq(sum((self._modulus(v, i, "norm1") for i, v in enumerate(x)),
                                 _ZERO))
        return gmpy2.mpq(sum((abs(v) for v in x), _ZERO))

    def sum(self, x: Vec) -> gmpy2.mpq | GaussianRational:
        if self.is_complex(x):
            return sum(x, _GR(0, 0))
        return gmpy2.mpq(sum(x, _ZERO))

    @staticmethod
    def _modulus(z: GaussianRational, i: int, what: str) -> gmpy2.mpq:
        r = exact_sqrt(z.abs2())
        if r is None:
            raise InexactOperation(
                f"{what}: |x[{i}]| = sqrt({z.abs2()}) is irrational (x[{i}] = {z}); Exact() "
                f"cannot return it. Use a Ball/MP context")
        return r

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        t = self._t(t, self.size(x))
        if self.is_complex(x):
            return self._complex_soft(x, t)
        return np.maximum(x - t, _ZERO) + np.minimum(x + t, _ZERO)

    def _complex_soft(self, x: Vec, t: object) -> Vec:
        """``z max(0, 1 - t/|z|)``: 0 when ``|z|^2 <= t^2`` (decided exactly), else it needs
        ``|z|``, which must be rational."""
        n = self.size(x)
        ts = t if isinstance(t, np.ndarray) else [t] * n
        out = np.empty(n, dtype=object)
        for i, (z, ti) in enumerate(zip(x, ts, strict=True)):
            ti = self._coerce(ti, f"t[{i}]")
            if ti < 0:
                raise InvalidArgument(f"t[{i}]={ti} must be >= 0")
            if ti == 0:
                out[i] = z
            elif z.abs2() <= ti * ti:
                out[i] = _GR(0, 0)
            else:
                out[i] = z * (1 - ti / self._modulus(z, i, "soft_threshold"))
        return out

    def relu(self, x: Vec) -> Vec:
        self._refuse_complex(x, "relu")
        return np.maximum(x, _ZERO)

    def square(self, x: Vec) -> Vec:
        self._refuse_complex(x, "square")
        return x * x

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._coerce(t, "t")
        if t <= 1:
            return x.copy()
        r = exact_sqrt(t)
        if r is None:
            raise InexactOperation(
                f"gate: t={t} > 1 needs 1/sqrt(t), which is irrational; Exact() cannot return "
                f"it. Use a Ball/MP context")
        return x / r

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._coerce(r, "r")
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if r == 0:
            return w.copy()
        sq = self.norm2_squared(w)
        if sq <= r * r:
            zero = self.zeros(self.size(w))
            return _promote(zero) if self.is_complex(w) else zero
        nrm = exact_sqrt(sq)
        if nrm is None:
            raise InexactOperation(
                f"shrink: ||w||_2 = sqrt({sq}) is irrational; Exact() cannot return it. Use a "
                f"Ball/MP context")
        return w * (1 - r / nrm)
