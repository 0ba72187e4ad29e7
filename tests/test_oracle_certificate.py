"""The oracle's central promise, checked independently of the oracle's own bound."""

import gmpy2
import pytest
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


def test_spectral_bound_is_rigorous_and_tight():
    import numpy as np

    from oracle.certify import spectral_norm_upper

    rng = np.random.default_rng(7)
    for shape in [(3, 5), (6, 2), (21, 22)]:
        F = rng.integers(-999, 1000, shape)
        values = [gmpy2.mpq(int(v), 997) for v in F.flatten()]
        exact_norm = np.linalg.norm(F / 997, 2)  # float64 reference, good to ~1e-15
        bound = float(spectral_norm_upper(values, shape))
        assert exact_norm * (1 - 1e-12) <= bound <= exact_norm * 1.02


def test_operator_norm_certified_where_frobenius_is_too_pessimistic():
    # E = eps * I_20: ||E||_2 = eps but ||E||_F = sqrt(20) eps
    eps = gmpy2.mpq(1, 2**30)
    n = 20
    exact = sympy.eye(n) * sympy.sqrt(2)
    approx = [[(gmpy2.mpq(0) if i != j else None) for j in range(n)] for i in range(n)]
    sqrt2 = Oracle(exact, []).matrix(200)[0, 0]
    for i in range(n):
        approx[i][i] = sqrt2 + eps
    bound = certified_error(approx, exact)
    assert eps <= bound <= eps * gmpy2.mpq(102, 100)


def test_certified_error_accepts_every_rational_spelling_and_refuses_floats():
    from fractions import Fraction

    from oracle import InexactInput

    exact = sympy.Matrix([sympy.Rational(1, 3), 2, 0])
    for approx in ([Fraction(1, 3), 2, 0], [sympy.Rational(1, 3), sympy.Integer(2), 0],
                   ["1/3", "2", "0"]):
        assert certified_error(approx, exact) <= gmpy2.mpq(1, 2**60)
    with pytest.raises(InexactInput, match=r"approx\[0\]=0.25 is a float"):
        certified_error([0.25, 2, 0], exact)
