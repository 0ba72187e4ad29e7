"""Exact entries: what counts as exact real data (:func:`as_exact`, floats refused), the limits on
levels and working precision, and the scopes for python-flint's global precision and the
garbage collector.  :mod:`oracle.exact` compiles and encloses the validated entries.
"""

from __future__ import annotations

import gc
import numbers
import re
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from numbers import Real

import gmpy2
import numpy as np
import sympy
from flint import ctx

from oracle.errors import (
    InexactInput,
    InvalidArgument,
    InvalidType,
    LimitExceeded,
    short,
)

__all__ = [
    "MAX_BITS",
    "MAX_WORKING_PRECISION",
    "as_exact",
    "check_bits",
    "check_shape",
    "check_sympy",
    "flint_precision",
    "gc_paused",
    "integer_or_none",
]

#: hard limit on every level and every ``bits`` the package accepts from a caller (262,144
#: bits, about 79,000 decimal digits): ``enclose``, ``certified_error``, ``admissible`` and an
#: oracle's ``ceiling`` and ``n + tighten``.  Beyond it a :class:`~oracle.errors.LimitExceeded`
#: is raised before any work, instead of exhausting memory.
MAX_BITS = 1 << 18

#: hard cap on the working precision reached inside :func:`enclose_many` (bits); an entry that
#: needs more (one that is undefined, e.g. ``log(0)``) raises :class:`PrecisionError`
MAX_WORKING_PRECISION = 1 << 22

_RATIONAL_STRING = re.compile(r"^\s*([+-]?\d+)\s*(?:/\s*(\d+))?\s*$")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector inside the block (restored afterwards).

    Compiling and rounding thousands of entries allocates many small objects; each full
    collection then walks every live SymPy object (a 128 x 128 matrix of expressions and
    SymPy's caches), which more than doubled the time of a cold oracle.  Nothing created here
    is cyclic garbage, so pausing the collector changes no result.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def flint_precision(prec: int) -> Iterator[None]:
    """Set python-flint's global working precision to ``prec`` bits inside the block only."""
    old = ctx.prec
    ctx.prec = prec
    try:
        yield
    finally:
        ctx.prec = old


def integer_or_none(value: object) -> int | None:
    """``value`` as an ``int`` if it is an integer of any integral type (``int``, numpy
    integers, ``gmpy2.mpz``, ``sympy.Integer``: every :class:`numbers.Integral`), else ``None``.

    ``bool`` and ``numpy.bool_`` are not integers here (``matrix(True)`` is a mistake, not
    level 1), nor are floats with integral values (``3.0``): both give ``None``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def check_bits(bits: object, name: str = "bits", *, lowest: int = -MAX_BITS) -> int:
    """``bits`` as an ``int`` in ``[lowest, MAX_BITS]``, or a named error.

    Floats, strings, ``None`` and ``bool`` raise :class:`InvalidType` (as ``matrix(n)`` does);
    values out of range raise :class:`InvalidArgument` (below ``lowest``) or
    :class:`LimitExceeded` (above :data:`MAX_BITS`).
    """
    value = integer_or_none(bits)
    if value is None:
        raise InvalidType(f"{name}={short(bits, use_repr=True)} must be an integer")
    bits = value
    if bits < lowest:
        rule = "a non-negative integer" if lowest == 0 else f"an integer >= {lowest}"
        raise InvalidArgument(f"{name}={short(bits)} must be {rule}")
    if bits > MAX_BITS:
        raise LimitExceeded(
            f"{name}={short(bits)} exceeds the limit MAX_BITS={MAX_BITS} (about "
            f"{int(MAX_BITS * 0.30103)} decimal digits)"
        )
    return bits


def refuse_float(value: object, where: str) -> InexactInput:
    return InexactInput(
        f"{where}={short(value, use_repr=True)} is a float, which is not exact data; pass an "
        f"int, a fractions.Fraction, a gmpy2.mpq, a 'p/q' string or a SymPy expression such as "
        f"sympy.Rational(1, 10) or sympy.sqrt(2) instead"
    )


def _parse_int(text: str) -> int:
    """``int(text)``, also beyond Python's 4,300-digit limit on converting text to ``int``."""
    try:
        return int(text)
    except ValueError:  # too many digits for int(): gmpy2 has no such limit
        return int(gmpy2.mpz(text.strip()))


def as_exact(value: object, where: str = "value") -> sympy.Expr:
    """Convert ``value`` to an exact real SymPy expression, refusing anything inexact.

    Accepted: ``int`` (not ``bool``), ``Fraction``, ``gmpy2.mpz``/``mpq``, strings ``"p"`` or
    ``"p/q"``, and SymPy expressions without floats, free symbols or imaginary parts.
    ``where`` names the argument in error messages (e.g. ``"A[2, 3]"``).
    """
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(
            f"{where}={value!r} is a bool, which is not a number here; pass an int or a "
            f"rational instead"
        )
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, type(gmpy2.mpz(0))):
        return sympy.Integer(int(value))
    if isinstance(value, type(gmpy2.mpq(0))):
        return sympy.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, str):
        match = _RATIONAL_STRING.match(value)
        if not match:
            raise InvalidArgument(
                f"{where}={short(value, use_repr=True)} is not a rational string; use 'p' or "
                f"'p/q' with integers"
            )
        p, q = _parse_int(match.group(1)), _parse_int(match.group(2) or "1")
        if q == 0:
            raise InvalidArgument(f"{where}={short(value, use_repr=True)} has a zero denominator")
        return sympy.Rational(p, q)
    if isinstance(value, (float, np.floating, gmpy2.mpfr().__class__)) or isinstance(
        value, sympy.Float
    ):
        raise refuse_float(value, where)
    if isinstance(value, np.integer):
        return sympy.Integer(int(value))
    if isinstance(value, sympy.Basic):
        return check_sympy(value, where)
    if isinstance(value, Real):
        raise refuse_float(value, where)
    raise InvalidType(
        f"{where}={short(value, use_repr=True)} has type {type(value).__name__}; pass an int, "
        f"Fraction, gmpy2.mpq, 'p/q' string or SymPy expression"
    )


