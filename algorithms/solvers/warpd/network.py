r"""WARPd unrolled into a :class:`~algorithms.networks.NeuralNetwork` (weighted l1, real data).

Problem: ``min ||x||_{1,w}`` s.t. ``||A x - b||_2 <= eps`` (``J`` weighted l1, no ``B``), real
rational ``A``, ``eps >= 0`` rational.  The network's input is ``b``; its weights are the exact
rationals of :func:`~algorithms.solvers.warpd.engine.schedule` (which does not depend on ``b``,
so ``w0`` must be given).

Basis pursuit (``eps = 0``): the dual shrink is the identity and each primal-dual step is two
layers with blocks ``[x, y, s]``::

    layer A:  [ soft(x - tau1 A^T y, tau1 w),  x,  y,  s ]         (soft-threshold on block 0)
    layer B:  [ x+,  y + 2 tau2 A x+ - tau2 A x - tau2 b,  s + x+ ]  (affine; b fed as input)

Denoising (``eps > 0``): the dual step is ``y+ = shrink_r(u)`` with
``u = y + tau2 (A (2 x+ - x) - b)`` and ``r = tau2 eps``.  Since
``shrink_r(u) = max(0, 1 - r/||u||) u = u - u min(1, r/||u||) = u - gate(u, ||u||^2 / r^2)``
(``gate(z, t) = z min(1, t^(-1/2))``, FIRENET's ball-projection neuron), a step is three layers,
and the state between steps is ``[x, u, g, t, s]`` with ``y = u - g``::

    layer A:  [ soft(x - tau1 A^T (u - g), tau1 w),  x,  u - g,  s ]
    layer B:  [ x+,  u+,  (u+)^2 (entrywise square),  s + x+ ]
    layer C:  [ x+,  u+,  gate(u+; t),  t = sum((u+)^2) / r^2,  s ]

with ``u+ = (u - g) + tau2 (A (2 x+ - x) - b)`` (``b`` fed as input to layer B), and
``y+ = u+ - gate(u+; t) = shrink_r(u+)`` is formed (affinely) by the next layer A.

Restarts: the transition ``x = s / k``, ``y = 0``, ``s = 0`` is linear and folded into the next
layer A; a last affine layer returns ``s / k``.  Depth ``2 k R + 1`` (``eps = 0``) or
``3 k R + 1`` (``eps > 0``) for ``R`` restarts of ``k`` steps; widths ``(m, [3N + m, 2N + m]
repeated, N)`` and ``(m, [3N + m, 2N + 2m, 2N + 2m + 1] repeated, N)``.

The network performs the engine's iteration with the same exact parameters: in
:class:`~algorithms.arithmetic.Exact` it returns the same rationals as
:func:`~algorithms.solvers.warpd.engine.warpd` (when ``eps > 0``, Exact needs every
``||u||`` that the shrink meets to be rational, as the engine does; e.g. ``m = 1``).  The order
of floating-point operations differs (``A^T (-tau1 y)`` instead of ``tau1 A^T y``; ``A x+`` and
``A x`` separately; the shrink as ``u - u min(1, r/||u||)``), so in ``Float64`` it agrees with
the engine up to rounding, not bit for bit.  In ``Ball`` the layer-by-layer evaluation is
rigorous: the balls contain the exact network output.

Not covered: complex data, an analysis term ``B``.
"""

from __future__ import annotations

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.layers import Activation, Block, Dense, Identity, Layer, RationalMatrix
from algorithms.linalg import spectral_norm_upper
from algorithms.networks import NeuralNetwork
from algorithms.operators.dense import Dense as DenseOperator
from algorithms.rationals import as_mpq, as_mpq_matrix
from algorithms.solvers.warpd.engine import NU, WarpdSchedule, _claimed_bound, schedule

__all__ = ["warpd_network"]


