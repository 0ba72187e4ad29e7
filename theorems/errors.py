"""Exceptions raised by the :mod:`theorems` package.

Every message names the parameter, the rule it broke and the value it had, for example
``K=0 must be an integer >= 1``.
"""

from __future__ import annotations

__all__ = [
    "TheoremError",
    "InvalidArgument",
    "InvalidType",
    "ConditionError",
    "Undecided",
]


class TheoremError(Exception):
    """Base class of every error raised by :mod:`theorems`."""


class InvalidArgument(TheoremError, ValueError):
    """An argument has an acceptable type but an inadmissible value."""


class InvalidType(TheoremError, TypeError):
    """An argument has a type that cannot be accepted (for example a float where exact data
    is required)."""


class ConditionError(InvalidArgument):
    """The conditions under which a closed-form solution set (or a claim of the theorem) holds
    are not met by the chosen parameters, so the formula may not be used."""


class Undecided(TheoremError, ArithmeticError):
    """A rigorous comparison could not be decided within the precision cap."""
