"""Certified rational approximations and certified error bounds.

The oracle's promise is ``||A_n - A||_2 <= 2^-(n + tighten)`` (operator 2-norm) and
``||y_{k,n} - y_k||_2 <= 2^-(n + tighten)``.  It is kept as follows, for an array of ``c``
exact entries and target exponent ``t = n + tighten``:

1. Let ``s`` be the least integer with ``4^s >= c`` (so ``sqrt(c) <= 2^s``) and
   ``g = t + s + 1``.  Enclose every entry in a ball of radius ``<= 2^-(g+1)``.
2. Round each midpoint to the nearest multiple of ``2^-g``: the rounding moves it by
   ``<= 2^-(g+1)``, so every entry is within ``e_i = |q_i - mid_i| + rad_i <= 2^-g`` of the truth.
3. The Frobenius norm bounds the operator norm:
   ``||E||_2 <= ||E||_F <= sqrt(sum e_i^2) <= sqrt(c) 2^-g <= 2^-(t+1)``.

Step 3 is not taken on trust: the sum of the ``e_i^2`` is computed exactly in rationals and
compared with ``4^-t``; the resulting bound travels with the answer (``Certified.bound``).

Complex data.  A complex array of ``c`` entries is certified as its ``2c`` real components
(real parts and imaginary parts): for ``E = E_re + i E_im``,
``||E||_2 <= ||E||_F = sqrt(sum_i |E_re,i|^2 + |E_im,i|^2)``, the Frobenius norm of the ``2c``
component errors, so the scheme above with ``c`` replaced by ``2c`` proves the same bound for
the complex error (Euclidean norm on ``C^m``, operator 2-norm on ``C^(m x N)``).  The answer
is a :class:`~oracle.answers.ComplexAnswer`.

Data given by an evaluator (:class:`~oracle.evaluators.CertifiedVector`) go through the same
steps with the evaluator's balls in step 1; the proof then rests on those balls containing the
exact values.

:func:`certified_error` bounds the distance between ANY rational array and exact data the same
way, and additionally by ``sqrt(||E||_1 ||E||_inf)`` for matrices, returning the smaller bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmpy2
import numpy as np
import sympy
from flint import arb, arb_mat

from oracle.answers import ComplexAnswer
from oracle.data import ExactData, ExactPart, _split_complex, as_exact_data
from oracle.errors import (
    InexactInput,
    InvalidArgument,
    InvalidType,
    LimitExceeded,
    OracleError,
    short,
)
from oracle.evaluators import CertifiedVector
from oracle.exact import (
    MAX_BITS,
    MAX_WORKING_PRECISION,
    arb_mid_mpq,
    arb_rad_mpq,
    as_exact,
    check_bits,
    check_sympy,
    compile_expr,
    enclose_many,
    flint_precision,
    gc_paused,
    mpq_to_arb,
)
from oracle.formula import Formula

__all__ = [
    "Certified",
    "admissible",
    "certified_approximation",
    "certified_error",
    "format_upper",
    "proven_error",
    "spectral_norm_upper",
    "sqrt_upper",
]

_MPQ = type(gmpy2.mpq(0))


@dataclass(frozen=True)
class Certified:
    """A rational approximation together with its proof of accuracy.

    ``values`` is a read-only object array of dyadic ``gmpy2.mpq`` (a
    :class:`~oracle.answers.ComplexAnswer` for complex data); ``bound`` an exact rational with
    ``||values - exact||_2 <= bound <= 2^-exponent``.
    """

    values: np.ndarray | ComplexAnswer
    bound: gmpy2.mpq
    exponent: int


def format_upper(value: object, digits: int = 3) -> str:
    """A non-negative rational in scientific notation with ``digits`` decimals, rounded UP
    (so ``"error <= " + format_upper(bound)`` is still true) and at any exponent.

    ``f"{float(q):.3e}"`` is neither: it rounds to nearest, and every bound below about
    ``1e-308`` (levels beyond about 1,020) prints as ``0.000e+00``.

    >>> import gmpy2
    >>> format_upper(gmpy2.mpq(22104, 10**9)), format_upper(gmpy2.mpq(1, 2**2000))
    ('2.211e-05', '8.710e-603')
    """
    q = gmpy2.mpq(value)
    if q < 0:
        raise InvalidArgument(f"value={short(q)} must be non-negative")
    if q == 0:
        return f"{0:.{digits}e}"
    num, den = int(q.numerator), int(q.denominator)
    # the decimal exponent e with 10^e <= q < 10^(e+1): estimated from bit lengths, then exact
    e = int((num.bit_length() - den.bit_length()) * 0.30102999566398120)

    def scaled(e: int) -> gmpy2.mpq:  # q / 10^e
        return q / gmpy2.mpz(10) ** e if e >= 0 else q * gmpy2.mpz(10) ** -e

    while scaled(e) >= 10:
        e += 1
    while scaled(e) < 1:
        e -= 1
    unit = 10**digits
    mantissa = -((-scaled(e) * unit).numerator // (scaled(e) * unit).denominator)  # ceiling
    if mantissa >= 10 * unit:  # 9.9996 rounded up to 10.000: one more power of ten
        e += 1
        mantissa = -((-scaled(e) * unit).numerator // (scaled(e) * unit).denominator)
    head, tail = divmod(int(mantissa), unit)
    return f"{head}.{tail:0{digits}d}e{e:+03d}" if digits else f"{head}e{e:+03d}"


def grid_exponent(count: int, target: int) -> int:
    """The grid exponent ``g = target + s + 1`` where ``s`` is least with ``4^s >= count``."""
    s = 0
    while 4**s < count:
        s += 1
    return target + s + 1


def sqrt_upper(x: gmpy2.mpq, digits: int = 64) -> gmpy2.mpq:
    """A rational upper bound on ``sqrt(x)`` for rational ``x >= 0``, relatively tight to
    about ``2^-digits``."""
    x = gmpy2.mpq(x)
    if x < 0:
        raise InvalidArgument(f"x={x} must be non-negative")
    if x == 0:
        return gmpy2.mpq(0)
    # choose p so that x * 4^p has about 2*digits bits
    num_bits = int(x.numerator).bit_length() - int(x.denominator).bit_length()
    p = max(0, digits - num_bits // 2)
    scaled = x * gmpy2.mpq(4) ** p
    ceiling = -((-scaled.numerator) // scaled.denominator)  # exact integer ceiling
    n = gmpy2.isqrt(ceiling)
    if n * n < scaled:
        n += 1
    return gmpy2.mpq(n, 2**p)


def _round_to_grid(q: gmpy2.mpq, g: int) -> gmpy2.mpq:
    """A nearest multiple of ``2^-g`` to ``q`` (exact integer arithmetic, halves rounded up)."""
    scaled = q * (gmpy2.mpz(1) << g) if g >= 0 else q / (gmpy2.mpz(1) << -g)
    num, den = scaled.numerator, scaled.denominator
    r = (2 * num + den) // (2 * den)
    return gmpy2.mpq(r, gmpy2.mpz(1) << g) if g >= 0 else gmpy2.mpq(r * (gmpy2.mpz(1) << -g))


def certified_approximation(
    data: ExactData, which: object, target: int, shape: tuple[int, ...]
) -> Certified:
    """Dyadic approximation of ``data``'s ``"A"`` or sample ``k`` within ``2^-target`` (2-norm).

    Each distinct entry is rounded once, in integer arithmetic: with every ball's midpoint
    ``m 2^e`` and radius ``r 2^f`` scaled to a common unit ``2^-L``, the grid value is
    ``Q = floor(M / 2^(L-g) + 1/2)`` (a shift) and the entry's error bound
    ``|Q 2^(L-g) - M| + R`` is an integer; the sum of squares (each distinct entry counted as
    often as it occurs) is compared with ``4^(L - target)`` exactly.  The served values and the
    bound are the same rationals as the entrywise ``mpq`` computation would give.
    """
    with gc_paused():
        return _certified_approximation(data, which, target, shape)


def _certified_approximation(
    data: ExactData, which: object, target: int, shape: tuple[int, ...]
) -> Certified:
    is_complex = data.is_complex(which)
    count = int(np.prod(shape)) * (2 if is_complex else 1)  # real components
    g = grid_exponent(count, target)
    index, balls = data.enclosures(which, g + 1)
    multiplicity = data.multiplicities(which)
    mids, rads = [], []
    L = g
    for ball in balls:
        m, e = ball.mid().man_exp()
        r, f = ball.rad().man_exp()
        m, e, r, f = int(m), int(e), int(r), int(f)
        mids.append((m, e))
        rads.append((r, f))
        if m and -e > L:
            L = -e
        if r and -f > L:
            L = -f
    shift = L - g
    half = (1 << (shift - 1)) if shift else 0
    grid = gmpy2.mpz(1) << g
    total = 0
    distinct_values = []
    for (m, e), (r, f), times in zip(mids, rads, multiplicity, strict=True):
        M = m << (L + e) if m else 0
        Q = (M + half) >> shift
        err = abs((Q << shift) - M) + (r << (L + f) if r else 0)
        total += times * err * err
        distinct_values.append(gmpy2.mpq(Q, grid))
    if total > 1 << (2 * (L - target)):  # pragma: no cover - would be a bug in the scheme
        raise OracleError(f"internal error: certificate failed at target={target}")
    table = np.empty(len(distinct_values), dtype=object)
    table[:] = distinct_values
    bound = sqrt_upper(gmpy2.mpq(total, gmpy2.mpz(1) << (2 * L)))
    if is_complex:
        both = table[index.reshape((2, *shape))]
        return Certified(ComplexAnswer._trusted(both[0], both[1]), bound, target)
    values = table[index.reshape(shape)]  # a new array that owns its data
    values.flags.writeable = False
    return Certified(values, bound, target)


def frozen_array(values: object, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A read-only object array that owns its data (a copy of ``values``, reshaped).

    Owning its data matters: a read-only *view* of a writable array can be changed through
    its ``.base``.  Readers of an oracle get their own copy of this (see
    :meth:`oracle.BaseOracle.matrix`), so even flipping the flag back changes nothing shared.
    """
    arr = np.array(values, dtype=object, copy=True)
    if shape is not None and arr.shape != shape:
        arr = arr.reshape(shape).copy()
    arr.flags.writeable = False
    return arr


