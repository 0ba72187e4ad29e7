"""Defects found by the adversarial review of the oracle, each pinned by a test that failed
before its fix, and properties of the referee checked against an independent computation."""

import copy
import pickle

import cloudpickle
import gmpy2
import mpmath
import numpy as np
import pytest
import sympy
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle import (
    DCT2,
    AdversarialOracle,
    Budget,
    BudgetExceeded,
    CertifiedVector,
    ComplexAnswer,
    ExactData,
    FormulaVector,
    InvalidArgument,
    InvalidType,
    Oracle,
    admissible,
    certified_error,
)
from oracle.certify import spectral_norm_upper
from oracle.exact import MAX_BITS, arb_mid_mpq, arb_rad_mpq

MPQ = gmpy2.mpq
A = sympy.Matrix([[sympy.sqrt(2), sympy.Rational(1, 3)], [sympy.pi, -sympy.E]])
YS = [sympy.Matrix([sympy.sqrt(3), 1]), sympy.Matrix([sympy.log(2), sympy.Rational(2, 7)])]


# ------------------------------------------------------------------ 1. integers of every type
# Before: gmpy2.mpz and sympy.Integer levels, indices and sizes were refused with the
# self-contradictory message "n=3 must be a non-negative integer".
@pytest.mark.parametrize("three", [3, np.int16(3), np.uint64(3), gmpy2.mpz(3), sympy.Integer(3)])
def test_every_integral_type_is_an_integer(three):
    one = three - 2
    reference = Oracle(A, YS)
    o = Oracle(A, YS, tighten=one, ceiling=three * 100, budget=Budget(max_level=three,
                                                                      max_reads=three))
    assert o.matrix(three).tolist() == reference.matrix(4).tolist()  # tighten 1: level 3 + 1
    assert o.sample(one, three).tolist() == reference.sample(1, 4).tolist()
    assert [r.key for r in o.reads] == [("matrix", None, 3), ("sample", 1, 3)]
    assert all(type(v) is int for r in o.reads for v in r.key[1:] if v is not None)
    assert o.budget == Budget(max_level=3, max_reads=3)
    assert type(o.budget.max_level) is int and type(o.budget.max_reads) is int
    An = o.matrix(three)
    assert certified_error(An, A, bits=three * 30) <= MPQ(1, 2**4)
    assert admissible(An, A, three)
    assert Oracle(DCT2(three)).matrix(three).shape == (3, 3)
    assert Oracle(None, [FormulaVector(three, lambda i: i)], shape=(three, one)).sample(0, 2
                                                                                    ).shape == (3,)
    vec = CertifiedVector(three, lambda prec: [arb(1)] * 3, is_complex=False)
    assert vec.length == 3 and type(vec.length) is int


@pytest.mark.parametrize("bad", [True, np.bool_(True), 3.0, np.float64(3), "3", None])
def test_non_integers_are_still_refused_with_the_value_named(bad):
    o = Oracle(A, YS)
    with pytest.raises(InvalidType, match=r"n=.* must be a non-negative integer"):
        o.matrix(bad)
    with pytest.raises(InvalidType, match=r"k=.* must be an integer sample index"):
        o.sample(bad, 1)
    assert o.reads == ()


# ------------------------------------------------------------------ 2. which part
# Before: exact_entries(-1) silently gave the LAST sample (Python's negative indexing),
# exact_entries(5) raised a bare IndexError and exact_entries("x") a bare TypeError;
# part(np.int64(0)) was refused and part(True) was taken for sample 1.
def test_exact_entries_and_part_validate_the_sample_index():
    data = ExactData(A, YS)
    for bad in (-1, 2, 5, "x", "a", True, np.bool_(False), 0.0, None):
        with pytest.raises(InvalidArgument, match=r"which=.* must be 'A' or a sample index 0\.\.1"):
            data.exact_entries(bad)
        with pytest.raises(InvalidArgument, match=r"which="):
            data.part(bad)
        with pytest.raises(InvalidArgument, match=r"which="):
            data.balls(bad, 10)
    assert data.exact_entries(np.int64(1)) == data.exact_entries(1) == list(YS[1])
    assert data.part(np.int64(1)).balls(20) == data.part(1).balls(20)
    assert data.part(gmpy2.mpz(0)).which == 0 and type(data.part(gmpy2.mpz(0)).which) is int
    with pytest.raises(InvalidArgument, match="no samples"):
        ExactData(A).part(0)


