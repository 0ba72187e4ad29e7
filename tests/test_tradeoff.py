"""The trade-off experiment: the JAX imaging operator and FIRENET against the project's
FIRENET, the worst-case search on a linear map, the weight cache, and a quick end-to-end run
(the composite AUTOMAP + FIRENET included).  Every cache lives in a tmp folder."""

from __future__ import annotations

import json

import gmpy2
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from algorithms.arithmetic import Float64
from algorithms.learned.training import (
    TrainSettings,
    cache_dir,
    cached_training,
    config_key,
)
from algorithms.solvers.firenet import firenet_solve
from theorems.stability import (
    firenet_lipschitz_bound,
    jacobian_top_singular,
    lipschitz_bound,
    worst_perturbation,
)
from theorems.tradeoff.operator import (
    FirenetImaging,
    FourierHaar,
    haar_analysis,
    haar_synthesis,
)

Q = gmpy2.mpq


def small_operator(n: int = 8, seed: int = 0) -> FourierHaar:
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < 0.4
    mask[0, 0] = True
    return FourierHaar(mask, 2)


def test_haar_is_orthogonal_and_the_operator_has_norm_at_most_one():
    X = np.random.default_rng(1).random((8, 8))
    C = haar_analysis(X, 2)
    np.testing.assert_allclose(np.asarray(haar_synthesis(C, 2)), X, atol=1e-14)
    assert float(jnp.linalg.norm(C)) == pytest.approx(np.linalg.norm(X), rel=1e-14)
    op = small_operator()
    A = op.dense()
    assert np.linalg.norm(A, 2) <= 1 + 1e-12
    v, x = np.random.default_rng(2).standard_normal((2, 64))[0][: A.shape[0]], np.ones(64)
    assert float(v @ op.apply(x)) == pytest.approx(float(x @ op.adjoint(v)), rel=1e-12)


def test_jax_firenet_is_the_projects_firenet_to_rounding():
    """The imaging FIRENET (matrix-free, JAX) against algorithms.solvers.firenet.firenet_solve
    in Float64 on the dense matrix of the same operator, with a warm start of zero."""
    op = small_operator()
    A = op.dense()
    X = np.random.default_rng(3).random((8, 8))
    y = np.asarray(op.measure(X))
    w = np.random.default_rng(4).uniform(0.5, 2, 64)
    L = Q(2**30 + 1, 2**30)       # certified >= ||A|| for the rational matrix of the doubles
    eps0 = float(np.linalg.norm(y))
    fn = FirenetImaging(op.apply, op.adjoint, w, 0.05, 3, 5, 0.5, 0.5, float(L), 0.0, eps0)
    psi = np.asarray(jax.jit(fn.reconstruct)(y))
    Aq = np.array([[Q(float(a)) for a in row] for row in A], dtype=object)
    ref = firenet_solve(Aq, [Q(float(v)) for v in y], lam=Q(0.05), n_outer=3, p_inner=5,
                        delta=0, ctx=Float64(), L=L, tau=Q(1, 2), sigma=Q(1, 2), eps0=Q(eps0),
                        weights=[Q(float(v)) for v in w])
    np.testing.assert_allclose(psi, np.asarray(ref, dtype=float), rtol=0, atol=1e-13)


def test_attack_finds_the_top_singular_vector_of_a_linear_map():
    rng = np.random.default_rng(5)
    M = rng.standard_normal((7, 5))
    U, S, Vt = np.linalg.svd(M)
    Mj = jnp.asarray(M)
    res = worst_perturbation(lambda y: Mj @ y, rng.standard_normal(5), 0.01, starts=2,
                             iterations=30)
    assert res.amplification == pytest.approx(S[0], rel=1e-9)
    assert abs(res.e @ Vt[0]) / 0.01 == pytest.approx(1.0, rel=1e-6)
    # with the projected (non-default) step it gets there too
    res2 = worst_perturbation(lambda y: Mj @ y, np.zeros(5), 0.5, starts=3, iterations=60,
                              step=0.5)
    assert res2.amplification == pytest.approx(S[0], rel=1e-4)


