"""Review of the instances' public helpers: exact inputs only, errors naming the argument."""

from fractions import Fraction

import gmpy2
import numpy as np
import pytest
from flint import arb

from theorems.errors import InvalidArgument, InvalidType
from theorems.instances.distance import Enclosure, correct_to_digits, simplex_projection

Q = gmpy2.mpq


def test_enclosure_endpoints_are_exact_rationals():
    """Before the review Enclosure(0.1, 0.2) held two floats (the docstring promises exact
    rational endpoints) and Enclosure('0', '1') raised a bare TypeError from '<='."""
    for lo, hi, want in ((0, 1, Q(0)), (Fraction(1, 3), Fraction(1, 2), Q(1, 3)),
                         (np.int64(0), np.int64(2), Q(0)), ("1/3", "1/2", Q(1, 3)),
                         (Q(1, 3), Q(1, 2), Q(1, 3))):
        enc = Enclosure(lo, hi)
        assert type(enc.lower) is type(Q(0)) and type(enc.upper) is type(Q(0))
        assert enc.lower == want
    with pytest.raises(InvalidType, match="lower=0.1 is a float"):
        Enclosure(0.1, 0.2)
    with pytest.raises(InvalidArgument, match="lower='a' is not a rational"):
        Enclosure("a", "1")
    assert correct_to_digits(Enclosure(0, "1/1000"), 3) is True
    assert correct_to_digits(Enclosure("1/999", "1/999"), 3) is False


def test_simplex_projection_takes_the_inputs_distance_takes():
    """Before the review a string raised gmpy2's bare ValueError('invalid digits') and a ball
    was refused with a TypeError; now a str names its entry and a ball of nonzero radius is
    refused with the reason."""
    assert simplex_projection([Fraction(3, 2), 0.5, np.int64(0)], "1") == [Q(1), Q(0), Q(0)]
    assert simplex_projection([arb(1), arb(1)], 1) == [Q(1, 2), Q(1, 2)]
    with pytest.raises(InvalidType, match=r"x\[0\]='a' has type str"):
        simplex_projection(["a"], 1)
    with pytest.raises(InvalidArgument, match="balls of nonzero radius"):
        simplex_projection([arb(1, 1e-3)], 1)
    with pytest.raises(InvalidArgument, match="total='x' is not a rational"):
        simplex_projection([1], "x")
    with pytest.raises(InvalidArgument, match="total=-1 must be >= 0"):
        simplex_projection([1], -1)
