r"""l1-analysis terms ``||B x||_1`` and the operators ``B`` they use.

The WARPd engine handles ``||Bx||_1`` through a dual variable ``z`` (``||Bx||_1 =
max_{|z_i| <= 1} Re<Bx, z>``), so a term needs only ``B`` (apply, adjoint, a certified norm
bound) and the projection onto the dual ball, ``clip(z)_i = z_i min(1, 1/|z_i|)``.  Clip is
computed as ``z - soft(z, 1)`` (Moreau's identity for ``|.|``), so it runs in every context,
real or complex.

Operators (all :class:`~algorithms.operators.LinearOperator`, real images flattened row-major,
forward differences with Neumann boundary: the last difference in each direction is 0):

* :class:`FiniteDifferences2D`: ``x -> (D_1 x, D_2 x)`` (length ``2 n1 n2``), anisotropic TV
  ``||D_1 x||_1 + ||D_2 x||_1``;
* :class:`ComplexGradient2D`: ``x -> D_1 x + i D_2 x`` (length ``n1 n2``, complex): then
  ``sum_i |z_i|`` is ISOTROPIC TV and the complex clip is the pixel-wise projection onto the
  unit disc, so isotropic TV needs no special operation in any context.  Its adjoint is taken in
  the real inner product ``Re<.,.>``: ``z -> D_1^T Re z + D_2^T Im z`` (the domain is real).
* :class:`RealDomain` ``(A)``: a complex operator restricted to real inputs (for Fourier
  sampling of a real image), adjoint ``Re(A^H v)``; :class:`Stack` ``[B_1; B_2; ...]``;
  :class:`Scaled` ``c B``.

Norm bounds (proofs): ``||D_1 x||^2 = sum (x_{i+1,j} - x_{ij})^2 <= sum 2 (x_{i+1,j}^2 +
x_{ij}^2) <= 4 ||x||^2`` since each pixel enters at most two differences; so ``||D|| <=
sqrt(8) <= 2829/1000`` for both gradients (``|D_1 x + i D_2 x|^2 = |D_1 x|^2 + |D_2 x|^2``);
``||[B_1; ...; B_k]|| <= sqrt(sum ||B_i||^2)``; ``||c B|| = |c| ||B||``; restricting to real
inputs and taking real parts of the adjoint does not increase the norm.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Context
from algorithms.arithmetic.ball import flint_prec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.operators.base import LinearOperator, power_norm_estimate
from algorithms.rationals import as_mpq, dyadic_round, mpq_sqrt_upper

__all__ = [
    "FiniteDifferences2D",
    "ComplexGradient2D",
    "RealDomain",
    "Stack",
    "Scaled",
    "AnalysisL1",
    "clip",
    "SQRT8_UP",
]

Vec = Any

#: a rational upper bound of sqrt(8) = 2.8284271...
SQRT8_UP = gmpy2.mpq(2829, 1000)


def clip(ctx: Context, z: Vec) -> Vec:
    """Projection onto ``{|z_i| <= 1 for all i}``: ``z - soft(z, 1)`` (real or complex)."""
    return ctx.sub(z, ctx.soft_threshold(z, 1))


# ------------------------------------------------------------------ array bridges
def _arr(ctx: Context, x: Vec) -> np.ndarray:
    if ctx.kind == "ball":
        return np.array(ctx.entries(x), dtype=object)
    return x


def _vec(ctx: Context, a: np.ndarray) -> Vec:
    if ctx.kind == "ball":
        from flint import acb, acb_mat, arb_mat
        with flint_prec(ctx.prec):  # type: ignore[arg-type]
            ents = list(a)
            if any(isinstance(v, acb) for v in ents):
                return acb_mat(len(ents), 1, [acb(v) for v in ents])
            return arb_mat(len(ents), 1, ents)
    return a


def _shape(shape: object) -> tuple[int, int]:
    try:
        n1, n2 = shape  # type: ignore[misc]
    except (TypeError, ValueError):
        raise InvalidArgument(f"shape={shape!r} must be a pair (n1, n2)") from None
    for v in (n1, n2):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidArgument(f"shape={shape!r} must hold two positive integers")
    return int(n1), int(n2)


def _d1(X: np.ndarray) -> np.ndarray:
    out = X * 0
    out[:-1] = X[1:] - X[:-1]
    return out


def _d1t(G: np.ndarray) -> np.ndarray:
    out = G * 0
    out[:-1] -= G[:-1]
    out[1:] += G[:-1]
    return out


class FiniteDifferences2D(LinearOperator):
    """``x -> (D_1 x, D_2 x)``: forward differences down the rows and along the columns
    (Neumann boundary); ``norm_bound = 2829/1000 >= sqrt(8)`` (module docstring)."""

    real_domain = True

    def __init__(self, shape: object):
        self.n1, self.n2 = _shape(shape)
        n = self.n1 * self.n2
        self.shape = (2 * n, n)
        self.is_complex = False

    def norm_bound(self) -> gmpy2.mpq:
        return SQRT8_UP

    def __repr__(self) -> str:
        return f"FiniteDifferences2D({self.n1}x{self.n2})"

    def _run(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        a = _arr(ctx, x)
        n = self.n1 * self.n2
        if not adjoint:
            X = a.reshape(self.n1, self.n2)
            return _vec(ctx, np.concatenate([_d1(X).reshape(-1), _d1(X.T).T.reshape(-1)]))
        G1, G2 = a[:n].reshape(self.n1, self.n2), a[n:].reshape(self.n1, self.n2)
        return _vec(ctx, (_d1t(G1) + _d1t(G2.T).T).reshape(-1))

    def _dispatch(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        if ctx.is_complex(x):
            raise InvalidArgument(f"{self!r} acts on real images; x is complex")
        return self._run(ctx, x, adjoint)


class ComplexGradient2D(LinearOperator):
    """``x -> D_1 x + i D_2 x`` on real images (isotropic TV; module docstring)."""

    real_domain = True

    def __init__(self, shape: object):
        self.n1, self.n2 = _shape(shape)
        n = self.n1 * self.n2
        self.shape = (n, n)
        self.is_complex = True
        self._fd = FiniteDifferences2D((self.n1, self.n2))

    def norm_bound(self) -> gmpy2.mpq:
        return SQRT8_UP

    def __repr__(self) -> str:
        return f"ComplexGradient2D({self.n1}x{self.n2})"

    def apply(self, ctx: Context, x: Vec) -> Vec:
        self._check(ctx, x, self.shape[1], "apply")
        if ctx.is_complex(x):
            raise InvalidArgument(f"{self!r} acts on real images; x is complex")
        g = self._fd.apply(ctx, x)
        n = self.shape[0]
        idx = np.arange(n)
        re, im = ctx.take(g, idx), ctx.take(g, idx + n)
        return ctx.add(ctx.to_complex(re), ctx.scale(_I(ctx), ctx.to_complex(im)))

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        self._check(ctx, v, self.shape[0], "adjoint")
        return self._fd.adjoint(ctx, ctx.concat([ctx.real_part(v), ctx.imag_part(v)]))

    def _dispatch(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:  # pragma: no cover
        return self.adjoint(ctx, x) if adjoint else self.apply(ctx, x)


def _I(ctx: Context) -> object:
    """The imaginary unit as a scalar of ``ctx``."""
    from algorithms.arithmetic.gaussian import GaussianRational
    return ctx.scalar(GaussianRational(0, 1))


class RealDomain(LinearOperator):
    """``A`` restricted to real inputs: ``apply = A x``, ``adjoint = Re(A^H v)`` (the adjoint
    in the real inner product ``Re<.,.>``); same norm bound."""

    real_domain = True

    def __init__(self, op: LinearOperator):
        if not isinstance(op, LinearOperator):
            raise InvalidType(f"op has type {type(op).__name__}; pass a LinearOperator")
        self.op = op
        self.shape = op.shape
        self.is_complex = op.is_complex

    def norm_bound(self) -> gmpy2.mpq:
        return self.op.norm_bound()

    def apply(self, ctx: Context, x: Vec) -> Vec:
        if ctx.is_complex(x):
            raise InvalidArgument(f"{self!r} takes real vectors; x is complex")
        return self.op.apply(ctx, ctx.to_complex(x) if self.op.is_complex else x)

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        out = self.op.adjoint(ctx, v)
        return ctx.real_part(out) if ctx.is_complex(out) else out

    def __repr__(self) -> str:
        return f"RealDomain({self.op!r})"


class Stack(LinearOperator):
    """``[B_1; B_2; ...]``: ``apply`` concatenates, ``adjoint`` sums the blocks' adjoints;
    ``norm_bound = sqrt(sum ||B_i||^2)`` rounded up.  When a block takes real vectors only
    (``real_domain``, e.g. :class:`ComplexGradient2D`) the stack does too, and its adjoint is
    the one of the real inner product, ``Re(sum_i B_i^H v_i)``; otherwise it is the complex
    ``sum_i B_i^H v_i``."""

    def __init__(self, ops: Sequence[LinearOperator]):
        if isinstance(ops, LinearOperator) or not isinstance(ops, (list, tuple)):
            raise InvalidType(f"ops has type {type(ops).__name__}; pass a list of "
                              f"LinearOperators")
        ops = list(ops)
        if not ops or not all(isinstance(o, LinearOperator) for o in ops):
            raise InvalidType("ops must be a non-empty sequence of LinearOperators")
        n = ops[0].shape[1]
        for o in ops:
            if o.shape[1] != n:
                raise InvalidArgument(f"{o!r} takes length {o.shape[1]}; the first takes {n}")
        self.ops = ops
        self.offsets = np.cumsum([0] + [o.shape[0] for o in ops])
        self.shape = (int(self.offsets[-1]), n)
        self.is_complex = any(o.is_complex for o in ops)
        self.real_domain = any(o.real_domain for o in ops)

    def norm_bound(self) -> gmpy2.mpq:
        sq = sum((o.norm_bound() ** 2 for o in self.ops), gmpy2.mpq(0))
        return dyadic_round(mpq_sqrt_upper(sq, 40), 40, "up")

    def apply(self, ctx: Context, x: Vec) -> Vec:
        self._check(ctx, x, self.shape[1], "apply")
        return ctx.concat([o.apply(ctx, x) for o in self.ops])

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        self._check(ctx, v, self.shape[0], "adjoint")
        out = None
        for o, a, b in zip(self.ops, self.offsets[:-1], self.offsets[1:], strict=True):
            part = ctx.take(v, np.arange(a, b))
            if self.real_domain and not o.is_complex and ctx.is_complex(part):
                part = ctx.real_part(part)  # real inner product: Re<B x, v> = <x, B^T Re v>
            y = o.adjoint(ctx, part)
            out = y if out is None else ctx.add(out, y)
        if self.real_domain and ctx.is_complex(out):
            out = ctx.real_part(out)
        return out

    def __repr__(self) -> str:
        return "Stack(" + ", ".join(repr(o) for o in self.ops) + ")"


class Scaled(LinearOperator):
    """``c B`` for a rational ``c > 0``; ``norm_bound = c ||B||``."""

    def __init__(self, c: object, op: LinearOperator):
        self.c = as_mpq(c, "c")
        if self.c <= 0:
            raise InvalidArgument(f"c={c!r} must be > 0")
        if not isinstance(op, LinearOperator):
            raise InvalidType(f"op has type {type(op).__name__}; pass a LinearOperator")
        self.op = op
        self.shape = op.shape
        self.is_complex = op.is_complex
        self.real_domain = op.real_domain

    def norm_bound(self) -> gmpy2.mpq:
        return self.c * self.op.norm_bound()

    def apply(self, ctx: Context, x: Vec) -> Vec:
        return ctx.scale(self.c, self.op.apply(ctx, x))

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        return ctx.scale(self.c, self.op.adjoint(ctx, v))

    def __repr__(self) -> str:
        return f"{self.c} * {self.op!r}"


class AnalysisL1:
    """The term ``||B x||_1 = sum_i |(Bx)_i|`` for the engine: ``B``, its certified norm
    bound ``L_B`` (default ``B.norm_bound()``; a given ``L_B`` that a float64 power iteration
    shows to be below ``||B||_2`` is refused), ``value`` and the dual projection ``clip``.

    Weights per block: use :class:`Scaled` blocks inside a :class:`Stack`."""

    def __init__(self, B: LinearOperator, L_B: object | None = None):
        if not isinstance(B, LinearOperator):
            raise InvalidType(f"B has type {type(B).__name__}; pass a LinearOperator")
        self.B = B
        self.L_B = B.norm_bound() if L_B is None else as_mpq(L_B, "L_B")
        if self.L_B <= 0:
            raise InvalidArgument(f"L_B={L_B!r} must be > 0")
        if L_B is not None:  # a caller's bound: refuse one that a power iteration disproves
            est = power_norm_estimate(B, 30, 0)
            if est > float(self.L_B) * (1 + 1e-9):
                raise InvalidArgument(
                    f"L_B={self.L_B} is not an upper bound of the operator norm: ||{B!r}||_2 >= "
                    f"{est:.9g} (a power-iteration lower estimate). Pass an upper bound, or "
                    f"leave L_B out to use the certified norm_bound()")

    def value(self, ctx: Context, x: Vec) -> object:
        return ctx.norm1(self.B.apply(ctx, x))

    def project(self, ctx: Context, z: Vec) -> Vec:
        return clip(ctx, z)

    def __repr__(self) -> str:
        return f"AnalysisL1({self.B!r})"
