r"""Any :class:`~algorithms.networks.NeuralNetwork` as a pure, jit-compiled JAX function.

:func:`to_jax` reads a network's layers (block structure, terms, biases, activations; see
:mod:`algorithms.networks`) and returns ``f`` with ``f(y) = phi(y)`` evaluated in ``dtype``
(float64 by default).  ``y`` may carry leading batch axes: ``y`` of shape ``(..., m)`` gives
``(..., n)``.  The operations are those of the network's definition, in the same order
(per block: the terms on the previous layer in order, then the input terms, then the bias;
a ``Dense`` term with coefficient ``c`` computes ``M (c h)``), so ``f(y)`` agrees with
``net(y, Float64())`` up to rounding (matrix products may sum in another order).  Exact and
ball evaluation stay in the arithmetic contexts; this is the float path for autodiff
(``jax.grad``, ``jax.vjp``) and batched evaluation.

Nonlinearities and the derivatives JAX uses (one-sided choices at kinks, met with
probability 0)::

    soft_t(z) = max(z - t, 0) + min(z + t, 0)      d/dz = [|z| > t]
    relu(z)   = max(z, 0)                          d/dz = [z > 0]
    square(z) = z^2                                d/dz = 2 z
    gate(z,t) = z * min(1, t^-1/2) = z / sqrt(max(t, 1))

Deep networks.  FIRENET has ``3 n p + 1`` layers; unrolling them all would make XLA compile
thousands of operations.  Consecutive layers that have the same *structure* (block sizes,
activations, term kinds and sources, the very same ``RationalMatrix`` objects) differ only in
their scalar coefficients, biases and thresholds; a run of ``k >= 2`` repetitions of a pattern
of up to :data:`MAX_PERIOD` layers is therefore compiled as one ``jax.lax.scan`` over the
stacked numeric parameters.  That is a compilation strategy, not a different function.

Importing this module turns on JAX's 64-bit mode (``jax_enable_x64``): without it JAX silently
computes in float32.  32-bit computation stays available by passing ``dtype=jnp.float32``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gmpy2
import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402 - after the x64 switch

from algorithms.errors import InvalidArgument, InvalidType  # noqa: E402
from algorithms.layers import Dense, Identity, Layer  # noqa: E402
from algorithms.networks import NeuralNetwork  # noqa: E402

__all__ = ["to_jax", "MAX_PERIOD", "mpq_to_float", "layer_runs"]

#: longest repeating pattern of layers that is compiled as a ``lax.scan``
MAX_PERIOD = 4


def mpq_to_float(q: object) -> float:
    """The double nearest to a rational (numerator / denominator, correctly rounded).

    Raises :class:`~algorithms.errors.InvalidArgument` when ``|q|`` is beyond the double range
    (a weight that rounds to infinity would make every output meaningless); tiny values round
    to subnormals or 0 as usual."""
    q = gmpy2.mpq(q)
    try:
        return int(q.numerator) / int(q.denominator)
    except OverflowError:
        bits = int(abs(q.numerator)).bit_length() - int(q.denominator).bit_length()
        raise InvalidArgument(
            f"q ~ {'-' if q < 0 else ''}2^{bits} is beyond the double range (|q| >= "
            f"2^1024): the network has a weight that float64 cannot represent") from None


def _floats(values: Any) -> np.ndarray:
    return np.array([mpq_to_float(v) for v in np.asarray(values, dtype=object).reshape(-1)],
                    dtype=np.float64)


# =============================================================================== structure
def _term_key(t: Identity | Dense) -> tuple:
    if isinstance(t, Identity):
        return ("I", t.source)
    return ("D", t.source, id(t.M))


def _structure(layer: Layer) -> tuple:
    """What must be equal for two layers to share compiled code: everything but the scalars,
    biases and thresholds."""
    return (layer.in_sizes, tuple(
        (b.size, b.activation.name, b.activation.source,
         tuple(_term_key(t) for t in b.terms), tuple(_term_key(t) for t in b.input_terms),
         b.bias is not None)
        for b in layer.blocks))


def _numbers(layer: Layer) -> tuple:
    """The numeric parameters of a layer: per block ``(term coefs, input-term coefs, bias,
    thresholds)`` as float64 numpy arrays (``None`` where absent)."""
    out = []
    for b in layer.blocks:
        coefs = _floats([t.coef.q for t in b.terms]) if b.terms else None
        icoefs = _floats([t.coef.q for t in b.input_terms]) if b.input_terms else None
        bias = _floats(b.bias.q) if b.bias is not None else None
        th = _floats(b.activation.thresholds.q) if b.activation.name == "soft_threshold" \
            else None
        out.append((coefs, icoefs, bias, th))
    return tuple(out)


def layer_runs(keys: Sequence[tuple], max_period: int = MAX_PERIOD) -> list[tuple[int, int, int]]:
    """Split a sequence of layer structures into maximal repeated runs ``(start, stop,
    period)``; ``period = 0`` marks a single unrepeated layer."""
    out = []
    i, n = 0, len(keys)
    while i < n:
        best = (i + 1, 0)
        for p in range(1, max_period + 1):
            j = i + p
            while j + p <= n and keys[j:j + p] == keys[i:i + p]:
                j += p
            if (j - i) // p >= 2 and j > best[0]:
                best = (j, p)
        out.append((i, best[0], best[1]))
        i = best[0]
    return out


# =============================================================================== evaluation
def _layer_fn(layer: Layer, mats: dict[int, jnp.ndarray], dtype: Any
              ) -> Callable[[tuple, tuple, jnp.ndarray], tuple]:
    """``(numbers, h_blocks, y) -> h_blocks`` for one layer structure."""
    blocks = layer.blocks
    gates = [b for b, blk in enumerate(blocks) if blk.activation.name == "gate"]

    def apply_terms(terms: tuple, coefs: jnp.ndarray, srcs: Sequence[jnp.ndarray],
                    on_input: bool = False) -> jnp.ndarray | None:
        acc = None
        for k, t in enumerate(terms):
            h = srcs[0] if on_input else srcs[t.source]
            h = h * coefs[k]
            if isinstance(t, Dense):
                h = h @ mats[id(t.M)].T
            acc = h if acc is None else acc + h
        return acc

    def fn(numbers: tuple, h: tuple, y: jnp.ndarray) -> tuple:
        batch = y.shape[:-1]
        pre: list[jnp.ndarray] = []
        for blk, (coefs, icoefs, bias, _th) in zip(blocks, numbers, strict=True):
            z = apply_terms(blk.terms, coefs, h) if blk.terms else None
            if blk.input_terms:
                zi = apply_terms(blk.input_terms, icoefs, (y,), True)
                z = zi if z is None else z + zi
            if bias is not None:
                z = jnp.broadcast_to(bias, batch + (blk.size,)) if z is None else z + bias
            if z is None:
                z = jnp.zeros(batch + (blk.size,), dtype)
            pre.append(z)
        out = []
        for blk, z, (_, _, _, th) in zip(blocks, pre, numbers, strict=True):
            name = blk.activation.name
            if name == "soft_threshold":
                z = jnp.maximum(z - th, 0) + jnp.minimum(z + th, 0)
            elif name == "relu":
                z = jnp.maximum(z, 0)
            elif name == "square":
                z = z * z
            out.append(z)
        for b in gates:
            t = out[blocks[b].activation.source][..., :1]
            out[b] = pre[b] / jnp.sqrt(jnp.maximum(t, 1))
        return tuple(out)

    return fn


def _to_device(numbers: tuple, dtype: Any) -> tuple:
    return tuple(tuple(None if a is None else jnp.asarray(a, dtype) for a in blk)
                 for blk in numbers)


def _stack(per_layer: list[tuple], dtype: Any) -> tuple:
    """Stack the numbers of equal-structure layers along a new leading axis."""
    first = per_layer[0]
    return tuple(tuple(None if first[b][k] is None else
                       jnp.asarray(np.stack([nums[b][k] for nums in per_layer]), dtype)
                       for k in range(4)) for b in range(len(first)))


def to_jax(network: NeuralNetwork, dtype: Any = jnp.float64, *, jit: bool = True
           ) -> Callable[[Any], jnp.ndarray]:
    """``phi`` of ``network`` as a pure JAX function ``f(y)`` (``y``: shape ``(..., m)``).

    ``dtype``: ``jnp.float64`` (default) or ``jnp.float32``; weights are the doubles nearest
    to the exact rationals, then cast.  ``jit=False`` returns the traceable function without
    compiling it (to be composed inside another jitted function).  Raises
    :class:`~algorithms.errors.InvalidType` for a non-network and
    :class:`~algorithms.errors.InvalidArgument` for a dtype that is not a real float type or a
    weight beyond the double range; ``f`` raises :class:`~algorithms.errors.InvalidType` for
    complex input and :class:`~algorithms.errors.InvalidArgument` for a last axis of the wrong
    length.
    """
    if not isinstance(network, NeuralNetwork):
        raise InvalidType(f"network has type {type(network).__name__}; pass a NeuralNetwork")
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise InvalidArgument(f"dtype={dtype!r} must be jnp.float64 or jnp.float32") from None
    if dt not in (jnp.dtype(jnp.float64), jnp.dtype(jnp.float32)):
        raise InvalidArgument(f"dtype={dtype!r} must be jnp.float64 or jnp.float32")
    layers = network.layers
    mats: dict[int, jnp.ndarray] = {}
    for layer in layers:
        for blk in layer.blocks:
            for t in blk.terms + blk.input_terms:
                if isinstance(t, Dense) and id(t.M) not in mats:
                    mats[id(t.M)] = jnp.asarray(_floats(t.M.q).reshape(t.M.shape), dt)
    keys = [_structure(layer) for layer in layers]
    stages: list[tuple[str, Any, Any]] = []
    for start, stop, period in layer_runs(keys):
        if period == 0:
            stages.append(("one", _layer_fn(layers[start], mats, dt),
                           _to_device(_numbers(layers[start]), dt)))
            continue
        fns = [_layer_fn(layers[start + k], mats, dt) for k in range(period)]
        stacked = [_stack([_numbers(layers[i]) for i in range(start + k, stop, period)], dt)
                   for k in range(period)]
        stages.append(("scan", fns, stacked))
    m = network.input_size

    def f(y: Any) -> jnp.ndarray:
        if jnp.iscomplexobj(y):
            raise InvalidType(
                f"y has the complex dtype {jnp.result_type(y)}; the network is a real function "
                f"(casting would drop the imaginary part): pass real input")
        y = jnp.asarray(y, dt)
        if y.shape[-1:] != (m,):
            raise InvalidArgument(f"y has shape {y.shape}; the last axis must have length {m}")
        h: tuple = (y,)
        for kind, fn, nums in stages:
            if kind == "one":
                h = fn(nums, h, y)
                continue

            def body(carry: tuple, xs: list, fns: list = fn) -> tuple:
                for g, nk in zip(fns, xs, strict=True):
                    carry = g(nk, carry, y)
                return carry, None

            h, _ = jax.lax.scan(body, h, nums)
        return h[0] if len(h) == 1 else jnp.concatenate(h, axis=-1)

    return jax.jit(f) if jit else f
