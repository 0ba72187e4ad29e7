"""Closed-form solution sets: dual certificates prove them optimal (and unique for eps > 0)."""

from __future__ import annotations

import dataclasses

import gmpy2
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.arithmetic import context
from oracle.exact import arb_mid_mpq, enclose
from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances.distance import distance
from theorems.instances.gadget import member
from theorems.instances.problems import P1, P2, P3
from theorems.instances.solutions import solution_set, verify_certificate
from theorems.instances.strategies import members

ALPHA = sympy.sqrt(2) * 1000 / 3  # family I with K = 3


def _check_set(sol, arithmetic):
    chk = verify_certificate(sol, arithmetic=arithmetic)
    assert chk.optimal, chk.failures
    if sol.is_point:
        assert chk.unique and chk.vertices == 1 and chk.tight == ()
    else:
        assert not chk.unique and chk.vertices == sol.N1
        assert chk.tight == tuple(range(1, sol.N1 + 1))  # every switch coordinate is tight
    return chk


@settings(max_examples=60, deadline=None)
@given(members(), st.data())
def test_certificates_prove_the_closed_forms_exactly(mb, data):
    k = data.draw(st.integers(0, mb.R - 1))
    sol = solution_set(mb, k)
    assert sol.is_point == (not mb.is_tie) and sol.support == mb.j
    _check_set(sol, "exact")


@settings(max_examples=40, deadline=None)
@given(members())
def test_certificates_hold_in_the_members_own_coordinates_with_balls(mb):
    """Same check in (A, y, D w) with balls, for every kind of D (DCT included)."""
    _check_set(solution_set(mb, 0), "ball")


@pytest.mark.parametrize("prob", [P1(0), P1("1/4"), P2(1), P3(1)])
@pytest.mark.parametrize("arithmetic", ["exact", "ball"])
def test_wrong_closed_forms_are_rejected(prob, arithmetic):
    mb = member(prob, alpha=ALPHA, N=5, m=3, j=2, n=4, D="cayley", seed=1,
                contents=[[1, "-3/2"]])
    sol = solution_set(mb)
    nudge = 1 + sympy.Rational(1, 10**6)
    for bad in (
        dataclasses.replace(sol, total=sol.total * nudge),
        dataclasses.replace(sol, content=(sol.content[0] * nudge, sol.content[1])),
        dataclasses.replace(sol, certificate=tuple(w * nudge for w in sol.certificate)),
    ):
        assert not verify_certificate(bad, arithmetic=arithmetic).optimal
    with pytest.raises(InvalidArgument, match="arithmetic='float'"):
        verify_certificate(sol, arithmetic="float")


def test_closed_forms_by_hand():
    lam, y0 = sympy.Integer(1), sympy.Integer(1)
    eps = sympy.Rational(1, 32)
    aj = ALPHA + eps
    na = sympy.sqrt(3 * ALPHA**2 + 2 * ALPHA * eps + eps**2)
    p3 = solution_set(member(P3(1), alpha=ALPHA, N=5, m=3, j=3, n=4, contents=[[2, 0]]))
    assert p3.total == y0 / aj and p3.content == (2 / na, 0) and p3.support == 3
    p2 = solution_set(member(P2(1), alpha=ALPHA, N=5, m=3, j=3, n=4, contents=[[2, 0]]))
    assert p2.total == (2 * aj * y0 - lam) / (2 * aj**2)
    assert sympy.simplify(p2.content[0] - (2 - lam / (2 * na)) / na) == 0
    p1 = solution_set(member(P1("1/4"), alpha=ALPHA, N=5, m=3, j=3, n=4))
    assert p1.total == (y0 - sympy.Rational(1, 4)) / aj and p1.content == (0, 0)
    tie = solution_set(member(P3(1), alpha=ALPHA, N=5, m=3))
    assert tie.total == 1 / ALPHA and not tie.is_point
    assert tie.barycentre()[:3] == (tie.total / 3,) * 3
    assert len(tie.vertices()) == 3 and tie.vertex(2)[1] == tie.total
    with pytest.raises(InvalidArgument, match="i=4"):
        tie.vertex(4)


