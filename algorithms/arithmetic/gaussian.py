"""Exact complex input: Gaussian rationals ``a + b i`` with ``a, b`` in ``Q``.

:class:`GaussianRational` is the exact complex number of this package: an immutable pair of
``gmpy2.mpq`` with the field operations, conjugation and the squared modulus (the modulus itself
is usually irrational and is not offered).  It is the entry type of complex vectors in
:class:`~algorithms.arithmetic.exact.Exact` and the exact format in which complex data enter
every context.

Accepted complex spellings (:func:`as_gaussian`): a :class:`GaussianRational`; a SymPy number
``a + b*I`` whose real and imaginary parts are SymPy rationals; and every real rational spelling
that :func:`algorithms.rationals.as_mpq` accepts (imaginary part 0).  Python ``complex`` and
numpy complex scalars are refused like floats (:class:`~algorithms.errors.InexactInput`): they
are already rounded.  Tuples ``(re, im)`` are NOT read as complex numbers (a list of pairs would
be ambiguous with a 2-D array); build ``GaussianRational(re, im)`` or use
``ctx.complex_vector(re_parts, im_parts)`` instead.
"""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np

from algorithms.errors import InexactInput, InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, convert_matrix

__all__ = [
    "GaussianRational",
    "as_gaussian",
    "as_gaussian_vector",
    "as_gaussian_matrix",
    "is_complex_like",
    "IMAG_UNIT",
]

_MPZ = type(gmpy2.mpz(0))
_ZERO = gmpy2.mpq(0)


def _q(v: object, where: str) -> gmpy2.mpq:
    if isinstance(v, MPQ):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return gmpy2.mpq(v)
    return as_mpq(v, where)


class GaussianRational:
    """The exact complex number ``re + im*i`` (``re``, ``im`` are ``gmpy2.mpq``).

    >>> z = GaussianRational(1, "1/2")
    >>> z * z.conjugate() == z.abs2()
    True
    >>> str(z * z)
    '3/4+1i'
    """

    __slots__ = ("re", "im")

    def __init__(self, re: object = 0, im: object = 0):
        self.re = _q(re, "re")
        self.im = _q(im, "im")

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _other(o: object) -> GaussianRational | None:
        if isinstance(o, GaussianRational):
            return o
        if isinstance(o, MPQ):
            return GaussianRational(o, _ZERO)
        if isinstance(o, (int, _MPZ, Fraction, np.integer)) and not isinstance(o, bool):
            return GaussianRational(o, _ZERO)
        return None

    @property
    def real(self) -> gmpy2.mpq:
        return self.re

    @property
    def imag(self) -> gmpy2.mpq:
        return self.im

    def conjugate(self) -> GaussianRational:
        """``re - im*i``."""
        return GaussianRational(self.re, -self.im)

    def abs2(self) -> gmpy2.mpq:
        """``|z|^2 = re^2 + im^2`` (exact)."""
        return self.re * self.re + self.im * self.im

    def is_real(self) -> bool:
        return self.im == 0

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, o: object) -> GaussianRational:
        w = self._other(o)
        if w is None:
            return NotImplemented
        return GaussianRational(self.re + w.re, self.im + w.im)

    __radd__ = __add__

    def __sub__(self, o: object) -> GaussianRational:
        w = self._other(o)
        if w is None:
            return NotImplemented
        return GaussianRational(self.re - w.re, self.im - w.im)

    def __rsub__(self, o: object) -> GaussianRational:
        w = self._other(o)
        if w is None:
            return NotImplemented
        return GaussianRational(w.re - self.re, w.im - self.im)

    def __mul__(self, o: object) -> GaussianRational:
        if isinstance(o, (MPQ, int)) and not isinstance(o, bool):
            return GaussianRational(self.re * o, self.im * o)
        w = self._other(o)
        if w is None:
            return NotImplemented
        return GaussianRational(self.re * w.re - self.im * w.im, self.re * w.im + self.im * w.re)

    __rmul__ = __mul__

    def __truediv__(self, o: object) -> GaussianRational:
        w = self._other(o)
        if w is None:
            return NotImplemented
        d = w.abs2()
        if d == 0:
            raise ZeroDivisionError("GaussianRational division by zero")
        return GaussianRational((self.re * w.re + self.im * w.im) / d,
                                (self.im * w.re - self.re * w.im) / d)

    def __rtruediv__(self, o: object) -> GaussianRational:
        w = self._other(o)
        if w is None:
            return NotImplemented
        return w / self

    def __neg__(self) -> GaussianRational:
        return GaussianRational(-self.re, -self.im)

    def __pos__(self) -> GaussianRational:
        return self

    def __eq__(self, o: object) -> bool:
        w = self._other(o)
        if w is None:
            return NotImplemented
        return self.re == w.re and self.im == w.im

    def __ne__(self, o: object) -> bool:
        eq = self.__eq__(o)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self.re) if self.im == 0 else hash((self.re, self.im))

    def __bool__(self) -> bool:
        return bool(self.re) or bool(self.im)

    def __repr__(self) -> str:
        return f"GaussianRational({self.re}, {self.im})"

    def __str__(self) -> str:
        sign = "+" if self.im >= 0 else "-"
        return f"{self.re}{sign}{abs(self.im)}i"

    def __complex__(self) -> complex:
        return complex(int(self.re.numerator) / int(self.re.denominator),
                       int(self.im.numerator) / int(self.im.denominator))


