"""Exact, directed decimal formatting of certified numbers."""

import re
from fractions import Fraction

import gmpy2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theorems.errors import InvalidArgument, InvalidType
from theorems.formatting import decimal, fixed_places, round_significant

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


# ------------------------------------------------------------------ review (round 3)
def test_numbers_beyond_python_str_limit():
    # certified errors 10^-5000 and 10^5000: decimal() used str() on the numerator and
    # denominator and Python refuses int -> str past 4300 digits (ValueError)
    assert decimal(Q(1, 10**5000), 3, "up") == "1e-5000"
    assert decimal(Q(1, 3 * 10**5000), 3, "down") == "3.33e-5001"
    assert decimal(-Q(10**5000) + 1, 3, "down") == "-1e+5000"
    assert decimal(-Q(10**5000) + 1, 3, "up") == "-9.99e+4999"
    assert fixed_places(Q(10**5000) + Q(1, 3), 1) == "1" + "0" * 5000 + ".3"


def test_numpy_and_fraction_inputs_are_the_same_numbers():
    import numpy as np

    assert decimal(np.int64(12345), np.int64(3), "up") == decimal(12345, 3, "up") == "1.24e+4"
    assert decimal(Fraction(1, 3), 3, "down") == decimal(Q(1, 3), 3, "down")
    assert decimal(np.float32(0.5), 3) == "5e-1"
    assert round_significant(0.5, 3) == round_significant(Q(1, 2), 3) == "0.5"
    assert fixed_places(np.int64(7), 2) == "7.00"


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: decimal(float("inf")), InvalidArgument, "q=inf must be finite"),
    (lambda: decimal(float("nan")), InvalidArgument, "q=nan must be finite"),
    (lambda: decimal(None), InvalidType, "q has type NoneType"),
    (lambda: decimal("abc"), InvalidArgument, "q='abc'"),
    (lambda: decimal(1, 3.0), InvalidArgument, "digits=3.0"),
    (lambda: round_significant(Q(1, 3), 0), InvalidArgument, "digits=0"),
    (lambda: fixed_places(Q(1, 3), -1), InvalidArgument, "places=-1"),
    (lambda: fixed_places(float("inf"), 2), InvalidArgument, "q=inf"),
])
def test_bad_input_names_the_parameter(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_fixed_places_rounds_once_and_exactly():
    # the old version divided to 60 significant digits and then rounded again: 1/8 + 1e-65
    # became 0.125 (a tie, to even: 0.12) although it is nearer to 0.13; and |q| >= 1e60
    # raised decimal.InvalidOperation
    assert fixed_places(Q(1, 8) + Q(1, 10**65), 2) == "0.13"
    assert fixed_places(Q(1, 8), 2) == "0.12"  # a true tie goes to even
    assert fixed_places(Q(3, 8), 2) == "0.38"
    assert fixed_places(Q(10**70), 2) == "1" + "0" * 70 + ".00"
    assert fixed_places(Q(-1, 1000), 2) == "-0.00"  # as the Decimal version printed
    assert fixed_places(Q(-5, 2), 0) == "-2"
    assert fixed_places(0, 3) == "0.000"


@given(p=st.integers(-10**15, 10**15), q=st.integers(1, 10**15), places=st.integers(0, 12))
def test_fixed_places_is_the_nearest_with_ties_to_even(p, q, places):
    value = Q(p, q)
    text = fixed_places(value, places)
    assert len(text.split(".")[1]) == places if places else "." not in text
    printed = Q(text)
    step = Q(1, 10**places)
    assert abs(printed - value) <= step / 2
    if abs(printed - value) == step / 2:  # a tie: the last digit is even
        assert int(text[-1]) % 2 == 0


@given(p=st.integers(-10**15, 10**15).filter(bool), q=st.integers(1, 10**15),
       digits=st.integers(1, 10))
def test_round_significant_has_digits_significant_digits(p, q, digits):
    value = Q(p, q)
    printed = Q(round_significant(value, digits))
    # the printed number is the nearest with `digits` significant digits: its error is at
    # most half a unit in the last place, 10^(e - digits) / 2 with 10^(e-1) <= |value| < 10^e
    e = len(str(abs(p))) - len(str(q))
    while abs(value) >= Q(10) ** e:
        e += 1
    while abs(value) < Q(10) ** (e - 1):
        e -= 1
    assert abs(printed - value) <= Q(10) ** (e - digits) / 2
