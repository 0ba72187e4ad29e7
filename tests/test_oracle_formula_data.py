"""Data given by a formula over its indices (oracle.formula, issue 13).

A formula oracle must serve the same dyadics as the oracle on the SymPy matrix of the same
data, with bounds that hold against an independent high-precision evaluation (mpmath, which
shares no code with python-flint), refuse bad input like the rest of the package, and keep
logs and budgets.
"""

from __future__ import annotations

import gmpy2
import mpmath
import numpy as np
import pytest
import sympy
from flint import acb, arb, fmpq

from oracle import (
    DCT2,
    DFT,
    AdversarialOracle,
    Budget,
    BudgetExceeded,
    ComplexAnswer,
    ExactData,
    FormulaMatrix,
    FormulaVector,
    InexactInput,
    InvalidArgument,
    InvalidType,
    NoMatrix,
    Oracle,
    PrecisionError,
    certified_error,
)

MPQ = gmpy2.mpq


def dct_entry(N: int, k: int, i: int) -> sympy.Expr:
    return (sympy.sqrt(sympy.Rational(1 if k == 0 else 2, N))
            * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * N)))


def dct_sympy(N: int) -> sympy.Matrix:
    return sympy.Matrix(N, N, lambda k, i: dct_entry(N, k, i))


def dft_sympy(N: int) -> sympy.Matrix:
    return sympy.Matrix(N, N, lambda j, k: sympy.exp(-2 * sympy.pi * sympy.I * j * k / N)
                        / sympy.sqrt(N))


def as_lists(answer: object) -> object:
    if isinstance(answer, ComplexAnswer):
        return answer.real.tolist(), answer.imag.tolist()
    return answer.tolist()


# ------------------------------------------------------------------ same values as SymPy


@pytest.mark.parametrize("N", [1, 3, 8, 16])
def test_dct2_serves_the_sympy_oracles_values_at_every_level_0_to_300(N):
    formula, reference = Oracle(DCT2(N)), Oracle(dct_sympy(N))
    for n in range(301):
        assert as_lists(formula.matrix(n)) == as_lists(reference.matrix(n)), n


@pytest.mark.parametrize("N, levels", [(32, (0, 1, 7, 53, 100, 300)), (64, (0, 100, 300))])
def test_dct2_serves_the_sympy_oracles_values_at_large_sizes(N, levels):
    formula, reference = Oracle(DCT2(N)), Oracle(dct_sympy(N))
    for n in levels:
        assert as_lists(formula.matrix(n)) == as_lists(reference.matrix(n)), n


@pytest.mark.parametrize("N", [1, 2, 4, 6, 16])
def test_dft_serves_the_sympy_oracles_values(N):
    formula = Oracle(DFT(N))
    reference = Oracle(dft_sympy(N), complex_matrix=True)
    for n in list(range(0, 301, 7)) + [300]:
        got = formula.matrix(n)
        assert isinstance(got, ComplexAnswer) is (N > 2)
        assert as_lists(got) == as_lists(reference.matrix(n)), n


def test_generic_formula_of_exact_values_is_the_sympy_path_exactly():
    N = 12
    formula = Oracle(FormulaMatrix((N, N), lambda k, i: dct_entry(N, k, i)))
    reference = Oracle(dct_sympy(N))
    for n in (0, 30, 200):
        assert as_lists(formula.matrix(n)) == as_lists(reference.matrix(n))
    # the same compiled balls: the same proven bounds in the logs
    assert [r.bound for r in formula.reads] == [r.bound for r in reference.reads]
    assert formula.exact_data.A == sympy.ImmutableMatrix(dct_sympy(N))


def closure_dct(N: int):
    def entry(k: int, i: int):
        def f(prec: int) -> arb:
            c = arb(fmpq(1 if k == 0 else 2, N)).sqrt()
            return c * arb.cos_pi_fmpq(fmpq((2 * i + 1) * k, 2 * N))
        return f
    return entry


