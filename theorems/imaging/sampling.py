r"""Multilevel sampling patterns for Fourier and Walsh measurements, and level weights.

Levels.  For an ``n x n`` image, ``n = 2^r``, with ``J`` wavelet levels the coefficients sit in
the usual pyramid layout: the approximation block is the top-left ``c x c`` square,
``c = 2^(r-J)``, and the detail coefficients of scale ``j = 1..J`` fill the L-shaped ring
between the squares of sides ``c 2^(j-1)`` and ``c 2^j``.  Level ``0`` is the approximation,
level ``j`` the ring ``j``; level ``j >= 1`` holds ``3 (c 2^(j-1))^2`` coefficients.

The measurement space is split the same way:

* **Walsh** (sequency order): the index ``(k1, k2)`` is in level ``j`` when
  ``max(k1, k2)`` is in ``[c 2^(j-1), c 2^j)`` (level 0: ``< c``).  Sequency bands and Haar
  scales coincide, which is why Walsh-Haar matrices are block-triangular in levels.
* **Fourier**: frequencies ``k`` run over ``[-n/2, n/2)``; fold them to
  ``t = k`` for ``k >= 0`` and ``t = -k - 1`` for ``k < 0`` (so ``t`` is in ``[0, n/2)`` and
  each value is taken twice), and let ``kappa = max(t1, t2)``.  Level 0 is ``kappa < c/2``
  (the centre ``c x c`` square ``[-c/2, c/2)^2``) and level ``j`` is
  ``c 2^(j-2) <= kappa < c 2^(j-1)``: square rings with exactly the sizes of the wavelet
  levels.

Masks are boolean ``n x n`` arrays in the transform's own index order: numpy's FFT order
(``np.fft.fftfreq``) for Fourier, sequency order for Walsh.  :func:`centred` shifts a Fourier
mask for display.

How many samples per level (the multilevel "DAS" idea, implemented from its description):
the total budget ``m`` is split in proportion to the image's *local sparsities* ``s_k``, the
number of its ``s`` largest wavelet coefficients that fall in level ``k``
(:func:`local_sparsities`), where ``s`` is the smallest count whose coefficients carry all but
a fraction ``tol`` of the energy.  Levels that would receive more than they hold are fully
sampled and the excess is spread over the others in the same proportion (water filling); the
coarsest level is always fully sampled.  :func:`power_law_counts` is the image-independent
alternative: density decaying like ``(j + 1)^-decay`` over the levels.  Inside a level the
positions are drawn uniformly without replacement from a seeded generator.

Weights for the weighted l1 norm: ``w_k = sqrt(s / s_k)`` on wavelet level ``k`` (SPEC
section 10), with levels of zero local sparsity given the largest weight of the others.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from theorems.errors import InvalidArgument

__all__ = [
    "MODALITIES",
    "check_size",
    "wavelet_levels",
    "measurement_levels",
    "level_sizes",
    "local_sparsities",
    "das_counts",
    "power_law_counts",
    "sampling_mask",
    "das_mask",
    "level_weights",
    "centred",
]

MODALITIES = ("fourier", "walsh")


def check_size(n: object, J: object) -> tuple[int, int]:
    """Validate an image side ``n`` (a power of two >= 4) and a level count ``1 <= J < log2 n``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 4 or n & (n - 1):
        raise InvalidArgument(f"n={n!r} must be a power of two >= 4")
    r = n.bit_length() - 1
    if isinstance(J, bool) or not isinstance(J, int) or not 1 <= J < r:
        raise InvalidArgument(f"J={J!r} must be an integer with 1 <= J < log2(n) = {r}")
    return n, J


def _dyadic_level(index: np.ndarray, c: int) -> np.ndarray:
    """0 for ``index < c``, else ``1 + floor(log2(index / c))`` (integer arithmetic)."""
    level = np.zeros(index.shape, dtype=np.int64)
    bound = c
    while True:
        above = index >= bound
        if not above.any():
            return level
        level[above] += 1
        bound *= 2


def wavelet_levels(n: int, J: int) -> np.ndarray:
    """The ``n x n`` array of wavelet levels ``0..J`` in the pyramid layout."""
    n, J = check_size(n, J)
    i = np.arange(n)
    return _dyadic_level(np.maximum(i[:, None], i[None, :]), n >> J)


def measurement_levels(modality: str, n: int, J: int) -> np.ndarray:
    """The ``n x n`` array of measurement levels, in the transform's index order."""
    n, J = check_size(n, J)
    if modality == "walsh":
        return wavelet_levels(n, J)
    if modality != "fourier":
        raise InvalidArgument(f"modality={modality!r} must be one of {MODALITIES}")
    k = np.rint(np.fft.fftfreq(n, 1 / n)).astype(np.int64)  # k in FFT order, in [-n/2, n/2)
    t = np.where(k >= 0, k, -k - 1)
    kappa = np.maximum(t[:, None], t[None, :])
    return _dyadic_level(2 * kappa, n >> J)


def level_sizes(levels: np.ndarray) -> np.ndarray:
    """How many entries each level ``0..max`` holds."""
    return np.bincount(np.asarray(levels).ravel())


