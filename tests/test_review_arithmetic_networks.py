"""Review of layers.py and networks.py: shapes, sizes, sources and weights are validated at
construction (they used to fail deep inside evaluation, abort in Ball, or be dropped
silently), and a network with dyadic weights evaluates to the same numbers in every context."""

from __future__ import annotations

import subprocess
import sys

import gmpy2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import (
    Activation,
    Block,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
    RationalVector,
)

Q = gmpy2.mpq
CONTEXTS = [Exact(), Ball(64), MP(64), Float64()]


def test_a_negative_block_size_no_longer_reaches_ball_and_aborts() -> None:
    """Block(-1) was accepted; evaluating the network in Ball called arb_mat(-1, 1)."""
    code = ("from algorithms.networks import Block, Layer\n"
            "from algorithms.errors import InvalidArgument\n"
            "try:\n    Layer((2,), [Block(-1)], 2)\n"
            "except InvalidArgument as e:\n    print('ok', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ok size=-1 must be an integer >= 1" in out.stdout


@pytest.mark.parametrize("build, exc, words", [
    (lambda: Block(0), InvalidArgument, "size=0 must be an integer >= 1"),
    (lambda: Block(2.5), InvalidType, "size=2.5"),
    (lambda: Layer((2.7,), [Block(2)], 2), InvalidType, r"in_sizes\[0\]=2.7"),
    (lambda: Layer((2,), [Block(2)], 0), InvalidArgument, "input_size=0"),
    (lambda: NeuralNetwork([Layer((2,), [Block(2)], 2)], input_size=2.5), InvalidType,
     "input_size=2.5"),
    (lambda: NeuralNetwork([Layer((2,), [Block(2)], 2)], input_size="2"), InvalidType,
     "input_size='2'"),
    (lambda: NeuralNetwork.constant([1], -1), InvalidArgument, r"in_sizes\[0\]=-1"),
    (lambda: NeuralNetwork.dense([{"c": [1]}], 0), InvalidArgument, "input_size=0"),
    (lambda: Identity.of(0.5), InvalidType, "source=0.5"),
    (lambda: Identity.of(True), InvalidType, "source=True"),
    (lambda: Dense.of(-1, [[1]]), InvalidArgument, "source=-1"),
    (lambda: Block(2, terms=("x",)), InvalidType, r"terms\[0\] has type str"),
    (lambda: Block(2, terms=Identity.of(0)), InvalidType, "terms has type Identity"),
    (lambda: Activation("soft_threshold", thresholds=RationalVector([-1, 2])), InvalidArgument,
     r"thresholds must be >= 0; thresholds\[0\]=-1"),
    (lambda: Activation("relu", thresholds=RationalVector([1])), InvalidArgument,
     "takes no thresholds"),
    (lambda: Activation.gate("a"), InvalidArgument, "gate source='a'"),
    (lambda: Block(2, activation="relu"), InvalidType, "activation has type str"),
    (lambda: NeuralNetwork.dense([[[1, 2]]], 2), InvalidType, r"layers\[0\] has type list"),
    (lambda: NeuralNetwork.dense([{"W": [[1, 2]], "b": [1]}], 2), InvalidArgument,
     r"unknown keys \['b'\]"),
    (lambda: NeuralNetwork.dense([{"W": [[1, 2]], "activation": ("soft_threshold",)}], 2),
     InvalidArgument, "is not understood"),
])
def test_construction_refuses_bad_sizes_sources_and_specs(build, exc, words) -> None:
    with pytest.raises(exc, match=words):
        build()


@pytest.mark.parametrize("ctx", CONTEXTS, ids=[c.name for c in CONTEXTS])
def test_plain_bias_and_threshold_lists_are_converted_and_evaluate(ctx) -> None:
    """A list bias or thresholds passed the Layer checks and then failed at evaluation with
    AttributeError ('list' object has no attribute 'on')."""
    blk = Block(2, terms=(Identity.of(0),), bias=[1, -1],
                activation=Activation("soft_threshold", thresholds=["1/2", 0]))
    net = NeuralNetwork([Layer((2,), [blk], 2)], input_size=np.int64(2))
    assert list(ctx.to_rationals(net([2, 3], ctx))) == [Q(5, 2), 2]
    again = NeuralNetwork.from_data(net.to_data())
    assert list(ctx.to_rationals(again([2, 3], ctx))) == [Q(5, 2), 2]


_w = st.builds(Q, st.integers(-4, 4), st.sampled_from([1, 2, 4]))
_y = st.builds(Q, st.integers(-8, 8), st.sampled_from([1, 2, 8]))
_acts = st.sampled_from(["identity", "relu", "square", "soft"])


@settings(max_examples=30, deadline=None)
@given(data=st.data(), m=st.integers(1, 3), widths=st.lists(st.integers(1, 3), min_size=1,
                                                              max_size=3))
def test_dyadic_networks_evaluate_identically_in_every_context(data, m, widths) -> None:
    """Small dyadic weights keep every intermediate exact in 53 bits (a square only in the first
    layer), so Exact, Ball (radius 0), MP and Float64 must return the same rationals."""
    layers, prev = [], m
    for w in widths:
        spec = {"W": data.draw(st.lists(st.lists(_w, min_size=prev, max_size=prev),
                                        min_size=w, max_size=w)),
                "c": data.draw(st.lists(_w, min_size=w, max_size=w))}
        if data.draw(st.booleans()):
            spec["R"] = data.draw(st.lists(st.lists(_w, min_size=m, max_size=m),
                                           min_size=w, max_size=w))
        act = data.draw(_acts if not layers else _acts.filter(lambda a: a != "square"))
        spec["activation"] = (("soft_threshold", data.draw(st.lists(
            _w.map(abs), min_size=w, max_size=w))) if act == "soft" else act)
        layers.append(spec)
        prev = w
    net = NeuralNetwork.dense(layers, m)
    y = data.draw(st.lists(_y, min_size=m, max_size=m))
    ref = list(net(y, Exact()))
    b = Ball(64)
    out = net(y, b)
    assert b.radius(out) == 0
    for ctx in (b, MP(64), Float64()):
        assert list(ctx.to_rationals(net(y, ctx))) == ref, ctx.name
