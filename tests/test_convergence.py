"""FIRENET convergence, stability and sharpness (theorems.instances.levels, .stability,
.convergence).

Reduced sizes throughout (N = 16 or 32, few restarts); the full experiment is
``python -m theorems convergence``.
"""

from __future__ import annotations

import argparse
import json
import math
from fractions import Fraction

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import Exact, Float64
from algorithms.jax_bridge import to_jax
from algorithms.networks import NeuralNetwork
from algorithms.solvers.firenet import firenet_network
from theorems.convergence.cli import add_arguments, main
from theorems.convergence.perturbations import stability_experiment
from theorems.convergence.records import LEVEL, NU, ConvergenceRun
from theorems.convergence.report import plot, render, to_json
from theorems.convergence.restarts import convergence_runs, fit_rate, prepare
from theorems.convergence.sharpness import sharpness_experiment
from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances.certificates import paper_constants, recovery_certificate, rnspl_constants
from theorems.instances.levels import (
    class_samples,
    hadamard_dyadic,
    level_weights,
    make_instance,
    small_instance,
    walsh_haar_operator,
)
from theorems.stability import (
    PerturbationSearch,
    certified_amplification,
    firenet_lipschitz_bound,
    lista_lipschitz_bound,
    worst_perturbation,
)

Q = gmpy2.mpq


def mid_instance(noise: object = 0, seed: int = 1):
    """N = 32 Walsh-Haar, levels (8, 16, 32), s = (3, 2, 2), rows (8, 6, 11)."""
    return make_instance("walsh-haar", N=32, levels=(8, 16, 32), sparsities=(3, 2, 2),
                         rows_per_level=(8, 6, 11), noise_level=noise, seed=seed)


@pytest.fixture(scope="module")
def small():
    return small_instance()


@pytest.fixture(scope="module")
def small_setup(small):
    return prepare(small)


