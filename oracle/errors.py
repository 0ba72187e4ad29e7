"""Exceptions raised by the :mod:`oracle` package, and the helper that keeps messages short.

Every message names the offending parameter, the rule it broke and the value it had,
e.g. ``n=-3 must be a non-negative integer``.  Values are shown through :func:`short`, so a
message about a 5,000-digit integer stays one readable line (Python refuses to turn integers
of more than 4,300 digits into text at all).
"""

from __future__ import annotations

import numbers

__all__ = [
    "BudgetExceeded",
    "InexactInput",
    "InvalidArgument",
    "InvalidType",
    "LimitExceeded",
    "NoMatrix",
    "OracleError",
    "PrecisionError",
    "ReadOnlyAttribute",
    "short",
]

#: longest text of a value shown in an error message (characters)
SHORT_LIMIT = 80


class OracleError(Exception):
    """Base class of every error raised by :mod:`oracle`."""


class InvalidArgument(OracleError, ValueError):
    """An argument has the right type but an inadmissible value (negative level, bad shape...)."""


class LimitExceeded(InvalidArgument):
    """A level, a number of bits or a precision beyond the package's documented hard limits
    (:data:`oracle.exact.MAX_BITS`, :data:`oracle.exact.MAX_WORKING_PRECISION`)."""


class InvalidType(OracleError, TypeError):
    """An argument has a type the oracle cannot accept."""


class InexactInput(InvalidType):
    """A float (or other inexact number) was passed where exact data is required."""


class ReadOnlyAttribute(OracleError, AttributeError):
    """An attempt to change a read-only setting of an oracle (its budget, tighten, ceiling)."""


class BudgetExceeded(OracleError):
    """A read would go beyond the oracle's budget; raised before any work is done."""

    def __init__(self, message: str, *, limit: str, attempted: tuple[str, int | None, int]):
        super().__init__(message)
        #: the name of the limit that was hit: ``"max_level"``, ``"max_reads"`` or ``"ceiling"``
        self.limit = limit
        #: the refused read as ``(kind, k, n)``
        self.attempted = attempted


class NoMatrix(OracleError):
    """A matrix was asked of a matrix-free problem: its forward operator is known exactly (it is
    the physics, e.g. ``A = P_Omega U W^-1`` in imaging) and is not served by the oracle."""


class PrecisionError(OracleError, ArithmeticError):
    """A rigorous enclosure could not be made narrow enough within the precision cap."""


def _int_text(value: int) -> str:
    bits = abs(value).bit_length()
    if bits <= 256:
        return str(value)
    sign = "-" if value < 0 else ""
    digits = int(bits * 0.30103) + 1
    return f"{sign}<integer of {bits} bits, about {digits} digits>"


def short(value: object, limit: int = SHORT_LIMIT, *, use_repr: bool = False) -> str:
    """``str(value)`` (or ``repr``) abbreviated to at most about ``limit`` characters.

    Integers and rationals with parts of more than 256 bits are described by their size
    instead of being converted (conversion of huge integers is slow, and Python refuses it
    beyond 4,300 digits); any value whose text cannot be made is described by its type.

    >>> short(10**5000)
    '<integer of 16610 bits, about 5001 digits>'
    >>> short("x" * 200, 20)
    'xxxxxxxxxxxxxxxxxxx… (200 characters)'
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return _int_text(int(value))
    if isinstance(value, numbers.Rational):
        p, q = int(value.numerator), int(value.denominator)
        if p.bit_length() > 256 or q.bit_length() > 256:
            return f"{_int_text(p)}/{_int_text(q)}"
    try:
        text = repr(value) if use_repr else str(value)
    except (ValueError, RecursionError, OverflowError):
        return f"<{type(value).__name__} too large to print>"
    if len(text) > limit:
        return f"{text[: limit - 1]}… ({len(text)} characters)"
    return text
