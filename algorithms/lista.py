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

Training (plain numpy float64; no deep-learning framework is needed for a few thousand
parameters).  The loss is the mean squared error ``mean((Psi(y_k) - x_k)^2)`` over a batch and
over the N coordinates.  Its gradient is computed by hand (:func:`lista_loss_and_gradient`):
with ``r_i = y - A x_i / c``, ``z_i = x_i + W_i^T r_i`` and ``g = dLoss/dx_{i+1}``,

    dz_i      = g * [|z_i| > theta_i]              (the soft-threshold's derivative)
    dtheta_i  = - sum( dz_i * sign(z_i) )
    dW_i      = r_i dz_i^T                         (summed over the batch)
    dx_i      = dz_i - A^T (W_i dz_i) / c          (g for the layer below)

and the parameters are updated by Adam (Kingma & Ba) on mini-batches drawn from a seeded,
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
in :mod:`theorems.table1` supplies it; :mod:`algorithms` never imports :mod:`theorems`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import (
    Activation,
    Block,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
    RationalMatrix,
)
from algorithms.rationals import MPQ, as_mpq, as_positive_int

__all__ = [
    "LISTASettings",
    "LISTAParameters",
    "EpochRecord",
    "LISTAFit",
    "LISTA",
    "lista_forward",
    "lista_loss_and_gradient",
    "lista_network",
    "build_lista_network",
    "Adam",
]


# --------------------------------------------------------------------------- validation


def _positive_float(value: object, where: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidType(f"{where}={value!r} must be a real number")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise InvalidArgument(f"{where}={value!r} must be a finite number {rule}")
    return v


def _index_tuple(values: object, where: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | range | np.ndarray):
        raise InvalidType(f"{where}={values!r} must be a sequence of sample indices")
    out = []
    for i, k in enumerate(values):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise InvalidArgument(f"{where}[{i}]={k!r} must be a non-negative integer index")
        out.append(int(k))
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
        _positive_float(self.learning_rate, "learning_rate")
        for name in ("beta1", "beta2"):
            v = _positive_float(getattr(self, name), name, allow_zero=True)
            if v >= 1:
                raise InvalidArgument(f"{name}={v!r} must be in [0, 1)")
        _positive_float(self.adam_eps, "adam_eps")
        _positive_float(self.norm_factor, "norm_factor")
        _positive_float(self.init_scale, "init_scale", allow_zero=True)
        _positive_float(self.theta_init, "theta_init", allow_zero=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise InvalidType(f"seed={self.seed!r} must be an integer")
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
        _positive_float(self.scale, "scale")
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


def _soft(z: np.ndarray, t: float) -> np.ndarray:
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def _as_batch(Y: object, m: int, where: str) -> tuple[np.ndarray, bool]:
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
    Yb, single = _as_batch(Y, m, "Y")
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
    Yb, _ = _as_batch(Y, m, "Y")
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
        self.lr = _positive_float(lr, "lr")
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


def _to_float_matrix(rows: np.ndarray) -> np.ndarray:
    arr = np.asarray(rows, dtype=object)
    return np.array([[_mpq_to_float(v) for v in row] for row in arr], dtype=np.float64)


def _mpq_to_float(v: object) -> float:
    if isinstance(v, MPQ):
        return int(v.numerator) / int(v.denominator)
    return float(v)  # type: ignore[arg-type]


class LISTA:
    """The LISTA training algorithm: ``train(oracle) -> NeuralNetwork``.

    Parameters
    ----------
    labels:
        ``k -> x_k``, the label (a length-N vector of floats) of the oracle's sample ``k``.
        Supplied by the harness that built the instance class (see the module docstring).
    train, validation:
        Indices of the oracle's samples used for training and for the checkpoint.
    level:
        The level ``n`` at which ``A_n`` and every ``y_{k,n}`` are read.
    settings:
        :class:`LISTASettings`.
    callback:
        Optional ``callback(record: EpochRecord)`` called after every epoch (progress bars).

    ``name`` is ``"LISTA"``.  After :meth:`train`, ``last_fit`` holds the :class:`LISTAFit`.
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
        self.train_indices = _index_tuple(train, "train")
        self.validation_indices = _index_tuple(validation, "validation")
        self.level = as_positive_int(level, "level", 0)
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
                label = np.asarray(self.labels(k), dtype=np.float64).reshape(-1)
                if label.shape != (N,):
                    raise InvalidArgument(
                        f"labels({k}) has shape {label.shape}; a vector of length N={N} is "
                        f"required ({where} sample)")
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
        opt = Adam([W.shape, theta.shape], lr=s.learning_rate, beta1=s.beta1, beta2=s.beta2,
                   eps=s.adam_eps)
        best = params
        with np.errstate(over="ignore", invalid="ignore"):
            best_val, best_epoch = _validation_loss(params, Yv, Tv), 0
        history = []
        n_train = Yt.shape[0]
        t1 = time.perf_counter()
        for epoch in range(1, s.epochs + 1):
            order = rng.permutation(n_train) if s.shuffle else np.arange(n_train)
            losses, weights = [], []
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n_train, s.batch_size):
                    idx = order[start:start + s.batch_size]
                    loss, dW, dtheta = lista_loss_and_gradient(params, Yt[idx], Tt[idx])
                    W, theta = opt.step([params.W, params.theta], [dW, dtheta])
                    if not (math.isfinite(loss) and np.all(np.isfinite(W))
                            and np.all(np.isfinite(theta))):
                        raise InvalidArgument(
                            f"learning_rate={s.learning_rate!r}: training diverged at epoch "
                            f"{epoch} (non-finite loss or parameters); choose a smaller "
                            f"learning rate")
                    params = params.replace(W, np.maximum(theta, 0.0))
                    losses.append(loss)
                    weights.append(len(idx))
                train_loss = float(np.average(losses, weights=weights))
                val = _validation_loss(params, Yv, Tv)
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


def _validation_loss(params: LISTAParameters, Y: np.ndarray, T: np.ndarray) -> float:
    diff = lista_forward(params, Y) - T
    return float(np.mean(diff * diff))


# --------------------------------------------------------------------------- the network


def _exact(value: object, where: str) -> gmpy2.mpq:
    """A parameter as an exact rational: doubles at their exact binary value (an explicit,
    documented conversion: the network IS the function of the doubles training produced)."""
    if isinstance(value, MPQ):
        return value
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise InvalidArgument(f"{where}={value!r} is not finite")
        return gmpy2.mpq(float(value))
    return as_mpq(value, where)


def _exact_array(values: object, where: str, ndim: int) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != ndim:
        raise InvalidArgument(f"{where} has shape {arr.shape}; {ndim} dimensions are required")
    flat = [_exact(v, f"{where}[{i}]") for i, v in enumerate(arr.reshape(-1))]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def build_lista_network(W: object, theta: object, A: object, scale: object, *,
                        name: str = "LISTA", info: dict | None = None) -> NeuralNetwork:
    """The LISTA network with the given parameters, exactly.

    ``W``: (L, m, N); ``theta``: (L,), ``>= 0``; ``A``: (m, N); ``scale``: ``c > 0``.  Entries
    may be exact rationals or doubles (taken at their exact binary value).  Layer ``i`` has one
    block of N neurons:

        z = x - P_i (x / c) + W_i^T y,   P_i = W_i^T A (exact),    x_{i+1} = soft_{theta_i}(z)

    (the first layer has no ``x`` terms since ``x_0 = 0``), which is
    ``x + W_i^T (y - A x / c)`` rearranged.  ``depth = L`` and ``widths = (m, N, ..., N)``.
    """
    Wq = _exact_array(W, "W", 3)
    thq = _exact_array(theta, "theta", 1)
    Aq = _exact_array(A, "A", 2)
    c = _exact(scale, "scale")
    L, m, N = Wq.shape
    if Aq.shape != (m, N):
        raise InvalidArgument(f"A has shape {Aq.shape}; ({m}, {N}) is required by W")
    if thq.shape != (L,):
        raise InvalidArgument(f"theta has shape {thq.shape}; ({L},) is required by W")
    if c <= 0:
        raise InvalidArgument(f"scale={c} must be > 0")
    for i, t in enumerate(thq):
        if t < 0:
            raise InvalidArgument(f"theta[{i}]={t} must be >= 0")
    minus_inv_c = -1 / c
    A_cols = Aq  # (m, N)
    layers = []
    for i in range(L):
        Wt = Wq[i].T  # (N, m): the input weights W_i^T
        act = Activation.soft_threshold([thq[i]] * N)
        inputs = (Dense.of(0, RationalMatrix(Wt, f"W[{i}]^T")),)
        if i == 0:
            block = Block(N, input_terms=inputs, activation=act)
            layers.append(Layer((m,), [block], m))
        else:
            P = RationalMatrix(Wt.dot(A_cols), f"W[{i}]^T A")
            terms = (Identity.of(0), Dense.of(0, P, minus_inv_c))
            block = Block(N, terms=terms, input_terms=inputs, activation=act)
            layers.append(Layer((N,), [block], m))
    return NeuralNetwork(layers, input_size=m, name=name, info=info)


def lista_network(params: LISTAParameters, *, name: str = "LISTA") -> NeuralNetwork:
    """The network of trained ``params`` (see :func:`build_lista_network`), on the exact
    rational matrix the algorithm read (``params.A_exact``) when it is known."""
    A = params.A if params.A_exact is None else params.A_exact
    L, m, N = params.W.shape
    info = {"layers": L, "trainable": params.count, "scale_c": repr(params.scale)}
    return build_lista_network(params.W, params.theta, A, params.scale, name=name, info=info)
