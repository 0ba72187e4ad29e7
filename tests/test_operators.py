"""Matrix-free operators against independently built dense matrices, in every context.

References: Walsh-Hadamard and Haar matrices are built here from their definitions as exact
rationals; the DFT from ``exp(-2 pi i jk/n)`` in 400-bit balls; Daubechies wavelets from
PyWavelets (float64) and from 400-bit balls.  Exact results must be equal, Ball results must
CONTAIN the reference and be narrow, MP/Float64 results must be within a tolerance derived from
the precision.  Norm bounds are checked against power iterations.
"""

from __future__ import annotations

import warnings

import flint
import gmpy2
import mpmath
import numpy as np
import pytest
import pywt
from flint import acb, acb_mat, arb

from algorithms.arithmetic import MP, Ball, Exact, Float64, flint_prec
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InexactOperation, InvalidArgument
from algorithms.operators import (
    DFT2,
    Composition,
    Dense,
    Subsample,
    WalshHadamard2,
    Wavelet2D,
    check_adjoint,
    daubechies_filter,
    power_norm_estimate,
    sequency_permutation,
    to_dense,
    walsh_matrix,
    wavelet_analysis,
)

Q = gmpy2.mpq
G = GaussianRational
CONTEXTS = [Exact(), Ball(128), MP(128), Float64()]
IDS = [c.name for c in CONTEXTS]
REF_PREC = 400


# ------------------------------------------------------------------------------ references
def gauss(v) -> GaussianRational:
    return v if isinstance(v, GaussianRational) else G(v, 0)


def exact_walsh(shape) -> np.ndarray:
    """``kron(W1, W2) / sqrt(n1 n2)`` from the sign-change definition (n1 n2 = 4^k)."""
    n1, n2 = shape

    def walsh(n):
        H = np.ones((1, 1), dtype=object)
        while H.shape[0] < n:
            H = np.block([[H, H], [H, -H]])
        changes = [int(np.sum(row[1:] != row[:-1])) for row in H]
        return H[np.argsort(changes)]

    root = gmpy2.isqrt(n1 * n2)
    return np.kron(walsh(n1), walsh(n2)) * Q(1, int(root))


