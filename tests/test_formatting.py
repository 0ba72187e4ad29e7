"""Exact, directed decimal formatting of certified numbers."""

import gmpy2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theorems.formatting import decimal

Q = gmpy2.mpq


@pytest.mark.parametrize(
    "q, digits, direction, text",
    [
        (Q(1, 3), 3, "up", "3.34e-1"),
        (Q(1, 3), 3, "down", "3.33e-1"),
        (Q(-1, 3), 3, "up", "-3.33e-1"),
        (Q(-1, 3), 3, "down", "-3.34e-1"),
        (Q(12345), 3, "up", "1.24e+4"),
        (Q(15, 10), 2, "nearest", "1.5"),
        (Q(1), 5, "nearest", "1"),
        (0, 7, "nearest", "0"),
        (0.1, 20, "nearest", "1.0000000000000000555e-1"),  # a float at its exact binary value
    ],
)
def test_examples(q, digits, direction, text):
    assert decimal(q, digits, direction) == text


@given(p=st.integers(-10**12, 10**12).filter(bool), q=st.integers(1, 10**12),
       digits=st.integers(1, 12))
def test_directed_rounding_brackets_the_value(p, q, digits):
    value = Q(p, q)
    assert Q(decimal(value, digits, "down")) <= value <= Q(decimal(value, digits, "up"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="direction='sideways'"):
        decimal(1, 3, "sideways")
    with pytest.raises(ValueError, match="digits=0"):
        decimal(1, 0)
