"""The building blocks of :class:`~algorithms.networks.NeuralNetwork`: exact rational matrices
and vectors, the blocks of an affine map (``Identity``, ``Dense``), activations, and layers
``h -> sigma(W h + R y + c)``.  Weights are exact rationals; a layer is evaluated in any
arithmetic context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic.base import Context, CtxMatrix, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_mpq_matrix, as_mpq_vector, as_positive_int

__all__ = [
    "ACTIVATIONS",
    "RationalMatrix",
    "RationalVector",
    "Coefficient",
    "Identity",
    "Dense",
    "Activation",
    "Term",
    "Block",
    "Layer",
    "as_rational_matrix",
    "is_mpq",
    "rationals_to_data",
    "rationals_from_data",
    "layer_to_data",
    "layer_from_data",
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


def _check_source(term: object) -> None:
    """A term's ``source`` is an int ``>= 0`` and its ``coef`` a :class:`Coefficient` (a bare
    rational is converted)."""
    src = term.source  # type: ignore[attr-defined]
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)):
        raise InvalidType(f"source={src!r} must be an int >= 0 (a block index)")
    if src < 0:
        raise InvalidArgument(f"source={src} must be an int >= 0 (a block index)")
    object.__setattr__(term, "source", int(src))
    object.__setattr__(term, "coef", _coef(term.coef))  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=False)
class Identity:
    """Term ``coef * block`` (``coef = 1`` passes the block through untouched)."""

    source: int
    coef: Coefficient = field(repr=False)

    def __post_init__(self) -> None:
        _check_source(self)

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

    def __post_init__(self) -> None:
        _check_source(self)
        if not isinstance(self.M, RationalMatrix):
            object.__setattr__(self, "M", RationalMatrix(self.M, "M"))

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
        if not isinstance(self.name, str) or self.name not in ACTIVATIONS:
            raise InvalidArgument(
                f"activation={self.name!r} must be one of {', '.join(ACTIVATIONS)}")
        if self.name == "soft_threshold":
            if self.thresholds is None:
                raise InvalidArgument("activation='soft_threshold' needs thresholds")
            t = self.thresholds
            if not isinstance(t, RationalVector):
                t = RationalVector(t, "thresholds")
                object.__setattr__(self, "thresholds", t)
            for i, v in enumerate(t.q):
                if v < 0:
                    raise InvalidArgument(f"thresholds must be >= 0; thresholds[{i}]={v}")
        elif self.thresholds is not None:
            raise InvalidArgument(
                f"activation={self.name!r} takes no thresholds (only 'soft_threshold' does)")
        if self.name == "gate":
            if self.source is None:
                raise InvalidArgument("activation='gate' needs source (the block holding t)")
            src = self.source
            if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or src < 0:
                raise InvalidArgument(
                    f"gate source={src!r} must be an int >= 0 (a block of the same layer)")
            object.__setattr__(self, "source", int(src))

    @staticmethod
    def soft_threshold(thresholds: object) -> Activation:
        t = thresholds if isinstance(thresholds, RationalVector) else RationalVector(
            thresholds, "thresholds")
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", as_positive_int(self.size, "size", 1))
        for name in ("terms", "input_terms"):
            raw = getattr(self, name)
            if not isinstance(raw, (tuple, list)):
                raise InvalidType(
                    f"{name} has type {type(raw).__name__}; pass a tuple of Identity/Dense terms")
            for i, term in enumerate(raw):
                if not isinstance(term, (Identity, Dense)):
                    raise InvalidType(
                        f"{name}[{i}] has type {type(term).__name__}; pass Identity.of(...) or "
                        f"Dense.of(...)")
            object.__setattr__(self, name, tuple(raw))
        if self.bias is not None and not isinstance(self.bias, RationalVector):
            object.__setattr__(self, "bias", RationalVector(self.bias, "bias"))
        if not isinstance(self.activation, Activation):
            raise InvalidType(
                f"activation has type {type(self.activation).__name__}; pass Activation(...)")

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
        self.in_sizes = tuple(as_positive_int(s, f"in_sizes[{i}]", 1)
                              for i, s in enumerate(in_sizes))
        if not self.in_sizes:
            raise InvalidArgument("in_sizes=() must list at least one block size")
        input_size = as_positive_int(input_size, "input_size", 1)
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



# =============================================================================== plain data
# A network crosses a process boundary as PLAIN DATA: nested tuples, lists and dicts of ``int``,
# ``str`` and ``None`` only, so the receiver can decode it without running any of the sender's
# code (no classes, no pickled objects).  A rational is the pair ``(numerator, denominator)``
# with ``denominator > 0``; an array of rationals is ``(shape, pairs)`` in row-major order.

def rationals_to_data(values: object) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """An array of rationals as ``(shape, ((p, q), ...))``, row-major, exactly."""
    arr = np.asarray(values, dtype=object)
    return (tuple(int(d) for d in arr.shape),
            tuple((int(gmpy2.mpq(v).numerator), int(gmpy2.mpq(v).denominator))
                  for v in arr.flat))


def _plain_int(value: object, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{where}={_short(value)} must be an int")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{where}={value} must be >= {minimum}")
    return value


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pair(value: object, where: str) -> gmpy2.mpq:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidType(f"{where}={_short(value)} must be a pair (numerator, denominator)")
    p = _plain_int(value[0], f"{where}[0]")
    q = _plain_int(value[1], f"{where}[1]", 1)
    return gmpy2.mpq(p, q)


def rationals_from_data(data: object, where: str, ndim: int) -> np.ndarray:
    """Decode :func:`rationals_to_data` output: an object array of ``gmpy2.mpq`` with ``ndim``
    dimensions.  Every field is type-checked; the number of pairs must equal the shape's size."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise InvalidType(f"{where}={_short(data)} must be (shape, pairs)")
    shape, pairs = data
    if not isinstance(shape, (tuple, list)) or len(shape) != ndim:
        raise InvalidArgument(f"{where}: shape={_short(shape)} must have {ndim} entries")
    dims = tuple(_plain_int(d, f"{where}.shape[{i}]", 0) for i, d in enumerate(shape))
    if not isinstance(pairs, (tuple, list)) or len(pairs) != int(np.prod(dims, dtype=object)):
        raise InvalidArgument(
            f"{where}: {len(pairs) if isinstance(pairs, (tuple, list)) else _short(pairs)} "
            f"entries for shape {dims}")
    out = np.empty(len(pairs), dtype=object)
    for i, pair in enumerate(pairs):
        out[i] = _pair(pair, f"{where}[{i}]")
    return out.reshape(dims)


