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

============================  ==========================================================
``identity``                  ``h = z``
``relu``                      ``h_i = max(z_i, 0)``
``soft_threshold`` (``t``)    ``h_i = sign(z_i) max(|z_i| - t_i, 0)``
                              ``= ReLU(z_i - t_i) - ReLU(-z_i - t_i)``
``square``                    ``h_i = z_i^2``
``gate`` (source block ``k``) ``h = z * min(1, t^(-1/2))`` with ``t`` the single neuron of block
                              ``k`` of the same layer (the unit-ball projection neuron)
============================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_mpq_matrix, as_mpq_vector

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

ACTIVATIONS = ("identity", "relu", "soft_threshold", "square", "gate")
_ONE = gmpy2.mpq(1)


class RationalMatrix:
    """An immutable rational matrix that remembers its conversion to each context.

    Sharing one ``RationalMatrix`` between many layers (as FIRENET does) converts it once per
    context, not once per layer.
    """

    __slots__ = ("q", "shape", "_cache")

    def __init__(self, rows: object, where: str = "M"):
        q = rows.q if isinstance(rows, RationalMatrix) else as_mpq_matrix(rows, where)
        q.setflags(write=False)
        self.q = q
        self.shape: tuple[int, int] = q.shape
        self._cache: dict[tuple, CtxMatrix] = {}

    def on(self, ctx: Context) -> CtxMatrix:
        """This matrix as a :class:`CtxMatrix` of ``ctx`` (cached)."""
        hit = self._cache.get(ctx.key)
        if hit is None:
            hit = ctx.matrix(self.q)
            self._cache[ctx.key] = hit
        return hit

    def __repr__(self) -> str:
        return f"RationalMatrix(shape={self.shape})"


class RationalVector:
    """An immutable rational vector that remembers its conversion to each context."""

    __slots__ = ("q", "_cache")

    def __init__(self, values: object, where: str = "c"):
        q = values.q if isinstance(values, RationalVector) else as_mpq_vector(values, where)
        q.setflags(write=False)
        self.q = q
        self._cache: dict[tuple, Vec] = {}

    def __len__(self) -> int:
        return self.q.shape[0]

    def on(self, ctx: Context) -> Vec:
        hit = self._cache.get(ctx.key)
        if hit is None:
            hit = ctx.vector(self.q)
            self._cache[ctx.key] = hit
        return hit


class Coefficient:
    """A rational coefficient with per-context scalars."""

    __slots__ = ("q", "_cache")

    def __init__(self, q: object, where: str):
        self.q = as_mpq(q, where)
        self._cache: dict[tuple, Any] = {}

    def on(self, ctx: Context) -> Any:
        hit = self._cache.get(ctx.key)
        if hit is None:
            hit = ctx.scalar(self.q)
            self._cache[ctx.key] = hit
        return hit


def _coef(c: object) -> Coefficient:
    return c if isinstance(c, Coefficient) else Coefficient(c, "coef")


@dataclass(frozen=True, eq=False)
class Identity:
    """Term ``coef * block`` (``coef = 1`` passes the block through untouched)."""

    source: int
    coef: Coefficient = field(repr=False)

    @staticmethod
    def of(source: int, coef: object = 1) -> Identity:
        return Identity(source, _coef(coef))

    def apply(self, ctx: Context, x: Vec) -> Vec:
        return x if self.coef.q == 1 else ctx.scale(self.coef.on(ctx), x)

    def rows_cols(self, n: int) -> tuple[int, int]:
        return n, n

    def matrix(self, n: int) -> np.ndarray:
        out = np.full((n, n), gmpy2.mpq(0), dtype=object)
        for i in range(n):
            out[i, i] = self.coef.q
        return out

    def nonzeros(self, n: int) -> int:
        return n if self.coef.q != 0 else 0


@dataclass(frozen=True, eq=False)
class Dense:
    """Term ``M (coef * block)``: a dense rational matrix, optionally after a scalar factor."""

    source: int
    M: RationalMatrix
    coef: Coefficient = field(repr=False)

    @staticmethod
    def of(source: int, M: object, coef: object = 1) -> Dense:
        Mr = M if isinstance(M, RationalMatrix) else RationalMatrix(M)
        return Dense(source, Mr, _coef(coef))

    def apply(self, ctx: Context, x: Vec) -> Vec:
        if self.coef.q != 1:
            x = ctx.scale(self.coef.on(ctx), x)
        return ctx.matvec(self.M.on(ctx), x)

    def rows_cols(self, n: int) -> tuple[int, int]:
        return self.M.shape

    def matrix(self, n: int) -> np.ndarray:
        return self.M.q * self.coef.q if self.coef.q != 1 else np.array(self.M.q)

    def nonzeros(self, n: int) -> int:
        return int(sum(1 for v in self.M.q.flat if v != 0)) if self.coef.q != 0 else 0


