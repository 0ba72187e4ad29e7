r"""Training algorithms that unroll a solver into an explicit network: WARPd for (P1) and
FISTA for (P2), in the style of :class:`~algorithms.solvers.firenet.FIRENET`.

Each reads the problem only through an oracle (``oracle.matrix(level)`` and, for WARPd's
initial error level, ``oracle.sample(k, level)``) at ONE level it chooses, and returns a plain
:class:`~algorithms.networks.NeuralNetwork` with exact rational weights computed from what it
read, evaluable in ``Exact`` / ``Ball`` / ``MP`` / ``Float64`` (in ``Ball`` the output balls
contain the exact network output).  A plain network crosses a process boundary as exact data
(:meth:`~algorithms.networks.NeuralNetwork.to_data`), so both run sealed.

* :class:`UnrolledWARPd`: ``min ||x||_1`` s.t. ``||A x - y||_2 <= eta`` (P1), exactly WARPd's
  constrained problem; ``restarts`` restarts of ``k`` primal-dual steps, three layers per step
  (:func:`~algorithms.solvers.warpd.network.warpd_network` with ``eps = eta``).
* :class:`UnrolledFISTA`: ``min lam ||x||_1 + ||A x - y||_2^2`` (P2); ``n_iter`` FISTA steps, one
  layer per step (:func:`~algorithms.solvers.fista_network.fista_network`).

WARPd's sharpness constants.  WARPd needs ``C1, C2`` with
``dist(x, Xi) <= C1 (||x||_1 - ||x_hat||_1 + C2 (||A x - y|| - eta)_+)``.  On the paradox's
gadget (SPEC section 4) the constraint's Lagrange multiplier is ``1/a_j``, about ``1/alpha``.
Along the vertex direction ``x = t e_j`` (vertex ``t* e_j``, ``a_j t* = y0 - eta``) the bracket
is ``t - t*`` on the feasible side and ``(C2 a_j - 1)(t* - t)`` on the infeasible side, so
``C2 = 2/a_j`` and ``C1 = 1`` hold there; we do not prove them in every direction, and use them
as working constants whose effect is measured: the error to the solution set falls by about
``e^-1`` per restart on the class (``tests/test_solver_networks.py``).  The default estimates
``alpha`` from the matrix read, using only the layout the class makes public (``N1 = N + 1 - m``
switch columns): ``alpha_hat = sqrt(||A||_F^2 / (m N1))``, the root mean square of the
``a_i``, so ``C2 a_j >= 2`` for the longest column ``j``.  Then ``k = ceil(2 C1 C2 L / (tau
nu))`` is 16 whatever K (``L`` about ``sqrt(N1) alpha``).  For other matrices pass ``C1``,
``C2`` (and ``k``) explicitly.  The initial error level is
``w0 = C2 max_k ||y_{k, level}||`` (an upper bound over the training samples, as FIRENET's
``eps0``), or ``w0`` when given (then no sample is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import NeuralNetwork
from algorithms.rationals import (
    as_mpq,
    as_mpq_matrix,
    as_mpq_vector,
    as_positive_int,
    dyadic_round,
    mpq_sqrt_lower,
)
from algorithms.solvers.firenet import norm2_upper
from algorithms.solvers.fista_network import fista_network
from algorithms.solvers.warpd.network import warpd_network

__all__ = ["UnrolledWARPd", "UnrolledFISTA", "gadget_sharpness"]

_BITS = 53


def _level(level: object) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or level < 0:
        raise InvalidArgument(f"level={level!r} must be a non-negative integer")
    return int(level)


def _ctx(ctx: object) -> None:
    if ctx is not None and not isinstance(ctx, Context):
        raise InvalidType(f"ctx has type {type(ctx).__name__}; pass a context or None")


def _matrix(oracle: Any, level: int) -> np.ndarray:
    if not hasattr(oracle, "matrix"):
        raise InvalidType(f"oracle has type {type(oracle).__name__}; pass an oracle")
    return as_mpq_matrix(oracle.matrix(level), "A_level")


def gadget_sharpness(A: object) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """``(C1, C2) = (1, 2/alpha_hat)`` with ``alpha_hat = sqrt(||A||_F^2 / (m N1))``,
    ``N1 = N + 1 - m``: WARPd's sharpness constants for the (P1) gadget (module docstring).
    ``alpha_hat`` is rounded down and ``C2`` up, to a 53-bit dyadic."""
    Aq = as_mpq_matrix(A, "A")
    m, N = Aq.shape
    N1 = N + 1 - m
    if N1 < 1:
        raise InvalidArgument(f"A has shape {Aq.shape}: the gadget layout needs N + 1 - m >= 1")
    fro = sum((v * v for v in Aq.flat), gmpy2.mpq(0))
    if fro == 0:
        raise InvalidArgument("A is the zero matrix; no sharpness constant")
    alpha = mpq_sqrt_lower(fro / (m * N1), 64)
    return gmpy2.mpq(1), dyadic_round(2 / alpha, _BITS, "up")


@dataclass(frozen=True, kw_only=True)
class UnrolledWARPd:
    """WARPd for (P1) as a training algorithm: read ``A_level`` (and the samples at that level
    unless ``w0`` is given), return the unrolled network of ``restarts`` restarts.

    ``eta`` is the problem's noise level (WARPd's ``eps``).  ``C1``, ``C2`` default to
    :func:`gadget_sharpness` of the matrix read; ``k`` to ``ceil(2 C1 C2 L / (tau nu))``.
    ``ctx`` becomes the returned network's default evaluation context.
    """

    level: int
    eta: object
    restarts: int = 3
    C1: object | None = None
    C2: object | None = None
    k: int | None = None
    tau: object = gmpy2.mpq(99, 100)
    w0: object | None = None
    ctx: Context | None = None
    name: str = "WARPd"

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", _level(self.level))  # numpy ints -> int
        if as_mpq(self.eta, "eta") < 0:
            raise InvalidArgument(f"eta={self.eta} must be >= 0")
        as_positive_int(self.restarts, "restarts")
        for name in ("C1", "C2", "w0"):
            value = getattr(self, name)
            if value is not None and as_mpq(value, name) <= 0:
                raise InvalidArgument(f"{name}={value} must be > 0")
        if self.k is not None:
            as_positive_int(self.k, "k")
        tau = as_mpq(self.tau, "tau")
        if not 0 < tau < 1:
            raise InvalidArgument(f"tau={self.tau} must be in (0, 1) (tau1*tau2*L^2 = tau^2)")
        _ctx(self.ctx)

    def train(self, oracle: Any) -> NeuralNetwork:
        """Read ``A_level`` once (and ``y_{k, level}`` for every sample when ``w0`` is None);
        return the WARPd network for that matrix."""
        A = _matrix(oracle, self.level)
        C1, C2 = gadget_sharpness(A)
        C1 = C1 if self.C1 is None else as_mpq(self.C1, "C1")
        C2 = C2 if self.C2 is None else as_mpq(self.C2, "C2")
        w0 = self.w0
        if w0 is None:
            norms = [norm2_upper(as_mpq_vector(oracle.sample(k, self.level), "y"))
                     for k in range(oracle.num_samples)]
            if not norms:
                raise InvalidArgument(
                    "w0=None and the oracle has no samples; pass w0 explicitly")
            w0 = dyadic_round(C2 * max(max(norms), gmpy2.mpq(1, 2**_BITS)), _BITS, "up")
        net = warpd_network(A, C1=C1, C2=C2, restarts=self.restarts, w0=w0, tau=self.tau,
                            k=self.k, eps=self.eta, name=f"{self.name}(level={self.level})")
        net.default_ctx = self.ctx
        net.info.update(level=self.level, problem="P1")
        return net


@dataclass(frozen=True, kw_only=True)
class UnrolledFISTA:
    """FISTA for (P2) as a training algorithm: read ``A_level`` once, return the ``n_iter``-step
    FISTA network (step ``1/(2 L^2)``, ``L`` a certified upper bound of ``||A_level||_2``).

    ``lam`` is the problem's parameter; ``ctx`` becomes the network's default context.
    """

    level: int
    lam: object
    n_iter: int = 20
    ctx: Context | None = None
    name: str = "FISTA"

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", _level(self.level))  # numpy ints -> int
        if as_mpq(self.lam, "lam") <= 0:
            raise InvalidArgument(f"lam={self.lam} must be > 0")
        as_positive_int(self.n_iter, "n_iter")
        _ctx(self.ctx)

    def train(self, oracle: Any) -> NeuralNetwork:
        """Read ``A_level`` once; return the FISTA network for that matrix."""
        A = _matrix(oracle, self.level)
        net = fista_network(A, lam=self.lam, n_iter=self.n_iter,
                            name=f"{self.name}(level={self.level})")
        net.default_ctx = self.ctx
        net.info.update(level=self.level, problem="P2")
        return net
