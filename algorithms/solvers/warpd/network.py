r"""WARPd unrolled into a :class:`~algorithms.networks.NeuralNetwork` (basis-pursuit case).

Problem: ``min ||x||_{1,w}`` s.t. ``A x = b`` (``eps = 0``, ``J`` weighted l1, no ``B``), real
rational ``A``.  The network's input is ``b``; its weights are the exact rationals of
:func:`~algorithms.solvers.warpd.engine.schedule` (which does not depend on ``b``, so ``w0``
must be given).  Each primal-dual step is two layers with blocks ``[x, y, s]``::

    layer A:  [ soft(x - tau1 A^T y, tau1 w),  x,  y,  s ]         (soft-threshold on block 0)
    layer B:  [ x+,  y + 2 tau2 A x+ - tau2 A x - tau2 b,  s + x+ ]  (affine; b fed as input)

(with ``eps = 0`` the dual shrink is the identity).  A restart's transition ``x = s / k``,
``y = 0``, ``s = 0`` is linear and folded into the next layer A; a last affine layer returns
``s / k``.  Depth ``2 k R + 1`` for ``R`` restarts of ``k`` steps; widths
``(m, [3N + m, 2N + m] repeated, N)``.  The network performs the engine's iteration with the
same exact parameters; the order of floating-point operations differs (``A^T (-tau1 y)``
instead of ``tau1 A^T y``; ``A x+`` and ``A x`` separately), so in ``Float64`` it agrees with
:func:`~algorithms.solvers.warpd.engine.warpd` up to rounding, not bit for bit.

Not covered yet: ``eps > 0`` (the shrink ``v - r proj_unit(v / r)`` needs FIRENET's
square/sum/gate layers: ``shrink_r(v) = v - gate(v, ||v||^2 / r^2)``), complex data, ``B``.
"""

from __future__ import annotations

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.layers import Activation, Block, Dense, Identity, Layer, RationalMatrix
from algorithms.linalg import spectral_norm_upper
from algorithms.networks import NeuralNetwork
from algorithms.rationals import as_mpq, as_mpq_matrix
from algorithms.solvers.warpd.engine import NU, schedule

__all__ = ["warpd_network"]


def warpd_network(A: object, *, C1: object, C2: object, restarts: int, w0: object,
                  weights: object = None, tau: object = gmpy2.mpq(99, 100), nu: object = NU,
                  delta: object = 0, k: int | None = None, L: object = None) -> NeuralNetwork:
    """The unrolled WARPd network for basis pursuit (module docstring)."""
    Aq = as_mpq_matrix(A, "A")
    m, N = Aq.shape
    Lq = spectral_norm_upper(Aq) if L is None else as_mpq(L, "L")
    S = schedule(C1=C1, C2=C2, L=Lq, restarts=restarts, w0=w0, tau=tau, nu=nu, delta=delta,
                 k=k)
    if weights is None:
        w = np.array([gmpy2.mpq(1)] * N, dtype=object)
    else:
        w = np.array([as_mpq(v, "weights") for v in weights], dtype=object)
        if len(w) != N or any(v <= 0 for v in w):
            raise InvalidArgument(f"weights must be {N} positive rationals")
    AM, ATM = RationalMatrix(Aq), RationalMatrix(np.ascontiguousarray(Aq.T))
    layers: list[Layer] = []
    state = (N, m, N)
    first = True
    for r in range(S.restarts):
        tau1, tau2 = S.steps[r]
        soft = Activation.soft_threshold([tau1 * v for v in w])
        for j in range(S.k):
            if first:                       # input b only: x = y = s = 0
                blocks = [Block(N, activation=soft), Block(N), Block(m), Block(N)]
                layers.append(Layer((m,), blocks, m))
                first = False
            elif j == 0:                    # restart: x = s / k, y = 0, s = 0
                inv = gmpy2.mpq(1, S.k)
                blocks = [Block(N, (Identity.of(2, inv),), activation=soft),
                          Block(N, (Identity.of(2, inv),)), Block(m), Block(N)]
                layers.append(Layer(state, blocks, m))
            else:
                blocks = [Block(N, (Identity.of(0), Dense.of(1, ATM, -tau1)), activation=soft),
                          Block(N, (Identity.of(0),)), Block(m, (Identity.of(1),)),
                          Block(N, (Identity.of(2),))]
                layers.append(Layer(state, blocks, m))
            blocks = [Block(N, (Identity.of(0),)),
                      Block(m, (Identity.of(2), Dense.of(0, AM, 2 * tau2), Dense.of(1, AM, -tau2)),
                            input_terms=(Identity.of(0, -tau2),)),
                      Block(N, (Identity.of(3), Identity.of(0)))]
            layers.append(Layer((N, N, m, N), blocks, m))
            state = (N, m, N)
    layers.append(Layer(state, [Block(N, (Identity.of(2, gmpy2.mpq(1, S.k)),))], m))
    return NeuralNetwork(layers, input_size=m, name="WARPd",
                         info={"C1": S.C1, "C2": S.C2, "k": S.k, "restarts": S.restarts,
                               "tau": S.tau, "nu": S.nu, "delta": S.delta, "w0": S.w0,
                               "L": Lq})
