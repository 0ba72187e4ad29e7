"""Review of certify.py: the float screening bound of ``Z^T v`` on adversarial integers
(cancellation, 400-bit entries, limb and shift boundaries), the exact limb-split products, and
the argument checks of the metric constants."""

from __future__ import annotations

import gmpy2
import numpy as np
import pytest
from flint import fmpz_mat
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.certify import (
    ExactIntegerOperator,
    _product,
    ceil_sqrt,
    pd_metric_bounds,
    split_limbs,
)
from algorithms.errors import InexactInput, InvalidArgument, InvalidType

Q = gmpy2.mpq

# integers at the boundaries that matter: the 60-bit shift of v, the 53-bit doubles, 400 bits
_edges = [0, 1, -1, 2**52 + 1, 2**53 + 1, 2**60 - 1, 2**60, -(2**60), 2**61 - 1, -(2**400) + 1,
          2**400 - 1, 2**399 + 2**346 + 1]
_ints = lambda bits: st.one_of(  # noqa: E731
    st.sampled_from([e for e in _edges if abs(e).bit_length() <= bits]),
    st.integers(-(2**bits) + 1, 2**bits - 1))


def _check_estimate(Z: list[list[int]], v: list[int]) -> None:
    op = ExactIntegerOperator(np.array([[Q(a) for a in row] for row in Z], dtype=object))
    a, r, s = op.adjoint_estimate(v)
    exact = op.adjoint(v).entries()
    for i, e in enumerate(exact):
        assert abs(Q(int(e), 2**s) - Q(float(a[i]))) <= Q(float(r[i])), (i, int(e))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), m=st.integers(1, 6), n=st.integers(1, 5),
       zbits=st.sampled_from([1, 53, 60, 61, 200, 400]),
       vbits=st.sampled_from([0, 1, 53, 60, 61, 62, 300, 2000]))
def test_adjoint_estimate_bounds_the_exact_product_on_adversarial_integers(data, m, n, zbits,
                                                                             vbits) -> None:
    Z = data.draw(st.lists(st.lists(_ints(zbits), min_size=n, max_size=n), min_size=m,
                           max_size=m))
    v = data.draw(st.lists(_ints(vbits), min_size=m, max_size=m))
    _check_estimate(Z, v)


@given(x=st.integers(-(2**400) + 1, 2**400 - 1), d=st.integers(-(2**40), 2**40),
       k=st.integers(0, 1500))
def test_adjoint_estimate_survives_catastrophic_cancellation(x, d, k) -> None:
    """(Z^T v)_0 = X v - (X - d) v = d v: the doubles of X and X - d agree, the float product
    is 0 or far off, and the radius must still cover the exact value."""
    v = 2**k + 1
    Z = [[x, 1], [-(x - d), -1]]
    _check_estimate(Z, [v, v])
    _check_estimate(Z, [v, -v])


@given(xs=st.lists(st.one_of(st.sampled_from(_edges), st.integers(-(2**700), 2**700)),
                   min_size=1, max_size=6))
def test_split_limbs_recombines_exactly(xs) -> None:
    limbs, k = split_limbs(xs)
    assert limbs.shape == (len(xs), k)
    for x, row in zip(xs, limbs.tolist(), strict=True):
        assert sum(int(c) << (60 * j) for j, c in enumerate(row)) == x
        assert all(abs(c) < 2**60 and (c == 0 or (c < 0) == (x < 0)) for c in row)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([62, 130, 600, 700]),
       scale=st.sampled_from([1, 3, -(2**70)]))
def test_limb_split_product_equals_the_plain_product(seed, bits, scale) -> None:
    rng = np.random.default_rng(seed)
    m, n = 256, 256                                  # m n >= 65536: the split path
    M = fmpz_mat(m, n, [int(a) for a in rng.integers(-(2**20), 2**20, m * n)])
    x = [int(a) << (bits - 62) for a in rng.integers(-(2**62), 2**62, n)]
    x[0] = -(2**bits) + 1
    x[1] = 0
    want = M * fmpz_mat(n, 1, x) * scale
    assert _product(M, x, scale) == want