def test_generic_formula_of_flint_closures_serves_the_sympy_values():
    N = 16
    formula = Oracle(FormulaMatrix((N, N), closure_dct(N), description="dct by closures"))
    reference = Oracle(dct_sympy(N))
    for n in (0, 5, 64, 250):
        assert as_lists(formula.matrix(n)) == as_lists(reference.matrix(n))


def test_complex_closures_and_formula_samples():
    N = 6

    def entry(j, k):
        return lambda prec: acb(arb(fmpq(-2 * j * k, N))).exp_pi_i() / arb(N).sqrt()

    formula = Oracle(FormulaMatrix((N, N), entry, is_complex=True))
    assert as_lists(formula.matrix(40)) == as_lists(
        Oracle(dft_sympy(N), complex_matrix=True).matrix(40))
    y_exact = [sympy.sqrt(i + 2) for i in range(N)]
    samples = [FormulaVector(N, lambda i: sympy.sqrt(i + 2)),
               FormulaVector(N, lambda i: (lambda prec: arb(i + 2).sqrt()))]
    o = Oracle(DFT(N), samples)
    reference = Oracle(dft_sympy(N), [y_exact], complex_matrix=True)
    assert o.sample(0, 90).tolist() == o.sample(1, 90).tolist() == reference.sample(0, 90).tolist()
    assert o.exact_data.samples[1] is samples[1]  # shown as itself, like a CertifiedVector
    assert o.exact_data.exact_entries(0) == y_exact


# ------------------------------------------------------------------ certified bounds


def to_mpf(q: gmpy2.mpq) -> mpmath.mpf:
    """A rational as an mpmath number (exact for the dyadics served here)."""
    return mpmath.mpf(int(q.numerator)) / int(q.denominator)


def mpmath_frobenius_gap(answer: object, exact: sympy.Matrix, prec: int) -> mpmath.mpf:
    """``||answer - exact||_F`` in mpmath at ``prec`` bits, entry by entry from SymPy's exact
    entries (no python-flint)."""
    with mpmath.workprec(prec):
        if isinstance(answer, ComplexAnswer):
            served = [mpmath.mpc(to_mpf(a), to_mpf(b))
                      for a, b in zip(answer.real.flat, answer.imag.flat, strict=True)]
        else:
            served = [to_mpf(q) for q in answer.flat]
        total = mpmath.mpf(0)
        for q, e in zip(served, exact, strict=True):
            value = sympy.N(e, int(prec * 0.302) + 10)
            total += abs(q - mpmath.mpc(str(sympy.re(value)), str(sympy.im(value)))) ** 2
        return mpmath.sqrt(total)


@pytest.mark.parametrize("formula, exact", [(DCT2(8), dct_sympy(8)), (DFT(5), dft_sympy(5))],
                         ids=["DCT2(8)", "DFT(5)"])
@pytest.mark.parametrize("n", [0, 10, 100, 300])
def test_bounds_hold_against_an_independent_high_precision_evaluation(formula, exact, n):
    o = Oracle(formula, tighten=2)
    answer = o.matrix(n)
    (record,) = o.reads
    assert record.bound <= MPQ(1, 2 ** (n + 2))
    prec = 2 * n + 200
    gap = mpmath_frobenius_gap(answer, exact, prec)
    with mpmath.workprec(prec):
        # mpmath's error is far below 2^-(n + 150); the served bound must dominate the gap
        assert gap <= to_mpf(record.bound) + mpmath.ldexp(1, -(n + 150))
    # and the bound is not vacuous: within a factor 2^40 of the true gap (or both tiny)
    with mpmath.workprec(prec):
        assert to_mpf(record.bound) <= max(gap * 2**40, mpmath.ldexp(1, -(n + 60)))
    assert certified_error(answer, formula) <= MPQ(1, 2 ** (n + 2))
    assert certified_error(answer, o) <= MPQ(1, 2 ** (n + 2))


