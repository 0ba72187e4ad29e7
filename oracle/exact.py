"""Exact real data and its rigorous evaluation with python-flint balls.

An *exact* entry is a SymPy expression built from integers, rationals, ``pi``, ``E`` and the
elementary functions (``sqrt`` and other powers, ``cos``, ``sin``, ``tan``, ``exp``, ``log``,
``atan``, ...), or a rational given as ``int``, :class:`fractions.Fraction`, ``gmpy2.mpq`` or a
``"p/q"`` string.  Floats are refused: ``0.1`` is not one tenth, and a testbed about certified
digits must not pretend it is.

Evaluation is rigorous.  Each expression is compiled once into a tree of closures over
python-flint ``arb`` operations; evaluating that tree at working precision ``p`` yields a ball
that provably contains the exact value (``arb`` propagates rounding errors in its radius).
:func:`enclose` raises ``p`` until the radius is at most ``2^-bits``.  Neither ``mpmath.iv`` nor
``sympy.evalf`` is used for guarantees.

python-flint keeps its working precision in the process-global ``flint.ctx.prec``; every
function here scopes changes with :func:`flint_precision` and restores the old value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from numbers import Real

import gmpy2
import numpy as np
import sympy
from flint import arb, ctx, fmpq, fmpz

from oracle.errors import (
    InexactInput,
    InvalidArgument,
    InvalidType,
    LimitExceeded,
    PrecisionError,
    short,
)

__all__ = [
    "MAX_BITS",
    "MAX_WORKING_PRECISION",
    "as_exact",
    "check_bits",
    "compile_expr",
    "enclose",
    "enclose_many",
    "flint_precision",
    "arb_mid_mpq",
    "arb_rad_mpq",
    "mpq_to_arb",
    "dyadic_at_most",
]

#: hard limit on every level and every ``bits`` the package accepts from a caller (262,144
#: bits, about 79,000 decimal digits): ``enclose``, ``certified_error``, ``admissible`` and an
#: oracle's ``ceiling`` and ``n + tighten``.  Beyond it a :class:`~oracle.errors.LimitExceeded`
#: is raised before any work, instead of exhausting memory.
MAX_BITS = 1 << 18

#: hard cap on the working precision reached inside :func:`enclose_many` (bits); an entry that
#: needs more (one that is undefined, e.g. ``log(0)``) raises :class:`PrecisionError`
MAX_WORKING_PRECISION = 1 << 22

_RATIONAL_STRING = re.compile(r"^\s*([+-]?\d+)\s*(?:/\s*(\d+))?\s*$")


@contextmanager
def flint_precision(prec: int) -> Iterator[None]:
    """Set python-flint's global working precision to ``prec`` bits inside the block only."""
    old = ctx.prec
    ctx.prec = prec
    try:
        yield
    finally:
        ctx.prec = old


