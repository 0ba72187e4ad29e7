"""Exact rational input: parsing, validation and small exact helpers.

Everything that enters an algorithm as *data* or as a *parameter* is an exact rational
(``gmpy2.mpq``).  Accepted spellings: ``int`` (not ``bool``), ``fractions.Fraction``,
``gmpy2.mpz``/``mpq``, numpy integers, and strings such as ``"3"``, ``"-7/4"``, ``"0.1"`` or
``"1e-6"`` (read exactly, so ``"0.1"`` is ``1/10``).  Floats are refused with a message that
says what to pass instead: a float is already rounded, and silently turning it into a rational
would hide that.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from fractions import Fraction
from numbers import Real

import gmpy2
import numpy as np

from algorithms.errors import InexactInput, InvalidArgument, InvalidType

__all__ = [
    "MPQ",
    "as_mpq",
    "as_mpq_vector",
    "as_mpq_matrix",
    "as_positive_int",
    "as_problem_data",
    "dyadic_round",
    "mpq_sqrt_upper",
    "mpq_sqrt_lower",
    "mpq_to_fmpq",
    "float_refusal",
]

MPQ = type(gmpy2.mpq(0))
_MPZ = type(gmpy2.mpz(0))
_MPFR = type(gmpy2.mpfr(0))


#: the largest decimal exponent ``|e|`` an input string ``"...e<e>"`` may carry: reading
#: ``"1e1000000000"`` exactly would build a billion-digit integer (minutes, gigabytes)
MAX_DECIMAL_EXPONENT = 1_000_000
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)\s*$")


def _short(text: str, limit: int = 60) -> str:
    """``repr(text)``, cut to ``limit`` characters."""
    r = repr(text)
    return r if len(r) <= limit else r[: limit - 3] + "..."


def float_refusal(value: object, where: str) -> InexactInput:
    """The error raised when a float is offered as exact data."""
    return InexactInput(
        f"{where}={value!r} is a float, which is not exact; pass an int, a fractions.Fraction, "
        f"a gmpy2.mpq or a string such as '1/10' or '1e-6' (read exactly) instead"
    )


def as_mpq(value: object, where: str = "value") -> gmpy2.mpq:
    """Convert ``value`` to ``gmpy2.mpq`` exactly, refusing floats and non-numbers.

    ``where`` names the argument in error messages, e.g. ``as_mpq(0.5, "lam")`` raises
    ``InexactInput("lam=0.5 is a float, ...")``.
    """
    if isinstance(value, MPQ):
        return value
    if isinstance(value, bool):
        raise InvalidType(f"{where}={value!r} is a bool; pass an int or a rational instead")
    if isinstance(value, (int, _MPZ, np.integer)):
        return gmpy2.mpq(int(value))
    if isinstance(value, Fraction):
        return gmpy2.mpq(value.numerator, value.denominator)
    if isinstance(value, str):
        exp = _EXPONENT.search(value)
        digits = exp.group(1).lstrip("+-").lstrip("0") if exp is not None else ""
        if len(digits) > 9 or (digits and int(digits) > MAX_DECIMAL_EXPONENT):
            raise InvalidArgument(
                f"{where}={_short(value)} has the decimal exponent {_short(exp.group(1), 24)}; "
                f"at most {MAX_DECIMAL_EXPONENT} in magnitude is accepted (the exact number "
                f"would have that many digits)")
        try:
            f = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(
                f"{where}={value!r} is not a rational string; use e.g. '3', '-7/4', '0.1', '1e-6'"
            ) from None
        return gmpy2.mpq(f.numerator, f.denominator)
    if isinstance(value, (float, np.floating, _MPFR)):
        raise float_refusal(value, where)
    # sympy.Rational and friends expose p and q; accept them without importing sympy
    p, q = getattr(value, "p", None), getattr(value, "q", None)
    if isinstance(p, int) and isinstance(q, int) and getattr(value, "is_Rational", False):
        return gmpy2.mpq(p, q)
    if isinstance(value, Real):
        raise float_refusal(value, where)
    raise InvalidType(
        f"{where}={value!r} has type {type(value).__name__}; pass an int, Fraction, gmpy2.mpq "
        f"or a rational string such as '1/3'"
    )


def as_mpq_vector(values: object, where: str = "y", length: int | None = None) -> np.ndarray:
    """A 1-D numpy object array of ``gmpy2.mpq`` (exact), with an optional length check."""
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise InvalidArgument(f"{where} has shape {arr.shape}; a 1-D vector is required")
    if arr.dtype.kind == "f":
        raise float_refusal(arr[0] if arr.size else arr, f"{where}[0]")
    out = np.empty(arr.shape[0], dtype=object)
    for i, v in enumerate(arr):
        out[i] = as_mpq(v, f"{where}[{i}]")
    if length is not None and out.shape[0] != length:
        raise InvalidArgument(f"{where} has length {out.shape[0]}; length {length} is required")
    return out


def convert_matrix(rows: object, where: str, convert: Callable[[object, str], object],
                   refused_kind: str, refusal: Callable[[object, str], Exception]) -> np.ndarray:
    """A 2-D numpy object array of ``convert(entry, name)`` over ``rows`` (an array or a list
    of rows); a numpy array of dtype kind ``refused_kind`` (``"f"``: floats, ``"c"``:
    complex) is refused with ``refusal(first entry, name)`` before any entry is converted."""
    if isinstance(rows, np.ndarray):
        arr = rows
    else:
        try:
            arr = np.array([list(r) for r in rows], dtype=object)  # type: ignore[union-attr]
        except TypeError:
            raise InvalidArgument(f"{where} must be a 2-D array or a list of rows") from None
    if arr.ndim != 2:
        raise InvalidArgument(f"{where} has shape {arr.shape}; a 2-D matrix is required")
    if arr.dtype.kind == refused_kind:
        raise refusal(arr.flat[0] if arr.size else arr, f"{where}[0, 0]")
    out = np.empty(arr.shape, dtype=object)
    m, n = arr.shape
    for i in range(m):
        for j in range(n):
            out[i, j] = convert(arr[i, j], f"{where}[{i}, {j}]")
    return out


def as_mpq_matrix(rows: object, where: str = "A", shape: tuple[int, int] | None = None
                  ) -> np.ndarray:
    """A 2-D numpy object array of ``gmpy2.mpq`` (exact), with an optional shape check."""
    out = convert_matrix(rows, where, as_mpq, "f", float_refusal)
    if shape is not None and out.shape != tuple(shape):
        raise InvalidArgument(f"{where} has shape {out.shape}; shape {tuple(shape)} is required")
    return out


def as_problem_data(A: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """``(A, y)`` as ``gmpy2.mpq`` arrays, checking that ``y`` has one entry per row of ``A``."""
    Aq = as_mpq_matrix(A, "A")
    yq = as_mpq_vector(y, "y")
    if yq.shape[0] != Aq.shape[0]:
        raise InvalidArgument(
            f"y has length {yq.shape[0]} but A has shape {Aq.shape}; y must have length "
            f"{Aq.shape[0]}")
    return Aq, yq


def as_positive_int(value: object, where: str, minimum: int = 1) -> int:
    """An ``int >= minimum`` from any integral type (``int``, numpy integers, ``gmpy2.mpz``,
    ``sympy.Integer``: whatever implements ``__index__``); bools and floats are refused."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(f"{where}={value!r} must be an integer >= {minimum}")
    try:
        v = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidType(f"{where}={value!r} must be an integer >= {minimum}") from None
    if v < minimum:
        raise InvalidArgument(f"{where}={v} must be an integer >= {minimum}")
    return int(v)


