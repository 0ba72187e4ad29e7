"""LISTA's float64 forward pass, its loss and gradient (JAX reverse mode), and Adam (optax).

Gradients are ``jax.value_and_grad`` of the loss written as the forward pass (no hand-written
backpropagation); Adam is ``optax.adam`` (Kingma & Ba, bias-corrected:
``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``,
``p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``).  Everything is float64
(:mod:`algorithms.jax_bridge` enables JAX's 64-bit mode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jax  # noqa: E402,I001 - after the bridge switched on float64
import jax.numpy as jnp  # noqa: E402
import numpy as np
import optax  # noqa: E402

import algorithms.jax_bridge  # noqa: F401 - enables float64 in JAX before any array is made
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.learned.lista.settings import LISTAParameters, positive_float
from algorithms.networks import (
    NeuralNetwork,
)


def _real_array(values: object, where: str) -> np.ndarray:
    """``values`` as a float64 array; complex or non-numeric input raises :class:`InvalidType`
    (casting would drop the imaginary part, or fail inside numpy)."""
    try:
        if np.iscomplexobj(values):
            raise TypeError("complex")
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidType(
            f"{where} is not an array of real numbers: {str(values)[:60]}") from None


def as_batch(Y: object, m: int, where: str) -> tuple[np.ndarray, bool]:
    """``Y`` as float64 rows of length ``m`` (one vector becomes one row; ``single`` says so);
    complex or non-numeric input is refused (:func:`_real_array`)."""
    Y = _real_array(Y, where)
    single = Y.ndim == 1
    if single:
        Y = Y[None, :]
    if Y.ndim != 2 or Y.shape[1] != m:
        raise InvalidArgument(f"{where} has shape {Y.shape}; rows of length m={m} are required")
    return Y, single


def _forward(W: Any, theta: Any, A: Any, c: Any, Y: Any) -> Any:
    """``x <- soft_theta_i(x + (y - A x / c) W_i)`` on the rows of ``Y`` (JAX, traceable)."""
    X = jnp.zeros((Y.shape[0], W.shape[2]), dtype=Y.dtype)
    for i in range(W.shape[0]):
        Z = X + (Y - X @ A.T / c) @ W[i]
        X = jnp.maximum(Z - theta[i], 0.0) + jnp.minimum(Z + theta[i], 0.0)
    return X


def _loss(W: Any, theta: Any, A: Any, c: Any, Y: Any, T: Any) -> Any:
    D = _forward(W, theta, A, c, Y) - T
    return jnp.mean(D * D)


_forward_jit = jax.jit(_forward)
_value_and_grad = jax.jit(jax.value_and_grad(_loss, argnums=(0, 1)))


def lista_forward(params: LISTAParameters, Y: object) -> np.ndarray:
    """``Psi(y)`` in float64 for one sample ``y`` (shape (m,)) or a batch (rows, shape (B, m)).

    Computed in the residual form ``x + W_i^T (y - A x / c)`` (the way it is trained).
    """
    m, N = params.shape
    Yb, single = as_batch(Y, m, "Y")
    X = np.asarray(_forward_jit(params.W, params.theta, params.A, params.scale, Yb))
    return X[0] if single else X


def lista_loss_and_gradient(
    params: LISTAParameters, Y: object, T: object
) -> tuple[float, np.ndarray, np.ndarray]:
    """The batch loss ``mean((Psi(Y) - T)^2)`` and its gradients ``(dW, dtheta)`` (float64),
    by JAX reverse mode through the unrolled iteration.  At a point where some ``|z| = theta``
    exactly the soft-threshold is not differentiable; JAX's ``max``/``min`` rules pick a
    one-sided derivative there (met with probability 0)."""
    m, N = params.shape
    Yb, _ = as_batch(Y, m, "Y")
    Tb = _real_array(T, "T")
    if Tb.ndim == 1:
        Tb = Tb[None, :]
    if Tb.shape != (Yb.shape[0], N):
        raise InvalidArgument(f"T has shape {Tb.shape}; ({Yb.shape[0]}, {N}) is required")
    loss, (dW, dtheta) = _value_and_grad(params.W, params.theta, params.A, params.scale, Yb, Tb)
    return float(loss), np.asarray(dW), np.asarray(dtheta)


# --------------------------------------------------------------------------- Adam


@cache
def _adam_step(beta1: float, beta2: float, eps: float) -> Callable[..., Any]:
    """The jitted Adam step for one set of moment constants; the learning rate is an argument
    (as ``-lr``), so every learning rate shares one compiled program.  The update is optax's
    ``adam``, written as its two parts: ``scale_by_adam`` then the product with ``-lr``."""
    moments = optax.scale_by_adam(b1=beta1, b2=beta2, eps=eps)

    def step(W: Any, theta: Any, state: Any, A: Any, c: Any, Y: Any, T: Any, neg_lr: Any
             ) -> tuple:
        loss, grads = jax.value_and_grad(_loss, argnums=(0, 1))(W, theta, A, c, Y, T)
        adam_state, rest = state
        updates, adam_state = moments.update(grads, adam_state, (W, theta))
        updates = jax.tree.map(lambda u: neg_lr * u, updates)
        W, theta = optax.apply_updates((W, theta), updates)
        return loss, W, jnp.maximum(theta, 0.0), (adam_state, rest)

    return jax.jit(step)


@cache
def train_step(lr: float, beta1: float, beta2: float, eps: float) -> Callable[..., Any]:
    """An Adam step on LISTA's loss: ``(W, theta, state, A, c, Y, T) -> (loss, W, theta,
    state)`` with ``state = optax.adam(lr, beta1, beta2, eps).init((W, theta))``; thresholds
    projected back to ``theta >= 0`` after the step.  The same arithmetic as ``optax.adam``
    (bit for bit: ``scale_by_adam``, then ``-lr`` times the update); compiled once per set of
    moment constants and batch shape, whatever the learning rate (Table 1 trains at one rate
    per K, and each compile cost seconds)."""
    shared = _adam_step(beta1, beta2, eps)
    neg_lr = jnp.asarray(-1 * lr, dtype=jnp.float64)

    def step(W: Any, theta: Any, state: Any, A: Any, c: Any, Y: Any, T: Any) -> tuple:
        return shared(W, theta, state, A, c, Y, T, neg_lr)

    return step


class Adam:
    """Adam on a list of numpy arrays: a thin wrapper of ``optax.adam`` (module docstring).

    ``step(params, grads)`` returns the updated arrays.
    """

    def __init__(self, shapes: Sequence[tuple[int, ...]], *, lr: float, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-7):
        self.lr = positive_float(lr, "lr")
        self._opt = optax.adam(self.lr, b1=float(beta1), b2=float(beta2), eps=float(eps))
        self._state = self._opt.init([jnp.zeros(s) for s in shapes])

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        p = [jnp.asarray(v, jnp.float64) for v in params]
        updates, self._state = self._opt.update([jnp.asarray(g, jnp.float64) for g in grads],
                                                self._state, p)
        return [np.asarray(v) for v in optax.apply_updates(p, updates)]


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