_FLOATS = (float, np.floating, type(gmpy2.mpfr(0)), sympy.Float, complex, np.complexfloating)


def _flatten_rationals(approx: object, where: str) -> tuple[list[gmpy2.mpq], tuple[int, ...]]:
    """Row-major rationals of ``approx`` and its shape; for complex input (a ComplexAnswer or
    entries ``Rational + Rational*I``) the real parts followed by the imaginary parts."""
    re, im, shape = _flatten_components(approx, where)
    return (re if im is None else re + im), shape


def _gaussian(v: sympy.Expr, where: str) -> tuple[gmpy2.mpq, gmpy2.mpq] | None:
    """``(re, im)`` of a SymPy Gaussian rational ``a + b*I``, or ``None``."""
    split = _split_complex(v)
    if split is None:
        return None
    re, im = split
    if isinstance(re, sympy.Rational) and isinstance(im, sympy.Rational):
        return gmpy2.mpq(int(re.p), int(re.q)), gmpy2.mpq(int(im.p), int(im.q))
    raise InvalidType(
        f"{where}={short(v)} is complex but not a Gaussian rational a + b*I with rational a, b"
    )


def _flatten_components(approx: object, where: str
                        ) -> tuple[list[gmpy2.mpq], list[gmpy2.mpq] | None, tuple[int, ...]]:
    """``(real parts, imaginary parts or None, shape)`` of a rational or Gaussian-rational
    array (``None``: every entry is real and ``approx`` is not a ComplexAnswer)."""
    if isinstance(approx, ComplexAnswer):
        return list(approx.real.flat), list(approx.imag.flat), approx.shape
    arr = np.asarray(approx, dtype=object)
    out = []
    imag: dict[int, gmpy2.mpq] = {}
    for idx, v in np.ndenumerate(arr):
        if isinstance(v, _FLOATS):
            raise InexactInput(
                f"{where}{list(idx)}={short(v, use_repr=True)} is a float; certified_error "
                f"needs rationals (gmpy2.mpq, Fraction or int)"
            )
        if isinstance(v, (bool, np.bool_)):
            raise InvalidType(
                f"{where}{list(idx)}={v!r} is a bool, which is not a number here; pass an int "
                f"or a rational"
            )
        if isinstance(v, sympy.Rational):
            v = gmpy2.mpq(int(v.p), int(v.q))
        elif isinstance(v, sympy.Expr):
            pair = _gaussian(v, f"{where}{list(idx)}")
            if pair is not None:
                imag[len(out)] = pair[1]
                out.append(pair[0])
                continue
        if isinstance(v, np.integer):  # gmpy2 does not take numpy integers
            v = int(v)
        try:
            out.append(gmpy2.mpq(v))
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise InvalidType(
                f"{where}{list(idx)}={short(v, use_repr=True)} (of type {type(v).__name__}) is "
                f"not a rational number"
            ) from exc
    if not imag:
        return out, None, arr.shape
    zero = gmpy2.mpq(0)
    return out, [imag.get(i, zero) for i in range(len(out))], arr.shape


