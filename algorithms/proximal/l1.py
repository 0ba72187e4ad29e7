r"""Weighted l1 (real and complex) and the synthesis form of wavelet l1-analysis.

``WeightedL1(w)``: ``J(x) = sum_i w_i |x_i|`` (``|.|`` the modulus for complex ``x``);
``prox_{tJ}(x)_i = x_i max(0, 1 - t w_i / |x_i|)``: the context's ``soft_threshold`` with the
threshold vector ``t w``.  Exact in ``Exact`` for real data (no square root), rigorous in
``Ball`` (soft-thresholding is 1-Lipschitz, see :mod:`algorithms.arithmetic.ball`), and in
``MP``/``Float64``.  :meth:`WeightedL1.reweighted` gives the reweighted-l1 weights
``w_i = 1 / (|x_i| + r)`` scaled to ``max_i w_i = 1`` (Candes-Wakin-Boyd), used between restarts.

``OrthonormalL1(W, w)``: ``J(x) = ||W^H x||_{1,w}`` for a UNITARY ``W`` (orthonormal wavelet
synthesis, ``W W^H = W^H W = I``); then ``prox_{tJ}(x) = W soft(W^H x, t w)`` exactly
(substitute ``c = W^H z``: the objective separates).  This is l1-analysis with
``B = W^H`` handled as a prox instead of through a dual variable.  For a complex ``W`` and a
REAL ``x`` (the prox over real vectors) the formula is right only when ``W soft(W^H x, t w)``
is real (e.g. the DFT with weights symmetric under ``k -> -k mod n``): its real part is then
returned; otherwise :class:`~algorithms.errors.InvalidArgument` is raised (its real part is
not the real prox).
"""

from __future__ import annotations

from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Context
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.operators.base import LinearOperator
from algorithms.proximal.base import Regulariser, positive_scalar
from algorithms.rationals import as_mpq, exact_sqrt

__all__ = ["WeightedL1", "OrthonormalL1"]

Vec = Any


def _weights(weights: object, n: int | None) -> tuple[np.ndarray | None, int | None]:
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))
                          or n < 1):
        raise InvalidArgument(f"n={n!r} must be a positive integer (the length of x) or None")
    n = None if n is None else int(n)
    if weights is None:
        return None, n
    w = np.array([as_mpq(v, "weights") for v in np.asarray(weights, dtype=object).ravel()],
                 dtype=object)
    if any(v <= 0 for v in w):
        bad = next(v for v in w if v <= 0)
        raise InvalidArgument(f"weights contain {bad}; every weight must be > 0")
    if n is not None and len(w) != n:
        raise InvalidArgument(f"weights has length {len(w)}; n={n} was given")
    return w, len(w)


class WeightedL1(Regulariser):
    """``J(x) = sum_i w_i |x_i|`` with rational weights ``w_i > 0`` (``None``: all ones).
    ``n`` (optional) fixes the length of ``x``; ``value``/``prox`` refuse other lengths."""

    def __init__(self, weights: object = None, n: int | None = None):
        self.weights, self.n = _weights(weights, n)
        self._cache: dict[tuple, Vec] = {}

    def _w(self, ctx: Context, size: int) -> Vec | None:
        if self.weights is None:
            if self.n is not None and size != self.n:
                raise InvalidArgument(f"x has length {size}; this L1 was built with n={self.n}")
            return None
        if size != len(self.weights):
            raise InvalidArgument(
                f"x has length {size}; the weights have length {len(self.weights)}")
        key = ctx.key
        if key not in self._cache:
            self._cache[key] = ctx.vector(list(self.weights))
        return self._cache[key]

    def value(self, ctx: Context, x: Vec) -> object:
        w = self._w(ctx, ctx.size(x))
        if w is None:
            return ctx.norm1(x)
        if ctx.is_complex(x):
            return ctx.dot(w, _modulus(ctx, x))
        return ctx.norm1(_mul(ctx, w, x))

    def prox(self, ctx: Context, x: Vec, t: object) -> Vec:
        positive_scalar(t)
        w = self._w(ctx, ctx.size(x))
        if w is None:
            return ctx.soft_threshold(x, t)
        return ctx.soft_threshold(x, ctx.scale(t, w))

    def reweighted(self, ctx: Context, x: Vec, r: object) -> WeightedL1:
        """New weights ``w_i = 1/(|x_i| + r)``, scaled so that ``max w_i = 1``, rounded to
        20-bit dyadics (exact in every context); ``r > 0`` rational."""
        rq = as_mpq(r, "r")
        if rq <= 0:
            raise InvalidArgument(f"r={r!r} must be > 0")
        xs = ctx.to_rationals(x)
        mods = [abs(complex(v.re, v.im)) if hasattr(v, "re") else abs(float(v)) for v in xs]
        raw = [1.0 / (m + float(rq)) for m in mods]
        top = max(raw)
        w = [gmpy2.mpq(max(1, round(v / top * 2**20)), 2**20) for v in raw]
        return WeightedL1(w)

    def __repr__(self) -> str:
        return "L1()" if self.weights is None else f"WeightedL1(n={len(self.weights)})"


