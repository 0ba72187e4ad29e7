"""Complex exact data, data defined by a rigorous evaluator, and matrix-free problems (issue 14,
point 1, oracle half; and the data source of experiment (b)).

The promise ``||answer - exact||_2 <= 2^-(n + tighten)`` is checked by an independent route:
SymPy's ``evalf`` (adaptive multiprecision, not python-flint) evaluates the error's real and
imaginary parts to 150 digits, and the squared Frobenius norm (which bounds the operator
2-norm) is compared with ``4^-(n + tighten)`` with a margin far above evalf's error.
"""

from __future__ import annotations

import pickle

import gmpy2
import numpy as np
import pytest
import sympy
from flint import acb, arb, ctx, fmpq
from hypothesis import given
from hypothesis import strategies as st

from oracle import (
    AdversarialOracle,
    Budget,
    BudgetExceeded,
    CertifiedVector,
    ComplexAnswer,
    ExactData,
    InexactInput,
    InvalidArgument,
    InvalidType,
    NoMatrix,
    Oracle,
    OracleError,
    PrecisionError,
    admissible,
    certified_error,
    to_sympy,
)
from oracle.errors import ReadOnlyAttribute
from oracle.strategies import exact_complex_vectors, levels

MPQ = gmpy2.mpq
I = sympy.I  # noqa: E741 (the imaginary unit)


def rational(q: gmpy2.mpq) -> sympy.Rational:
    return sympy.Rational(int(q.numerator), int(q.denominator))


def frobenius_error_squared(answer: object, exact: list[sympy.Expr]) -> sympy.Float:
    """``sum |answer_i - exact_i|^2`` by SymPy's evalf at 150 digits (row-major ``exact``)."""
    if isinstance(answer, ComplexAnswer):
        served = [rational(a) + I * rational(b)
                  for a, b in zip(answer.real.flat, answer.imag.flat, strict=True)]
    else:
        served = [rational(a) for a in np.asarray(answer).flat]
    total = sympy.Float(0, 150)
    for s, e in zip(served, exact, strict=True):
        re, im = sympy.expand_complex(s - e).as_real_imag()
        total += re.evalf(150) ** 2 + im.evalf(150) ** 2
    return total


def assert_promise(answer: object, exact: list[sympy.Expr], target: int) -> None:
    err2 = frobenius_error_squared(answer, exact)
    assert err2 <= sympy.Rational(1, 4**target) * (1 + sympy.Rational(1, 10**30))


COMPLEX_SAMPLE = [
    sympy.Rational(1, 3) + sympy.Rational(2, 7) * I,  # a Gaussian rational
    sympy.sqrt(2) + I * sympy.pi,
    sympy.exp(2 * sympy.pi * I / 7),  # a root of unity: cos + i sin
    I,
    -5,  # a real entry in a complex sample
    (1 + I) ** 3,
    sympy.log(-1),  # i pi
]


# ------------------------------------------------------------------ complex exact data
@pytest.mark.parametrize("n, tighten", [(0, 0), (7, 0), (40, 3), (200, 0)])
def test_complex_sample_keeps_the_promise_independently(n, tighten):
    o = Oracle(None, [COMPLEX_SAMPLE, [1, 2, 3, 4, 5, 6, 7]], shape=(7, 12), tighten=tighten)
    y = o.sample(0, n)
    assert isinstance(y, ComplexAnswer) and y.shape == (7,) and len(y) == 7
    assert all(isinstance(v, type(MPQ(0))) for v in (*y.real, *y.imag))
    assert all(int(v.denominator) & (int(v.denominator) - 1) == 0 for v in (*y.real, *y.imag))
    assert_promise(y, COMPLEX_SAMPLE, n + tighten)
    assert o.reads[-1].bound <= MPQ(1, 2 ** (n + tighten))
    assert certified_error(y, o.exact_data.part(0)) <= MPQ(1, 2 ** (n + tighten))
    real = o.sample(1, n)  # a real sample of the same data stays a plain array
    assert isinstance(real, np.ndarray) and real.dtype == object


def test_gaussian_rationals_are_served_exactly_when_dyadic():
    y = [sympy.Rational(1, 2) + sympy.Rational(3, 4) * I, -I / 8, sympy.Rational(5, 16)]
    o = Oracle(None, [y], shape=(3, 3))
    ans = o.sample(0, 10)
    assert list(ans.real) == [MPQ(1, 2), 0, MPQ(5, 16)]
    assert list(ans.imag) == [MPQ(3, 4), MPQ(-1, 8), 0]
    assert certified_error(ans, sympy.Matrix(y)) == 0
    assert to_sympy(ans) == sympy.Matrix(y)


