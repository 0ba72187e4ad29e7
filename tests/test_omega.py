"""The class Omega: families, reproducible members, separations, barycentre errors and the
adversarial oracle that serves the tie member's data to perturbed members."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import AdversarialOracle
from oracle.exact import arb_mid_mpq, enclose
from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances._exact import bounds
from theorems.instances.distance import correct_to_digits, distance
from theorems.instances.omega import Omega, default_contents, family_alpha
from theorems.instances.problems import P1, P2, P3
from theorems.instances.solutions import solution_set, verify_certificate
from theorems.instances.strategies import omegas

Q = gmpy2.mpq


def _rational(point, bits=300):
    return [arb_mid_mpq(enclose(e, bits)) for e in point]


def test_validation_messages():
    with pytest.raises(InvalidArgument, match="K=0 must be an integer >= 1"):
        Omega(P3(1), 0, 4, 2)
    with pytest.raises(InvalidType, match="K=3.0 must be an integer"):
        Omega(P3(1), 3.0, 4, 2)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="m=4 must be < N=4"):
        Omega(P3(1), 3, 4, 4)
    with pytest.raises(InvalidArgument, match="families="):
        Omega(P3(1), 3, 4, 2, families=("III",))
    with pytest.raises(InvalidType, match="problem="):
        Omega("P3", 3, 4, 2)  # type: ignore[arg-type]
    with pytest.raises(ConditionError, match="P3 needs alpha > lam"):
        Omega(P3(1), 1, 22, 21, D="dct")  # Table-1 sizes: family II has alpha < lam
    with pytest.raises(ConditionError, match="P2 needs y0 > lam"):
        Omega(P2(100), 3, 4, 2)
    with pytest.raises(ConditionError, match="P1 needs 0 <= eta < y0"):
        Omega(P1(1), 3, 4, 2)
    with pytest.raises(ConditionError, match="sparsity=2 is too large"):
        Omega(P3(40), 3, 6, 4, sparsity=2)
    with pytest.raises(ConditionError, match="geometric facts"):
        Omega(P1("1/2"), 3, 4, 2)  # t shrinks with eta: separations below 2*10^-K
    assert Omega(P1("1/2"), 3, 4, 2, require_claims=False).K == 3


def test_table_one_class_builds_with_family_I_only():
    om = Omega(P3(1), 1, 22, 21, D="dct", families=("I",))
    assert om.families == ("I",) and (om.N1, om.N2) == (2, 20)
    mb = om.member("I", 2, 10)
    assert mb.alpha == sympy.sqrt(2) * 10 / 3 and mb.A.shape == (21, 22)
    with pytest.raises(InvalidArgument, match="family='II' is not in this class"):
        om.member("II", 1, 10)


def test_family_scales():
    assert family_alpha("I", 3) == sympy.sqrt(2) * 1000 / 3
    assert family_alpha("II", 3) == sympy.sqrt(2) * 100 / 3
    with pytest.raises(InvalidArgument):
        family_alpha("III", 3)


def test_default_contents_are_reproducible_and_sparse():
    a = default_contents(10, 3, seed=7, sparsity=4)
    assert a == default_contents(10, 3, seed=7, sparsity=4) != default_contents(10, 3, 8, 4)
    for c in a:
        nz = [v for v in c if v != 0]
        assert len(nz) == 4 and all(1 <= abs(v) <= 2 for v in nz)
    om = Omega(P3(1), 3, 22, 21, D="dct", seed=3)
    assert sum(1 for v in om.contents[0] if v != 0) == 10  # ceil(N2/2)
    # P3's cap: lam^2 (1 + s/N1) < alpha_II^2 = 20000/9 for K = 3, N1 = 3: s <= 1
    assert Omega(P3(40), 3, 6, 4)._max_sparsity() == 1


def test_enumeration_membership_and_reproducible_draws():
    om = Omega(P2(1), 3, 5, 3, R=2, D="cayley", seed=4, n_min=2)
    mbs = list(om.members(4))
    assert len(mbs) == om.count(4) == 1 + 2 * 3 * 3
    assert mbs[0].is_tie and mbs[0].family == "I"
    assert all(om.contains(mb) for mb in mbs)
    assert len(set(mbs)) == len(mbs)
    assert not om.contains(om.tie("II"))  # family II's tie is not in Omega
    outside = om.tie("I").sibling(1, 1)  # level below n_min
    assert not om.contains(outside)
    with pytest.raises(InvalidArgument, match="n=1 must be >= n_min=2"):
        om.member("I", 1, 1)
    with pytest.raises(InvalidArgument, match="j=4 must be in 1..N1=3"):
        om.member("I", 4, 3)
    assert om.draw(11, 6) == om.draw(11, 6)
    assert om.draw_many(5, 3, 6) == om.draw_many(5, 3, 6)
    assert len(set(om.draw_many(30, 1, 6))) > 5
    # every member shares D and the samples
    assert len({mb.samples for mb in mbs}) == 1


@settings(max_examples=15, deadline=None)
@given(omegas(), st.integers(1, 8), st.data())
def test_every_member_has_a_certified_closed_form(om, n, data):
    fam = data.draw(st.sampled_from(om.families))
    j = data.draw(st.integers(1, om.N1))
    for mb in (om.member(fam, j, n), om.tie("I")):
        for k in range(om.R):
            chk = verify_certificate(solution_set(mb, k))
            assert chk.optimal and chk.unique == (not mb.is_tie)


@settings(max_examples=30, deadline=None)
@given(omegas(), st.integers(1, 10), st.data())
def test_vertex_separations(om, n, data):
    """Distinct members at the same level have vertices sqrt(2) t apart: more than 2*10^-K in
    family I and 2*10^-(K-1) in family II, and at most 3*y0*10^-K resp. 3*y0*10^-(K-1)."""
    i, j = data.draw(st.lists(st.integers(1, om.N1), min_size=2, max_size=2, unique=True))
    for fam, digits in (("I", om.K), ("II", om.K - 1)):
        a, b = om.member(fam, i, n), om.member(fam, j, n)
        x = _rational(solution_set(a).vertex(i))
        enc = distance(x, b)  # the distance from a's vertex to b's solution set
        sep = bounds(solution_set(a).separation(), 200)
        assert enc.lower <= sep[1] and sep[0] <= enc.upper and enc.width < Q(1, 2**100)
        assert enc.lower > 2 * Q(10) ** -digits
        assert enc.upper <= 3 * Q(10) ** -digits
        # so an output within 10^-K (10^-(K-1)) of one vertex misses the other
        assert correct_to_digits(enc, digits) is False


@settings(max_examples=30, deadline=None)
@given(omegas(), st.integers(1, 10), st.data())
def test_barycentre_errors_split_the_families(om, n, data):
    """The tie member's barycentre (what the one-sample algorithm returns) is within
    10^-(K-1) of every family-I member (K-1 digits) but farther than 10^-(K-1) from every
    family-II member, while still within 10^-(K-2) of them (K-2 digits)."""
    j = data.draw(st.integers(1, om.N1))
    k = data.draw(st.integers(0, om.R - 1))
    K = om.K
    bary_I = _rational(solution_set(om.tie("I"), k).barycentre())
    bary_II = _rational(solution_set(om.tie("II"), k).barycentre())
    enc = distance(bary_I, om.member("I", j, n), k)
    assert correct_to_digits(enc, K - 1) is True
    assert correct_to_digits(enc, K) is False  # the circumradius exceeds sep/2 > 10^-K
    enc = distance(bary_II, om.member("II", j, n), k)
    assert correct_to_digits(enc, K - 1) is False
    assert correct_to_digits(enc, K - 2) is True
    # on the tie member itself the barycentre is a solution
    assert distance(bary_I, om.tie("I"), k).upper < Q(1, 2**120)


def test_claims_are_reported_with_certified_bounds():
    om = Omega(P3(1), 3, 5, 3, R=2)
    claims = om.claims()
    assert len(claims) == 2 * 2 * 2 and all(c.holds for c in claims)
    for c in claims:
        assert (c.bound > c.limit) if c.kind == "above" else (c.bound < c.limit)
    t_lo, t_hi = om.total_bounds("I")
    t = bounds(solution_set(om.member("I", 1, 1)).total, 100)
    assert t_lo <= t[0] and t[1] <= t_hi


@settings(max_examples=25, deadline=None)
@given(omegas(max_N=5, max_R=1), st.integers(1, 7), st.data())
def test_adversarial_oracle_serves_the_tie_member_up_to_level_n(om, n, data):
    """An AdversarialOracle for member j (eps = 2^-(n+1)) whose cover is the tie member at
    tighten=1 serves the tie member's answers, identically, at every level k <= n, and honest
    answers from level n + 2 on (there the balls are disjoint)."""
    fam = "I"
    j = data.draw(st.integers(1, om.N1))
    mb = om.member(fam, j, n)
    cover = om.tie(fam).oracle(tighten=1)
    adv = AdversarialOracle(mb.exact_data, cover)
    for k in range(n + 1):
        A = adv.matrix(k)
        assert adv.reads[-1].source == "cover"
        assert np.array_equal(A, cover.matrix(k))
        y = adv.sample(0, k)
        assert adv.reads[-1].source == "cover" and np.array_equal(y, cover.sample(0, k))
    for k in (n + 2, n + 3):
        adv.matrix(k)
        assert adv.reads[-1].source == "honest"
    # the same stream is valid data for every member j' at this level and for the tie itself
    for other in [om.member(fam, i, n) for i in range(1, om.N1 + 1)] + [om.tie(fam)]:
        adv_other = AdversarialOracle(other.exact_data, cover)
        assert np.array_equal(adv_other.matrix(n), cover.matrix(n))
        assert adv_other.reads[-1].source == "cover"


def test_adversarial_oracle_at_table_one_sizes_up_to_level_n():
    """At Table-1 sizes (N1 = 2, N2 = 20, DCT) the Frobenius norm of A_cover - A_j exceeds
    2^-n at level n although its operator norm does not: the oracle must certify the operator
    norm itself for the cover to be served there."""
    om = Omega(P3(1), 3, 22, 21, D="dct", seed=0)
    n = 6
    cover = om.tie("I").oracle(tighten=1)
    adv = AdversarialOracle(om.member("I", 1, n).exact_data, cover)
    sources = []
    for k in range(n + 1):
        adv.matrix(k)
        sources.append(adv.reads[-1].source)
    assert sources == ["cover"] * (n + 1)
    adv.matrix(n + 2)
    assert adv.reads[-1].source == "honest"
