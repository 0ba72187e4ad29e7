"""Exceptions raised by the :mod:`algorithms` package.

Every message names the offending parameter, the rule it broke and the value it had, e.g.
``prec=1 must be an integer >= 2``.  Each class also subclasses the builtin it refines, so
``except ValueError`` keeps working for callers that do not know this package.
"""

from __future__ import annotations

__all__ = [
    "AlgorithmError",
    "InvalidArgument",
    "InvalidType",
    "InexactInput",
    "InexactOperation",
    "PrecisionError",
    "ConvergenceError",
]


class AlgorithmError(Exception):
    """Base class of every error raised by :mod:`algorithms`."""


class InvalidArgument(AlgorithmError, ValueError):
    """An argument has an acceptable type but an inadmissible value (shape, sign, range...)."""


class InvalidType(AlgorithmError, TypeError):
    """An argument has a type that cannot be accepted."""


class InexactInput(InvalidType):
    """A float (or another inexact number) was passed where exact rational data is required."""


class InexactOperation(AlgorithmError, ArithmeticError):
    """An exact context was asked for a result that is not rational (e.g. ``sqrt(2)``)."""


class PrecisionError(AlgorithmError, ArithmeticError):
    """A rigorous bound could not be established at the available precision."""


class ConvergenceError(AlgorithmError, ArithmeticError):
    """An iteration did not reach the accuracy it was asked for."""
