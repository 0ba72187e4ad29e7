"""Exceptions raised by the :mod:`oracle` package.

Every message names the offending parameter, the rule it broke and the value it had,
e.g. ``n=-3 must be a non-negative integer``.
"""

from __future__ import annotations


class OracleError(Exception):
    """Base class of every error raised by :mod:`oracle`."""


class InvalidArgument(OracleError, ValueError):
    """An argument has the right type but an inadmissible value (negative level, bad shape...)."""


class InvalidType(OracleError, TypeError):
    """An argument has a type the oracle cannot accept."""


class InexactInput(InvalidType):
    """A float (or other inexact number) was passed where exact data is required."""


class BudgetExceeded(OracleError):
    """A read would go beyond the oracle's budget; raised before any work is done."""

    def __init__(self, message: str, *, limit: str, attempted: tuple[str, int | None, int]):
        super().__init__(message)
        #: the name of the limit that was hit: ``"max_level"``, ``"max_reads"`` or ``"ceiling"``
        self.limit = limit
        #: the refused read as ``(kind, k, n)``
        self.attempted = attempted


class PrecisionError(OracleError, ArithmeticError):
    """A rigorous enclosure could not be made narrow enough within the precision cap."""