def check_bits(bits: object, name: str = "bits", *, lowest: int = -MAX_BITS) -> int:
    """``bits`` as an ``int`` in ``[lowest, MAX_BITS]``, or a named error.

    Floats, strings, ``None`` and ``bool`` raise :class:`InvalidType` (as ``matrix(n)`` does);
    values out of range raise :class:`InvalidArgument` (below ``lowest``) or
    :class:`LimitExceeded` (above :data:`MAX_BITS`).
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise InvalidType(f"{name}={short(bits, use_repr=True)} must be an integer")
    bits = int(bits)
    if bits < lowest:
        rule = "a non-negative integer" if lowest == 0 else f"an integer >= {lowest}"
        raise InvalidArgument(f"{name}={short(bits)} must be {rule}")
    if bits > MAX_BITS:
        raise LimitExceeded(
            f"{name}={short(bits)} exceeds the limit MAX_BITS={MAX_BITS} (about "
            f"{int(MAX_BITS * 0.30103)} decimal digits)"
        )
    return bits


def _refuse_float(value: object, where: str) -> InexactInput:
    return InexactInput(
        f"{where}={short(value, use_repr=True)} is a float, which is not exact data; pass an "
        f"int, a fractions.Fraction, a gmpy2.mpq, a 'p/q' string or a SymPy expression such as "
        f"sympy.Rational(1, 10) or sympy.sqrt(2) instead"
    )


def as_exact(value: object, where: str = "value") -> sympy.Expr:
    """Convert ``value`` to an exact real SymPy expression, refusing anything inexact.

    Accepted: ``int`` (not ``bool``), ``Fraction``, ``gmpy2.mpz``/``mpq``, strings ``"p"`` or
    ``"p/q"``, and SymPy expressions without floats, free symbols or imaginary parts.
    ``where`` names the argument in error messages (e.g. ``"A[2, 3]"``).
    """
    if isinstance(value, (bool, np.bool_)):
        raise InvalidType(
            f"{where}={value!r} is a bool, which is not a number here; pass an int or a "
            f"rational instead"
        )
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, type(gmpy2.mpz(0))):
        return sympy.Integer(int(value))
    if isinstance(value, type(gmpy2.mpq(0))):
        return sympy.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, str):
        match = _RATIONAL_STRING.match(value)
        if not match:
            raise InvalidArgument(
                f"{where}={short(value, use_repr=True)} is not a rational string; use 'p' or "
                f"'p/q' with integers"
            )
        p, q = int(match.group(1)), int(match.group(2) or 1)
        if q == 0:
            raise InvalidArgument(f"{where}={short(value, use_repr=True)} has a zero denominator")
        return sympy.Rational(p, q)
    if isinstance(value, (float, np.floating, gmpy2.mpfr().__class__)) or isinstance(
        value, sympy.Float
    ):
        raise _refuse_float(value, where)
    if isinstance(value, np.integer):
        return sympy.Integer(int(value))
    if isinstance(value, sympy.Basic):
        return _check_sympy(value, where)
    if isinstance(value, Real):
        raise _refuse_float(value, where)
    raise InvalidType(
        f"{where}={short(value, use_repr=True)} has type {type(value).__name__}; pass an int, "
        f"Fraction, gmpy2.mpq, 'p/q' string or SymPy expression"
    )


def _check_sympy(value: sympy.Basic, where: str) -> sympy.Expr:
    """Validate a SymPy object as exact real data; SymPy's own exceptions (raised, e.g., by
    its assumption system on unevaluated powers of zero) become :class:`InvalidArgument`."""
    if not isinstance(value, sympy.Expr):
        raise InvalidType(f"{where}={short(value)} is not a SymPy expression")
    try:
        if value.has(sympy.Float):
            raise _refuse_float(value, where)
        if value.free_symbols:
            names = ", ".join(sorted(str(s) for s in value.free_symbols))
            raise InvalidArgument(
                f"{where}={short(value)} has free symbols ({short(names)}); data must be numbers"
            )
        if value.is_real is False:
            raise InvalidArgument(
                f"{where}={short(value)} is not real; the testbed uses real data"
            )
    except (InvalidArgument, InvalidType):
        raise
    except Exception as exc:  # SymPy raised while validating: report it as bad data
        raise InvalidArgument(
            f"{where}={short(value)} could not be validated as exact real data (SymPy raised "
            f"{type(exc).__name__}: {short(exc)})"
        ) from exc
    return value


# --------------------------------------------------------------------------- compilation

ArbThunk = Callable[[], arb]

_UNARY: dict[type, Callable[[arb], arb]] = {
    sympy.cos: lambda x: x.cos(),
    sympy.sin: lambda x: x.sin(),
    sympy.tan: lambda x: x.tan(),
    sympy.exp: lambda x: x.exp(),
    sympy.log: lambda x: x.log(),
    sympy.atan: lambda x: x.atan(),
    sympy.asin: lambda x: x.asin(),
    sympy.acos: lambda x: x.acos(),
    sympy.sinh: lambda x: x.sinh(),
    sympy.cosh: lambda x: x.cosh(),
    sympy.tanh: lambda x: x.tanh(),
    sympy.Abs: lambda x: abs(x),
}


def ipow(x: arb, e: int) -> arb:
    """``x ** e`` for an integer ``e >= 0``, also when ``x`` is centred exactly on 0.

    python-flint returns nan for a power of a ball whose midpoint is exactly 0 (e.g. the
    enclosure of ``4*atan(1) - pi``); such balls are powered by repeated multiplication, which
    is rigorous (if a little wider).  Every other ball goes through ``**`` unchanged.
    """
    result = x**e
    if result.is_finite() or not x.is_finite():
        return result
    power, base = arb(1), x
    while e:
        if e & 1:
            power = power * base
        e >>= 1
        if e:
            base = base * base
    return power


def _fmpq(r: sympy.Rational) -> fmpq:
    return fmpq(int(r.p), int(r.q))


def compile_expr(expr: sympy.Expr) -> ArbThunk:
    """Compile an exact SymPy expression into a function returning an enclosing ``arb`` ball.

    The returned thunk evaluates at python-flint's *current* working precision; use
    :func:`enclose` (which scopes the precision) rather than calling it directly.
    """
    if isinstance(expr, sympy.Integer):
        z = fmpz(int(expr))
        return lambda: arb(z)
    if isinstance(expr, sympy.Rational):
        q = _fmpq(expr)
        return lambda: arb(q)
    if expr is sympy.pi:
        return arb.pi
    if expr is sympy.E:
        return arb.const_e
    if expr is sympy.EulerGamma:
        return arb.const_euler
    if expr is sympy.Catalan:
        return arb.const_catalan
    if isinstance(expr, sympy.Float):
        raise _refuse_float(expr, "expression")
    if isinstance(expr, sympy.Add):
        parts = [compile_expr(a) for a in expr.args]

        def add() -> arb:
            total = parts[0]()
            for part in parts[1:]:
                total = total + part()
            return total

        return add
    if isinstance(expr, sympy.Mul):
        parts = [compile_expr(a) for a in expr.args]

        def mul() -> arb:
            total = parts[0]()
            for part in parts[1:]:
                total = total * part()
            return total

        return mul
    if isinstance(expr, sympy.Pow):
        base, exponent = expr.args
        b = compile_expr(base)
        if isinstance(exponent, sympy.Integer):
            e = int(exponent)
            if e >= 0:
                return lambda: ipow(b(), e)
            return lambda: 1 / ipow(b(), -e)
        if exponent == sympy.Rational(1, 2):
            return lambda: b().sqrt()
        if exponent == sympy.Rational(-1, 2):
            return lambda: b().rsqrt()
        if isinstance(exponent, sympy.Rational):
            p, q = int(exponent.p), int(exponent.q)
            if p >= 0:
                return lambda: ipow(b().root(q), p)
            return lambda: 1 / ipow(b().root(q), -p)
        e_thunk = compile_expr(exponent)
        return lambda: (e_thunk() * b().log()).exp()
    func = _UNARY.get(type(expr))
    if func is not None and len(expr.args) == 1:
        inner = compile_expr(expr.args[0])
        return lambda: func(inner())
    raise InvalidArgument(
        f"expression={short(expr)} uses {type(expr).__name__}, which the rigorous evaluator "
        f"does not support; build data from +, *, powers, pi, E, sqrt, cos, sin, tan, exp, "
        f"log, atan"
    )


# --------------------------------------------------------------------------- helpers on balls


def dyadic_at_most(mantissa: int, exponent: int, k: int) -> bool:
    """Decide exactly whether ``|mantissa| * 2^exponent <= 2^k``."""
    m = abs(int(mantissa))
    if m == 0:
        return True
    shift = k - exponent
    if shift >= 0:
        return m <= (1 << shift)
    return False


def arb_mid_mpq(x: arb) -> gmpy2.mpq:
    """The midpoint of ``x`` as an exact rational."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return gmpy2.mpq(m << e) if e >= 0 else gmpy2.mpq(m, 1 << -e)