#: the imaginary unit as a Gaussian rational
IMAG_UNIT = GaussianRational(0, 1)


def _complex_refusal(value: object, where: str) -> InexactInput:
    return InexactInput(
        f"{where}={value!r} is a floating-point complex number, which is not exact; pass "
        f"GaussianRational(re, im) with rational parts (or a SymPy a + b*I with rational a, b)")


def is_complex_like(value: object) -> bool:
    """Whether ``value`` is a complex number with a possibly nonzero imaginary part (a
    :class:`GaussianRational`, a Python/numpy complex, or a non-real SymPy number).  Cheap:
    SymPy's assumption system is not consulted."""
    if isinstance(value, GaussianRational):
        return True
    if isinstance(value, (complex, np.complexfloating)):
        return True
    if getattr(value, "is_Rational", False) or isinstance(value, (int, MPQ, Fraction, str)):
        return False
    return callable(getattr(value, "as_real_imag", None)) and bool(
        getattr(value, "is_number", False))


def as_gaussian(value: object, where: str = "value") -> GaussianRational:
    """``value`` as an exact :class:`GaussianRational` (floats and complex floats refused)."""
    if isinstance(value, GaussianRational):
        return value
    if isinstance(value, (complex, np.complexfloating)):
        raise _complex_refusal(value, where)
    if (not getattr(value, "is_Rational", False) and callable(getattr(value, "as_real_imag", None))
            and getattr(value, "is_number", False)):
        re, im = value.as_real_imag()  # type: ignore[union-attr]
        try:
            return GaussianRational(as_mpq(re, f"Re({where})"), as_mpq(im, f"Im({where})"))
        except InexactInput:
            raise
        except InvalidType:
            raise InvalidType(
                f"{where}={value!r} is not a Gaussian rational: its real and imaginary parts "
                f"{re}, {im} must be rationals") from None
    return GaussianRational(as_mpq(value, where), _ZERO)


def as_gaussian_vector(values: object, where: str = "values") -> np.ndarray:
    """A 1-D numpy object array of :class:`GaussianRational`."""
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if arr.ndim != 1:
        raise InvalidArgument(f"{where} has shape {arr.shape}; a 1-D vector is required")
    if arr.dtype.kind == "c":
        raise _complex_refusal(arr[0] if arr.size else arr, f"{where}[0]")
    out = np.empty(arr.shape[0], dtype=object)
    for i, v in enumerate(arr):
        out[i] = as_gaussian(v, f"{where}[{i}]")
    return out


def as_gaussian_matrix(rows: object, where: str = "rows") -> np.ndarray:
    """A 2-D numpy object array of :class:`GaussianRational`."""
    return convert_matrix(rows, where, as_gaussian, "c", _complex_refusal)


def split(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts (object arrays of ``mpq``) of an array of Gaussian rationals."""
    re = np.empty(q.shape, dtype=object)
    im = np.empty(q.shape, dtype=object)
    for idx, v in np.ndenumerate(q):
        re[idx] = v.re
        im[idx] = v.im
    return re, im


def join(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    """The array of Gaussian rationals ``re + i*im`` (same shapes)."""
    out = np.empty(re.shape, dtype=object)
    for idx, a in np.ndenumerate(re):
        out[idx] = GaussianRational(a, im[idx])
    return out

