r"""A small U-net that post-processes the zero-filled (adjoint) reconstruction.

``Phi(y) = U(A^* y)``: the caller supplies the adjoint image ``A^* y`` (for Fourier sampling the
zero-filled inverse DFT); the U-net ``U`` maps it to an image.  Architecture (``c`` base
channels, NHWC, ReLU after every 3 x 3 convolution except the last)::

    e1 = conv(conv(x, 1 -> c), c -> c)                     n x n
    e2 = conv(conv(pool(e1), c -> 2c), 2c -> 2c)           n/2
    b  = conv(conv(pool(e2), 2c -> 4c), 4c -> 4c)          n/4
    d2 = conv(conv([up(b), e2], 6c -> 2c), 2c -> 2c)       n/2
    d1 = conv(conv([up(d2), e1], 3c -> c), c -> c)         n
    U(x) = x + conv(d1, c -> 1)                            (residual: learns a correction)

``pool`` is 2 x 2 averaging, ``up`` nearest-neighbour upsampling, ``[., .]`` channel
concatenation.  Trained by :func:`algorithms.learned.training.train_network` on the mean squared
error, with or without k-space noise.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.learned.convolutions import avg_pool, conv, conv_init, int_setting, upsample

__all__ = ["unet_init", "unet_apply", "UNET_LAYERS"]

#: (name, input channels as multiples of c, output channels as multiples of c)
UNET_LAYERS = (("e1a", 0, 1), ("e1b", 1, 1), ("e2a", 1, 2), ("e2b", 2, 2), ("ba", 2, 4),
               ("bb", 4, 4), ("d2a", 6, 2), ("d2b", 2, 2), ("d1a", 3, 1), ("d1b", 1, 1))


def unet_init(channels: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    """Initial parameters (float32): He-initialised kernels, zero biases, a zero last layer
    (so the untrained net is the identity on its input)."""
    channels = int_setting(channels, "channels", 1)
    rng = np.random.default_rng(int_setting(seed, "seed", 0))
    c = channels
    params: dict[str, np.ndarray] = {}
    for name, cin, cout in UNET_LAYERS:
        w, b = conv_init(rng, 3, max(cin * c, 1), cout * c)
        params[name + "_w"], params[name + "_b"] = w, b
    params["out_w"] = np.zeros((1, 1, c, 1), np.float32)
    params["out_b"] = np.zeros(1, np.float32)
    return params


def unet_apply(params: dict[str, Any], images: Any) -> Any:
    """``U`` on a batch of images ``(B, n, n)`` (or one ``(n, n)``); ``n`` divisible by 4."""
    if images.ndim not in (2, 3) or images.shape[-1] != images.shape[-2] \
            or images.shape[-1] % 4:
        raise InvalidArgument(
            f"images has shape {images.shape}; (n, n) or (B, n, n) with n divisible by 4 is "
            f"required (two 2 x 2 poolings)")
    single = images.ndim == 2
    x = images[None] if single else images
    h = x[..., None]

    def cc(name: str, z: Any) -> Any:
        return jax.nn.relu(conv(z, params[name + "_w"], params[name + "_b"]))

    e1 = cc("e1b", cc("e1a", h))
    e2 = cc("e2b", cc("e2a", avg_pool(e1)))
    b = cc("bb", cc("ba", avg_pool(e2)))
    d2 = cc("d2b", cc("d2a", jnp.concatenate([upsample(b), e2], axis=-1)))
    d1 = cc("d1b", cc("d1a", jnp.concatenate([upsample(d2), e1], axis=-1)))
    out = x + conv(d1, params["out_w"], params["out_b"])[..., 0]
    return out[0] if single else out