def _exact_balls(exact: object, shape: tuple[int, ...], bits: int) -> tuple[list[arb], bool]:
    """Row-major enclosures of the exact data and whether it is complex (then the real parts
    followed by the imaginary parts).  A column or row ``approx`` (what :func:`oracle.to_sympy`
    makes of a sample) is compared with a vector ``exact`` entry for entry, as a vector
    ``approx`` is with a column or row ``exact``: the 2-norm is the same."""
    # the shapes exact may have: approx's own, or the vector of a (m, 1) or (1, m) approx
    fits = {shape, (shape[0] * shape[1],)} if len(shape) == 2 and 1 in shape else {shape}
    if isinstance(exact, ExactData) or hasattr(exact, "exact_data"):
        exact = as_exact_data(exact).part("A")
    if isinstance(exact, ExactPart):
        if exact.shape not in fits:
            raise InvalidArgument(f"approx has shape {shape} but exact data has {exact.shape}")
        return exact.balls(bits), exact.is_complex
    if isinstance(exact, CertifiedVector):
        if (exact.length,) not in fits:
            raise InvalidArgument(f"approx has shape {shape} but exact has ({exact.length},)")
        return exact.enclose(bits), exact.is_complex
    if isinstance(exact, Formula):
        if exact.shape not in fits:
            raise InvalidArgument(f"approx has shape {shape} but exact {exact!r} has "
                                  f"{exact.shape}")
        if exact.exact_values() is None:
            return exact.balls(bits), exact.is_complex
        exact = exact.sympy_matrix()
    arr = np.asarray(
        exact.tolist() if hasattr(exact, "tolist") and not isinstance(exact, np.ndarray)
        else exact, dtype=object
    )
    if len(shape) == 1 and arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.shape != shape and arr.shape in fits:
        arr = arr.reshape(shape)
    if arr.shape != shape:
        raise InvalidArgument(f"approx has shape {shape} but exact has shape {arr.shape}")
    thunks, imag = [], {}
    for i, v in np.ndenumerate(arr):
        where = f"exact{list(i)}"
        split = _split_complex(v) if isinstance(v, sympy.Expr) and not v.has(sympy.Float) else None
        if split is None:
            thunks.append(compile_expr(as_exact(v, where)))
            continue
        try:
            re, im = (compile_expr(check_sympy(part, where)) for part in split)
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"{where}={short(v)} is complex, but its real and imaginary parts are not "
                f"exact real data of the supported kind ({short(exc, 120)})"
            ) from None
        imag[len(thunks)] = im
        thunks.append(re)
    if not imag:
        return enclose_many(thunks, bits), False
    zero = compile_expr(sympy.Integer(0))
    thunks += [imag.get(i, zero) for i in range(len(thunks))]
    return enclose_many(thunks, bits), True


