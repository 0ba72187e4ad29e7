"""Review of theorems.imaging: hostile and unusual inputs to the public builders.

Each test failed before its fix (silent wrong answers, tracebacks from inside numpy, or
messages naming a parameter the caller never passed)."""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems.errors import InvalidArgument, InvalidType
from theorems.imaging.harness import fit_decay, run_certified, run_float
from theorems.imaging.phantoms import NAMES, ellipses, fine_detail, phantom
from theorems.imaging.problems import float_problem, operator_for, sparse_problem
from theorems.imaging.sampling import (
    check_size,
    das_counts,
    das_mask,
    level_sizes,
    level_weights,
    local_sparsities,
    measurement_levels,
    power_law_counts,
    wavelet_levels,
)


def test_numpy_integer_sizes_are_accepted_and_give_the_same_result():
    # before: n=np.int64(8) was refused as "must be a power of two >= 4"
    assert check_size(np.int64(8), np.int32(1)) == (8, 1)
    assert type(check_size(np.int64(8), np.int32(1))[0]) is int
    assert np.array_equal(wavelet_levels(np.int64(16), 2), wavelet_levels(16, 2))
    assert np.array_equal(ellipses(np.int64(16), 3), ellipses(16, 3))
    with pytest.raises(InvalidArgument, match="n=True"):
        check_size(True, 1)


@pytest.mark.parametrize("local", [[1, float("nan"), 3], [1, -5, 3], [[1, 2, 3]]])
def test_das_counts_refuse_bad_local_sparsities(local):
    # before: NaN gave counts of -9223372036854775807, negatives a silently skewed split
    with pytest.raises(InvalidArgument, match="local="):
        das_counts(local, [4, 12, 48], 30)


def test_das_counts_accept_numpy_budget_and_float_integral_sizes():
    ref = das_counts([1, 1, 3], [4, 12, 48], 30)
    assert das_counts([1, 1, 3], [4, 12, 48], np.int64(30)).tolist() == ref.tolist()
    assert das_counts([1, 1, 3], [4.0, 12.0, 48.0], 30).tolist() == ref.tolist()
    with pytest.raises(InvalidArgument, match="sizes=4"):
        das_counts(1, 4, 4)


def test_power_law_counts_refuse_a_non_finite_decay():
    with pytest.raises(InvalidArgument, match="decay=nan"):
        power_law_counts([4, 12, 48], 30, float("nan"))
    with pytest.raises(InvalidType, match="decay="):
        power_law_counts([4, 12, 48], 30, "2")


@pytest.mark.parametrize(("rate", "error", "text"), [
    (2.0, InvalidArgument, "rate=2.0"), (0.01, InvalidArgument, "rate=0.01"),
    (float("nan"), InvalidArgument, "rate=nan"), ("a", InvalidType, "rate='a'")])
def test_das_mask_names_the_rate(rate, error, text):
    # before: "m=128 must be ..." (a name the caller never used), or numpy/round tracebacks
    with pytest.raises(error, match=text):
        das_mask("walsh", 8, 1, [1, 1], rate, 0)


@pytest.mark.parametrize("rate", [0.5, Fraction(1, 2), gmpy2.mpq(1, 2), np.float32(0.5)])
def test_das_mask_accepts_any_real_rate(rate):
    counts, mask = das_mask("fourier", 8, 1, [1, 2], rate, 0)
    assert counts.sum() == mask.sum() == 32


def test_level_weights_refuse_nan_and_non_vectors():
    # before: [1, nan] gave weights [nan, nan]; [[1, 2]] a 2-D "weight vector"
    with pytest.raises(InvalidArgument, match="local="):
        level_weights([1, float("nan")])
    with pytest.raises(InvalidArgument, match="local="):
        level_weights([[1, 2]])


def test_local_sparsities_refuse_nan_and_bad_tol():
    # before: an all-NaN array gave [1, 0]; tol="x" a TypeError from a comparison
    with pytest.raises(InvalidArgument, match="finite"):
        local_sparsities(np.full((8, 8), np.nan), 1)
    with pytest.raises(InvalidType, match="tol='x'"):
        local_sparsities(np.ones((8, 8)), 1, tol="x")


