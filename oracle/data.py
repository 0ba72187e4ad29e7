"""Exact problem data: a matrix ``A`` (m x N) and samples ``y_1..y_R`` with exact entries.

Entries are exact reals; samples (and, with ``complex_matrix=True``, the matrix) may also hold
exact complex numbers ``a + b*I`` whose real and imaginary parts are exact reals (Gaussian
rationals such as ``Rational(1, 3) + Rational(2, 5)*I`` included).  A complex part is stored as
its ``2c`` real components (the ``c`` real parts, then the ``c`` imaginary parts), which is
all the certificate needs: ``|z|^2 = (Re z)^2 + (Im z)^2``, so the complex 2-norm (or
Frobenius norm) of an error is the real 2-norm of its components.  A sample may also be a
:class:`~oracle.evaluators.CertifiedVector` (data defined by a rigorous ball evaluator), and
the matrix may be absent (``A=None`` with ``shape=(m, N)``: a matrix-free problem whose
operator is known and not served).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import sympy
from flint import arb

from oracle.entries import check_shape, integer_or_none
from oracle.errors import InvalidArgument, InvalidType, NoMatrix, short
from oracle.evaluators import CertifiedVector
from oracle.exact import (
    Program,
    Unsupported,
    _check_working_bits,
    as_exact,
    check_sympy,
    enclose_nodes,
    gc_paused,
    is_sympy_expr,
)
from oracle.formula import Formula, FormulaMatrix, _register_exact_compiler

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
    :class:`~oracle.exact.Program`, the distinct nodes, and how often each occurs.

    A complex part has ``2c`` nodes for its ``c`` entries: the real parts, then the imaginary
    parts (``components`` holds their SymPy expressions); a real part has ``c``."""

    __slots__ = ("nodes", "distinct", "index", "multiplicity", "is_complex", "components",
                 "allow_complex", "_order", "_program")

    def __init__(self, program: Program, nodes: list[int], is_complex: bool = False,
                 components: list[sympy.Expr] | None = None, allow_complex: bool = False):
        self.is_complex = is_complex
        #: whether the part could have held complex entries (written with ``I``)
        self.allow_complex = allow_complex
        self.components = components
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


class _EvaluatorPart:
    """A sample given as a :class:`~oracle.evaluators.CertifiedVector`: every real component
    is its own distinct entry."""

    __slots__ = ("vector", "index", "multiplicity", "is_complex", "distinct")

    def __init__(self, vector: CertifiedVector):
        count = 2 * vector.length if vector.is_complex else vector.length
        self.vector = vector
        self.is_complex = vector.is_complex
        self.index: np.ndarray = np.arange(count)
        self.multiplicity: list[int] = [1] * count
        self.distinct: list[int] = []

    def enclose(self, bits: int) -> list[arb]:
        return self.vector.enclose(bits)


class _FormulaPart:
    """A part given by a :class:`~oracle.formula.Formula` evaluated straight in flint: its
    distinct values and their pattern come from the formula."""

    __slots__ = ("formula", "index", "multiplicity", "is_complex", "distinct")

    def __init__(self, formula: Formula):
        self.formula = formula
        self.index, self.multiplicity = formula.pattern()
        self.is_complex = formula.is_complex
        self.distinct: list[int] = []

    def enclose(self, bits: int) -> list[arb]:
        return self.formula.enclose(bits)


def _finite_without_i(expr: sympy.Expr) -> bool:
    """Whether ``expr`` is a finite number written without ``I`` (``asin(2)``,
    ``(-1)**(1/3)``): a complex number the data would take if it were written with ``I``."""
    try:
        infinite = expr.has(sympy.oo, sympy.zoo, sympy.nan) or expr.is_finite is False
        return not infinite and not expr.has(sympy.I)
    except Exception:  # SymPy raised: no hint
        return False