def spectral_norm_upper(values: list[gmpy2.mpq], shape: tuple[int, int], squarings: int = 7
                        ) -> gmpy2.mpq:
    """A rigorous upper bound on ``||F||_2`` for the rational matrix ``F`` (row-major values).

    With ``G = F F^T`` (or ``F^T F``, whichever is smaller), ``||F||_2^2 = lambda_max(G)`` and,
    for every induced norm, ``lambda_max(G) <= ||G^(2^p)||_inf^(1/2^p)``.  ``G`` is squared
    ``p = squarings`` times in python-flint ball arithmetic and the root of the ball's upper
    end is taken, so the result is a proof; it overestimates by at most the factor
    ``d^(1/2^(p+1))`` (``d`` the size of ``G``), 1.5 % for d = 22 and p = 7.  Used where the
    Frobenius norm is too pessimistic: errors spread over many entries of similar size.
    An exactly zero ``F`` gives 0; if a ball along the way is not finite (it cannot happen for
    finite rational input, but the bound must never be nan), the Frobenius norm is returned.
    """
    bound = _spectral_or_none(values, shape, squarings)
    if bound is None:
        return sqrt_upper(_sum_squares([gmpy2.mpq(v) for v in values]))
    return bound


def largest_upper(balls: list[arb]) -> arb:
    """The ball with the largest upper end ``mid + rad`` (the first of equals).

    ``max(balls)`` is not this: python-flint compares balls as certain inequalities, so for
    overlapping balls ``a > b`` is false both ways and ``max`` keeps whichever came first, whose
    upper end may be the smaller one; a bound taken from it would not be proven.
    """
    return max(balls, key=lambda x: arb_mid_mpq(x) + arb_rad_mpq(x))


