"""Small building blocks shared by the trained imaging networks (pure JAX, NHWC layout)."""

from __future__ import annotations

import math
import operator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from algorithms.errors import InvalidArgument, InvalidType

__all__ = ["conv", "conv_init", "avg_pool", "upsample", "int_setting", "real_setting"]


def int_setting(value: object, where: str, low: int) -> int:
    """``value`` as an ``int >= low`` (any integral type; bools, floats and strings refused
    with :class:`InvalidType`, smaller values with :class:`InvalidArgument`)."""
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        v = operator.index(value)
    except TypeError:
        raise InvalidType(f"{where}={value!r} must be an integer >= {low}") from None
    if v < low:
        raise InvalidArgument(f"{where}={value!r} must be an integer >= {low}")
    return v


def real_setting(value: object, where: str) -> float:
    """``value`` as a finite float ``>= 0``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise InvalidType(f"{where}={value!r} must be a real number")
    if not (0 <= float(value) < math.inf):
        raise InvalidArgument(f"{where}={value!r} must be finite and >= 0")
    return float(value)


def conv_init(rng: np.random.Generator, k: int, cin: int, cout: int, gain: float = 2.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """He-initialised ``k x k`` kernel ``(k, k, cin, cout)`` and zero bias."""
    w = rng.standard_normal((k, k, cin, cout)) * np.sqrt(gain / (k * k * cin))
    return w.astype(np.float32), np.zeros(cout, np.float32)


def conv(x: Any, w: Any, b: Any) -> Any:
    """``'SAME'`` convolution of ``x`` (``(B, H, W, C)``) with ``w`` plus bias."""
    out = jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                       dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return out + b


def avg_pool(x: Any) -> Any:
    """2 x 2 average pooling."""
    B, H, W, C = x.shape
    return x.reshape(B, H // 2, 2, W // 2, 2, C).mean(axis=(2, 4))


def upsample(x: Any) -> Any:
    """Nearest-neighbour 2x upsampling."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