@pytest.mark.parametrize("matrix", [A, DCT2(2)])
def test_balls_refuse_a_non_integer_bits(matrix):
    vec = CertifiedVector(2, lambda prec: [arb(1), arb(2)], is_complex=False)
    data = ExactData(matrix, [vec])
    for which in ("A", 0):
        with pytest.raises(InvalidType, match=r"bits=10.5 must be an integer"):
            data.balls(which, 10.5)


# ------------------------------------------------------------------ 3. real formula samples
# Before: FormulaVector(..., is_complex=False) with a non-real value was served as complex,
# although its documentation says a non-real entry is refused without is_complex=True.
def test_a_real_formula_vector_refuses_a_non_real_entry():
    with pytest.raises(InvalidArgument, match=r"samples\[0\]\[1\]=I is not real"):
        Oracle([[1], [2]], [FormulaVector(2, lambda i: sympy.I * i)])
    o = Oracle([[1], [2]], [FormulaVector(2, lambda i: sympy.I * i, is_complex=True)])
    y = o.sample(0, 4)
    assert isinstance(y, ComplexAnswer) and y.imag.tolist() == [0, 1]


# ------------------------------------------------------------------ 4. no route around the log
def _algorithm_capturing(oracle):
    def train(other):
        return oracle.exact_data.A  # reads the data of the oracle it captured

    return train


@pytest.mark.parametrize("make", [lambda: Oracle(DCT2(4), budget=Budget(max_reads=1)),
                                  lambda: Oracle(A, YS),
                                  lambda: AdversarialOracle(ExactData(DCT2(4)), Oracle(DCT2(4)))])
def test_an_oracle_cannot_be_pickled(make):
    # Before: an oracle on formula data pickled (and cloudpickled inside an algorithm, which
    # is how a sealed run ships an algorithm), carrying its exact data into the child and
    # giving an unlogged copy; other oracles failed deep in pickle with an AttributeError
    # about a lambda or a TypeError from python-flint.
    o = make()
    for dumps in (pickle.dumps, cloudpickle.dumps):
        with pytest.raises(InvalidType, match="cannot be pickled: it holds the exact data"):
            dumps(o)
    with pytest.raises(InvalidType, match="cannot be pickled"):
        cloudpickle.dumps(_algorithm_capturing(o))
    with pytest.raises(InvalidType, match=r"ExactData\(m=.*\) cannot be pickled"):
        pickle.dumps(o.exact_data)
    assert o.reads == ()


def test_a_sealed_run_refuses_an_algorithm_that_captured_an_oracle():
    from theorems.sealed.errors import ChildStartError
    from theorems.sealed.runner import pickle_algorithm

    with pytest.raises(ChildStartError, match="cannot be pickled"):
        pickle_algorithm(_algorithm_capturing(Oracle(DCT2(4))))


@pytest.mark.parametrize("data", [DCT2(3), A])
def test_copies_of_an_oracle_are_logged_and_budgeted_by_it(data):
    # Before: copy.deepcopy of an oracle on formula data gave an independent oracle whose reads
    # never reached the original's log or budget (SymPy data: a TypeError from python-flint).
    o = Oracle(data, budget=Budget(max_reads=2))
    deep = copy.deepcopy(o)
    deep.matrix(1)
    assert [r.key for r in o.reads] == [("matrix", None, 1)]
    shallow = copy.copy(o)
    shallow.matrix(2)
    assert o.samples_read == 2 and len(o.reads) == 2
    for clone in (deep, shallow, copy.deepcopy(deep)):
        with pytest.raises(BudgetExceeded, match="max_reads=2"):
            clone.matrix(3)
    assert o.samples_read == 2
    assert copy.deepcopy(o.exact_data) is o.exact_data  # data are immutable in use
    assert deep.matrix(1).tolist() == o.matrix(1).tolist()


