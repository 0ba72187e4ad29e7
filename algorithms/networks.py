"""Explicit neural networks with exact rational weights, evaluable in every context.

A network maps an input ``y`` (length ``m``) through layers ``l = 1..L``::

    h_0 = y
    z_l = W_l h_{l-1} + R_l y + c_l            (affine; y is fed to EVERY layer)
    h_l = sigma_l(z_l)                          (named nonlinearity, see below)
    phi(y) = h_L

as the paper allows (its networks may read the input at every layer).  The weights ``W_l``,
``R_l`` and biases ``c_l`` are stored as exact rationals (``gmpy2.mpq``), so one network
evaluates in :class:`~algorithms.arithmetic.Exact`, ``Ball``, ``MP`` and ``Float64``.

Block structure.  Each layer's output is split into *blocks* (consecutive neurons).  The affine
map of a block is a short list of *terms*: ``Identity(coef)`` (``coef`` times one block of
``h_{l-1}`` or of ``y``) or ``Dense(M, coef)`` (``M (coef * block)``).  This is only a storage
format: :meth:`Layer.weight` assembles the full ``W_l``.  Storing ``W_l`` by blocks keeps
FIRENET's mostly-identity layers cheap and makes evaluation follow a fixed, documented order of
operations (terms in order, then the input terms, then the bias), which is what lets a solver
reproduce a network bit for bit in ``Float64``.

Nonlinearities (per block):

===============================  ==========================================================
``identity``                     ``h = z``
``relu``                         ``h_i = max(z_i, 0)``
``soft_threshold`` (``t``)       ``h_i = sign(z_i) max(|z_i| - t_i, 0)``
                                 ``= ReLU(z_i - t_i) - ReLU(-z_i - t_i)``
``square``                       ``h_i = z_i^2``
``gate`` (source block ``k``)    ``h = z * min(1, t^(-1/2))`` with ``t`` the single neuron of block
                                 ``k`` of the same layer (the unit-ball projection neuron)
===============================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence

from algorithms.arithmetic.base import Context, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.layers import (
    ACTIVATIONS,
    Activation,
    Block,
    Coefficient,
    Dense,
    Identity,
    Layer,
    RationalMatrix,
    RationalVector,
    Term,
    layer_from_data,
    layer_to_data,
    rationals_from_data,
)
from algorithms.rationals import as_positive_int

__all__ = [
    "RationalMatrix",
    "RationalVector",
    "Identity",
    "Dense",
    "Activation",
    "Block",
    "Layer",
    "NeuralNetwork",
    "ACTIVATIONS",
    "Coefficient",
]

#: the keys of one layer of :meth:`NeuralNetwork.dense`
_DENSE_KEYS = ("W", "R", "c", "activation")


class NeuralNetwork:
    """A feed-forward network ``phi: R^m -> R^n`` with exact rational weights.

    ``net(y, ctx)`` evaluates it in the context ``ctx`` (default: the network's
    ``default_ctx``); ``y`` may be rationals or a vector of ``ctx``.  ``depth`` is the number of
    affine layers and ``widths`` is ``(m, width_1, ..., width_L)``.
    """

    def __init__(self, layers: Sequence[Layer], *, input_size: int, name: str = "network",
                 default_ctx: Context | None = None, info: dict | None = None):
        self.layers = tuple(layers)
        if not self.layers:
            raise InvalidArgument("a network needs at least one layer")
        self.input_size = as_positive_int(input_size, "input_size", 1)
        prev = (self.input_size,)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise InvalidType(f"layers[{i}] has type {type(layer).__name__}; pass Layer(...)")
            if layer.in_sizes != prev:
                raise InvalidArgument(
                    f"layers[{i}] expects input blocks {layer.in_sizes} but the previous layer "
                    f"produces {prev}")
            prev = layer.out_sizes
        self.name = name
        self.default_ctx = default_ctx
        #: free-form description of how the network was built (parameters, reads, ...)
        self.info = dict(info or {})

    # -------------------------------------------------------------- shape
    @property
    def depth(self) -> int:
        """Number of affine layers."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """``(input width, width of layer 1, ..., width of layer L)``."""
        return (self.input_size,) + tuple(layer.width for layer in self.layers)

    @property
    def output_size(self) -> int:
        return self.layers[-1].width

    def num_parameters(self) -> int:
        """Nonzero weights, biases and thresholds over all layers."""
        return sum(layer.num_parameters(self.input_size) for layer in self.layers)

    # -------------------------------------------------------------- evaluation
    def _ctx(self, ctx: Context | None) -> Context:
        ctx = ctx if ctx is not None else self.default_ctx
        if ctx is None:
            raise InvalidArgument(
                "ctx=None and this network has no default context; pass e.g. ctx=Ball(256)")
        if not isinstance(ctx, Context):
            raise InvalidType(f"ctx has type {type(ctx).__name__}; pass an arithmetic context")
        return ctx

    def _input(self, y: object, ctx: Context) -> Vec:
        v = ctx.as_vector(y)
        if ctx.size(v) != self.input_size:
            raise InvalidArgument(
                f"y has length {ctx.size(v)}; this network takes length {self.input_size}")
        return v

    def __call__(self, y: object, ctx: Context | None = None) -> Vec:
        """``phi(y)`` in the context ``ctx``."""
        return self.forward(y, ctx)

    def forward(self, y: object, ctx: Context | None = None) -> Vec:
        """Layer-by-layer evaluation (the definition of the network's function)."""
        ctx = self._ctx(ctx)
        yv = self._input(y, ctx)
        h: list[Vec] = [yv]
        for layer in self.layers:
            h = layer.evaluate(ctx, h, yv)
        return h[0] if len(h) == 1 else ctx.concat(h)

    # -------------------------------------------------------------- construction
    @classmethod
    def affine(cls, M: object, offset: object | None = None, *, name: str = "affine",
               default_ctx: Context | None = None) -> NeuralNetwork:
        """The one-layer network ``y -> M y + offset`` (identity nonlinearity)."""
        Mr = M if isinstance(M, RationalMatrix) else RationalMatrix(M, "M")
        n, m = Mr.shape
        bias = None if offset is None else RationalVector(offset, "offset")
        if bias is not None and len(bias) != n:
            raise InvalidArgument(f"offset has length {len(bias)}; length {n} is required")
        block = Block(n, terms=(Dense.of(0, Mr),), bias=bias)
        return cls([Layer((m,), [block], m)], input_size=m, name=name, default_ctx=default_ctx)

    @classmethod
    def constant(cls, value: object, input_size: int, *, name: str = "constant",
                 default_ctx: Context | None = None) -> NeuralNetwork:
        """The network that ignores ``y`` and returns ``value``."""
        v = RationalVector(value, "value")
        block = Block(len(v), bias=v)
        return cls([Layer((input_size,), [block], input_size)], input_size=input_size,
                   name=name, default_ctx=default_ctx)

    @classmethod
    def dense(cls, layers: Sequence[dict], input_size: int, *, name: str = "network",
              default_ctx: Context | None = None) -> NeuralNetwork:
        """A network from dense layers.

        Each entry of ``layers`` is a dict with ``W`` (width x previous width, may be omitted for
        a zero matrix), optional ``R`` (width x m), optional ``c`` (width) and ``activation``
        (``"identity"``, ``"relu"``, ``"square"``, or ``("soft_threshold", thresholds)``).
        """
        input_size = as_positive_int(input_size, "input_size", 1)
        built: list[Layer] = []
        prev = input_size
        for i, spec in enumerate(layers):
            if not isinstance(spec, dict):
                raise InvalidType(f"layers[{i}] has type {type(spec).__name__}; pass a dict with "
                                  f"keys among {', '.join(_DENSE_KEYS)}")
            unknown = sorted(str(k) for k in set(spec) - set(_DENSE_KEYS))
            if unknown:
                raise InvalidArgument(f"layers[{i}] has unknown keys {unknown}; the keys are "
                                      f"{', '.join(_DENSE_KEYS)}")
            terms: tuple[Term, ...] = ()
            inputs: tuple[Term, ...] = ()
            width = None
            if spec.get("W") is not None:
                W = RationalMatrix(spec["W"], f"layers[{i}].W")
                terms = (Dense.of(0, W),)
                width = W.shape[0]
            if spec.get("R") is not None:
                R = RationalMatrix(spec["R"], f"layers[{i}].R")
                inputs = (Dense.of(0, R),)
                width = R.shape[0] if width is None else width
            bias = RationalVector(spec["c"], f"layers[{i}].c") if spec.get("c") is not None \
                else None
            if width is None:
                if bias is None:
                    raise InvalidArgument(f"layers[{i}] needs at least one of W, R, c")
                width = len(bias)
            act = spec.get("activation", "identity")
            if isinstance(act, tuple):
                if len(act) != 2 or act[0] != "soft_threshold":
                    raise InvalidArgument(f"layers[{i}].activation={act!r} is not understood")
                activation = Activation.soft_threshold(act[1])
            else:
                activation = Activation(act)
            built.append(Layer((prev,), [Block(width, terms, inputs, bias, activation)],
                               input_size))
            prev = width
        return cls(built, input_size=input_size, name=name, default_ctx=default_ctx)

    # -------------------------------------------------------------- plain data
    #: the ``format`` field of :meth:`to_data`
    DATA_FORMAT = "smale18.network/1"

    def to_data(self) -> dict:
        """The network as PLAIN data (ints, strs, None, tuples, lists, dicts), exactly.

        ``{"format", "name", "input_size", "info", "matrices", "layers"}``: ``matrices`` holds
        each dense matrix once as ``(shape, ((p, q), ...))``; layers refer to it by index;
        every other rational is a ``(p, q)`` pair.  ``info`` keeps only ``str`` keys, with
        values turned into ``str``.  :meth:`from_data` rebuilds an equal network through the
        validating constructors, so a receiver runs none of the sender's code.
        """
        matrices: dict[int, int] = {}
        table: list = []
        layers = [layer_to_data(layer, matrices, table) for layer in self.layers]
        return {
            "format": self.DATA_FORMAT,
            "name": str(self.name),
            "input_size": self.input_size,
            "info": {str(k): str(v) for k, v in self.info.items()},
            "matrices": table,
            "layers": layers,
        }

    @classmethod
    def from_data(cls, data: object, *, default_ctx: Context | None = None,
                  max_layers: int = 100_000) -> NeuralNetwork:
        """Rebuild a network from :meth:`to_data` output, checking every field.

        Raises :class:`~algorithms.errors.InvalidArgument` / ``InvalidType`` naming the field
        (``layers[3].blocks[0].bias[2][1]=0 must be >= 1``).  ``max_layers`` caps the depth
        accepted.
        """
        keys = {"format", "name", "input_size", "info", "matrices", "layers"}
        if not isinstance(data, dict) or set(data) != keys:
            raise InvalidArgument(f"network data must be a dict with keys {sorted(keys)}")
        if data["format"] != cls.DATA_FORMAT:
            raise InvalidArgument(
                f"format={str(data['format'])[:40]!r} must be {cls.DATA_FORMAT!r}")
        name, info = data["name"], data["info"]
        if not isinstance(name, str):
            raise InvalidType("name must be a str")
        if not isinstance(info, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in info.items()):
            raise InvalidType("info must be a dict of str to str")
        input_size = data["input_size"]
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise InvalidArgument(f"input_size={str(input_size)[:40]} must be an int >= 1")
        raw_matrices, raw_layers = data["matrices"], data["layers"]
        if not isinstance(raw_matrices, (list, tuple)) or not isinstance(raw_layers,
                                                                          (list, tuple)):
            raise InvalidType("matrices and layers must be lists")
        if len(raw_layers) > max_layers:
            raise InvalidArgument(f"{len(raw_layers)} layers; at most max_layers={max_layers}")
        matrices = [RationalMatrix(rationals_from_data(M, f"matrices[{i}]", 2), f"matrices[{i}]")
                    for i, M in enumerate(raw_matrices)]
        layers = [layer_from_data(raw, f"layers[{i}]", input_size, matrices)
                  for i, raw in enumerate(raw_layers)]
        return cls(layers, input_size=input_size, name=name[:200], default_ctx=default_ctx,
                   info=dict(info))

    # -------------------------------------------------------------- inspection
    def summary(self, max_rows: int = 12) -> str:
        """A readable description: widths, nonlinearities and repeated layer patterns."""
        lines = [
            f"NeuralNetwork {self.name!r}: input {self.input_size} -> output {self.output_size}, "
            f"depth {self.depth} affine layers, {self.num_parameters()} nonzero parameters",
            f"  widths: {_format_widths(self.widths)}",
            "  layer(s)              width  blocks (size:nonlinearity)",
        ]
        rows = 0
        for start, stop, period in _runs([layer.signature() for layer in self.layers]):
            if rows >= max_rows:
                lines.append(f"  ... ({self.depth - start} more layers)")
                break
            if period == 0:
                layer = self.layers[start]
                lines.append(f"  {start + 1:<20}  {layer.width:>5}  {_blocks(layer)}")
            else:
                reps = (stop - start) // period
                lines.append(f"  {start + 1}-{stop}  ({reps} x a {period}-layer pattern):")
                for k in range(period):
                    layer = self.layers[start + k]
                    lines.append(f"    +{k:<18}  {layer.width:>5}  {_blocks(layer)}")
            rows += 1
        if self.info:
            lines.append("  built with: " + ", ".join(f"{k}={v}" for k, v in self.info.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"NeuralNetwork(name={self.name!r}, depth={self.depth}, "
                f"input={self.input_size}, output={self.output_size})")


def _blocks(layer: Layer) -> str:
    return " ".join(f"{b.size}:{b.activation.label()}" for b in layer.blocks)


def _format_widths(widths: tuple[int, ...]) -> str:
    if len(widths) <= 12:
        return str(widths)
    return f"({', '.join(map(str, widths[:7]))}, ..., {', '.join(map(str, widths[-2:]))})"


def _runs(sigs: list[tuple]) -> list[tuple[int, int, int]]:
    """Split into maximal repeated runs: ``(start, stop, period)``; period 0 = single layer."""
    out = []
    i, n = 0, len(sigs)
    while i < n:
        best = (i + 1, 0)
        for p in range(1, 5):
            j = i + p
            while j + p <= n and sigs[j:j + p] == sigs[i:i + p]:
                j += p
            reps = (j - i) // p
            if reps >= 2 and j > best[0]:
                best = (j, p)
        out.append((i, best[0], best[1]))
        i = best[0]
    return out