def _floor(q: gmpy2.mpq) -> gmpy2.mpz:
    """Exact floor of a rational (``gmpy2.floor`` rounds through a 53-bit float first)."""
    q = gmpy2.mpq(q)
    return q.numerator // q.denominator


def _ceil(q: gmpy2.mpq) -> gmpy2.mpz:
    """Exact ceiling of a rational."""
    q = gmpy2.mpq(q)
    return -((-q.numerator) // q.denominator)


def dyadic_round(q: object, bits: int, direction: str = "nearest") -> gmpy2.mpq:
    """``q`` rounded to a dyadic rational ``k * 2^e`` with a ``bits``-bit integer ``k``.

    ``direction`` is ``"up"`` (the least such dyadic ``>= q``), ``"down"`` (the greatest
    ``<= q``) or ``"nearest"`` (ties towards ``+inf``); ``q`` is any exact rational spelling
    (:func:`as_mpq`; floats refused) and ``bits`` an integer ``>= 1``.  Used to keep parameters
    short (so every binary context with ``prec >= bits`` represents them exactly).
    """
    if direction not in ("up", "down", "nearest"):
        raise InvalidArgument(f"direction={direction!r} must be 'up', 'down' or 'nearest'")
    bits = as_positive_int(bits, "bits", 1)
    q = as_mpq(q, "q")
    if q == 0:
        return gmpy2.mpq(0)
    num, den = int(q.numerator), int(q.denominator)
    # exponent e with 2^(bits-1) <= |q| / 2^e < 2^bits
    e = abs(num).bit_length() - den.bit_length() - bits
    while True:
        scaled = gmpy2.mpq(num, den) / (gmpy2.mpq(2) ** e)
        if abs(scaled) < 2 ** (bits - 1):
            e -= 1
        elif abs(scaled) >= 2**bits:
            e += 1
        else:
            break
    if direction == "up":
        k = _ceil(scaled)
    elif direction == "down":
        k = _floor(scaled)
    elif direction == "nearest":
        k = _floor(scaled + gmpy2.mpq(1, 2))
    else:
        raise InvalidArgument(f"direction={direction!r} must be 'up', 'down' or 'nearest'")
    return gmpy2.mpq(k) * gmpy2.mpq(2) ** e


def _sqrt_scaled(q: object, bits: int) -> tuple[gmpy2.mpq, int]:
    """``q`` as a non-negative rational and the even shift ``s`` such that
    ``sqrt(q * 2^s)`` has about ``bits`` bits (shared by the two square-root bounds); ``q`` is
    any exact rational spelling (floats refused), ``bits`` an integer ``>= 1``."""
    bits = as_positive_int(bits, "bits", 1)
    q = as_mpq(q, "q")
    if q < 0:
        raise InvalidArgument(f"q={q} must be >= 0 to take its square root")
    shift = 2 * bits + max(0, int(q.denominator).bit_length() - int(q.numerator).bit_length())
    return q, shift + shift % 2


def mpq_sqrt_upper(q: object, bits: int = 64) -> gmpy2.mpq:
    """A rational upper bound of ``sqrt(q)`` for ``q >= 0``, relatively tight to ``2^-bits``."""
    q, shift = _sqrt_scaled(q, bits)
    if q == 0:
        return gmpy2.mpq(0)
    r = gmpy2.isqrt(_ceil(q * gmpy2.mpq(2) ** shift))
    return gmpy2.mpq(r + 1, 2 ** (shift // 2))  # (r + 1)^2 > ceil(q 2^s) >= q 2^s


def mpq_sqrt_lower(q: object, bits: int = 64) -> gmpy2.mpq:
    """A rational lower bound of ``sqrt(q)`` for ``q >= 0``, relatively tight to ``2^-bits``."""
    q, shift = _sqrt_scaled(q, bits)
    if q == 0:
        return gmpy2.mpq(0)
    r = gmpy2.isqrt(_floor(q * gmpy2.mpq(2) ** shift))
    return gmpy2.mpq(r, 2 ** (shift // 2))  # r^2 <= floor(q 2^s) <= q 2^s


def mpq_to_fmpq(q: gmpy2.mpq):  # noqa: ANN201 - python-flint type
    """``flint.fmpq`` equal to ``q`` (python-flint does not accept gmpy2 types directly)."""
    from flint import fmpq

    return fmpq(int(q.numerator), int(q.denominator))


def exact_sqrt(q: gmpy2.mpq) -> gmpy2.mpq | None:
    """``sqrt(q)`` if it is rational, else ``None``."""
    if q < 0:
        return None
    num, den = gmpy2.mpz(q.numerator), gmpy2.mpz(q.denominator)
    if gmpy2.is_square(num) and gmpy2.is_square(den):
        return gmpy2.mpq(gmpy2.isqrt(num), gmpy2.isqrt(den))
    return None
