"""algorithms.jax_bridge.to_jax: every kind of project network agrees with the Float64 context
to rounding, batches, differentiates, and refuses bad arguments by name."""

from __future__ import annotations

import gmpy2
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from algorithms.arithmetic import Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.jax_bridge import layer_runs, to_jax
from algorithms.learned.lista import LISTAParameters, lista_network
from algorithms.networks import NeuralNetwork
from algorithms.solvers.firenet import firenet_network

Q = gmpy2.mpq


def _float64(net: NeuralNetwork, y: np.ndarray) -> np.ndarray:
    out = net([Q(float(v)) for v in y], Float64())
    return np.asarray(out, dtype=float)


def _nets() -> list[NeuralNetwork]:
    rng = np.random.default_rng(0)
    A = [[Q(int(v), 16) for v in row] for row in rng.integers(-16, 17, (6, 9))]
    fire = firenet_network(A, lam=Q(1, 10), n_outer=4, p_inner=5, delta=0, eps0=8)
    Af = rng.standard_normal((4, 5))
    lista = lista_network(LISTAParameters(rng.standard_normal((3, 4, 5)), [0.01, 0.02, 0.0],
                                          Af, 10 * float(np.linalg.norm(Af, 2))))
    dense = NeuralNetwork.dense([
        {"W": rng.integers(-4, 5, (7, 5)).tolist(), "c": [1] * 7, "activation": "relu"},
        {"W": rng.integers(-4, 5, (3, 7)).tolist(), "R": rng.integers(-2, 3, (3, 5)).tolist(),
         "activation": "square"},
        {"W": rng.integers(-4, 5, (2, 3)).tolist(), "activation": ("soft_threshold", [1, 2])},
    ], input_size=5)
    return [fire, lista, dense, NeuralNetwork.constant([1, 2], 5)]


@pytest.mark.parametrize("k", range(4), ids=["firenet", "lista", "dense", "constant"])
def test_to_jax_agrees_with_float64_to_rounding(k):
    net = _nets()[k]
    f = to_jax(net)
    rng = np.random.default_rng(k + 1)
    Y = rng.standard_normal((3, net.input_size)) * 3
    batch = np.asarray(f(Y))
    assert batch.shape == (3, net.output_size) and batch.dtype == np.float64
    for y, row in zip(Y, batch, strict=True):
        ref = _float64(net, y)
        np.testing.assert_allclose(row, ref, rtol=1e-12, atol=1e-13 * max(1, np.abs(ref).max()))
        np.testing.assert_allclose(np.asarray(f(y)), row, rtol=1e-14, atol=1e-15)


def test_float32_is_available_and_close():
    net = _nets()[1]
    y = np.random.default_rng(3).standard_normal(4)
    out = to_jax(net, jnp.float32)(y)
    assert out.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(out), _float64(net, y), rtol=1e-4, atol=1e-5)


def test_gradient_matches_central_differences_through_the_gates():
    net = _nets()[0]
    f = to_jax(net)
    rng = np.random.default_rng(4)
    y, d, G = rng.standard_normal(6) * 5, rng.standard_normal(6), rng.standard_normal(9)
    g = np.asarray(jax.grad(lambda v: f(v) @ G)(y))
    h = 1e-6
    fd = (float(f(y + h * d) @ G) - float(f(y - h * d) @ G)) / (2 * h)
    assert fd == pytest.approx(g @ d, rel=1e-5, abs=1e-9)


def test_repeated_layers_are_grouped_into_scans():
    assert layer_runs(["a", "b", "c", "b", "c", "b", "c", "d"]) == [
        (0, 1, 0), (1, 7, 2), (7, 8, 0)]
    assert layer_runs(["a"]) == [(0, 1, 0)]


def test_bad_arguments_are_named():
    with pytest.raises(InvalidType, match="network"):
        to_jax("not a net")
    with pytest.raises(InvalidArgument, match="dtype"):
        to_jax(_nets()[3], jnp.int32)
    with pytest.raises(InvalidArgument, match="last axis"):
        to_jax(_nets()[3], jit=False)(np.zeros(4))