@pytest.mark.parametrize("strength", [-1.0, 2.0, float("nan")])
def test_fine_detail_strength_outside_the_unit_interval_is_refused(strength):
    # before: strength 2 flipped the ellipses' sign (then clipped to 0), silently
    with pytest.raises(InvalidArgument, match="strength="):
        fine_detail(16, strength=strength)


def test_fine_detail_strength_bounds_are_allowed():
    assert np.array_equal(fine_detail(16, 2, strength=0.0), ellipses(16, 2))
    assert fine_detail(16, 2, strength=1.0).max() == 1.0


def test_phantom_lists_every_name_it_accepts():
    # before: "name='foo' must be one of ('shepp_logan', 'camera')", omitting three names
    with pytest.raises(InvalidArgument) as info:
        phantom("foo", 16)
    assert all(name in str(info.value) for name in NAMES)


def test_operator_for_refuses_a_mask_of_the_wrong_shape():
    # before: a 4 x 4 mask for n = 8 silently sampled the first 16 rows of the 8 x 8 transform
    with pytest.raises(InvalidArgument, match="mask"):
        operator_for("walsh", "haar", 8, 1, np.ones((4, 4), dtype=bool))
    op = operator_for("walsh", "haar", 8, 1, np.ones((8, 8), dtype=bool))
    assert op.shape == (64, 64)


@pytest.mark.parametrize(("image", "kw", "text"), [
    (np.zeros((8, 16)), {}, "image has shape"),
    (np.zeros(8), {}, "image has shape"),
    (np.zeros((8, 8)), {}, "identically zero"),
    (None, {"noise": -0.1}, "noise=-0.1"),
    (None, {"noise": float("nan")}, "noise=nan"),
    (None, {"seed": None}, "seed=None"),
    (None, {"modality": "radon"}, "modality='radon'"),
])
def test_float_problem_refuses_bad_input_by_name(image, kw, text):
    # before: Wavelet2D's "needs a vector of length 64", a negative noise accepted as
    # positive, "None + 1" TypeError, "local sparsities [0.0, 0.0] ..." for a blank image
    img = ellipses(8, 1) if image is None else image
    args = dict(modality="walsh", J=1, rate=0.5, noise=0.01, seed=0)
    args.update(kw)
    with pytest.raises(InvalidArgument, match=text):
        float_problem(args.pop("modality"), "haar", img, **args)


def test_float_problem_accepts_a_nested_list_image_like_the_array():
    img = ellipses(8, 1)
    a = float_problem("walsh", "haar", img.tolist(), J=1, rate=0.5, noise=0.01, seed=0)
    b = float_problem("walsh", "haar", img, J=1, rate=0.5, noise=0.01, seed=0)
    assert np.array_equal(a.y, b.y) and a.counts == b.counts


@pytest.mark.parametrize("per_level", [(1, 1), (1, -1, 1), (1, 1.5, 1), (0, 0, 0), "111"])
def test_sparse_problem_names_per_level(per_level):
    # before: "local has 2 levels and sizes 3", "negative dimensions are not allowed", ...
    with pytest.raises(InvalidArgument, match="per_level="):
        sparse_problem("walsh", 8, 2, per_level, rate=0.5, seed=0, prec=64)


def test_run_float_refuses_bad_settings_by_name():
    # before: size=8 -> "J=0 must be ...", np.int64 size -> AttributeError, "walsh" iterated
    # letter by letter, () -> an empty result whose headline says "worst error nan"
    with pytest.raises(InvalidArgument, match="size=8"):
        run_float(size=8)
    with pytest.raises(InvalidArgument, match="restarts=0"):
        run_float(size=16, restarts=0, rate=0.3)
    with pytest.raises(InvalidArgument, match="modalities='walsh'"):
        run_float(size=16, rate=0.3, modalities="walsh")
    with pytest.raises(InvalidArgument, match="wavelets="):
        run_float(size=16, rate=0.3, wavelets=())
    with pytest.raises(InvalidArgument, match="per_level="):
        run_certified(size=16, per_level=(1,))
    with pytest.raises(InvalidArgument, match="modalities="):
        run_certified(size=16, per_level=(1, 1, 1), modalities=())


