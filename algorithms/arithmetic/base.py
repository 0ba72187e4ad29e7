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
``vector(values)``          vector from rationals (floats only in ``Float64``)
``matrix(rows)``            :class:`CtxMatrix` from a 2-D array of rationals
``scalar(q)``               the context's number nearest to (or enclosing) the rational ``q``
``zeros(n)``                the zero vector of length ``n``
``matvec(A, x)``            ``A x``
``rmatvec(A, v)``           ``A^T v``
``add, sub``                ``x + y``, ``x - y``
``scale(a, x)``             ``a x``
``axpy(a, x, y)``           ``a x + y``
``soft_threshold(x, t)``    entrywise ``sign(x_i) max(|x_i| - t_i, 0)``
``relu(x)``, ``square(x)``  entrywise ``max(x_i, 0)``, ``x_i^2``
``gate(x, t)``              ``x * min(1, t^(-1/2))`` for a scalar ``t >= 0``
``project_unit_ball(v)``    ``v * min(1, 1/||v||_2)`` (Euclidean projection onto the unit ball)
``shrink(w, r)``            ``max(0, 1 - r/||w||_2) w`` (prox of ``r ||.||_2``)
``dot, norm2, norm1``       ``<x, y>``, ``||x||_2``, ``||x||_1`` (scalars)
``norm2_squared, sum``      ``||x||_2^2``, ``sum_i x_i``
``to_rationals(x)``         1-D object array of ``gmpy2.mpq`` (midpoints for balls)
``radius(x)``               ``mpq`` bound on the 2-norm of the radius vector, or ``None``
``size, entries, item``     length, list of scalars, one scalar
``concat(parts)``           one vector from several
==========================  ==================================================================

Scalars passed to ``scale``, ``axpy``, ``soft_threshold`` and ``gate`` may be the context's own
numbers or exact rationals (int, Fraction, mpq); rationals are converted with :meth:`scalar`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.rationals import as_mpq_matrix, as_mpq_vector

__all__ = ["Context", "CtxMatrix", "Vec", "Scalar"]

#: a vector of some context (numpy array, python-flint ``arb_mat`` column, ...)
Vec = Any
#: a number of some context (``mpq``, ``arb``, ``mpf``, ``float``)
Scalar = Any


class CtxMatrix:
    """A matrix built by a context: its data, its transpose (kept for ``rmatvec``) and shape.

    ``data`` and ``tdata`` have the context's own type; ``rationals`` keeps the exact entries
    it was made from (``None`` when it was built from floats in ``Float64``).
    """

    __slots__ = ("data", "tdata", "shape", "context_key", "rationals")

    def __init__(self, data: Any, tdata: Any, shape: tuple[int, int], context_key: tuple,
                 rationals: np.ndarray | None):
        self.data = data
        self.tdata = tdata
        self.shape = shape
        self.context_key = context_key
        self.rationals = rationals

    def __repr__(self) -> str:
        return f"CtxMatrix(shape={self.shape}, context={self.context_key})"


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
    def vector(self, values: object) -> Vec:
        """A vector of the context from rationals (int, Fraction, mpq, 'p/q' strings)."""
        return self._vector_from_mpq(as_mpq_vector(values, "values"))

    def matrix(self, rows: object) -> CtxMatrix:
        """A :class:`CtxMatrix` from a 2-D array (or list of rows) of rationals."""
        if isinstance(rows, CtxMatrix):
            if rows.context_key == self.key:
                return rows
            if rows.rationals is None:
                raise InvalidArgument(
                    f"rows is a matrix of context {rows.context_key} built from floats; it "
                    f"cannot be converted to {self.name}")
            rows = rows.rationals
        q = as_mpq_matrix(rows, "rows")
        return self._matrix_from_mpq(q)

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
        """An upper bound on ``||x_true - to_rationals(x)||_2`` (``None`` if unknown)."""
        return None

    @abstractmethod
    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        """The exact rational value of a scalar of this context (the midpoint for a ball)."""

    # -------------------------------------------------------------- linear algebra
    @abstractmethod
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        """``A x``."""

    @abstractmethod
    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        """``A^T v``."""

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
        """``<x, y> = sum_i x_i y_i``."""

    def norm2_squared(self, x: Vec) -> Scalar:
        """``||x||_2^2``."""
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
        """Entrywise ``sign(x_i) max(|x_i| - t_i, 0)`` (``t`` a scalar or a vector, ``>= 0``)."""

    @abstractmethod
    def relu(self, x: Vec) -> Vec:
        """Entrywise ``max(x_i, 0)``."""

    @abstractmethod
    def square(self, x: Vec) -> Vec:
        """Entrywise ``x_i^2``."""

    @abstractmethod
    def gate(self, x: Vec, t: Scalar) -> Vec:
        """``x * min(1, t^(-1/2))`` for a scalar ``t >= 0`` (the ball-projection neuron)."""

    @abstractmethod
    def shrink(self, w: Vec, r: object) -> Vec:
        """``max(0, 1 - r/||w||_2) w`` for a scalar ``r >= 0`` (the prox of ``r ||.||_2``)."""

    def project_unit_ball(self, v: Vec) -> Vec:
        """Euclidean projection onto ``{||v||_2 <= 1}``: ``v * min(1, 1/||v||_2)``."""
        return self.gate(v, self.dot(v, v))

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
