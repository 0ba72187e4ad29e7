r"""An AUTOMAP-type network: fully connected from k-space to image, then convolutions.

After Zhu et al. (Nature 2018): the measurements ``y`` (length ``d``: real and imaginary parts
of the sampled k-space) pass through a trainable fully connected layer to an ``n x n`` image,
then a small convolutional refinement::

    z    = F y + f                                 (F: n^2 x d, f: n^2; reshaped to n x n)
    h1   = relu(conv5x5(z, 1 -> c))
    h2   = relu(conv5x5(h1, c -> c))
    Phi(y) = z + conv3x3(h2, c -> 1)

``F`` is initialised at a given matrix (the caller passes the zero-filled adjoint ``A^*``, so
training starts from the zero-filled reconstruction) plus ``N(0, init_noise^2)`` entries: a
fully connected layer learned from k-space, which is AUTOMAP's ingredient.  (The original has
two fully connected layers with tanh; one linear layer keeps training to minutes on a CPU.)
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from algorithms.errors import InvalidArgument, InvalidType
from algorithms.learned.convolutions import conv, conv_init, int_setting, real_setting

__all__ = ["automap_init", "automap_apply"]


def automap_init(fc_init: np.ndarray, n: int, channels: int = 16, seed: int = 0,
                 init_noise: float = 1e-3) -> dict[str, np.ndarray]:
    """Initial parameters (float32).  ``fc_init``: ``(n*n, d)``, real and finite; ``n`` and
    ``channels`` integers ``>= 1``, ``seed >= 0``, ``init_noise`` finite ``>= 0``."""
    n = int_setting(n, "n", 1)
    channels = int_setting(channels, "channels", 1)
    seed = int_setting(seed, "seed", 0)
    init_noise = real_setting(init_noise, "init_noise")
    if np.iscomplexobj(fc_init):
        raise InvalidType("fc_init is complex; pass the real matrix (e.g. real and imaginary "
                          "parts of the adjoint stacked as columns)")
    fc = np.asarray(fc_init, dtype=np.float64)
    if fc.ndim != 2 or fc.shape[0] != n * n or fc.shape[1] < 1:
        raise InvalidArgument(f"fc_init has shape {fc.shape}; ({n * n}, d) is required")
    if not np.all(np.isfinite(fc)):
        raise InvalidArgument("fc_init has non-finite entries")
    rng = np.random.default_rng(seed)
    params = {"fc_w": (fc + init_noise * rng.standard_normal(fc.shape)).astype(np.float32),
              "fc_b": np.zeros(n * n, np.float32)}
    c = channels
    params["c1_w"], params["c1_b"] = conv_init(rng, 5, 1, c)
    params["c2_w"], params["c2_b"] = conv_init(rng, 5, c, c)
    w, b = conv_init(rng, 3, c, 1)
    params["c3_w"], params["c3_b"] = w * 0.0, b
    return params


def automap_apply(params: dict[str, Any], y: Any) -> Any:
    """``Phi`` on a batch ``(B, d)`` (or one ``(d,)``) of measurements; images ``(B, n, n)``."""
    d = params["fc_w"].shape[1]
    if y.ndim not in (1, 2) or y.shape[-1] != d:
        raise InvalidArgument(f"y has shape {y.shape}; (d,) or (B, d) with d={d} is required")
    single = y.ndim == 1
    yb = y[None] if single else y
    nn = params["fc_b"].shape[0]
    n = int(round(nn ** 0.5))
    z = (yb @ params["fc_w"].T + params["fc_b"]).reshape(yb.shape[0], n, n)
    h = jax.nn.relu(conv(z[..., None], params["c1_w"], params["c1_b"]))
    h = jax.nn.relu(conv(h, params["c2_w"], params["c2_b"]))
    out = z + conv(h, params["c3_w"], params["c3_b"])[..., 0]
    return out[0] if single else out
