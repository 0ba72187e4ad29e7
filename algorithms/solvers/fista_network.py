r"""FISTA for (P2), the LASSO, unrolled into a :class:`~algorithms.networks.NeuralNetwork`.

Problem: ``min_x lam ||x||_1 + ||A x - y||_2^2`` with a real rational ``A`` (m x N).  The
iteration is :func:`algorithms.solvers.ista.fista`'s: step ``s`` (default ``1/(2 L^2)``, ``L`` a
certified upper bound of ``||A||_2``, see :func:`~algorithms.solvers.ista.lasso_step`), rational
momentum ``beta_k = (k - 1)/(k + 2)``, ``x_0 = x_{-1} = 0``::

    w_k = x_{k-1} + beta_k (x_{k-1} - x_{k-2})
    x_k = soft(w_k - 2 s A^T (A w_k - y),  s lam).

Since ``w - 2 s A^T (A w - y) = G w + 2 s A^T y`` with the exact rational matrix
``G = I - 2 s A^T A``, step ``k`` is ONE layer acting on the blocks ``[x_{k-1}, x_{k-2}]``::

    [ soft( G ((1 + beta_k) x_{k-1}) + G (-beta_k x_{k-2}) + 2 s A^T y,  s lam ),  x_{k-1} ]

(``y`` is fed to every layer, as the paper's networks allow); the last layer keeps only
``x_n``.  Depth ``n``, widths ``(m, [2N] * (n - 1), N)``.  Every weight is rational and FISTA
takes no square root, so in :class:`~algorithms.arithmetic.Exact` the network returns exactly
the rationals of ``fista(..., ctx=Exact())``; in ``Float64`` it agrees up to rounding (the order
of operations differs); in ``Ball`` the layer-by-layer evaluation is rigorous (the balls contain
the exact output) but propagates balls naively, so radii grow with the depth.
"""

from __future__ import annotations

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.layers import Activation, Block, Dense, Identity, Layer, RationalMatrix
from algorithms.networks import NeuralNetwork
from algorithms.rationals import as_mpq, as_mpq_matrix, as_positive_int
from algorithms.solvers.ista import lasso_step

__all__ = ["fista_network"]


def fista_network(A: object, *, lam: object, n_iter: int, step: object | None = None,
                  name: str = "FISTA") -> NeuralNetwork:
    """The ``n_iter``-step FISTA network for the LASSO with matrix ``A`` (module docstring).

    ``step`` defaults to the certified ``1/(2 L^2)``; a given step is checked to satisfy
    ``0 < step <= 1/(2 ||A||_2^2)`` (:func:`~algorithms.solvers.ista.lasso_step`)."""
    Aq = as_mpq_matrix(A, "A")
    lam_q = as_mpq(lam, "lam")
    if lam_q <= 0:
        raise InvalidArgument(f"lam={lam_q} must be > 0")
    n = as_positive_int(n_iter, "n_iter")
    m, N = Aq.shape
    s = lasso_step(Aq, step)
    AtA = Aq.T.dot(Aq)
    G = np.array([[(1 if i == j else 0) - 2 * s * AtA[i, j] for j in range(N)]
                  for i in range(N)], dtype=object)
    GM = RationalMatrix(G, "G")
    ATM = RationalMatrix(np.ascontiguousarray(Aq.T), "A^T")
    soft = Activation.soft_threshold([s * lam_q] * N)
    data = (Dense.of(0, ATM, 2 * s),)
    layers: list[Layer] = []
    for k in range(1, n + 1):
        beta = gmpy2.mpq(k - 1, k + 2)
        if k == 1:                                  # x_0 = x_{-1} = 0: w_1 = 0
            in_sizes: tuple[int, ...] = (m,)
            x_new = Block(N, input_terms=data, activation=soft)
            keep = Block(N)
        else:
            in_sizes = (N, N)
            terms = (Dense.of(0, GM, 1 + beta),) + ((Dense.of(1, GM, -beta),) if beta else ())
            x_new = Block(N, terms, input_terms=data, activation=soft)
            keep = Block(N, (Identity.of(0),))
        layers.append(Layer(in_sizes, [x_new] if k == n else [x_new, keep], m))
    info = {"lam": lam_q, "n_iter": n, "step": s, "momentum": "(k-1)/(k+2)"}
    return NeuralNetwork(layers, input_size=m, name=name, info=info)