def haar_level_1d(m) -> np.ndarray:
    """``sqrt 2`` times the one-level Haar analysis matrix (integer)."""
    A = np.zeros((m, m), dtype=object)
    for i in range(m // 2):
        A[i, 2 * i] = A[i, 2 * i + 1] = 1
        A[m // 2 + i, 2 * i], A[m // 2 + i, 2 * i + 1] = 1, -1
    return A


def exact_haar_synthesis(shape, levels) -> np.ndarray:
    """The N x N synthesis matrix: product of the per-level block maps (transposed)."""
    n1, n2 = shape
    N = n1 * n2
    analysis = np.eye(N, dtype=object) * Q(1)
    for j in range(levels):
        m1, m2 = n1 >> j, n2 >> j
        K = np.kron(haar_level_1d(m1), haar_level_1d(m2)) * Q(1, 2)
        idx = np.array([i * n2 + k for i in range(m1) for k in range(m2)])
        L = np.eye(N, dtype=object) * Q(1)
        L[np.ix_(idx, idx)] = K
        analysis = L.dot(analysis)
    return analysis.T


def ball_dft(shape) -> acb_mat:
    """``kron(F1, F2)`` with ``F[j, k] = exp(-2 pi i jk/n)/sqrt(n)`` at 400 bits."""
    n1, n2 = shape
    with flint_prec(REF_PREC):
        def F(n):
            return [[acb.exp_pi_i(acb(flint.fmpq(-2 * ((j * k) % n), n))) / arb(n).sqrt()
                     for k in range(n)] for j in range(n)]
        F1, F2 = F(n1), F(n2)
        N = n1 * n2
        return acb_mat(N, N, [F1[k][i] * F2[q][j] for k in range(n1) for q in range(n2)
                              for i in range(n1) for j in range(n2)])


def pywt_synthesis(shape, wavelet, levels) -> np.ndarray:
    """The float64 synthesis matrix from PyWavelets (columns: waverec2 of unit arrays)."""
    n1, n2 = shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slices = pywt.coeffs_to_array(pywt.wavedec2(np.zeros(shape), wavelet,
                                                    mode="periodization", level=levels))[1]
        cols = []
        for k in range(n1 * n2):
            e = np.zeros(n1 * n2)
            e[k] = 1
            c = pywt.array_to_coeffs(e.reshape(shape), slices, output_format="wavedec2")
            cols.append(pywt.waverec2(c, wavelet, mode="periodization").reshape(-1))
    return np.array(cols).T


def random_dyadic(n, rng, cplx) -> list:
    re = [Q(int(k), 16) for k in rng.integers(-16, 17, size=n)]
    if not cplx:
        return re
    return [G(a, Q(int(k), 16)) for a, k in zip(re, rng.integers(-16, 17, size=n), strict=True)]


def tolerance(ctx, magnitude=1) -> Q:
    return Q(0) if ctx.kind == "exact" else Q(magnitude) * Q(1, 2 ** (ctx.prec - 12))


def assert_exact_result(ctx, got, expected, magnitude=64) -> None:
    """``got`` equals the exact (Gaussian) rationals ``expected`` (== / containment+width /
    tolerance)."""
    exp = [gauss(v) for v in expected]
    if ctx.kind == "exact":
        assert [gauss(v) for v in got] == exp
        return
    if ctx.kind == "ball":
        assert ctx.contains(ctx.to_complex(got), exp)
        assert ctx.radius(got) <= tolerance(ctx, magnitude)
        return
    mids = [gauss(v) for v in ctx.to_rationals(got)]
    err = max(abs(a.re - b.re) + abs(a.im - b.im) for a, b in zip(mids, exp, strict=True))
    assert err <= tolerance(ctx, magnitude), (ctx.name, float(err))


def assert_ball_result(ctx, got, ref: acb_mat, magnitude=64) -> None:
    """``got`` against a 400-bit reference enclosure ``ref`` (a column)."""
    refs = ref.entries()
    if ctx.kind == "ball":
        with flint_prec(REF_PREC):
            for a, r in zip(ctx.to_complex(got).entries(), refs, strict=True):
                # containment of the 400-bit enclosure proves containment of the exact value;
                # a part computed exactly (radius 0, e.g. a DC term) can only be checked to lie
                # in the reference
                for part, rpart in ((a.real, r.real), (a.imag, r.imag)):
                    assert part.contains(rpart) or (part.rad() == 0 and rpart.contains(part)), (
                        a, r)
        assert ctx.radius(got) <= tolerance(ctx, magnitude)
        return
    mids = [gauss(v) for v in ctx.to_rationals(got)]
    with flint_prec(REF_PREC):
        for m, r in zip(mids, refs, strict=True):
            d = r - acb(flint.fmpq(int(m.re.numerator), int(m.re.denominator)),
                        flint.fmpq(int(m.im.numerator), int(m.im.denominator)))
            assert abs(d).upper() < float(tolerance(ctx, magnitude)), (ctx.name, d)


def exact_apply(M: np.ndarray, x: list) -> list:
    return list(M.dot(np.array([gauss(v) if any(isinstance(w, G) for w in x) else v
                                for v in x], dtype=object)))


def ball_apply(M: acb_mat, x: list) -> acb_mat:
    with flint_prec(REF_PREC):
        col = acb_mat(len(x), 1, [acb(flint.fmpq(int(gauss(v).re.numerator),
                                                 int(gauss(v).re.denominator)),
                                      flint.fmpq(int(gauss(v).im.numerator),
                                                 int(gauss(v).im.denominator))) for v in x])
        return M * col


def conj_t(M: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda z: gauss(z).conjugate(), otypes=[object])(M).T


# ------------------------------------------------------------------------------ Walsh-Hadamard
def test_sequency_order_counts_sign_changes() -> None:
    for n in (1, 2, 8, 32):
        W = walsh_matrix(n)
        assert [int(np.sum(r[1:] != r[:-1])) for r in W] == list(range(n))
        assert (W.dot(W.T) == n * np.eye(n, dtype=np.int64)).all()
    assert list(sequency_permutation(4)) == [0, 2, 3, 1]


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
@pytest.mark.parametrize("shape", [(4, 4), (8, 8), (2, 8)])
def test_walsh_against_its_dense_matrix(ctx, shape) -> None:
    op = WalshHadamard2(shape)
    M = exact_walsh(shape)
    rng = np.random.default_rng(1)
    for cplx in (False, True):
        x = random_dyadic(op.shape[1], rng, cplx)
        assert_exact_result(ctx, op.apply(ctx, ctx.vector(x, complex=cplx)), exact_apply(M, x))
        assert_exact_result(ctx, op.adjoint(ctx, ctx.vector(x, complex=cplx)),
                            exact_apply(M.T, x))
    assert check_adjoint(op, ctx, rng).ok
    assert check_adjoint(op, ctx, rng, complex_data=True).ok


def test_walsh_exact_dense_and_refusal() -> None:
    op = WalshHadamard2((4, 4))
    assert (to_dense(op, Exact()) == exact_walsh((4, 4))).all()
    with pytest.raises(InexactOperation, match=r"1/sqrt\(8\) is irrational"):
        WalshHadamard2((2, 4)).apply(Exact(), Exact().vector([0] * 8))
    with pytest.raises(InvalidArgument, match="powers of two"):
        WalshHadamard2((3, 4))


# ------------------------------------------------------------------------------ DFT
@pytest.mark.parametrize("ctx", CONTEXTS[1:], ids=IDS[1:])
@pytest.mark.parametrize("shape", [(4, 4), (8, 8), (4, 8), (3, 5)])
def test_dft_against_its_dense_matrix(ctx, shape) -> None:
    op = DFT2(shape)
    M = ball_dft(shape)
    with flint_prec(REF_PREC):
        MH = M.conjugate().transpose()
    rng = np.random.default_rng(2)
    for cplx in (False, True):
        x = random_dyadic(op.shape[1], rng, cplx)
        assert_ball_result(ctx, op.apply(ctx, ctx.vector(x, complex=cplx)), ball_apply(M, x))
        assert_ball_result(ctx, op.adjoint(ctx, ctx.vector(x, complex=cplx)), ball_apply(MH, x))
    assert check_adjoint(op, ctx, rng).ok


def test_dft_float64_is_numpy_fft2_ortho() -> None:
    X = np.random.default_rng(3).standard_normal((8, 16))
    got = DFT2((8, 16)).apply(Float64(), X.reshape(-1))
    assert np.allclose(got, np.fft.fft2(X, norm="ortho").reshape(-1), rtol=0, atol=1e-14)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (4, 4), (1, 4), (4, 1)])
