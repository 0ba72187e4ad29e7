"""Review of the JAX bridge and the learned networks (LISTA, the imaging trainers): defects
found (each test failed before its fix) and the to_jax / Float64 agreement with a bound."""

from __future__ import annotations

import math

import gmpy2
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from algorithms.arithmetic import Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.jax_bridge import mpq_to_float, to_jax
from algorithms.learned.automap import automap_apply, automap_init
from algorithms.learned.lista import LISTA, LISTASettings
from algorithms.learned.training import TrainSettings
from algorithms.learned.unet import unet_apply, unet_init
from algorithms.networks import NeuralNetwork
from algorithms.solvers.firenet import firenet_network
from oracle import Oracle

Q = gmpy2.mpq


# ------------------------------------------------------------------ to_jax
def _small_net() -> NeuralNetwork:
    return firenet_network([[2, 1], [1, 3]], lam=1, n_outer=2, p_inner=2, delta=0, eps0=1)


def test_to_jax_refuses_complex_input_instead_of_dropping_the_imaginary_part() -> None:
    """Before: ``f(np.array([1 + 1j, 2.0]))`` returned ``f([1, 2])`` (a ComplexWarning only)."""
    f = to_jax(_small_net())
    with pytest.raises(InvalidType, match="complex"):
        f(np.array([1 + 1j, 2.0]))
    with pytest.raises(InvalidType, match="complex"):
        to_jax(_small_net(), jit=False)(jnp.array([1.0, 2.0], dtype=jnp.complex64))
    assert np.asarray(f(np.array([1.0, 2.0]))).shape == (2,)


@pytest.mark.parametrize("dtype", ["banana", object(), 3])
def test_to_jax_names_a_dtype_numpy_does_not_know(dtype) -> None:
    """Before: ``to_jax(net, "banana")`` raised numpy's raw ``TypeError``."""
    with pytest.raises(InvalidArgument, match="dtype="):
        to_jax(_small_net(), dtype)


def test_weights_beyond_the_double_range_are_named() -> None:
    """Before: a raw ``OverflowError: integer division result too large for a float`` (e.g. a
    FIRENET network with 720 restarts and delta = 0, whose data coefficient passes 2^1024)."""
    with pytest.raises(InvalidArgument, match=r"q ~ 2\^1328 is beyond the double range"):
        mpq_to_float(Q(10) ** 400)
    with pytest.raises(InvalidArgument, match=r"q ~ -2\^1328"):
        mpq_to_float(-Q(10) ** 400)
    assert mpq_to_float(Q(1, 10**400)) == 0.0          # underflow rounds to 0, as documented
    assert mpq_to_float(Q(1, 3)) == 1 / 3
    big = NeuralNetwork.constant([Q(10) ** 400], 1)
    with pytest.raises(InvalidArgument, match="beyond the double range"):
        to_jax(big)


small_int = st.integers(-6, 6)


@given(st.data())
def test_to_jax_equals_exact_when_every_float_operation_is_exact(data) -> None:
    """The stated bound: with integer weights, biases and thresholds in [-6, 6], integer inputs,
    at most three layers of width <= 5 and at most one ``square``, every intermediate value is
    an integer of size below 6 * 5 * (6 * 5 * (4 * 6 * 6 + 6)^2 + 4 * 6 * 6 + 6) + 6 < 2^40, so
    each float operation (in any summation order) is exact: ``to_jax`` (traced; the compiled
    function is checked once), the Float64 context and ``Exact`` must agree bit for bit -- a
    difference would be a wrong operation, not rounding."""
    m = data.draw(st.integers(1, 4))
    sizes = [m] + data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    specs = []
    squared = False
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        kinds = ["identity", "relu", "soft"] + ([] if squared else ["square"])
        act = data.draw(st.sampled_from(kinds))
        squared = squared or act == "square"
        spec = {"W": [[data.draw(small_int) for _ in range(a)] for _ in range(b)],
                "c": [data.draw(small_int) for _ in range(b)],
                "activation": ("soft_threshold", [data.draw(st.integers(0, 3))
                                                  for _ in range(b)]) if act == "soft" else act}
        if i and data.draw(st.booleans()):
            spec["R"] = [[data.draw(small_int) for _ in range(m)] for _ in range(b)]
        specs.append(spec)
    net = NeuralNetwork.dense(specs, input_size=m)
    y = [data.draw(small_int) for _ in range(m)]
    exact = [int(v) for v in net(y, Exact())]
    assert all(abs(v) < 2**40 for v in exact)
    assert list(np.asarray(net(y, Float64()))) == exact
    assert np.asarray(to_jax(net, jit=False)(np.array(y, dtype=float))).tolist() == exact


