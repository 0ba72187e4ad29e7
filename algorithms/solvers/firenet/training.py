"""The FIRENET training algorithm: read ``A_level`` through an oracle, return the network.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from algorithms.arithmetic.base import Context
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import (
    as_mpq,
    as_mpq_vector,
    as_positive_int,
)
from algorithms.solvers.firenet.network import FirenetNetwork
from algorithms.solvers.firenet.parameters import firenet_parameters, norm2_upper


# =============================================================================== training
@dataclass(frozen=True, kw_only=True)
class FIRENET:
    """The FIRENET training algorithm: read ``A_level`` once and return the network.

    ``train(oracle)`` reads ``oracle.matrix(level)`` exactly once.  If ``eps0`` is ``None`` it
    also reads every sample ``y_{k, level}`` and uses a certified upper bound of their largest
    2-norm (the network is built before its input is known, so the paper's ``eps0 = ||y||``
    becomes a bound over the training samples); pass ``eps0`` to read the matrix only.
    ``ctx`` becomes the returned network's default evaluation context.
    """

    level: int
    lam: object
    n_outer: int = 30
    p_inner: int = 50
    delta: object = "1e-6"
    ctx: Context | None = None
    weights: object | None = None
    L: object | None = None
    tau: object | None = None
    sigma: object | None = None
    eps0: object | None = None
    name: str = "FIRENET"

    def __post_init__(self) -> None:
        # every integral type the oracle reads levels with (numpy integers, gmpy2.mpz,
        # sympy.Integer); bools and floats refused
        try:
            level = operator.index(self.level)
        except TypeError:
            level = None
        if isinstance(self.level, bool) or level is None or level < 0:
            raise InvalidArgument(f"level={self.level!r} must be a non-negative integer")
        object.__setattr__(self, "level", level)
        lam = as_mpq(self.lam, "lam")
        if lam <= 0:
            raise InvalidArgument(f"lam={lam} must be > 0")
        as_positive_int(self.n_outer, "n_outer")
        as_positive_int(self.p_inner, "p_inner")
        if as_mpq(self.delta, "delta") < 0:
            raise InvalidArgument(f"delta={self.delta} must be >= 0")
        if self.eps0 is not None and as_mpq(self.eps0, "eps0") < 0:
            raise InvalidArgument(f"eps0={self.eps0} must be >= 0")
        if self.ctx is not None and not isinstance(self.ctx, Context):
            raise InvalidType(f"ctx has type {type(self.ctx).__name__}; pass a context or None")

    def train(self, oracle: Any) -> FirenetNetwork:
        """Read ``A_level`` (once) and return the FIRENET network for it."""
        A = oracle.matrix(self.level)
        eps0 = self.eps0
        if eps0 is None:
            norms = [norm2_upper(as_mpq_vector(oracle.sample(k, self.level), "y"))
                     for k in range(oracle.num_samples)]
            if not norms:
                raise InvalidArgument(
                    "eps0=None and the oracle has no samples; pass eps0 explicitly")
            eps0 = max(norms)
        P = firenet_parameters(A, lam=self.lam, n_outer=self.n_outer, p_inner=self.p_inner,
                               delta=self.delta, eps0=eps0, weights=self.weights, L=self.L,
                               tau=self.tau, sigma=self.sigma)
        info = dict(P.describe(), level=self.level)
        return FirenetNetwork(P, name=f"{self.name}(level={self.level})", default_ctx=self.ctx,
                              info=info)
