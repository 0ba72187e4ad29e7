"""The three sparse-recovery problems of the paradox as small frozen records.

With data ``A`` (m x N) and a sample ``y`` (length m):

* (P1) basis pursuit denoising: minimise ``||x||_1`` subject to ``||A x - y||_2 <= eta``;
* (P2) LASSO:                   minimise ``lam ||x||_1 + ||A x - y||_2^2``;
* (P3) square-root LASSO:       minimise ``lam ||x||_1 + ||A x - y||_2``.

The parameters (``eta >= 0``, ``lam > 0``) are exact rationals (``gmpy2.mpq``); floats are
refused.  Each record evaluates its objective (and, for P1, its constraint) on a vector in any
arithmetic context of :mod:`algorithms.arithmetic` (exact rationals, balls, multiprecision,
float64): the same formula, the context decides the arithmetic.  ``x`` and ``y`` are vectors
of the context (``ctx.vector(...)``) and ``A`` a context matrix (``ctx.matrix(rows)``; a 2-D
array of rationals is converted).  In the exact context a 2-norm is only available when it is
rational, so the (P1) constraint is offered squared (:meth:`P1.constraint_gap`) and the (P2)
objective uses ``||r||^2 = <r, r>``.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, ClassVar

import gmpy2
import sympy

from theorems.errors import InvalidArgument
from theorems.instances._exact import rational, to_sympy

__all__ = ["P1", "P2", "P3", "Problem", "problem", "PROBLEM_NAMES"]

#: the names accepted by :func:`problem`
PROBLEM_NAMES = ("P1", "P2", "P3")


def _residual(x: Any, A: Any, y: Any, ctx: Any) -> Any:
    """``A x - y`` in the context ``ctx`` (``A`` converted with ``ctx.matrix`` if needed)."""
    if type(A).__name__ != "CtxMatrix":
        A = ctx.matrix(A)
    return ctx.sub(ctx.matvec(A, x), y)


def _scope(ctx: Any) -> Any:
    """The context's precision scope for scalar arithmetic with Python operators (python-flint
    balls compute at a process-global precision, so ``Ball`` contexts provide ``scope()``);
    a no-op for contexts whose numbers carry their own precision."""
    scope = getattr(ctx, "scope", None)
    return scope() if scope is not None else nullcontext()


def _residual_norm(x: Any, A: Any, y: Any, ctx: Any) -> Any:
    """``||A x - y||_2`` in the context ``ctx``."""
    return ctx.norm2(_residual(x, A, y, ctx))


def _positive(value: object, name: str) -> gmpy2.mpq:
    """``value`` as an exact rational ``> 0`` (the error names ``name``)."""
    q = rational(value, name)
    if q <= 0:
        raise InvalidArgument(f"{name}={q} must be > 0")
    return q


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

    def constraint_gap(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``eta^2 - ||A x - y||_2^2``: ``x`` is feasible exactly when this is ``>= 0``
        (squared so that it is exact in the exact context)."""
        r = _residual(x, A, y, ctx)
        rr, eta2 = ctx.dot(r, r), ctx.scalar(self.eta * self.eta)
        with _scope(ctx):
            return eta2 - rr

    def describe(self) -> str:
        return f"minimise ||x||_1 subject to ||Ax - y||_2 <= eta = {self.eta}"


@dataclass(frozen=True)
class P2(_Base):
    """LASSO: ``min lam ||x||_1 + ||A x - y||_2^2`` (``lam > 0``)."""

    lam: gmpy2.mpq
    name: ClassVar[str] = "P2"
    parameter: ClassVar[str] = "lam"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", _positive(self.lam, "lam"))

    def objective(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``lam ||x||_1 + ||A x - y||_2^2`` in the context ``ctx``."""
        r = _residual(x, A, y, ctx)
        lam, l1, rr = ctx.scalar(self.lam), ctx.norm1(x), ctx.dot(r, r)
        with _scope(ctx):
            return lam * l1 + rr

    def describe(self) -> str:
        return f"minimise lam*||x||_1 + ||Ax - y||_2^2 with lam = {self.lam}"


@dataclass(frozen=True)
class P3(_Base):
    """Square-root LASSO: ``min lam ||x||_1 + ||A x - y||_2`` (``lam > 0``)."""

    lam: gmpy2.mpq
    name: ClassVar[str] = "P3"
    parameter: ClassVar[str] = "lam"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", _positive(self.lam, "lam"))

    def objective(self, x: Any, A: Any, y: Any, ctx: Any) -> Any:
        """``lam ||x||_1 + ||A x - y||_2`` in the context ``ctx``."""
        lam, l1, rn = ctx.scalar(self.lam), ctx.norm1(x), _residual_norm(x, A, y, ctx)
        with _scope(ctx):
            return lam * l1 + rn

    def describe(self) -> str:
        return f"minimise lam*||x||_1 + ||Ax - y||_2 with lam = {self.lam}"


Problem = P1 | P2 | P3


def problem(name: str, value: object) -> Problem:
    """Build ``P1(eta=value)``, ``P2(lam=value)`` or ``P3(lam=value)`` from its name."""
    if not isinstance(name, str) or name.upper() not in PROBLEM_NAMES:
        raise InvalidArgument(f"name={name!r} must be one of {', '.join(PROBLEM_NAMES)}")
    cls = {"P1": P1, "P2": P2, "P3": P3}[name.upper()]
    return cls(value)