def test_compiled_to_jax_equals_exact_on_an_integer_network() -> None:
    net = NeuralNetwork.dense([
        {"W": [[1, -2, 3], [4, 0, -1]], "c": [1, -1], "activation": "square"},
        {"W": [[2, -3]], "R": [[1, 1, -1]], "activation": ("soft_threshold", [2])},
    ], input_size=3)
    y = [3, -1, 2]
    exact = [int(v) for v in net(y, Exact())]
    assert exact == [2 * (3 + 2 + 6 + 1) ** 2 - 3 * (12 - 2 - 1) ** 2 + (3 - 1 - 2) - 2]
    assert np.asarray(to_jax(net)(np.array(y, dtype=float))).tolist() == exact


# ------------------------------------------------------------------ LISTA
def _tiny_oracle(R: int = 10) -> tuple[Oracle, np.ndarray]:
    A = [[3, 1, 0, 1], [0, 2, 1, 0], [1, 0, 0, 2]]
    rng = np.random.default_rng(11)
    xs = np.zeros((R, 4))
    xs[:, 1:] = rng.integers(-8, 9, size=(R, 3)) / 8
    samples = [[sum(Q(a) * Q(float(b)) for a, b in zip(row, x, strict=True)) for row in A]
               for x in xs]
    return Oracle(A, samples), xs


@pytest.mark.parametrize("bad, exc, words", [
    (lambda x: np.where(np.arange(4) == 0, np.nan, x), InvalidArgument, "non-finite"),
    (lambda x: np.where(np.arange(4) == 2, np.inf, x), InvalidArgument, "non-finite"),
    (lambda x: ["a"] * 4, InvalidType, "not a vector of real numbers"),
    (lambda x: x + 1j, InvalidType, "not a vector of real numbers"),
], ids=["nan", "inf", "strings", "complex"])
def test_lista_names_a_bad_label_instead_of_blaming_the_learning_rate(bad, exc, words) -> None:
    """Before: a NaN label ended training with 'learning_rate=0.0002: training diverged ...
    choose a smaller learning rate'; string labels raised numpy's raw ValueError; complex
    labels silently lost their imaginary part."""
    oracle, X = _tiny_oracle()
    algo = LISTA(lambda k: bad(X[k]), train=range(8), validation=range(8, 10), level=5,
                 settings=LISTASettings(layers=2, epochs=1, batch_size=4))
    with pytest.raises(exc, match=rf"labels\(0\).*{words}|{words}.*labels\(0\)"):
        algo.fit(oracle)


def test_lista_settings_refuse_a_negative_seed() -> None:
    """Before: accepted, then numpy's raw 'expected non-negative integer' at ``fit``."""
    with pytest.raises(InvalidArgument, match="seed=-1"):
        LISTASettings(seed=-1)
    assert LISTASettings(seed=np.int64(4)).seed == 4


# ------------------------------------------------------------------ imaging trainers
@pytest.mark.parametrize("change, exc, name", [
    (dict(learning_rate="a"), InvalidType, "learning_rate"),     # raw TypeError before
    (dict(learning_rate=math.inf), InvalidArgument, "learning_rate"),   # accepted before
    (dict(noise="a"), InvalidType, "noise"),                     # raw TypeError before
    (dict(seed=-1), InvalidArgument, "seed"),                    # accepted before
    (dict(seed="0"), InvalidType, "seed"),                       # accepted before
    (dict(epochs=0), InvalidArgument, "epochs"),
    (dict(batch_size=2.0), InvalidType, "batch_size"),
    (dict(epochs=True), InvalidType, "epochs"),
])
def test_train_settings_name_bad_values(change, exc, name) -> None:
    with pytest.raises(exc, match=f"{name}="):
        TrainSettings(**change)