def _spectral_or_none(values: list[gmpy2.mpq], shape: tuple[int, int], squarings: int = 7
                      ) -> gmpy2.mpq | None:
    """The bound of :func:`spectral_norm_upper`, or ``None`` if it is not finite."""
    if not any(values):
        return gmpy2.mpq(0)
    m, N = shape
    with flint_precision(128):
        F = arb_mat(m, N, [mpq_to_arb(v) for v in values])
        G = F * F.transpose() if m <= N else F.transpose() * F
        for _ in range(squarings):
            G = G * G
        d = G.nrows()
        sums = [sum((abs(G[i, j]) for j in range(d)), arb(0)) for i in range(d)]
        if not all(x.is_finite() for x in sums):
            return None
        worst = largest_upper(sums)
        bound = worst.root(2 ** (squarings + 1))
        if not bound.is_finite():  # e.g. a ball reaching below 0: take the root of its top
            top = arb_mid_mpq(worst) + arb_rad_mpq(worst)
            if top <= 0:
                return gmpy2.mpq(0)
            bound = mpq_to_arb(top).root(2 ** (squarings + 1))
            if not bound.is_finite():
                return None
        return arb_mid_mpq(bound) + arb_rad_mpq(bound)


def _entry_errors(
    approx: object, exact: object, bits: int | None
) -> tuple[list[gmpy2.mpq], list[gmpy2.mpq], tuple[int, ...]]:
    """Per-component rigorous upper and lower bounds on ``|approx_i - exact_i|``."""
    re, im, shape = _flatten_components(approx, "approx")
    values = re if im is None else re + im
    if not values:
        raise InvalidArgument("approx must be non-empty")
    if bits is None:
        bits = max(int(v.denominator).bit_length() for v in values) + 64
        if bits > MAX_WORKING_PRECISION - 32:
            raise LimitExceeded(
                f"approx has a denominator of {bits - 64} bits, so the default bits={bits} "
                f"exceeds the working-precision cap {MAX_WORKING_PRECISION}; pass bits= "
                f"(at most MAX_BITS={MAX_BITS})"
            )
    balls, exact_complex = _exact_balls(exact, shape, bits)
    is_complex = im is not None or exact_complex
    if is_complex:  # 2c real components: real parts, then imaginary parts
        c = len(re)
        values = re + (im if im is not None else [gmpy2.mpq(0)] * c)
        if not exact_complex:
            balls = balls + [arb(0)] * c
    upper, lower, signed, radii = [], [], [], []
    for q, ball in zip(values, balls, strict=True):
        diff, rad = q - arb_mid_mpq(ball), arb_rad_mpq(ball)
        gap = abs(diff)
        upper.append(gap + rad)
        lower.append(max(gap - rad, gmpy2.mpq(0)))
        signed.append(diff)
        radii.append(rad)
    return _Errors(upper, lower, signed, radii, shape, is_complex)


