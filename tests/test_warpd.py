"""The WARPd engine: certified step sizes, the schedule, linear convergence, the square-root
form, reweighting, exact and Ball runs, errors naming their parameter; the experiment's
sparse problem end to end (certificate, rate, certified Ball error)."""

from __future__ import annotations

import math

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import Ball, Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.proximal import WeightedL1, Zero
from algorithms.proximal.analysis import FiniteDifferences2D
from algorithms.solvers.warpd import (
    NU,
    inner_steps,
    primal_dual,
    schedule,
    step_sizes,
    warpd,
    warpd_sr,
)
from theorems.warpd.problems import exact_gaussian


@pytest.fixture(scope="module")
def instance():
    rng = np.random.default_rng(5)
    A = exact_gaussian(12, 24, rng)
    x = np.array([gmpy2.mpq(0)] * 24, dtype=object)
    x[3], x[10] = gmpy2.mpq(3, 2), gmpy2.mpq(-1, 1)
    return A, x, A.dot(x)


def test_step_sizes_certified_exactly():
    t1, t2 = step_sizes(3, 3, gmpy2.mpq(7, 5), gmpy2.mpq(99, 100), gmpy2.mpq(1, 3))
    assert t1 * t2 * gmpy2.mpq(7, 5) ** 2 < 1
    assert t1.denominator & (t1.denominator - 1) == 0  # dyadic
    with pytest.raises(InvalidArgument, match="tau1"):
        step_sizes(1, 1, 1, 1, 1)  # tau = 1 gives tau1 tau2 L^2 = 1


def test_inner_steps_formula():
    assert inner_steps(3, 3, 2, gmpy2.mpq(99, 100)) == math.ceil(2 * 9 * 2 / (0.99 * float(NU)))


def test_schedule_levels_decay_by_nu():
    S = schedule(C1=1, C2=1, L=1, restarts=5, w0=1)
    for a, b in zip(S.levels, S.levels[1:], strict=False):
        assert b >= NU * a and b <= NU * a * (1 + gmpy2.mpq(1, 2**50))


@pytest.mark.parametrize("bad,match", [({"tau": 1}, "tau=1"), ({"nu": 2}, "nu=2"),
                                       ({"restarts": 0}, "restarts=0"), ({"C1": -1}, "C1=-1")])
def test_errors_name_the_parameter(instance, bad, match):
    A, _, b = instance
    kw = {"eps": 0, "J": WeightedL1(), "C1": 2, "C2": 2, "restarts": 2, "ctx": Float64()}
    kw.update(bad)
    with pytest.raises(InvalidArgument, match=match):
        warpd(A, b, **kw)


def test_refuses_non_regulariser(instance):
    A, _, b = instance
    with pytest.raises(InvalidType, match="J has type"):
        warpd(A, b, eps=0, J=None, C1=1, C2=1, restarts=1, ctx=Float64())


def test_linear_convergence_and_restart_beats_ergodic(instance):
    A, x, b = instance
    xf = np.array([float(v) for v in x])
    errs = []
    res = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=35, ctx=Float64(),
                callback=lambda r: errs.append(np.linalg.norm(r.x - xf)))
    assert errs[-1] < 1e-12
    assert errs[12] < 1e-3 * errs[2]
    t1, t2 = res.schedule.steps[0]
    erg = primal_dual(A, b, eps=0, J=WeightedL1(), ctx=Float64(), iterations=res.iterations,
                      tau1=t1, tau2=t2).x
    assert np.linalg.norm(erg - xf) > 1e-4


def test_square_root_form_and_reweighting(instance):
    A, x, b = instance
    xf = np.array([float(v) for v in x])
    r = warpd_sr(A, b, lam=gmpy2.mpq(1, 4), J=WeightedL1(), C1=2, C2=2, restarts=25,
                 ctx=Float64())
    assert np.linalg.norm(r.x - xf) < 1e-9
    rw = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=20, ctx=Float64(),
               reweight=lambda c, v, J: J.reweighted(c, v, "1/10"))
    assert np.linalg.norm(rw.x - xf) < 1e-6


def test_exact_context_runs_in_rationals(instance):
    A, _, b = instance
    res = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=1, k=3, ctx=Exact())
    assert all(isinstance(v, type(gmpy2.mpq(0))) for v in res.x)
    f = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=1, k=3, ctx=Float64())
    assert np.allclose([float(v) for v in res.x], f.x, atol=1e-13)


def test_ball_midpoints_reach_beyond_float64(instance):
    A, x, b = instance
    res = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=60, ctx=Ball(192),
                midpoints=True)
    mid = Ball(192).to_rationals(res.x)
    err2 = sum(((a - c) ** 2 for a, c in zip(mid, x, strict=True)), gmpy2.mpq(0))
    assert err2 < gmpy2.mpq(1, 10**40)