def test_complex_matrix_keeps_the_operator_norm_promise():
    A = sympy.Matrix([[1 + I, sympy.sqrt(3) * I, sympy.Rational(1, 3)],
                      [sympy.pi, sympy.exp(I * sympy.pi / 5), -I / 3]])
    o = Oracle(A, [[I, 1]], complex_matrix=True)
    for n in (0, 5, 33, 120):
        An = o.matrix(n)
        assert isinstance(An, ComplexAnswer) and An.shape == (2, 3)
        assert_promise(An, list(A), n)  # Frobenius bounds the operator norm
        assert certified_error(An, A) <= MPQ(1, 2**n)
        assert certified_error(An, o) <= MPQ(1, 2**n)
        assert admissible(An, A, n)


def test_certified_error_on_complex_is_an_upper_bound_and_tight():
    exact = sympy.Matrix([sympy.Rational(1, 3) + I * sympy.sqrt(2), sympy.pi * I, 2])
    approx = ComplexAnswer([MPQ(1, 3), MPQ(1, 1000), MPQ(2)], [MPQ(1414, 1000), MPQ(3), MPQ(0)])
    bound = certified_error(approx, exact, bits=200)
    true = sympy.sqrt(frobenius_error_squared(approx, list(exact)))
    assert true <= rational(bound) <= true * (1 + sympy.Rational(1, 10**15))
    # Gaussian-rational SymPy entries as the approximation give the same bound
    assert certified_error(to_sympy(approx), exact, bits=200) == bound
    # a real approximation against complex data: the imaginary parts count in full
    assert certified_error([0], [I], bits=100) >= 1
    assert certified_error(ComplexAnswer([1], [0]), [1]) == 0


def test_complex_matrix_error_uses_the_spectral_bound_of_the_embedding():
    # E = (eps + i eps) * ones(8, 8) has ||E||_2 = 8 sqrt(2) eps and ||E||_F = 8 sqrt(2) eps too;
    # E = diag(eps, ..., eps) * (1 + i) has ||E||_2 = sqrt(2) eps < ||E||_F = 4 eps
    eps = MPQ(1, 2**20)
    n = 8
    re = [[eps if i == j else MPQ(0) for j in range(n)] for i in range(n)]
    approx = ComplexAnswer(re, re)
    zero = sympy.zeros(n, n)
    bound = certified_error(approx, zero)
    assert float(bound) <= float(eps) * 2**0.5 * 1.02
    assert float(bound) >= float(eps) * 2**0.5


def test_answers_are_history_independent_and_memoised():
    data = ExactData(None, [COMPLEX_SAMPLE], shape=(7, 7))
    a, b = Oracle(data), Oracle(data)
    b.sample(0, 90)
    assert a.sample(0, 30) == b.sample(0, 30) == a.sample(0, 30)
    assert a.sample(0, 30) is not a.sample(0, 30)


# ------------------------------------------------------------------ ComplexAnswer
def test_complex_answers_are_immutable_and_owned():
    o = Oracle(None, [COMPLEX_SAMPLE], shape=(7, 7))
    y = o.sample(0, 12)
    before = (list(y.real), list(y.imag))
    for part in (y.real, y.imag):
        assert not part.flags.writeable and part.base is None
        with pytest.raises(ValueError):
            part[0] = MPQ(99)
    with pytest.raises(ReadOnlyAttribute):
        y.real = np.zeros(7, dtype=object)
    with pytest.raises(ReadOnlyAttribute):
        y.other = 1
    with pytest.raises(ReadOnlyAttribute):
        del y.imag
    # the reader owns its copy: unlocking and changing it changes no later read
    y.real.flags.writeable = True
    y.real[0] = MPQ(1000)
    assert (list(o.sample(0, 12).real), list(o.sample(0, 12).imag)) == before
    assert list(o.fresh().sample(0, 12).real) == before[0]