@dataclass(frozen=True)
class _Errors:
    """Entrywise error information of ``approx - exact``: upper/lower bounds on ``|E_i|``, the
    signed gaps ``approx_i - mid_i`` and the enclosure radii, per real component (for complex
    data the ``c`` real parts, then the ``c`` imaginary parts)."""

    upper: list[gmpy2.mpq]
    lower: list[gmpy2.mpq]
    signed: list[gmpy2.mpq]
    radii: list[gmpy2.mpq]
    shape: tuple[int, ...]
    is_complex: bool = False


def _sum_squares(values: list[gmpy2.mpq]) -> gmpy2.mpq:
    return sum((e * e for e in values), gmpy2.mpq(0))


def _norm_upper(err: _Errors) -> gmpy2.mpq:
    """The best of three proven bounds on the operator 2-norm: Frobenius, ``sqrt(||E||_1
    ||E||_inf)``, and the spectral bound of the signed gaps plus the Frobenius norm of the
    radii (``E = (approx - mid) + (mid - exact)``, triangle inequality)."""
    errs, shape = err.upper, err.shape
    if not any(errs):  # an exactly zero difference (rational data served exactly)
        return gmpy2.mpq(0)
    frob = sqrt_upper(_sum_squares(errs))
    if len(shape) != 2:
        return frob
    m, N = shape
    signed, spectral_shape = err.signed, (m, N)
    if err.is_complex:
        # |E_ij| <= sqrt(u_re^2 + u_im^2); the signed gaps S = S_re + i S_im have the 2-norm
        # of their real embedding [[S_re, -S_im], [S_im, S_re]]
        c = m * N
        errs = [sqrt_upper(a * a + b * b) for a, b in zip(errs[:c], errs[c:], strict=True)]
        s_re, s_im = signed[:c], signed[c:]
        signed = []
        for i in range(m):
            row = slice(i * N, (i + 1) * N)
            signed += s_re[row] + [-v for v in s_im[row]]
        for i in range(m):
            row = slice(i * N, (i + 1) * N)
            signed += s_im[row] + s_re[row]
        spectral_shape = (2 * m, 2 * N)
    rows = [sum(errs[i * N:(i + 1) * N], gmpy2.mpq(0)) for i in range(m)]
    cols = [sum(errs[j::N], gmpy2.mpq(0)) for j in range(N)]
    best = min(frob, sqrt_upper(max(rows) * max(cols)))
    if m > 1 and N > 1:
        spectral = (spectral_norm_upper(signed, spectral_shape)
                    + sqrt_upper(_sum_squares(err.radii)))
        best = min(best, spectral)
    return best


