"""Multilevel sampling patterns, local sparsities, level weights and test images."""

from __future__ import annotations

import numpy as np
import pytest

from theorems.errors import InvalidArgument
from theorems.imaging.phantoms import SHIPPED, detail_mask, ellipses, fine_detail, phantom
from theorems.imaging.sampling import (
    MODALITIES,
    centred,
    das_counts,
    level_sizes,
    level_weights,
    local_sparsities,
    measurement_levels,
    power_law_counts,
    sampling_mask,
    wavelet_levels,
)


@pytest.mark.parametrize(("n", "J"), [(8, 1), (8, 2), (16, 3), (64, 4)])
@pytest.mark.parametrize("modality", MODALITIES)
def test_measurement_levels_have_the_sizes_of_the_wavelet_levels(modality, n, J):
    c = n >> J
    expected = [c * c] + [3 * (c << (j - 1)) ** 2 for j in range(1, J + 1)]
    assert level_sizes(wavelet_levels(n, J)).tolist() == expected
    assert level_sizes(measurement_levels(modality, n, J)).tolist() == expected


def test_fourier_level_zero_is_the_centred_square():
    n, J = 16, 2
    shown = centred(measurement_levels("fourier", n, J) == 0)
    c = n >> J
    square = np.zeros((n, n), dtype=bool)
    square[n // 2 - c // 2: n // 2 + c // 2, n // 2 - c // 2: n // 2 + c // 2] = True
    assert np.array_equal(shown, square)


def test_wavelet_levels_follow_the_pyramid_layout():
    L = wavelet_levels(8, 2)
    assert L[0, 0] == L[1, 1] == 0 and L[0, 2] == L[3, 3] == 1 and L[4, 0] == L[7, 7] == 2


def test_das_counts_fill_level_zero_then_split_by_local_sparsity():
    sizes = [16, 48, 192, 768]
    counts = das_counts([5, 10, 20, 10], sizes, 200)
    assert counts.sum() == 200 and counts[0] == 16
    assert (counts <= sizes).all()
    rest = counts[1:]
    assert abs(rest[1] - 2 * rest[0]) <= 1 and abs(rest[1] - 2 * rest[2]) <= 1


def test_das_counts_cap_full_levels_and_spread_the_excess():
    sizes = [4, 12, 48]
    counts = das_counts([1, 100, 1], sizes, 40)
    assert counts.tolist() == [4, 12, 24]
    assert das_counts([1, 1, 1], sizes, 64).tolist() == sizes


def test_power_law_density_decays_over_levels():
    sizes = level_sizes(measurement_levels("fourier", 64, 4))
    counts = power_law_counts(sizes, int(0.15 * 64 * 64), decay=2.0)
    density = counts / sizes
    assert counts.sum() == int(0.15 * 64 * 64)
    assert all(density[j] >= density[j + 1] for j in range(len(sizes) - 1))


@pytest.mark.parametrize("modality", MODALITIES)
def test_masks_have_the_counts_per_level_and_follow_the_seed(modality):
    L = measurement_levels(modality, 32, 3)
    counts = das_counts([3, 4, 8, 6], level_sizes(L), 150)
    mask = sampling_mask(L, counts, seed=7)
    assert np.bincount(L[mask], minlength=4).tolist() == counts.tolist()
    assert np.array_equal(mask, sampling_mask(L, counts, seed=7))
    assert not np.array_equal(mask, sampling_mask(L, counts, seed=8))


def test_local_sparsities_count_the_significant_coefficients_per_level():
    c = np.zeros((8, 8))
    c[0, 0] = 10.0          # level 0
    c[0, 2] = c[3, 1] = 5   # level 1
    c[5, 6] = 3             # level 2
    c[7, 7] = 1e-6          # negligible
    assert local_sparsities(c, 2).tolist() == [1, 2, 1]


def test_level_weights_are_sqrt_s_over_s_k():
    w = level_weights([1, 4, 0, 16])
    assert np.allclose(w[[0, 1, 3]], np.sqrt(21 / np.array([1, 4, 16])), rtol=0, atol=1e-15)
    assert w[2] == w.max()


def test_bad_settings_are_refused_by_name():
    with pytest.raises(InvalidArgument, match="n=12"):
        wavelet_levels(12, 1)
    with pytest.raises(InvalidArgument, match="J=3"):
        wavelet_levels(8, 3)
    with pytest.raises(InvalidArgument, match="modality"):
        measurement_levels("radon", 8, 1)
    with pytest.raises(InvalidArgument, match="m=2"):
        das_counts([1, 1], [4, 12], 2)
    with pytest.raises(InvalidArgument, match="counts"):
        sampling_mask(wavelet_levels(8, 1), [17, 0], 0)


def test_phantoms_are_reproducible_images_in_the_unit_interval():
    a, b = ellipses(64, seed=3), ellipses(64, seed=3)
    assert a.shape == (64, 64) and np.array_equal(a, b)
    assert a.min() == 0 and a.max() == 1
    assert not np.array_equal(a, ellipses(64, seed=4))
    d = fine_detail(64, seed=3)
    assert (d[detail_mask(64)] >= 0.5).all() and detail_mask(64).sum() == 5
    assert phantom("textured", 32, 1).shape == (32, 32)
    with pytest.raises(InvalidArgument, match="n=100"):
        ellipses(100)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_images_load_without_a_network(name):
    img = phantom(name, 64)
    assert img.shape == (64, 64) and 0 <= img.min() and img.max() == 1