def warpd_network(A: object, *, C1: object, C2: object, restarts: int, w0: object,
                  weights: object = None, tau: object = gmpy2.mpq(99, 100), nu: object = NU,
                  delta: object = 0, k: int | None = None, L: object = None,
                  eps: object = 0, name: str = "WARPd") -> NeuralNetwork:
    """The unrolled WARPd network for ``min ||x||_{1,w}`` s.t. ``||A x - b|| <= eps``
    (module docstring): ``R = restarts`` restarts of ``k`` primal-dual steps (default
    ``k = ceil(2 C1 C2 L / (tau nu))``), step sizes from the exact schedule with error levels
    starting at ``w0``; ``L`` a rational upper bound of ``||A||_2`` (default: certified from
    ``A``).  Input ``b`` (length m), output the ergodic average of the last restart."""
    Aq = as_mpq_matrix(A, "A")
    m, N = Aq.shape
    Lq = spectral_norm_upper(Aq) if L is None else as_mpq(L, "L")
    if L is not None:
        if Lq <= 0:
            raise InvalidArgument(f"L={L!r} must be > 0")
        _claimed_bound(DenseOperator(Aq), Lq, "L")
    eq = as_mpq(eps, "eps")
    if eq < 0:
        raise InvalidArgument(f"eps={eps!r} must be >= 0")
    S = schedule(C1=C1, C2=C2, L=Lq, restarts=restarts, w0=w0, tau=tau, nu=nu, delta=delta,
                 k=k)
    if weights is None:
        w = np.array([gmpy2.mpq(1)] * N, dtype=object)
    else:
        w = np.array([as_mpq(v, "weights") for v in np.asarray(weights, dtype=object).ravel()],
                     dtype=object)
        if len(w) != N:
            raise InvalidArgument(f"weights has {len(w)} entries; {N} are required (one per "
                                  f"column of A)")
        if any(v <= 0 for v in w):
            bad = next(v for v in w if v <= 0)
            raise InvalidArgument(f"weights contain {bad}; every weight must be > 0")
    AM, ATM = RationalMatrix(Aq), RationalMatrix(np.ascontiguousarray(Aq.T))
    build = _denoising_layers if eq > 0 else _basis_pursuit_layers
    layers = build(S, w, AM, ATM, m, N, eq)
    info = {"C1": S.C1, "C2": S.C2, "k": S.k, "restarts": S.restarts, "tau": S.tau, "nu": S.nu,
            "delta": S.delta, "w0": S.w0, "L": Lq, "eps": eq}
    return NeuralNetwork(layers, input_size=m, name=name, info=info)


def _basis_pursuit_layers(S: WarpdSchedule, w: np.ndarray, AM: RationalMatrix, ATM: RationalMatrix,
                          m: int, N: int, eps: gmpy2.mpq) -> list[Layer]:
    """``eps = 0``: two layers per step, state ``[x, y, s]``."""
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
    return layers


def _denoising_layers(S: WarpdSchedule, w: np.ndarray, AM: RationalMatrix, ATM: RationalMatrix,
                      m: int, N: int, eps: gmpy2.mpq) -> list[Layer]:
    """``eps > 0``: three layers per step, state ``[x, u, g, t, s]`` with ``y = u - g``."""
    X, U, G, S_ = 0, 1, 2, 4          # blocks of the state [x, u, g, t, s]
    state = (N, m, m, 1, N)
    after_a = (N, N, m, N)            # [x+, x, y, s]
    after_b = (N, m, m, N)            # [x+, u+, (u+)^2, s+]
    layers: list[Layer] = []
    first = True
    inv = gmpy2.mpq(1, S.k)
    for r in range(S.restarts):
        tau1, tau2 = S.steps[r]
        soft = Activation.soft_threshold([tau1 * v for v in w])
        ones = RationalMatrix(np.full((1, m), 1 / (tau2 * eps) ** 2, dtype=object))
        for j in range(S.k):
            if first:                       # input b only: x = y = s = 0
                layers.append(Layer((m,), [Block(N, activation=soft), Block(N), Block(m),
                                           Block(N)], m))
                first = False
            elif j == 0:                    # restart: x = s / k, y = 0, s = 0
                layers.append(Layer(state, [
                    Block(N, (Identity.of(S_, inv),), activation=soft),
                    Block(N, (Identity.of(S_, inv),)), Block(m), Block(N)], m))
            else:                           # y = u - g
                layers.append(Layer(state, [
                    Block(N, (Identity.of(X), Dense.of(U, ATM, -tau1), Dense.of(G, ATM, tau1)),
                          activation=soft),
                    Block(N, (Identity.of(X),)),
                    Block(m, (Identity.of(U), Identity.of(G, -1))),
                    Block(N, (Identity.of(S_),))], m))
            u_terms = (Identity.of(2), Dense.of(0, AM, 2 * tau2), Dense.of(1, AM, -tau2))
            u_input = (Identity.of(0, -tau2),)
            layers.append(Layer(after_a, [
                Block(N, (Identity.of(0),)),
                Block(m, u_terms, input_terms=u_input),
                Block(m, u_terms, input_terms=u_input, activation=Activation("square")),
                Block(N, (Identity.of(3), Identity.of(0)))], m))
            layers.append(Layer(after_b, [
                Block(N, (Identity.of(0),)),
                Block(m, (Identity.of(1),)),
                Block(m, (Identity.of(1),), activation=Activation.gate(3)),
                Block(1, (Dense.of(2, ones),)),
                Block(N, (Identity.of(3),))], m))
    layers.append(Layer(state, [Block(N, (Identity.of(S_, inv),))], m))
    return layers
