"""The oracle's central promise, checked independently of the oracle's own bound."""

import gmpy2
import sympy
from hypothesis import given
from hypothesis import strategies as st

from oracle import Oracle, certified_error
from oracle.strategies import exact_matrices, exact_vectors, levels


def _independent_value(expr: sympy.Expr, digits: int) -> gmpy2.mpq:
    """A high-precision value from SymPy's evalf (not rigorous, but independent of arb and
    far more precise than any level tested)."""
    f = sympy.N(expr, digits)
    if not hasattr(f, "_mpf_"):
        return gmpy2.mpq(int(f))
    sign, man, exp, _ = f._mpf_  # the raw (sign, mantissa, exponent, bitcount) of SymPy's Float
    return (-1) ** sign * gmpy2.mpq(int(man)) * gmpy2.mpq(2) ** int(exp)


def _squared_distance(approx, exact_entries, digits):
    return sum(
        (gmpy2.mpq(q) - _independent_value(e, digits)) ** 2
        for q, e in zip(approx, exact_entries, strict=True)
    )


@given(A=exact_matrices(), y=st.data(), n=levels(300), tighten=st.integers(0, 3))
def test_matrix_and_sample_within_promise(A, y, n, tighten):
    sample = y.draw(exact_vectors(A.rows))
    oracle = Oracle(A, [sample], tighten=tighten)
    target = n + tighten
    digits = int(target * 0.302) + 40  # about 130 bits beyond the target
    limit = gmpy2.mpq(1, 4**target)
    An = oracle.matrix(n)
    # Frobenius^2 >= operator-norm^2, so this proves the operator-norm promise up to evalf's
    # (far smaller) error; the margin 1 - 2^-40 absorbs that error.
    frob2 = _squared_distance(list(An.flatten()), list(A), digits)
    assert frob2 <= limit * (1 - gmpy2.mpq(1, 2**40))
    yn = oracle.sample(0, n)
    assert _squared_distance(list(yn), list(sample), digits) <= limit * (1 - gmpy2.mpq(1, 2**40))
    # and the oracle's recorded bound is a genuine bound, below the promise
    for record in oracle.reads:
        assert record.bound <= gmpy2.mpq(1, 2**target)


def test_answers_are_dyadic_rationals():
    A = sympy.Matrix([[sympy.sqrt(2), sympy.pi], [sympy.E, sympy.Rational(1, 3)]])
    An = Oracle(A, []).matrix(50)
    assert An.dtype == object and An.shape == (2, 2)
    for q in An.flatten():
        assert isinstance(q, type(gmpy2.mpq(0)))
        d = int(q.denominator)
        assert d & (d - 1) == 0  # power of two


def test_exact_rational_data_error_is_small_and_certified_error_is_tight():
    A = sympy.Matrix([[sympy.Rational(1, 3), 2]])
    An = Oracle(A, []).matrix(20)
    exact = gmpy2.mpq(1, 3)
    true_err = abs(An[0, 0] - exact)
    bound = certified_error(An, A)
    assert true_err <= bound <= gmpy2.mpq(1, 2**20)
    assert bound <= true_err * (1 + gmpy2.mpq(1, 2**30))  # tight: rational data is exact


def test_certified_error_of_a_far_approximation():
    A = sympy.Matrix([[sympy.sqrt(2), 0], [0, sympy.sqrt(2)]])
    approx = [[gmpy2.mpq(1), gmpy2.mpq(0)], [gmpy2.mpq(0), gmpy2.mpq(1)]]
    bound = certified_error(approx, A)
    # ||(1 - sqrt 2) I||_2 = sqrt(2) - 1; the bound must contain it and be tight
    assert gmpy2.mpq(41421356, 10**8) <= bound <= gmpy2.mpq(41421357, 10**8)
