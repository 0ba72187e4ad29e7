"""Exact problem data: a matrix ``A`` (m x N) and samples ``y_1..y_R`` with exact real entries."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import sympy
from flint import arb

from oracle.errors import InvalidArgument, InvalidType
from oracle.exact import (
    Program,
    Unsupported,
    as_exact,
    check_sympy,
    enclose_nodes,
    gc_paused,
    is_sympy_expr,
)

__all__ = ["BALL_CACHE_SIZE", "ExactData", "ExactPart", "as_exact_data"]

#: how many precisions (values of ``bits``) of enclosures are kept per part of the data
BALL_CACHE_SIZE = 4


def _rows_of(A: object) -> list[list[object]]:
    if isinstance(A, sympy.MatrixBase):
        return A.tolist()
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
        return [v for row in y.tolist() for v in row]
    if isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise InvalidArgument(f"{where} must be 1-dimensional, got shape {y.shape}")
        return list(y)
    if isinstance(y, (list, tuple)):
        return list(y)
    raise InvalidType(f"{where} has type {type(y).__name__}; pass a sympy column Matrix or a list")


class _Part:
    """The compiled entries of one part (the matrix or one sample): their nodes in the shared
    :class:`~oracle.exact.Program`, the distinct nodes, and how often each occurs."""

    __slots__ = ("nodes", "distinct", "index", "multiplicity", "_order", "_program")

    def __init__(self, program: Program, nodes: list[int]):
        distinct, index, multiplicity = np.unique(
            np.asarray(nodes, dtype=np.int64), return_inverse=True, return_counts=True
        )
        self.nodes = nodes
        self.distinct: list[int] = distinct.tolist()
        #: for each entry, the position of its node in ``distinct`` (an int array)
        self.index: np.ndarray = index.reshape(-1)
        self.multiplicity: list[int] = multiplicity.tolist()
        self._program = program
        self._order: list[int] | None = None

    def enclose(self, bits: int) -> list[arb]:
        """Balls of radius ``<= 2^-bits`` around the distinct entries."""
        if self._order is None:
            self._order = self._program.closure(self.distinct)
        return enclose_nodes(self._program, self.distinct, bits, order=self._order)


class ExactData:
    """A sparse-recovery problem's exact data ``(A, S)``.

    Parameters
    ----------
    A:
        ``sympy.Matrix`` (or nested lists / 2-D object array) of exact real entries, m x N,
        non-empty and rectangular.
    samples:
        Sequence of R vectors of length m (sympy column matrices, lists or 1-D arrays).

    Entries are validated and compiled once into a shared :class:`oracle.exact.Program`
    (a DAG in which every distinct subexpression of every entry and sample is one node):
    only supported node types are accepted (floats, symbols, ``I`` and unsupported functions
    are refused with :func:`oracle.exact.as_exact`'s messages), and every distinct entry is
    evaluated once in ball arithmetic; an entry whose ball is not finite (``sqrt(-2)``,
    ``asin(2)``) is checked by SymPy, which refuses it if it is not real.

    Enclosures are cached per requested ``bits`` (the last :data:`BALL_CACHE_SIZE` values for
    each part): ``balls(which, bits)`` always returns the enclosures that a cold evaluation at
    exactly ``bits`` makes, never narrower ones left over from an earlier request, so
    everything computed from them (the oracle's answers, their bounds, admissibility
    decisions) depends on ``(which, bits)`` alone, not on history.
    """

    def __init__(self, A: object, samples: Sequence[object] = ()):
        with gc_paused():
            self._build(A, samples)

    def _build(self, A: object, samples: Sequence[object]) -> None:
        self._program = Program()
        self._parts: dict[object, _Part] = {}
        self._set_matrix(A)
        if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
            raise InvalidType(
                f"samples has type {type(samples).__name__}; pass a list of length-{self.m} "
                f"vectors"
            )
        vectors: list[list[sympy.Expr]] = []
        for k, y in enumerate(samples):
            values = _vector_of(y, f"samples[{k}]")
            if len(values) != self.m:
                raise InvalidArgument(
                    f"samples[{k}] has length {len(values)} but A has m={self.m} rows"
                )
            exprs, nodes = self._compile(values, self._where(k))
            vectors.append(exprs)
            self._parts[k] = _Part(self._program, nodes)
        self._sample_entries: list[list[sympy.Expr]] = vectors
        self._samples_box: list[tuple[sympy.ImmutableMatrix, ...] | None] = [None]
        self.R = len(vectors)
        self._check_real(["A", *range(self.R)])
        self._balls: dict[object, OrderedDict[int, list[arb]]] = {}

    # ------------------------------------------------------------------ construction
    def _set_matrix(self, A: object) -> None:
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
        exprs, nodes = self._compile([v for row in rows for v in row], self._where("A"))
        self._A_entries = exprs
        self._A: sympy.ImmutableMatrix | None = None
        self._parts["A"] = _Part(self._program, nodes)

    def _compile(self, values: list[object], where: Callable[[int], str]
                 ) -> tuple[list[sympy.Expr], list[int]]:
        """Validate and compile ``values``; ``where(i)`` names value ``i`` in errors (and is
        only called for one)."""
        add = self._program.add
        exprs, nodes = [], []
        for i, value in enumerate(values):
            expr = value if is_sympy_expr(value) else as_exact(value, where(i))
            try:
                nodes.append(add(expr))
            except (Unsupported, InvalidType) as exc:
                place = where(i)
                check_sympy(expr, place)  # SymPy's own verdict, with the usual messages
                if isinstance(exc, Unsupported):
                    raise Unsupported(place, expr, exc.node) from None
                raise
            exprs.append(expr)
        return exprs, nodes

    def _where(self, which: object) -> Callable[[int], str]:
        if which == "A":
            N = self.N
            return lambda i: f"A[{i // N}, {i % N}]"
        return lambda i: f"samples[{which}][{i}]"

    def _check_real(self, parts: list[object]) -> None:
        """Evaluate each distinct entry once in ball arithmetic; an entry whose ball is not
        finite at 64 or 256 bits is referred to SymPy (refused if it is not real)."""
        for which in parts:
            part = self._parts[which]
            todo = part.distinct
            for prec in (64, 256):
                if not todo:
                    break
                balls = self._program.evaluate(todo, prec)
                todo = [n for n, x in zip(todo, balls, strict=True) if not x.is_finite()]
            for node in todo:
                i = part.nodes.index(node)
                check_sympy(self.exact_entries(which)[i], self._where(which)(i))

    # ------------------------------------------------------------------ public API
    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.N)

    @property
    def A(self) -> sympy.ImmutableMatrix:
        """The exact matrix (built on first use)."""
        if self._A is None:
            self._A = sympy.ImmutableMatrix(self.m, self.N, self._A_entries)
        return self._A

    @property
    def samples(self) -> tuple[sympy.ImmutableMatrix, ...]:
        """The exact samples as column matrices (built on first use, shared with
        :meth:`with_matrix` copies)."""
        box = self._samples_box
        if box[0] is None:
            box[0] = tuple(sympy.ImmutableMatrix(v) for v in self._sample_entries)
        return box[0]

    def exact_entries(self, which: object) -> list[sympy.Expr]:
        """Row-major exact entries of ``"A"`` or of sample ``k`` (an int)."""
        if which == "A":
            return list(self._A_entries)
        return list(self._sample_entries[which])  # type: ignore[index]

    def balls(self, which: object, bits: int) -> list[arb]:
        """Row-major enclosures (radius ``<= 2^-bits``) of ``"A"`` or of sample ``k``.

        The result is a function of ``(which, bits)`` alone (see the class docstring); a new
        list is returned each time, so changing it changes nothing here.
        """
        index, distinct = self.enclosures(which, bits)
        return [distinct[j] for j in index]

    def enclosures(self, which: object, bits: int) -> tuple[np.ndarray, list[arb]]:
        """``(index, balls)``: balls (radius ``<= 2^-bits``) of the DISTINCT entries of
        ``"A"`` or sample ``k``, and for each row-major entry the position of its ball (an
        int array).  Read-only: both are the cache's own."""
        part = self._parts.get(which)
        if part is None:
            raise InvalidArgument(
                f"which={which!r} must be 'A' or a sample index 0..{self.R - 1}"
            )
        cache = self._balls.setdefault(which, OrderedDict())
        balls = cache.get(bits)
        if balls is None:
            balls = part.enclose(bits)
            cache[bits] = balls
            while len(cache) > BALL_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(bits)
        return part.index, balls

    def multiplicities(self, which: object) -> list[int]:
        """How many entries of ``"A"`` or sample ``k`` share each distinct ball of
        :meth:`enclosures`."""
        return self._parts[which].multiplicity

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
        when many instances share them, as the members of an instance class do).  The new
        matrix is compiled into the same program, so subexpressions it shares with the samples
        or with earlier matrices are not compiled or evaluated again."""
        fresh = object.__new__(ExactData)
        fresh._program = self._program
        fresh._parts = {}
        with gc_paused():
            fresh._set_matrix(A)
            if fresh.shape != self.shape:
                raise InvalidArgument(
                    f"A has shape {fresh.shape}; these samples need {self.shape}"
                )
            fresh._check_real(["A"])
        fresh._sample_entries, fresh._samples_box, fresh.R = (
            self._sample_entries, self._samples_box, self.R)
        fresh._parts.update({k: v for k, v in self._parts.items() if k != "A"})
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