def check_sympy(value: sympy.Basic, where: str) -> sympy.Expr:
    """Validate a SymPy object as exact real data; SymPy's own exceptions (raised, e.g., by
    its assumption system on unevaluated powers of zero) become :class:`InvalidArgument`."""
    if not isinstance(value, sympy.Expr):
        raise InvalidType(f"{where}={short(value)} is not a SymPy expression")
    try:
        if value.has(sympy.Float):
            raise refuse_float(value, where)
        if value.free_symbols:
            names = ", ".join(sorted(str(s) for s in value.free_symbols))
            raise InvalidArgument(
                f"{where}={short(value)} has free symbols ({short(names)}); data must be numbers"
            )
        if value.is_real is False:
            raise InvalidArgument(
                f"{where}={short(value)} is not real; the testbed uses real data"
            )
    except (InvalidArgument, InvalidType):
        raise
    except Exception as exc:  # SymPy raised while validating: report it as bad data
        raise InvalidArgument(
            f"{where}={short(value)} could not be validated as exact real data (SymPy raised "
            f"{type(exc).__name__}: {short(exc)})"
        ) from exc
    return value


def check_shape(shape: object) -> tuple[int, int]:
    """``shape`` as a pair ``(m, N)`` of positive ints, or a named error."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise InvalidType(f"shape={short(shape, use_repr=True)} must be a pair (m, N) of ints")
    m, N = integer_or_none(shape[0]), integer_or_none(shape[1])
    if m is None or N is None:
        raise InvalidType(
            f"shape={short(shape, use_repr=True)} must be a pair (m, N) of positive ints"
        )
    if m < 1 or N < 1:
        raise InvalidArgument(f"shape={(m, N)} must be a pair of positive ints")
    return m, N
