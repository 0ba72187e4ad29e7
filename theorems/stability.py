r"""Stability of networks to input perturbations: worst-case search, certified witnesses, bounds.

The question (paper, section on stable and accurate networks): how much can an ``eta``-small
change of the measurements move a network's output?  For a network ``phi`` and an input ``y``
the *amplification at size eta* is::

    amp_eta(phi, y) = sup_{||e||_2 <= eta} ||phi(y + e) - phi(y)||_2 / eta.

It is bounded by any Lipschitz constant of ``phi``.  This module

* estimates the local Lipschitz constant ``||J_phi(y)||_2`` and its input direction by block
  Lanczos on ``J^T J`` (Jacobian-vector products through ``jax.linearize`` and its transpose,
  :func:`jacobian_top_singular`): ``amp_eta -> ||J||`` as ``eta -> 0``, and the direction is the
  best start for the search below;
* searches for the worst ``e`` by projected gradient ascent with several starts
  (:func:`worst_perturbation`), for ANY map: a :class:`algorithms.networks.NeuralNetwork`
  (through :func:`algorithms.jax_bridge.to_jax`) or a JAX-traceable function (trained imaging
  networks, FIRENET on an FFT operator); gradients by ``jax.value_and_grad``
  (:class:`PerturbationSearch`);
* re-evaluates the best ``e`` found -- rounded to an exact dyadic vector with ``||e|| <= eta``
  checked exactly -- in ball arithmetic, which turns the search result into a CERTIFIED lower
  bound on ``amp_eta`` (:func:`certified_amplification`): the witness ``e`` exists;
* bounds the Lipschitz constant of FIRENET rigorously (:func:`firenet_lipschitz_bound`) and that
  of LISTA by the product of its layers (:func:`lista_lipschitz_bound`).

A Lipschitz bound for the unrolled FIRENET (ours)
-------------------------------------------------
Write one primal-dual step on the data ``scale * y`` as the resolvent ``z+ = J_H(z)`` of the
monotone operator ``H(x, v) = (lam d||x||_{1,w} + A^T v, -A x + scale y + N_B(v))`` in the metric
``M = [[I/tau, -A^T], [-A, I/sigma]]`` (``tau sigma L^2 < 1``, ``L >= ||A||``).  Changing ``y``
to ``y + d`` shifts ``H`` by the constant ``c = (0, scale d)``, and ``J_{H+c}(z) =
J_H(z - M^-1 c)``.  Resolvents are nonexpansive in ``|.|_M``, so one step moves two runs apart
by at most ``|M^-1 c|_M = sqrt(c^T M^-1 c) <= scale ||d|| sqrt(sigma / (1 - sigma tau L^2))``
(the ``vv`` block of ``M^-1`` is ``sigma (I - sigma tau A A^T)^-1``).  Within a restart (both
runs reset ``v = 0``) the M-distance after ``j`` steps is at most
``D_0 + j scale ||d|| sqrt(sigma/(1 - sigma tau L^2))`` with ``D_0 = |dx_0|/sqrt(tau)``, and
``|dx| <= |(dx, dv)|_M / sqrt(q)``, ``q = 1/tau - sigma L^2``.  Averaging the ``p`` iterates and
dividing by ``scale`` gives, for ``E_k = ||psi_k(y + d) - psi_k(y)||``::

    E_k <= E_{k-1} / sqrt(1 - tau sigma L^2) + (p+1)/2 sqrt(tau sigma)/(1 - tau sigma L^2) ||d||

with ``E_0 = 0``.  Hence the network with ``n`` restarts of ``p`` steps is Lipschitz with::

    Lip <= (p + 1)/2 * sqrt(tau sigma)/(1 - tau sigma L^2) * sum_{i<n} (1 - tau sigma L^2)^(-i/2).

The bound holds for every pair of inputs (not only on the class) but is far from tight: it
ignores the contraction that sharpness provides.  :func:`firenet_lipschitz_bound` evaluates it
as an exact rational upper bound.

LISTA: ``x_{i+1} = soft(M_i x_i + W_i^T y)`` with ``M_i = I - W_i^T A / c`` and soft-thresholding
1-Lipschitz gives ``l_{i+1} <= ||M_i|| l_i + ||W_i||``, ``l_0 = 0`` (spectral norms in float64:
an estimate, not certified).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np

from algorithms.networks import NeuralNetwork
from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper
from algorithms.solvers.firenet import FirenetParameters
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer, rational

__all__ = [
    "PerturbationSearch",
    "SearchResult",
    "Witness",
    "worst_perturbation",
    "jacobian_top_singular",
    "TopSingular",
    "certified_amplification",
    "firenet_lipschitz_bound",
    "lipschitz_bound",
    "lista_lipschitz_bound",
]


# =============================================================================== search
@dataclass(frozen=True)
class SearchResult:
    """The worst perturbation found for one input: ``e`` (float64, ``||e|| <= eta``),
    ``amplification = value / eta`` with ``value = ||phi(y + e) - ref||`` (``ref = phi(y)``, or
    the ``target`` given to the search), ``value`` itself, and the best amplification after
    each iteration (``history``)."""

    e: np.ndarray
    amplification: float
    history: tuple[float, ...]
    value: float = 0.0


Phi = Callable[[Any], Any]


class PerturbationSearch:
    """The compiled objective of the worst-case search for one map ``phi`` (one code path for
    every network).

    ``phi`` is a :class:`~algorithms.networks.NeuralNetwork` (converted by
    :func:`algorithms.jax_bridge.to_jax`, float64) or any JAX-traceable function of one input
    vector of length ``m`` (a trained imaging network, FIRENET on an FFT operator, a
    composite).  ``value_and_grad(E, y, ref)`` evaluates ``f(e) = ||phi(y + e) - ref||_2`` and
    ``grad f`` for every column ``e`` of ``E`` (shape ``(m, starts)``), jit-compiled once;
    ``forward(Y)`` evaluates ``phi`` on the columns of ``Y``.  ``args``: extra arrays passed as
    ``phi(y, *args)`` (trained weights: passed as arguments, not baked into the compiled code
    as constants, which would make XLA constant-fold them slowly).  Gradients come from
    ``jax.value_and_grad`` (reverse mode); ``grad f`` at ``phi(y + e) = ref`` is set to 0.
    """

    def __init__(self, phi: NeuralNetwork | Phi, *, input_size: int | None = None,
                 args: tuple = ()):
        from algorithms.jax_bridge import to_jax

        if isinstance(phi, NeuralNetwork):
            fn = to_jax(phi, jit=False)
            input_size = phi.input_size
        elif callable(phi):
            fn = phi
        else:
            raise InvalidType(f"phi has type {type(phi).__name__}; pass a NeuralNetwork or a "
                              f"JAX-traceable function")
        self.input_size = input_size
        import jax
        import jax.numpy as jnp

        self._args = tuple(args)

        def objective(e: Any, y: Any, ref: Any, args: tuple) -> Any:
            d = fn(y + e, *args) - ref
            sq = jnp.sum(d * d)
            safe = jnp.where(sq > 0, sq, 1.0)
            return jnp.where(sq > 0, jnp.sqrt(safe), 0.0)

        vg = jax.vmap(jax.value_and_grad(objective), in_axes=(1, None, None, None),
                      out_axes=(0, 1))
        self._vg = jax.jit(vg)
        self._fwd = jax.jit(jax.vmap(lambda y, a: fn(y, *a), in_axes=(1, None), out_axes=1))
        self._one = jax.jit(lambda y, a: fn(y, *a))

        def gram(y: Any, V: Any, args: tuple) -> Any:
            _, lin = jax.linearize(lambda z: fn(z, *args), y)
            lin_t = jax.linear_transpose(lin, y)
            return jax.vmap(lambda v: lin_t(lin(v))[0], in_axes=1, out_axes=1)(V)

        self._gram = jax.jit(gram)

    def gram(self, y: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``J^T J V`` for the Jacobian ``J`` of ``phi`` at ``y`` and the columns of ``V``
        (one linearisation, then a batched product and its transpose)."""
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        self._check(y.shape[0])
        return np.asarray(self._gram(y, np.asarray(V, dtype=np.float64), self._args))

    def forward(self, Y: np.ndarray) -> np.ndarray:
        """``phi`` on the columns of ``Y`` (shape ``(m, B)``), or on one vector."""
        Y = np.asarray(Y, dtype=np.float64)
        self._check(Y.shape[0])
        if Y.ndim == 1:
            return np.asarray(self._one(Y, self._args))
        return np.asarray(self._fwd(Y, self._args))

    def value_and_grad(self, E: np.ndarray, y: np.ndarray, ref: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        vals, grads = self._vg(E, y, ref, self._args)
        return np.asarray(vals), np.asarray(grads)

    def _check(self, m: int) -> None:
        if self.input_size is not None and m != self.input_size:
            raise InvalidArgument(
                f"y has {m} rows; this network takes inputs of length {self.input_size}")


def worst_perturbation(
    phi: PerturbationSearch | NeuralNetwork | Phi,
    y: np.ndarray,
    eta: float,
    *,
    starts: int = 4,
    iterations: int = 20,
    seed: int = 0,
    step: float | None = None,
    target: np.ndarray | None = None,
    init: np.ndarray | None = None,
) -> SearchResult:
    """Projected gradient ascent on ``f(e) = ||phi(y + e) - ref||_2`` over ``||e||_2 <= eta``,
    ``ref = phi(y)`` (or ``target``, e.g. the truth: then ``f`` is the error of the perturbed
    reconstruction).

    ``starts`` random directions on the sphere of radius ``eta`` (plus the columns of ``init``
    scaled onto it, if given) are climbed together: one batched ``jax.value_and_grad`` per
    iteration.  Default (``step=None``): the full conditional-gradient step
    ``e <- eta g / ||g||``, ``g = grad f(e)``, which maximises the linearisation of ``f`` over
    the ball (for convex ``f`` it never decreases ``f``; for a linear ``phi`` and ``ref = phi(y)``
    it is the power iteration for the top right singular vector).  With a number ``step``:
    ``e <- P(e + step_t eta g / ||g||)``, ``P`` the projection onto the ball and ``step_t``
    decreasing linearly from ``step`` to ``step / 10``.  The best value seen is kept.
    """
    if not (isinstance(eta, float) and eta > 0 and math.isfinite(eta)):
        raise InvalidArgument(f"eta={eta!r} must be a positive finite float")
    starts = integer(starts, "starts", 1)
    iterations = integer(iterations, "iterations", 0)
    rng = np.random.default_rng(integer(seed, "seed", 0))
    search = phi if isinstance(phi, PerturbationSearch) else PerturbationSearch(phi)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    m = y.shape[0]
    search._check(m)
    ref = search.forward(y) if target is None else np.asarray(target, dtype=np.float64)
    E = rng.standard_normal((m, starts))
    if init is not None:
        E = np.concatenate([np.asarray(init, dtype=np.float64).reshape(m, -1), E], axis=1)
    E *= eta / np.maximum(np.linalg.norm(E, axis=0), 1e-300)
    best_val, best_e, history = -1.0, E[:, 0].copy(), []
    for it in range(iterations + 1):
        vals, G = search.value_and_grad(E, y, ref)
        j = int(np.argmax(vals))
        if vals[j] > best_val:
            best_val, best_e = float(vals[j]), E[:, j].copy()
        history.append(best_val / eta)
        if it == iterations:
            break
        gn = np.linalg.norm(G, axis=0)
        gn[gn == 0] = 1.0
        if step is None:
            E = eta * G / gn
        else:
            st = step * (1.0 - 0.9 * it / max(iterations - 1, 1))
            E = E + st * eta * G / gn
            nrm = np.linalg.norm(E, axis=0)
            E = E * np.minimum(1.0, eta / np.maximum(nrm, 1e-300))
    return SearchResult(best_e, best_val / eta, tuple(history), best_val)


@dataclass(frozen=True)
class TopSingular:
    """Block-Lanczos estimate of the top singular pair of the Jacobian ``J`` of ``phi`` at
    ``y``: ``sigma`` (a Ritz value, so ``sigma <= ||J||_2`` up to rounding), the unit input
    direction ``v`` and the Ritz values after each block step (``history``)."""

    sigma: float
    v: np.ndarray
    history: tuple[float, ...]


def jacobian_top_singular(
    phi: PerturbationSearch | NeuralNetwork | Phi,
    y: np.ndarray,
    *,
    block: int = 3,
    steps: int = 8,
    seed: int = 0,
) -> TopSingular:
    """The local Lipschitz constant ``||J||_2`` of ``phi`` at ``y`` and its direction, by block
    Lanczos with full reorthogonalisation on ``G = J^T J``.

    Start: ``block`` Gaussian columns, orthonormalised (``Q_0``).  Step ``i``: ``W_i = G Q_i``
    (:meth:`PerturbationSearch.gram`: one batched ``jax.linearize`` / transpose pass), then
    ``Q_{i+1}`` = the orthonormalised part of ``W_i`` orthogonal to ``Q_0..Q_i``.  Rayleigh-Ritz:
    with ``Q = [Q_0..Q_i]`` and ``T = Q^T G Q`` (symmetrised), the top eigenpair ``(lambda, z)``
    of ``T`` gives ``sigma = sqrt(lambda)`` and ``v = Q z``.  The Krylov space of ``steps``
    blocks contains the ``steps``-th power iterate of every start, so ``sigma`` is at least
    what that many power iterations give, and usually far closer to ``||J||``.  At a point
    where ``phi`` is differentiable, ``amp_eta(phi, y) -> ||J||`` as ``eta -> 0``.
    """
    block = integer(block, "block", 1)
    steps = integer(steps, "steps", 1)
    rng = np.random.default_rng(integer(seed, "seed", 0))
    search = phi if isinstance(phi, PerturbationSearch) else PerturbationSearch(phi)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    m = y.shape[0]
    search._check(m)
    Q, _ = np.linalg.qr(rng.standard_normal((m, min(block, m))))
    basis: list[np.ndarray] = []
    images: list[np.ndarray] = []
    history: list[float] = []
    lam, v = 0.0, Q[:, 0]
    for _ in range(steps):
        W = search.gram(y, Q)
        basis.append(Q)
        images.append(W)
        B, GB = np.concatenate(basis, axis=1), np.concatenate(images, axis=1)
        T = B.T @ GB
        vals, vecs = np.linalg.eigh((T + T.T) / 2)
        lam, v = float(vals[-1]), B @ vecs[:, -1]
        history.append(math.sqrt(max(lam, 0.0)))
        R = W - B @ (B.T @ W)
        R = R - B @ (B.T @ R)
        norms = np.linalg.norm(R, axis=0)
        keep = norms > 1e-10 * max(float(np.max(np.linalg.norm(W, axis=0))), 1e-300)
        if not np.any(keep) or B.shape[1] + int(keep.sum()) > m:
            break
        Q, _ = np.linalg.qr(R[:, keep])
    v = v / np.linalg.norm(v)
    return TopSingular(math.sqrt(max(lam, 0.0)), v, tuple(history))


def _dyadic_within(e: np.ndarray, eta: gmpy2.mpq, bits: int = 40) -> np.ndarray:
    """``e`` as dyadic rationals, shrunk until ``||e||_2 <= eta`` holds exactly."""
    q = np.array([gmpy2.mpq(int(round(v * 2.0**bits)), 2**bits) for v in e], dtype=object)
    sq = sum((v * v for v in q), gmpy2.mpq(0))
    if sq > eta * eta:
        factor = dyadic_round(eta / mpq_sqrt_upper(sq, 64), 30, "down")
        q = np.array([v * factor for v in q], dtype=object)
    assert sum((v * v for v in q), gmpy2.mpq(0)) <= eta * eta
    return q


@dataclass(frozen=True)
class Witness:
    """A certified perturbation witness.

    ``e``: the exact dyadic perturbation (``||e|| <= eta`` checked exactly); ``bound``: a
    certified lower bound of ``||phi(y + e) - phi(y)|| / eta``; ``out0``, ``out1``: midpoints
    of the enclosures of ``phi(y)`` and ``phi(y + e)`` with radii ``r0``, ``r1`` (2-norm).
    """

    e: np.ndarray
    bound: gmpy2.mpq
    out0: np.ndarray
    r0: gmpy2.mpq
    out1: np.ndarray
    r1: gmpy2.mpq

    def distance_upper(self, x: Sequence[object], which: int = 1) -> gmpy2.mpq:
        """A certified upper bound of ``||phi(y + e) - x||`` (``which=1``) or of
        ``||phi(y) - x||`` (``which=0``)."""
        mids, r = (self.out1, self.r1) if which == 1 else (self.out0, self.r0)
        d2 = sum(((a - gmpy2.mpq(b)) ** 2 for a, b in zip(mids, x, strict=True)), gmpy2.mpq(0))
        return (mpq_sqrt_upper(d2, 64) if d2 else gmpy2.mpq(0)) + r


def certified_amplification(
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, gmpy2.mpq]],
    y: np.ndarray,
    e: np.ndarray,
    eta: object,
) -> Witness:
    """A certified lower bound on ``amp_eta(phi, y)`` from the witness ``e``.

    ``evaluate(v)`` returns ``(midpoints, radius)`` of a rigorous enclosure of ``phi(v)`` for an
    exact rational input ``v`` (for instance a Ball-context evaluation; ``radius`` bounds the
    2-norm distance from the midpoints to the true value).  ``e`` is rounded to a dyadic vector
    with ``||e|| <= eta`` (checked exactly); then
    ``||phi(y + e) - phi(y)|| >= ||mid_1 - mid_0|| - r_1 - r_0`` and the bound is that over
    ``eta``.
    """
    eta_q = gmpy2.mpq(eta) if isinstance(eta, str) else rational(eta, "eta")
    if eta_q <= 0:
        raise InvalidArgument(f"eta={eta_q} must be > 0")
    eq = _dyadic_within(np.asarray(e, dtype=np.float64), eta_q)
    y0 = np.asarray(y, dtype=object)
    m0, r0 = evaluate(y0)
    m1, r1 = evaluate(y0 + eq)
    d2 = sum(((a - b) * (a - b) for a, b in zip(m1, m0, strict=True)), gmpy2.mpq(0))
    low = (mpq_sqrt_lower(d2, 64) if d2 > 0 else gmpy2.mpq(0)) - r0 - r1
    return Witness(eq, max(low, gmpy2.mpq(0)) / eta_q, np.asarray(m0, dtype=object), r0,
                   np.asarray(m1, dtype=object), r1)


