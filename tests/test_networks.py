"""Explicit networks: structure, evaluation in every context, dense views, errors."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import (
    Activation,
    Block,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
    RationalMatrix,
    RationalVector,
)

Q = gmpy2.mpq
CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]
IDS = [c.name for c in CONTEXTS]


def close(ctx, got, expected) -> bool:
    exp = [Q(v) for v in expected]
    if ctx.kind == "ball":
        return ctx.contains(got, exp) and ctx.radius(got) < Q(1, 2**100)
    tol = 0 if ctx.kind == "exact" else Q(1, 2 ** (ctx.prec - 10))
    return all(abs(a - b) <= tol for a, b in zip(ctx.to_rationals(got), exp, strict=True))


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_affine_network_is_a_fixed_linear_map(ctx) -> None:
    net = NeuralNetwork.affine([[1, Q(1, 2)], [0, -3], [2, 2]], offset=[0, 1, Q(-1, 4)])
    assert net.depth == 1 and net.widths == (2, 3) and net.output_size == 3
    y = [Q(2, 3), 4]
    assert close(ctx, net(y, ctx), [Q(2, 3) + 2, -11, Q(4, 3) + 8 - Q(1, 4)])
    assert close(ctx, NeuralNetwork.affine([[1, 0]])(y, ctx), [Q(2, 3)])
    assert close(ctx, NeuralNetwork.constant([5, Q(1, 7)], 2)(y, ctx), [5, Q(1, 7)])


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_dense_network_with_every_entrywise_nonlinearity(ctx) -> None:
    net = NeuralNetwork.dense(
        [
            {"W": [[1, -1], [2, 0], [0, 1]], "c": [0, -1, Q(1, 2)], "activation": "relu"},
            {"W": [[1, 1, 1], [1, -1, 0]], "R": [[1, 0], [0, 1]],
             "activation": ("soft_threshold", [1, Q(1, 2)])},
            {"W": [[1, 0], [0, 2]], "activation": "square"},
        ],
        input_size=2,
    )
    assert net.depth == 3 and net.widths == (2, 3, 2, 2)
    y = [Q(3, 2), Q(-1, 2)]
    h1 = [max(Q(3, 2) + Q(1, 2), 0), max(3 - 1, 0), max(Q(-1, 2) + Q(1, 2), 0)]   # (2, 2, 0)
    z2 = [h1[0] + h1[1] + h1[2] + y[0], h1[0] - h1[1] + y[1]]                       # (11/2, -1/2)
    h2 = [z2[0] - 1, Q(0)]
    assert close(ctx, net(y, ctx), [h2[0] ** 2, (2 * h2[1]) ** 2])


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_gate_layer_projects_onto_the_unit_ball(ctx) -> None:
    """Two layers: [u, u^2] then [gate(u, t), t = sum u^2] is the unit-ball projection."""
    m = 2
    eye = Identity.of(0)
    l1 = Layer((m,), [Block(m, terms=(eye,)),
                      Block(m, terms=(eye,), activation=Activation("square"))], m)
    ones = RationalMatrix([[1] * m])
    l2 = Layer((m, m), [Block(m, terms=(Identity.of(0),), activation=Activation.gate(1)),
                        Block(1, terms=(Dense.of(1, ones),))], m)
    net = NeuralNetwork([l1, l2], input_size=m, name="projection")
    assert net.widths == (2, 4, 3)
    assert close(ctx, net([3, 4], ctx), [Q(3, 5), Q(4, 5), 25])
    assert close(ctx, net([Q(1, 2), 0], ctx), [Q(1, 2), 0, Q(1, 4)])


def test_dense_views_reassemble_the_blocks() -> None:
    """W, R and c assembled from the blocks reproduce the block evaluation exactly."""
    rng = np.random.default_rng(0)
    M1 = RationalMatrix([[Q(int(v), 7) for v in row] for row in rng.integers(-5, 6, (3, 2))])
    M2 = RationalMatrix([[Q(int(v), 5) for v in row] for row in rng.integers(-5, 6, (2, 3))])
    layer = Layer((3, 2), [
        Block(2, terms=(Identity.of(1, Q(3, 2)), Dense.of(0, M2, -2)),
              input_terms=(Identity.of(0, Q(1, 3)),), bias=RationalVector([1, Q(-1, 2)])),
        Block(3, terms=(Dense.of(1, M1),), input_terms=(Dense.of(0, M1),)),
    ], 2)
    W, R, c = layer.weight(), layer.input_weight(2), layer.bias()
    assert W.shape == (5, 5) and R.shape == (5, 2) and c.shape == (5,)
    ctx = Exact()
    h = [ctx.vector([1, Q(2, 3), -1]), ctx.vector([Q(1, 4), 2])]
    y = ctx.vector([Q(5, 2), -1])
    got = ctx.concat(layer.evaluate(ctx, h, y))
    dense = W.dot(np.concatenate(h)) + R.dot(y) + c
    assert list(got) == list(dense)
    nonzero = sum(1 for v in np.concatenate([W.reshape(-1), R.reshape(-1), c]) if v != 0)
    assert layer.num_parameters(2) == nonzero


def test_evaluation_accepts_context_vectors_and_a_default_context() -> None:
    net = NeuralNetwork.affine([[2, 0], [0, 2]], default_ctx=Ball(64))
    y64 = Float64().vector([0.5, 0.25])
    assert Float64().to_rationals(net(y64, Float64())).tolist() == [1, Q(1, 2)]
    assert Ball(64).contains(net([1, 2]), [2, 4])
    with pytest.raises(InvalidArgument, match="ctx=None and this network has no default"):
        NeuralNetwork.affine([[1]])([1])
    with pytest.raises(InvalidArgument, match="y has length 3; this network takes length 2"):
        net([1, 2, 3])
    with pytest.raises(InvalidType, match="ctx has type str"):
        net([1, 2], "ball")


def test_construction_errors_name_the_problem() -> None:
    with pytest.raises(InvalidArgument, match="activation='tanh' must be one of"):
        Activation("tanh")
    with pytest.raises(InvalidArgument, match="thresholds must be >= 0"):
        Activation.soft_threshold([-1])
    with pytest.raises(InvalidArgument, match="a term maps 2 -> 2 neurons but the block maps"):
        Layer((3,), [Block(2, terms=(Dense.of(0, [[1, 0], [0, 1]]),))], 3)
    with pytest.raises(InvalidArgument, match="gate source=1 must be another block"):
        Layer((2,), [Block(2, terms=(Identity.of(0),), activation=Activation.gate(1)),
                     Block(2, terms=(Identity.of(0),))], 2)
    with pytest.raises(InvalidArgument, match="expects input blocks"):
        NeuralNetwork([Layer((3,), [Block(1)], 3)], input_size=2)
    with pytest.raises(InvalidArgument, match="bias has length 1; length 2"):
        Layer((1,), [Block(2, bias=RationalVector([1]))], 1)
    with pytest.raises(InvalidArgument, match="needs at least one of W, R, c"):
        NeuralNetwork.dense([{}], input_size=1)
    with pytest.raises(Exception, match="float"):
        NeuralNetwork.affine([[0.5]])


def test_summary_is_readable_and_compresses_repeats() -> None:
    layer = {"W": [[1, 0], [0, 1]], "activation": "relu"}
    net = NeuralNetwork.dense([{"R": [[1, 0], [0, 1]]}] + [layer] * 50 + [{"W": [[1, 1]]}],
                              input_size=2, name="deep")
    text = net.summary()
    assert "NeuralNetwork 'deep': input 2 -> output 1, depth 52 affine layers" in text
    assert "2-51  (50 x a 1-layer pattern)" in text
    assert "2:relu" in text and text.count("\n") < 12
    assert repr(net) == "NeuralNetwork(name='deep', depth=52, input=2, output=1)"


def test_shared_matrices_are_converted_once_per_context() -> None:
    M = RationalMatrix([[1, 2], [3, 4]])
    ctx = Ball(64)
    assert M.on(ctx) is M.on(Ball(64))
    assert M.on(MP(64)) is not M.on(ctx)