def _split_complex(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """``(Re expr, Im expr)`` for an exact expression containing ``I`` (SymPy's
    ``as_real_imag``), or ``None`` if it contains no ``I`` or SymPy fails."""
    try:
        if not expr.has(sympy.I):
            return None
        return expr.as_real_imag()
    except Exception:  # SymPy raised: the caller reports the entry as unsupported
        return None


class ExactData:
    """A sparse-recovery problem's exact data ``(A, S)``.

    Parameters
    ----------
    A:
        ``sympy.Matrix`` (or nested lists / 2-D object array) of exact real entries, m x N,
        non-empty and rectangular; a :class:`~oracle.formula.Formula` matrix (``DCT2(N)``,
        ``DFT(N)``, ``FormulaMatrix(shape, entry)``: data given by a formula over the
        indices); or ``None`` for a matrix-free problem (then ``shape`` is required, and
        asking for the matrix raises :class:`~oracle.errors.NoMatrix`).
    samples:
        Sequence of R vectors of length m (sympy column matrices, lists or 1-D arrays) of
        exact real or complex entries (``a + b*I`` with exact real ``a``, ``b``),
        :class:`~oracle.evaluators.CertifiedVector` or
        :class:`~oracle.formula.FormulaVector` objects of length m (a ``FormulaVector``
        built with ``is_complex=False`` must be real, as its documentation says).
    shape:
        Keyword only: ``(m, N)``.  Required when ``A is None``; otherwise optional and checked
        against ``A``.
    complex_matrix:
        Keyword only: accept complex entries in ``A`` too (default ``False``: an ``A`` with a
        non-real entry is refused as "not real", as before complex data existed; samples may
        always be complex).

    Notes
    -----
    A part (the matrix or a sample) with at least one entry containing ``I`` is complex: it is
    served as a :class:`~oracle.answers.ComplexAnswer`.  Its entries are split by SymPy's
    ``as_real_imag`` into real and imaginary parts, and each part must be exact real data of
    the usual kind (``exp(2*pi*I*k/7)`` becomes ``cos(2*pi*k/7)``, ``sin(2*pi*k/7)``).

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

    def __init__(self, A: object, samples: Sequence[object] = (), *,
                 shape: tuple[int, int] | None = None, complex_matrix: bool = False):
        if not isinstance(complex_matrix, bool):
            raise InvalidType(
                f"complex_matrix={short(complex_matrix, use_repr=True)} must be a bool"
            )
        with gc_paused():
            self._build(A, samples, shape, complex_matrix)

    def _build(self, A: object, samples: Sequence[object], shape: object,
               complex_matrix: bool) -> None:
        self._program = Program()
        self._parts: dict[object, _Part | _EvaluatorPart] = {}
        self.complex_matrix = complex_matrix
        self._formula: Formula | None = None
        if A is None:
            if shape is None:
                raise InvalidArgument(
                    "A=None (a matrix-free problem) needs shape=(m, N): the operator's shape"
                )
            self.m, self.N = check_shape(shape)
            self._A_entries: list[sympy.Expr] | None = None
            self._A = None
        else:
            self._set_matrix(A, complex_matrix)
            if shape is not None and check_shape(shape) != self.shape:
                raise InvalidArgument(f"shape={tuple(shape)} but A has shape {self.shape}")
        if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
            raise InvalidType(
                f"samples has type {type(samples).__name__}; pass a list of length-{self.m} "
                f"vectors"
            )
        vectors: list[list[sympy.Expr] | CertifiedVector] = []
        rows = "A has" if A is not None else f"shape={self.shape} has"
        for k, y in enumerate(samples):
            if isinstance(y, Formula) and y.exact_values() is None:
                if y.shape != (self.m,):
                    raise InvalidArgument(
                        f"samples[{k}] is {y!r} but {rows} m={self.m} rows; pass a "
                        f"FormulaVector of length {self.m}"
                    )
                vectors.append(y)
                self._parts[k] = _FormulaPart(y)
                continue
            if isinstance(y, CertifiedVector):
                if y.length != self.m:
                    raise InvalidArgument(
                        f"samples[{k}] is a CertifiedVector of length {y.length} but {rows} "
                        f"m={self.m} rows"
                    )
                vectors.append(y)
                self._parts[k] = _EvaluatorPart(y)
                continue
            values = _formula_values(y, 1) if isinstance(y, Formula) else _vector_of(
                y, f"samples[{k}]")
            if len(values) != self.m:
                raise InvalidArgument(
                    f"samples[{k}] has length {len(values)} but {rows} m={self.m} rows"
                )
            # samples may be complex, except a FormulaVector that says it is real
            allow_complex = y.is_complex if isinstance(y, Formula) else True
            exprs, part = self._compile(values, self._where(k), allow_complex)
            vectors.append(exprs)
            self._parts[k] = part
        self._sample_entries = vectors
        self._samples_box: list[tuple[object, ...] | None] = [None]
        self.R = len(vectors)
        self._check_real([p for p, v in self._parts.items() if isinstance(v, _Part)])
        self._balls: dict[object, OrderedDict[int, list[arb]]] = {}

    # ------------------------------------------------------------------ construction
    def _set_matrix(self, A: object, complex_matrix: bool = False) -> None:
        self._formula = None
        if isinstance(A, Formula):
            values = _formula_values(A, 2)
            if values is None:  # evaluated straight in flint
                self.m, self.N = A.shape
                self._A_entries = None
                self._A = None
                self._formula = A
                self._parts["A"] = _FormulaPart(A)
                return
            N = A.shape[1]
            rows = [values[i:i + N] for i in range(0, len(values), N)]
            complex_matrix = complex_matrix or A.is_complex
        else:
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
        exprs, part = self._compile(
            [v for row in rows for v in row], self._where("A"), complex_matrix
        )
        self._A_entries = exprs
        self._A: sympy.ImmutableMatrix | None = None
        self._parts["A"] = part

    def _compile(self, values: list[object], where: Callable[[int], str],
                 allow_complex: bool) -> tuple[list[sympy.Expr], _Part]:
        """Validate and compile ``values`` into a part; ``where(i)`` names value ``i`` in
        errors (and is only called for one).  With ``allow_complex``, an entry containing
        ``I`` is split into its real and imaginary parts (each compiled as real data)."""
        add = self._program.add
        exprs, nodes = [], []
        imag: dict[int, tuple[int, sympy.Expr, sympy.Expr]] = {}
        for i, value in enumerate(values):
            expr = value if is_sympy_expr(value) else as_exact(value, where(i))
            try:
                nodes.append(add(expr))
            except (Unsupported, InvalidType) as exc:
                place = where(i)
                split = _split_complex(expr) if (
                    allow_complex and isinstance(exc, Unsupported)) else None
                if split is not None:
                    nodes.append(self._add_component(split, expr, place, imag, i))
                    exprs.append(expr)
                    continue
                check_sympy(expr, place)  # SymPy's own verdict, with the usual messages
                if isinstance(exc, Unsupported):
                    raise Unsupported(place, expr, exc.node) from None
                raise
            exprs.append(expr)
        if not imag:
            return exprs, _Part(self._program, nodes, allow_complex=allow_complex)
        zero = sympy.Integer(0)
        zero_node = add(zero)
        im_nodes = [imag[i][0] if i in imag else zero_node for i in range(len(nodes))]
        components = [imag[i][1] if i in imag else e for i, e in enumerate(exprs)]
        components += [imag[i][2] if i in imag else zero for i in range(len(exprs))]
        return exprs, _Part(self._program, nodes + im_nodes, True, components, True)

    def _add_component(self, split: tuple[sympy.Expr, sympy.Expr], expr: sympy.Expr,
                       place: str, imag: dict, i: int) -> int:
        """Compile the real and imaginary parts of the complex entry ``expr`` (entry ``i``);
        record the imaginary part's node in ``imag`` and return the real part's node."""
        re, im = split
        add = self._program.add
        try:
            if re.free_symbols or im.free_symbols:
                check_sympy(expr, place)  # "free symbols"
            re_node, im_node = add(re, place), add(im, place)
        except Unsupported as exc:
            raise InvalidArgument(
                f"{place}={short(expr)} is complex, but its real part {short(re, 40)} or "
                f"imaginary part {short(im, 40)} uses {type(exc.node).__name__}, which the "
                f"rigorous evaluator does not support; give the entry as a + b*I with a, b "
                f"built from +, *, powers, pi, E, sqrt, cos, sin, tan, exp, log, atan"
            ) from None
        imag[i] = (im_node, re, im)
        return re_node

    def _where(self, which: object) -> Callable[[int], str]:
        if which == "A":
            N = self.N
            return lambda i: f"A[{i // N}, {i % N}]"
        return lambda i: f"samples[{which}][{i}]"

    def _check_real(self, parts: list[object]) -> None:
        """Evaluate each distinct entry once in ball arithmetic; an entry whose ball is not
        finite at 64 or 256 bits is referred to SymPy (refused if it is not real).  For a
        complex part the entries checked are the real components."""
        for which in parts:
            part = self._parts[which]
            if not isinstance(part, _Part):
                continue  # a CertifiedVector or a formula: no expressions to check
            todo = part.distinct
            for prec in (64, 256):
                if not todo:
                    break
                balls = self._program.evaluate(todo, prec)
                todo = [n for n, x in zip(todo, balls, strict=True) if not x.is_finite()]
            for node in todo:
                i = part.nodes.index(node)
                if part.components is not None:
                    c = len(part.nodes) // 2
                    what = "Re" if i < c else "Im"
                    check_sympy(part.components[i], f"{what} {self._where(which)(i % c)}")
                else:
                    entry, where = self.exact_entries(which)[i], self._where(which)(i)
                    try:
                        check_sympy(entry, where)
                    except InvalidArgument:
                        if part.allow_complex and _finite_without_i(entry):
                            raise InvalidArgument(
                                f"{where}={short(entry)} is not real, and a complex entry must "
                                f"be written with I, as a + b*I with exact real a and b (e.g. "
                                f"sympy.expand_complex of it, if that gives one)"
                            ) from None
                        raise

    # ------------------------------------------------------------------ public API
    @property
    def shape(self) -> tuple[int, int]:
        return (self.m, self.N)

    @property
    def has_matrix(self) -> bool:
        """``False`` for a matrix-free problem (built with ``A=None``)."""
        return self._A_entries is not None or self._formula is not None

    def _no_matrix(self) -> NoMatrix:
        return NoMatrix(
            f"this problem is matrix-free: its {self.m} x {self.N} forward operator is known "
            f"exactly and is not served (it was built with A=None, shape={self.shape}); read "
            f"its samples instead"
        )

    def is_complex(self, which: object) -> bool:
        """Whether ``"A"`` or sample ``k`` is complex (served as a ComplexAnswer)."""
        return self._get_part(which).is_complex

    def _which(self, which: object) -> str | int:
        """``"A"``, or a sample index of any integral type as a plain ``int`` in ``0..R-1``;
        anything else (a negative or too large index, a bool, a float, another string) raises
        :class:`InvalidArgument` naming it."""
        if isinstance(which, str) and which == "A":
            return "A"
        k = integer_or_none(which)
        if k is None or not 0 <= k < self.R:
            samples = (f"a sample index 0..{self.R - 1}" if self.R
                       else "a sample index (this problem has no samples)")
            raise InvalidArgument(
                f"which={short(which, use_repr=True)} must be 'A' or {samples}"
            )
        return k

    def _get_part(self, which: object) -> _Part | _EvaluatorPart:
        which = self._which(which)
        part = self._parts.get(which)
        if part is None:  # only the matrix of a matrix-free problem is missing
            raise self._no_matrix()
        return part

    @property
    def A(self) -> sympy.ImmutableMatrix:
        """The exact matrix (built on first use); :class:`NoMatrix` if matrix-free.  For a
        matrix given by a formula it is built from the formula's expressions
        (:meth:`oracle.formula.Formula.expressions`; a formula of flint closures has none and
        raises :class:`InvalidArgument`)."""
        if self._A is None:
            self._A = sympy.ImmutableMatrix(self.m, self.N, self.exact_entries("A"))
        return self._A

    @property
    def samples(self) -> tuple[object, ...]:
        """The exact samples as column matrices (built on first use, shared with
        :meth:`with_matrix` copies); a sample given as a
        :class:`~oracle.evaluators.CertifiedVector` or as a formula evaluated in flint
        appears as itself."""
        box = self._samples_box
        if box[0] is None:
            box[0] = tuple(
                v if isinstance(v, (CertifiedVector, Formula)) else sympy.ImmutableMatrix(v)
                for v in self._sample_entries
            )
        return box[0]

    def exact_entries(self, which: object) -> list[sympy.Expr]:
        """Row-major exact entries of ``"A"`` or of sample ``k`` (an int); complex entries
        as given (``a + b*I``).  :class:`NoMatrix` for the matrix of a matrix-free problem;
        :class:`InvalidArgument` for a sample given as a CertifiedVector (it has no
        expressions: its values are defined by its evaluator) or a formula of flint
        closures; a built-in formula's expressions are built on first use."""
        which = self._which(which)
        if which == "A":
            if self._formula is not None:
                return self._formula.expressions()
            if self._A_entries is None:
                raise self._no_matrix()
            return list(self._A_entries)
        entries = self._sample_entries[which]  # type: ignore[index]
        if isinstance(entries, Formula):
            return entries.expressions()
        if isinstance(entries, CertifiedVector):
            raise InvalidArgument(
                f"sample {which} is {entries!r}: its exact values are defined by its "
                f"evaluator, not by expressions"
            )
        return list(entries)

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
        int array).  Read-only: both are the cache's own.  For a complex part the entries are
        its real components: the ``c`` real parts, then the ``c`` imaginary parts."""
        which = self._which(which)
        bits = _check_working_bits(bits)
        part = self._get_part(which)
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
        return self._get_part(which).multiplicity

    def part(self, which: object) -> ExactPart:
        """The matrix (``"A"``) or sample ``k`` as exact data of its own, sharing this object's
        compiled evaluators and cached enclosures (what :func:`oracle.certified_error` wants
        when it is called again and again on the same data)."""
        which = self._which(which)
        self._get_part(which)  # NoMatrix for the matrix of a matrix-free problem
        return ExactPart(self, which)

    @classmethod
    def from_formula(cls, shape: tuple[int, int], entry: Callable[[int, int], object],
                     samples: Sequence[object] = (), *, complex_matrix: bool = False
                     ) -> ExactData:
        """``ExactData(FormulaMatrix(shape, entry, is_complex=complex_matrix), samples)``:
        the matrix given by ``entry(i, j)`` (exact values or flint closures, see
        :class:`oracle.formula.FormulaMatrix`)."""
        return cls(FormulaMatrix(shape, entry, is_complex=complex_matrix), samples,
                   complex_matrix=complex_matrix)

    def with_matrix(self, A: object, *, complex_matrix: bool = False) -> ExactData:
        """The data ``(A, self.samples)``: a new matrix with these samples, sharing their
        compiled evaluators and cached enclosures (building exact samples is the expensive part
        when many instances share them, as the members of an instance class do).  The new
        matrix is compiled into the same program, so subexpressions it shares with the samples
        or with earlier matrices are not compiled or evaluated again."""
        fresh = object.__new__(ExactData)
        fresh._program = self._program
        fresh._parts = {}
        fresh.complex_matrix = complex_matrix
        with gc_paused():
            fresh._set_matrix(A, complex_matrix)
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

    def __copy__(self) -> ExactData:
        return self  # immutable in use: its caches change no value

    def __deepcopy__(self, memo: dict) -> ExactData:
        return self

    def __reduce_ex__(self, protocol: object) -> object:
        """Refused with a named error: the compiled entries are python-flint closures and
        balls, and exact data must not travel with an algorithm into a sealed process."""
        raise InvalidType(
            f"{self!r} cannot be pickled: its entries are compiled into python-flint "
            f"evaluators, and exact data must not travel with an algorithm to another process; "
            f"rebuild it there from its exact form (ExactData(data.A, data.samples))"
        )

    def __repr__(self) -> str:
        free = "" if self.has_matrix else ", matrix-free"
        return f"ExactData(m={self.m}, N={self.N}, R={self.R}{free})"


def _formula_values(formula: Formula, ndim: int) -> list[object] | None:
    """The exact values of a formula to compile as ordinary data (``None`` when it is
    evaluated straight in flint); refuses a formula of the wrong dimension."""
    if len(formula.shape) != ndim:
        want = "a FormulaMatrix (or DCT2, DFT)" if ndim == 2 else "a FormulaVector"
        raise InvalidArgument(
            f"{formula!r} has shape {formula.shape}; the {'matrix' if ndim == 2 else 'sample'} "
            f"needs {want}"
        )
    return formula.exact_values()


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

    @property
    def is_complex(self) -> bool:
        """Whether this part is complex (its balls: real parts, then imaginary parts)."""
        return self.data.is_complex(self.which)

    def balls(self, bits: int) -> list[arb]:
        """Row-major enclosures with radius ``<= 2^-bits`` (for a complex part: the real
        parts, then the imaginary parts)."""
        return self.data.balls(self.which, bits)


def _compile_formula(formula: Formula) -> ExactPart:
    """A formula of exact values as the part an :class:`ExactData` of them serves (the
    matrix ``A``, or a vector as sample 0)."""
    if len(formula.shape) == 2:
        return ExactData(formula, complex_matrix=formula.is_complex).part("A")
    return ExactData(None, [formula], shape=(formula.shape[0], 1)).part(0)


_register_exact_compiler(_compile_formula)
