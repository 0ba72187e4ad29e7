"""Exact problem data: a matrix ``A`` (m x N) and samples ``y_1..y_R`` with exact real entries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import sympy
from flint import arb

from oracle.errors import InvalidArgument, InvalidType
from oracle.exact import ArbThunk, as_exact, compile_expr, enclose_many

__all__ = ["BALL_CACHE_SIZE", "ExactData", "ExactPart", "as_exact_data"]

#: how many precisions (values of ``bits``) of enclosures are kept per part of the data
BALL_CACHE_SIZE = 4


def _rows_of(A: object) -> list[list[object]]:
    if isinstance(A, sympy.MatrixBase):
        return [list(A.row(i)) for i in range(A.rows)]
    if isinstance(A, np.ndarray):
        if A.ndim != 2:
            raise InvalidArgument(f"A must be 2-dimensional, got an array of shape {A.shape}")
        return [list(row) for row in A]
    if isinstance(A, (list, tuple)):
        rows = []
        for i, row in enumerate(A):
            if not isinstance(row, (list, tuple, np.ndarray)):
                raise InvalidType(
                    f"A[{i}]={row!r} is not a row; pass A as a sympy.Matrix or nested lists"
                )
            rows.append(list(row))
        return rows
    raise InvalidType(
        f"A has type {type(A).__name__}; pass a sympy.Matrix, nested lists or a 2-D object array"
    )


def _vector_of(y: object, where: str) -> list[object]:
    if isinstance(y, sympy.MatrixBase):
        if y.cols != 1 and y.rows != 1:
            raise InvalidArgument(f"{where} must be a vector, got a {y.rows} x {y.cols} matrix")
        return list(y)
    if isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise InvalidArgument(f"{where} must be 1-dimensional, got shape {y.shape}")
        return list(y)
    if isinstance(y, (list, tuple)):
        return list(y)
    raise InvalidType(f"{where} has type {type(y).__name__}; pass a sympy column Matrix or a list")


class ExactData:
    """A sparse-recovery problem's exact data ``(A, S)``.

    Parameters
    ----------
    A:
        ``sympy.Matrix`` (or nested lists / 2-D object array) of exact real entries, m x N,
        non-empty and rectangular.
    samples:
        Sequence of R vectors of length m (sympy column matrices, lists or 1-D arrays).

    Entries are validated with :func:`oracle.exact.as_exact` (floats are refused) and compiled
    once for rigorous evaluation.  Enclosures are cached per requested ``bits`` (the last
    :data:`BALL_CACHE_SIZE` values for each part): ``balls(which, bits)`` always returns the
    enclosures that a cold evaluation at exactly ``bits`` makes, never narrower ones left over
    from an earlier request, so everything computed from them (the oracle's answers, their
    bounds, admissibility decisions) depends on ``(which, bits)`` alone, not on history.
    """

    def __init__(self, A: object, samples: Sequence[object] = ()):
        rows = _rows_of(A)
        if not rows or not rows[0]:
            width = len(rows[0]) if rows else 0
            raise InvalidArgument(f"A must be non-empty, got shape ({len(rows)}, {width})")
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise InvalidArgument(
                    f"A is ragged: row 0 has {width} entries but row {i} has {len(row)}"
                )
        self.m, self.N = len(rows), width
        entries = [
            as_exact(v, f"A[{i}, {j}]") for i, row in enumerate(rows) for j, v in enumerate(row)
        ]
        self.A = sympy.ImmutableMatrix(self.m, self.N, entries)
        if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
            raise InvalidType(
                f"samples has type {type(samples).__name__}; pass a list of length-{self.m} "
                f"vectors"
            )
        vectors = []
        for k, y in enumerate(samples):
            values = _vector_of(y, f"samples[{k}]")
            if len(values) != self.m:
                raise InvalidArgument(
                    f"samples[{k}] has length {len(values)} but A has m={self.m} rows"
                )
            vectors.append(
                sympy.ImmutableMatrix([as_exact(v, f"samples[{k}][{i}]") for i, v in
                                       enumerate(values)])
            )
        self.samples: tuple[sympy.ImmutableMatrix, ...] = tuple(vectors)
        self.R = len(self.samples)
        # compile now, so unsupported functions are reported at construction
        self._thunks: dict[object, list[ArbThunk]] = {
            which: [compile_expr(e) for e in self.exact_entries(which)]
            for which in ["A", *range(self.R)]
        }
        self._balls: dict[object, OrderedDict[int, list[arb]]] = {}

    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.N)

    def exact_entries(self, which: object) -> list[sympy.Expr]:
        """Row-major exact entries of ``"A"`` or of sample ``k`` (an int)."""
        return list(self.A) if which == "A" else list(self.samples[which])  # type: ignore[index]

    def balls(self, which: object, bits: int) -> list[arb]:
        """Row-major enclosures (radius ``<= 2^-bits``) of ``"A"`` or of sample ``k``.

        The result is a function of ``(which, bits)`` alone (see the class docstring); a new
        list is returned each time, so changing it changes nothing here.
        """
        cache = self._balls.setdefault(which, OrderedDict())
        balls = cache.get(bits)
        if balls is None:
            balls = enclose_many(self._thunks[which], bits)
            cache[bits] = balls
            while len(cache) > BALL_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(bits)
        return list(balls)

    def part(self, which: object) -> ExactPart:
        """The matrix (``"A"``) or sample ``k`` as exact data of its own, sharing this object's
        compiled evaluators and cached enclosures (what :func:`oracle.certified_error` wants
        when it is called again and again on the same data)."""
        if which != "A" and not (isinstance(which, int) and 0 <= which < self.R):
            raise InvalidArgument(f"which={which!r} must be 'A' or a sample index 0..{self.R - 1}")
        return ExactPart(self, which)

    def with_matrix(self, A: object) -> ExactData:
        """The data ``(A, self.samples)``: a new matrix with these samples, sharing their
        compiled evaluators and cached enclosures (building exact samples is the expensive part
        when many instances share them, as the members of an instance class do)."""
        fresh = ExactData(A, [])
        if fresh.shape != self.shape:
            raise InvalidArgument(f"A has shape {fresh.shape}; these samples need {self.shape}")
        fresh.samples, fresh.R = self.samples, self.R
        fresh._thunks = {**self._thunks, "A": fresh._thunks["A"]}
        fresh._balls = {k: v for k, v in self._balls.items() if k != "A"}
        return fresh

    def __repr__(self) -> str:
        return f"ExactData(m={self.m}, N={self.N}, R={self.R})"


def as_exact_data(truth: object) -> ExactData:
    """Accept ``ExactData``, a pair ``(A, samples)`` or an object with an ``exact_data``."""
    if isinstance(truth, ExactData):
        return truth
    data = getattr(truth, "exact_data", None)
    if isinstance(data, ExactData):
        return data
    if isinstance(truth, tuple) and len(truth) == 2:
        return ExactData(*truth)
    raise InvalidType(
        f"truth has type {type(truth).__name__}; pass oracle.ExactData(A, samples), a pair "
        f"(A, samples) or an Oracle"
    )


class ExactPart:
    """One part of :class:`ExactData` (its matrix or one sample); see :meth:`ExactData.part`."""

    __slots__ = ("data", "which")

    def __init__(self, data: ExactData, which: object):
        self.data, self.which = data, which

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape if self.which == "A" else (self.data.m,)

    def balls(self, bits: int) -> list[arb]:
        """Row-major enclosures with radius ``<= 2^-bits``."""
        return self.data.balls(self.which, bits)
