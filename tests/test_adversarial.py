"""AdversarialOracle: one answer stream that is valid for several instances at once."""

import gmpy2
import pytest
import sympy

from oracle import (
    AdversarialOracle,
    Budget,
    BudgetExceeded,
    InvalidArgument,
    Oracle,
    certified_error,
)

ALPHA = sympy.sqrt(2) * 10**3 / 3
Y = [sympy.Matrix([1, sympy.Rational(1, 5)])]


def member(j: int, n: int | None) -> sympy.Matrix:
    """The gadget's first block row with alpha everywhere and eps = 2^-(n+1) added at j."""
    eps = 0 if n is None else sympy.Rational(1, 2 ** (n + 1))
    a = [ALPHA + (eps if i == j else 0) for i in range(3)]
    norm = sympy.sqrt(sum(x**2 for x in a))
    return sympy.Matrix([[*a, 0], [0, 0, 0, norm]])


@pytest.mark.parametrize("n", [4, 12])
@pytest.mark.parametrize("j", [0, 2])
def test_cover_answers_served_exactly_while_admissible(n, j):
    tie = Oracle(member(0, None), Y, tighten=1)
    truth = (member(j, n), Y)
    adv = AdversarialOracle(truth, tie)
    sources = {}
    for k in range(0, n + 6):
        answer = adv.matrix(k)
        sources[k] = adv.reads[-1].source
        if sources[k] == "cover":
            assert answer.tolist() == tie.matrix(k).tolist()
        # whatever was served is valid training data for the truth
        assert certified_error(answer, truth[0]) <= gmpy2.mpq(1, 2**k)
        y = adv.sample(0, k)
        # the samples are identical, so always the cover's
        assert adv.reads[-1].source == "cover"
        assert y.tolist() == tie.sample(0, k).tolist()
    # identical to the tie stream at every level <= n (SPEC section 4) ...
    assert all(sources[k] == "cover" for k in range(n + 1))
    # ... and honest once the balls around the two instances are disjoint
    assert all(sources[k] == "honest" for k in range(n + 3, n + 6))


def test_far_cover_is_never_served():
    far = Oracle(sympy.Matrix([[1, 2, 3, 4], [0, 0, 0, 1]]), Y)
    adv = AdversarialOracle((member(1, 3), Y), far)
    for k in range(6):
        adv.matrix(k)
    assert {r.source for r in adv.reads} == {"honest"}


def test_adversarial_oracle_has_the_oracle_api():
    tie = Oracle(member(0, None), Y, tighten=1)
    adv = AdversarialOracle(Oracle(member(1, 8), Y), tie, budget=Budget(max_level=3))
    adv.matrix(2)
    adv.matrix(2)
    assert adv.samples_read == 1 and adv.deepest_level == 2
    with pytest.raises(BudgetExceeded):
        adv.matrix(4)
    assert "AdversarialOracle" in adv.explain()


def test_shape_mismatch_is_refused():
    tie = Oracle(member(0, None), Y)
    with pytest.raises(InvalidArgument, match="cover serves"):
        AdversarialOracle(([[1, 2]], [[1]]), tie)


def test_cover_answers_carry_their_proven_error():
    tie = Oracle(member(0, None), Y, tighten=1)
    truth = member(1, 10)
    adv = AdversarialOracle((truth, Y), tie)
    adv.matrix(6)
    record = adv.reads[-1]
    assert record.source == "cover"
    assert certified_error(adv.matrix(6), truth) <= record.bound * (1 + gmpy2.mpq(1, 100))
    assert record.bound <= gmpy2.mpq(1, 2**6)
