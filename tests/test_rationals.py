"""Exact helpers of algorithms.rationals: square-root brackets and exact floors."""

import gmpy2
from hypothesis import given
from hypothesis import strategies as st

from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper

rationals = st.builds(gmpy2.mpq, st.integers(0, 10**80), st.integers(1, 10**80))


@given(q=rationals, bits=st.integers(8, 200))
def test_square_root_bracket_is_rigorous_and_tight(q, bits):
    lo, hi = mpq_sqrt_lower(q, bits), mpq_sqrt_upper(q, bits)
    assert lo * lo <= q <= hi * hi
    if q:
        assert hi - lo <= hi * gmpy2.mpq(1, 2 ** (bits - 2))


@given(q=rationals.filter(bool), bits=st.integers(2, 120))
def test_dyadic_rounding_is_exact_beyond_53_bits(q, bits):
    # gmpy2.floor/ceil round an mpq through a 53-bit float; the helpers must not
    down, up = dyadic_round(q, bits, "down"), dyadic_round(q, bits, "up")
    assert down <= q <= up
    assert up - down <= up * gmpy2.mpq(1, 2 ** (bits - 2))
