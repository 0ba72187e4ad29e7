"""LISTA: the network, its JAX gradients (against MP differences), optax Adam, training."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.learned.lista import (
    LISTA,
    Adam,
    LISTAParameters,
    LISTASettings,
    build_lista_network,
    lista_forward,
    lista_loss_and_gradient,
    lista_network,
)
from algorithms.networks import NeuralNetwork
from oracle import Oracle


def random_parameters(seed: int, L: int = 3, m: int = 4, N: int = 5) -> LISTAParameters:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, N))
    scale = 10 * float(np.linalg.norm(A, 2))
    W = rng.standard_normal((L, m, N)) * 0.7
    theta = rng.uniform(0.0, 0.05, size=L)
    return LISTAParameters(W, theta, A, scale)


def mp_loss(params_q: dict, Y: np.ndarray, T: np.ndarray, ctx: MP) -> gmpy2.mpq:
    """mean((Psi(y) - t)^2) with the network built from exact parameters, evaluated in ctx."""
    net = build_lista_network(params_q["W"], params_q["theta"], params_q["A"], params_q["c"])
    total = gmpy2.mpq(0)
    for y, t in zip(Y, T, strict=True):
        out = net([gmpy2.mpq(float(v)) for v in y], ctx)
        diff = ctx.sub(out, ctx.vector([gmpy2.mpq(float(v)) for v in t]))
        total += ctx.scalar_to_rational(ctx.norm2_squared(diff))
    return total / (len(Y) * T.shape[1])


def test_gradients_match_central_differences_in_mp():
    """The output is piecewise linear in any single parameter, so the loss is piecewise
    quadratic and a central difference with a tiny exact step is exact up to the MP rounding:
    the float64 backpropagation must agree to about 1e-12 relative."""
    P = random_parameters(1)
    rng = np.random.default_rng(2)
    Y = rng.standard_normal((3, 4))
    T = rng.standard_normal((3, 5)) * 0.1
    loss, dW, dtheta = lista_loss_and_gradient(P, Y, T)
    ctx = MP(200)
    base = {
        "W": np.vectorize(lambda v: gmpy2.mpq(float(v)), otypes=[object])(P.W),
        "theta": [gmpy2.mpq(float(v)) for v in P.theta],
        "A": np.vectorize(lambda v: gmpy2.mpq(float(v)), otypes=[object])(P.A),
        "c": gmpy2.mpq(P.scale),
    }
    assert float(mp_loss(base, Y, T, ctx)) == pytest.approx(loss, rel=1e-12)
    h = gmpy2.mpq(1, 2**40)
    checked = 0
    for (i, r, s) in [(0, 0, 0), (1, 2, 3), (2, 3, 4), (2, 1, 1), (0, 3, 2)]:
        plus, minus = dict(base), dict(base)
        plus["W"] = base["W"].copy()
        minus["W"] = base["W"].copy()
        plus["W"][i, r, s] += h
        minus["W"][i, r, s] -= h
        fd = (mp_loss(plus, Y, T, ctx) - mp_loss(minus, Y, T, ctx)) / (2 * h)
        assert float(fd) == pytest.approx(dW[i, r, s], rel=1e-10, abs=1e-14)
        checked += 1
    for i in range(P.layers):
        plus, minus = dict(base), dict(base)
        plus["theta"] = list(base["theta"])
        minus["theta"] = list(base["theta"])
        plus["theta"][i] += h
        minus["theta"][i] -= h
        fd = (mp_loss(plus, Y, T, ctx) - mp_loss(minus, Y, T, ctx)) / (2 * h)
        assert float(fd) == pytest.approx(dtheta[i], rel=1e-10, abs=1e-14)
        checked += 1
    assert checked == 8
    assert np.any(dtheta != 0), "the thresholds should be active in this example"


def test_gradient_matches_float64_finite_differences_everywhere():
    """A cheap full sweep in float64 (central differences, step 1e-6) over every W entry."""
    P = random_parameters(3, L=2, m=3, N=4)
    rng = np.random.default_rng(4)
    Y, T = rng.standard_normal((5, 3)), rng.standard_normal((5, 4)) * 0.1
    _, dW, _ = lista_loss_and_gradient(P, Y, T)
    h = 1e-6
    for idx in np.ndindex(P.W.shape):
        Wp, Wm = P.W.copy(), P.W.copy()
        Wp[idx] += h
        Wm[idx] -= h
        fd = (lista_loss_and_gradient(P.replace(Wp, P.theta), Y, T)[0]
              - lista_loss_and_gradient(P.replace(Wm, P.theta), Y, T)[0]) / (2 * h)
        assert fd == pytest.approx(dW[idx], rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("ctx", [Float64(), Exact(), Ball(128), MP(113)], ids=lambda c: c.name)
def test_network_equals_numpy_forward_pass(ctx):
    P = random_parameters(5)
    net = lista_network(P)
    assert isinstance(net, NeuralNetwork)
    assert net.depth == 3
    assert net.widths == (4, 5, 5, 5)
    rng = np.random.default_rng(6)
    for _ in range(3):
        y = rng.standard_normal(4)
        expected = lista_forward(P, y)
        out = net([gmpy2.mpq(float(v)) for v in y], ctx)
        got = np.array([float(v) for v in ctx.to_rationals(out)])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
        if ctx.kind == "ball":
            exact = Exact().to_rationals(net([gmpy2.mpq(float(v)) for v in y], Exact()))
            mids = ctx.to_rationals(out)
            radius = ctx.radius(out)
            err2 = sum((a - b) ** 2 for a, b in zip(mids, exact, strict=True))
            assert err2 <= radius**2
            assert radius < gmpy2.mpq(1, 2**100)


def test_forward_batch_and_single_agree_and_bad_shapes_are_named():
    P = random_parameters(7)
    Y = np.random.default_rng(8).standard_normal((4, 4))
    batch = lista_forward(P, Y)
    for row, y in zip(batch, Y, strict=True):
        np.testing.assert_allclose(row, lista_forward(P, y), rtol=1e-14)
    with pytest.raises(InvalidArgument, match="Y has shape"):
        lista_forward(P, np.zeros(3))
    with pytest.raises(InvalidArgument, match="T has shape"):
        lista_loss_and_gradient(P, Y, np.zeros((4, 4)))
    with pytest.raises(InvalidArgument, match="theta"):
        LISTAParameters(P.W, -P.theta, P.A, P.scale)


def test_adam_first_step_is_a_signed_step_of_size_lr():
    opt = Adam([(3,)], lr=0.01, eps=1e-12)
    (p,) = opt.step([np.zeros(3)], [np.array([2.0, -0.5, 1e-3])])
    np.testing.assert_allclose(p, [-0.01, 0.01, -0.01], rtol=1e-8)


def test_settings_are_validated_with_named_parameters():
    with pytest.raises(InvalidArgument, match="learning_rate"):
        LISTASettings(learning_rate=-1.0)
    with pytest.raises(InvalidType, match="layers"):
        LISTASettings(layers=2.5)
    with pytest.raises(InvalidArgument, match="beta1"):
        LISTASettings(beta1=1.0)
    with pytest.raises(InvalidType, match="labels"):
        LISTA(None, train=[0], validation=[1], level=3)
    with pytest.raises(InvalidArgument, match="train"):
        LISTA(lambda k: [0.0], train=[], validation=[1], level=3)


# ---------------------------------------------------------------- training on a tiny instance


def tiny_problem(R: int = 60):
    """A 3 x 4 rational problem with y = A x; the labels vanish on the first coordinate and A is
    invertible on the other three, so a (linear) LISTA can fit them exactly."""
    rng = np.random.default_rng(11)
    A = [[3, 1, 0, 1], [0, 2, 1, 0], [1, 0, 0, 2]]
    xs, samples = [], []
    for _ in range(R):
        x = np.zeros(4)
        x[1:] = rng.integers(-8, 9, size=3) / 8
        xs.append(x)
        xq = [gmpy2.mpq(float(v)) for v in x]
        samples.append([sum(a * b for a, b in zip(row, xq, strict=True)) for row in A])
    return Oracle(A, samples), np.array(xs)


def test_training_loop_learns_reads_through_the_oracle_and_checkpoints():
    oracle, X = tiny_problem()
    settings = LISTASettings(layers=4, epochs=40, batch_size=8, learning_rate=3e-2, seed=3)
    seen = []
    algo = LISTA(lambda k: X[k], train=range(0, 48), validation=range(48, 60), level=12,
                 settings=settings, callback=seen.append)
    assert algo.name == "LISTA"
    fit = algo.fit(oracle)
    assert len(fit.history) == 40 and seen == list(fit.history)
    first, best = fit.history[0].validation_loss, fit.best_validation_loss
    assert best < first / 1000, "training should reduce the validation loss substantially"
    assert best == min(r.validation_loss for r in fit.history)
    assert fit.history[fit.best_epoch - 1].validation_loss == best
    # the checkpoint is the network returned
    Yv = np.array([[float(v) for v in oracle.sample(k, 12)] for k in range(48, 60)])
    val = float(np.mean((lista_forward(fit.parameters, Yv) - X[48:60]) ** 2))
    assert val == pytest.approx(best, rel=1e-12)
    # reads: A once plus every training and validation sample, all at the requested level
    assert fit.samples_read == 1 + 60 and oracle.samples_read == 61
    assert {r.n for r in oracle.reads} == {12}
    net = algo.train(oracle)
    assert isinstance(net, NeuralNetwork) and net.depth == 4
    # seeded: the same seed gives the same network; shuffling changes the result
    again = LISTA(lambda k: X[k], train=range(0, 48), validation=range(48, 60), level=12,
                  settings=settings).fit(oracle)
    np.testing.assert_array_equal(again.parameters.W, fit.parameters.W)
    unshuffled = LISTA(lambda k: X[k], train=range(0, 48), validation=range(48, 60), level=12,
                       settings=LISTASettings(layers=4, epochs=40, batch_size=8,
                                              learning_rate=3e-2, seed=3, shuffle=False)
                       ).fit(oracle)
    assert not np.array_equal(unshuffled.parameters.W, fit.parameters.W)


def test_training_with_a_full_batch_does_not_depend_on_shuffling():
    """With one batch per epoch the order cannot matter: a check that shuffling only permutes."""
    oracle, X = tiny_problem(20)
    kw = dict(layers=2, epochs=5, batch_size=100, learning_rate=1e-2, seed=1)
    a = LISTA(lambda k: X[k], train=range(16), validation=range(16, 20), level=8,
              settings=LISTASettings(**kw)).fit(oracle)
    b = LISTA(lambda k: X[k], train=range(16), validation=range(16, 20), level=8,
              settings=LISTASettings(shuffle=False, **kw)).fit(oracle)
    np.testing.assert_allclose(a.parameters.W, b.parameters.W, rtol=1e-12, atol=1e-15)


def test_labels_of_the_wrong_length_are_refused():
    oracle, X = tiny_problem(10)
    algo = LISTA(lambda k: X[k][:3], train=range(8), validation=range(8, 10), level=5,
                 settings=LISTASettings(layers=2, epochs=1, batch_size=4))
    with pytest.raises(InvalidArgument, match=r"labels\(0\)"):
        algo.fit(oracle)


def test_divergence_is_reported_not_hidden():
    oracle, X = tiny_problem(10)
    algo = LISTA(lambda k: X[k] * 1e300, train=range(8), validation=range(8, 10), level=5,
                 settings=LISTASettings(layers=2, epochs=3, batch_size=4, learning_rate=1e300))
    with pytest.raises(InvalidArgument, match="learning_rate"):
        algo.fit(oracle)


@pytest.mark.parametrize("lr", [1e-3, 2e-4, 0.05])
def test_the_shared_adam_step_is_optax_adam_bit_for_bit(lr):
    """``train_step`` compiles one program for every learning rate (``-lr`` is an argument);
    five steps of it give exactly the parameters and state of a jitted step of
    ``optax.adam(lr)`` with ``lr`` compiled in (what it replaced; both compiled, so XLA may
    fuse the same products either way)."""
    import jax
    import jax.numpy as jnp
    import optax

    from algorithms.learned.lista.training import _loss, train_step

    p = random_parameters(4)
    rng = np.random.default_rng(5)
    Y, T = rng.standard_normal((6, 4)), rng.standard_normal((6, 5)) * 0.1
    opt = optax.adam(lr, b1=0.9, b2=0.999, eps=1e-7)
    W = V = jnp.asarray(p.W)
    th = ph = jnp.asarray(p.theta)
    s = r = opt.init((W, th))
    step = train_step(lr, 0.9, 0.999, 1e-7)

    @jax.jit
    def reference(V, ph, r, A, c, Y, T):
        loss, grads = jax.value_and_grad(_loss, argnums=(0, 1))(V, ph, A, c, Y, T)
        upd, r = opt.update(grads, r, (V, ph))
        V, ph = optax.apply_updates((V, ph), upd)
        return loss, V, jnp.maximum(ph, 0.0), r

    for _ in range(5):
        _, W, th, s = step(W, th, s, p.A, p.scale, Y, T)
        _, V, ph, r = reference(V, ph, r, p.A, p.scale, Y, T)
    assert np.array_equal(np.asarray(W), np.asarray(V))
    assert np.array_equal(np.asarray(th), np.asarray(ph))
    assert all(np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(jax.tree.leaves(s), jax.tree.leaves(r), strict=True))