def test_analysis_term_runs(instance):
    rng = np.random.default_rng(0)
    img = np.zeros((6, 6))
    img[1:4, 2:5] = 1
    A = exact_gaussian(24, 36, rng)
    xq = np.array([gmpy2.mpq(int(v)) for v in img.reshape(-1)], dtype=object)
    res = warpd(A, A.dot(xq), eps=0, J=Zero(), B=FiniteDifferences2D((6, 6)), C1=2, C2=2,
                restarts=30, ctx=Float64())
    assert np.linalg.norm(res.x - img.reshape(-1)) < 1e-3


def test_sparse_problem_end_to_end():
    from theorems.warpd.harness import certified_run, run_problem
    from theorems.warpd.problems import sparse_problem

    p = sparse_problem()
    cert = p.exact["certificate"]
    assert cert.valid and cert.mu > 0
    r = run_problem(p, budget=1500)
    assert r.to_target["WARPd"] is not None and r.agreement < 1e-8
    assert r.rate is not None and abs(r.rate - r.rate_theory) < 0.5 * abs(r.rate_theory)
    rows = certified_run(p, target_exponent=20)
    assert rows[-1].upper <= gmpy2.mpq(1, 10**20) and rows[-1].lower <= rows[-1].upper


def test_empirical_constants_closed_cases():
    from theorems.warpd.sharpness import empirical_constants

    out = empirical_constants([(1.0, 1.0, 0.0), (2.0, 0.0, 1.0)], 2.0)
    assert out["C1_at_used"] == 1.0 and out["C2_min"] == 0.0
    bad = empirical_constants([(1.0, -1.0, 0.5)], 1.0)
    assert bad["C2_min"] == 2.0 and bad["C1_at_used"] is None


def test_cli_is_registered():
    from theorems.warpd.cli import COMMANDS

    assert COMMANDS[0].name == "warpd"


def test_unrolled_network_matches_engine(instance):
    from algorithms.solvers.warpd import warpd_network

    A, x, b = instance
    net = warpd_network(A, C1=2, C2=2, restarts=3, w0=4)
    k = net.info["k"]
    assert net.depth == 2 * k * 3 + 1
    out = net(b, Float64())
    eng = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=3, w0=4, ctx=Float64()).x
    assert np.max(np.abs(out - eng)) < 1e-13
    small = warpd_network(A, C1=2, C2=2, restarts=1, k=2, w0=4)
    ex = small(b, Exact())
    ee = warpd(A, b, eps=0, J=WeightedL1(), C1=2, C2=2, restarts=1, k=2, w0=4, ctx=Exact()).x
    assert list(ex) == list(ee)  # exact arithmetic: the same rationals


def test_tv_measured_against_independent_admm():
    """Problem 2b (noiseless TV, 16 x 16): the reference is ADMM (KKT residual recorded), WARPd
    reaches 1e-6 against it, and the factor / agreement are computed from the curves."""
    from theorems.warpd.harness import WarpdResult, first_below, run_problem
    from theorems.warpd.problems import tv_exact_problem
    from theorems.warpd.report import to_json

    p = tv_exact_problem(n=16, fraction=0.5)
    r = run_problem(p, budget=6000, ref_iterations=3000)
    assert r.extra["reference_kkt"] <= 1e-13 and "ADMM" in r.reference
    warpd_its = first_below(r.curves[0])
    assert warpd_its is not None and r.to_target["WARPd"] == warpd_its
    # the rate matches the schedule's e^-1 per restart (measured: -0.88 vs -0.88)
    assert r.rate is not None and abs(r.rate - r.rate_theory) < 0.2 * abs(r.rate_theory)
    # agreement with the independent solver: 3e-7 after 12 restarts (1e-6 / e^1 per restart)
    assert r.agreement < 1e-6
    erg = r.curves[1]
    if r.to_target["PD ergodic"] is None:
        assert r.factor_is_lower_bound and r.factor == erg.iterations[-1] / warpd_its
    js = to_json(WarpdResult((r,), (), (), {}, True, 0.0))["problems"][0]
    assert js["factor"] == r.factor and js["agreement"] == r.agreement
    assert js["extra"]["reference_iterations"] == r.extra["reference_iterations"]


@pytest.mark.slow
def test_quick_mode_reports_every_problem_with_its_fields():
    """The whole quick mode (its time is a benchmark's business, not a test's)."""
    from theorems.commands import blas_threads
    from theorems.warpd.harness import run
    from theorems.warpd.report import to_json

    with blas_threads(None):  # as the command runs it: one BLAS thread
        res = run(quick=True)
    js = to_json(res)
    keys = {p["key"] for p in js["problems"]}
    assert keys == {"sparse", "tv", "tv-exact", "completion", "lowrank", "mixed"}
    for p in js["problems"]:
        assert "factor" in p and math.isfinite(p["agreement"])
        if p["key"] in ("tv", "tv-exact", "mixed"):
            assert p["extra"]["reference_kkt"] > 0
    nf = js["noise_floor"]
    assert nf["certificate"]["valid"] and abs(nf["growth"]["exponent"] - 2) < 1e-3