Term = Identity | Dense


@dataclass(frozen=True, eq=False)
class Activation:
    """A named nonlinearity: ``identity``, ``relu``, ``soft_threshold`` (with ``thresholds``),
    ``square`` or ``gate`` (with ``source``: the index of the one-neuron block holding ``t``)."""

    name: str = "identity"
    thresholds: RationalVector | None = None
    source: int | None = None

    def __post_init__(self) -> None:
        if self.name not in ACTIVATIONS:
            raise InvalidArgument(
                f"activation={self.name!r} must be one of {', '.join(ACTIVATIONS)}")
        if self.name == "soft_threshold" and self.thresholds is None:
            raise InvalidArgument("activation='soft_threshold' needs thresholds")
        if self.name == "gate" and self.source is None:
            raise InvalidArgument("activation='gate' needs source (the block holding t)")

    @staticmethod
    def soft_threshold(thresholds: object) -> Activation:
        t = thresholds if isinstance(thresholds, RationalVector) else RationalVector(
            thresholds, "thresholds")
        if any(v < 0 for v in t.q):
            raise InvalidArgument("thresholds must be >= 0")
        return Activation("soft_threshold", thresholds=t)

    @staticmethod
    def gate(source: int) -> Activation:
        return Activation("gate", source=source)

    def label(self) -> str:
        return f"gate(t=block {self.source})" if self.name == "gate" else self.name


_IDENTITY = Activation()


@dataclass(frozen=True, eq=False)
class Block:
    """One block of a layer's output: ``sigma(sum terms(h_{l-1}) + sum input_terms(y) + bias)``.

    ``terms`` act on blocks of the previous layer's output (``term.source`` is the block index);
    ``input_terms`` act on the network input ``y`` (``source`` is ignored, use 0).
    """

    size: int
    terms: tuple[Term, ...] = ()
    input_terms: tuple[Term, ...] = ()
    bias: RationalVector | None = None
    activation: Activation = _IDENTITY

    def preactivation(self, ctx: Context, h: Sequence[Vec], y: Vec) -> Vec:
        acc = None
        for term in self.terms:
            val = term.apply(ctx, h[term.source])
            acc = val if acc is None else ctx.add(acc, val)
        for term in self.input_terms:
            val = term.apply(ctx, y)
            acc = val if acc is None else ctx.add(acc, val)
        if self.bias is not None:
            b = self.bias.on(ctx)
            acc = b if acc is None else ctx.add(acc, b)
        return ctx.zeros(self.size) if acc is None else acc


