"""Exact decimal formatting of rationals for reports and JSON.

Certified quantities are rationals; printing them through a float would round in an unknown
direction.  :func:`decimal` rounds exactly and in the direction asked, so lower ends of
enclosures can be printed rounded down and upper ends rounded up: the printed interval still
contains the certified one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import gmpy2

__all__ = ["decimal", "round_significant", "fixed_places"]

_TEN = gmpy2.mpq(10)


def decimal(q: object, digits: int = 7, direction: str = "nearest") -> str:
    """``q`` (an int, a rational, or a float taken at its exact binary value) as a decimal string
    with ``digits`` significant digits, in scientific notation when its exponent is not zero
    (``"1.5e-3"``), rounded ``"down"`` (toward -inf), ``"up"`` (toward +inf) or to
    ``"nearest"``; trailing zeros of the mantissa are dropped.

    >>> decimal(gmpy2.mpq(1, 3), 3, "up")
    '3.34e-1'
    """
    if direction not in ("down", "up", "nearest"):
        raise ValueError(f"direction={direction!r} must be 'down', 'up' or 'nearest'")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits={digits!r} must be an integer >= 1")
    q = gmpy2.mpq(q)
    if q == 0:
        return "0"
    negative = q < 0
    a = -q if negative else q
    e = len(str(int(a.numerator))) - len(str(int(a.denominator)))
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
    """``q`` rounded to nearest with ``digits`` significant digits (display only)."""
    if q == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = ROUND_HALF_EVEN
        d = Decimal(int(q.numerator)) / Decimal(int(q.denominator))
    return format(d, "f") if abs(d) >= Decimal("1e-4") else f"{d:.{digits - 1}e}"


def fixed_places(q: gmpy2.mpq, places: int) -> str:
    """``q`` rounded to nearest with ``places`` decimals, as the paper prints (display only)."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(int(q.numerator)) / Decimal(int(q.denominator))
        return format(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), "f")