def test_p2_soft_threshold_zeroes_small_content_and_stays_unique():
    # threshold lam/(2||a||) is about 4e-4 here: 1/10^5 is zeroed, 1 is shrunk
    mb = member(P2(1), alpha=ALPHA, N=5, m=3, j=1, n=2,
                contents=[[sympy.Rational(1, 10**5), -1]])
    sol = solution_set(mb)
    assert sol.content[0] == 0 and sol.content_signs == (0, -1)
    assert verify_certificate(sol).unique
    assert verify_certificate(solution_set(mb.tie)).optimal


def test_p1_piecewise_theta_clips_small_content():
    """eta = 1/2 with content (1/100, 3, -1/50): theta > 1/50 so two entries are clipped to
    zero and the third is shrunk; the certificate proves it."""
    alpha = sympy.Integer(3)
    mb = member(P1("1/2"), alpha=alpha, N=5, m=4, j=2, n=1,
                contents=[["1/100", 3, "-1/50"]])
    sol = solution_set(mb)
    assert sol.content_signs == (0, 1, 0) and "piece 2" in sol.conditions
    assert verify_certificate(sol).unique and verify_certificate(sol, arithmetic="ball").unique
    tie = solution_set(mb.tie)
    assert verify_certificate(tie).optimal


def test_p1_with_eta_zero_is_basis_pursuit():
    mb = member(P1(0), alpha=ALPHA, N=4, m=2, j=1, n=3, contents=[[-2]])
    sol = solution_set(mb)
    assert sol.multiplier is None and sol.total == 1 / mb.a_j
    assert verify_certificate(sol).unique


def test_conditions_are_enforced():
    with pytest.raises(ConditionError, match="P3 needs lam"):
        solution_set(member(P3(5), alpha=4, N=4, m=2))
    with pytest.raises(ConditionError, match="P3 needs lam"):  # too much content for lam
        solution_set(member(P3(1), alpha="3/2", N=5, m=4, contents=[[1, 1, 1]]))
    with pytest.raises(ConditionError, match="P2 needs y0 > lam/"):
        solution_set(member(P2(10), alpha=5, N=4, m=2, switch=[1]))
    with pytest.raises(ConditionError, match="P1 needs 0 <= eta < y0"):
        solution_set(member(P1(1), alpha=5, N=4, m=2))
    mb = member(P3(1), alpha=ALPHA, N=4, m=2)
    with pytest.raises(InvalidArgument, match="k=1 is out of range"):
        solution_set(mb, 1)
    with pytest.raises(InvalidType, match="member="):
        solution_set("member")  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(members(tie=False))
def test_the_tie_vertices_are_the_limits_of_the_members(mb):
    """dist(tie vertex j, Xi(member j)) is O(eps): it vanishes as eps -> 0."""
    tie_vertex = solution_set(mb.tie).vertex(mb.j)
    x = [arb_mid_mpq(enclose(e, 300)) for e in tie_vertex]
    d = distance(x, mb, bits=200)
    assert d.upper <= gmpy2.mpq(1, 2 ** (mb.n + 1))


@settings(max_examples=15, deadline=None)
@given(members(tie=False, problem=st.sampled_from([P2(1), P3(1), P3(2)])), st.data())
def test_the_closed_form_vertex_beats_perturbations(mb, data):
    """Objective (ball context, certified data at level 200) at the vertex is certainly below
    its value at a perturbed point."""
    ctx = context("ball", 300)
    o = mb.oracle()
    A, y = ctx.matrix(o.matrix(200)), ctx.vector(o.sample(0, 200))
    sol = solution_set(mb)
    star = [arb_mid_mpq(enclose(e, 260)) for e in sol.vertex(mb.j)]
    i = data.draw(st.integers(0, mb.N - 1))
    step = gmpy2.mpq(data.draw(st.sampled_from([1, -1])), 2**20)
    moved = list(star)
    moved[i] += step
    f_star = mb.problem.objective(ctx.vector(star), A, y, ctx)
    f_moved = mb.problem.objective(ctx.vector(moved), A, y, ctx)
    with ctx.scope():
        assert f_moved > f_star
