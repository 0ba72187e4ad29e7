"""Review of the paradox harness's entry points: arguments and the reference Search."""

from fractions import Fraction

import gmpy2
import numpy as np
import pytest

from algorithms.networks import NeuralNetwork
from algorithms.paradox_algorithms import Search
from theorems.errors import InvalidArgument, InvalidType
from theorems.paradox.harness import challenge, run

QUICK = dict(draws=1, budgets=(5,), randomized_levels=(), isolation="none")


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(value="x"), InvalidArgument, "value='x' is not a rational"),
    (dict(value=0.1), InvalidType, "value=0.1 is a float"),
    (dict(value=None, levels=5), InvalidType, "levels=5 must be a sequence of integers >= 1"),
    (dict(levels="5"), InvalidType, "levels='5' must be a sequence"),
    (dict(levels=(6, 0)), InvalidArgument, r"levels\[1\]=0 must be an integer >= 1"),
    (dict(randomized_levels=7), InvalidType, "randomized_levels=7 must be a sequence"),
    (dict(budgets=(-1,)), InvalidArgument, r"budgets\[0\]=-1 must be an integer >= 0"),
    (dict(budgets=("a",)), InvalidType, r"budgets\[0\]='a' must be an integer"),
    (dict(progress=3), InvalidType, "progress=3 must be callable"),
])
def test_bad_arguments_name_the_parameter_and_value(kwargs, error, message):
    """Before the review: ValueError('invalid digits') from gmpy2 for value='x', a float
    value silently taken as its binary expansion, TypeError("'int' object is not iterable")
    for levels=5, and the oracle's 'max_reads=-1' for a bad budget."""
    args = dict(panel=[Search("P3", 1, 3)], levels=(6,), **QUICK)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        run("P3", 3, **args)


def test_exact_values_of_every_rational_type_and_level_sequences_are_accepted():
    """value as Fraction, gmpy2.mpq, 'p/q' or int gives the same class; levels may be a range
    or a numpy array."""
    for value in (Fraction(1, 1), gmpy2.mpq(1), "1/1", 1, np.int64(1)):
        res = run("P3", 3, value=value, panel=[Search("P3", 1, 3)], levels=np.array([6]),
                  **QUICK)
        assert res.value == 1 and type(res.value) is type(gmpy2.mpq(1))
        assert res.levels == (6,) and type(res.levels[0]) is int
    res = run("P3", 3, panel=[Search("P3", 1, 3)], levels=range(6, 7), **QUICK)
    assert res.levels == (6,)


class CalledSearch:
    """A constant network under the name of the reference algorithm."""

    name = "Search"

    def train(self, oracle):
        m, N = oracle.shape
        return NeuralNetwork.constant([0] * N, m)


def test_a_user_algorithm_called_search_is_not_taken_for_the_reference():
    """search_reads (Search's reads and K-1 verdict on family II) come from the panel's real
    Search, whatever the user's algorithm calls itself (before: the first summary NAMED
    "Search", here the impostor, whose constant network reads nothing)."""
    res = challenge(CalledSearch(), "P3", 3, levels=(6, 9), **QUICK)
    assert [s.name for s in res.algorithms] == ["Search", "Search"]
    assert [(r["n"], r["reads"], r["correct_K-1"]) for r in res.search_reads] == [
        (6, 9, True), (9, 12, True)]
    assert res.algorithms[0].max_samples_read == 0


def test_the_worst_error_over_samples_encloses_the_maximum(monkeypatch):
    """With R = 2 samples whose enclosures are [11, 11] * 10^-4 (certainly not 3 digits) and
    [9, 12] * 10^-4 (undecided), the run's worst error is [11, 12] * 10^-4: certainly not 3
    digits.  Before the review it was the enclosure with the larger upper end alone, [9, 12],
    and the verdict was None (undecided)."""
    import theorems.paradox.harness as harness
    from theorems.instances.distance import Enclosure
    from theorems.paradox.harness import Session, build_class, exact_inputs
    from theorems.sealed import Limits
    from theorems.sealed.runner import Handle, InProcessRunner, RunOutcome
    from theorems.sealed.transcripts import Transcript

    q = gmpy2.mpq
    encs = [Enclosure(q(11, 10**4), q(11, 10**4)), Enclosure(q(9, 10**4), q(12, 10**4))]
    monkeypatch.setattr(harness, "distance", lambda point, member, k: encs[k])
    om = build_class("P3", 3, R=2)
    tie = om.tie("I")
    session = Session(InProcessRunner(), Limits(), exact_inputs(tie))
    net = NeuralNetwork.constant([0] * om.N, om.m)
    outcome = RunOutcome(net, Transcript((), "network", "x"), "", 0.0, False)
    handle = Handle("k", "Constant", False, b"")
    run_ = session._record((handle, tie.oracle(), tie, "I", None), outcome)
    assert run_.error == Enclosure(q(11, 10**4), q(12, 10**4))
    assert run_.digits(3) is False and run_.digits(2) is True
