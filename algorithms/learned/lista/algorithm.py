"""LISTA: a learned, unrolled ISTA, and the algorithm that trains it from oracle data.

Architecture (the network ``Psi`` of Table 1 in Colbrook, Antun & Hansen, PNAS 2022).  With
``A`` the baked-in matrix (m x N), ``c = 10 ||A||_2`` a fixed scale, ``L`` layers, trainable
``W_i`` (m x N) and thresholds ``theta_i >= 0``:

    x_0     = 0
    x_{i+1} = soft_{theta_i}( x_i + W_i^T (y - A x_i / c) ),      i = 0 .. L-1
    Psi(y)  = x_L

with ``soft_t(z) = sign(z) max(|z| - t, 0) = ReLU(z - t) - ReLU(-z - t)``.  Each step is one
affine map of ``(x, y)`` followed by an entrywise soft-threshold,

    x_{i+1} = soft_{theta_i}( M_i x_i + W_i^T y ),     M_i = I - W_i^T A / c,

so ``Psi`` is an :class:`algorithms.networks.NeuralNetwork` with ``L`` layers of widths
``(m, N, ..., N)`` and ``L (m N + 1)`` trainable numbers (4630 for the paper's 21 x 22, L = 10).
The network is the EXACT function of its parameters: the trained doubles, ``A`` (the oracle's
rational ``A_n``) and ``c`` (a double) are all rationals, so the network can be evaluated in
exact rationals, in rigorous balls, at any binary precision, or in float64
(:func:`lista_network`).

Training (float64 JAX).  The loss is the mean squared error ``mean((Psi(y_k) - x_k)^2)`` over a
batch and over the N coordinates.  Its gradient is JAX's reverse mode through the unrolled
iteration (``jax.value_and_grad``; :func:`lista_loss_and_gradient`), and the parameters are
updated by Adam (``optax.adam``, Kingma & Ba) on mini-batches drawn from a seeded,
reshuffled permutation each epoch; thresholds are projected back to ``theta >= 0`` after each
step.  The parameters with the smallest validation loss seen at the end of an epoch are kept
(best-validation checkpoint).

What the algorithm reads, and where the labels come from.  :class:`LISTA` reads ``A_n`` once
and the training and validation samples ``y_{k,n}`` through the ORACLE of the problem it is
trained on, at one level ``n``; those reads are the training data in the sense of the paper
(``oracle.samples_read`` counts them).  The labels ``x_k`` (minimisers of the problem at the
exact ``y_k``) cannot be computed from finitely many rational approximations (that is the
point of the paper), so, as in the paper's experiment, they come from whoever built the
instance class: the caller passes a label function ``k -> x_k``.  In this project the harness
in :mod:`theorems.table1.harness` supplies it; :mod:`algorithms` never imports :mod:`theorems`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import jax.numpy as jnp
import numpy as np
import optax

import algorithms.jax_bridge  # noqa: F401 - float64 in JAX
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.learned.lista.network import lista_network
from algorithms.learned.lista.settings import (
    LISTAParameters,
    LISTASettings,
    index_tuple,
    integral,
)
from algorithms.learned.lista.training import (
    EpochRecord,
    LabelFunction,
    LISTAFit,
    train_step,
    validation_loss,
)
from algorithms.networks import (
    NeuralNetwork,
)
from algorithms.rationals import MPQ, as_positive_int


def _to_float_matrix(rows: np.ndarray) -> np.ndarray:
    arr = np.asarray(rows, dtype=object)
    return np.array([[_mpq_to_float(v) for v in row] for row in arr], dtype=np.float64)


def _mpq_to_float(v: object) -> float:
    if isinstance(v, MPQ):
        return int(v.numerator) / int(v.denominator)
    return float(v)  # type: ignore[arg-type]


class LISTA:
    """The LISTA training algorithm: ``train(oracle) -> NeuralNetwork``.

    ``name`` is ``"LISTA"``.  After :meth:`train`, ``last_fit`` holds the :class:`LISTAFit`.

    Parameters
    ----------
    labels
        ``k -> x_k``, the label (a length-N vector of floats) of the oracle's sample ``k``.
        Supplied by the harness that built the instance class (see the module docstring).
    train, validation
        Indices of the oracle's samples used for training and for the checkpoint.
    level
        The level ``n`` at which ``A_n`` and every ``y_{k,n}`` are read.
    settings
        The :class:`LISTASettings`.
    callback
        Optional ``callback(record: EpochRecord)`` called after every epoch (progress bars).
    """

    name = "LISTA"

    def __init__(
        self,
        labels: LabelFunction,
        *,
        train: Sequence[int],
        validation: Sequence[int],
        level: int,
        settings: LISTASettings | None = None,
        callback: Callable[[EpochRecord], None] | None = None,
    ):
        if not callable(labels):
            raise InvalidType(f"labels={labels!r} must be a function k -> label vector")
        self.labels = labels
        self.train_indices = index_tuple(train, "train")
        self.validation_indices = index_tuple(validation, "validation")
        lv = integral(level)
        self.level = as_positive_int(level if lv is None else lv, "level", 0)
        if settings is None:
            settings = LISTASettings()
        if not isinstance(settings, LISTASettings):
            raise InvalidType(f"settings={settings!r} must be a LISTASettings")
        self.settings = settings
        if callback is not None and not callable(callback):
            raise InvalidType(f"callback={callback!r} must be callable or None")
        self.callback = callback
        self.last_fit: LISTAFit | None = None

    def __repr__(self) -> str:
        s = self.settings
        return (f"LISTA(layers={s.layers}, epochs={s.epochs}, batch_size={s.batch_size}, "
                f"lr={s.learning_rate:g}, train={len(self.train_indices)}, "
                f"validation={len(self.validation_indices)}, level={self.level})")

    # ------------------------------------------------------------------ reading
    def _read(self, oracle: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                              np.ndarray, np.ndarray]:
        m, N = oracle.shape  # type: ignore[attr-defined]
        A_exact = np.asarray(oracle.matrix(self.level), dtype=object)  # type: ignore[attr-defined]

        def samples(indices: tuple[int, ...], where: str) -> tuple[np.ndarray, np.ndarray]:
            Y = np.empty((len(indices), m))
            T = np.empty((len(indices), N))
            for row, k in enumerate(indices):
                y = oracle.sample(k, self.level)  # type: ignore[attr-defined]
                Y[row] = [_mpq_to_float(v) for v in y]
                raw = self.labels(k)
                try:
                    if np.iscomplexobj(raw):
                        raise TypeError("complex")
                    label = np.asarray(raw, dtype=np.float64).reshape(-1)
                except (TypeError, ValueError):
                    raise InvalidType(
                        f"labels({k})={raw!r} is not a vector of real numbers ({where} "
                        f"sample)") from None
                if label.shape != (N,):
                    raise InvalidArgument(
                        f"labels({k}) has shape {label.shape}; a vector of length N={N} is "
                        f"required ({where} sample)")
                if not np.all(np.isfinite(label)):
                    raise InvalidArgument(
                        f"labels({k}) has non-finite entries ({where} sample); a label must "
                        f"be a finite vector")
                T[row] = label
            return Y, T

        Yt, Tt = samples(self.train_indices, "training")
        Yv, Tv = samples(self.validation_indices, "validation")
        return A_exact, _to_float_matrix(A_exact), Yt, Tt, Yv, Tv

    # ------------------------------------------------------------------ training
    def fit(self, oracle: object) -> LISTAFit:
        """Read the training data through ``oracle``, train, and return a :class:`LISTAFit`."""
        for attr in ("matrix", "sample", "shape"):
            if not hasattr(oracle, attr):
                raise InvalidType(f"oracle={oracle!r} has no {attr!r}; pass an oracle.Oracle")
        before = getattr(oracle, "samples_read", 0)
        t0 = time.perf_counter()
        A_exact, A, Yt, Tt, Yv, Tv = self._read(oracle)
        read_seconds = time.perf_counter() - t0
        s = self.settings
        rng = np.random.default_rng(s.seed)
        m, N = A.shape
        scale = s.norm_factor * float(np.linalg.norm(A, 2))
        W = rng.standard_normal((s.layers, m, N)) * (s.init_scale / scale)
        theta = rng.uniform(0.0, s.theta_init, size=s.layers)
        params = LISTAParameters(W, theta, A, scale, A_exact)
        step = train_step(s.learning_rate, s.beta1, s.beta2, s.adam_eps)
        state = optax.adam(s.learning_rate, b1=s.beta1, b2=s.beta2, eps=s.adam_eps).init(
            (jnp.asarray(W), jnp.asarray(theta)))
        best = params
        with np.errstate(over="ignore", invalid="ignore"):
            best_val, best_epoch = validation_loss(params, Yv, Tv), 0
        history = []
        n_train = Yt.shape[0]
        t1 = time.perf_counter()
        Wj, thj = jnp.asarray(W), jnp.asarray(theta)
        for epoch in range(1, s.epochs + 1):
            order = rng.permutation(n_train) if s.shuffle else np.arange(n_train)
            losses_j, weights = [], []
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n_train, s.batch_size):
                    idx = order[start:start + s.batch_size]
                    loss_j, Wj, thj, state = step(Wj, thj, state, A, scale, Yt[idx], Tt[idx])
                    losses_j.append(loss_j)
                    weights.append(len(idx))
                # one transfer per epoch (a non-finite step leaves non-finite parameters or
                # a non-finite loss behind it: NaN and inf propagate through Adam)
                losses = [float(v) for v in losses_j]
                W, theta = np.asarray(Wj), np.asarray(thj)
                if not (all(math.isfinite(v) for v in losses) and np.all(np.isfinite(W))
                        and np.all(np.isfinite(theta))):
                    raise InvalidArgument(
                        f"learning_rate={s.learning_rate!r}: training diverged at epoch "
                        f"{epoch} (non-finite loss or parameters); choose a smaller "
                        f"learning rate")
                params = params.replace(W, theta)
                train_loss = float(np.average(losses, weights=weights))
                val = validation_loss(params, Yv, Tv)
            if not math.isfinite(val):
                raise InvalidArgument(
                    f"learning_rate={s.learning_rate!r}: training diverged at epoch {epoch} "
                    f"(validation loss {val}); choose a smaller learning rate")
            if val < best_val:
                best, best_val, best_epoch = params, val, epoch
            record = EpochRecord(epoch, train_loss, val)
            history.append(record)
            if self.callback is not None:
                self.callback(record)
        seconds = time.perf_counter() - t1
        network = lista_network(best)
        fit = LISTAFit(
            network=network,
            parameters=best,
            history=tuple(history),
            best_epoch=best_epoch,
            best_validation_loss=best_val,
            seconds=seconds,
            read_seconds=read_seconds,
            samples_read=getattr(oracle, "samples_read", 0) - before,
            level=self.level,
        )
        self.last_fit = fit
        return fit

    def train(self, oracle: object) -> NeuralNetwork:
        """Train on ``oracle``'s data and return the checkpointed ``NeuralNetwork``."""
        return self.fit(oracle).network