def _mul(ctx: Context, w: Vec, x: Vec) -> Vec:
    """Entrywise product ``w * x`` of a real weight vector and a real vector."""
    if ctx.kind == "ball":
        from flint import arb_mat
        return arb_mat(ctx.size(x), 1, [a * b for a, b in zip(ctx.entries(w), ctx.entries(x),
                                                             strict=True)])
    return w * x


def _modulus(ctx: Context, x: Vec) -> Vec:
    """Entrywise ``|x_i|`` of a complex vector (in ``Exact`` only when every ``|x_i|`` is
    rational, else :class:`~algorithms.errors.InexactOperation`)."""
    if ctx.kind == "float64":
        return np.abs(x)
    if ctx.kind == "mp":
        return np.array([ctx.mpctx.sqrt(v) for v in ctx.abs2(x)], dtype=object)  # type: ignore[attr-defined]
    if ctx.kind == "ball":
        from flint import arb_mat
        return arb_mat(ctx.size(x), 1, [a.sqrt() for a in ctx.entries(ctx.abs2(x))])
    # Exact: |x_i| is rational exactly when |x_i|^2 is the square of a rational
    out = np.empty(ctx.size(x), dtype=object)
    for i, a2 in enumerate(ctx.abs2(x)):
        r = exact_sqrt(gmpy2.mpq(a2))
        if r is None:
            raise InexactOperation(
                f"WeightedL1.value: |x[{i}]| = sqrt({a2}) is irrational; Exact() cannot return "
                f"it. Use a Ball/MP context")
        out[i] = r
    return out


class OrthonormalL1(Regulariser):
    """``J(x) = ||W^H x||_{1,w}`` for a unitary operator ``W`` (module docstring)."""

    def __init__(self, W: LinearOperator, weights: object = None):
        if not isinstance(W, LinearOperator):
            raise InvalidType(f"W has type {type(W).__name__}; pass a LinearOperator")
        if W.shape[0] != W.shape[1]:
            raise InvalidArgument(f"W has shape {W.shape}; a unitary W is square")
        self.W = W
        self.l1 = WeightedL1(weights, W.shape[0])

    def value(self, ctx: Context, x: Vec) -> object:
        return self.l1.value(ctx, self.W.adjoint(ctx, x))

    def prox(self, ctx: Context, x: Vec, t: object) -> Vec:
        c = self.l1.prox(ctx, self.W.adjoint(ctx, x), t)
        out = self.W.apply(ctx, c)
        if ctx.is_complex(x) or not ctx.is_complex(out):
            return out
        bad = _imaginary_entry(ctx, out, x)
        if bad is not None:
            raise InvalidArgument(
                f"{self!r}: x is real and W is complex, but W soft(W^H x, t w) has imaginary "
                f"part {bad[1]} at entry {bad[0]}, so it is not the prox over real vectors "
                f"(that prox has no closed form here; for the DFT the weights must be "
                f"symmetric under k -> -k mod n). Pass a complex x for the prox over complex "
                f"vectors")
        return ctx.real_part(out)

    def __repr__(self) -> str:
        return f"OrthonormalL1({self.W!r})"


def _imaginary_entry(ctx: Context, out: Vec, x: Vec) -> tuple[int, object] | None:
    """``(i, Im out_i)`` for an entry of ``out`` that is certainly not real, else ``None``:
    ``Exact`` -- nonzero; ``Ball`` -- the ball excludes 0; ``MP``/``Float64`` -- above the
    rounding level ``2^-(prec - 8) (1 + ||x||_2)`` of the two orthonormal transforms."""
    im = ctx.imag_part(out)
    if ctx.kind == "exact":
        return next(((i, v) for i, v in enumerate(im) if v != 0), None)
    if ctx.kind == "ball":
        return next(((i, v) for i, v in enumerate(ctx.entries(im)) if not v.contains(0)),
                    None)
    if ctx.kind == "float64":
        tol = 2.0 ** -(ctx.prec - 8) * (1 + float(np.linalg.norm(x)))
        i = int(np.argmax(np.abs(im))) if len(im) else 0
        return (i, float(im[i])) if len(im) and abs(im[i]) > tol else None
    mp = ctx.mpctx  # type: ignore[attr-defined]
    tol = mp.mpf(2) ** -(ctx.prec - 8) * (1 + mp.sqrt(ctx.norm2_squared(x)))
    return next(((i, v) for i, v in enumerate(im) if abs(v) > tol), None)
