"""Exact conversion of the oracle's answers to SymPy.

``sympy.Matrix(oracle.matrix(n))`` is LOSSY: SymPy does not know ``gmpy2.mpq`` and turns each
entry into a 15-digit ``Float``.  :func:`to_sympy` converts exactly, entry by entry, through
the integer numerator and denominator.
"""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import sympy

from oracle.answers import ComplexAnswer
from oracle.errors import InexactInput, InvalidArgument, InvalidType, short

__all__ = ["to_sympy"]

_FLOATS = (float, np.floating, type(gmpy2.mpfr(0)), sympy.Float, complex, np.complexfloating)


def _rational(value: object, where: str) -> sympy.Rational:
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{where}={value!r} is a bool, not a rational")
    if isinstance(value, _FLOATS):
        raise InexactInput(
            f"{where}={short(value, use_repr=True)} is a float; to_sympy converts exact "
            f"rationals only (gmpy2.mpq, Fraction, int, sympy.Rational)"
        )
    if isinstance(value, sympy.Rational):
        return value
    if isinstance(value, (int, np.integer)) or isinstance(value, type(gmpy2.mpz(0))):
        return sympy.Integer(int(value))
    if isinstance(value, (Fraction, type(gmpy2.mpq(0)))):
        return sympy.Rational(int(value.numerator), int(value.denominator))
    raise InvalidType(
        f"{where}={short(value, use_repr=True)} has type {type(value).__name__}; to_sympy "
        f"converts gmpy2.mpq, Fraction, int and sympy.Rational"
    )


def to_sympy(values: object) -> sympy.Matrix | sympy.Rational:
    """The exact SymPy form of an oracle answer.

    Parameters
    ----------
    values:
        What :meth:`oracle.Oracle.matrix` or :meth:`~oracle.Oracle.sample` returned (an object
        array of ``gmpy2.mpq``, or a :class:`~oracle.answers.ComplexAnswer`, whose entries
        become ``Rational + Rational*I``), or any vector / matrix / scalar of exact rationals
        (``gmpy2.mpq``, ``Fraction``, ``int``, ``sympy.Rational``; nested lists work too).

    Returns
    -------
    sympy.Matrix or sympy.Rational
        A matrix of ``sympy.Rational`` (an (m, 1) column for a vector) equal entry for entry
        to ``values``; a scalar gives a ``sympy.Rational``.  Floats are refused
        (:class:`~oracle.errors.InexactInput`): nothing is rounded.

    Examples
    --------
    >>> import gmpy2
    >>> to_sympy(np.array([gmpy2.mpq(1, 3), gmpy2.mpq(5, 4)], dtype=object))
    Matrix([
    [1/3],
    [5/4]])
    """
    if isinstance(values, ComplexAnswer):
        re, im = to_sympy(values.real), to_sympy(values.imag)
        return re + sympy.I * im  # type: ignore[operator]
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        return _rational(arr.item(), "values")
    if arr.ndim > 2:
        raise InvalidArgument(f"values has shape {arr.shape}; pass a vector or a matrix")
    entries = [_rational(v, f"values{list(i)}") for i, v in np.ndenumerate(arr)]
    rows, cols = (arr.shape[0], 1) if arr.ndim == 1 else arr.shape
    return sympy.Matrix(rows, cols, entries)
