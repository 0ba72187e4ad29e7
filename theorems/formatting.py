"""Exact decimal formatting of rationals for reports and JSON.

Certified quantities are rationals; printing them through a float would round in an unknown
direction.  :func:`decimal` rounds exactly and in the direction asked, so lower ends of
enclosures can be printed rounded down and upper ends rounded up: the printed interval still
contains the certified one.
"""

from __future__ import annotations

import math
import numbers
import operator
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import gmpy2

from theorems.errors import InvalidArgument, InvalidType

__all__ = ["decimal", "round_significant", "fixed_places"]

_TEN = gmpy2.mpq(10)
_LOG10_2 = math.log10(2)


def _rational(q: object) -> gmpy2.mpq:
    """``q`` as an exact rational: Python and numpy integers, ``Fraction``, ``gmpy2`` numbers,
    finite floats (numpy's too) at their exact binary value.  Infinities and NaN are
    :class:`InvalidArgument`, other types :class:`InvalidType` (both name ``q``)."""
    if isinstance(q, numbers.Integral):
        return gmpy2.mpq(int(q))
    if isinstance(q, numbers.Rational):
        return gmpy2.mpq(int(q.numerator), int(q.denominator))
    if isinstance(q, numbers.Real):
        if not math.isfinite(q):
            raise InvalidArgument(f"q={q!r} must be finite")
        # an mpfr converts exactly; anything else (numpy's float32, ...) through a double
        return gmpy2.mpq(q) if isinstance(q, gmpy2.mpfr) else gmpy2.mpq(float(q))
    if isinstance(q, str):
        try:
            return gmpy2.mpq(q)
        except ValueError:
            raise InvalidArgument(f"q={q!r} is not a rational number") from None
    raise InvalidType(f"q has type {type(q).__name__}; pass an int, a rational or a float")


def _count(value: object, name: str, low: int) -> int:
    """``value`` as an int >= ``low`` (numpy integers accepted, bools and floats not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(f"{name}={value!r} must be an integer >= {low}")
    value = operator.index(value)
    if value < low:
        raise InvalidArgument(f"{name}={value!r} must be an integer >= {low}")
    return value


def decimal(q: object, digits: int = 7, direction: str = "nearest") -> str:
    """``q`` (an int, a rational, or a float taken at its exact binary value) as a decimal string
    with ``digits`` significant digits, in scientific notation when its exponent is not zero
    (``"1.5e-3"``), rounded ``"down"`` (toward -inf), ``"up"`` (toward +inf) or to
    ``"nearest"``; trailing zeros of the mantissa are dropped.

    >>> decimal(gmpy2.mpq(1, 3), 3, "up")
    '3.34e-1'
    """
    if direction not in ("down", "up", "nearest"):
        raise InvalidArgument(f"direction={direction!r} must be 'down', 'up' or 'nearest'")
    digits = _count(digits, "digits", 1)
    q = _rational(q)
    if q == 0:
        return "0"
    negative = q < 0
    a = -q if negative else q
    # first guess of the decimal exponent from the bit lengths (no str() of huge integers,
    # which Python refuses past 4300 digits); the loops make 10^(e-1) <= a < 10^e exact
    bits = int(a.numerator).bit_length() - int(a.denominator).bit_length()
    e = int(bits * _LOG10_2)
    while a >= _TEN**e:
        e += 1
    while a < _TEN ** (e - 1):
        e -= 1
    scaled = a * _TEN ** (digits - e)  # in [10^(digits-1), 10^digits)
    num, den = int(scaled.numerator), int(scaled.denominator)
    if direction == "nearest":
        k = (2 * num + den) // (2 * den)
    elif (direction == "up") != negative:  # round the magnitude up
        k = -((-num) // den)
    else:
        k = num // den
    text = str(k)
    power = e - digits + len(text) - 1
    tail = text[1:].rstrip("0")
    mantissa = text[0] + ("." + tail if tail else "")
    sign = "-" if negative else ""
    return f"{sign}{mantissa}e{power:+d}" if power else f"{sign}{mantissa}"


def round_significant(q: gmpy2.mpq, digits: int) -> str:
    """``q`` (any number :func:`decimal` takes) rounded to nearest, ties to even, with
    ``digits`` significant digits (display only): plain notation when ``|q| >= 1e-4``
    (``"0.333"``, ``"12300"``), scientific below (``"1.00e-6"``)."""
    digits = _count(digits, "digits", 1)
    q = _rational(q)
    if q == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = ROUND_HALF_EVEN
        d = Decimal(int(q.numerator)) / Decimal(int(q.denominator))
    return format(d, "f") if abs(d) >= Decimal("1e-4") else f"{d:.{digits - 1}e}"


def fixed_places(q: gmpy2.mpq, places: int) -> str:
    """``q`` (any number :func:`decimal` takes) rounded to the nearest multiple of
    ``10^-places``, ties to even, with ``places`` decimals, as the paper prints (display only;
    ``"-0.00"`` for a negative ``q`` that rounds to zero).  The rounding is exact: one
    rounding of the rational ``q``, at any magnitude."""
    places = _count(places, "places", 0)
    q = _rational(q)
    scaled = q * _TEN**places
    num, den = int(scaled.numerator), int(scaled.denominator)
    k, rest = divmod(num, den)  # num = k den + rest, 0 <= rest < den
    if 2 * rest > den or (2 * rest == den and k % 2):
        k += 1
    text = gmpy2.mpz(abs(k)).digits(10).rjust(places + 1, "0")  # no 4300-digit limit
    sign = "-" if q < 0 else ""
    return f"{sign}{text[:-places]}.{text[-places:]}" if places else f"{sign}{text}"
