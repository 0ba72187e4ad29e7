"""Data defined by a rigorous computation: :class:`CertifiedVector`.

Some exact data have no short SymPy form: the unitary DFT of an exact dyadic 64 x 64 image,
sampled at 614 frequencies, is 614 sums of 4,096 roots of unity each.  A
:class:`CertifiedVector` defines such a vector by an *evaluator*: a function
``evaluate(prec)`` that returns, at python-flint working precision ``prec``, one ``arb``
(real data) or ``acb`` (complex data) ball per entry, each CONTAINING the exact value.

The oracle then treats the balls exactly as it treats the balls of a compiled expression
(:mod:`oracle.certify`): it raises ``prec`` until every radius (of the real and of the
imaginary part) is at most ``2^-(g+1)``, rounds the midpoints to the grid ``2^-g`` and proves
``||answer - exact||_2 <= 2^-(n + tighten)`` by an exact rational sum of squares.

**What the proof rests on.**  Every step after the evaluator is exact rational arithmetic, so
the promise holds exactly when the evaluator's enclosures are rigorous: each returned ball
must contain the exact value.  python-flint's ball functions (``acb.dft``, ``arb`` and ``acb``
arithmetic, ``acb_mat`` products) are rigorous; an evaluator that computes midpoints in
floating point and attaches a guessed radius is not, and then nothing is proven.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flint import acb, arb

from oracle.entries import MAX_WORKING_PRECISION, flint_precision, integer_or_none
from oracle.errors import InvalidArgument, InvalidType, PrecisionError, short
from oracle.exact import _check_working_bits, _magnitude_bits, _radius_ok, arb_rad_mpq

__all__ = ["CertifiedVector"]

Evaluator = Callable[[int], Sequence[arb | acb]]


def complex_components(balls: Sequence[object], culprit: Callable[[int, object], str]
                       ) -> list[arb]:
    """The real parts of complex ``balls`` followed by their imaginary parts (an ``arb`` is a
    complex number with zero imaginary part).  Anything else raises
    :class:`~oracle.errors.InvalidType` whose message starts with ``culprit(i, ball)``."""
    re, im = [], []
    zero = arb(0)
    for i, b in enumerate(balls):
        if isinstance(b, acb):
            re.append(b.real)
            im.append(b.imag)
        elif isinstance(b, arb):
            re.append(b)
            im.append(zero)
        else:
            raise InvalidType(f"{culprit(i, b)}; complex data need flint.acb (or flint.arb) "
                              f"balls")
    return re + im


class CertifiedVector:
    """A vector of exact real or complex numbers defined by a rigorous ball evaluator.

    Parameters
    ----------
    length:
        The number of entries ``m`` (a positive int).
    evaluate:
        ``evaluate(prec) -> sequence of length`` balls: ``flint.arb`` (real data) or
        ``flint.acb`` (complex data; an ``arb`` is accepted as a complex number with zero
        imaginary part), each containing the exact value of its entry.  The oracle calls it
        with python-flint's ``ctx.prec`` set to ``prec`` (and restores the old value
        afterwards); its radii must shrink as ``prec`` grows.  Called again at each precision
        the oracle tries, so it should be deterministic.
    is_complex:
        Keyword only: whether the entries are complex (answers are then
        :class:`~oracle.ComplexAnswer`) or real (answers are arrays of ``gmpy2.mpq``).
    description:
        A short text naming the data in error messages and ``repr``.
    max_precision:
        The highest working precision tried (bits, default and at most
        :data:`oracle.entries.MAX_WORKING_PRECISION`); beyond it a
        :class:`~oracle.errors.PrecisionError` is raised.  A lying evaluator, whose radii do
        not shrink, is stopped earlier, after three calls (see :meth:`enclose`).

    Notes
    -----
    A ``CertifiedVector`` may be given wherever a sample vector is accepted
    (``Oracle(A, [vec, ...])``, ``ExactData``).  The promise of every answer built from it is
    proven *given* that the evaluator's enclosures are rigorous (see the module docstring).

    Examples
    --------
    The unitary DFT of an exact dyadic vector, by python-flint's rigorous FFT:

    >>> from flint import acb, fmpq
    >>> x = [fmpq(1, 2), fmpq(-3, 4), fmpq(0), fmpq(1)]
    >>> def dft(prec):
    ...     return [v / 2 for v in acb.dft([acb(q) for q in x])]  # 1/sqrt(4) = 1/2 exactly
    >>> y = CertifiedVector(4, dft, is_complex=True, description="DFT of x")
    """

    __slots__ = ("length", "is_complex", "description", "max_precision", "_evaluate")

    def __init__(
        self,
        length: int,
        evaluate: Evaluator,
        *,
        is_complex: bool,
        description: str = "",
        max_precision: int = MAX_WORKING_PRECISION,
    ):
        size = integer_or_none(length)
        if size is None:
            raise InvalidType(f"length={short(length, use_repr=True)} must be a positive int")
        length = size
        if length < 1:
            raise InvalidArgument(f"length={length} must be a positive int")
        if not callable(evaluate):
            raise InvalidType(
                f"evaluate={short(evaluate, use_repr=True)} must be a function prec -> "
                f"sequence of flint.arb / flint.acb balls"
            )
        if not isinstance(is_complex, bool):
            raise InvalidType(f"is_complex={short(is_complex, use_repr=True)} must be a bool")
        if not isinstance(description, str):
            raise InvalidType(f"description={short(description, use_repr=True)} must be a str")
        cap = integer_or_none(max_precision)
        if cap is None:
            raise InvalidType(f"max_precision={short(max_precision, use_repr=True)} must be "
                              f"an int")
        max_precision = cap
        if not 64 <= max_precision <= MAX_WORKING_PRECISION:
            raise InvalidArgument(
                f"max_precision={max_precision} must be in [64, MAX_WORKING_PRECISION="
                f"{MAX_WORKING_PRECISION}]"
            )
        self.length = length
        self.is_complex = is_complex
        self.description = description
        self.max_precision = max_precision
        self._evaluate = evaluate

    def __repr__(self) -> str:
        kind = "complex" if self.is_complex else "real"
        about = f", {self.description!r}" if self.description else ""
        return f"CertifiedVector(length={self.length}, {kind}{about})"

    def _name(self) -> str:
        return repr(self.description) if self.description else "the CertifiedVector"

    def components(self, prec: int) -> list[arb]:
        """The balls at working precision ``prec`` as real components: the ``length`` entries
        (real data) or their ``length`` real parts followed by their ``length`` imaginary parts
        (complex data).  Validates what the evaluator returned."""
        with flint_precision(prec):
            out = self._evaluate(prec)
        try:
            balls = list(out)
        except TypeError:
            raise InvalidType(
                f"the evaluator of {self._name()} returned {type(out).__name__}, not a "
                f"sequence of balls"
            ) from None
        if len(balls) != self.length:
            raise InvalidArgument(
                f"the evaluator of {self._name()} returned {len(balls)} balls at prec={prec}, "
                f"but length={self.length}"
            )
        if not self.is_complex:
            for i, b in enumerate(balls):
                if not isinstance(b, arb):
                    raise InvalidType(
                        f"the evaluator of {self._name()} returned entry [{i}] of type "
                        f"{type(b).__name__}; real data need flint.arb balls (pass "
                        f"is_complex=True for complex data)"
                    )
            return balls
        return complex_components(
            balls, lambda i, b: f"the evaluator of {self._name()} returned entry [{i}] of type "
                                f"{type(b).__name__}")

    def enclose(self, bits: int) -> list[arb]:
        """Real-component balls (see :meth:`components`) of radius ``<= 2^-bits`` each.

        The working precision starts at ``max(bits + 32, 64)``; while some radius is too
        large it becomes ``2 prec + e`` (``e`` the largest magnitude, in bits, of a ball that
        is too wide) and the evaluator is called again; entries narrow enough are kept from
        the first precision at which they were.  The schedule depends on ``bits`` alone, so
        (for a deterministic evaluator) so do the balls.

        :class:`~oracle.errors.PrecisionError` is raised past ``max_precision``, and also as
        soon as the largest radius that is still too wide (finite) has failed to shrink on two
        consecutive raises of the precision: a rigorous evaluator's radii shrink roughly like
        ``2^-prec``, so such an evaluator is not one, and raising the precision further
        (toward millions of bits) would only take time.
        """
        bits = _check_working_bits(bits)
        prec = max(bits + 32, 64)
        count = 2 * self.length if self.is_complex else self.length
        results: list[arb | None] = [None] * count
        todo = list(range(count))
        worst_before, stalls = None, 0
        while todo:
            if prec > self.max_precision:
                raise PrecisionError(
                    f"bits={bits}: the evaluator of {self._name()} gave {len(todo)} of "
                    f"{count} real components a radius above 2^-{bits} at every working "
                    f"precision up to max_precision={self.max_precision} bits (its radii do "
                    f"not shrink with prec: is the enclosure rigorous and prec-dependent?)"
                )
            balls = self.components(prec)
            left, extra, worst = [], 0, None
            for i in todo:
                x = balls[i]
                if _radius_ok(x, bits):
                    results[i] = x
                else:
                    left.append(i)
                    if x.is_finite():
                        extra = max(extra, _magnitude_bits(x))
                        rad = arb_rad_mpq(x)
                        worst = rad if worst is None else max(worst, rad)
            todo = left
            if todo and worst is not None and worst_before is not None and worst >= worst_before:
                stalls += 1
                if stalls >= 2:
                    raise PrecisionError(
                        f"bits={bits}: the evaluator of {self._name()} gave radii up to "
                        f"{float(worst):.3g} (above 2^-{bits}) that did not shrink when the "
                        f"working precision was raised twice (last prec={prec}); its "
                        f"enclosures do not depend on prec, so they cannot be made narrow "
                        f"enough (is the enclosure rigorous and computed at ctx.prec?)"
                    )
            else:
                stalls = 0
            worst_before = worst
            prec = 2 * prec + extra
        return results  # type: ignore[return-value]
