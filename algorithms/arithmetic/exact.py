"""Exact rational arithmetic (``gmpy2.mpq``).

Vectors are 1-D numpy object arrays of ``mpq``; matrices wrap 2-D object arrays.  Every
operation is exact; the ones whose result can be irrational (a 2-norm, the ball projection and
the gate when ``t > 1``) return the exact value when it happens to be rational and otherwise
raise :class:`~algorithms.errors.InexactOperation`, naming the operation and the value.
Denominators grow quickly in long iterations: use this context for single steps, closed-form
checks and short runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, exact_sqrt

__all__ = ["Exact"]

_ZERO = gmpy2.mpq(0)


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

    def scalar(self, q: object) -> gmpy2.mpq:
        return as_mpq(q, "q")

    def zeros(self, n: int) -> Vec:
        out = np.empty(n, dtype=object)
        out.fill(_ZERO)
        return out

    def _coerce(self, a: object, where: str) -> gmpy2.mpq:
        return a if isinstance(a, MPQ) else as_mpq(a, where)

    def _t(self, t: object, n: int) -> object:
        if isinstance(t, np.ndarray):
            if t.shape != (n,):
                raise InvalidArgument(f"t has shape {t.shape}; a scalar or length {n} is required")
            return t
        return self._coerce(t, "t")

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return (isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == object
                and all(isinstance(v, MPQ) for v in x))

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

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        return self._coerce(a, "a")

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
        return self._coerce(a, "a") * x

    def concat(self, parts: Sequence[Vec]) -> Vec:
        return np.concatenate([np.asarray(p, dtype=object) for p in parts]) if parts else (
            self.zeros(0))

    def dot(self, x: Vec, y: Vec) -> gmpy2.mpq:
        self._check_same_size(x, y, "dot")
        return gmpy2.mpq(x.dot(y)) if x.shape[0] else gmpy2.mpq(0)

    def norm2(self, x: Vec) -> gmpy2.mpq:
        sq = self.dot(x, x)
        r = exact_sqrt(sq)
        if r is None:
            raise InexactOperation(
                f"norm2: ||x||_2 = sqrt({sq}) is irrational; Exact() cannot return it. Use "
                f"norm2_squared, or a Ball/MP context")
        return r

    def norm1(self, x: Vec) -> gmpy2.mpq:
        return gmpy2.mpq(sum((abs(v) for v in x), _ZERO))

    def sum(self, x: Vec) -> gmpy2.mpq:
        return gmpy2.mpq(sum(x, _ZERO))

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        t = self._t(t, self.size(x))
        return np.maximum(x - t, _ZERO) + np.minimum(x + t, _ZERO)

    def relu(self, x: Vec) -> Vec:
        return np.maximum(x, _ZERO)

    def square(self, x: Vec) -> Vec:
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
        sq = self.dot(w, w)
        if sq <= r * r:
            return self.zeros(self.size(w))
        nrm = exact_sqrt(sq)
        if nrm is None:
            raise InexactOperation(
                f"shrink: ||w||_2 = sqrt({sq}) is irrational; Exact() cannot return it. Use a "
                f"Ball/MP context")
        return w * (1 - r / nrm)
