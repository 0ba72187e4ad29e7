"""The gadget: exact orthogonal D, A A^T = ||a||^2 I, matrix distances, samples, oracles."""

from __future__ import annotations

import gmpy2
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import certified_error
from oracle.exact import enclose
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import bounds, is_zero
from theorems.instances.distance import operator_norm_enclosure
from theorems.instances.gadget import (
    OrthogonalMatrix,
    cayley_matrix,
    dct_matrix,
    member,
    orthogonal,
)
from theorems.instances.problems import P1, P2, P3
from theorems.instances.strategies import d_kinds, members


def _ball_zero_matrix(M: sympy.Matrix, bits: int = 120) -> bool:
    """Every entry's ball contains 0 and is narrow (containment AND width)."""
    for e in M:
        b = enclose(e, bits)
        if not (b.contains(0) and b.rad() < 2.0 ** -(bits - 8)):
            return False
    return True


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_dct_is_orthogonal_and_has_the_constant_first_row(m):
    C = dct_matrix(m)
    assert all(e == 1 / sympy.sqrt(m) for e in C.row(0))
    assert _ball_zero_matrix(C * C.T - sympy.eye(m))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 7), st.integers(0, 10**6))
def test_cayley_is_exactly_orthogonal_rational_and_reproducible(m, seed):
    Q = cayley_matrix(m, seed)
    assert all(isinstance(e, sympy.Rational) for e in Q)
    assert Q * Q.T == sympy.eye(m)  # exact
    assert Q == cayley_matrix(m, seed)
    D = orthogonal("cayley", m, seed=seed)
    assert D.is_rational and D.matrix == Q


def test_cayley_seeds_give_different_matrices():
    assert len({cayley_matrix(4, s) for s in range(6)}) == 6


def test_orthogonal_validation():
    with pytest.raises(InvalidArgument, match="kind='hadamard'"):
        orthogonal("hadamard", 3)
    with pytest.raises(InvalidArgument, match="m=2"):
        orthogonal(orthogonal("dct", 3), 2)
    with pytest.raises(InvalidArgument, match="seed=None"):
        OrthogonalMatrix("cayley", 3)
    with pytest.raises(InvalidArgument, match="m=0 must be an integer >= 1"):
        orthogonal("identity", 0)
    assert orthogonal("identity", 3).seed is None


def test_member_validation_messages():
    alpha = sympy.sqrt(2) * 1000 / 3
    with pytest.raises(InvalidArgument, match="m=4 must be < N=4"):
        member(P3(1), alpha=alpha, N=4, m=4)
    with pytest.raises(InvalidArgument, match="j=4 must be in 1..N1=3"):
        member(P3(1), alpha=alpha, N=4, m=2, j=4, n=1)
    with pytest.raises(InvalidArgument, match="give both"):
        member(P3(1), alpha=alpha, N=4, m=2, j=1)
    with pytest.raises(InvalidArgument, match="n=-1"):
        member(P3(1), alpha=alpha, N=4, m=2, j=1, n=-1)
    with pytest.raises(InvalidType, match="alpha=4.5"):
        member(P3(1), alpha=4.5, N=4, m=2)
    with pytest.raises(InvalidArgument, match="alpha=-2 must be > 0"):
        member(P3(1), alpha=-2, N=4, m=2)
    with pytest.raises(InvalidArgument, match=r"contents\[0\] has length 2"):
        member(P3(1), alpha=alpha, N=4, m=2, contents=[[1, 2]])
    with pytest.raises(InvalidType, match=r"contents\[0\]\[0\]=0.5"):
        member(P3(1), alpha=alpha, N=4, m=2, contents=[[0.5]])
    with pytest.raises(InvalidArgument, match=r"switch\[0\]=0 must be > 0"):
        member(P3(1), alpha=alpha, N=4, m=2, switch=[0])


