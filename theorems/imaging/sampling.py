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

import math
import numbers
import operator
from collections.abc import Sequence

import numpy as np

from theorems.errors import InvalidArgument, InvalidType

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


def _integer(value: object) -> int | None:
    """``value`` as a Python int if it is an integer (Python or numpy, not bool), else None."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        return None
    return operator.index(value)


def _real(name: str, value: object) -> float:
    """``value`` (any real number type: int, float, numpy, Fraction, gmpy2) as a finite float;
    otherwise :class:`InvalidType` / :class:`InvalidArgument` naming ``name``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        try:
            import gmpy2

            ok = isinstance(value, type(gmpy2.mpq(0)) | type(gmpy2.mpz(0)) | type(gmpy2.mpfr(0)))
        except ImportError:  # pragma: no cover - gmpy2 is a dependency
            ok = False
        if not ok:
            raise InvalidType(f"{name}={value!r} must be a real number")
    v = float(value)  # type: ignore[arg-type]
    if not math.isfinite(v):
        raise InvalidArgument(f"{name}={value!r} must be finite")
    return v


def check_size(n: object, J: object) -> tuple[int, int]:
    """Validate an image side ``n`` (a power of two >= 4) and a level count ``1 <= J < log2 n``
    (Python or numpy integers); both are returned as Python ints."""
    ni = _integer(n)
    if ni is None or ni < 4 or ni & (ni - 1):
        raise InvalidArgument(f"n={n!r} must be a power of two >= 4")
    r = ni.bit_length() - 1
    Ji = _integer(J)
    if Ji is None or not 1 <= Ji < r:
        raise InvalidArgument(f"J={J!r} must be an integer with 1 <= J < log2(n) = {r}")
    return ni, Ji


def _counts_vector(name: str, values: object) -> np.ndarray:
    """A 1-D vector of finite numbers >= 0 (local sparsities or shares), as float64."""
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{name}={values!r} must be a sequence of numbers >= 0") from None
    if v.ndim != 1 or v.size == 0 or not np.isfinite(v).all() or (v < 0).any():
        raise InvalidArgument(f"{name}={np.asarray(values).tolist()!r} must be a non-empty "
                              f"sequence of finite numbers >= 0")
    return v


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
    if not np.issubdtype(c.dtype, np.number) or not np.isfinite(c).all():
        raise InvalidArgument("coefficients must be finite numbers (found a NaN, an infinity "
                              f"or a non-number; dtype {c.dtype})")
    if not 0 <= _real("tol", tol) < 1:
        raise InvalidArgument(f"tol={tol!r} must be in [0, 1)")
    J = check_size(c.shape[0], J)[1]
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
    sizes_in = sizes
    sizes = np.asarray(sizes)
    if (sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.number)
            or np.iscomplexobj(sizes) or not np.isfinite(sizes).all()
            or (sizes != np.round(sizes)).any() or (sizes < 0).any()):
        raise InvalidArgument(f"sizes={sizes_in!r} must be a non-empty sequence of integers "
                              f">= 0")
    sizes = sizes.astype(np.int64)
    local = _counts_vector("local", local)
    if local.shape != sizes.shape:
        raise InvalidArgument(f"local has {local.shape[0]} levels and sizes {sizes.shape[0]}")
    mi = _integer(m)
    if mi is None or not sizes[0] <= mi <= sizes.sum():
        raise InvalidArgument(f"m={m!r} must be an integer between the size of level 0 "
                              f"({sizes[0]}) and the number of measurements ({sizes.sum()})")
    m = mi
    counts = np.zeros_like(sizes)
    counts[0] = sizes[0]
    counts[1:] = _water_fill(local[1:], sizes[1:], m - int(sizes[0]))
    return counts


def power_law_counts(sizes: Sequence[int], m: int, decay: float = 2.0) -> np.ndarray:
    """Samples per level with density ``~ (j + 1)^-decay``: level 0 in full, the rest of ``m``
    in proportion to ``size_j (j + 1)^-decay``, capped and water-filled like
    :func:`das_counts`."""
    decay_f = _real("decay", decay)
    sizes = np.asarray(sizes, dtype=np.int64)
    share = sizes * (np.arange(len(sizes)) + 1.0) ** (-decay_f)
    return das_counts(share, sizes, m)


def sampling_mask(levels: np.ndarray, counts: Sequence[int], seed: int) -> np.ndarray:
    """A boolean mask with ``counts[k]`` entries of level ``k``, drawn uniformly without
    replacement (``np.random.default_rng(seed)``, levels in order)."""
    levels = np.asarray(levels)
    if (levels.size == 0 or not np.issubdtype(levels.dtype, np.integer)
            or np.issubdtype(levels.dtype, np.bool_) or (levels < 0).any()):
        raise InvalidArgument(f"levels (dtype {levels.dtype}, shape {levels.shape}) must be a "
                              f"non-empty array of level numbers >= 0")
    raw = np.asarray(counts)
    if (raw.ndim != 1 or not np.issubdtype(raw.dtype, np.number) or np.iscomplexobj(raw)
            or not np.isfinite(raw).all() or (raw != np.round(raw)).any()):
        raise InvalidArgument(f"counts={raw.tolist()!r} must be a sequence of integers")
    counts = raw.astype(np.int64)
    sizes = level_sizes(levels)
    if len(counts) != len(sizes) or (counts < 0).any() or (counts > sizes).any():
        raise InvalidArgument(f"counts={counts.tolist()} must be between 0 and the level sizes "
                              f"{sizes.tolist()}")
    if _integer(seed) is None or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an integer >= 0")
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
    n = check_size(n, J)[0]
    sizes = level_sizes(levels)
    r = _real("rate", rate)
    m = int(round(r * n * n))
    if not sizes[0] <= m <= n * n:
        raise InvalidArgument(f"rate={rate!r} gives m = round(rate n^2) = {m} samples; it must "
                              f"be between {sizes[0]} (level 0, always sampled in full) and "
                              f"{n * n}, i.e. rate in [{sizes[0] / (n * n):g}, 1]")
    counts = das_counts(local, sizes, m)
    return counts, sampling_mask(levels, counts, seed)


def level_weights(local: Sequence[int]) -> np.ndarray:
    """``w_k = sqrt(s / s_k)`` with ``s = sum s_k``; a level with ``s_k = 0`` gets the largest
    weight of the others (it is penalised most, as it should hold nothing)."""
    local = _counts_vector("local", local)
    if local.sum() <= 0:
        raise InvalidArgument(f"local sparsities {local.tolist()} must be >= 0, not all zero")
    s = local.sum()
    w = np.sqrt(s / np.where(local > 0, local, np.inf))
    w[local == 0] = w[local > 0].max()
    return w


def centred(mask: np.ndarray) -> np.ndarray:
    """A Fourier mask in FFT order shifted so that frequency 0 is in the middle (for display)."""
    return np.fft.fftshift(mask)