def arb_rad_mpq(x: arb) -> gmpy2.mpq:
    """The radius of ``x`` as an exact rational (an upper bound on ``|x_exact - mid|``)."""
    m, e = x.rad().man_exp()
    m, e = int(m), int(e)
    return gmpy2.mpq(m << e) if e >= 0 else gmpy2.mpq(m, 1 << -e)


def mpq_to_arb(q: object) -> arb:
    """An ``arb`` ball containing the rational ``q`` (exact when ``q`` is dyadic and fits)."""
    q = gmpy2.mpq(q)
    return arb(fmpq(int(q.numerator), int(q.denominator)))


def _radius_ok(x: arb, bits: int) -> bool:
    if not x.is_finite():
        return False
    m, e = x.rad().man_exp()
    return dyadic_at_most(int(m), int(e), -bits)


def _magnitude_bits(x: arb) -> int:
    m, e = x.mid().man_exp()
    m = int(m)
    return 0 if m == 0 else max(0, abs(m).bit_length() + int(e))


def enclose_many(thunks: Sequence[ArbThunk], bits: int, *, start: int | None = None) -> list[arb]:
    """Evaluate compiled expressions to balls of radius ``<= 2^-bits`` each.

    The working precision starts at ``bits + 32`` (or ``start``) and doubles until every ball is
    narrow enough; :class:`PrecisionError` is raised past :data:`MAX_WORKING_PRECISION`.
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise InvalidType(f"bits={short(bits, use_repr=True)} must be an integer")
    bits = int(bits)
    if bits < -MAX_WORKING_PRECISION:
        raise InvalidArgument(f"bits={short(bits)} is too small")
    if bits > MAX_WORKING_PRECISION - 32:
        raise LimitExceeded(
            f"bits={bits} exceeds the working-precision cap MAX_WORKING_PRECISION="
            f"{MAX_WORKING_PRECISION}"
        )
    prec = max(start or 0, bits + 32, 64)
    results: list[arb | None] = [None] * len(thunks)
    todo = list(range(len(thunks)))
    while todo:
        if prec > MAX_WORKING_PRECISION:
            raise PrecisionError(
                f"bits={bits}: could not enclose {len(todo)} entries within 2^-{bits} at "
                f"working precision up to {MAX_WORKING_PRECISION} bits (is an entry undefined, "
                f"e.g. log(0) or sqrt of a negative number?)"
            )
        with flint_precision(prec):
            left = []
            extra = 0
            for i in todo:
                x = thunks[i]()
                if _radius_ok(x, bits):
                    results[i] = x
                else:
                    left.append(i)
                    if x.is_finite():
                        extra = max(extra, _magnitude_bits(x))
        todo = left
        prec = 2 * prec + extra
    return results  # type: ignore[return-value]


def enclose(expr: object, bits: int) -> arb:
    """A rigorous ``arb`` ball containing the exact value of ``expr``, with radius ``<= 2^-bits``.

    ``expr`` is anything :func:`as_exact` accepts (SymPy expression or rational).

    >>> import sympy
    >>> enclose(sympy.sqrt(2), 100).rad() <= 2.0**-100
    True
    """
    bits = check_bits(bits)
    return enclose_many([compile_expr(as_exact(expr, "expr"))], bits)[0]