def test_member_structure_by_hand():
    alpha = sympy.sqrt(2) * 1000 / 3
    mb = member(P2(1), alpha=alpha, N=5, m=3, j=2, n=3, contents=[[1, "-1/2"]])
    assert (mb.N1, mb.N2, mb.R, mb.eps) == (3, 2, 1, sympy.Rational(1, 16))
    assert mb.a == (alpha, alpha + sympy.Rational(1, 16), alpha)
    assert mb.a_j == alpha + sympy.Rational(1, 16) and mb.tie.a_j == alpha
    assert mb.A == mb.B  # D = identity
    assert list(mb.samples[0]) == [1, 1, sympy.Rational(-1, 2)]
    assert mb.z(0) == (1, 1, sympy.Rational(-1, 2))
    assert mb.tie.is_tie and not mb.is_tie and mb.tie.eps == 0
    assert mb.sibling(1, 3).j == 1 and "j=2 n=3" in mb.label()


@settings(max_examples=40, deadline=None)
@given(members())
def test_A_At_is_norm_a_squared_times_identity(mb):
    """A A^T = ||a||^2 I: exactly when D is rational, with narrow balls containing 0 for DCT."""
    A = mb.A
    target = mb.norm_a_squared * sympy.eye(mb.m)
    if mb.D.is_rational:
        G = A * A.T - target
        assert all(is_zero(e) for e in G)
        # D = orthogonal exactly
        assert mb.D.matrix * mb.D.matrix.T == sympy.eye(mb.m)
    else:
        assert _ball_zero_matrix(A * A.T - target)


@settings(max_examples=40, deadline=None)
@given(members(tie=False), st.data())
def test_matrix_distances_between_members(mb, data):
    """||A^(i) - A^(j)|| = sqrt(2) eps, ||A^(j) - A^tie|| = eps; the samples coincide."""
    i = data.draw(st.integers(1, mb.N1).filter(lambda i: i != mb.j))
    other = mb.sibling(i, mb.n)
    eps = gmpy2.mpq(1, 2 ** (mb.n + 1))
    sep = operator_norm_enclosure(mb.A - other.A)
    lo, hi = bounds(sympy.sqrt(2) * mb.eps, 120)
    assert sep.lower <= hi and lo <= sep.upper  # contains sqrt(2) eps
    assert sep.width <= eps * gmpy2.mpq(1, 2**60)
    to_tie = operator_norm_enclosure(mb.A - mb.tie.A)
    assert to_tie.contains(eps) and to_tie.width <= eps * gmpy2.mpq(1, 2**60)
    assert other.samples == mb.samples == mb.tie.samples


@settings(max_examples=10, deadline=None)
@given(members(max_N=4), st.integers(0, 40))
def test_member_oracle_serves_certified_data(mb, n):
    o = mb.oracle()
    assert o.shape == (mb.m, mb.N) and o.num_samples == mb.R
    assert certified_error(o.matrix(n), mb.A) <= gmpy2.mpq(1, 2**n)
    assert certified_error(o.sample(0, n), mb.samples[0]) <= gmpy2.mpq(1, 2**n)
    # the oracles of one member share the exact data (and its cached enclosures)
    assert mb.oracle().exact_data is o.exact_data


@settings(max_examples=10, deadline=None)
@given(members(max_N=4, D=d_kinds()), st.data())
def test_D_changes_neither_residual_norms_nor_solution_data(mb, data):
    """||A x - y|| = ||B x - z|| for an exact rational x (checked with balls)."""
    xs = data.draw(st.lists(st.fractions(-2, 2, max_denominator=5), min_size=mb.N,
                            max_size=mb.N))
    x = sympy.Matrix([sympy.Rational(f.numerator, f.denominator) for f in xs])
    r_A = mb.A * x - mb.samples[0]
    r_B = mb.B * x - sympy.Matrix(mb.z(0))
    diff = sum(e**2 for e in r_A) - sum(e**2 for e in r_B)
    b = enclose(diff, 100)
    assert b.contains(0) and b.rad() < 2.0**-90


def test_members_are_hashable_values():
    alpha = sympy.Integer(5)
    a = member(P1(0), alpha=alpha, N=3, m=2, j=1, n=2)
    b = member(P1(0), alpha=alpha, N=3, m=2, j=1, n=2)
    assert a == b and hash(a) == hash(b) and a != a.sibling(2, 2)