# =============================================================================== instances
def _walsh_haar_float(N: int) -> np.ndarray:
    H = np.array([[1.0]])
    while H.shape[0] < N:
        H = np.block([[H, H], [H, -H]])
    changes = [(np.diff(np.sign(r)) != 0).sum() for r in H]
    W = H[np.argsort(changes)] / math.sqrt(N)
    rows = [np.ones(N) / math.sqrt(N)]
    k = 0
    while 2**k < N:
        length = N // 2**k
        for j in range(2**k):
            v = np.zeros(N)
            v[j * length:j * length + length // 2] = 1
            v[j * length + length // 2:(j + 1) * length] = -1
            rows.append(v / math.sqrt(length))
        k += 1
    return W @ np.array(rows).T


@pytest.mark.parametrize("N", [8, 16, 32])
def test_walsh_haar_is_block_diagonal_and_matches_the_dyadic_operator(N):
    true = _walsh_haar_float(N)
    U, bands = walsh_haar_operator(N)
    Uf = np.array([[float(v) for v in row] for row in U])
    assert bands[-1] == N
    # same zero pattern (block diagonal by bands) ...
    assert np.array_equal(np.abs(true) > 1e-12, Uf != 0)
    # ... and inside band j the magnitudes are 2^(-j/2) (true) and 2^(-ceil(j/2)) (ours)
    lo = 1
    for j, hi in enumerate(bands[1:]):
        blk_true = np.abs(true[lo:hi, lo:hi])
        blk_ours = np.abs(Uf[lo:hi, lo:hi])
        assert np.allclose(blk_true, 2.0 ** (-j / 2))
        assert np.all(blk_ours == 2.0 ** (-math.ceil(j / 2)))
        lo = hi


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_hadamard_dyadic_rows_are_exactly_orthogonal(n):
    H = hadamard_dyadic(n)
    G = H.dot(H.T)
    r = n.bit_length() - 1
    expected = Q(n, 4 ** ((r + 1) // 2))
    for i in range(n):
        for j in range(n):
            assert G[i, j] == (expected if i == j else 0)


def test_level_weights_are_tight_dyadic_upper_bounds():
    s = (6, 4, 4, 4)
    for w, sk in zip(level_weights(s), s, strict=True):
        target = Q(sum(s), sk)
        assert w * w >= target
        assert w * w <= target * (1 + Q(1, 2**6))
        assert int(w.denominator) & (int(w.denominator) - 1) == 0   # dyadic


@pytest.mark.parametrize("kind", ["walsh-haar", "hadamard", "gaussian"])
def test_instance_is_exact_sparse_in_levels_and_noise_is_bounded(kind):
    inst = make_instance(kind, N=32, levels=(8, 16, 32), sparsities=(3, 2, 2),
                         rows_per_level=(8, 6, 11), noise_level="1/1000", seed=2)
    m, N = inst.shape
    assert (m, N) == (25, 32)
    for i in range(m):
        assert inst.y[i] == sum((inst.A[i, j] * inst.x[j] for j in range(N)), Q(0)) + (
            inst.noise[i])
    assert sum((e * e for e in inst.noise), Q(0)) <= Q(1, 10**6)
    for sl, sk in zip(inst.level_slices(), inst.sparsities, strict=True):
        assert sum(1 for v in inst.x[sl] if v != 0) == sk
    assert inst.xi == sum(w * w * s for w, s in zip(inst.level_weights, inst.sparsities,
                                                      strict=True))


def test_oracle_serves_the_dyadic_data_exactly():
    inst = mid_instance(noise="1e-30")
    o = inst.oracle()
    A = o.matrix(LEVEL)
    y = o.sample(0, LEVEL)
    assert all(A[i, j] == inst.A[i, j] for i in range(inst.shape[0])
               for j in range(inst.shape[1]))
    assert all(a == b for a, b in zip(y, inst.y, strict=True))


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(kind="fourier"), "kind='fourier'"),
    (dict(levels=(8, 16, 30)), "levels="),
    (dict(sparsities=(9, 2, 2)), "sparsities[0]=9"),
    (dict(rows_per_level=(8, 9, 11)), "rows_per_level[1]=9"),
    (dict(noise_level="-1"), "noise_level=-1"),
    (dict(levels=(8, 12, 32), rows_per_level=(8, 4, 11)), "band boundary"),
])
def test_bad_instance_parameters_are_named(kwargs, fragment):
    base = dict(kind="walsh-haar", N=32, levels=(8, 16, 32), sparsities=(3, 2, 2),
                rows_per_level=(8, 6, 11))
    base.update(kwargs)
    with pytest.raises(InvalidArgument, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        make_instance(**base)


def test_floats_are_refused_as_noise_level():
    with pytest.raises(InvalidType, match="noise_level"):
        make_instance(noise_level=1e-3)


# =============================================================================== certificates
def _F(A, y, w, lam, z):
    r = A.dot(z) - y
    res2 = sum((v * v for v in r), Q(0))
    l1 = sum((wi * abs(zi) for wi, zi in zip(w, z, strict=True)), Q(0))
    return lam * l1, res2


def test_sharpness_inequality_holds_on_random_points(small, small_setup):
    inst, S = small, small_setup
    rng = np.random.default_rng(0)
    w = inst.weights
    C = S.C_x
    base_l1, _ = _F(inst.A, inst.y, w, S.lam, inst.x)
    for scale in (Q(1, 10), Q(1, 1000), Q(1, 10**6)):
        for _ in range(10):
            h = np.array([Q(int(v), 2**20) * scale for v in rng.integers(-2**20, 2**20, 16)],
                         dtype=object)
            z = inst.x + h
            l1, res2 = _F(inst.A, inst.y, w, S.lam, z)
            # F(z) - F(x) >= l1 - base_l1 + sqrt(res2) (lower bound with an integer sqrt)
            from algorithms.rationals import mpq_sqrt_lower, mpq_sqrt_upper

            gap_low = l1 - base_l1 + (mpq_sqrt_lower(res2, 80) if res2 else 0)
            dist_up = mpq_sqrt_upper(sum((v * v for v in h), Q(0)), 80)
            assert dist_up <= C * gap_low


def test_certificate_fails_loudly_for_a_non_recoverable_instance():
    bad = make_instance("walsh-haar", N=16, levels=(4, 8, 16), sparsities=(2, 1, 2),
                        rows_per_level=(4, 3, 5), seed=0)
    cert = recovery_certificate(bad.A, bad.x, bad.weights)
    if cert.valid:
        pytest.skip("this draw happens to be recoverable")
    with pytest.raises(ConditionError, match="seed=0"):
        prepare(bad)
    with pytest.raises(ConditionError):
        cert.sharpness("1/100")


def test_rnspl_estimate_brackets_and_gives_the_paper_constants(small):
    est = rnspl_constants(small)
    assert est.supports == 6 * 4 * 28
    assert 0 < est.rho_lower <= est.rho_upper + 1e-12 < 1
    C1, C2, lam, p = paper_constants(est.rho_upper, est.gamma, est.xi, est.kappa, est.norm_A)
    assert (C1, C2, lam, p) == (est.C1, est.C2, est.lam, est.p_inner)
    rho, k4 = 0.5, 3 ** 0.25
    C1h, C2h, _, _ = paper_constants(rho, 1.0, 12.0, 3.0, 1.0)
    assert C1h == pytest.approx((0.75 + 3.5 * k4 / 4) * 3.5 / 0.5)
    assert C2h == pytest.approx(2 * (7 + 15 * k4 / 2))
    with pytest.raises(ConditionError, match="rho"):
        paper_constants(1.2, 1.0, 12.0, 3.0, 1.0)


def test_rnspl_refuses_large_instances():
    with pytest.raises(InvalidArgument, match="max_supports"):
        rnspl_constants(mid_instance(), max_supports=100)


# =============================================================================== stability
def _small_firenet(setup, n_outer=3, p=4):
    inst = setup.instance
    return firenet_network(inst.A, lam=setup.lam, n_outer=n_outer, p_inner=p, delta=0,
                           eps0=8, weights=inst.weights, L=setup.L, tau=setup.tau,
                           sigma=setup.tau)


def test_jax_search_program_reproduces_the_network_and_its_gradient(small_setup):
    import jax

    net = _small_firenet(small_setup)
    prog = PerturbationSearch(net)
    y = small_setup.instance.y
    yf = np.array([float(v) for v in y])
    ref = np.asarray(net(y, Float64()), dtype=float)
    np.testing.assert_allclose(prog.forward(yf[:, None])[:, 0], ref, rtol=1e-12, atol=1e-14)
    rng = np.random.default_rng(1)
    G = rng.standard_normal(net.output_size)
    f64 = to_jax(net)
    g = np.asarray(jax.grad(lambda v: f64(v) @ G)(yf))
    d = rng.standard_normal(yf.shape[0])
    h = 1e-6

    def f(v):
        return float(G @ prog.forward(v))

    fd = (f(yf + h * d) - f(yf - h * d)) / (2 * h)
    assert fd == pytest.approx(g @ d, rel=1e-4, abs=1e-8)


def test_search_finds_the_top_singular_value_of_a_linear_network():
    rng = np.random.default_rng(3)
    M = np.array([[Fraction(int(v), 8) for v in row] for row in rng.integers(-8, 9, (5, 4))],
                 dtype=object)
    net = NeuralNetwork.affine(M)
    prog = PerturbationSearch(net)
    top = np.linalg.svd(np.array(M, dtype=float), compute_uv=False)[0]
    res = worst_perturbation(prog, np.zeros(4), 0.01, starts=3, iterations=40)
    assert res.amplification == pytest.approx(top, rel=1e-6)

    def evaluate(v):
        out = net(v, Exact())
        return Exact().to_rationals(out), Q(0)

    wit = certified_amplification(evaluate, np.array([Q(0)] * 4, dtype=object), res.e,
                                  "1/100")
    cert, e = wit.bound, wit.e
    assert wit.distance_upper([0] * 5, which=0) == 0
    assert sum((v * v for v in e), Q(0)) <= Q(1, 10**4)
    assert cert <= top * (1 + 1e-9)
    assert cert >= top * (1 - 1e-6)


def test_firenet_lipschitz_bound_dominates_random_pairs(small_setup):
    net = _small_firenet(small_setup, n_outer=4, p=6)
    bound = float(firenet_lipschitz_bound(net.parameters))
    prog = PerturbationSearch(net)
    rng = np.random.default_rng(5)
    m = small_setup.instance.shape[0]
    Y1 = rng.standard_normal((m, 50))
    Y2 = Y1 + 0.3 * rng.standard_normal((m, 50))
    ratios = (np.linalg.norm(prog.forward(Y1) - prog.forward(Y2), axis=0)
              / np.linalg.norm(Y1 - Y2, axis=0))
    assert ratios.max() <= bound
    # the formula for n = 1: (p + 1)/2 sqrt(tau sigma)/(1 - tau sigma L^2) = 7/2 (1/(2L))/(3/4)
    one = _small_firenet(small_setup, n_outer=1, p=6)
    val = firenet_lipschitz_bound(one.parameters)
    exact = Q(7, 2) * (small_setup.tau / Q(3, 4))
    assert exact <= val <= exact * (1 + Q(1, 2**40))


def test_lista_lipschitz_estimate_for_one_layer_is_the_weight_norm():
    W = np.random.default_rng(0).standard_normal((1, 3, 5))
    assert lista_lipschitz_bound(W, np.ones((3, 5)), 10.0) == pytest.approx(
        np.linalg.norm(W[0], 2))


def test_worst_perturbation_validates_eta(small_setup):
    prog = PerturbationSearch(_small_firenet(small_setup))
    with pytest.raises(InvalidArgument, match="eta"):
        worst_perturbation(prog, np.zeros(small_setup.instance.shape[0]), -1.0)


# =============================================================================== convergence
def test_fit_rate_recovers_a_geometric_rate_and_skips_the_floor():
    ks = list(range(1, 41))
    errs = [Q(3) * gmpy2.mpq(math.exp(-k)) if k <= 30 else Q(1, 10**12) for k in ks]
    fit = fit_rate(ks, [max(e, Q(1, 10**12)) for e in errs], k_min=5, floor_factor=1e4)
    assert fit.ratio == pytest.approx(1.0, rel=1e-6)
    assert fit.first == 5 and fit.last <= 30
    assert fit_rate([1, 2], [Q(1), Q(1, 2)]).rate is None


def test_certified_runs_converge_at_the_schedule_rate_and_enclose_the_exact_output():
    inst = mid_instance()
    setup = prepare(inst)
    runs = convergence_runs(setup, n_outer=45, p_inner=20, precisions=(128,), float64=True,
                            floor_noise="1e-12", floor_delta=None, floor_restarts=30)
    by = {(r.context, r.role): r for r in runs}
    ball = by["ball-128", "main"]
    f64 = by["float64", "main"]
    assert isinstance(ball, ConvergenceRun)
    assert ball.fit.ratio == pytest.approx(1.0, abs=0.2)
    assert f64.fit.ratio == pytest.approx(1.0, abs=0.2)
    assert all(p.lower <= p.upper for p in ball.points)
    assert ball.floor < Q(1, 10**15) and f64.floor > Q(1, 10**17)
    assert [p.depth for p in ball.points[:2]] == [61, 121]
    noisy = by["ball-256", "noise floor"]
    # the noise floor: no better than about the minimiser's distance, at most 2 C_x eta
    assert noisy.floor <= 2 * setup.C_x * noisy.noise + Q(1, 10**20)
    assert noisy.floor > Q(1, 10**20)
    # the exact network output lies in the certified interval (3 restarts, Exact context)
    net = firenet_network(inst.A, lam=setup.lam, n_outer=3, p_inner=20, delta=0,
                          eps0=ball.points[0].e_k / gmpy2.mpq(NU), weights=inst.weights,
                          L=setup.L, tau=setup.tau, sigma=setup.tau)
    exact = Exact().to_rationals(net(inst.y, Exact()))
    d2 = sum(((a - b) ** 2 for a, b in zip(exact, inst.x, strict=True)), Q(0))
    third = ball.points[2]
    assert third.lower ** 2 <= d2 <= third.upper ** 2


def test_sharpness_small_p_freezes_and_prescribed_p_keeps_the_guarantee(small):
    res = sharpness_experiment(small, n_outer=10, p_values=(1, 3))
    p_x = res.p_x
    res2 = sharpness_experiment(small, n_outer=10, p_values=(1, p_x))
    frozen, guaranteed = res2.rows
    assert frozen.guarantee is None and frozen.final > frozen.errors[0] / 2
    assert guaranteed.guarantee is True
    assert guaranteed.fit.ratio == pytest.approx(1.0, abs=0.2)
    assert res.lam_source.startswith("paper")
    assert res.rows[0].p_inner == 1


@pytest.fixture(scope="module")
def stability_rows():
    setup = prepare(small_instance())
    return stability_experiment(setup, n_outer=4, p_inner=10, etas=("1/100",), inputs=2,
                                starts=2, iterations=6, lista_train=60, lista_validation=10,
                                lista_layers=4, lista_epochs=3, lista_batch=20,
                                certify_prec=96)


def test_stability_rows_are_consistent(stability_rows):
    rows = {r.network: r for r in stability_rows}
    assert set(rows) == {"FIRENET", "LISTA"}
    fire = rows["FIRENET"]
    assert fire.bound_kind == "rigorous" and fire.below_bound
    assert fire.amplification <= float(fire.lipschitz)
    for r in stability_rows:
        assert 0 <= float(r.certified) <= r.amplification * (1 + 1e-6) + 1e-9
        assert r.eta == Q(1, 100)
    assert rows["LISTA"].depth == 4 and fire.depth == 3 * 4 * 10 + 1


def test_class_samples_share_the_matrix(small):
    xs, ys = class_samples(small, 3, seed=1)
    for x, y in zip(xs, ys, strict=True):
        assert all(a == b for a, b in zip(small.A.dot(x), y, strict=True))


# =============================================================================== reports, CLI
def test_cli_json_and_plot(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    png = tmp_path / "conv.png"
    args = parser.parse_args(["--restarts", "12", "--precisions", "128", "--no-floors",
                              "--no-stability", "--no-sharpness", "--json", "--plot", str(png)])
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["context"] for r in data["runs"]] == ["float64", "ball-128"]
    run = data["runs"][1]
    assert run["errors"][0][0] == 1 and isinstance(run["errors"][0][1], str)
    assert float(run["errors"][-1][1]) < float(run["errors"][0][1])
    assert isinstance(run["rate"], str)
    assert data["stability"] == [] and data["sharpness"] is None
    assert png.stat().st_size > 1000


def test_render_and_json_of_a_full_small_result(tmp_path, stability_rows):
    from rich.console import Console

    from theorems.convergence.harness import _targets
    from theorems.convergence.records import ConvergenceResult

    setup = prepare(mid_instance())
    runs = convergence_runs(setup, n_outer=15, p_inner=20, precisions=(128,),
                            floor_noise=None, floor_delta=None)
    sharp = sharpness_experiment(small_instance(), n_outer=6, p_values=(1, 10))
    res = ConvergenceResult(setup.instance.describe(), {
        "lam": setup.lam, "p_inner": 20, "n_outer": 15, "delta": Q(0), "L": setup.L,
        "tau": setup.tau, "sigma": setup.tau, "depth": 901, "level": LEVEL,
        "lam_max": setup.certificate.lam_max, "C_x": setup.C_x, "p_x": setup.p_x,
        "c": setup.c}, setup, tuple(runs), tuple(stability_rows), sharp,
        _targets(runs, stability_rows), 1.0)
    console = Console(record=True, width=160)
    render(res, console)
    text = console.export_text()
    assert "Stability" in text and "Sharpness" in text and "ball-128" in text
    data = json.loads(json.dumps(to_json(res)))
    assert data["stability"][0]["bound_kind"] in ("rigorous", "estimate")
    assert data["sharpness"]["runs"][0]["p_inner"] == 1
    assert plot(res, str(tmp_path / "f.png")).endswith("f.png")
    # at a prompt and in a notebook: one line, the tables, HTML
    line = repr(res)
    assert line.startswith("<ConvergenceResult ") and "\n" not in line and len(line) < 300
    recorded = Console(record=True, width=160)
    res.summary(recorded)
    assert "Stability" in recorded.export_text()
    html = res._repr_html_()
    assert "<pre" in html and "ball-128" in html