def certified_error(approx: object, exact: object, *, bits: int | None = None) -> gmpy2.mpq:
    """A rigorous upper bound on ``||approx - exact||_2``.

    Parameters
    ----------
    approx:
        Rational vector or matrix (entries ``gmpy2.mpq``, ``Fraction``, ``int``,
        ``sympy.Rational`` or ``"p/q"`` strings), or a complex one: a
        :class:`~oracle.answers.ComplexAnswer` or entries ``Rational + Rational*I``.
    exact:
        Exact data of the same shape: a ``sympy.Matrix``, nested lists of exact entries (real,
        or complex ``a + b*I``), an :class:`ExactData` / oracle (meaning its matrix ``A``), or
        ``data.part(which)`` (which reuses the data's compiled entries and cached enclosures).
        A column ``(m, 1)`` or row ``(1, m)`` ``approx`` (``to_sympy`` of a sample) against
        a vector ``exact`` of length m is compared as a vector (the 2-norm is the same).
        Real ``approx`` against complex ``exact`` (or the reverse) is compared with an exactly
        zero imaginary part.
    bits:
        Radius of the enclosures of the exact entries (default: 64 bits more than the largest
        denominator of ``approx``), which decides how tight the bound is, never whether it holds.

    Returns
    -------
    gmpy2.mpq
        ``U`` with ``||approx - exact||_2 <= U`` (operator 2-norm for matrices, proven through the
        smaller of the Frobenius bound, ``sqrt(||E||_1 ||E||_inf)`` and a ball-arithmetic
        spectral bound; for complex data the Frobenius norm of the real and imaginary
        component errors, the 1/inf bound on upper bounds of the moduli and the spectral bound
        of the real 2x2-block embedding); exactly 0 when ``approx`` equals dyadic (or
        Gaussian-dyadic) ``exact`` data, e.g. an answer compared with itself.  A rational
        that is not dyadic (``1/3``) is enclosed in a ball of positive radius, so ``approx``
        equal to it gets a positive bound of the size of that radius (about ``2^-bits``).

    Raises
    ------
    InvalidType
        ``bits`` is not an integer (a float, str or bool), or an entry of ``approx`` is not a
        rational (floats, ``gmpy2.mpfr`` and bools are refused).
    LimitExceeded
        ``bits`` above :data:`oracle.exact.MAX_BITS`.
    """
    if bits is not None:
        bits = check_bits(bits, "bits")
    return _norm_upper(_entry_errors(approx, exact, bits))


def proven_error(approx: object, exact: object, level: int) -> gmpy2.mpq | None:
    """A proven bound ``U <= 2^-level`` on ``||approx - exact||_2``, or ``None`` if none is found.

    ``None`` is returned as soon as one entry is certainly farther than ``2^-level`` (an entry
    never exceeds the operator norm); otherwise the bound is retried at increasing precision, so
    ``None`` may also mean "not provable at a generous precision".  ``level`` must be an
    integer with ``|level| <= MAX_BITS`` (:class:`InvalidType` / :class:`LimitExceeded`).
    """
    level = check_bits(level, "level")
    values, _ = _flatten_rationals(approx, "approx")
    if not values:
        raise InvalidArgument("approx must be non-empty")
    base = max(int(v.denominator).bit_length() for v in values) + max(level, 0) + 16
    limit = gmpy2.mpq(1, 2**level) if level >= 0 else gmpy2.mpq(2**-level)
    for extra in (48, 256, 1024):
        err = _entry_errors(approx, exact, base + extra)
        if max(err.lower) > limit:
            return None
        bound = _norm_upper(err)
        if bound <= limit:
            return bound
    return None


def admissible(approx: object, exact: object, level: int) -> bool:
    """``True`` when ``||approx - exact||_2 <= 2^-level`` is PROVEN (see :func:`proven_error`)."""
    return proven_error(approx, exact, level) is not None