# ------------------------------------------------------------------ 5. the spectral bound
def test_largest_upper_end_not_the_first_of_overlapping_balls():
    # python-flint's ``>`` is a certain inequality: for overlapping balls ``max`` keeps the
    # first, whose upper end can be the smaller one (the spectral bound used it).
    from oracle.certify import largest_upper

    low, high = arb(1, 0.5), arb(1.25, 0.5)
    assert max([low, high]) is low  # what the spectral bound used to take
    assert largest_upper([low, high]) is high
    assert largest_upper([high, low]) is high
    def upper(x):
        return arb_mid_mpq(x) + arb_rad_mpq(x)

    assert upper(low) < upper(high) and not (high > low) and not (low > high)


@pytest.mark.parametrize("seed", range(4))
def test_spectral_bound_of_a_circulant_is_proven(seed):
    # rows that are rotations of one another: every row sum of G^(2^p) is the same number,
    # computed with different roundings, and the bound is tight (||F||_2 = sum of a row)
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 5))
    base = [MPQ(int(rng.integers(1, 10)), int(rng.choice([3, 7, 11, 13]))) for _ in range(m)]
    values = [v for i in range(m) for v in base[i:] + base[:i]]
    bound = spectral_norm_upper(values, (m, m))
    assert sum(base) <= bound <= sum(base) * (1 + MPQ(1, 2**20))


# ------------------------------------------------------------------ 6. adversarial providers
def _mp(q):
    return mpmath.mpf(int(q.numerator)) / int(q.denominator)


def _true_error(answer, exact: sympy.Matrix) -> mpmath.mpf:
    """||answer - exact||_2 by mpmath at 60 digits beyond the levels tested (no python-flint)."""
    with mpmath.workdps(80):
        rows, cols = exact.shape
        E = mpmath.matrix(rows, cols)
        for i in range(rows):
            for j in range(cols):
                z = exact[i, j]
                if isinstance(answer, ComplexAnswer):
                    got = mpmath.mpc(_mp(answer.real[i, j]), _mp(answer.imag[i, j]))
                else:
                    got = _mp(answer[i, j])
                E[i, j] = got - mpmath.mpc(sympy.re(z).evalf(90), sympy.im(z).evalf(90))
        return max(mpmath.svd_c(E, compute_uv=False))


_ENTRIES = st.sampled_from([sympy.sqrt(2), sympy.pi / 3, sympy.Rational(-5, 7), sympy.E,
                            sympy.log(3), 1 + sympy.sqrt(5) * sympy.I, sympy.exp(sympy.I)])


@settings(max_examples=25, deadline=None)
@given(entries=st.lists(_ENTRIES, min_size=6, max_size=6), n=st.integers(0, 30),
       tighten=st.integers(0, 2), shifts=st.lists(st.integers(-3, 3), min_size=6, max_size=6),
       scale=st.integers(0, 3))
def test_adversarial_answers_are_within_the_promise_of_the_truth(entries, n, tighten, shifts,
                                                                 scale):
    # the cover is the truth moved by about 2^-(n + tighten + scale - 1) in a few entries: its
    # answers are sometimes admissible, sometimes not; whatever is served must be within
    # 2^-(n + tighten) of the truth in the operator 2-norm, measured without python-flint
    truth = sympy.Matrix(2, 3, entries)
    step = sympy.Rational(1, 2 ** (n + tighten + scale))
    cover = truth + sympy.Matrix(2, 3, [s * step for s in shifts])
    adv = AdversarialOracle(ExactData(truth, complex_matrix=True),
                            Oracle(cover, complex_matrix=True, tighten=tighten + 2),
                            tighten=tighten)
    for level in (n, n + 1):
        answer = adv.matrix(level)
        error = _true_error(answer, truth)
        with mpmath.workdps(80):  # compare at the precision the error was computed at
            limit = mpmath.mpf(2) ** -(level + tighten)
            assert error <= _mp(adv.reads[-1].bound) <= limit
        again = AdversarialOracle(ExactData(truth, complex_matrix=True),
                                  Oracle(cover, complex_matrix=True, tighten=tighten + 2),
                                  tighten=tighten)
        assert again.matrix(level) == answer if isinstance(answer, ComplexAnswer) else (
            again.matrix(level).tolist() == answer.tolist())
        assert again.reads[-1].source == adv.reads[-1].source


