r"""Stability of networks to input perturbations: worst-case search, certified witnesses, bounds.

The question (paper, section on stable and accurate networks): how much can an ``eta``-small
change of the measurements move a network's output?  For a network ``phi`` and an input ``y``
the *amplification at size eta* is::

    amp_eta(phi, y) = sup_{||e||_2 <= eta} ||phi(y + e) - phi(y)||_2 / eta.

It is bounded by any Lipschitz constant of ``phi``.  This module

* compiles any :class:`algorithms.networks.NeuralNetwork` to a batched float64 program with a
  hand-written reverse mode (:class:`Float64Program`), so the search can climb gradients;
* searches for the worst ``e`` by projected gradient ascent with several starts
  (:func:`worst_perturbation`);
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

from algorithms.networks import Dense, Identity, NeuralNetwork
from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper
from algorithms.solvers.firenet import FirenetParameters
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer, rational

__all__ = [
    "Float64Program",
    "SearchResult",
    "Witness",
    "worst_perturbation",
    "certified_amplification",
    "firenet_lipschitz_bound",
    "lista_lipschitz_bound",
]


# =============================================================================== float64 program
def _mpq_float(q: object) -> float:
    q = gmpy2.mpq(q)
    return int(q.numerator) / int(q.denominator)


class Float64Program:
    """A network compiled to float64 numpy: batched forward pass and reverse-mode gradient.

    Inputs are matrices ``Y`` of shape ``(m, B)`` (one column per input).  The operations are
    those of the network's definition (:meth:`NeuralNetwork.forward`), with matrix products
    instead of matrix-vector products, so results agree with ``net(y, Float64())`` up to
    rounding.  Derivatives: soft-threshold ``1`` on ``|z| > t`` else ``0``; ReLU ``[z > 0]``;
    square ``2z``; gate ``h = u g(t)`` with ``g(t) = min(1, t^-1/2)``, ``g'(t) = -t^-3/2 / 2``
    for ``t > 1`` and ``0`` otherwise (one-sided choices at kinks, met with probability 0).
    """

    def __init__(self, net: NeuralNetwork):
        if not isinstance(net, NeuralNetwork):
            raise InvalidType(f"net has type {type(net).__name__}; pass a NeuralNetwork")
        self.input_size = net.input_size
        self.output_size = net.output_size
        mats: dict[int, np.ndarray] = {}

        def mat(M: Any) -> np.ndarray:
            key = id(M)
            if key not in mats:
                mats[key] = np.array([_mpq_float(v) for v in M.q.reshape(-1)],
                                     dtype=np.float64).reshape(M.shape)
            return mats[key]

        def term(t: Identity | Dense) -> tuple:
            c = _mpq_float(t.coef.q)
            if isinstance(t, Identity):
                return (t.source, c, None)
            return (t.source, c, mat(t.M))

        self.layers: list[list[tuple]] = []
        self._gates: list[tuple[int, ...]] = []
        for layer in net.layers:
            blocks = []
            gates = []
            for b, blk in enumerate(layer.blocks):
                act = blk.activation
                th = None
                if act.name == "soft_threshold":
                    th = np.array([_mpq_float(v) for v in act.thresholds.q])[:, None]
                bias = None if blk.bias is None else np.array(
                    [_mpq_float(v) for v in blk.bias.q])[:, None]
                blocks.append((blk.size, tuple(term(t) for t in blk.terms),
                               tuple(term(t) for t in blk.input_terms), bias, act.name, th,
                               act.source))
                if act.name == "gate":
                    gates.append(b)
            self.layers.append(blocks)
            self._gates.append(tuple(gates))

    @staticmethod
    def _apply(terms: tuple, srcs: Sequence[np.ndarray]) -> np.ndarray | None:
        acc = None
        for src, c, M in terms:
            h = srcs[src]
            v = (h if c == 1.0 else c * h) if M is None else M @ (h if c == 1.0 else c * h)
            acc = v if acc is None else acc + v
        return acc

    def forward(self, Y: np.ndarray, *, tape: bool = False) -> Any:
        """``phi`` on the columns of ``Y``; with ``tape=True`` also the record for
        :meth:`backward`."""
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.shape[0] != self.input_size:
            raise InvalidArgument(
                f"Y has {Y.shape[0]} rows; this network takes inputs of length {self.input_size}")
        B = Y.shape[1]
        h: list[np.ndarray] = [Y]
        record = [] if tape else None
        for blocks, gates in zip(self.layers, self._gates, strict=True):
            pre, out = [], []
            for size, terms, iterms, bias, name, th, _src in blocks:
                z = self._apply(terms, h)
                zi = self._apply(iterms, [Y])
                z = zi if z is None else (z if zi is None else z + zi)
                if bias is not None:
                    z = bias if z is None else z + bias
                if z is None:
                    z = np.zeros((size, B))
                elif z.shape != (size, B):
                    z = np.broadcast_to(z, (size, B)).copy()
                pre.append(z)
                if name == "soft_threshold":
                    out.append(np.maximum(z - th, 0.0) + np.minimum(z + th, 0.0))
                elif name == "relu":
                    out.append(np.maximum(z, 0.0))
                elif name == "square":
                    out.append(z * z)
                else:
                    out.append(z)
            gvals = {}
            for b in gates:
                t = out[blocks[b][6]][0]
                g = 1.0 / np.sqrt(np.maximum(t, 1.0))
                gvals[b] = (t, g)
                out[b] = pre[b] * g
            if record is not None:
                record.append((pre, gvals))
            h = out
        result = h[0] if len(h) == 1 else np.concatenate(h, axis=0)
        return (result, record) if tape else result

    def backward(self, record: list, G: np.ndarray) -> np.ndarray:
        """``J^T G`` column by column: the gradient with respect to the inputs of
        ``sum_columns <G, phi(Y)>``, for the ``record`` of :meth:`forward`."""
        G = np.asarray(G, dtype=np.float64)
        last = self.layers[-1]
        sizes = [blk[0] for blk in last]
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        gout = [G[offs[i]:offs[i + 1]] for i in range(len(sizes))]
        B = G.shape[1]
        gy = np.zeros((self.input_size, B))
        for li in range(len(self.layers) - 1, -1, -1):
            blocks = self.layers[li]
            pre, gvals = record[li]
            gout = [g.copy() if g is not None else None for g in gout]
            for b in self._gates[li]:
                t, g = gvals[b]
                gb = gout[b]
                if gb is None:
                    continue
                src = blocks[b][6]
                dg = np.where(t > 1.0, -0.5 * np.power(np.maximum(t, 1.0), -1.5), 0.0)
                gt = np.sum(gb * pre[b], axis=0) * dg
                gout[src] = (gt[None, :] if gout[src] is None else gout[src] + gt[None, :])
                gout[b] = gb * g
            prev_sizes = (self.input_size,) if li == 0 else tuple(
                blk[0] for blk in self.layers[li - 1])
            gin: list[np.ndarray | None] = [None] * len(prev_sizes)
            for b, (_size, terms, iterms, _bias, name, th, _src) in enumerate(blocks):
                gb = gout[b]
                if gb is None:
                    continue
                z = pre[b]
                if name == "soft_threshold":
                    gz = np.where(np.abs(z) > th, gb, 0.0)
                elif name == "relu":
                    gz = np.where(z > 0.0, gb, 0.0)
                elif name == "square":
                    gz = 2.0 * z * gb
                else:
                    gz = gb
                for src, c, M in terms:
                    v = gz if M is None else M.T @ gz
                    v = v if c == 1.0 else c * v
                    gin[src] = v if gin[src] is None else gin[src] + v
                for _src2, c, M in iterms:
                    v = gz if M is None else M.T @ gz
                    gy += v if c == 1.0 else c * v
            if li == 0:
                if gin[0] is not None:
                    gy += gin[0]
            gout = gin
        return gy


# =============================================================================== search
@dataclass(frozen=True)
class SearchResult:
    """The worst perturbation found for one input: ``e`` (float64, ``||e|| <= eta``),
    ``amplification = ||phi(y + e) - phi(y)|| / eta`` (float64), and the history of the best
    value per iteration."""

    e: np.ndarray
    amplification: float
    history: tuple[float, ...]


def worst_perturbation(
    program: Float64Program,
    y: np.ndarray,
    eta: float,
    *,
    starts: int = 4,
    iterations: int = 20,
    seed: int = 0,
    step: float | None = None,
) -> SearchResult:
    """Projected gradient ascent on ``f(e) = ||phi(y + e) - phi(y)||_2`` over ``||e|| <= eta``.

    ``starts`` random directions on the sphere of radius ``eta`` are climbed together (one
    batched pass per iteration).  Default (``step=None``): the full conditional-gradient step
    ``e <- eta g / ||g||`` with ``g = grad f(e)``, which maximises the linearisation of ``f``
    over the ball (for convex ``f`` it never decreases ``f``; for small ``eta`` it is the power
    iteration for the top singular vector of the Jacobian).  With a number ``step``:
    ``e <- P(e + step_t eta g / ||g||)``, ``P`` the projection onto the ball and ``step_t``
    decreasing from ``step`` to ``step/10``.  The best value seen is kept.
    """
    if not (isinstance(eta, float) and eta > 0 and math.isfinite(eta)):
        raise InvalidArgument(f"eta={eta!r} must be a positive finite float")
    starts = integer(starts, "starts", 1)
    iterations = integer(iterations, "iterations", 0)
    rng = np.random.default_rng(integer(seed, "seed", 0))
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    m = y.shape[0]
    base = program.forward(y[:, None])
    E = rng.standard_normal((m, starts))
    E *= eta / np.linalg.norm(E, axis=0)
    best_val, best_e, history = -1.0, E[:, 0].copy(), []
    for it in range(iterations + 1):
        out, rec = program.forward(y[:, None] + E, tape=True)
        D = out - base
        vals = np.linalg.norm(D, axis=0)
        j = int(np.argmax(vals))
        if vals[j] > best_val:
            best_val, best_e = float(vals[j]), E[:, j].copy()
        history.append(best_val / eta)
        if it == iterations:
            break
        G = program.backward(rec, D / np.maximum(vals, 1e-300))
        gn = np.linalg.norm(G, axis=0)
        gn[gn == 0] = 1.0
        if step is None:
            E = eta * G / gn
        else:
            st = step * (1.0 - 0.9 * it / max(iterations - 1, 1))
            E = E + st * eta * G / gn
            nrm = np.linalg.norm(E, axis=0)
            E *= np.minimum(1.0, eta / np.maximum(nrm, 1e-300))
    return SearchResult(best_e, best_val / eta, tuple(history))


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
def firenet_lipschitz_bound(P: FirenetParameters) -> gmpy2.mpq:
    """Rigorous upper bound of the Lipschitz constant (2-norms) of the FIRENET network with
    parameters ``P``, as a function of ``y`` (module docstring)::

        (p + 1)/2 * sqrt(tau sigma)/(1 - tau sigma L^2) * sum_{i<n} (1 - tau sigma L^2)^(-i/2).
    """
    a = P.tau * P.sigma * P.L * P.L
    if a >= 1:
        raise InvalidArgument(f"tau*sigma*L^2={float(a)} must be < 1")
    one_minus = 1 - a
    rho = 1 / mpq_sqrt_lower(one_minus, 64)                   # >= (1-a)^(-1/2)
    total, power = gmpy2.mpq(0), gmpy2.mpq(1)
    for _ in range(P.n_outer):
        total += power
        power = dyadic_round(power * rho, 64, "up")
    per = gmpy2.mpq(P.p_inner + 1, 2) * mpq_sqrt_upper(P.tau * P.sigma, 64) / one_minus
    return dyadic_round(per * total, 64, "up")


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

