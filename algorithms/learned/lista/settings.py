"""LISTA's validated settings and its float64 parameters ``(W, theta)``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import as_positive_int

# --------------------------------------------------------------------------- validation


def positive_float(value: object, where: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidType(f"{where}={value!r} must be a real number")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise InvalidArgument(f"{where}={value!r} must be a finite number {rule}")
    return v


def integral(value: object) -> int | None:
    """``value`` as an ``int`` if it is an integer of any integral type the oracle reads
    (``int``, numpy integers, ``gmpy2.mpz``, ``sympy.Integer``: anything with ``__index__``),
    else ``None`` (bools, floats, strings)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def index_tuple(values: object, where: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | range | np.ndarray):
        raise InvalidType(f"{where}={values!r} must be a sequence of sample indices")
    out = []
    for i, k in enumerate(values):
        idx = integral(k)
        if idx is None or idx < 0:
            raise InvalidArgument(f"{where}[{i}]={k!r} must be a non-negative integer index")
        out.append(idx)
    if not out:
        raise InvalidArgument(f"{where}=() must hold at least one sample index")
    return tuple(out)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, kw_only=True)
class LISTASettings:
    """How :class:`LISTA` trains (frozen, keyword-only, validated).

    ``layers``: L; ``epochs``; ``batch_size``; ``learning_rate`` (Adam's step);
    ``beta1, beta2, adam_eps``: Adam's constants; ``norm_factor``: the 10 in
    ``c = 10 ||A||_2``; ``init_scale``: initial ``W_i`` entries are ``N(0, init_scale^2)/c``;
    ``theta_init``: initial thresholds are uniform on ``[0, theta_init]``; ``seed``: seeds the
    initialisation and the shuffling; ``shuffle``: draw a fresh permutation every epoch.

    The defaults are the paper's published set-up (10 layers, 4000 epochs, batches of 1000,
    weights N(0, 0.05^2)/c, thresholds U[0, 1e-7]) except the learning rate, which the paper
    ties to K (``2e-4 * 10^(-K/3)``) and the caller must therefore choose.
    """

    layers: int = 10
    epochs: int = 4000
    batch_size: int = 1000
    learning_rate: float = 2e-4
    beta1: float = 0.9
    beta2: float = 0.999
    adam_eps: float = 1e-7
    norm_factor: float = 10.0
    init_scale: float = 0.05
    theta_init: float = 1e-7
    seed: int = 0
    shuffle: bool = True

    def __post_init__(self) -> None:
        as_positive_int(self.layers, "layers")
        as_positive_int(self.epochs, "epochs")
        as_positive_int(self.batch_size, "batch_size")
        positive_float(self.learning_rate, "learning_rate")
        for name in ("beta1", "beta2"):
            v = positive_float(getattr(self, name), name, allow_zero=True)
            if v >= 1:
                raise InvalidArgument(f"{name}={v!r} must be in [0, 1)")
        positive_float(self.adam_eps, "adam_eps")
        positive_float(self.norm_factor, "norm_factor")
        positive_float(self.init_scale, "init_scale", allow_zero=True)
        positive_float(self.theta_init, "theta_init", allow_zero=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise InvalidType(f"seed={self.seed!r} must be an integer")
        if self.seed < 0:
            raise InvalidArgument(f"seed={self.seed!r} must be >= 0 (numpy's generators need it)")
        if not isinstance(self.shuffle, bool):
            raise InvalidType(f"shuffle={self.shuffle!r} must be True or False")


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class LISTAParameters:
    """Everything that defines a LISTA network, in float64.

    ``W``: shape (L, m, N); ``theta``: shape (L,), ``>= 0``; ``A``: the baked-in matrix
    (m, N) as doubles (used by the float64 forward pass); ``scale``: ``c = 10 ||A||_2`` (a
    double).  ``A_exact``: the rational matrix the network is built on (the oracle's ``A_n``);
    ``None`` means "the doubles in ``A``, taken exactly".
    """

    W: np.ndarray
    theta: np.ndarray
    A: np.ndarray
    scale: float
    A_exact: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        W = np.asarray(self.W, dtype=np.float64)
        theta = np.asarray(self.theta, dtype=np.float64).reshape(-1)
        A = np.asarray(self.A, dtype=np.float64)
        if W.ndim != 3:
            raise InvalidArgument(f"W has shape {W.shape}; it must be (layers, m, N)")
        if A.shape != W.shape[1:]:
            raise InvalidArgument(f"A has shape {A.shape} but W has layers of shape {W.shape[1:]}")
        if theta.shape != (W.shape[0],):
            raise InvalidArgument(f"theta has shape {theta.shape}; it must be ({W.shape[0]},)")
        if np.any(theta < 0) or not np.all(np.isfinite(theta)):
            raise InvalidArgument(f"theta={theta!r} must be finite and >= 0")
        if not np.all(np.isfinite(W)):
            raise InvalidArgument("W has non-finite entries")
        positive_float(self.scale, "scale")
        if self.A_exact is not None and np.shape(self.A_exact) != A.shape:
            raise InvalidArgument(
                f"A_exact has shape {np.shape(self.A_exact)} but A has shape {A.shape}")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "scale", float(self.scale))

    @property
    def layers(self) -> int:
        return self.W.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, N)``."""
        return self.W.shape[1], self.W.shape[2]

    @property
    def count(self) -> int:
        """Number of trainable numbers, ``L (m N + 1)``."""
        L, m, N = self.W.shape
        return L * (m * N + 1)

    def replace(self, W: np.ndarray, theta: np.ndarray) -> LISTAParameters:
        """The same network skeleton (``A``, ``c``) with other trainable values."""
        return LISTAParameters(W, theta, self.A, self.scale, self.A_exact)


# --------------------------------------------------------------------------- float64 passes