def test_train_settings_take_numpy_integers_as_plain_ints() -> None:
    """Before: ``TrainSettings(epochs=np.int64(3))`` raised 'must be an integer >= 1'."""
    s = TrainSettings(epochs=np.int64(3), batch_size=np.int32(4), seed=np.int64(2))
    assert (s.epochs, s.batch_size, s.seed) == (3, 4, 2)
    assert all(type(v) is int for v in (s.epochs, s.batch_size, s.seed))


@pytest.mark.parametrize("shape", [(6, 6), (5, 5), (2, 8, 4), (8,)])
def test_unet_names_an_image_size_it_cannot_pool(shape) -> None:
    """Before: a raw reshape ``TypeError`` from inside the pooling."""
    with pytest.raises(InvalidArgument, match="images has shape"):
        unet_apply(unet_init(2), np.zeros(shape, np.float32))
    out = unet_apply(unet_init(2), np.ones((8, 8), np.float32))   # the identity when untrained
    np.testing.assert_array_equal(np.asarray(out), np.ones((8, 8)))


def test_lista_forward_refuses_complex_and_non_numeric_input() -> None:
    """Before: complex ``Y`` lost its imaginary part (a ComplexWarning only) and strings raised
    numpy's raw ValueError."""
    from algorithms.learned.lista import LISTAParameters, lista_forward, lista_loss_and_gradient

    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    P = LISTAParameters(rng.standard_normal((2, 3, 4)), [0.1, 0.1], A, 10.0)
    for bad in (np.ones(3) + 1j, ["a"] * 3):
        with pytest.raises(InvalidType, match="Y is not an array of real numbers"):
            lista_forward(P, bad)
        with pytest.raises(InvalidType, match="Y is not an array of real numbers"):
            lista_loss_and_gradient(P, bad, np.zeros(4))
    with pytest.raises(InvalidType, match="T is not an array of real numbers"):
        lista_loss_and_gradient(P, np.ones(3), np.zeros(4) + 1j)
    assert lista_forward(P, np.ones(3)).shape == (4,)


def test_lista_takes_the_integer_types_the_oracle_reads() -> None:
    """Before: ``level=gmpy2.mpz(4)`` raised 'must be an integer >= 0' and ``train=[mpz(0)]``
    'must be a non-negative integer index', although the oracle reads both."""
    import sympy

    algo = LISTA(lambda k: [0.0], train=[gmpy2.mpz(0), sympy.Integer(1), np.int64(2)],
                 validation=[np.int32(3)], level=gmpy2.mpz(4))
    assert algo.train_indices == (0, 1, 2) and algo.validation_indices == (3,)
    assert algo.level == 4 and type(algo.level) is int
    with pytest.raises(InvalidType, match="level=True"):
        LISTA(lambda k: [0.0], train=[0], validation=[1], level=True)
    with pytest.raises(InvalidArgument, match=r"train\[0\]=1.0"):
        LISTA(lambda k: [0.0], train=[1.0], validation=[1], level=1)


