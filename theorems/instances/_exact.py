"""Private helpers: exact rationals, rigorous signs and zero tests of SymPy numbers.

Rigorous evaluation goes through :func:`oracle.exact.enclose` (python-flint balls); this module
only decides things with it.  A sign is *certain* when a ball excludes zero; when a ball keeps
containing zero at high precision the number is tested for being exactly zero algebraically
(``expand``/``cancel``, then its minimal polynomial).
"""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import sympy
from flint import arb

from oracle.exact import arb_mid_mpq, arb_rad_mpq, as_exact, enclose
from theorems.errors import InvalidArgument, InvalidType, Undecided

MPQ = type(gmpy2.mpq(0))
MPZ = type(gmpy2.mpz(0))

#: precisions (bits) tried, in order, by :func:`sign`
_SIGN_BITS = (64, 256, 1024, 4096)


def rational(value: object, name: str) -> gmpy2.mpq:
    """``value`` as an exact ``gmpy2.mpq``; floats are refused with a message naming ``name``.

    Accepted: ``int`` (not ``bool``), ``Fraction``, ``gmpy2.mpz``/``mpq``, ``sympy.Rational``,
    ``numpy`` integers and ``"p/q"`` strings.
    """
    if isinstance(value, bool):
        raise InvalidType(f"{name}={value!r} is a bool; pass an int or a rational")
    if isinstance(value, (int, MPZ, MPQ, np.integer)):
        return gmpy2.mpq(int(value)) if not isinstance(value, MPQ) else value
    if isinstance(value, Fraction):
        return gmpy2.mpq(value.numerator, value.denominator)
    if isinstance(value, sympy.Rational):
        return gmpy2.mpq(int(value.p), int(value.q))
    if isinstance(value, str):
        try:
            r = as_exact(value, name)
        except ValueError as exc:
            raise InvalidArgument(f"{name}={value!r} is not a rational 'p' or 'p/q'") from exc
        return gmpy2.mpq(int(r.p), int(r.q))
    if isinstance(value, (float, np.floating, sympy.Float)):
        raise InvalidType(
            f"{name}={value!r} is a float, which is not exact; pass an int, a Fraction, a "
            f"gmpy2.mpq or a 'p/q' string (e.g. Fraction(1, 10) for one tenth)"
        )
    raise InvalidType(
        f"{name}={value!r} has type {type(value).__name__}; pass an int, a Fraction, a "
        f"gmpy2.mpq or a 'p/q' string"
    )


def to_sympy(q: gmpy2.mpq) -> sympy.Rational:
    """The SymPy rational equal to ``q``."""
    return sympy.Rational(int(q.numerator), int(q.denominator))


def integer(value: object, name: str, minimum: int | None = None) -> int:
    """``value`` as a Python ``int`` (bools and floats refused), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, MPZ)):
        rule = f"an integer >= {minimum}" if minimum is not None else "an integer"
        raise InvalidType(f"{name}={value!r} must be {rule}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{name}={value} must be an integer >= {minimum}")
    return value


def ball_bounds(x: arb) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Exact rational ``(lower, upper)`` of a finite ball."""
    if not x.is_finite():
        raise Undecided(f"ball {x} is not finite")
    mid, rad = arb_mid_mpq(x), arb_rad_mpq(x)
    return mid - rad, mid + rad


def bounds(expr: sympy.Expr, bits: int = 128) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Rational ``(lower, upper)`` enclosing the exact real ``expr``, ``upper - lower <=
    2^(1-bits)``."""
    return ball_bounds(enclose(expr, bits))


def is_zero(expr: sympy.Expr) -> bool:
    """Decide exactly whether the real number ``expr`` is zero.

    Cheap canonical forms first (``expand_mul``, ``cancel``); a ball that excludes zero proves
    it non-zero; otherwise the minimal polynomial decides (algebraic numbers).
    """
    expr = sympy.sympify(expr)
    if expr == 0:
        return True
    if expr.is_Rational:
        return False
    if sympy.expand_mul(expr) == 0:
        return True
    for bits in _SIGN_BITS[:2]:
        ball = enclose(expr, bits)
        if not ball.contains(0):
            return False
    if sympy.cancel(sympy.together(sympy.expand(expr))) == 0:
        return True
    x = sympy.Dummy("x")
    try:
        return sympy.minimal_polynomial(expr, x) == x
    except (NotImplementedError, sympy.polys.polyerrors.PolynomialError) as exc:
        raise Undecided(f"cannot decide whether {expr} is exactly zero") from exc


def sign(expr: object) -> int:
    """The sign (-1, 0 or 1) of an exact real, decided rigorously."""
    expr = sympy.sympify(expr)
    if expr.is_Rational:
        return int(sympy.sign(expr))
    for bits in _SIGN_BITS:
        ball = enclose(expr, bits)
        if ball > 0:
            return 1
        if ball < 0:
            return -1
        if bits == _SIGN_BITS[1] and is_zero(expr):
            return 0
    if is_zero(expr):
        return 0
    raise Undecided(f"the sign of {expr} is not decided at {_SIGN_BITS[-1]} bits")


def less(a: object, b: object) -> bool:
    """``a < b`` for exact reals, decided rigorously."""
    return sign(sympy.sympify(b) - sympy.sympify(a)) > 0


def sqrt_bounds(q: gmpy2.mpq, bits: int) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """Rationals ``lo <= sqrt(q) <= hi`` with ``hi - lo <= 2^-bits`` (equal when exact).

    With ``q = p/d``: ``sqrt(q) = sqrt(p*d)/d``, and ``isqrt`` of ``p*d*4^s`` brackets it.
    """
    q = gmpy2.mpq(q)
    if q < 0:
        raise InvalidArgument(f"q={q} must be non-negative for a square root")
    if q == 0:
        return gmpy2.mpq(0), gmpy2.mpq(0)
    p, d = gmpy2.mpz(q.numerator), gmpy2.mpz(q.denominator)
    shift = max(bits + 2, 0)
    scaled = p * d << (2 * shift)
    r = gmpy2.isqrt(scaled)
    den = d << shift
    lo = gmpy2.mpq(r, den)
    hi = lo if r * r == scaled else gmpy2.mpq(r + 1, den)
    return lo, hi