# =============================================================================== Lipschitz
def lipschitz_bound(tau: object, sigma: object, L: object, p_inner: int, n_outer: int
                    ) -> gmpy2.mpq:
    """The bound of :func:`firenet_lipschitz_bound` from its five ingredients (exact rationals;
    floats are taken at their exact binary value), for FIRENETs whose parameters are not a
    :class:`FirenetParameters` (e.g. on a matrix-free imaging operator)::

        (p + 1)/2 * sqrt(tau sigma)/(1 - tau sigma L^2) * sum_{i<n} (1 - tau sigma L^2)^(-i/2).
    """
    tau_q, sigma_q, L_q = (gmpy2.mpq(v) for v in (tau, sigma, L))
    p_inner = integer(p_inner, "p_inner", 1)
    n_outer = integer(n_outer, "n_outer", 1)
    a = tau_q * sigma_q * L_q * L_q
    if a >= 1:
        raise InvalidArgument(f"tau*sigma*L^2={float(a)} must be < 1")
    one_minus = 1 - a
    rho = 1 / mpq_sqrt_lower(one_minus, 64)                   # >= (1-a)^(-1/2)
    total, power = gmpy2.mpq(0), gmpy2.mpq(1)
    for _ in range(n_outer):
        total += power
        power = dyadic_round(power * rho, 64, "up")
    per = gmpy2.mpq(p_inner + 1, 2) * mpq_sqrt_upper(tau_q * sigma_q, 64) / one_minus
    return dyadic_round(per * total, 64, "up")


def firenet_lipschitz_bound(P: FirenetParameters) -> gmpy2.mpq:
    """Rigorous upper bound of the Lipschitz constant (2-norms) of the FIRENET network with
    parameters ``P``, as a function of ``y`` (module docstring)::

        (p + 1)/2 * sqrt(tau sigma)/(1 - tau sigma L^2) * sum_{i<n} (1 - tau sigma L^2)^(-i/2).
    """
    return lipschitz_bound(P.tau, P.sigma, P.L, P.p_inner, P.n_outer)


def lista_lipschitz_bound(W: np.ndarray, A: np.ndarray, scale: float) -> float:
    """Layer-product Lipschitz estimate of LISTA ``x <- soft(x + W_i^T (y - A x / c))``:
    ``l_{i+1} = ||I - W_i^T A / c|| l_i + ||W_i||`` (float64 spectral norms)."""
    W = np.asarray(W, dtype=np.float64)
    A = np.asarray(A, dtype=np.float64)
    N = A.shape[1]
    ell = 0.0
    for i in range(W.shape[0]):
        Mi = np.eye(N) - W[i].T @ A / scale
        ell = (np.linalg.norm(Mi, 2) * ell if i else 0.0) + np.linalg.norm(W[i], 2)
    return float(ell)