def test_the_read_log_tells_more_than_the_answers():
    # what the README warns of: two instances served the same stream by one cover have
    # identical answers but different logged bounds (each is the distance to its own truth),
    # so the log is the harness's, not the algorithm's
    eps = sympy.Rational(1, 2**12)
    cover = Oracle(sympy.Matrix([[sympy.sqrt(2), 1]]), tighten=1)
    one = AdversarialOracle((sympy.Matrix([[sympy.sqrt(2) + eps, 1]]), []), cover.fresh())
    two = AdversarialOracle((sympy.Matrix([[sympy.sqrt(2) - eps, 1]]), []), cover.fresh())
    assert one.matrix(6).tolist() == two.matrix(6).tolist()
    assert one.reads[-1].source == two.reads[-1].source == "cover"
    assert one.reads[-1].bound != two.reads[-1].bound


@pytest.mark.parametrize("module", ["answers", "certify", "convert", "data", "entries",
                                    "errors", "evaluators", "exact", "formula", "oracles"])
def test_the_examples_in_the_docstrings_are_true(module):
    # Before: Oracle's example showed ``mpq(1448,1024)``, which gmpy2 cannot print (it reduces
    # fractions) and which is not the answer (a 1 x 2 matrix at n = 10 is served on the grid
    # 2^-12: mpq(5793,4096)); no test ran the examples.
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"oracle.{module}"),
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_a_sample_converted_by_to_sympy_is_compared_with_its_exact_data():
    # Before: to_sympy(y) is an (m, 1) column, and certified_error / admissible refused it
    # against the sample's own exact data (data.part(k), a CertifiedVector, a FormulaVector,
    # a list) with "approx has shape (2, 1) but exact data has (2,)".
    from oracle import to_sympy

    vec = CertifiedVector(2, lambda prec: [arb.pi(), arb(2).sqrt()], is_complex=False)
    formula = FormulaVector(2, lambda i: [sympy.pi, sympy.sqrt(2)][i])
    o = Oracle([[1], [2]], [YS[0], [sympy.I, sympy.Rational(1, 3)], vec, formula])
    for k, exact in [(0, YS[0]), (0, list(YS[0])), (1, [sympy.I, sympy.Rational(1, 3)]),
                     (2, vec), (3, formula)]:
        y = o.sample(k, 9)
        column_vs_part = certified_error(to_sympy(y), o.exact_data.part(k))
        assert column_vs_part == certified_error(y, o.exact_data.part(k))
        assert certified_error(to_sympy(y), exact) == certified_error(y, exact)
        assert column_vs_part <= MPQ(1, 2**9) and admissible(to_sympy(y), exact, 9)
    with pytest.raises(InvalidArgument, match=r"approx has shape \(1, 2\) but exact"):
        certified_error([[1, 2]], YS[0])  # a row against a column: a transposition, refused


def test_printed_bounds_are_upper_bounds_at_every_level():
    # Before: explain() and the tour printed f"{float(bound):.3e}": "error <= 0.000e+00" for
    # every level beyond about 1,020 (the tour accepts levels up to 4096), and a bound rounded
    # to nearest, so "error <= 2.210e-05" could be printed for a bound of 2.2104e-05.
    import io
    import re

    from rich.console import Console

    from oracle.tour import run_tour

    o = Oracle(A, YS)
    for n in (3, 1500, 2000):
        o.matrix(n)
    printed = re.findall(r"error <= (\S+)", o.explain())
    assert len(printed) == 3
    for text, record in zip(printed, o.reads, strict=True):
        mantissa, exponent = text.split("e")
        shown = MPQ(mantissa) * MPQ(10) ** int(exponent)
        assert record.bound <= shown <= record.bound * (1 + MPQ(1, 100))
    out = io.StringIO()
    run_tour(Console(file=out, width=200), levels=(1100,))
    assert "0.000e+00" not in out.getvalue() and "(2^-1100 = 7.363e-332)" in out.getvalue()
    from oracle.certify import format_upper

    assert format_upper(MPQ(22104, 10**9)) == "2.211e-05"
    assert format_upper(MPQ(1, 2**2000)) == "8.710e-603"  # 2^-2000 = 8.7098...e-603
    assert format_upper(0) == "0.000e+00" and format_upper(MPQ(1, 1000)) == "1.000e-03"
    assert format_upper(MPQ(99996, 10**4)) == "1.000e+01"  # 9.9996 rounds up to 10
    assert format_upper(MPQ(1, 2**MAX_BITS)).endswith("e-78914")