class Layer:
    """One layer: output blocks computed from the previous layer's blocks and the input ``y``.

    ``in_sizes`` are the block sizes of the previous output (``(m,)`` for the first layer).
    """

    __slots__ = ("in_sizes", "blocks", "_gates")

    def __init__(self, in_sizes: Sequence[int], blocks: Sequence[Block], input_size: int):
        self.in_sizes = tuple(int(s) for s in in_sizes)
        self.blocks = tuple(blocks)
        if not self.blocks:
            raise InvalidArgument("a layer needs at least one block")
        gates = []
        for b, blk in enumerate(self.blocks):
            if not isinstance(blk, Block):
                raise InvalidType(f"blocks[{b}] has type {type(blk).__name__}; pass Block(...)")
            for term in blk.terms:
                if not 0 <= term.source < len(self.in_sizes):
                    raise InvalidArgument(
                        f"blocks[{b}]: term source={term.source} is not a block of the previous "
                        f"layer (it has {len(self.in_sizes)} blocks)")
                self._check_term(term, self.in_sizes[term.source], blk.size, b)
            for term in blk.input_terms:
                self._check_term(term, input_size, blk.size, b)
            if blk.bias is not None and len(blk.bias) != blk.size:
                raise InvalidArgument(
                    f"blocks[{b}]: bias has length {len(blk.bias)}; length {blk.size} is required")
            act = blk.activation
            if act.name == "soft_threshold" and len(act.thresholds) not in (blk.size,):
                raise InvalidArgument(
                    f"blocks[{b}]: {len(act.thresholds)} thresholds for {blk.size} neurons")
            if act.name == "gate":
                src = act.source
                if not 0 <= src < len(self.blocks) or src == b or self.blocks[src].size != 1:
                    raise InvalidArgument(
                        f"blocks[{b}]: gate source={src} must be another block of this layer "
                        f"with exactly one neuron")
                if self.blocks[src].activation.name == "gate":
                    raise InvalidArgument(f"blocks[{b}]: a gate cannot read another gate")
                gates.append(b)
        self._gates = tuple(gates)

    @staticmethod
    def _check_term(term: Term, n_in: int, n_out: int, b: int) -> None:
        rows, cols = term.rows_cols(n_in)
        if (rows, cols) != (n_out, n_in):
            raise InvalidArgument(
                f"blocks[{b}]: a term maps {cols} -> {rows} neurons but the block maps "
                f"{n_in} -> {n_out}")

    @property
    def width(self) -> int:
        return sum(b.size for b in self.blocks)

    @property
    def in_width(self) -> int:
        return sum(self.in_sizes)

    @property
    def out_sizes(self) -> tuple[int, ...]:
        return tuple(b.size for b in self.blocks)

    def evaluate(self, ctx: Context, h: Sequence[Vec], y: Vec) -> list[Vec]:
        """The output blocks ``h_l`` from the previous blocks ``h`` and the input ``y``."""
        out: list[Vec] = []
        for blk in self.blocks:
            z = blk.preactivation(ctx, h, y)
            name = blk.activation.name
            if name == "soft_threshold":
                z = ctx.soft_threshold(z, blk.activation.thresholds.on(ctx))
            elif name == "relu":
                z = ctx.relu(z)
            elif name == "square":
                z = ctx.square(z)
            out.append(z)
        for b in self._gates:
            t = ctx.item(out[self.blocks[b].activation.source], 0)
            out[b] = ctx.gate(out[b], t)
        return out

    def signature(self) -> tuple:
        """Sizes and activations of the blocks (used to summarise repeated layers)."""
        return tuple((b.size, b.activation.label()) for b in self.blocks)

    # -------------------------------------------------------------- dense views
    def weight(self) -> np.ndarray:
        """The full ``W_l`` (width x in_width) as an object array of ``mpq``."""
        return self._assemble(lambda blk: blk.terms, self.in_sizes)

    def input_weight(self, input_size: int) -> np.ndarray:
        """The full ``R_l`` (width x m)."""
        return self._assemble(lambda blk: blk.input_terms, (input_size,), single=True)

    def bias(self) -> np.ndarray:
        """The full ``c_l`` (length width)."""
        parts = [blk.bias.q if blk.bias is not None else np.full(blk.size, gmpy2.mpq(0),
                                                                  dtype=object)
                 for blk in self.blocks]
        return np.concatenate(parts)

    def _assemble(self, terms_of: Any, in_sizes: Sequence[int], single: bool = False
                  ) -> np.ndarray:
        W = np.full((self.width, sum(in_sizes)), gmpy2.mpq(0), dtype=object)
        offs = np.concatenate([[0], np.cumsum(in_sizes)]).astype(int)
        r = 0
        for blk in self.blocks:
            for term in terms_of(blk):
                j = 0 if single else term.source
                c0, c1 = offs[j], offs[j + 1]
                W[r:r + blk.size, c0:c1] += term.matrix(c1 - c0)
            r += blk.size
        return W

    def num_parameters(self, input_size: int) -> int:
        """Nonzero weights and biases (thresholds count as biases)."""
        n = 0
        for blk in self.blocks:
            for term in blk.terms:
                n += term.nonzeros(self.in_sizes[term.source])
            for term in blk.input_terms:
                n += term.nonzeros(input_size)
            if blk.bias is not None:
                n += sum(1 for v in blk.bias.q if v != 0)
            if blk.activation.name == "soft_threshold":
                n += sum(1 for v in blk.activation.thresholds.q if v != 0)
        return n


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
        self.input_size = int(input_size)
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
        built: list[Layer] = []
        prev = input_size
        for i, spec in enumerate(layers):
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
                if act[0] != "soft_threshold":
                    raise InvalidArgument(f"layers[{i}].activation={act!r} is not understood")
                activation = Activation.soft_threshold(act[1])
            else:
                activation = Activation(act)
            built.append(Layer((prev,), [Block(width, terms, inputs, bias, activation)],
                               input_size))
            prev = width
        return cls(built, input_size=input_size, name=name, default_ctx=default_ctx)

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


def as_rational_matrix(M: object, where: str = "M") -> RationalMatrix:
    """A :class:`RationalMatrix` from an array of rationals (or itself)."""
    return M if isinstance(M, RationalMatrix) else RationalMatrix(M, where)


def is_mpq(x: object) -> bool:
    return isinstance(x, MPQ)