@pytest.mark.parametrize("call, exc, words", [
    (lambda: automap_init(np.zeros((0, 6)), 0), InvalidArgument, "n=0"),   # accepted before
    (lambda: automap_init(np.zeros((16, 6)), 4.0), InvalidType, "n=4.0"),
    (lambda: automap_init(np.zeros((16, 6)), 4, channels=0), InvalidArgument, "channels=0"),
    (lambda: automap_init(np.zeros((16, 6)), 4, seed=-1), InvalidArgument, "seed=-1"),
    (lambda: automap_init(np.zeros((16, 6)), 4, init_noise=-1.0), InvalidArgument,
     "init_noise=-1.0"),
    (lambda: automap_init(np.full((16, 6), np.nan), 4), InvalidArgument, "fc_init"),
    (lambda: automap_init(np.zeros((16, 6)) + 1j, 4), InvalidType, "fc_init is complex"),
    (lambda: unet_init(2, seed=-1), InvalidArgument, "seed=-1"),
    (lambda: unet_init(2, seed="a"), InvalidType, "seed='a'"),
    (lambda: automap_apply(automap_init(np.zeros((16, 6)), 4, channels=2), np.zeros(5)),
     InvalidArgument, r"y has shape \(5,\)"),
], ids=["n0", "n-float", "channels0", "seed", "noise", "fc-nan", "fc-complex", "unet-seed",
        "unet-seed-str", "apply-length"])
def test_imaging_networks_name_bad_settings(call, exc, words) -> None:
    """Before: ZeroDivisionError (channels=0), numpy's 'expected non-negative integer' (seed),
    'negative dimensions', matmul's gufunc error, or silent acceptance (n=0, NaN/complex
    fc_init, a negative init_noise)."""
    with pytest.raises(exc, match=words):
        call()


def test_imaging_networks_take_numpy_integers() -> None:
    """Before: ``unet_init(np.int64(2))`` raised 'channels=... must be an integer >= 1'."""
    p = unet_init(np.int64(2), seed=np.int64(1))
    assert p["e1a_w"].shape == (3, 3, 1, 2)
    q = automap_init(np.eye(16, 6), np.int64(4), channels=np.int32(2), seed=np.int64(0))
    assert q["fc_w"].shape == (16, 6) and q["c1_w"].shape == (5, 5, 1, 2)


def _toy_model(p, y):
    return (y @ p["w"]).reshape(-1, 2, 2)


@pytest.mark.parametrize("Y, X, exc, words", [
    (np.where(np.eye(8, 3) > 0, np.nan, 1.0), np.zeros((8, 2, 2)), InvalidArgument,
     "Y has non-finite entries"),
    (np.ones((8, 3)), np.full((8, 2, 2), np.inf), InvalidArgument, "X has non-finite entries"),
    (np.ones((8, 3)) + 1j, np.zeros((8, 2, 2)), InvalidType, "Y is complex"),
    (np.full((8, 3), "a"), np.zeros((8, 2, 2)), InvalidType, "Y has dtype"),
    (np.ones((0, 3)), np.zeros((0, 2, 2)), InvalidArgument, "R >= 1"),
], ids=["nan-Y", "inf-X", "complex-Y", "string-Y", "empty"])
def test_train_network_names_bad_training_data(Y, X, exc, words) -> None:
    """Before: NaN/inf data ended with 'learning_rate=0.1: training diverged ... choose a
    smaller learning rate'; complex Y lost its imaginary part; strings and an empty set failed
    inside numpy/JAX."""
    from algorithms.learned.training import train_network

    with pytest.raises(exc, match=words):
        train_network(_toy_model, {"w": np.zeros((3, 4))}, Y, X,
                      TrainSettings(epochs=1, batch_size=4, learning_rate=0.1))


def test_train_network_names_a_bad_model_or_settings() -> None:
    from algorithms.learned.training import train_network

    Y, X = np.ones((8, 3)), np.zeros((8, 2, 2))
    with pytest.raises(InvalidType, match="settings="):
        train_network(_toy_model, {"w": np.zeros((3, 4))}, Y, X, {"epochs": 1})
    with pytest.raises(InvalidType, match="model="):
        train_network(None, {"w": np.zeros((3, 4))}, Y, X, TrainSettings(epochs=1))
    params, losses = train_network(_toy_model, {"w": np.zeros((3, 4))}, Y, X,
                                   TrainSettings(epochs=1, batch_size=4, learning_rate=0.1))
    assert params["w"].shape == (3, 4) and len(losses) == 1 and losses[0] == 0.0