def test_lanczos_finds_the_top_singular_pair_of_a_jacobian():
    """On R^6 two blocks of 3 span the whole space, so the Ritz pair is the exact top singular
    pair of the Jacobian up to rounding; the search started there needs no iteration."""
    rng = np.random.default_rng(6)
    M = rng.standard_normal((8, 6))
    Mj = jnp.asarray(M)
    y = rng.standard_normal(6)
    top = jacobian_top_singular(lambda v: Mj @ v, y, block=3, steps=3)
    U, S, Vt = np.linalg.svd(M)
    assert top.sigma == pytest.approx(S[0], rel=1e-12)
    assert abs(top.v @ Vt[0]) == pytest.approx(1.0, rel=1e-12)
    assert top.history[-1] >= top.history[0] - 1e-12
    res = worst_perturbation(lambda v: Mj @ v, y, 0.01, starts=1, iterations=0,
                             init=top.v)
    assert res.amplification == pytest.approx(S[0], rel=1e-12)
    # a nonlinear map: J = diag(1 - tanh(My)^2) M at y
    top = jacobian_top_singular(lambda v: jnp.tanh(Mj @ v), y, block=3, steps=3)
    J = (1 - np.tanh(M @ y) ** 2)[:, None] * M
    assert top.sigma == pytest.approx(np.linalg.norm(J, 2), rel=1e-12)


def test_generic_lipschitz_bound_equals_firenets():
    from algorithms.solvers.firenet import firenet_parameters

    L = Q(2**30 + 1, 2**30)
    P = firenet_parameters([[1, 0], [0, 1]], lam=1, n_outer=4, p_inner=3, delta=0, eps0=1,
                           L=L, tau=Q(1, 2), sigma=Q(1, 2))
    assert lipschitz_bound(Q(1, 2), Q(1, 2), L, 3, 4) == firenet_lipschitz_bound(P)


def test_cache_stores_loads_and_keys_on_config_and_seed(tmp_path, monkeypatch):
    calls = []

    def build():
        calls.append(1)
        Y = np.random.default_rng(0).standard_normal((8, 3))
        X = (Y @ np.ones((3, 4))).reshape(8, 2, 2)
        return (lambda p, y: (y @ p["w"]).reshape(-1, 2, 2)), {"w": np.zeros((3, 4))}, Y, X

    s = TrainSettings(epochs=2, batch_size=4, learning_rate=0.1)
    a = cached_training("toy", {"k": 1}, build, s, cache=tmp_path)
    b = cached_training("toy", {"k": 1}, build, s, cache=tmp_path)
    assert not a.cached and b.cached and len(calls) == 1
    np.testing.assert_array_equal(a.params["w"], b.params["w"])
    assert a.losses == b.losses and a.losses[1] < a.losses[0]
    c = cached_training("toy", {"k": 1}, build, TrainSettings(epochs=2, batch_size=4,
                                                              learning_rate=0.1, seed=1),
                        cache=tmp_path)
    assert not c.cached and c.key != a.key and len(calls) == 2
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1})
    monkeypatch.setenv("SMALE18_CACHE", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    monkeypatch.delenv("SMALE18_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "smale18"
    assert cache_dir(tmp_path / "flag") == tmp_path / "flag"


@pytest.fixture(scope="module")
def trained_cache(tmp_path_factory):
    """One weight cache for the module: the quick networks are trained once, by the first
    test that needs them, and loaded from here afterwards (which also exercises the cache)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def quick(trained_cache):
    from theorems.tradeoff.harness import TradeoffConfig, run

    cfg = TradeoffConfig.quick(etas=(0.01,), iterations=3, starts=1, test_images=2)
    return run(cfg, cache=str(trained_cache))


def test_quick_run_and_the_composite(quick):
    names = [r.name for r in quick.records]
    assert names == ["AUTOMAP", "U-net", "U-net (noise)", "FIRENET", "AUTOMAP+FIRENET"]
    auto, fire = quick.record("AUTOMAP"), quick.record("FIRENET")
    comp = quick.record("AUTOMAP+FIRENET")
    # FIRENET's measured amplification never exceeds its certified bound
    assert fire.bound is not None and fire.amplification[0.01] <= fire.bound
    # the composite keeps the net's clean accuracy and is as stable as FIRENET, also under
    # the worst perturbation found for the net
    assert comp.rel_error <= 1.1 * auto.rel_error
    assert comp.amplification[0.01] <= 1.5 * fire.amplification[0.01]
    assert comp.under_automap_worst[0.01] <= comp.amplification[0.01] * (1 + 1e-9)
    for r in quick.records:
        assert 0 < r.rel_error < 1 and r.amplification[0.01] > 0


def test_cli_json_and_figure(tmp_path, capsys, quick, trained_cache):
    from theorems.cli import main

    out = tmp_path / "out"
    status = main(["tradeoff", "--quick", "--json", "--cache-dir", str(trained_cache),
                   "--out-dir", str(out)])
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["name"] for m in data["methods"]} >= {"FIRENET", "AUTOMAP+FIRENET"}
    assert "unet_over_firenet" in data["verdicts"]
    assert (out / "tradeoff.png").stat().st_size > 10_000