def test_a_wrong_answer_is_caught_by_certified_error():
    o = Oracle(DCT2(8))
    answer = o.matrix(50).copy()
    answer[3, 4] += MPQ(1, 2**20)
    assert certified_error(answer, DCT2(8)) > MPQ(1, 2**21)


# ------------------------------------------------------------------ exact SymPy form


def test_builtins_build_the_sympy_matrix_lazily():
    data = ExactData(DCT2(6))
    assert data.A == sympy.ImmutableMatrix(dct_sympy(6))
    assert data.exact_entries("A") == list(dct_sympy(6))
    assert data.part("A").shape == (6, 6)
    dft = ExactData(DFT(4))
    assert sympy.simplify(dft.A - sympy.ImmutableMatrix(dft_sympy(4))) == sympy.zeros(4, 4)
    assert dft.is_complex("A") and not data.is_complex("A")


def test_closure_formulas_have_no_sympy_form_and_say_so():
    data = ExactData(FormulaMatrix((3, 3), closure_dct(3)))
    with pytest.raises(InvalidArgument, match="no exact SymPy form"):
        _ = data.A
    with pytest.raises(InvalidArgument, match="no exact SymPy form"):
        data.exact_entries("A")
    # everything computed from balls works
    answer = Oracle(data).matrix(30)
    assert certified_error(answer, data.part("A")) <= MPQ(1, 2**30)


def test_with_matrix_and_adversarial_oracle_accept_formulas():
    samples = [[1, 2, 3, 4]]
    base = ExactData(dct_sympy(4), samples)
    other = base.with_matrix(DCT2(4))
    assert other.samples is base.samples
    assert Oracle(other).matrix(40).tolist() == Oracle(base).matrix(40).tolist()
    cover = Oracle(dct_sympy(4), samples)
    adversary = AdversarialOracle(ExactData(DCT2(4), samples), cover)
    assert adversary.matrix(40).tolist() == cover.matrix(40).tolist()
    assert adversary.reads[0].source == "cover"
    assert ExactData.from_formula((4, 4), lambda k, i: dct_entry(4, k, i)).A == base.A


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("N, error", [(0, InvalidArgument), (-3, InvalidArgument),
                                      (2.0, InvalidType), (True, InvalidType),
                                      ("8", InvalidType)])
def test_builtin_sizes_are_validated(N, error):
    for family in (DCT2, DFT):
        with pytest.raises(error, match="N="):
            family(N)


@pytest.mark.parametrize("shape, error", [((0, 3), InvalidArgument), ((3,), InvalidType),
                                          ((2, 2.0), InvalidType), (4, InvalidType),
                                          ((2, True), InvalidType)])
def test_formula_shape_is_validated(shape, error):
    with pytest.raises(error, match="shape="):
        FormulaMatrix(shape, lambda i, j: 1)


def test_bad_formulas_are_refused_with_named_errors():
    with pytest.raises(InvalidType, match="entry="):
        FormulaMatrix((2, 2), [[1, 2], [3, 4]])
    with pytest.raises(InexactInput, match=r"A\[0, 1\]=0.5 is a float"):
        Oracle(FormulaMatrix((2, 2), lambda i, j: 0.5 if j else 1))
    with pytest.raises(InexactInput, match="is a float"):
        Oracle(FormulaMatrix((1, 2), lambda i, j: sympy.sqrt(2) * sympy.Float(0.5)))
    with pytest.raises(InvalidArgument, match="not real"):
        Oracle(FormulaMatrix((1, 2), lambda i, j: sympy.I * j))
    with pytest.raises(InvalidArgument, match="return one kind"):
        FormulaMatrix((1, 2), lambda i, j: 1 if j else (lambda prec: arb(1)))
    floats = FormulaMatrix((1, 2), lambda i, j: (lambda prec: 0.5))
    with pytest.raises(InvalidType, match=r"entry\(0, 0\) returned 0.5 of type float"):
        Oracle(floats).matrix(3)
    complex_in_real = FormulaMatrix((1, 1), lambda i, j: (lambda prec: acb(1, 1)))
    with pytest.raises(InvalidType, match="is_complex=True"):
        Oracle(complex_in_real).matrix(3)
    fixed = FormulaMatrix((1, 1), lambda i, j: (lambda prec: arb(1, 2.0**-20)))
    with pytest.raises(PrecisionError):  # a closure whose radius ignores prec
        Oracle(fixed).matrix(40)