def test_complex_answer_construction_pickling_and_conversion():
    a = ComplexAnswer([MPQ(1, 3), 2], [sympy.Rational(-1, 2), 0])
    assert a.real.tolist() == [MPQ(1, 3), MPQ(2)] and a.imag.tolist() == [MPQ(-1, 2), MPQ(0)]
    assert pickle.loads(pickle.dumps(a)) == a
    assert a != ComplexAnswer([MPQ(1, 3), 2], [0, 0])
    assert to_sympy(a) == sympy.Matrix([sympy.Rational(1, 3) - I / 2, 2])
    m = ComplexAnswer([[1, 2]], [[3, MPQ(1, 7)]])
    assert m.shape == (1, 2) and len(m) == 1
    assert to_sympy(m) == sympy.Matrix([[1 + 3 * I, 2 + I / 7]])
    assert repr(m) == "ComplexAnswer(shape=(1, 2))"


@pytest.mark.parametrize(
    "real, imag, error, message",
    [
        ([0.5], [0], InexactInput, "is a float"),
        ([1], [1j], InexactInput, "is a float"),
        ([1], [True], InvalidType, "bool"),
        ([1, 2], [1], InvalidArgument, "shape"),
        ([[[1]]], [[[1]]], InvalidArgument, "vector or a matrix"),
        (["1/2"], [0], InvalidType, "str"),
    ],
)
def test_complex_answer_refuses_bad_parts(real, imag, error, message):
    with pytest.raises(error, match=message):
        ComplexAnswer(real, imag)


# ------------------------------------------------------------------ CertifiedVector
def exact_unitary_dft(x: list[sympy.Rational]) -> list[sympy.Expr]:
    n = len(x)
    return [sum(x[k] * sympy.exp(-2 * sympy.pi * I * j * k / n) for k in range(n))
            / sympy.sqrt(n) for j in range(n)]


def flint_unitary_dft(x: list[sympy.Rational], calls: list[int] | None = None):
    """python-flint's rigorous FFT of an exact rational vector, scaled by 1/sqrt(n)."""
    values = [fmpq(int(v.p), int(v.q)) for v in x]

    def evaluate(prec: int) -> list[acb]:
        assert ctx.prec == prec  # the oracle sets the working precision around the call
        if calls is not None:
            calls.append(prec)
        scale = arb(len(values)).rsqrt()
        return [v * scale for v in acb.dft([acb(q) for q in values])]

    return evaluate


X6 = [sympy.Rational(v) for v in ("1/3", "-3/4", "0", "1", "5/9", "-2")]


@pytest.mark.parametrize("n", [0, 20, 150])
def test_certified_vector_dft_agrees_with_the_exact_dft(n):
    calls: list[int] = []
    vec = CertifiedVector(6, flint_unitary_dft(X6, calls), is_complex=True, description="DFT")
    before = ctx.prec
    o = Oracle(None, [vec], shape=(6, 36))
    y = o.sample(0, n)
    assert ctx.prec == before
    assert isinstance(y, ComplexAnswer) and y.shape == (6,)
    exact = exact_unitary_dft(X6)
    assert_promise(y, exact, n)
    assert certified_error(y, sympy.Matrix(exact)) <= MPQ(1, 2**n)
    assert certified_error(y, vec) <= MPQ(1, 2**n)
    assert min(calls) >= n  # the working precision follows the level


