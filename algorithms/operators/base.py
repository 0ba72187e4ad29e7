"""The linear-operator protocol, composition, adjoints, and the public adjoint checker.

A :class:`LinearOperator` is a matrix ``A`` of shape ``(m, n)`` that is never stored: it is
applied.  Vectors are the vectors of an arithmetic context (:mod:`algorithms.arithmetic`);
images of shape ``(n1, n2)`` are flattened row-major (``x[i*n2 + j] = X[i, j]``).

Protocol:

====================  ========================================================================
``shape``             ``(m, n)``: ``apply`` takes length ``n``, returns length ``m``
``is_complex``        whether ``A`` has non-real entries (real operators map real to real)
``real_domain``       whether ``apply`` takes REAL vectors only (a complex ``A`` restricted to
                      real inputs, e.g. ``RealDomain``); its ``adjoint`` is then the adjoint in
                      the real inner product, ``Re<A x, v> = <x, A^* v>``
``apply(ctx, x)``     ``A x`` in the context ``ctx``
``adjoint(ctx, v)``   ``A^H v`` (conjugate transpose), so that ``<A x, v> = <x, A^H v>`` with
                      ``<x, y> = sum conj(x_i) y_i`` (:meth:`Context.dot`)
``norm_bound()``      a rational ``L >= ||A||_2``, PROVEN from the operator's structure (each
                      class documents its proof); never an estimate
``A @ B``             :class:`Composition` (``norm_bound`` is the product of the bounds, by
                      submultiplicativity ``||A B|| <= ||A|| ||B||``)
``A.H``               the adjoint as an operator (same norm bound: ``||A^H|| = ||A||``)
====================  ========================================================================

Every operator runs in every context.  Each concrete class implements the four kinds through
``_exact``, ``_ball``, ``_mp`` and ``_float64``; the default ``_mp`` evaluates the ``Ball``
implementation at ``prec + 32`` bits and rounds each midpoint once to nearest at ``prec`` bits
(so an MP result is within ``2^-prec`` relative of the exact one plus the ball's radius; as
everywhere in ``MP``, no radius is reported).  Operators whose matrix is not rational
(the DFT beyond tiny sizes, Daubechies wavelets beyond Haar) raise
:class:`~algorithms.errors.InexactOperation` in ``Exact``.

Checkers are public: :func:`check_adjoint` (``<A x, y> = <x, A^H y>``: equality in ``Exact``,
overlap in ``Ball``, a tolerance from the precision in ``MP``/``Float64``) and
:func:`power_norm_estimate` (a float64 power iteration, a LOWER estimate of ``||A||_2`` to test
certified bounds against).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np
from flint import acb, acb_mat, arb, arb_mat
from mpmath import libmp

from algorithms.arithmetic import Ball, Context, Exact, Float64, flint_prec
from algorithms.arithmetic.ball import arb_upper_mpq
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InvalidArgument, InvalidType

__all__ = [
    "LinearOperator",
    "Composition",
    "AdjointOperator",
    "AdjointCheck",
    "check_adjoint",
    "power_norm_estimate",
    "to_dense",
    "MP_GUARD_BITS",
]

Vec = Any

#: extra bits of the internal Ball evaluation behind an MP apply
MP_GUARD_BITS = 32


class LinearOperator(ABC):
    """Abstract matrix-free linear operator (see the module docstring for the protocol)."""

    #: (m, n)
    shape: tuple[int, int] = (0, 0)
    #: whether the matrix has non-real entries
    is_complex: bool = False
    #: whether ``apply`` takes real vectors only (adjoint in the real inner product ``Re<.,.>``)
    real_domain: bool = False

    # ------------------------------------------------------------------ public API
    def apply(self, ctx: Context, x: Vec) -> Vec:
        """``A x`` in the context ``ctx`` (``x`` has length ``n``)."""
        self._check(ctx, x, self.shape[1], "apply")
        return self._dispatch(ctx, x, False)

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        """``A^H v`` in the context ``ctx`` (``v`` has length ``m``)."""
        self._check(ctx, v, self.shape[0], "adjoint")
        return self._dispatch(ctx, v, True)

    @abstractmethod
    def norm_bound(self) -> gmpy2.mpq:
        """A rational upper bound of ``||A||_2``, proven from the structure."""

    def __matmul__(self, other: object) -> Composition:
        if not isinstance(other, LinearOperator):
            return NotImplemented
        return Composition([self, other])

    @property
    def H(self) -> LinearOperator:  # noqa: N802 - the usual name of the adjoint
        """The adjoint operator ``A^H``."""
        return AdjointOperator(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"

    # ------------------------------------------------------------------ implementation hooks
    def _exact(self, ctx: Exact, x: Vec, adjoint: bool) -> Vec:
        raise NotImplementedError

    def _ball(self, ctx: Ball, x: Vec, adjoint: bool) -> Vec:
        raise NotImplementedError

    def _float64(self, ctx: Float64, x: Vec, adjoint: bool) -> Vec:
        raise NotImplementedError

    def _mp(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        """Default: the Ball evaluation at ``prec + MP_GUARD_BITS``, rounded once to nearest."""
        inner = Ball(ctx.prec + MP_GUARD_BITS)  # type: ignore[operator]
        return ball_to_mp(ctx, self._ball(inner, mp_to_ball(ctx, inner, x), adjoint))

    def _dispatch(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        kind = ctx.kind
        if kind == "exact":
            return self._exact(ctx, x, adjoint)  # type: ignore[arg-type]
        if kind == "ball":
            return self._ball(ctx, x, adjoint)  # type: ignore[arg-type]
        if kind == "mp":
            return self._mp(ctx, x, adjoint)
        if kind == "float64":
            return self._float64(ctx, x, adjoint)  # type: ignore[arg-type]
        raise InvalidArgument(f"ctx={ctx!r} has an unknown kind {kind!r}")

    def _check(self, ctx: Context, x: Vec, need: int, what: str) -> None:
        if not isinstance(ctx, Context):
            raise InvalidType(
                f"ctx has type {type(ctx).__name__}; pass an arithmetic context, e.g. Ball(256)")
        n = ctx.size(x)
        if n != need:
            raise InvalidArgument(
                f"{what}: {self!r} needs a vector of length {need}; got length {n}")


class Composition(LinearOperator):
    """``A_1 A_2 ... A_k`` (applied right to left).  ``norm_bound = prod_i norm_bound(A_i)``,
    by submultiplicativity of the operator 2-norm."""

    def __init__(self, ops: Sequence[LinearOperator]):
        if isinstance(ops, LinearOperator) or not isinstance(ops, (list, tuple)):
            raise InvalidType(f"ops has type {type(ops).__name__}; pass a list of "
                              f"LinearOperators (or write A @ B)")
        flat: list[LinearOperator] = []
        for op in ops:
            if not isinstance(op, LinearOperator):
                raise InvalidType(f"ops contains a {type(op).__name__}; LinearOperators only")
            flat.extend(op.ops if isinstance(op, Composition) else [op])
        if not flat:
            raise InvalidArgument("ops is empty; a composition needs at least one operator")
        for left, right in zip(flat, flat[1:], strict=False):
            if left.shape[1] != right.shape[0]:
                raise InvalidArgument(
                    f"cannot compose {left!r} with {right!r}: inner sizes {left.shape[1]} and "
                    f"{right.shape[0]} differ")
        self.ops = flat
        self.shape = (flat[0].shape[0], flat[-1].shape[1])
        self.is_complex = any(op.is_complex for op in flat)
        self.real_domain = flat[-1].real_domain

    def apply(self, ctx: Context, x: Vec) -> Vec:
        self._check(ctx, x, self.shape[1], "apply")
        for op in reversed(self.ops):
            x = op.apply(ctx, x)
        return x

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        self._check(ctx, v, self.shape[0], "adjoint")
        for op in self.ops:
            v = op.adjoint(ctx, v)
        return v

    def norm_bound(self) -> gmpy2.mpq:
        out = gmpy2.mpq(1)
        for op in self.ops:
            out *= op.norm_bound()
        return out

    def __repr__(self) -> str:
        return " @ ".join(repr(op) for op in self.ops)


class AdjointOperator(LinearOperator):
    """``A^H`` as an operator: ``apply`` is ``A.adjoint`` and vice versa;
    ``||A^H||_2 = ||A||_2``."""

    def __init__(self, op: LinearOperator):
        self.op = op
        self.shape = (op.shape[1], op.shape[0])
        self.is_complex = op.is_complex

    def apply(self, ctx: Context, x: Vec) -> Vec:
        return self.op.adjoint(ctx, x)

    def adjoint(self, ctx: Context, v: Vec) -> Vec:
        return self.op.apply(ctx, v)

    def norm_bound(self) -> gmpy2.mpq:
        return self.op.norm_bound()

    @property
    def H(self) -> LinearOperator:  # noqa: N802
        return self.op

    def __repr__(self) -> str:
        return f"{self.op!r}.H"


# ---------------------------------------------------------------------------- MP <-> Ball
def _mpf_to_arb(v: object) -> arb:
    if not hasattr(v, "_mpf_"):
        raise InvalidType(
            f"x has an entry {v!r} of type {type(v).__name__}; an MP vector holds mpf/mpc "
            f"numbers: build it with ctx.vector(...) or ctx.as_vector(...)")
    sign, man, exp, _ = v._mpf_  # type: ignore[attr-defined]
    if not man:
        if exp:
            raise InvalidArgument(f"{v} is not finite")
        return arb(0)
    return arb((-int(man) if sign else int(man), int(exp)))


def mp_to_ball(mp: Context, ball: Ball, x: Vec) -> Vec:
    """The MP vector ``x`` as exact balls (radius 0) of ``ball``."""
    with flint_prec(ball.prec):
        if mp.is_complex(x):
            return acb_mat(len(x), 1, [acb(_mpf_to_arb(z.real), _mpf_to_arb(z.imag))
                                       if hasattr(z, "_mpc_") else acb(_mpf_to_arb(z))
                                       for z in x])
        return arb_mat(len(x), 1, [_mpf_to_arb(v) for v in x])


def ball_to_mp(mp: Context, b: Vec) -> Vec:
    """Midpoints of the balls ``b``, each rounded once to nearest at ``mp.prec`` bits."""
    prec, rnd = mp.prec, libmp.round_nearest
    make_f = mp.mpctx.make_mpf  # type: ignore[attr-defined]

    def conv(a: arb) -> tuple:
        m, e = a.mid().man_exp()
        return libmp.from_man_exp(int(m), int(e), prec, rnd)

    ents = b.entries()
    out = np.empty(len(ents), dtype=object)
    if isinstance(b, acb_mat):
        make_c = mp.mpctx.make_mpc  # type: ignore[attr-defined]
        for i, z in enumerate(ents):
            out[i] = make_c((conv(z.real), conv(z.imag)))
    else:
        for i, a in enumerate(ents):
            out[i] = make_f(conv(a))
    return out


# ---------------------------------------------------------------------------- checkers
@dataclass(frozen=True)
class AdjointCheck:
    """Result of :func:`check_adjoint`.

    ``lhs = <A x, y>``, ``rhs = <x, A^H y>`` (context scalars), ``gap`` the exact rational
    ``|Re(l - r)| + |Im(l - r)|`` of their midpoints, ``tolerance`` the allowed gap (0 in
    ``Exact``; in ``Ball`` the test is overlap of the two enclosures and ``tolerance`` is the sum
    of their radii), ``ok`` the verdict."""

    context: str
    lhs: object
    rhs: object
    gap: gmpy2.mpq
    tolerance: gmpy2.mpq
    ok: bool


def _random_vector(ctx: Context, n: int, rng: np.random.Generator, cplx: bool) -> Vec:
    """Dyadic entries ``k/16``, ``|k| <= 16`` (exact in every binary context)."""
    re = [gmpy2.mpq(int(k), 16) for k in rng.integers(-16, 17, size=n)]
    if not cplx:
        return ctx.vector(re)
    im = [gmpy2.mpq(int(k), 16) for k in rng.integers(-16, 17, size=n)]
    return ctx.complex_vector(re, im)


def _as_gauss(q: object) -> GaussianRational:
    return q if isinstance(q, GaussianRational) else GaussianRational(q, 0)


def check_adjoint(op: LinearOperator, ctx: Context, rng: np.random.Generator | int | None = None,
                  *, complex_data: bool | None = None) -> AdjointCheck:
    """Check ``<A x, y> = <x, A^H y>`` on random dyadic ``x``, ``y`` in the context ``ctx``.

    ``x`` and ``y`` are complex when ``op.is_complex`` (or ``complex_data=True``).  Verdict:
    ``Exact`` requires equality; ``Ball`` requires the two enclosures to overlap (both contain
    the same exact number when the implementation is right); ``MP`` and ``Float64`` require the
    gap to be at most ``(m + n + 64) 2^-prec ||x|| ||y|| max(1, L)`` with ``L`` the norm bound
    (a forward error bound for sums of that length, with room to spare).

    An operator with ``op.real_domain`` (a complex map restricted to real inputs) gets a real
    ``x`` and the real inner product: the check is ``Re<A x, y> = <x, A^* y>`` (imaginary
    parts are not compared; ``complex_data=True`` is refused).
    """
    if not isinstance(op, LinearOperator):
        raise InvalidType(f"op has type {type(op).__name__}; pass a LinearOperator")
    if not isinstance(ctx, Context):
        raise InvalidType(
            f"ctx has type {type(ctx).__name__}; pass an arithmetic context, e.g. Ball(256)")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if op.real_domain and complex_data:
        raise InvalidArgument(f"complex_data=True: {op!r} takes real vectors only")
    cplx = op.is_complex if complex_data is None else bool(complex_data)
    m, n = op.shape
    x = _random_vector(ctx, n, rng, cplx and not op.real_domain)
    y = _random_vector(ctx, m, rng, cplx or op.is_complex)
    lhs = ctx.dot(op.apply(ctx, x), y)
    rhs = ctx.dot(x, op.adjoint(ctx, y))
    lq, rq = _as_gauss(ctx.scalar_to_rational(lhs)), _as_gauss(ctx.scalar_to_rational(rhs))
    if op.real_domain:  # the real inner product: compare real parts only
        lq, rq = GaussianRational(lq.re, 0), GaussianRational(rq.re, 0)
        if ctx.kind == "ball":
            with flint_prec(ctx.prec):  # type: ignore[arg-type]
                lhs, rhs = acb(lhs).real, acb(rhs).real
    gap = abs(lq.re - rq.re) + abs(lq.im - rq.im)
    if ctx.kind == "exact":
        tol = gmpy2.mpq(0)
        ok = gap == 0
    elif ctx.kind == "ball":
        with flint_prec(ctx.prec):  # type: ignore[arg-type]
            a, b = acb(lhs), acb(rhs)
            ok = bool(a.overlaps(b))
            tol = (arb_upper_mpq(a.real.rad() + b.real.rad())
                   + arb_upper_mpq(a.imag.rad() + b.imag.rad()))
    else:
        nx = Exact().norm2_squared(Exact().vector(list(ctx.to_rationals(x)),
                                                  complex=ctx.is_complex(x)))
        ny = Exact().norm2_squared(Exact().vector(list(ctx.to_rationals(y)),
                                                  complex=ctx.is_complex(y)))
        scale = max(gmpy2.mpq(1), op.norm_bound())
        tol = gmpy2.mpq(m + n + 64, 2 ** ctx.prec) * max(nx, ny, gmpy2.mpq(1)) * scale
        ok = gap <= tol
    return AdjointCheck(ctx.name, lhs, rhs, gap, tol, ok)


def power_norm_estimate(op: LinearOperator, iterations: int = 200,
                        rng: np.random.Generator | int | None = 0) -> float:
    """A float64 power iteration on ``A^H A``: returns ``||A u||`` for the final unit ``u``,
    a LOWER estimate of ``||A||_2`` (up to rounding).  Not a certificate: use it to test
    :meth:`LinearOperator.norm_bound`.  Operators with ``real_domain`` iterate on real
    vectors."""
    if not isinstance(op, LinearOperator):
        raise InvalidType(f"op has type {type(op).__name__}; pass a LinearOperator")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) \
            or iterations < 0:
        raise InvalidArgument(f"iterations={iterations!r} must be an integer >= 0")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    ctx = Float64()
    n = op.shape[1]
    u = rng.standard_normal(n)
    if op.is_complex and not op.real_domain:
        u = u + 1j * rng.standard_normal(n)
    u = u / np.linalg.norm(u)
    est = 0.0
    for _ in range(int(iterations)):
        w = op.adjoint(ctx, op.apply(ctx, u))
        nw = float(np.linalg.norm(w))
        if nw == 0:
            return 0.0
        u = w / nw
    est = float(np.linalg.norm(op.apply(ctx, u)))
    return est


def to_dense(op: LinearOperator, ctx: Context) -> np.ndarray:
    """The matrix of ``op`` as a 2-D object array of exact rationals (or Gaussian rationals):
    column ``j`` is ``to_rationals(op.apply(ctx, e_j))`` (midpoints for balls).  For tests and
    small sizes only (``n`` applications)."""
    m, n = op.shape
    out = np.empty((m, n), dtype=object)
    for j in range(n):
        e = [0] * n
        e[j] = 1
        col = ctx.to_rationals(op.apply(ctx, ctx.vector(e)))
        out[:, j] = col
    return out