def test_metric_constants_check_their_arguments() -> None:
    a, b, c = pd_metric_bounds(Q(1, 2), Q(1, 2), Q(1))
    assert a * a >= 2 and c * c * (2 - Q(1, 2)) >= 1
    with pytest.raises(InvalidArgument, match="tau sigma L\\^2 = 1 must be < 1"):
        pd_metric_bounds(Q(1), Q(1), Q(1))               # ZeroDivisionError before
    with pytest.raises(InvalidArgument, match="tau and sigma must be > 0"):
        pd_metric_bounds(Q(-1), Q(1), Q(1))              # 'q=-1 must be >= 0' before
    with pytest.raises(InexactInput, match="tau=0.5"):
        pd_metric_bounds(0.5, Q(1, 2), 1)                # 'q=4.0 is a float' before
    assert pd_metric_bounds(Q(1, 2), "1/2", 1) == (a, b, c)


def test_ceil_sqrt_is_exact_and_checks_its_argument() -> None:
    for n in range(200):
        r = ceil_sqrt(n)
        assert (r - 1) ** 2 < n <= r * r or n == r == 0
    assert ceil_sqrt(10**40) == 10**20 and ceil_sqrt(10**40 + 1) == 10**20 + 1
    with pytest.raises(InvalidArgument, match="n=-1"):
        ceil_sqrt(-1)
    with pytest.raises(InvalidType, match="n=2.0"):
        ceil_sqrt(2.0)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), vbits=st.sampled_from([40, 300]),
       offset=st.sampled_from([-1, 0, 1]), sparse=st.booleans())
def test_screening_keeps_every_entry_at_the_threshold_and_the_largest(seed, vbits, offset,
                                                                      sparse) -> None:
    """The certified FIRENET step screens ``NZ = X cX - c2 Z^T V`` with this module's float
    bound; thresholds placed exactly at, one below and one above an entry's ``|NZ_i|`` must
    never drop an entry that passes (``|NZ_i| > lim``), nor the largest one."""
    from algorithms.solvers.firenet.certified import _screened

    rng = np.random.default_rng(seed)
    m, n = 64, 256
    Zi = rng.integers(-(2**30), 2**30, (m, n))
    op = ExactIntegerOperator(np.array([[Q(int(a)) for a in row] for row in Zi], dtype=object))
    assert op.screenable
    V = [int(a) << (vbits - 40) for a in rng.integers(-(2**40), 2**40, m)]
    Vm = fmpz_mat(m, 1, V)
    X = [0] * n
    supp = sorted(rng.choice(n, 3, replace=False).tolist()) if sparse else []
    for i in supp:
        X[i] = int(rng.integers(-(2**50), 2**50))
    cX, c2 = 3, 5
    full = [X[i] * cX - c2 * int(w) for i, w in enumerate(op.adjoint(V).entries())]
    order = sorted(range(n), key=lambda i: -abs(full[i]))
    lim = abs(full[order[2]]) + offset              # the third largest sits at the threshold
    out = _screened(op, V, Vm, supp, X, cX, c2, [lim], None)
    assert out is not None
    passing = [i for i in range(n) if abs(full[i]) > lim]
    assert set(passing) <= set(out) and order[0] in out
    assert all(out[i] == full[i] for i in out)


def test_exact_integer_operator_reads_exact_spellings_and_refuses_floats() -> None:
    """A float matrix failed with AttributeError ('float' object has no attribute
    'denominator'), a 1-D one with a bare unpacking ValueError."""
    op = ExactIntegerOperator([[1, "1/2"], [3, Q(1, 4)]])
    assert op.D == 4 and op.Z.entries() == [4, 2, 12, 1]
    with pytest.raises(InexactInput, match=r"A\[0, 0\]=.*0.5\)? is a float"):
        ExactIntegerOperator(np.array([[0.5, 1.0]]))
    with pytest.raises(InvalidArgument, match="2-D"):
        ExactIntegerOperator([1, 2])
