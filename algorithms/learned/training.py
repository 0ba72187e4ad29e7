r"""Training image-reconstruction networks with JAX and optax, and the on-disk weight cache.

:func:`train_network` fits ``model(params, y) -> image`` to pairs ``(y_k, X_k)`` by Adam
(``optax.adam``) on the mean squared error ``mean((model(params, y) - X)^2)`` over mini-batches
drawn from a seeded permutation each epoch.  With ``noise > 0`` every batch is perturbed first:
``y <- y + r ||y|| g / ||g||`` with ``g`` standard Gaussian and ``r`` uniform on ``[0, noise]``
per sample (training "with noise").  Gradients are ``jax.value_and_grad``; the step is
jit-compiled once.  Learning rate: constant, or (``schedule="cosine"``) the cosine decay
``lr_t = lr (f + (1 - f)(1 + cos(pi t / T)) / 2)`` over the ``T`` steps of training, ``f = 0.02``.

Cache.  Trained parameters are stored as ``.npz`` files in :func:`cache_dir` (``$SMALE18_CACHE``
if set, else ``$XDG_CACHE_HOME/smale18``, else ``~/.cache/smale18``), named by
:func:`config_key`: the SHA-256 of the canonical JSON of the whole configuration (architecture,
data description, training settings, seed, :data:`CACHE_VERSION`).  A second run with the same
configuration loads instead of training; nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import algorithms.jax_bridge  # noqa: F401 - float64 in JAX
from algorithms.errors import InvalidArgument, InvalidType

__all__ = ["TrainSettings", "TrainResult", "train_network", "cache_dir", "config_key",
           "save_params", "load_params", "cached_training", "CACHE_VERSION"]

#: bump when the meaning of a cached file changes
CACHE_VERSION = 1
#: learning-rate schedules of :class:`TrainSettings`
SCHEDULES = ("constant", "cosine")
#: final fraction of the learning rate under the cosine schedule
COSINE_FLOOR = 0.02


@dataclass(frozen=True, kw_only=True)
class TrainSettings:
    """``epochs``, ``batch_size``, ``learning_rate`` (Adam), ``noise`` (maximal relative
    k-space noise during training; 0 = none), ``seed`` (initialisation, shuffling, noise),
    ``schedule``: ``"constant"`` or ``"cosine"`` (module docstring)."""

    epochs: int = 20
    batch_size: int = 16
    learning_rate: float = 1e-3
    noise: float = 0.0
    seed: int = 0
    schedule: str = "constant"

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "seed"):
            v = getattr(self, name)
            low = 0 if name == "seed" else 1
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise InvalidType(f"{name}={v!r} must be an integer >= {low}")
            if v < low:
                raise InvalidArgument(f"{name}={v!r} must be an integer >= {low}")
            object.__setattr__(self, name, int(v))
        for name in ("learning_rate", "noise"):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                                     np.floating)):
                raise InvalidType(f"{name}={v!r} must be a real number")
        if not (0 < self.learning_rate < math.inf):
            raise InvalidArgument(f"learning_rate={self.learning_rate!r} must be finite and > 0")
        if not (0 <= self.noise < 1):
            raise InvalidArgument(f"noise={self.noise!r} must be in [0, 1)")
        if self.schedule not in SCHEDULES:
            raise InvalidArgument(f"schedule={self.schedule!r} must be one of {SCHEDULES}")


@dataclass(frozen=True)
class TrainResult:
    """Trained ``params`` (a dict of numpy arrays), the per-epoch mean training loss,
    ``seconds`` of training (0 when loaded), and ``cached``: whether it came from disk."""

    params: dict[str, np.ndarray]
    losses: tuple[float, ...]
    seconds: float
    cached: bool
    key: str


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``override``, else ``$SMALE18_CACHE``, else
    ``$XDG_CACHE_HOME/smale18``, else ``~/.cache/smale18`` (not created here)."""
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("SMALE18_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "smale18"


def config_key(config: dict) -> str:
    """SHA-256 (hex, first 24 digits) of the canonical JSON of ``config`` plus
    :data:`CACHE_VERSION`.  ``config`` must be JSON-serialisable (names, numbers, lists)."""
    if not isinstance(config, dict):
        raise InvalidType(f"config has type {type(config).__name__}; pass a dict")
    text = json.dumps({"version": CACHE_VERSION, **config}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def save_params(path: Path, params: dict[str, Any], losses: tuple[float, ...]) -> None:
    """Write ``params`` and the loss history to ``path`` atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, __losses__=np.asarray(losses, dtype=np.float64),
                 **{k: np.asarray(v) for k, v in params.items()})
    os.replace(tmp, path)


def load_params(path: Path) -> tuple[dict[str, np.ndarray], tuple[float, ...]]:
    with np.load(path, allow_pickle=False) as data:
        params = {k: data[k] for k in data.files if k != "__losses__"}
        return params, tuple(float(v) for v in data["__losses__"])


def train_network(
    model: Callable[[Any, Any], Any],
    params: dict[str, Any],
    Y: np.ndarray,
    X: np.ndarray,
    settings: TrainSettings,
    *,
    dtype: Any = jnp.float32,
    progress: Callable[[int, float], None] | None = None,
) -> tuple[dict[str, np.ndarray], tuple[float, ...]]:
    """Adam on ``mean((model(params, y) - X)^2)`` (module docstring).  ``Y``: ``(R, d)``
    inputs; ``X``: ``(R, n, n)`` targets.  ``progress(epoch, loss)`` after each epoch."""
    if not callable(model):
        raise InvalidType(f"model={model!r} must be a function (params, y) -> image")
    if not isinstance(settings, TrainSettings):
        raise InvalidType(f"settings={settings!r} must be a TrainSettings")
    for name, arr in (("Y", Y), ("X", X)):
        if np.iscomplexobj(arr):
            raise InvalidType(f"{name} is complex; the networks train on real arrays (stack "
                              f"real and imaginary parts)")
    Y, X = np.asarray(Y), np.asarray(X)
    for name, arr in (("Y", Y), ("X", X)):
        if arr.dtype.kind not in "fiu":
            raise InvalidType(f"{name} has dtype {arr.dtype}; an array of real numbers is "
                              f"required")
    if Y.ndim != 2 or X.ndim < 1 or X.shape[0] != Y.shape[0] or Y.shape[0] < 1:
        raise InvalidArgument(f"Y has shape {Y.shape} and X {X.shape}; Y must be (R, d) and X "
                              f"(R, ...) with the same R >= 1")
    for name, arr in (("Y", Y), ("X", X)):
        if not np.all(np.isfinite(arr)):
            raise InvalidArgument(f"{name} has non-finite entries; training data must be finite")
    s = settings
    R = Y.shape[0]
    nb = max(R // s.batch_size, 1)
    lr: Any = s.learning_rate
    if s.schedule == "cosine":
        lr = optax.cosine_decay_schedule(s.learning_rate, s.epochs * nb, COSINE_FLOOR)
    opt = optax.adam(lr)
    p = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), params)
    state = opt.init(p)
    noise = float(s.noise)

    def loss_fn(p: Any, yb: Any, xb: Any) -> Any:
        d = model(p, yb) - xb
        return jnp.mean(d * d)

    @jax.jit
    def step(p: Any, state: Any, yb: Any, xb: Any, key: Any) -> tuple:
        if noise > 0:
            k1, k2 = jax.random.split(key)
            g = jax.random.normal(k1, yb.shape, yb.dtype)
            r = jax.random.uniform(k2, (yb.shape[0], 1), yb.dtype, 0.0, noise)
            yn = jnp.linalg.norm(yb, axis=1, keepdims=True)
            yb = yb + r * yn * g / jnp.linalg.norm(g, axis=1, keepdims=True)
        loss, grads = jax.value_and_grad(loss_fn)(p, yb, xb)
        updates, state = opt.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    rng = np.random.default_rng(s.seed)
    key = jax.random.PRNGKey(s.seed)
    losses = []
    for epoch in range(1, s.epochs + 1):
        order = rng.permutation(R)
        total = 0.0
        for b in range(nb):
            idx = order[b * s.batch_size:(b + 1) * s.batch_size]
            key, sub = jax.random.split(key)
            p, state, loss = step(p, state, jnp.asarray(Y[idx], dtype),
                                  jnp.asarray(X[idx], dtype), sub)
            total += float(loss)
        mean = total / nb
        if not np.isfinite(mean):
            raise InvalidArgument(f"learning_rate={s.learning_rate!r}: training diverged at "
                                  f"epoch {epoch}; choose a smaller learning rate")
        losses.append(mean)
        if progress is not None:
            progress(epoch, mean)
    return {k: np.asarray(v) for k, v in p.items()}, tuple(losses)


def cached_training(
    name: str,
    config: dict,
    build: Callable[[], tuple[Callable[[Any, Any], Any], dict[str, Any], np.ndarray,
                              np.ndarray]],
    settings: TrainSettings,
    *,
    cache: str | os.PathLike | None = None,
    use_cache: bool = True,
    progress: Callable[[int, float], None] | None = None,
) -> TrainResult:
    """Load the parameters for ``(name, config, settings)`` from the cache, or train them with
    ``build() -> (model, init_params, Y, X)`` and store them.  ``build`` is only called on a
    cache miss (generating training data costs time too)."""
    full = {"name": name, "config": config, "settings": asdict(settings)}
    key = config_key(full)
    path = cache_dir(cache) / f"{name}-{key}.npz"
    if use_cache and path.exists():
        params, losses = load_params(path)
        return TrainResult(params, losses, 0.0, True, key)
    model, init, Y, X = build()
    t0 = time.perf_counter()
    params, losses = train_network(model, init, Y, X, settings, progress=progress)
    seconds = time.perf_counter() - t0
    if use_cache:
        save_params(path, params, losses)
    return TrainResult(params, losses, seconds, False, key)
