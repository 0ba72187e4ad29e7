"""The arithmetic protocol every algorithm is written against.

A *context* owns its number type and its precision.  Algorithms never touch a number type
directly: they build vectors and matrices from exact rationals through the context and combine
them with the context's operations.  The same code then runs in exact rationals
(:class:`~algorithms.arithmetic.exact.Exact`), in rigorous ball arithmetic
(:class:`~algorithms.arithmetic.ball.Ball`), in mpmath multiprecision
(:class:`~algorithms.arithmetic.mp.MP`) and in IEEE double precision
(:class:`~algorithms.arithmetic.float64.Float64`).

Protocol (``x``, ``y`` vectors, ``A`` a context matrix, ``a`` a scalar, ``t`` a scalar or a
vector):

==========================  ==================================================================
``vector(values)``          vector from rationals (floats only in ``Float64``); complex when an
                            entry is a Gaussian rational (see *Complex data* below)
``complex_vector(re, im)``  the complex vector ``re + i im`` from two rational vectors
``matrix(rows)``            :class:`CtxMatrix` from a 2-D array of rationals (or Gaussian ones)
``scalar(q)``               the context's number nearest to (or enclosing) the rational ``q``
``zeros(n)``                the zero vector of length ``n`` (real)
``matvec(A, x)``            ``A x``
``rmatvec(A, v)``           ``A^H v`` (the conjugate transpose; ``A^T v`` for real ``A``)
``add, sub``                ``x + y``, ``x - y``
``scale(a, x)``             ``a x``
``axpy(a, x, y)``           ``a x + y``
``soft_threshold(x, t)``    entrywise ``sign(x_i) max(|x_i| - t_i, 0)``; for complex entries
                            ``x_i max(0, 1 - t_i/|x_i|)`` (shrinks the modulus)
``relu(x)``, ``square(x)``  entrywise ``max(x_i, 0)``, ``x_i^2`` (real vectors only)
``abs2(x)``                 entrywise ``|x_i|^2`` (a real vector)
``gate(x, t)``              ``x * min(1, t^(-1/2))`` for a real scalar ``t >= 0``
``project_unit_ball(v)``    ``v * min(1, 1/||v||_2)`` (Euclidean projection onto the unit ball)
``shrink(w, r)``            ``max(0, 1 - r/||w||_2) w`` (prox of ``r ||.||_2``)
``dot, norm2, norm1``       ``<x, y> = sum_i conj(x_i) y_i``, ``||x||_2``, ``||x||_1``
``norm2_squared, sum``      ``||x||_2^2`` (a real scalar), ``sum_i x_i``
``is_complex(x)``           whether ``x`` is a complex vector
``real_part, imag_part``    ``Re x``, ``Im x`` (real vectors); ``conj(x)``; ``to_complex(x)``
``take(x, idx)``            ``(x_idx[0], x_idx[1], ...)`` (row selection ``P_Omega x``)
``embed(v, idx, n)``        the length-``n`` vector with ``v`` at ``idx`` and 0 elsewhere
                            (``P_Omega^* v``)
``to_rationals(x)``         1-D object array of ``gmpy2.mpq`` (midpoints for balls); of
                            :class:`~algorithms.arithmetic.gaussian.GaussianRational` if complex
``radius(x)``               ``mpq`` bound on the 2-norm of the radius vector, or ``None``
``size, entries, item``     length, list of scalars, one scalar
``concat(parts)``           one vector from several (complex if any part is)
==========================  ==================================================================

Scalars passed to ``scale``, ``axpy``, ``soft_threshold`` and ``gate`` may be the context's own
numbers or exact rationals (int, Fraction, mpq); rationals are converted with :meth:`scalar`.

Complex data.  Every context has complex vectors and matrices: ``Exact`` numpy object arrays of
:class:`~algorithms.arithmetic.gaussian.GaussianRational`, ``Ball`` python-flint
``acb_mat`` columns, ``MP`` object arrays of the private context's ``mpc``, ``Float64``
``complex128`` arrays.  ``vector(values)`` and ``matrix(rows)`` detect complex input by its
entries (a ``GaussianRational``, or a SymPy ``a + b*I`` with rational ``a``, ``b``); pass
``complex=True`` to force a complex result from real entries, ``complex=False`` to refuse complex
entries.  Python ``complex`` numbers are refused like floats except in ``Float64``.  Real
vectors behave exactly as before (the complex code paths are separate).  The inner product is
conjugate-linear in its FIRST argument (numpy's ``vdot`` convention):
``dot(x, y) = sum_i conj(x_i) y_i``, so ``dot(A x, y) = dot(x, A^H y)``; it is a complex scalar
when either argument is complex.  ``norm2``, ``norm2_squared``, ``norm1`` are real scalars.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic.gaussian import (
    as_gaussian_matrix,
    as_gaussian_vector,
    is_complex_like,
    join,
)
from algorithms.errors import InexactInput, InvalidArgument, InvalidType
from algorithms.rationals import as_mpq_matrix, as_mpq_vector

__all__ = ["Context", "CtxMatrix", "Vec", "Scalar", "check_length"]

#: a vector of some context (numpy array, python-flint ``arb_mat`` column, ...)
Vec = Any
#: a number of some context (``mpq``, ``arb``, ``mpf``, ``float``)
Scalar = Any


class CtxMatrix:
    """A matrix built by a context: its data, its transpose (kept for ``rmatvec``) and shape.

    ``data`` and ``tdata`` have the context's own type; ``rationals`` keeps the exact entries
    it was made from (``None`` when it was built from floats in ``Float64``; Gaussian rationals
    when the matrix is complex).  For a complex matrix ``tdata`` holds the CONJUGATE transpose
    ``A^H`` and ``is_complex`` is ``True``.
    """

    __slots__ = ("data", "tdata", "shape", "context_key", "rationals", "is_complex")

    def __init__(self, data: Any, tdata: Any, shape: tuple[int, int], context_key: tuple,
                 rationals: np.ndarray | None, is_complex: bool = False):
        self.data = data
        self.tdata = tdata
        self.shape = shape
        self.context_key = context_key
        self.rationals = rationals
        self.is_complex = is_complex

    def __repr__(self) -> str:
        kind = ", complex" if self.is_complex else ""
        return f"CtxMatrix(shape={self.shape}, context={self.context_key}{kind})"


def check_length(n: object, where: str = "n") -> int:
    """``n`` as a vector length: an integer ``>= 0`` (any integral type: ``int``, numpy
    integers, ``gmpy2.mpz``; bools, floats and negative numbers are refused, naming ``where``
    and the value)."""
    if isinstance(n, int) and not isinstance(n, bool) and n >= 0:
        return n
    if isinstance(n, (bool, np.bool_)) or not hasattr(n, "__index__"):
        raise InvalidType(f"{where}={n!r} must be an integer >= 0 (a vector length)")
    if n.__index__() < 0:  # type: ignore[union-attr]
        raise InvalidArgument(f"{where}={n} must be an integer >= 0 (a vector length)")
    return int(n.__index__())  # type: ignore[union-attr]


def _any_complex(values: object) -> bool:
    """Whether some entry of ``values`` (any nesting) is complex-like."""
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if arr.dtype.kind == "c":
        return True
    return arr.dtype == object and any(is_complex_like(v) for v in arr.flat)


class Context(ABC):
    """Abstract base: shared validation and the default implementations."""

    #: ``"exact"``, ``"ball"``, ``"mp"`` or ``"float64"``
    kind: str = ""
    #: precision in bits (``None`` for exact; 53 for float64)
    prec: int | None = None

    # -------------------------------------------------------------- identity
    @property
    def name(self) -> str:
        """``"exact"``, ``"ball-256"``, ``"mp-256"``, ``"float64"``."""
        return self.kind if self.prec is None or self.kind == "float64" else (
            f"{self.kind}-{self.prec}")

    @property
    def key(self) -> tuple[str, int | None]:
        """A hashable identity: two contexts with equal keys compute identically."""
        return (self.kind, self.prec)

    @property
    def rigorous(self) -> bool:
        """Whether results carry a rigorous error bound (``Exact`` and ``Ball``)."""
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if self.prec is None or self.kind == "float64" else (
            f"{type(self).__name__}({self.prec})")

    # -------------------------------------------------------------- construction
    def vector(self, values: object, complex: bool | None = None) -> Vec:
        """A vector of the context from rationals (int, Fraction, mpq, 'p/q' strings).

        Complex when an entry is a Gaussian rational (or ``complex=True``); ``complex=False``
        refuses complex entries.  Real input follows exactly the real code path."""
        if complex is None:
            try:
                return self._vector_from_mpq(as_mpq_vector(values, "values"))
            except InexactInput:
                raise  # a float stays a float error, complex or not
            except InvalidType:
                if not _any_complex(values):
                    raise
            complex = True
        if complex:
            return self._cvector_from_gauss(as_gaussian_vector(values, "values"))
        return self._vector_from_mpq(as_mpq_vector(values, "values"))

    def complex_vector(self, re: object, im: object) -> Vec:
        """The complex vector ``re + i*im`` from two vectors of rationals of equal length."""
        qr, qi = as_mpq_vector(re, "re"), as_mpq_vector(im, "im")
        if qr.shape != qi.shape:
            raise InvalidArgument(
                f"re and im have lengths {qr.shape[0]} and {qi.shape[0]}; they must agree")
        return self._cvector_from_gauss(join(qr, qi))

    def matrix(self, rows: object, complex: bool | None = None) -> CtxMatrix:
        """A :class:`CtxMatrix` from a 2-D array (or list of rows) of rationals.

        Complex when an entry is a Gaussian rational (or ``complex=True``)."""
        if isinstance(rows, CtxMatrix):
            if rows.context_key == self.key and (complex is None or complex == rows.is_complex):
                return rows
            if rows.rationals is None:
                raise InvalidArgument(
                    f"rows is a matrix of context {rows.context_key} built from floats; it "
                    f"cannot be converted to {self.name}")
            if complex is None:
                complex = rows.is_complex
            rows = rows.rationals
        if complex is None:
            try:
                return self._matrix_from_mpq(as_mpq_matrix(rows, "rows"))
            except InexactInput:
                raise  # a float stays a float error, complex or not
            except InvalidType:
                if not _any_complex(rows if isinstance(rows, np.ndarray) else list(rows)):
                    raise
            complex = True
        if complex:
            return self._cmatrix_from_gauss(as_gaussian_matrix(rows, "rows"))
        return self._matrix_from_mpq(as_mpq_matrix(rows, "rows"))

    def as_vector(self, values: object) -> Vec:
        """``values`` itself if it already is a vector of this context, else ``vector(values)``."""
        return values if self.is_vector(values) else self.vector(values)

    @abstractmethod
    def is_vector(self, x: object) -> bool:
        """Whether ``x`` is a vector of this context's type."""

    @abstractmethod
    def _vector_from_mpq(self, q: np.ndarray) -> Vec: ...

    @abstractmethod
    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix: ...

    @abstractmethod
    def _cvector_from_gauss(self, g: np.ndarray) -> Vec:
        """A complex vector from a 1-D object array of ``GaussianRational``."""

    @abstractmethod
    def _cmatrix_from_gauss(self, g: np.ndarray) -> CtxMatrix:
        """A complex matrix from a 2-D object array of ``GaussianRational``."""

    @abstractmethod
    def scalar(self, q: object) -> Scalar:
        """The context's number for the rational ``q``."""

    @abstractmethod
    def zeros(self, n: int) -> Vec:
        """The zero vector of length ``n``."""

    # -------------------------------------------------------------- inspection
    @abstractmethod
    def size(self, x: Vec) -> int:
        """Length of the vector ``x``."""

    @abstractmethod
    def entries(self, x: Vec) -> list[Scalar]:
        """The entries of ``x`` as a list of the context's scalars."""

    def item(self, x: Vec, i: int) -> Scalar:
        """Entry ``i`` of ``x``."""
        return self.entries(x)[i]

    @abstractmethod
    def to_rationals(self, x: Vec) -> np.ndarray:
        """A 1-D object array of ``gmpy2.mpq``: the exact values (midpoints for balls)."""

    def radius(self, x: Vec) -> gmpy2.mpq | None:
        """An upper bound on ``||x_true - to_rationals(x)||_2`` (``None`` if unknown); for a
        complex vector the distance is measured in ``C^n = R^(2n)``."""
        return None

    # -------------------------------------------------------------- complex structure
    @abstractmethod
    def is_complex(self, x: Vec) -> bool:
        """Whether ``x`` is a complex vector (a length-0 vector counts as real)."""

    @abstractmethod
    def real_part(self, x: Vec) -> Vec:
        """``Re x`` as a real vector (``x`` itself when it is real)."""

    @abstractmethod
    def imag_part(self, x: Vec) -> Vec:
        """``Im x`` as a real vector (zeros when ``x`` is real)."""

    @abstractmethod
    def conj(self, x: Vec) -> Vec:
        """Entrywise complex conjugate (``x`` itself when it is real)."""

    @abstractmethod
    def to_complex(self, x: Vec) -> Vec:
        """``x`` as a complex vector (unchanged values)."""

    @abstractmethod
    def abs2(self, x: Vec) -> Vec:
        """Entrywise ``|x_i|^2`` as a real vector."""

    # -------------------------------------------------------------- selection
    @abstractmethod
    def take(self, x: Vec, idx: np.ndarray) -> Vec:
        """``(x[idx[0]], x[idx[1]], ...)`` for an integer index array ``idx``."""

    @abstractmethod
    def embed(self, v: Vec, idx: np.ndarray, n: int) -> Vec:
        """The length-``n`` vector with ``v[k]`` at position ``idx[k]`` and 0 elsewhere
        (``idx`` distinct); the adjoint of :meth:`take`."""

    @abstractmethod
    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        """The exact rational value of a scalar of this context (the midpoint for a ball)."""

    # -------------------------------------------------------------- linear algebra
    @abstractmethod
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        """``A x``."""

    @abstractmethod
    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        """``A^H v`` (conjugate transpose; ``A^T v`` when ``A`` is real)."""

    @abstractmethod
    def add(self, x: Vec, y: Vec) -> Vec:
        """``x + y``."""

    @abstractmethod
    def sub(self, x: Vec, y: Vec) -> Vec:
        """``x - y``."""

    @abstractmethod
    def scale(self, a: object, x: Vec) -> Vec:
        """``a x``."""

    def axpy(self, a: object, x: Vec, y: Vec) -> Vec:
        """``a x + y``."""
        return self.add(self.scale(a, x), y)

    def neg(self, x: Vec) -> Vec:
        """``-x``."""
        return self.scale(-1, x)

    @abstractmethod
    def concat(self, parts: Sequence[Vec]) -> Vec:
        """The vector ``(parts[0], parts[1], ...)``."""

    @abstractmethod
    def dot(self, x: Vec, y: Vec) -> Scalar:
        """``<x, y> = sum_i conj(x_i) y_i`` (``sum_i x_i y_i`` for real ``x``)."""

    def norm2_squared(self, x: Vec) -> Scalar:
        """``||x||_2^2`` (a real scalar, also for complex ``x``)."""
        return self.dot(x, x)

    @abstractmethod
    def norm2(self, x: Vec) -> Scalar:
        """``||x||_2``."""

    @abstractmethod
    def norm1(self, x: Vec) -> Scalar:
        """``||x||_1 = sum_i |x_i|``."""

    @abstractmethod
    def sum(self, x: Vec) -> Scalar:
        """``sum_i x_i``."""

    # -------------------------------------------------------------- nonlinearities
    @abstractmethod
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        """Entrywise ``sign(x_i) max(|x_i| - t_i, 0)`` (``t`` a real scalar, a real vector of
        the context or a numpy array of rationals of the length of ``x``; ``>= 0``: a negative
        threshold, or for balls one that is certainly negative, is refused).  For complex
        ``x``: ``x_i max(0, 1 - t_i/|x_i|)``, the prox of ``sum_i t_i |x_i|`` (it shrinks the
        modulus and keeps the phase)."""

    @abstractmethod
    def relu(self, x: Vec) -> Vec:
        """Entrywise ``max(x_i, 0)`` (real vectors only)."""

    @abstractmethod
    def square(self, x: Vec) -> Vec:
        """Entrywise ``x_i^2`` (real vectors only; ``abs2`` gives ``|x_i|^2``)."""

    @abstractmethod
    def gate(self, x: Vec, t: Scalar) -> Vec:
        """``x * min(1, t^(-1/2))`` for a scalar ``t >= 0`` (the ball-projection neuron)."""

    @abstractmethod
    def shrink(self, w: Vec, r: object) -> Vec:
        """``max(0, 1 - r/||w||_2) w`` for a scalar ``r >= 0`` (the prox of ``r ||.||_2``)."""

    def project_unit_ball(self, v: Vec) -> Vec:
        """Euclidean projection onto ``{||v||_2 <= 1}``: ``v * min(1, 1/||v||_2)``."""
        return self.gate(v, self.norm2_squared(v))

    def _refuse_complex(self, x: Vec, what: str) -> None:
        if self.is_complex(x):
            raise InvalidArgument(
                f"{what}: x is a complex vector; {what} is defined for real vectors only "
                f"(use abs2 for |x_i|^2, soft_threshold for the modulus shrinkage)")

    def _index(self, idx: object, n: int, what: str) -> np.ndarray:
        """``idx`` as a 1-D int64 array of positions in ``range(n)``."""
        n = check_length(n, f"{what}: n")
        arr = np.asarray(idx)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise InvalidArgument(
                f"{what}: idx has shape {arr.shape} and dtype {arr.dtype}; a 1-D integer "
                f"array is required")
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise InvalidArgument(
                f"{what}: idx has entries in [{arr.min()}, {arr.max()}]; they must lie in "
                f"[0, {n - 1}]")
        return arr

    # -------------------------------------------------------------- helpers
    def _check_same_size(self, x: Vec, y: Vec, what: str) -> None:
        nx, ny = self.size(x), self.size(y)
        if nx != ny:
            raise InvalidArgument(
                f"{what}: the vectors have lengths {nx} and {ny}; they must agree")

    def _check_matvec(self, A: CtxMatrix, x: Vec, transpose: bool) -> None:
        if not isinstance(A, CtxMatrix):
            raise InvalidArgument(
                f"A has type {type(A).__name__}; build it with ctx.matrix(rows) first")
        if A.context_key != self.key:
            raise InvalidArgument(
                f"A was built by context {A.context_key}, not by {self.name}; "
                f"convert it with ctx.matrix(A)")
        need = A.shape[0] if transpose else A.shape[1]
        n = self.size(x)
        if n != need:
            op = "rmatvec (A^T v)" if transpose else "matvec (A x)"
            raise InvalidArgument(
                f"{op}: A has shape {A.shape} but the vector has length {n}; length {need} "
                f"is required")
