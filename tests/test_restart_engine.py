"""The shared restart driver (algorithms.solvers.warpd.engine.run_restarts) and FIRENET as
WARPdSR with weighted l1 on it (issue 16, point 2).  That FIRENET's outputs did not change is
tests/test_restart_engine_reference.py."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import Exact, Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.operators import Dense
from algorithms.proximal import WeightedL1
from algorithms.solvers.firenet import RestartRecord as FirenetRecord
from algorithms.solvers.firenet import firenet_parameters, firenet_solve
from algorithms.solvers.firenet.parameters import restart_plans
from algorithms.solvers.warpd import RestartRecord
from algorithms.solvers.warpd.engine import (
    RestartOutput,
    RestartPlan,
    _problem,
    run_plans,
    run_restarts,
    warpd_sr,
)

Q = gmpy2.mpq


def _plans(n: int, steps: int = 3) -> list[RestartPlan]:
    return [RestartPlan(r, Q(1, 2**r), Q(1, 3), Q(1, 5), steps) for r in range(1, n + 1)]


def test_driver_hands_the_carry_on_and_records_every_restart() -> None:
    calls: list[tuple[int, object, bool]] = []

    def kernel(plan: RestartPlan, carry: int, need: bool) -> RestartOutput:
        calls.append((plan.restart, carry, need))
        return RestartOutput(10 * plan.restart if need else None, carry + plan.steps,
                             Q(plan.restart), 99)

    x, recs, total = run_restarts(_plans(4), kernel, 0)
    # the carry is the previous kernel's; the output is asked for the last restart only
    assert calls == [(1, 0, False), (2, 3, False), (3, 6, False), (4, 9, True)]
    assert x == 40 and total == 12
    assert [r.iterations for r in recs] == [3, 6, 9, 12]
    assert [(r.omega, r.e, r.tau1, r.tau2) for r in recs][1] == (Q(1, 4), Q(1, 4), Q(1, 3),
                                                                  Q(1, 5))
    assert recs[-1].x == recs[-1].psi == 40 and recs[-1].error_bound == 4
    assert recs[-1].working_prec == 99 and recs[0].scale is None


def test_driver_callback_sees_every_output_and_stops_the_run() -> None:
    def kernel(plan: RestartPlan, carry: None, need: bool) -> RestartOutput:
        assert need
        return RestartOutput(plan.restart, None)

    seen: list[RestartRecord] = []
    x, recs, total = run_restarts(_plans(5), kernel, None,
                                  callback=lambda r: seen.append(r) or r.restart == 2)
    assert x == 2 and total == 6 and len(recs) == 2 and seen == list(recs)


def test_driver_rejects_bad_input() -> None:
    def kernel(plan, carry, need):  # pragma: no cover - never called
        raise AssertionError

    with pytest.raises(InvalidArgument, match="plans is empty"):
        run_restarts([], kernel, None)
    with pytest.raises(InvalidType, match="callback=3"):
        run_restarts(_plans(1), kernel, None, callback=3)


def test_one_record_type_importable_from_both_packages() -> None:
    assert FirenetRecord is RestartRecord
    recs: list = []
    A = np.array([[Q(1), Q(2)]], dtype=object)
    firenet_solve(A, [Q(1)], lam=1, n_outer=2, p_inner=2, delta="1e-6", eps0=1, ctx=Float64(),
                  callback=recs.append)
    P = firenet_parameters(A, lam=1, n_outer=2, p_inner=2, delta="1e-6", eps0=1)
    assert [type(r) for r in recs] == [RestartRecord] * 2
    assert [(r.restart, r.iterations, r.e, r.scale, r.working_prec) for r in recs] == [
        (k, 2 * k, P.schedule[k - 1], P.scales[k - 1], 53) for k in (1, 2)]
    # FIRENET's plan steps are tau / scale_k and sigma scale_k: tau1 tau2 = tau sigma
    assert all(r.tau1 * r.tau2 == P.tau * P.sigma for r in recs)


@pytest.mark.parametrize("A, y, kw", [
    (np.array([[Q(1, 3), Q(-2, 7), Q(5, 21)]], dtype=object), [Q(2, 3)],
     dict(lam=Q(1, 4), n_outer=3, p_inner=4, delta="1e-6", eps0=2)),
    (np.array([[Q(3, 4), Q(-1, 2), Q(1, 8), Q(1)]], dtype=object), [Q(-5, 4)],
     dict(lam=Q(1, 3), n_outer=3, p_inner=3, delta=0, eps0=3, weights=[1, Q(1, 2), 2, 1],
          tau=Q(1, 3), sigma=Q(1, 2))),
])
def test_firenet_is_warpd_sr_with_weighted_l1_on_its_plans(A, y, kw) -> None:
    """In exact arithmetic (m = 1: the projection is rational) WARPdSR's kernel on FIRENET's
    plans, with J the weighted l1 norm and FIRENET's lam, returns FIRENET's output exactly:
    the parameter map of restart_plans."""
    P = firenet_parameters(A, **kw)
    ex = Exact()
    fire = firenet_solve(A, y, ctx=ex, **kw)
    J = WeightedL1(P.weights)
    prob = _problem(Dense(A), y, J, None, P.lam, None, None, None)
    res = run_plans(prob, ex, restart_plans(P))
    assert list(res.x) == list(fire)
    assert res.iterations == P.n_outer * P.p_inner
    assert [r.scale for r in res.records] == list(P.scales)


def test_warpd_runs_through_the_driver() -> None:
    """warpd_sr's records are the driver's; the schedule's plans are what ran."""
    A = np.array([[Q(1), Q(2)], [Q(0), Q(1)]], dtype=object)
    res = warpd_sr(A, [Q(1), Q(1, 2)], lam=Q(1, 10), J=WeightedL1(n=2), C1=2, C2=1,
                   restarts=3, k=4, ctx=Float64())
    plans = res.schedule.plans()
    assert [(r.restart, r.omega, r.tau1, r.tau2, r.iterations) for r in res.records] == [
        (p.restart, p.level, p.tau1, p.tau2, 4 * p.restart) for p in plans]
    assert all(isinstance(r, RestartRecord) for r in res.records)
