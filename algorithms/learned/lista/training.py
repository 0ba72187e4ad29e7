"""LISTA's float64 forward pass, its loss with hand-written gradients, and Adam.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.learned.lista.settings import LISTAParameters, positive_float
from algorithms.networks import (
    NeuralNetwork,
)


def _soft(z: np.ndarray, t: float) -> np.ndarray:
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def as_batch(Y: object, m: int, where: str) -> tuple[np.ndarray, bool]:
    Y = np.asarray(Y, dtype=np.float64)
    single = Y.ndim == 1
    if single:
        Y = Y[None, :]
    if Y.ndim != 2 or Y.shape[1] != m:
        raise InvalidArgument(f"{where} has shape {Y.shape}; rows of length m={m} are required")
    return Y, single


def lista_forward(params: LISTAParameters, Y: object) -> np.ndarray:
    """``Psi(y)`` in float64 for one sample ``y`` (shape (m,)) or a batch (rows, shape (B, m)).

    Computed in the residual form ``x + W_i^T (y - A x / c)`` (the way it is trained).
    """
    m, N = params.shape
    Yb, single = as_batch(Y, m, "Y")
    X = np.zeros((Yb.shape[0], N))
    for W, t in zip(params.W, params.theta, strict=True):
        X = _soft(X + (Yb - X @ params.A.T / params.scale) @ W, t)
    return X[0] if single else X


def lista_loss_and_gradient(
    params: LISTAParameters, Y: object, T: object
) -> tuple[float, np.ndarray, np.ndarray]:
    """The batch loss ``mean((Psi(Y) - T)^2)`` and its gradients ``(dW, dtheta)`` (float64).

    Backpropagation through the unrolled iteration (formulas in the module docstring).  At a
    point where some ``|z| = theta`` exactly the soft-threshold is not differentiable; the
    derivative used there is 0 (a valid subgradient choice, met with probability 0).
    """
    m, N = params.shape
    Yb, _ = as_batch(Y, m, "Y")
    Tb = np.asarray(T, dtype=np.float64)
    if Tb.ndim == 1:
        Tb = Tb[None, :]
    if Tb.shape != (Yb.shape[0], N):
        raise InvalidArgument(f"T has shape {Tb.shape}; ({Yb.shape[0]}, {N}) is required")
    A, c = params.A, params.scale
    X = np.zeros((Yb.shape[0], N))
    residuals, preacts = [], []
    for W, t in zip(params.W, params.theta, strict=True):
        r = Yb - X @ A.T / c
        z = X + r @ W
        residuals.append(r)
        preacts.append(z)
        X = _soft(z, t)
    diff = X - Tb
    loss = float(np.mean(diff * diff))
    g = 2.0 * diff / diff.size
    dW = np.empty_like(params.W)
    dtheta = np.empty_like(params.theta)
    for i in range(params.layers - 1, -1, -1):
        z, r = preacts[i], residuals[i]
        dz = np.where(np.abs(z) > params.theta[i], g, 0.0)
        dtheta[i] = -np.sum(dz * np.sign(z))
        dW[i] = r.T @ dz
        if i:
            g = dz - (dz @ params.W[i].T) @ A / c
    return loss, dW, dtheta


# --------------------------------------------------------------------------- Adam


class Adam:
    """Adam on a list of numpy arrays (Kingma & Ba, 2015), bias-corrected.

    ``step(params, grads)`` returns the updated arrays:
    ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``,
    ``p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.
    """

    def __init__(self, shapes: Sequence[tuple[int, ...]], *, lr: float, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-7):
        self.lr = positive_float(lr, "lr")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = [np.zeros(s) for s in shapes]
        self.v = [np.zeros(s) for s in shapes]
        self.t = 0

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        out = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            out.append(p - self.lr * (self.m[i] / c1) / (np.sqrt(self.v[i] / c2) + self.eps))
        return out


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: mean training loss over its batches and the validation loss after it."""

    epoch: int
    train_loss: float
    validation_loss: float


@dataclass(frozen=True)
class LISTAFit:
    """What :meth:`LISTA.fit` returns.

    ``network``: the checkpointed network (a ``NeuralNetwork``); ``parameters``: its float64
    parameters; ``history``: one :class:`EpochRecord` per epoch; ``best_epoch`` and
    ``best_validation_loss``: the checkpoint; ``seconds``: wall time of the training loop
    (reads excluded); ``read_seconds``: time spent reading the oracle; ``samples_read``:
    distinct oracle entries read by this fit; ``level``: the level n read.
    """

    network: NeuralNetwork
    parameters: LISTAParameters
    history: tuple[EpochRecord, ...]
    best_epoch: int
    best_validation_loss: float
    seconds: float
    read_seconds: float
    samples_read: int
    level: int


#: a label function: sample index k -> the label x_k (length N, float64)
LabelFunction = Callable[[int], Sequence[float]]


def validation_loss(params: LISTAParameters, Y: np.ndarray, T: np.ndarray) -> float:
    diff = lista_forward(params, Y) - T
    return float(np.mean(diff * diff))


# --------------------------------------------------------------------------- the network


