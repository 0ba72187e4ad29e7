"""The regulariser protocol: a convex ``J`` with its proximal map, in every arithmetic context.

A :class:`Regulariser` ``J`` on vectors of length ``n`` (images and matrices flattened
row-major) provides

=====================  =======================================================================
``value(ctx, x)``      ``J(x)`` as a scalar of ``ctx``
``prox(ctx, x, t)``    ``prox_{t J}(x) = argmin_z  t J(z) + ||z - x||_2^2 / 2`` for a rational
                       (or context scalar) ``t > 0``
``contexts``           the context kinds (``"exact"``, ``"ball"``, ``"mp"``, ``"float64"``) in
                       which ``prox`` is available; elsewhere it raises
                       :class:`~algorithms.errors.InexactOperation` saying why
=====================  =======================================================================

Public checker: :func:`check_prox` tests the prox optimality (variational) inequality
``<x - p, z - p> <= t (J(z) - J(p))`` for ``p = prox_{tJ}(x)`` on random ``z`` in float64.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from algorithms.arithmetic import Context, Float64
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.rationals import as_mpq

__all__ = ["Regulariser", "Zero", "check_prox", "positive_scalar"]

Vec = Any


def positive_scalar(t: object, name: str = "t") -> object:
    """Refuse a step that is not (certainly) positive: numbers and balls are compared with
    0, anything else (a rational string such as ``"-1/2"``) is read by
    :func:`~algorithms.rationals.as_mpq` first.  The message names the parameter and value."""
    try:
        bad = not (t > 0)  # type: ignore[operator]
    except TypeError:
        try:
            bad = not (as_mpq(t, name) > 0)
        except InvalidType:
            raise InvalidType(f"{name}={t!r} must be a positive real number") from None
    if bad:
        raise InvalidArgument(f"{name}={t!r} must be > 0")
    return t


class Regulariser(ABC):
    """A proper convex lower-semicontinuous ``J`` with a computable prox (module docstring)."""

    #: context kinds in which ``prox`` is implemented
    contexts: tuple[str, ...] = ("exact", "ball", "mp", "float64")
    #: whether ``J`` acts on complex vectors too
    complex_ok: bool = True

    @abstractmethod
    def value(self, ctx: Context, x: Vec) -> object:
        """``J(x)``."""

    @abstractmethod
    def prox(self, ctx: Context, x: Vec, t: object) -> Vec:
        """``prox_{t J}(x)``."""

    def _require(self, ctx: Context, why: str = "", what: str = "prox") -> None:
        if ctx.kind not in self.contexts:
            extra = f" ({why})" if why else ""
            raise InexactOperation(
                f"{type(self).__name__}.{what} is not available in ctx={ctx.name}; it runs in "
                f"{', '.join(self.contexts)}{extra}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Zero(Regulariser):
    """``J = 0`` (prox is the identity): for problems whose whole regulariser is ``||Bx||_1``."""

    def value(self, ctx: Context, x: Vec) -> object:
        return ctx.scalar(0)

    def prox(self, ctx: Context, x: Vec, t: object) -> Vec:
        positive_scalar(t)
        return x


def check_prox(J: Regulariser, x: np.ndarray, t: float, *, trials: int = 20,
               rng: np.random.Generator | int | None = 0, tol: float = 1e-9) -> float:
    """The largest violation of ``Re<x - p, z - p> - t (J(z) - J(p)) <= 0`` over random
    ``z`` near ``p = prox_{tJ}(x)`` (float64).  A correct prox returns about ``0`` or less;
    raises :class:`InvalidArgument` if the violation exceeds ``tol * (1 + ||x||^2)``."""
    ctx = Float64()
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    p = J.prox(ctx, x, t)
    jp = float(np.real(J.value(ctx, p)))
    worst = -np.inf
    for k in range(trials):
        d = rng.standard_normal(x.shape)
        if np.iscomplexobj(x):
            d = d + 1j * rng.standard_normal(x.shape)
        z = p + (10.0 ** (-k % 4)) * d
        gap = float(np.real(np.vdot(x - p, z - p))) - t * (float(np.real(J.value(ctx, z))) - jp)
        worst = max(worst, gap)
    if worst > tol * (1 + float(np.vdot(x, x).real)):
        raise InvalidArgument(
            f"{J!r}: the prox optimality inequality fails by {worst:.3e} (x of norm "
            f"{float(np.linalg.norm(x)):.3e}, t={t})")
    return worst
