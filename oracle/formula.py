"""Data given by a formula over its indices: :class:`DCT2`, :class:`DFT`, :class:`FormulaMatrix`
and :class:`FormulaVector`.

A matrix such as the orthonormal DCT-II is one formula over ``(k, i)``; building its 16,384
SymPy trees (128 x 128) and walking them costs more than evaluating the entries.  A
:class:`Formula` is given to :class:`~oracle.ExactData` / :class:`~oracle.Oracle` in place of
the matrix (``Oracle(DCT2(128), samples)``) or of a sample, and is served with the same
promise ``||A_n - A||_2 <= 2^-(n + tighten)``, the same logs and budgets.

How a formula is evaluated.  A formula knows its *pattern*: for each real component of each
entry (row-major; for complex data the real parts, then the imaginary parts) the position of
its value in a short list of *distinct* values, and it evaluates that list straight in
python-flint at a working precision ``prec`` (:meth:`Formula.distinct_balls`).  The built-ins
use the symmetries of their entries: the DCT-II entry ``c_k cos(pi (2i+1) k / (2N))`` is
``+-c_k cos(pi b / (2N))`` with ``b = 0..N``, so 128 x 128 entries need 129 cosines
(``arb.cos_pi_fmpq``); the unitary DFT entry ``exp(-2 pi i jk/N) / sqrt(N)`` depends on
``jk mod N`` only (``arb.sin_cos_pi_fmpq``).

Why the certificate is unchanged.  The distinct balls go through the precision schedule of
:meth:`~oracle.evaluators.CertifiedVector.enclose` (radius ``<= 2^-bits``, precision raised
until it is) and then through exactly the rounding and exact sum-of-squares check of
:mod:`oracle.certify`, each distinct value counted as often as it occurs.  python-flint's
``cos_pi_fmpq``, ``sin_cos_pi_fmpq``, ``sqrt`` and products are rigorous ball operations, so
every ball contains the exact value and the proof is the one of :mod:`oracle.certify`.

Served values.  The grid value of an entry is the nearest multiple of ``2^-g`` to its ball's
midpoint; the balls of a formula and of the SymPy matrix differ only far below ``2^-g`` (the
working precision is ``g + 33`` bits or more), so both serve the same dyadics unless an exact
entry lies within about ``2^-(g+30)`` of a midpoint between two grid points
(``tests/test_oracle_formula_data.py`` checks equality for the DCT-II at several sizes and
levels 0..300, and for the DFT).  The bounds in the read log may differ: they are the proven
bounds of each computation's own balls.

User formulas.  :class:`FormulaMatrix` ``(shape, entry)`` calls ``entry(i, j)`` once per entry
when it is built.  ``entry`` returns EITHER an exact value (a SymPy expression or anything
:func:`~oracle.as_exact` accepts; floats are refused) for every entry, and the data are then
exactly those of the matrix of these values (compiled into the shared
:class:`~oracle.exact.Program`, bitwise the same balls, values and bounds); OR, for every
entry, a *flint closure* ``f(prec) -> flint.arb`` (``flint.acb`` when ``is_complex``) whose
contract is: called with ``flint.ctx.prec == prec`` it returns a ball CONTAINING the exact
entry, deterministic, with a radius that shrinks as ``prec`` grows.  Closures are evaluated
one per entry at every precision (no symmetry is known), so they are slower than the
built-ins.  The proof rests on the closures' balls being rigorous, as for a
:class:`~oracle.CertifiedVector`.

The exact SymPy form (``ExactData.A``, ``exact_entries``) is built lazily from the formula
for the built-ins and the SymPy-valued formulas; a formula of closures has none, and asking
for it raises :class:`~oracle.errors.InvalidArgument`.  Everything computed from balls
(answers, ``certified_error``, ``part("A")``, ``AdversarialOracle``) works for every formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from flint import acb, arb, fmpq

from oracle.entries import as_exact, check_shape, gc_paused, integer_or_none
from oracle.errors import InvalidArgument, InvalidType, LimitExceeded, short
from oracle.evaluators import CertifiedVector, complex_components

__all__ = ["DCT2", "DFT", "Formula", "FormulaMatrix", "FormulaVector", "MAX_ENTRIES"]


#: compiles a formula of exact values like a SymPy matrix of them (``formula ->`` an
#: ``ExactPart``); registered by :mod:`oracle.data`, which imports this module, so that this
#: module need not import it back (no import cycle)
_EXACT_COMPILER: Callable[[Formula], Any] | None = None


def _register_exact_compiler(compiler: Callable[[Formula], Any]) -> None:
    """Called once by :mod:`oracle.data` (see :data:`_EXACT_COMPILER`)."""
    global _EXACT_COMPILER
    _EXACT_COMPILER = compiler


#: the most entries a formula may have (2^24: a 4096 x 4096 matrix).  Every answer is an object
#: array of that many rationals (over a gigabyte at this size), so a larger formula is refused
#: with :class:`~oracle.errors.LimitExceeded` when it is built, before any memory is taken.
MAX_ENTRIES = 1 << 24


class Formula:
    """Exact data (a matrix or a vector) given by a formula over its indices.

    Subclasses set ``shape`` (``(m, N)`` or ``(m,)``), ``is_complex`` and ``description`` and
    implement :meth:`_index` (the pattern), :meth:`distinct_balls` and :meth:`_expression`;
    see the module docstring for the contract.  Instances are immutable in use: the pattern,
    the expressions and the compiled enclosures are computed once and cached.
    """

    shape: tuple[int, ...]
    is_complex: bool
    description: str
    #: how many distinct real-component values :meth:`distinct_balls` returns
    distinct_count: int

    _pattern: tuple[np.ndarray, list[int]] | None = None
    _expressions: list[sympy.Expr] | None = None
    _vector: CertifiedVector | None = None

    # ------------------------------------------------------------------ to implement
    def _index(self) -> np.ndarray:
        """For each real component (row-major entries; complex: real parts, then imaginary
        parts) the position of its value in :meth:`distinct_balls` (an int array)."""
        raise NotImplementedError

    def distinct_balls(self, prec: int) -> list[arb]:
        """The ``distinct_count`` distinct real-component values as ``arb`` balls, each
        containing the exact value, computed at python-flint's working precision ``prec``
        (the caller sets ``flint.ctx.prec = prec``)."""
        raise NotImplementedError

    def _expression(self, index: tuple[int, ...]) -> sympy.Expr:
        """The exact SymPy expression of the entry at ``index``."""
        raise NotImplementedError

    def exact_values(self) -> list[object] | None:
        """Row-major exact values to compile as ordinary data, or ``None`` (the default) when
        the formula is evaluated straight in flint."""
        return None

    # ------------------------------------------------------------------ provided
    @property
    def size(self) -> int:
        """The number of entries."""
        return int(np.prod(self.shape))

    def pattern(self) -> tuple[np.ndarray, list[int]]:
        """``(index, multiplicity)``: :meth:`_index` flattened, and how many real components
        share each distinct value (a value that occurs nowhere has multiplicity 0)."""
        if self._pattern is None:
            index = np.ascontiguousarray(self._index(), dtype=np.int64).reshape(-1)
            expected = self.size * (2 if self.is_complex else 1)
            if index.shape != (expected,) or (
                    index.size and (index.min() < 0 or index.max() >= self.distinct_count)):
                raise InvalidArgument(
                    f"{self!r}: the pattern must give {expected} positions in "
                    f"0..{self.distinct_count - 1}"
                )
            counts = np.bincount(index, minlength=self.distinct_count)
            self._pattern = (index, counts.tolist())
        return self._pattern

    def enclose(self, bits: int) -> list[arb]:
        """The distinct values as balls of radius ``<= 2^-bits`` (the precision schedule of
        :meth:`oracle.CertifiedVector.enclose`: start at ``bits + 32``, raise until narrow
        enough, stop a formula whose radii do not shrink)."""
        if self._vector is None:
            self._vector = CertifiedVector(
                self.distinct_count, self.distinct_balls, is_complex=False,
                description=self.description or repr(self))
        return self._vector.enclose(bits)

    def balls(self, bits: int) -> list[arb]:
        """Row-major real-component balls of radius ``<= 2^-bits`` (complex data: the real
        parts, then the imaginary parts)."""
        distinct = self.enclose(bits)
        index, _ = self.pattern()
        return [distinct[j] for j in index.tolist()]

    def expressions(self) -> list[sympy.Expr]:
        """Row-major exact SymPy entries (built on first use and cached); complex entries as
        ``a + b*I`` or ``exp(...)``."""
        if self._expressions is None:
            if len(self.shape) == 1:
                self._expressions = [self._expression((i,)) for i in range(self.shape[0])]
            else:
                m, N = self.shape
                self._expressions = [self._expression((i, j))
                                     for i in range(m) for j in range(N)]
        return list(self._expressions)

    def sympy_matrix(self) -> sympy.ImmutableMatrix:
        """The exact data as a SymPy matrix (a column for a vector), built from
        :meth:`expressions`."""
        rows = self.shape[0]
        cols = self.shape[1] if len(self.shape) == 2 else 1
        return sympy.ImmutableMatrix(rows, cols, self.expressions())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"


def _check_size(N: object, name: str = "N", *, square: bool = False) -> int:
    value = integer_or_none(N)
    if value is None:
        raise InvalidType(f"{name}={short(N, use_repr=True)} must be a positive int")
    if value < 1:
        raise InvalidArgument(f"{name}={short(N)} must be a positive int")
    _check_entries(value * value if square else value, f"{name}={short(value)}")
    return value


def _check_entries(count: int, what: str) -> None:
    if count > MAX_ENTRIES:
        raise LimitExceeded(
            f"{what} gives {short(count)} entries, beyond the limit MAX_ENTRIES={MAX_ENTRIES} "
            f"(every answer is an object array of that many rationals)"
        )


class DCT2(Formula):
    """The orthonormal N x N DCT-II: ``A[k, i] = c_k cos(pi (2i + 1) k / (2N))`` with
    ``c_0 = sqrt(1/N)`` and ``c_k = sqrt(2/N)`` for ``k >= 1`` (real; ``A A^T = I``).

    With ``a = (2i + 1) k mod 4N`` and ``b = min(a, 4N - a)``, the cosine is
    ``cos(pi b / (2N))`` for ``b <= N`` and ``-cos(pi (2N - b) / (2N))`` otherwise, so every
    entry of a row ``k >= 1`` is ``+-c cos(pi b / (2N))`` for one ``b`` in ``0..N``: the
    distinct values are ``c_0`` and ``+-c cos(pi b / (2N))``, ``2N + 3`` balls from ``N + 1``
    calls of ``arb.cos_pi_fmpq`` (negation is exact in ball arithmetic).

    >>> from oracle import Oracle
    >>> Oracle(DCT2(2)).matrix(4).tolist()
    [[mpq(45,64), mpq(45,64)], [mpq(45,64), mpq(-45,64)]]
    """

    def __init__(self, N: int):
        self.N = _check_size(N, square=True)
        self.shape = (self.N, self.N)
        self.is_complex = False
        self.description = f"DCT2({self.N})"
        self.distinct_count = 2 * self.N + 3

    def _index(self) -> np.ndarray:
        N = self.N
        k = np.arange(N, dtype=np.int64)[:, None]
        i = np.arange(N, dtype=np.int64)[None, :]
        a = ((2 * i + 1) * k) % (4 * N)
        b = np.minimum(a, 4 * N - a)
        negative = b > N
        b = np.where(negative, 2 * N - b, b)
        index = 1 + b + (N + 1) * negative
        index[0, :] = 0  # row 0 is c_0 cos(0) = sqrt(1/N)
        return index

    def distinct_balls(self, prec: int) -> list[arb]:
        N = self.N
        c0 = arb(fmpq(1, N)).sqrt()
        c = arb(fmpq(2, N)).sqrt()
        cos_pi = arb.cos_pi_fmpq
        positive = [c * cos_pi(fmpq(b, 2 * N)) for b in range(N + 1)]
        return [c0, *positive, *[-x for x in positive]]

    def _expression(self, index: tuple[int, ...]) -> sympy.Expr:
        k, i = index
        c = sympy.sqrt(sympy.Rational(1 if k == 0 else 2, self.N))
        return c * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * self.N))

    def __repr__(self) -> str:
        return f"DCT2({self.N})"


class DFT(Formula):
    """The unitary N x N discrete Fourier transform: ``A[j, k] = exp(-2 pi i jk / N) /
    sqrt(N)`` (complex, served as a :class:`~oracle.ComplexAnswer`; the sign convention of
    ``numpy.fft.fft`` and ``acb.dft``, scaled so that ``A A^* = I``).

    The entry depends on ``r = jk mod N`` only: its real part is ``cos(2 pi r / N) / sqrt(N)``
    and its imaginary part ``-sin(2 pi r / N) / sqrt(N)``, ``2N`` distinct balls from ``N``
    calls of ``arb.sin_cos_pi_fmpq``.  A complex formula is accepted as the matrix without
    ``complex_matrix=True`` (it declares itself complex; the flag guards SymPy matrices
    against turning complex by accident).  For ``N <= 2`` every entry is real (``1``,
    ``+-1/sqrt(2)``) and, as for a SymPy matrix without ``I``, the answers are real arrays.
    """

    def __init__(self, N: int):
        self.N = _check_size(N, square=True)
        self.shape = (self.N, self.N)
        self.is_complex = self.N > 2
        self.description = f"DFT({self.N})"
        self.distinct_count = 2 * self.N

    def _index(self) -> np.ndarray:
        N = self.N
        j = np.arange(N, dtype=np.int64)[:, None]
        r = ((j * j.T) % N).reshape(-1)
        return np.concatenate([r, N + r]) if self.is_complex else r

    def distinct_balls(self, prec: int) -> list[arb]:
        N = self.N
        scale = arb(N).rsqrt()
        real, imag = [], []
        for r in range(N):
            s, c = arb.sin_cos_pi_fmpq(fmpq(2 * r, N))
            real.append(c * scale)
            imag.append(-(s * scale))
        return real + imag

    def _expression(self, index: tuple[int, ...]) -> sympy.Expr:
        j, k = index
        r = (j * k) % self.N
        return sympy.exp(-2 * sympy.pi * sympy.I * r / self.N) / sympy.sqrt(self.N)

    def __repr__(self) -> str:
        return f"DFT({self.N})"


Closure = Callable[[int], arb | acb]


class _Generic(Formula):
    """A formula given by a user function ``entry`` (see :class:`FormulaMatrix`)."""

    def __init__(self, shape: tuple[int, ...], entry: Callable[..., object], *,
                 is_complex: bool, description: str):
        if not callable(entry):
            raise InvalidType(
                f"entry={short(entry, use_repr=True)} must be a function of the indices "
                f"returning an exact value (SymPy expression, int, Fraction, 'p/q') or a "
                f"flint closure prec -> arb"
            )
        if not isinstance(is_complex, bool):
            raise InvalidType(f"is_complex={short(is_complex, use_repr=True)} must be a bool")
        if not isinstance(description, str):
            raise InvalidType(f"description={short(description, use_repr=True)} must be a str")
        self.shape = shape
        self.is_complex = is_complex
        self.description = description
        with gc_paused():  # thousands of new objects: no full collections over SymPy's caches
            indices = list(np.ndindex(*shape))
            values = [entry(*ix) for ix in indices]
            closures = [not isinstance(v, sympy.Basic) and callable(v) for v in values]
        self._indices = indices
        self._exact: object | None = None  # the compiled values' part (see balls)
        if all(closures):
            self._closures: list[Closure] | None = values
            self._values: list[object] | None = None
            self.distinct_count = len(values) * (2 if is_complex else 1)
        elif not any(closures):
            self._closures, self._values = None, values
            self.distinct_count = 0
        else:
            first = closures.index(not closures[0])
            raise InvalidArgument(
                f"entry{indices[0]} returned {self._kind(closures[0])} but "
                f"entry{indices[first]} returned {self._kind(closures[first])}; return one "
                f"kind for every entry"
            )

    @staticmethod
    def _kind(closure: bool) -> str:
        return "a flint closure" if closure else "an exact value"

    def exact_values(self) -> list[object] | None:
        return None if self._values is None else list(self._values)

    def balls(self, bits: int) -> list[arb]:
        """Row-major real-component balls of radius ``<= 2^-bits``.  A formula of exact values
        is compiled like a SymPy matrix of them (the balls the oracle serves it from; complex
        only if some value contains ``I``)."""
        if self._values is None:
            return super().balls(bits)
        if self._exact is None:
            if _EXACT_COMPILER is None:  # pragma: no cover - oracle/__init__ imports data
                raise InvalidArgument(f"{self!r}: import oracle.data first (it compiles "
                                      "formulas of exact values)")
            self._exact = _EXACT_COMPILER(self)
        return self._exact.balls(bits)

    def _compiled_only(self, what: str) -> InvalidArgument:
        return InvalidArgument(
            f"{self!r} is compiled like a SymPy matrix of its values, so it has no {what}; "
            f"use balls(bits), or give it to ExactData / Oracle"
        )

    def pattern(self) -> tuple[np.ndarray, list[int]]:
        if self._values is not None:
            raise self._compiled_only("pattern of distinct flint values")
        return super().pattern()

    def enclose(self, bits: int) -> list[arb]:
        if self._values is not None:
            raise self._compiled_only("distinct flint values")
        return super().enclose(bits)

    def _index(self) -> np.ndarray:
        return np.arange(self.distinct_count)

    def distinct_balls(self, prec: int) -> list[arb]:
        if self._closures is None:
            raise self._compiled_only("flint closures")
        out = [f(prec) for f in self._closures]
        if not self.is_complex:
            if all(type(b) is arb for b in out):
                return out
            for ix, b in zip(self._indices, out, strict=True):
                if not isinstance(b, arb):
                    raise InvalidType(
                        f"the closure of entry{ix} returned {short(b, use_repr=True)} of type "
                        f"{type(b).__name__} at prec={prec}; a real formula's closures must "
                        f"return flint.arb balls (pass is_complex=True for complex data)"
                    )
            return out
        indices = self._indices
        return complex_components(
            out, lambda i, b: f"the closure of entry{indices[i]} returned "
                              f"{short(b, use_repr=True)} of type {type(b).__name__} at "
                              f"prec={prec}")

    def _expression(self, index: tuple[int, ...]) -> sympy.Expr:
        raise InvalidArgument(
            f"{self!r} is given by flint closures: its entries have no exact SymPy form (the "
            f"oracle serves them from the closures' balls; give entry as a function returning "
            f"SymPy expressions if you need the exact matrix)"
        )

    def expressions(self) -> list[sympy.Expr]:
        if self._values is not None:
            if self._expressions is None:
                self._expressions = [
                    v if isinstance(v, sympy.Basic) else as_exact(v, f"entry{ix}")
                    for ix, v in zip(self._indices, self._values, strict=True)]
            return list(self._expressions)
        return super().expressions()

    def __repr__(self) -> str:
        kind = "closures" if self._closures is not None else "exact values"
        about = f", {self.description!r}" if self.description else ""
        return f"{type(self).__name__}(shape={self.shape}, {kind}{about})"


class FormulaMatrix(_Generic):
    """An m x N matrix given by ``entry(i, j)`` (0-based row and column).

    With exact values the data are those of the matrix of the values (the SymPy path, same
    balls, values and bounds); with closures they are served from the closures' balls and
    have no exact SymPy form (``ExactData.A`` raises :class:`~oracle.errors.InvalidArgument`).

    Parameters
    ----------
    shape:
        ``(m, N)``, a pair of positive ints.
    entry:
        ``entry(i, j)``, called once per entry when the formula is built, returning for EVERY
        entry either an exact value (a SymPy expression or an int, ``Fraction``,
        ``gmpy2.mpq``, ``'p/q'`` string; a float is refused with
        :class:`~oracle.errors.InexactInput`), or a flint closure ``f(prec) -> flint.arb``
        (``flint.acb`` when ``is_complex``) that, called with ``flint.ctx.prec == prec``,
        returns a ball CONTAINING the exact entry, is deterministic, and has a radius that
        shrinks as ``prec`` grows (a closure whose radii do not shrink is stopped with a
        :class:`~oracle.errors.PrecisionError`).
    is_complex:
        Keyword only: the entries may be complex (exact values containing ``I``; closures
        returning ``acb``).  Default ``False``: an entry that is not real is refused.
    description:
        Keyword only: a short text naming the formula in messages.

    Examples
    --------
    >>> import sympy
    >>> from oracle import Oracle
    >>> hilbert = FormulaMatrix((2, 3), lambda i, j: sympy.Rational(1, i + j + 1))
    >>> Oracle(hilbert).matrix(60)[1, 2]
    mpq(1,4)
    """

    def __init__(self, shape: tuple[int, int], entry: Callable[[int, int], object], *,
                 is_complex: bool = False, description: str = ""):
        shape = check_shape(shape)
        _check_entries(shape[0] * shape[1], f"shape={shape}")
        super().__init__(shape, entry, is_complex=is_complex,
                         description=description)


class FormulaVector(_Generic):
    """A length-m vector given by ``entry(i)``: a sample given by a formula (the contract of
    ``entry`` is the one of :class:`FormulaMatrix`).  Pass it wherever a sample is accepted:
    ``Oracle(A, [FormulaVector(m, entry)])``."""

    def __init__(self, length: int, entry: Callable[[int], object], *,
                 is_complex: bool = False, description: str = ""):
        super().__init__((_check_size(length, "length"),), entry, is_complex=is_complex,
                         description=description)