def test_an_exact_data_with_more_samples_is_refused_by_name():
    # Before: "A has type ExactData; pass a sympy.Matrix, nested lists or a 2-D object
    # array", although Oracle(data) accepts an ExactData.
    data = ExactData(A, YS)
    with pytest.raises(InvalidArgument, match=r"A is ExactData\(m=2, N=2, R=2\), which holds "
                                              r"its own samples"):
        Oracle(data, [YS[0]])
    assert Oracle(data, []).num_samples == Oracle(data).num_samples == 2


@pytest.mark.parametrize("entry", [sympy.asin(2), 2 * sympy.cbrt(-8), sympy.acos(3)])
def test_a_complex_number_written_without_i_is_refused_with_a_hint_where_complex_is_allowed(
        entry):
    # Before: a sample (which may be complex) holding asin(2) or (-8)**(1/3) was refused with
    # "is not real; the testbed uses real data", which is false for samples.
    hint = r"is not real, and a complex entry must be written with I, as a \+ b\*I"
    with pytest.raises(InvalidArgument, match=r"samples\[0\]\[1\]=.*" + hint):
        Oracle([[1], [2]], [[1, entry]])
    with pytest.raises(InvalidArgument, match=r"A\[0, 0\]=.*" + hint):
        Oracle([[entry]], complex_matrix=True)
    for real_only in (lambda: Oracle([[entry]]),
                      lambda: Oracle([[1]], [FormulaVector(1, lambda i: entry)])):
        with pytest.raises(InvalidArgument, match="is not real; the testbed uses real data"):
            real_only()
    with pytest.raises(InvalidArgument, match="zoo is not real; the testbed uses real data"):
        Oracle([[1]], [[sympy.zoo]])  # infinite: no hint


# ------------------------------------------------------------------ 7. budgets, a model
_RATIONAL = ([[MPQ(1, 3), 2]], [[MPQ(2, 7)], [5]])
_LIMIT = st.one_of(st.none(), st.integers(0, 4))


@settings(max_examples=60, deadline=None)
@given(limits=st.lists(st.tuples(_LIMIT, _LIMIT), min_size=3, max_size=3),
       parents=st.tuples(st.just(None), st.just(0), st.integers(0, 1)),
       ceiling=st.integers(0, 6),
       reads=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["matrix", 0, 1]),
                                st.integers(0, 7)), max_size=14))
def test_budgets_are_enforced_exactly_through_every_lineage(limits, parents, ceiling, reads):
    # a model of the rules: a read is served iff, at the oracle and at each of its parents,
    # n <= ceiling and the entry was read there already or fits max_level and max_reads
    oracles, lineage, distinct, logs = [], [], [], []
    for i, ((level, count), parent) in enumerate(zip(limits, parents, strict=True)):
        budget = Budget(max_level=level, max_reads=count)
        oracles.append(Oracle(*_RATIONAL, budget=budget, ceiling=ceiling) if parent is None
                       else oracles[parent].fresh(budget))
        lineage.append([i] + ([] if parent is None else lineage[parent]))
        distinct.append(set())
        logs.append([])
    for who, what, n in reads:
        key = ("matrix", None, n) if what == "matrix" else ("sample", what, n)

        def fits(j, key=key, n=n):
            level, count = limits[j]
            return n <= ceiling and (key in distinct[j] or (
                (level is None or n <= level) and (count is None or len(distinct[j]) < count)))

        allowed = all(fits(j) for j in lineage[who])
        o = oracles[who]

        def call(o=o, what=what, n=n):
            return o.matrix(n) if what == "matrix" else o.sample(what, n)

        if allowed:
            call()
            for j in lineage[who]:
                distinct[j].add(key)
                logs[j].append(key)
        else:
            with pytest.raises(BudgetExceeded) as info:
                call()
            assert info.value.attempted == key
    for j, o in enumerate(oracles):
        assert [r.key for r in o.reads] == logs[j]
        assert o.samples_read == len(distinct[j])


