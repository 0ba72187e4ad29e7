"""The three sparse-recovery problems of the paradox as small frozen records.

With data ``A`` (m x N) and a sample ``y`` (length m):

* (P1) basis pursuit denoising: minimise ``||x||_1`` subject to ``||A x - y||_2 <= eta``;
* (P2) LASSO:                   minimise ``lam ||x||_1 + ||A x - y||_2^2``;
* (P3) square-root LASSO:       minimise ``lam ||x||_1 + ||A x - y||_2``.

The parameters (``eta >= 0``, ``lam > 0``) are exact rationals (``gmpy2.mpq``); floats are
refused.  Each record evaluates its objective (and, for P1, its constraint) on a vector in any
arithmetic context of :mod:`algorithms.arithmetic` (exact rationals, balls, multiprecision,
float64): the same formula, the context decides the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import gmpy2
import sympy

from theorems._exact import rational, to_sympy
from theorems.errors import InvalidArgument

__all__ = ["P1", "P2", "P3", "Problem", "problem", "PROBLEM_NAMES"]

#: the names accepted by :func:`problem`
PROBLEM_NAMES = ("P1", "P2", "P3")


def _residual_norm(x: Any, A: Any, y: Any, ctx: Any) -> Any:
    """``||A x - y||_2`` in the context ``ctx``."""
    return ctx.norm2(ctx.sub(ctx.matvec(A, x), y))


class _Base:
    name: ClassVar[str]
    parameter: ClassVar[str]

    @property
    def value(self) -> gmpy2.mpq:
        """The parameter (``eta`` or ``lam``) as an exact rational."""
        return getattr(self, self.parameter)

    @property
    def sympy_value(self) -> sympy.Rational:
        """The parameter as a SymPy rational (for closed-form solution sets)."""
        return to_sympy(self.value)

    def residual_norm(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``||A x - y||_2`` evaluated in the arithmetic context ``ctx``."""
        return _residual_norm(x, A, y, ctx)

    def describe(self) -> str:
        """A one-line statement of the problem with its parameter."""
        raise NotImplementedError

    def __str__(self) -> str:
        v = self.value
        shown = str(int(v)) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
        return f"{self.name}({self.parameter}={shown})"


@dataclass(frozen=True)
class P1(_Base):
    """Basis pursuit denoising: ``min ||x||_1`` s.t. ``||A x - y||_2 <= eta`` (``eta >= 0``)."""

    eta: gmpy2.mpq
    name: ClassVar[str] = "P1"
    parameter: ClassVar[str] = "eta"

    def __post_init__(self) -> None:
        eta = rational(self.eta, "eta")
        if eta < 0:
            raise InvalidArgument(f"eta={eta} must be >= 0")
        object.__setattr__(self, "eta", eta)

    def objective(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``||x||_1`` in the context ``ctx`` (``A``, ``y`` are only used by the constraint)."""
        return ctx.norm1(x)

    def constraint_excess(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``||A x - y||_2 - eta``: ``x`` is feasible exactly when this is ``<= 0``."""
        return _residual_norm(x, A, y, ctx) - _scalar(ctx, self.eta)

    def describe(self) -> str:
        return f"minimise ||x||_1 subject to ||Ax - y||_2 <= eta = {self.eta}"


@dataclass(frozen=True)
class P2(_Base):
    """LASSO: ``min lam ||x||_1 + ||A x - y||_2^2`` (``lam > 0``)."""

    lam: gmpy2.mpq
    name: ClassVar[str] = "P2"
    parameter: ClassVar[str] = "lam"

    def __post_init__(self) -> None:
        lam = rational(self.lam, "lam")
        if lam <= 0:
            raise InvalidArgument(f"lam={lam} must be > 0")
        object.__setattr__(self, "lam", lam)

    def objective(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``lam ||x||_1 + ||A x - y||_2^2`` in the context ``ctx``."""
        r = ctx.sub(ctx.matvec(A, x), y)
        return _scalar(ctx, self.lam) * ctx.norm1(x) + ctx.dot(r, r)

    def describe(self) -> str:
        return f"minimise lam*||x||_1 + ||Ax - y||_2^2 with lam = {self.lam}"


@dataclass(frozen=True)
class P3(_Base):
    """Square-root LASSO: ``min lam ||x||_1 + ||A x - y||_2`` (``lam > 0``)."""

    lam: gmpy2.mpq
    name: ClassVar[str] = "P3"
    parameter: ClassVar[str] = "lam"

    def __post_init__(self) -> None:
        lam = rational(self.lam, "lam")
        if lam <= 0:
            raise InvalidArgument(f"lam={lam} must be > 0")
        object.__setattr__(self, "lam", lam)

    def objective(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``lam ||x||_1 + ||A x - y||_2`` in the context ``ctx``."""
        return _scalar(ctx, self.lam) * ctx.norm1(x) + _residual_norm(x, A, y, ctx)

    def describe(self) -> str:
        return f"minimise lam*||x||_1 + ||Ax - y||_2 with lam = {self.lam}"


Problem = P1 | P2 | P3


def _scalar(ctx: Any, q: gmpy2.mpq) -> Any:
    """The rational ``q`` as a scalar of the context ``ctx`` (its one-entry vector's entry)."""
    return ctx.vector([q])[0]


def problem(name: str, value: object) -> Problem:
    """Build ``P1(eta=value)``, ``P2(lam=value)`` or ``P3(lam=value)`` from its name."""
    if not isinstance(name, str) or name.upper() not in PROBLEM_NAMES:
        raise InvalidArgument(f"name={name!r} must be one of {', '.join(PROBLEM_NAMES)}")
    cls = {"P1": P1, "P2": P2, "P3": P3}[name.upper()]
    return cls(value)