def test_dft_exact_on_gaussian_integer_sizes(shape) -> None:
    op, ctx = DFT2(shape), Exact()
    dense = to_dense(op, ctx)
    with flint_prec(REF_PREC):
        ref = ball_dft(shape)
        for (i, j), z in np.ndenumerate(dense):
            assert ref[i, j].real.contains(flint.fmpq(int(z.re.numerator), int(z.re.denominator)))
            assert ref[i, j].imag.contains(flint.fmpq(int(z.im.numerator), int(z.im.denominator)))
    x = random_dyadic(op.shape[1], np.random.default_rng(4), True)
    assert list(op.adjoint(ctx, op.apply(ctx, ctx.vector(x)))) == x  # unitary, exactly
    assert check_adjoint(op, ctx, 5).ok


def test_dft_exact_refuses_irrational_sizes() -> None:
    with pytest.raises(InexactOperation, match="DFT2 on 8x8 images"):
        DFT2(8).apply(Exact(), Exact().vector([0] * 64))
    with pytest.raises(InexactOperation, match="DFT2 on 2x4 images"):
        DFT2((2, 4)).apply(Exact(), Exact().vector([0] * 8))


# ------------------------------------------------------------------------------ wavelets
@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
@pytest.mark.parametrize(("shape", "levels"), [((4, 4), 2), ((8, 8), None), ((8, 4), 2)])
def test_haar_against_its_dense_matrix(ctx, shape, levels) -> None:
    op = Wavelet2D(shape, "haar", levels)
    S = exact_haar_synthesis(shape, op.levels)
    rng = np.random.default_rng(6)
    for cplx in (False, True):
        x = random_dyadic(op.shape[1], rng, cplx)
        assert_exact_result(ctx, op.apply(ctx, ctx.vector(x, complex=cplx)), exact_apply(S, x))
        assert_exact_result(ctx, op.adjoint(ctx, ctx.vector(x, complex=cplx)),
                            exact_apply(S.T, x))
    assert check_adjoint(op, ctx, rng).ok