def _term_to_data(term: Term, matrices: dict[int, int], table: list) -> tuple:
    coef = (int(term.coef.q.numerator), int(term.coef.q.denominator))
    if isinstance(term, Identity):
        return ("identity", term.source, coef)
    key = id(term.M)
    if key not in matrices:
        matrices[key] = len(table)
        table.append(rationals_to_data(term.M.q))
    return ("dense", term.source, matrices[key], coef)


def _term_from_data(data: object, where: str, matrices: Sequence[RationalMatrix]) -> Term:
    if not isinstance(data, (tuple, list)) or not data or data[0] not in ("identity", "dense"):
        raise InvalidArgument(f"{where}={_short(data)} must be ('identity', source, coef) or "
                              f"('dense', source, matrix index, coef)")
    if data[0] == "identity":
        if len(data) != 3:
            raise InvalidArgument(f"{where}={_short(data)} must be ('identity', source, coef)")
        return Identity.of(_plain_int(data[1], f"{where}.source", 0),
                           _pair(data[2], f"{where}.coef"))
    if len(data) != 4:
        raise InvalidArgument(f"{where}={_short(data)} must be ('dense', source, index, coef)")
    index = _plain_int(data[2], f"{where}.matrix", 0)
    if index >= len(matrices):
        raise InvalidArgument(f"{where}.matrix={index} but only {len(matrices)} matrices exist")
    return Dense.of(_plain_int(data[1], f"{where}.source", 0), matrices[index],
                    _pair(data[3], f"{where}.coef"))


