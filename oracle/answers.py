"""Complex answers: a Gaussian-rational vector or matrix ``real + i imag``.

The oracle serves real data as read-only object arrays of ``gmpy2.mpq`` (unchanged).  Complex
data (samples or matrices with entries ``a + b*I``, or a complex
:class:`~oracle.evaluators.CertifiedVector`) are served as a :class:`ComplexAnswer`: two
read-only object arrays of dyadic ``gmpy2.mpq`` of the same shape, ``.real`` and ``.imag``,
with the promise ``||(real + i imag) - exact||_2 <= 2^-(n + tighten)`` (the Euclidean norm on
``C^m``, the operator 2-norm on ``C^(m x N)``).
"""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import sympy

from oracle.errors import InexactInput, InvalidArgument, InvalidType, ReadOnlyAttribute, short

__all__ = ["ComplexAnswer"]

_MPQ = type(gmpy2.mpq(0))
_FLOATS = (float, np.floating, type(gmpy2.mpfr(0)), sympy.Float, complex, np.complexfloating)


def _as_mpq(value: object, where: str) -> gmpy2.mpq:
    if isinstance(value, _MPQ):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{where}={value!r} is a bool, not a rational")
    if isinstance(value, _FLOATS):
        raise InexactInput(
            f"{where}={short(value, use_repr=True)} is a float; a ComplexAnswer holds exact "
            f"rationals (gmpy2.mpq, Fraction, int, sympy.Rational)"
        )
    if isinstance(value, sympy.Rational):
        return gmpy2.mpq(int(value.p), int(value.q))
    if isinstance(value, (int, np.integer, Fraction, type(gmpy2.mpz(0)))):
        return gmpy2.mpq(value)
    raise InvalidType(
        f"{where}={short(value, use_repr=True)} has type {type(value).__name__}; a "
        f"ComplexAnswer holds gmpy2.mpq, Fraction, int or sympy.Rational"
    )


def _frozen(values: object, where: str, shape: tuple[int, ...] | None) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim not in (1, 2):
        raise InvalidArgument(f"{where} has shape {arr.shape}; pass a vector or a matrix")
    if shape is not None and arr.shape != shape:
        raise InvalidArgument(f"{where} has shape {arr.shape} but real has shape {shape}")
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = _as_mpq(v, f"{where}{list(idx)}")
    out.flags.writeable = False
    return out


class ComplexAnswer:
    """A complex rational vector or matrix ``real + i imag`` (what the oracle serves for
    complex data).

    Parameters
    ----------
    real, imag:
        1-D or 2-D arrays (or nested lists) of the same shape with exact rational entries
        (``gmpy2.mpq``, ``Fraction``, ``int``, ``sympy.Rational``); floats and Python
        ``complex`` are refused (:class:`~oracle.errors.InexactInput`).

    Notes
    -----
    Attributes ``real`` and ``imag`` are read-only (assigning raises
    :class:`~oracle.errors.ReadOnlyAttribute`) and hold read-only object arrays of
    ``gmpy2.mpq`` that own their data (``.base is None``).  Every oracle read returns the
    reader's own ``ComplexAnswer``: changing its arrays (even after setting
    ``flags.writeable = True``) changes no later read and no other reader's answer.
    ``oracle.to_sympy(answer)`` converts exactly (entries ``Rational + Rational*I``);
    ``oracle.certified_error(answer, exact)`` bounds ``||answer - exact||_2``.  Two answers are
    ``==`` when both parts are equal entry for entry.
    """

    __slots__ = ("_real", "_imag")

    def __init__(self, real: object, imag: object):
        re = _frozen(real, "real", None)
        im = _frozen(imag, "imag", re.shape)
        object.__setattr__(self, "_real", re)
        object.__setattr__(self, "_imag", im)

    @classmethod
    def _trusted(cls, real: np.ndarray, imag: np.ndarray) -> ComplexAnswer:
        """Wrap arrays of ``mpq`` made by the oracle (no validation; they are copied so that
        the answer owns them)."""
        obj = object.__new__(cls)
        re, im = real.copy(), imag.copy()
        re.flags.writeable = False
        im.flags.writeable = False
        object.__setattr__(obj, "_real", re)
        object.__setattr__(obj, "_imag", im)
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise ReadOnlyAttribute(f"{name} is read-only: a ComplexAnswer cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise ReadOnlyAttribute(f"{name} is read-only: a ComplexAnswer cannot be changed")

    @property
    def real(self) -> np.ndarray:
        """The real part: a read-only object array of ``gmpy2.mpq``."""
        return self._real

    @property
    def imag(self) -> np.ndarray:
        """The imaginary part: a read-only object array of ``gmpy2.mpq``."""
        return self._imag

    @property
    def shape(self) -> tuple[int, ...]:
        """``(m,)`` for a vector, ``(m, N)`` for a matrix."""
        return self._real.shape

    @property
    def ndim(self) -> int:
        """1 for a vector, 2 for a matrix."""
        return self._real.ndim

    def __len__(self) -> int:
        return len(self._real)

    def copy(self) -> ComplexAnswer:
        """A new answer with its own (read-only) copies of both parts."""
        return ComplexAnswer._trusted(self._real, self._imag)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ComplexAnswer):
            return NotImplemented
        return (
            self.shape == other.shape
            and bool(np.all(self._real == other._real))
            and bool(np.all(self._imag == other._imag))
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, tuple[np.ndarray, np.ndarray]]:
        return (ComplexAnswer, (self._real, self._imag))

    def __repr__(self) -> str:
        return f"ComplexAnswer(shape={self.shape})"