def test_haar_exact_dense_matrix_is_orthogonal() -> None:
    op = Wavelet2D((8, 8), "haar")
    S = to_dense(op, Exact())
    assert (S == exact_haar_synthesis((8, 8), 3)).all()
    assert (S.T.dot(S) == np.eye(64, dtype=object)).all()


@pytest.mark.parametrize("wavelet", ["haar", "db2", "db3", "db4"])
@pytest.mark.parametrize(("shape", "levels"), [((8, 8), None), ((16, 16), None), ((16, 8), 1),
                                               ((32, 32), 2)])
def test_wavelets_match_pywavelets_layout_and_values(wavelet, shape, levels) -> None:
    op = Wavelet2D(shape, wavelet, levels)
    S = pywt_synthesis(shape, wavelet, op.levels)
    X = np.random.default_rng(7).standard_normal(op.shape[1])
    ctx = Float64()
    assert np.allclose(op.apply(ctx, X), S.dot(X), rtol=0, atol=1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pywt.coeffs_to_array(pywt.wavedec2(X.reshape(shape), wavelet, mode="periodization",
                                                 level=op.levels))[0].reshape(-1)
    assert np.allclose(op.adjoint(ctx, X), ref, rtol=0, atol=1e-13)
    # Ball and MP agree with PyWavelets' floats
    for c in (Ball(96), MP(96)):
        xs = [Q(float(v)) for v in X]
        got = np.array([float(v) for v in c.to_rationals(op.adjoint(c, c.vector(xs)))])
        assert np.allclose(got, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("ctx", CONTEXTS[1:], ids=IDS[1:])
@pytest.mark.parametrize("wavelet", ["db2", "db3", "db4"])
def test_daubechies_against_a_400_bit_reference(ctx, wavelet) -> None:
    shape = (8, 8)
    op = Wavelet2D(shape, wavelet, 2)
    rng = np.random.default_rng(8)
    x = random_dyadic(op.shape[1], rng, True)
    ref_ctx = Ball(REF_PREC)
    ref = op.apply(ref_ctx, ref_ctx.vector(x))
    assert ref_ctx.radius(ref) < Q(1, 2 ** (REF_PREC - 20))
    assert_ball_result(ctx, op.apply(ctx, ctx.vector(x)), ref)
    ref_adj = op.adjoint(ref_ctx, ref_ctx.vector(x))
    assert_ball_result(ctx, op.adjoint(ctx, ctx.vector(x)), ref_adj)
    assert check_adjoint(op, ctx, rng).ok


def test_daubechies_filters_are_the_exact_algebraic_numbers() -> None:
    with flint_prec(300):
        s3, s2 = arb(3).sqrt(), arb(2).sqrt()
        db2 = [(1 + s3) / (4 * s2), (3 + s3) / (4 * s2), (3 - s3) / (4 * s2), (1 - s3) / (4 * s2)]
        h = daubechies_filter(2, 256)
        for a, b in zip(h, db2, strict=True):
            assert a.overlaps(b) and a.rad() < 2.0 ** -250
        for N in (1, 2, 3, 4):
            h = daubechies_filter(N, 256)
            assert np.allclose([float(a.mid()) for a in h], pywt.Wavelet(f"db{N}").rec_lo,
                               rtol=0, atol=1e-15)
            L = len(h)
            for shift in range(0, L, 2):  # sum_k h[k] h[k + shift] = delta_shift
                s = sum((h[k] * h[k + shift] for k in range(L - shift)), arb(0))
                assert s.contains(1 if shift == 0 else 0) and s.rad() < 2.0 ** -240


def test_wavelet_exact_refuses_daubechies_and_bad_levels() -> None:
    with pytest.raises(InexactOperation, match="irrational algebraic"):
        Wavelet2D(8, "db2").apply(Exact(), Exact().vector([0] * 64))
    with pytest.raises(InvalidArgument, match="divisible by"):
        Wavelet2D((8, 12), "haar", 3)
    with pytest.raises(InvalidArgument, match="wavelet='db9'"):
        Wavelet2D(8, "db9")
    assert Wavelet2D(8, "db1").wavelet == "haar"
    assert wavelet_analysis(8, "db2").shape == (64, 64)


# ------------------------------------------------------------------------------ P_Omega, Dense
@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_subsample_and_zero_fill(ctx) -> None:
    P = Subsample(np.array([5, 0, 3]), 6)
    x = [Q(k) for k in range(1, 7)]
    assert_exact_result(ctx, P.apply(ctx, ctx.vector(x)), [6, 1, 4])
    assert_exact_result(ctx, P.adjoint(ctx, ctx.vector([7, 8, 9])), [8, 0, 0, 9, 0, 7])
    cz = ctx.vector([G(1, 1), 2, 3])
    assert_exact_result(ctx, P.adjoint(ctx, cz), [2, 0, 0, 3, 0, G(1, 1)])
    mask = Subsample(np.array([True, False, True]))
    assert mask.shape == (2, 3) and list(mask.indices) == [0, 2]
    assert check_adjoint(P, ctx, 9).ok and check_adjoint(P, ctx, 9, complex_data=True).ok


def test_subsample_validation() -> None:
    with pytest.raises(InvalidArgument, match="repeated"):
        Subsample(np.array([1, 1]), 3)
    with pytest.raises(InvalidArgument, match=r"\[0, 2\]"):
        Subsample(np.array([3]), 3)
    with pytest.raises(InvalidArgument, match="n=None"):
        Subsample(np.array([0]))
    assert Subsample(np.array([], dtype=np.int64), 4).norm_bound() == 0


@pytest.mark.parametrize("ctx", CONTEXTS, ids=IDS)
def test_dense_real_and_complex(ctx) -> None:
    R = Dense([[1, 2, Q(-1, 3)], [0, Q(1, 2), 4]])
    C = Dense([[1, G(0, 1)], [G(2, -1), 3]])
    assert not R.is_complex and C.is_complex
    x = [Q(1, 2), -1, 3]
    assert_exact_result(ctx, R.apply(ctx, ctx.vector(x)), exact_apply(R.rationals, x))
    v = [G(1, 2), G(0, -1)]
    assert_exact_result(ctx, C.adjoint(ctx, ctx.vector(v)), exact_apply(conj_t(C.rationals), v))
    assert check_adjoint(R, ctx, 10).ok and check_adjoint(C, ctx, 10).ok


def test_dense_norm_bounds_are_certified_and_tight() -> None:
    R = Dense([[1, 2, Q(-1, 3)], [0, Q(1, 2), 4]])
    C = Dense([[1, G(0, 1)], [G(2, -1), 3]])
    for op in (R, C):
        est = power_norm_estimate(op)
        assert est <= float(op.norm_bound()) <= est * (1 + 1e-9)
    # the complex norm equals numpy's on the complex matrix
    Cf = np.array([[1, 1j], [2 - 1j, 3]])
    assert abs(float(C.norm_bound()) - np.linalg.norm(Cf, 2)) < 1e-9


# ------------------------------------------------------------------------------ compositions
def imaging_operators(n, rng):
    mask = rng.random(n * n) < 0.3
    mask[0] = True
    P = Subsample(mask)
    return {
        "P F haar": P @ DFT2(n) @ Wavelet2D(n, "haar"),
        "P F db2": P @ DFT2(n) @ Wavelet2D(n, "db2"),
        "P W haar": P @ WalshHadamard2(n) @ Wavelet2D(n, "haar"),
        "P W db4": P @ WalshHadamard2(n) @ Wavelet2D(n, "db4", 1),
    }


@pytest.mark.parametrize("name", ["P F haar", "P F db2", "P W haar", "P W db4"])
def test_subsampled_unitary_times_wavelet_has_norm_one(name) -> None:
    """||P U W^-1|| <= ||P|| ||U|| ||W^-1|| = 1 (proof: structure); the power iteration finds
    1 (P U W^-1 has orthonormal rows)."""
    op = imaging_operators(16, np.random.default_rng(11))[name]
    assert isinstance(op, Composition) and len(op.ops) == 3
    assert op.norm_bound() == 1
    est = power_norm_estimate(op, iterations=30)
    assert 1 - 1e-12 <= est <= 1 + 1e-12
    assert op.H.norm_bound() == 1 and op.H.H is op


@pytest.mark.parametrize("ctx", CONTEXTS[1:], ids=IDS[1:])
@pytest.mark.parametrize("name", ["P F haar", "P F db2", "P W haar", "P W db4"])
def test_imaging_operators_pass_the_adjoint_check(ctx, name) -> None:
    op = imaging_operators(8, np.random.default_rng(12))[name]
    check = check_adjoint(op, ctx, 13)
    assert check.ok, check
    if ctx.kind == "ball":
        assert check.tolerance < Q(1, 2 ** (ctx.prec - 20))


def test_exact_composition_fourier_haar_4x4() -> None:
    """At 4x4 the whole P F W^-1 (Haar) is a matrix of Gaussian rationals: exact identity."""
    mask = np.array([True, False] * 8)
    op = Subsample(mask) @ DFT2(4) @ Wavelet2D(4, "haar")
    ctx = Exact()
    check = check_adjoint(op, ctx, 14)
    assert check.ok and check.gap == 0 and check.tolerance == 0
    dense = to_dense(op, ctx)
    rows_norm = [sum((gauss(z).abs2() for z in row), Q(0)) for row in dense]
    assert rows_norm == [1] * 8  # rows of a unitary matrix


def test_composition_checks_shapes_and_multiplies_bounds() -> None:
    D = Dense([[2, 0], [0, 1]])
    assert (D @ D).norm_bound() >= 4 and (D @ D).shape == (2, 2)
    with pytest.raises(InvalidArgument, match="inner sizes"):
        Dense([[1, 2, 3]]) @ D
    with pytest.raises(InvalidArgument, match="needs a vector of length 64"):
        DFT2(8).apply(Float64(), np.zeros(63))


def test_operators_leave_global_precisions_alone() -> None:
    before = (flint.ctx.prec, mpmath.mp.prec)
    op = imaging_operators(8, np.random.default_rng(15))["P F db2"]
    for ctx in (Ball(300), MP(300)):
        op.adjoint(ctx, op.apply(ctx, ctx.vector([1] * 64)))
    assert (flint.ctx.prec, mpmath.mp.prec) == before