def local_sparsities(coefficients: np.ndarray, J: int, *, tol: float = 1e-3) -> np.ndarray:
    """``s_k``: how many of the image's ``s`` largest wavelet coefficients (pyramid layout) lie
    in level ``k``, with ``s`` the smallest count carrying a fraction ``>= 1 - tol`` of the
    energy ``sum |c|^2``."""
    c = np.asarray(coefficients)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise InvalidArgument(f"coefficients has shape {c.shape}; expected a square array")
    if not 0 <= tol < 1:
        raise InvalidArgument(f"tol={tol!r} must be in [0, 1)")
    levels = wavelet_levels(c.shape[0], J).ravel()
    energy = np.abs(c.ravel()) ** 2
    order = np.argsort(-energy, kind="stable")
    total = energy.sum()
    if total == 0:
        return np.zeros(J + 1, dtype=np.int64)
    cumulative = np.cumsum(energy[order])
    s = int(np.searchsorted(cumulative, (1 - tol) * total) + 1)
    return np.bincount(levels[order[:s]], minlength=J + 1)


def _water_fill(share: np.ndarray, sizes: np.ndarray, budget: int) -> np.ndarray:
    """Integer counts ``<= sizes`` summing to ``min(budget, sizes.sum())``, proportional to
    ``share`` where not capped (largest remainders get the rounding)."""
    counts = np.zeros(len(sizes), dtype=np.int64)
    free = np.ones(len(sizes), dtype=bool)
    left = min(int(budget), int(sizes.sum()))
    while left > 0 and free.any():
        weights = np.where(free, share, 0.0)
        if weights.sum() <= 0:
            weights = np.where(free, sizes - counts, 0).astype(float)
        ideal = left * weights / weights.sum()
        capped = free & (counts + ideal >= sizes)
        if capped.any():
            left -= int((sizes[capped] - counts[capped]).sum())
            counts[capped] = sizes[capped]
            free &= ~capped
            continue
        base = np.floor(ideal).astype(np.int64)
        rest = left - int(base.sum())
        order = np.argsort(-(ideal - base), kind="stable")
        base[order[:rest]] += 1
        counts += base
        left = 0
    return counts


def das_counts(local: Sequence[int], sizes: Sequence[int], m: int) -> np.ndarray:
    """Samples per level: level 0 in full, the rest of ``m`` in proportion to ``local``,
    capped at each level's size (the excess spread over the uncapped levels)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    local = np.asarray(local, dtype=float)
    if local.shape != sizes.shape:
        raise InvalidArgument(f"local has {local.shape[0]} levels and sizes {sizes.shape[0]}")
    if isinstance(m, bool) or not isinstance(m, int) or not sizes[0] <= m <= sizes.sum():
        raise InvalidArgument(f"m={m!r} must be an integer between the size of level 0 "
                              f"({sizes[0]}) and the number of measurements ({sizes.sum()})")
    counts = np.zeros_like(sizes)
    counts[0] = sizes[0]
    counts[1:] = _water_fill(local[1:], sizes[1:], m - int(sizes[0]))
    return counts


def power_law_counts(sizes: Sequence[int], m: int, decay: float = 2.0) -> np.ndarray:
    """Samples per level with density ``~ (j + 1)^-decay``: level 0 in full, the rest of ``m``
    in proportion to ``size_j (j + 1)^-decay``, capped and water-filled like
    :func:`das_counts`."""
    sizes = np.asarray(sizes, dtype=np.int64)
    share = sizes * (np.arange(len(sizes)) + 1.0) ** (-float(decay))
    return das_counts(share, sizes, m)


def sampling_mask(levels: np.ndarray, counts: Sequence[int], seed: int) -> np.ndarray:
    """A boolean mask with ``counts[k]`` entries of level ``k``, drawn uniformly without
    replacement (``np.random.default_rng(seed)``, levels in order)."""
    levels = np.asarray(levels)
    counts = np.asarray(counts, dtype=np.int64)
    sizes = level_sizes(levels)
    if len(counts) != len(sizes) or (counts < 0).any() or (counts > sizes).any():
        raise InvalidArgument(f"counts={counts.tolist()} must be between 0 and the level sizes "
                              f"{sizes.tolist()}")
    rng = np.random.default_rng(seed)
    flat = levels.ravel()
    mask = np.zeros(flat.shape, dtype=bool)
    for k, count in enumerate(counts):
        where = np.flatnonzero(flat == k)
        mask[rng.choice(where, size=int(count), replace=False)] = True
    return mask.reshape(levels.shape)


def das_mask(modality: str, n: int, J: int, local: Sequence[int], rate: float, seed: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, mask)``: the DAS sampling of ``round(rate n^2)`` measurements of an
    ``n x n`` ``modality`` transform with ``J`` levels, from the local sparsities ``local``
    (:func:`das_counts` on the :func:`measurement_levels`, then :func:`sampling_mask` with
    ``seed``)."""
    levels = measurement_levels(modality, n, J)
    counts = das_counts(local, level_sizes(levels), int(round(rate * n * n)))
    return counts, sampling_mask(levels, counts, seed)


def level_weights(local: Sequence[int]) -> np.ndarray:
    """``w_k = sqrt(s / s_k)`` with ``s = sum s_k``; a level with ``s_k = 0`` gets the largest
    weight of the others (it is penalised most, as it should hold nothing)."""
    local = np.asarray(local, dtype=float)
    if (local < 0).any() or local.sum() <= 0:
        raise InvalidArgument(f"local sparsities {local.tolist()} must be >= 0, not all zero")
    s = local.sum()
    w = np.sqrt(s / np.where(local > 0, local, np.inf))
    w[local == 0] = w[local > 0].max()
    return w


def centred(mask: np.ndarray) -> np.ndarray:
    """A Fourier mask in FFT order shifted so that frequency 0 is in the middle (for display)."""
    return np.fft.fftshift(mask)