def test_run_float_noise_free_reports_a_nan_residual():
    # before: noise=0 raised ZeroDivisionError (||A psi - y|| / ||e|| with ||e|| = 0)
    r = run_float(size=np.int64(16), restarts=2, curve=2, extra=1, rate=0.3, noise=0.0,
                  modalities=("walsh",), wavelets=("haar",))
    run = r.runs[0]
    assert np.isnan(run.residual) and run.noise_level == 0.0
    assert len(run.truth_errors) == 2 and r.size == 16


@settings(max_examples=25, deadline=None)
@given(n_exp=st.integers(3, 6), data=st.data())
def test_das_mask_has_the_requested_total_and_full_level_zero(n_exp, data):
    n = 2**n_exp
    J = data.draw(st.integers(1, n_exp - 1))
    modality = data.draw(st.sampled_from(["fourier", "walsh"]))
    local = data.draw(st.lists(st.integers(0, 50), min_size=J + 1, max_size=J + 1))
    sizes = level_sizes(measurement_levels(modality, n, J))
    m = data.draw(st.integers(int(sizes[0]), n * n))
    counts, mask = das_mask(modality, n, J, local, Fraction(m, n * n), 3)
    assert counts.sum() == mask.sum() == m
    assert counts[0] == sizes[0] and (counts <= sizes).all()
    L = measurement_levels(modality, n, J)
    assert np.bincount(L[mask], minlength=J + 1).tolist() == counts.tolist()


def test_json_of_a_noise_free_run_is_strict_json():
    # before: the NaN residual was written as a bare NaN, which strict JSON parsers reject
    import json

    from theorems.imaging.report import to_json

    r = run_float(size=16, restarts=2, curve=1, extra=0, rate=0.3, noise=0.0,
                  modalities=("walsh",), wavelets=("haar",))
    text = json.dumps(to_json(r, None), allow_nan=False)
    run = json.loads(text)["float64"]["runs"][0]
    assert run["residual_over_noise"] is None and run["reference_last_step"] is None
    assert len(run["psnr"]) == 2 and all(isinstance(v, float) for v in run["psnr"])


def test_fit_decay_ignores_non_finite_errors():
    # before: an infinite error made the fitted factor NaN
    assert abs(fit_decay((1.0, 0.5, float("inf"), 0.125, 0.0625)) - 0.5) < 1e-12
    assert fit_decay((1.0, float("nan"), float("inf"))) is None


def test_sampling_mask_refuses_fractional_counts_and_bad_seeds():
    # before: counts [16, 4.7] were truncated to [16, 4] silently; seed=-1 and seed="a" raised
    # from inside numpy's SeedSequence
    from theorems.imaging.sampling import sampling_mask

    L = wavelet_levels(8, 1)
    with pytest.raises(InvalidArgument, match="counts="):
        sampling_mask(L, [16, 4.7], 0)
    with pytest.raises(InvalidArgument, match="seed=-1"):
        sampling_mask(L, [16, 4], -1)
    with pytest.raises(InvalidArgument, match="seed='a'"):
        ellipses(16, "a")
    assert sampling_mask(L, [16.0, 4.0], np.int64(2)).sum() == 20
    assert np.array_equal(ellipses(16, 1, count=np.int64(3)), ellipses(16, 1, count=3))


def test_oracle_balls_refuse_a_negative_level_by_name():
    # before: level=-3 raised "cannot create fmpz/fmpq from object of type float" in flint
    from theorems.imaging.problems import oracle_balls

    w = sparse_problem("walsh", 8, 1, (1, 1), rate=0.5, seed=3, prec=64)
    with pytest.raises(InvalidArgument, match="level=-3"):
        oracle_balls(w.oracle.sample(0, 40), -3, 128)
    assert oracle_balls(w.oracle.sample(0, 40), np.int64(40), 128).nrows() == len(w.y)
