"""The theorem's own algorithms: what they read and what their networks compute."""

import gmpy2
import pytest

from algorithms.arithmetic import Exact
from algorithms.errors import InvalidArgument
from algorithms.paradox_algorithms import (
    Barycentre,
    ExactSolveAtLevel,
    RandomVertex,
    Search,
    coarse_level,
)
from oracle import Budget, BudgetExceeded
from theorems.instances.distance import correct_to_digits, distance, point_distance
from theorems.instances.solutions import solution_set
from theorems.paradox.harness import DEFAULT_VALUES, build_class


def output(net, member, k=0):
    y = [gmpy2.mpq(int(v.p), int(v.q)) for v in member.samples[k]]
    ctx = Exact()
    return list(ctx.to_rationals(net(y, ctx)))


@pytest.mark.parametrize("problem", ["P1", "P2", "P3"])
def test_barycentre_reads_one_matrix_and_outputs_the_barycentre(problem):
    om = build_class(problem, 3)
    value = DEFAULT_VALUES[problem]
    for family in ("I", "II"):
        tie = om.tie(family)
        o = tie.oracle()
        net = Barycentre(problem, value, 3).train(o)
        assert o.samples_read == 1 and o.deepest_level == coarse_level(3)
        assert net.depth == 1
        bary = solution_set(tie).barycentre()
        d = point_distance(output(net, tie), bary)
        assert d.upper < gmpy2.mpq(1, 10**6)  # the network IS the barycentre map, up to A_n


@pytest.mark.parametrize("problem", ["P1", "P2", "P3"])
@pytest.mark.parametrize("n", [4, 15])
def test_search_reads_about_n_plus_3_and_gets_the_vertex(problem, n):
    om = build_class(problem, 3)
    for j in (1, 2):
        mb = om.member("II", j, n)
        o = mb.oracle()
        net = Search(problem, DEFAULT_VALUES[problem], 3).train(o)
        assert n + 1 <= o.samples_read <= n + 4
        assert net.info["vertex"] == j
        d = distance(output(net, mb), mb)
        assert correct_to_digits(d, 5) is True


def test_search_on_the_family_two_tie_exceeds_every_budget():
    om = build_class("P3", 3)
    for M in (3, 30):
        o = om.tie("II").oracle(budget=Budget(max_reads=M))
        with pytest.raises(BudgetExceeded, match=f"max_reads={M}"):
            Search("P3", 1, 3).train(o)
        assert o.samples_read == M


def test_random_vertex_is_deterministic_per_seed_and_covers_the_vertices():
    om = build_class("P3", 3)
    tie = om.tie("I")
    picks = set()
    for seed in range(12):
        a = RandomVertex("P3", 1, 3, seed=seed).train(tie.oracle())
        b = RandomVertex("P3", 1, 3, seed=seed).train(tie.oracle())
        assert a.info["vertex"] == b.info["vertex"]
        picks.add(a.info["vertex"])
    assert picks == {1, 2}


def test_exact_solve_resolves_coarse_members_but_not_fine_ones():
    om = build_class("P2", 3)
    alg = ExactSolveAtLevel("P2", 1, 3, n0=12)
    coarse = om.member("II", 2, 5)  # eps = 2^-6 is visible at level 12
    assert alg.train(coarse.oracle()).info["vertex"] == 2
    tie_net = alg.train(om.tie("II").oracle())
    assert tie_net.info["tied_columns"] == 2  # exact tie: the barycentre of both columns


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(problem="P4", value=1, K=3), "problem='P4'"),
        (dict(problem="P3", value=0, K=3), "value=0 must be > 0"),
        (dict(problem="P3", value=1, K=0), "K=0 must be an integer >= 1"),
    ],
)
def test_bad_settings(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        Barycentre(**kwargs)


def test_float_parameters_are_refused():
    with pytest.raises(TypeError, match="float"):
        Search("P3", 0.5, 3)


def test_random_vertex_reads_at_a_random_depth_and_resolves_when_deep_enough():
    import numpy as np

    om = build_class("P3", 3)
    alg = RandomVertex("P3", 1, 3)
    assert alg.randomized is True
    depths = [alg.depth(np.random.default_rng(s)) for s in range(200)]
    assert min(depths) == coarse_level(3) and max(depths) > coarse_level(3) + 30
    # P(d > n) = exp(-(n - level + 1)/12): about 0.22 at n = 40
    assert 0.1 < sum(d > 40 for d in depths) / 200 < 0.35
    member = om.member("I", 2, 5)  # eps = 2^-6: resolved at any depth >= 22
    for s in range(5):
        o = member.oracle()
        net = alg.train(o, np.random.default_rng(s))
        assert net.info["vertex"] == 2 and net.info["certified"] is True
        assert o.samples_read == 1
    flat = RandomVertex("P3", 1, 3, depth_scale=0)
    assert flat.depth(np.random.default_rng(0)) == coarse_level(3)
    with pytest.raises(InvalidArgument, match="depth_scale=-1 must be"):
        RandomVertex("P3", 1, 3, depth_scale=-1)
