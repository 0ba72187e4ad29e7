"""IEEE double precision through numpy.

Vectors are 1-D ``float64`` arrays, matrices wrap C-contiguous 2-D arrays (and their
transposes).  Rationals are rounded to the nearest double (Python's ``int / int`` true division
is correctly rounded; a rational that would round to infinity is refused with
:class:`~algorithms.errors.InvalidArgument`); floats are accepted as they are, in vectors and
matrices alike.  No error bound is known: ``radius(x) is None``.

Complex vectors are ``complex128`` arrays (a Gaussian rational is rounded part by part; Python
and numpy complex numbers are accepted as they are, like floats); a complex matrix keeps its
conjugate transpose.  ``dot`` is ``numpy.vdot`` (conjugates its first argument).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from fractions import Fraction

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec, check_length
from algorithms.arithmetic.gaussian import GaussianRational, as_gaussian, is_complex_like
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq

__all__ = ["Float64", "mpq_to_float"]


def mpq_to_float(q: gmpy2.mpq, where: str = "q") -> float:
    """The double nearest to the rational ``q`` (ties to even).

    A rational that rounds beyond the largest double (``|q| >= 2^1024 (1 - 2^-54)``) raises
    :class:`~algorithms.errors.InvalidArgument` naming ``where``: there is no finite double
    to round it to."""
    try:
        return int(q.numerator) / int(q.denominator)
    except OverflowError:
        digits = len(str(abs(int(q.numerator)) // int(q.denominator)))
        raise InvalidArgument(
            f"{where}={'-' if q < 0 else ''}(a {digits}-digit number) is beyond the range of a "
            f"double (|{where}| >= 2^1024 rounds to infinity); Float64 cannot represent it, use "
            f"MP(prec) or Ball(prec)") from None


class Float64(Context):
    """numpy ``float64``.  ``name == "float64"``, ``prec == 53``, ``radius(x) is None``."""

    kind = "float64"
    prec = 53

    # -------------------------------------------------------------- construction
    def vector(self, values: object, complex: bool | None = None) -> Vec:
        if isinstance(values, np.ndarray) and values.dtype.kind in "fiuc":
            if values.ndim != 1:
                raise InvalidArgument(f"values has shape {values.shape}; a 1-D vector is required")
            if values.dtype.kind == "c" and complex is False:
                raise InvalidArgument("values is a complex array but complex=False")
            cplx = values.dtype.kind == "c" or bool(complex)
            return np.array(values, dtype=np.complex128 if cplx else np.float64)
        arr = np.asarray(values, dtype=object)
        if arr.ndim != 1:
            raise InvalidArgument(f"values has shape {arr.shape}; a 1-D vector is required")
        if complex is None:
            complex = any(_complex_entry(v) for v in arr)
        elif not complex:
            for i, v in enumerate(arr):
                if _complex_entry(v):
                    raise InvalidType(f"values[{i}]={v!r} is complex but complex=False")
        if complex:
            return np.array([self._cscalar(v) for v in arr], dtype=np.complex128)
        return np.array([self._scalar(v, f"values[{i}]") for i, v in enumerate(arr)],
                        dtype=np.float64)

    def matrix(self, rows: object, complex: bool | None = None) -> CtxMatrix:
        """Like :meth:`Context.matrix`; floats and Python/numpy complex numbers (in a numpy
        array or in lists of rows) are also accepted, as they are (like :meth:`vector`)."""
        if isinstance(rows, np.ndarray) and rows.dtype.kind in "fiuc":
            if rows.ndim != 2:
                raise InvalidArgument(f"rows has shape {rows.shape}; a 2-D matrix is required")
            if rows.dtype.kind == "c" and complex is False:
                raise InvalidArgument("rows is a complex array but complex=False")
            cplx = rows.dtype.kind == "c" or bool(complex)
            data = np.ascontiguousarray(rows, dtype=np.complex128 if cplx else np.float64)
            return self._wrap(data, None)
        if not isinstance(rows, (CtxMatrix, np.ndarray)):
            try:
                rows = np.asarray([list(r) for r in rows], dtype=object)  # type: ignore
            except TypeError:
                raise InvalidArgument("rows must be a 2-D array or a list of rows") from None
        if (isinstance(rows, np.ndarray) and rows.ndim == 2 and rows.dtype == object
                and any(isinstance(v, _FLOATS) for v in rows.flat)):
            # floats and Python complex numbers are taken as they are here
            if complex is None:
                complex = any(_complex_entry(v) for v in rows.flat)
            elif not complex:
                for idx, v in np.ndenumerate(rows):
                    if _complex_entry(v):
                        raise InvalidType(
                            f"rows[{idx[0]}, {idx[1]}]={v!r} is complex but complex=False")
            conv = self._cscalar if complex else self.scalar
            data = np.array([[conv(v) for v in row] for row in rows],
                            dtype=np.complex128 if complex else np.float64).reshape(rows.shape)
            return self._wrap(data, None)
        return super().matrix(rows, complex)

    def _wrap(self, data: np.ndarray, rationals: np.ndarray | None) -> CtxMatrix:
        data.setflags(write=False)
        cplx = data.dtype.kind == "c"
        t = np.ascontiguousarray(data.conj().T if cplx else data.T)
        t.setflags(write=False)
        return CtxMatrix(data, t, data.shape, self.key, rationals, is_complex=cplx)

    def _cvector_from_gauss(self, g: np.ndarray) -> Vec:
        return np.array([_gauss_to_complex(v) for v in g], dtype=np.complex128)

    def _cmatrix_from_gauss(self, g: np.ndarray) -> CtxMatrix:
        data = np.array([[_gauss_to_complex(v) for v in row] for row in g],
                        dtype=np.complex128).reshape(g.shape)
        data.setflags(write=False)
        t = np.ascontiguousarray(data.conj().T)
        t.setflags(write=False)
        return CtxMatrix(data, t, data.shape, self.key, g, is_complex=True)

    def _cscalar(self, q: object) -> builtins.complex:
        if isinstance(q, (builtins.complex, np.complexfloating)):
            return builtins.complex(q)
        if isinstance(q, GaussianRational) or is_complex_like(q):
            return _gauss_to_complex(as_gaussian(q, "q"))
        return builtins.complex(self.scalar(q))

    def _vector_from_mpq(self, q: np.ndarray) -> Vec:
        return np.array([mpq_to_float(v) for v in q], dtype=np.float64)

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        data = np.array([[mpq_to_float(v) for v in row] for row in q], dtype=np.float64)
        return self._wrap(data.reshape(q.shape), q)

    def scalar(self, q: object) -> float | builtins.complex:
        return self._scalar(q, "q")

    def _scalar(self, q: object, where: str) -> float | builtins.complex:
        if isinstance(q, float):
            return q
        if isinstance(q, np.floating):
            return float(q)
        if isinstance(q, MPQ):
            return mpq_to_float(q, where)
        if isinstance(q, (Fraction, int, np.integer)) and not isinstance(q, bool):
            return mpq_to_float(as_mpq(q, where), where)
        if _complex_entry(q):
            return self._cscalar(q)
        return mpq_to_float(as_mpq(q, where), where)

    def _real(self, a: object, where: str) -> float:
        """A real scalar parameter as a double (complex values refused, naming ``where``)."""
        a = a if isinstance(a, float) else self._scalar(a, where)
        if isinstance(a, builtins.complex):
            raise InvalidArgument(f"{where}={a} is complex; a real scalar is required")
        return a

    def zeros(self, n: int) -> Vec:
        return np.zeros(check_length(n), dtype=np.float64)

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype in (np.float64,
                                                                         np.complex128)

    # -------------------------------------------------------------- complex structure
    def is_complex(self, x: Vec) -> bool:
        return x.dtype.kind == "c"

    def real_part(self, x: Vec) -> Vec:
        return np.ascontiguousarray(x.real) if x.dtype.kind == "c" else x

    def imag_part(self, x: Vec) -> Vec:
        return np.ascontiguousarray(x.imag) if x.dtype.kind == "c" else self.zeros(x.shape[0])

    def conj(self, x: Vec) -> Vec:
        return x.conj() if x.dtype.kind == "c" else x

    def to_complex(self, x: Vec) -> Vec:
        return x if x.dtype.kind == "c" else x.astype(np.complex128)

    def abs2(self, x: Vec) -> Vec:
        if x.dtype.kind == "c":
            return x.real * x.real + x.imag * x.imag
        return x * x

    def take(self, x: Vec, idx: np.ndarray) -> Vec:
        return x[self._index(idx, self.size(x), "take")]

    def embed(self, v: Vec, idx: np.ndarray, n: int) -> Vec:
        idx = self._index(idx, n, "embed")
        if idx.shape[0] != self.size(v):
            raise InvalidArgument(f"embed: v has length {self.size(v)} but idx has {len(idx)}")
        out = np.zeros(n, dtype=v.dtype)
        out[idx] = v
        return out

    def size(self, x: Vec) -> int:
        if not isinstance(x, np.ndarray) or x.ndim != 1:
            raise InvalidType(f"x has type {type(x).__name__}; a Float64 vector is a 1-D array")
        return x.shape[0]

    def entries(self, x: Vec) -> list[Scalar]:
        if x.dtype.kind == "c":
            return [builtins.complex(v) for v in x]
        return [float(v) for v in x]

    def item(self, x: Vec, i: int) -> Scalar:
        return builtins.complex(x[i]) if x.dtype.kind == "c" else float(x[i])

    def to_rationals(self, x: Vec) -> np.ndarray:
        """The exact values of the doubles (an infinite or NaN entry raises
        :class:`~algorithms.errors.InvalidArgument` naming it)."""
        if not np.isfinite(x).all():
            i = int(np.flatnonzero(~np.isfinite(x))[0])
            raise InvalidArgument(f"x[{i}]={x[i]} is not finite; it has no rational value")
        out = np.empty(x.shape[0], dtype=object)
        if x.dtype.kind == "c":
            for i, v in enumerate(x.tolist()):
                out[i] = GaussianRational(gmpy2.mpq(v.real), gmpy2.mpq(v.imag))
            return out
        for i, v in enumerate(x.tolist()):
            out[i] = gmpy2.mpq(v)
        return out

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq | GaussianRational:
        if isinstance(a, _FLOATS) and not np.isfinite(a):
            raise InvalidArgument(f"a={a} is not finite; it has no rational value")
        if isinstance(a, (builtins.complex, np.complexfloating)):
            return GaussianRational(gmpy2.mpq(float(a.real)), gmpy2.mpq(float(a.imag)))
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
        self._check_same_size(x, y, "axpy")
        return (a if isinstance(a, float) else self.scalar(a)) * x + y

    def concat(self, parts: Sequence[Vec]) -> Vec:
        return np.concatenate(parts) if parts else self.zeros(0)

    def dot(self, x: Vec, y: Vec) -> float | builtins.complex:
        self._check_same_size(x, y, "dot")
        if x.dtype.kind == "c" or y.dtype.kind == "c":
            return builtins.complex(np.vdot(x, y))
        return float(x.dot(y))

    def norm2_squared(self, x: Vec) -> float:
        if x.dtype.kind == "c":
            return float(np.vdot(x, x).real)
        return self.dot(x, x)

    def norm2(self, x: Vec) -> float:
        if x.dtype.kind == "c":
            return math.sqrt(self.norm2_squared(x))
        return math.sqrt(float(x.dot(x)))

    def norm1(self, x: Vec) -> float:
        return float(np.abs(x).sum())

    def sum(self, x: Vec) -> float | builtins.complex:
        return builtins.complex(x.sum()) if x.dtype.kind == "c" else float(x.sum())

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        if isinstance(t, np.ndarray):
            if t.shape != x.shape:
                raise InvalidArgument(
                    f"t has shape {t.shape}; a scalar or shape {x.shape} is required")
            if t.dtype != np.float64:
                t = self.vector(t, complex=False)
            if (t < 0).any():
                i = int(np.flatnonzero(t < 0)[0])
                raise InvalidArgument(f"t[{i}]={t[i]} must be >= 0 (a threshold)")
        else:
            t = self._real(t, "t")
            if t < 0:
                raise InvalidArgument(f"t={t} must be >= 0 (a threshold)")
        if x.dtype.kind == "c":
            a = np.abs(x)
            big = a > t
            return x * np.where(big, 1.0 - t / np.where(big, a, 1.0), 0.0)
        return np.maximum(x - t, 0.0) + np.minimum(x + t, 0.0)

    def relu(self, x: Vec) -> Vec:
        self._refuse_complex(x, "relu")
        return np.maximum(x, 0.0)

    def square(self, x: Vec) -> Vec:
        self._refuse_complex(x, "square")
        return x * x

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._real(t, "t")
        return x * (1.0 / math.sqrt(max(t, 1.0)))

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._real(r, "r")
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if r == 0:
            return w.copy()
        if w.dtype.kind == "c":
            return w * (1.0 - r / max(math.sqrt(self.norm2_squared(w)), r))
        return w * (1.0 - r / max(math.sqrt(float(w.dot(w))), r))


_FLOATS = (float, np.floating, builtins.complex, np.complexfloating)


def _complex_entry(v: object) -> bool:
    return isinstance(v, (builtins.complex, np.complexfloating)) or is_complex_like(v)


def _gauss_to_complex(g: GaussianRational) -> builtins.complex:
    """Each part rounded to the nearest double."""
    return builtins.complex(mpq_to_float(g.re), mpq_to_float(g.im))