def test_a_formula_too_large_to_serve_is_refused_when_built():
    # Before: DCT2(100000) was built and Oracle(DCT2(100000)) died in numpy ("Unable to
    # allocate 74.5 GiB"); FormulaMatrix((10**5, 10**5), entry) called entry 10^10 times.
    from oracle import DFT, FormulaMatrix, LimitExceeded
    from oracle.formula import MAX_ENTRIES

    calls = []
    for build in (lambda: DCT2(100_000), lambda: DFT(4097),
                  lambda: FormulaMatrix((10**5, 10**5), lambda i, j: calls.append(1)),
                  lambda: FormulaVector(MAX_ENTRIES + 1, lambda i: calls.append(1))):
        with pytest.raises(LimitExceeded, match=r"entries, beyond the limit MAX_ENTRIES=16777216"):
            build()
    assert calls == [] and DCT2(4096).size == MAX_ENTRIES


def test_certified_error_takes_numpy_integer_entries():
    # Before: an object array or list holding numpy integers (what indexing an int array
    # gives) was refused with "approx[0, 0]=1 is not a rational number".
    exact = sympy.Matrix([[1, sympy.Rational(1, 4)], [3, 4]])
    mixed = [[np.int32(1), MPQ(1, 4)], [np.uint8(3), np.int64(4)]]
    assert certified_error(mixed, exact) == 0 and admissible(mixed, exact, 100)
    assert certified_error(np.array(mixed, dtype=object), exact) == 0


def test_equal_to_a_non_dyadic_rational_is_a_tiny_bound_not_zero():
    # what the docstring now says (it claimed exactly 0 for any rational data): 1/3 is
    # enclosed in a ball of positive radius, at most 2^-bits
    exact = sympy.Matrix([sympy.Rational(1, 3)])
    bound = certified_error([MPQ(1, 3)], exact, bits=100)
    assert 0 < bound <= MPQ(1, 2**100)
    assert certified_error([MPQ(1, 4)], sympy.Matrix([sympy.Rational(1, 4)])) == 0
    with pytest.raises(InvalidType, match=r"approx\[0\]='x' \(of type str\) is not a rational"):
        certified_error(["x"], sympy.Matrix([1]))


# ------------------------------------------------------------------ 8. formulas of odd size
@pytest.mark.parametrize("N", [3, 5, 7])
def test_dft_and_dct_of_odd_size_keep_the_promise_against_mpmath(N):
    # the existing checks use N = 1, 2, 4, 6, 16 for the DFT; odd and prime N have no real
    # entries besides row and column 0, and the DCT-II's angles do not repeat in the same way
    from oracle import DFT

    for n, tighten in [(0, 0), (33, 2), (200, 0)]:
        dft, dct = Oracle(DFT(N), tighten=tighten), Oracle(DCT2(N), tighten=tighten)
        F, C = dft.matrix(n), dct.matrix(n)
        with mpmath.workdps(90):
            E = mpmath.matrix(N, N)
            D = mpmath.matrix(N, N)
            for j in range(N):
                for k in range(N):
                    exact = mpmath.expjpi(mpmath.mpf(-2 * j * k) / N) / mpmath.sqrt(N)
                    E[j, k] = mpmath.mpc(_mp(F.real[j, k]), _mp(F.imag[j, k])) - exact
                    c = mpmath.sqrt(mpmath.mpf(1 if j == 0 else 2) / N)
                    D[j, k] = _mp(C[j, k]) - c * mpmath.cospi(mpmath.mpf(2 * k + 1) * j / (2 * N))
            limit = mpmath.mpf(2) ** -(n + tighten)
            assert max(mpmath.svd_c(E, compute_uv=False)) <= _mp(dft.reads[-1].bound) <= limit
            assert max(mpmath.svd_r(D, compute_uv=False)) <= _mp(dct.reads[-1].bound) <= limit


def test_irrational_atoms_can_be_rational_as_the_docstring_now_says():
    # Before: documented as "single irrational building blocks", yet cos(pi*7/7) = -1 and
    # exp(0) = 1 are drawn; a user relying on irrationality must filter
    from hypothesis import find

    from oracle.strategies import irrational_atoms

    found = find(irrational_atoms(), lambda x: x.is_rational,
                 settings=settings(max_examples=2000, database=None))
    assert found in (-1, 0, 1, sympy.Rational(-1, 2), sympy.Rational(1, 2))