def test_shapes_must_agree():
    with pytest.raises(InvalidArgument, match=r"shape=\(3, 4\)"):
        ExactData(DCT2(4), shape=(3, 4))
    with pytest.raises(InvalidArgument, match="m=4 rows"):
        ExactData(DCT2(4), [FormulaVector(3, lambda i: (lambda prec: arb(i)))])
    with pytest.raises(InvalidArgument, match="needs a FormulaVector"):
        ExactData(DCT2(2), [FormulaMatrix((2, 1), lambda i, j: 1)])
    with pytest.raises(InvalidArgument, match="needs a FormulaMatrix"):
        ExactData(FormulaVector(2, lambda i: 1))
    with pytest.raises(InvalidArgument, match="has shape"):
        certified_error(np.array([[MPQ(1)]], dtype=object), DCT2(2))


def test_matrix_free_problem_with_formula_samples():
    y = FormulaVector(3, lambda i: (lambda prec: arb(i).sqrt()))
    o = Oracle(None, [y], shape=(3, 5))
    with pytest.raises(NoMatrix):
        o.matrix(1)
    assert certified_error(o.sample(0, 64), y) <= MPQ(1, 2**64)


# ------------------------------------------------------------------ logs and budgets


def test_budgets_and_logs_work_for_formulas():
    o = Oracle(DCT2(16), [FormulaVector(16, lambda i: sympy.Rational(i, 3))],
               budget=Budget(max_level=200, max_reads=2))
    first = o.matrix(100)
    again = o.matrix(100)
    assert first.tolist() == again.tolist() and first is not again
    assert not first.flags.writeable
    o.sample(0, 3)
    with pytest.raises(BudgetExceeded, match="max_reads"):
        o.matrix(101)
    with pytest.raises(BudgetExceeded, match="max_level"):
        o.fresh().matrix(201)
    kinds = [(r.kind, r.n, r.cached) for r in o.reads]
    assert kinds == [("matrix", 100, False), ("matrix", 100, True), ("sample", 3, False)]
    assert o.samples_read == 2 and all(r.bound <= MPQ(1, 2**r.n) for r in o.reads)
    assert "3 read(s), 2 distinct entries" in o.explain()


def test_complex_formula_of_exact_values_and_its_certified_error():
    N = 4
    formula = FormulaMatrix((N, N), lambda j, k: sympy.exp(-2 * sympy.pi * sympy.I * j * k / N)
                            / sympy.sqrt(N), is_complex=True)
    answer = Oracle(formula).matrix(70)
    assert answer == Oracle(DFT(N)).matrix(70)
    assert certified_error(answer, formula) <= MPQ(1, 2**70)
    shifted = ComplexAnswer(answer.real, answer.imag + MPQ(1, 2**30))
    assert certified_error(shifted, formula) > MPQ(1, 2**31)


@pytest.mark.parametrize("formula", [DCT2(12), DFT(9)], ids=["DCT2", "DFT"])
def test_answers_do_not_depend_on_what_was_read_before(formula):
    warm = Oracle(formula)
    for n in (300, 40, 2):
        warm.matrix(n)
    for n in (2, 40):
        assert as_lists(warm.matrix(n)) == as_lists(Oracle(type(formula)(formula.N)).matrix(n))
