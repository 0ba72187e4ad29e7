"""IEEE double precision through numpy.

Vectors are 1-D ``float64`` arrays, matrices wrap C-contiguous 2-D arrays (and their
transposes).  Rationals are rounded to the nearest double (Python's ``int / int`` true division
is correctly rounded); floats are accepted as they are.  No error bound is known:
``radius(x) is None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq

__all__ = ["Float64", "mpq_to_float"]


def mpq_to_float(q: gmpy2.mpq) -> float:
    """The double nearest to the rational ``q`` (ties to even)."""
    return int(q.numerator) / int(q.denominator)


class Float64(Context):
    """numpy ``float64``.  ``name == "float64"``, ``prec == 53``, ``radius(x) is None``."""

    kind = "float64"
    prec = 53

    # -------------------------------------------------------------- construction
    def vector(self, values: object) -> Vec:
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
            if values.ndim != 1:
                raise InvalidArgument(f"values has shape {values.shape}; a 1-D vector is required")
            return np.array(values, dtype=np.float64)
        arr = np.asarray(values, dtype=object)
        if arr.ndim != 1:
            raise InvalidArgument(f"values has shape {arr.shape}; a 1-D vector is required")
        return np.array([self.scalar(v) for v in arr], dtype=np.float64)

    def matrix(self, rows: object) -> CtxMatrix:
        if isinstance(rows, np.ndarray) and rows.dtype.kind in "fiu":
            if rows.ndim != 2:
                raise InvalidArgument(f"rows has shape {rows.shape}; a 2-D matrix is required")
            data = np.ascontiguousarray(rows, dtype=np.float64)
            return self._wrap(data, None)
        return super().matrix(rows)

    def _wrap(self, data: np.ndarray, rationals: np.ndarray | None) -> CtxMatrix:
        data.setflags(write=False)
        t = np.ascontiguousarray(data.T)
        t.setflags(write=False)
        return CtxMatrix(data, t, data.shape, self.key, rationals)

    def _vector_from_mpq(self, q: np.ndarray) -> Vec:
        return np.array([mpq_to_float(v) for v in q], dtype=np.float64)

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        data = np.array([[mpq_to_float(v) for v in row] for row in q], dtype=np.float64)
        return self._wrap(data.reshape(q.shape), q)

    def scalar(self, q: object) -> float:
        if isinstance(q, float):
            return q
        if isinstance(q, np.floating):
            return float(q)
        if isinstance(q, MPQ):
            return mpq_to_float(q)
        if isinstance(q, (Fraction, int, np.integer)) and not isinstance(q, bool):
            return mpq_to_float(as_mpq(q, "q"))
        return mpq_to_float(as_mpq(q, "q"))

    def zeros(self, n: int) -> Vec:
        return np.zeros(n, dtype=np.float64)

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == np.float64

    def size(self, x: Vec) -> int:
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            raise InvalidType(f"x has type {type(x).__name__}; a Float64 vector is a 1-D array")
        return x.shape[0]

    def entries(self, x: Vec) -> list[Scalar]:
        return [float(v) for v in x]

    def item(self, x: Vec, i: int) -> Scalar:
        return float(x[i])

    def to_rationals(self, x: Vec) -> np.ndarray:
        out = np.empty(x.shape[0], dtype=object)
        for i, v in enumerate(x.tolist()):
            out[i] = gmpy2.mpq(v)
        return out

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        return gmpy2.mpq(float(a))

    # -------------------------------------------------------------- linear algebra
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        self._check_matvec(A, x, False)
        return A.data.dot(x)

    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        self._check_matvec(A, v, True)
        return A.tdata.dot(v)

    def add(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "add")
        return x + y

    def sub(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "sub")
        return x - y

    def scale(self, a: object, x: Vec) -> Vec:
        return (a if isinstance(a, float) else self.scalar(a)) * x

    def axpy(self, a: object, x: Vec, y: Vec) -> Vec:
        return (a if isinstance(a, float) else self.scalar(a)) * x + y

    def concat(self, parts: Sequence[Vec]) -> Vec:
        return np.concatenate(parts) if parts else self.zeros(0)

    def dot(self, x: Vec, y: Vec) -> float:
        self._check_same_size(x, y, "dot")
        return float(x.dot(y))

    def norm2(self, x: Vec) -> float:
        return math.sqrt(float(x.dot(x)))

    def norm1(self, x: Vec) -> float:
        return float(np.abs(x).sum())

    def sum(self, x: Vec) -> float:
        return float(x.sum())

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        if not isinstance(t, (float, np.ndarray)):
            t = self.scalar(t)
        return np.maximum(x - t, 0.0) + np.minimum(x + t, 0.0)

    def relu(self, x: Vec) -> Vec:
        return np.maximum(x, 0.0)

    def square(self, x: Vec) -> Vec:
        return x * x

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = t if isinstance(t, float) else self.scalar(t)
        return x * (1.0 / math.sqrt(max(t, 1.0)))

    def shrink(self, w: Vec, r: object) -> Vec:
        r = r if isinstance(r, float) else self.scalar(r)
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if r == 0:
            return w.copy()
        return w * (1.0 - r / max(math.sqrt(float(w.dot(w))), r))