def test_balls_of_a_formula_of_exact_values():
    # Before: Formula.balls(bits) (public) raised "length=0 must be a positive int" for a
    # FormulaMatrix of exact values, pattern() "positions in 0..-1", distinct_balls() a bare
    # AssertionError.
    from oracle import FormulaMatrix

    def same(x, y):
        return all(a.mid() == b.mid() and a.rad() == b.rad() for a, b in zip(x, y, strict=True))

    values = FormulaMatrix((2, 2), lambda i, j: A[i, j])
    assert same(values.balls(90), ExactData(A).balls("A", 90))
    vector = FormulaVector(2, lambda i: [1 + sympy.I, sympy.sqrt(3)][i], is_complex=True)
    expected = ExactData(None, [[1 + sympy.I, sympy.sqrt(3)]], shape=(2, 1)).balls(0, 70)
    assert len(expected) == 4 and same(vector.balls(70), expected)
    for call in (lambda: values.enclose(10), values.pattern, lambda: values.distinct_balls(64)):
        with pytest.raises(InvalidArgument, match="compiled like a SymPy matrix of its values"):
            call()
    closures = FormulaMatrix((1, 1), lambda i, j: (lambda prec: arb(2).sqrt()))
    assert closures.balls(50)[0].rad() <= 2.0**-50  # closures: unchanged


@pytest.mark.parametrize("bits", [10.5, "10", None, True])
def test_enclose_of_an_evaluator_or_formula_names_a_bad_bits(bits):
    # Before: CertifiedVector.enclose / Formula.balls raised Python's own TypeError from
    # inside the precision schedule ("unsupported operand type(s) for <<"), or took True as 1.
    vec = CertifiedVector(1, lambda prec: [arb(2).sqrt()], is_complex=False)
    for call in (lambda: vec.enclose(bits), lambda: DCT2(2).balls(bits)):
        with pytest.raises(InvalidType, match=r"bits=.* must be an integer"):
            call()


def test_a_rational_string_longer_than_4300_digits_is_exact_data():
    # Before: Python's limit on converting text to int surfaced as a raw ValueError ("Exceeds
    # the limit (4300 digits) for integer string conversion") from as_exact and Oracle.
    from oracle import as_exact

    digits = "9" * 5000
    big = int(digits[:4000]) * 10**1000 + int(digits[4000:])  # built without int(str)
    assert as_exact(digits) == big and as_exact(f"-1/{digits}") == sympy.Rational(-1, big)
    assert Oracle([[digits]]).matrix(1)[0, 0] == big


# ------------------------------------------------------------------ 9. history independence
_NEAR = -sympy.Rational(1, 2**12) - sympy.sqrt(2) / 2**200  # near a rounding tie at level 9


def _history_data() -> ExactData:
    return ExactData([[_NEAR, sympy.pi], [sympy.sqrt(2), _NEAR]],
                     [[_NEAR, sympy.E], [sympy.sqrt(3) + _NEAR * sympy.I, 1]])


@settings(max_examples=30, deadline=None)
@given(reads=st.lists(st.tuples(st.sampled_from(["A", 0, 1]),
                                st.sampled_from([0, 7, 8, 9, 10, 40, 300])),
                      min_size=1, max_size=8),
       tighten=st.integers(0, 2), shared=st.booleans())
def test_answers_and_bounds_depend_on_the_query_alone(reads, tighten, shared):
    # one oracle reads in the drawn order, another (on the same data object, whose caches it
    # then shares, or on a separate build) in the reverse order; every query gets the same
    # answer and the same logged bound, and so does an adversary whose cover is honest
    data = _history_data()
    one = Oracle(data, tighten=tighten)
    two = Oracle(data if shared else _history_data(), tighten=tighten)
    cover = Oracle(_history_data(), tighten=tighten + 1)
    adv_one = AdversarialOracle(data, cover.fresh(), tighten=tighten)
    adv_two = AdversarialOracle(_history_data(), cover.fresh(), tighten=tighten)

    def ask(o, which, n):
        got = o.matrix(n) if which == "A" else o.sample(which, n)
        values = (got.real.tolist(), got.imag.tolist()) if isinstance(got, ComplexAnswer) \
            else got.tolist()
        return values, o.reads[-1].bound, o.reads[-1].source

    first = {q: ask(one, *q) for q in reads}
    second = {q: ask(two, *q) for q in reversed(reads)}
    assert first == second
    adversarial = {q: ask(adv_one, *q) for q in reads}
    assert adversarial == {q: ask(adv_two, *q) for q in reversed(reads)}