def test_certified_vector_real_and_precision_raising():
    calls: list[int] = []

    def sqrt_slowly(prec: int) -> list[arb]:
        # radii of about 2^-(prec/4): the oracle must raise the precision to meet a level
        calls.append(prec)
        slack = arb(0, arb(2) ** (-(prec // 4)))
        return [arb(k).sqrt() + slack for k in (2, 3, 5)]

    vec = CertifiedVector(3, sqrt_slowly, is_complex=False)
    o = Oracle(None, [vec], shape=(3, 5))
    y = o.sample(0, 60)
    assert isinstance(y, np.ndarray) and y.shape == (3,)
    assert_promise(y, [sympy.sqrt(2), sympy.sqrt(3), sympy.sqrt(5)], 60)
    assert len(calls) >= 2 and calls == sorted(calls) and calls[-1] >= 4 * 60


def test_a_lying_evaluator_ends_in_a_named_error_not_a_hang():
    calls: list[int] = []

    def liar(prec: int) -> list[arb]:
        calls.append(prec)
        return [arb(1, 1)]  # radius 1 at every precision

    o = Oracle(None, [CertifiedVector(1, liar, is_complex=False, description="liar")],
               shape=(1, 1))
    with pytest.raises(PrecisionError, match="'liar'.*did not shrink"):
        o.sample(0, 10)
    assert len(calls) == 3  # stopped after two raises of the precision without progress

    def slow(prec: int) -> list[arb]:  # honest but slow: radius 2^-(prec/64)
        return [arb(1, arb(2) ** (-(prec // 64)))]

    capped = CertifiedVector(1, slow, is_complex=False, max_precision=1000, description="slow")
    with pytest.raises(PrecisionError, match="'slow'.*max_precision=1000"):
        Oracle(None, [capped], shape=(1, 1)).sample(0, 30)


@pytest.mark.parametrize(
    "output, is_complex, error, message",
    [
        ([arb(1)] * 3, False, InvalidArgument, "returned 3 balls.*length=2"),
        ([acb(1), acb(2)], False, InvalidType, r"\[0\] of type acb.*is_complex=True"),
        ([1, 2], True, InvalidType, r"\[0\] of type int"),
        (5, False, InvalidType, "returned int"),
    ],
)
def test_bad_evaluator_outputs_are_named(output, is_complex, error, message):
    vec = CertifiedVector(2, lambda prec: output, is_complex=is_complex)
    with pytest.raises(error, match=message):
        Oracle(None, [vec], shape=(2, 2)).sample(0, 5)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((0, lambda p: []), {"is_complex": False}, InvalidArgument, "length=0"),
        ((2.0, lambda p: []), {"is_complex": False}, InvalidType, "length=2.0"),
        ((True, lambda p: []), {"is_complex": False}, InvalidType, "length=True"),
        ((2, "f"), {"is_complex": False}, InvalidType, "evaluate="),
        ((2, lambda p: []), {"is_complex": 1}, InvalidType, "is_complex=1"),
        ((2, lambda p: []), {"is_complex": True, "max_precision": 10}, InvalidArgument,
         "max_precision=10"),
    ],
)
def test_bad_certified_vectors_are_named(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        CertifiedVector(*args, **kwargs)


def test_certified_vector_among_ordinary_data():
    vec = CertifiedVector(2, lambda prec: [arb(1) / 3, arb(2).sqrt()], is_complex=False)
    data = ExactData([[1, 2], [3, 4]], [vec, [5, 6]])
    assert data.samples[0] is vec and data.samples[1] == sympy.Matrix([5, 6])
    with pytest.raises(InvalidArgument, match="defined by its evaluator"):
        data.exact_entries(0)
    o = Oracle(data)
    assert_promise(o.sample(0, 50), [sympy.Rational(1, 3), sympy.sqrt(2)], 50)
    with pytest.raises(InvalidArgument, match="length 2 but A has m=3"):
        ExactData([[1], [2], [3]], [vec])


# ------------------------------------------------------------------ matrix-free problems
def test_matrix_free_oracle_reads_budgets_and_no_matrix():
    o = Oracle(None, [COMPLEX_SAMPLE, list(range(7))], shape=(7, 16),
               budget=Budget(max_level=40, max_reads=2))
    assert o.shape == (7, 16) and o.num_samples == 2 and not o.has_matrix
    with pytest.raises(NoMatrix, match="matrix-free.*known exactly and is not served") as info:
        o.matrix(3)
    assert isinstance(info.value, OracleError)
    assert o.reads == () and o.samples_read == 0  # the refused matrix read is not logged
    o.sample(0, 10)
    o.sample(0, 10)
    o.sample(1, 40)
    assert o.samples_read == 2 and len(o.reads) == 3 and o.deepest_level == 40
    with pytest.raises(BudgetExceeded) as info:
        o.sample(1, 41)
    assert info.value.limit == "max_level"
    with pytest.raises(BudgetExceeded) as info:
        o.sample(0, 11)
    assert info.value.limit == "max_reads"
    clone = o.fresh(Budget(max_reads=5))
    clone.sample(0, 10)
    assert len(o.reads) == 4  # clones report to their parent
    with pytest.raises(NoMatrix):
        clone.matrix(1)
    assert "matrix-free" in repr(o.exact_data) and "7 x 16" in o.explain()
    with pytest.raises(NoMatrix):
        _ = o.exact_data.A
    with pytest.raises(NoMatrix):
        o.exact_data.part("A")
    with pytest.raises(NoMatrix):
        certified_error([[0] * 16] * 7, o)


def test_matrix_free_adversarial_oracle():
    y = [sympy.Rational(1, 3) + I / 5, sympy.sqrt(2)]
    cover = Oracle(None, [[y[0] + I * sympy.Rational(1, 2**40), y[1]]], shape=(2, 4))
    adv = AdversarialOracle(ExactData(None, [y], shape=(2, 4)), cover)
    shallow, deep = adv.sample(0, 20), adv.sample(0, 60)
    assert [r.source for r in adv.reads] == ["cover", "honest"]
    assert shallow == cover.sample(0, 20)
    assert_promise(deep, y, 60)
    with pytest.raises(NoMatrix):
        adv.matrix(2)


@pytest.mark.parametrize(
    "A, samples, kwargs, error, message",
    [
        (None, [[1, 2]], {}, InvalidArgument, r"A=None .* needs shape=\(m, N\)"),
        (None, [[1, 2]], {"shape": (3, 4)}, InvalidArgument,
         r"samples\[0\] has length 2 but shape=\(3, 4\) has m=3"),
        (None, [[1]], {"shape": 3}, InvalidType, "shape=3"),
        (None, [[1]], {"shape": (1, 0)}, InvalidArgument, "positive"),
        (None, [[1]], {"shape": (1, 2.0)}, InvalidType, "shape="),
        ([[1, 2]], [[1]], {"shape": (2, 2)}, InvalidArgument, r"A has shape \(1, 2\)"),
        ([[I]], [], {}, InvalidArgument, "not real"),  # complex matrices need complex_matrix
        ([[1]], [[1]], {"complex_matrix": 1}, InvalidType, "complex_matrix=1"),
        (None, [[1j]], {"shape": (1, 1)}, InvalidType, "complex"),
        (None, [[sympy.Float(0.5) + I]], {"shape": (1, 1)}, InexactInput, "is a float"),
        (None, [[sympy.Symbol("t") * I]], {"shape": (1, 1)}, InvalidArgument, "free symbols"),
        (None, [[sympy.gamma(sympy.Rational(1, 3)) * I]], {"shape": (1, 1)}, InvalidArgument,
         r"is complex.*gamma"),
    ],
)
def test_bad_inputs_are_named(A, samples, kwargs, error, message):
    with pytest.raises(error, match=message):
        Oracle(A, samples, **kwargs)


# ------------------------------------------------------------------ property
@given(y=exact_complex_vectors(), n=levels(120), tighten=st.integers(0, 3))
def test_property_complex_samples_keep_the_promise(y, n, tighten):
    o = Oracle(None, [y], shape=(len(y), 2), tighten=tighten)
    ans = o.sample(0, n)
    assert_promise(ans, list(y), n + tighten)
    assert certified_error(ans, sympy.Matrix(y)) <= MPQ(1, 2 ** (n + tighten))
    complex_data = any(v.has(I) for v in y)  # I-free data stay real arrays
    assert isinstance(ans, ComplexAnswer if complex_data else np.ndarray)


@pytest.mark.parametrize("seed", range(6))
def test_complex_certified_error_bounds_the_operator_norm(seed):
    # random Gaussian-rational approximations of an exact complex matrix; the true error
    # norm comes from numpy's SVD of the float error (errors ~1e-3: relative accuracy 1e-12)
    rng = np.random.default_rng(seed)
    m, N = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    exact = sympy.Matrix(m, N, lambda i, j: sympy.sqrt(i + 2 * j + 2) + I * sympy.Rational(
        int(rng.integers(-9, 10)), 7))
    noise = rng.integers(-1000, 1001, size=(2, m, N)).tolist()

    def near(x: sympy.Expr, k: int) -> gmpy2.mpq:  # x rounded to 2^-20, plus k * 2^-20
        return MPQ(int(sympy.floor(x * 2**20)) + k, 2**20)

    parts = [[exact[i, j].as_real_imag() for j in range(N)] for i in range(m)]
    re = [[near(parts[i][j][0], noise[0][i][j]) for j in range(N)] for i in range(m)]
    im = [[near(parts[i][j][1], noise[1][i][j]) for j in range(N)] for i in range(m)]
    approx = ComplexAnswer(re, im)
    err = np.array([[complex(sympy.N(rational(re[i][j]) + I * rational(im[i][j]) - exact[i, j],
                                     30)) for j in range(N)] for i in range(m)])
    true = np.linalg.norm(err, 2)
    bound = float(certified_error(approx, exact, bits=120))
    assert true * (1 - 1e-9) <= bound <= max(true * 1.5, 1e-30)
    assert admissible(approx, exact, int(-np.log2(bound)) - 1)