def layer_to_data(layer: Layer, matrices: dict[int, int], table: list) -> dict:
    """One layer as plain data; dense matrices go to ``table`` once each (``matrices`` maps
    ``id(RationalMatrix)`` to its index), so matrices shared between layers are sent once."""
    blocks = []
    for blk in layer.blocks:
        act = blk.activation
        blocks.append({
            "size": blk.size,
            "terms": [_term_to_data(t, matrices, table) for t in blk.terms],
            "input_terms": [_term_to_data(t, matrices, table) for t in blk.input_terms],
            "bias": None if blk.bias is None else rationals_to_data(blk.bias.q),
            "activation": (act.name,
                           None if act.thresholds is None else rationals_to_data(act.thresholds.q),
                           act.source),
        })
    return {"in_sizes": list(layer.in_sizes), "blocks": blocks}


def layer_from_data(data: object, where: str, input_size: int,
                    matrices: Sequence[RationalMatrix]) -> Layer:
    """Rebuild a :class:`Layer` from :func:`layer_to_data` output through the public, validating
    constructors (shapes, sources and activations are checked as for any new layer)."""
    if not isinstance(data, dict) or set(data) != {"in_sizes", "blocks"}:
        raise InvalidArgument(f"{where} must be a dict with keys in_sizes and blocks")
    in_sizes = data["in_sizes"]
    if not isinstance(in_sizes, (list, tuple)):
        raise InvalidType(f"{where}.in_sizes={_short(in_sizes)} must be a list of ints")
    sizes = [_plain_int(s, f"{where}.in_sizes[{i}]", 1) for i, s in enumerate(in_sizes)]
    raw_blocks = data["blocks"]
    if not isinstance(raw_blocks, (list, tuple)):
        raise InvalidType(f"{where}.blocks={_short(raw_blocks)} must be a list")
    blocks = []
    keys = {"size", "terms", "input_terms", "bias", "activation"}
    for b, raw in enumerate(raw_blocks):
        here = f"{where}.blocks[{b}]"
        if not isinstance(raw, dict) or set(raw) != keys:
            raise InvalidArgument(f"{here} must be a dict with keys {sorted(keys)}")
        for name in ("terms", "input_terms"):
            if not isinstance(raw[name], (list, tuple)):
                raise InvalidType(f"{here}.{name}={_short(raw[name])} must be a list")
        terms = tuple(_term_from_data(t, f"{here}.terms[{i}]", matrices)
                      for i, t in enumerate(raw["terms"]))
        inputs = tuple(_term_from_data(t, f"{here}.input_terms[{i}]", matrices)
                       for i, t in enumerate(raw["input_terms"]))
        bias = None if raw["bias"] is None else RationalVector(
            rationals_from_data(raw["bias"], f"{here}.bias", 1), f"{here}.bias")
        act = raw["activation"]
        if not isinstance(act, (tuple, list)) or len(act) != 3 or act[0] not in ACTIVATIONS:
            raise InvalidArgument(f"{here}.activation={_short(act)} must be (name, thresholds, "
                                  f"source) with name in {ACTIVATIONS}")
        if act[0] == "soft_threshold":
            activation = Activation.soft_threshold(
                rationals_from_data(act[1], f"{here}.activation.thresholds", 1))
        elif act[0] == "gate":
            activation = Activation.gate(_plain_int(act[2], f"{here}.activation.source", 0))
        else:
            activation = Activation(act[0])
        blocks.append(Block(_plain_int(raw["size"], f"{here}.size", 1), terms, inputs, bias,
                            activation))
    return Layer(sizes, blocks, input_size)


def as_rational_matrix(M: object, where: str = "M") -> RationalMatrix:
    """A :class:`RationalMatrix` from an array of rationals (or itself)."""
    return M if isinstance(M, RationalMatrix) else RationalMatrix(M, where)


def is_mpq(x: object) -> bool:
    return isinstance(x, MPQ)
