r"""The imaging problems of SPEC section 10: ``y = A x + e`` with ``A = P_Omega U W^-1``.

``x`` holds the wavelet coefficients of an ``n x n`` image (pyramid layout, ``J`` levels,
flattened row-major), ``U`` is the unitary 2-D DFT (``"fourier"``) or the orthonormal
sequency-ordered 2-D Walsh-Hadamard transform (``"walsh"``), ``W^-1`` the orthonormal periodic
synthesis (Haar or db2) and ``P_Omega`` keeps the rows of a multilevel mask
(:mod:`theorems.imaging.sampling`).  ``||A||_2 <= 1`` is a proof (rows of a unitary map after an
orthogonal one), so ``L = 1``.

Float64 problems (part a) are built from a test image: local sparsities of its coefficients
fix the samples per level (DAS) and the weights ``w_k = sqrt(s / s_k)``; Gaussian noise (complex
for Fourier) is scaled to a fraction of ``||A x||_2``.

Exact problems (part b) are built from a coefficient vector that is EXACTLY sparse in levels
with dyadic entries; the image ``W^-1 x`` is then dyadic for Haar, the Walsh-Haar samples are
dyadic rationals (computed in ``Exact``), and the Fourier-Haar samples are enclosed in balls by
python-flint's rigorous ``acb.dft`` at any precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball, Exact, Float64
from algorithms.operators import DFT2, LinearOperator, Subsample, WalshHadamard2, Wavelet2D
from oracle import ComplexAnswer, Oracle
from oracle.evaluators import CertifiedVector
from theorems.errors import InvalidArgument
from theorems.imaging.sampling import (
    MODALITIES,
    _integer,
    _real,
    check_size,
    das_mask,
    level_weights,
    local_sparsities,
    wavelet_levels,
)

__all__ = ["ImagingProblem", "float_problem", "sparse_problem", "operator_for", "oracle_balls",
           "WAVELETS", "float_oracle", "read_float"]

WAVELETS = ("haar", "db2")


def operator_for(modality: str, wavelet: str, n: int, J: int, mask: np.ndarray
                 ) -> LinearOperator:
    """``P_Omega U W^-1`` for an ``n x n`` image, ``J`` wavelet levels and a boolean mask in the
    transform's index order."""
    if modality not in MODALITIES:
        raise InvalidArgument(f"modality={modality!r} must be one of {MODALITIES}")
    n, J = check_size(n, J)
    mask = np.asarray(mask)
    if mask.shape != (n, n) or mask.dtype != bool:
        raise InvalidArgument(f"mask has shape {mask.shape} and dtype {mask.dtype}; a boolean "
                              f"{n} x {n} array is required (n={n})")
    U = DFT2((n, n)) if modality == "fourier" else WalshHadamard2((n, n))
    return Subsample(np.flatnonzero(mask.ravel()), n * n) @ U @ Wavelet2D((n, n), wavelet, J)


@dataclass(frozen=True)
class ImagingProblem:
    """One problem: the operator, the truth ``x`` (coefficients; ``image`` = ``W^-1 x``), the
    data ``y`` (float64 array, or exact values for :func:`sparse_problem`), the mask, the
    per-coefficient weights, the local sparsities and the noise norm ``||e||_2``."""

    modality: str
    wavelet: str
    n: int
    J: int
    op: LinearOperator = field(repr=False)
    x: np.ndarray = field(repr=False)
    image: np.ndarray = field(repr=False)
    y: Any = field(repr=False)
    mask: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    local: tuple[int, ...]
    counts: tuple[int, ...]
    noise_norm: float
    #: the matrix-free oracle serving the samples (part a: the float64 noisy data as exact
    #: dyadics; part b: the exact samples)
    oracle: Any = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.modality.capitalize()}-{self.wavelet.capitalize()}"

    @property
    def rate(self) -> float:
        return float(self.mask.sum()) / self.mask.size


def _weights(local: np.ndarray, n: int, J: int) -> np.ndarray:
    """Per-coefficient weights ``w_k = sqrt(s/s_k)`` as dyadic rationals of 30 bits (exact in
    every context); level of each coefficient from the pyramid layout."""
    wk = level_weights(local)
    wq = [gmpy2.mpq(round(float(w) * 2**30), 2**30) for w in wk]
    lev = wavelet_levels(n, J).ravel()
    return np.array([wq[k] for k in lev], dtype=object)


def float_problem(modality: str, wavelet: str, image: np.ndarray, *, J: int, rate: float,
                  noise: float, seed: int, tol: float = 1e-3) -> ImagingProblem:
    """The paper's set-up in float64 for the test ``image`` (``n x n``, values in ``[0, 1]``).

    DAS mask with ``round(rate n^2)`` samples from the local sparsities of the image's
    coefficients (energy tolerance ``tol``), weights from the same sparsities, noise ``e``
    Gaussian (``numpy.random.default_rng(seed + 1)``; complex for Fourier) scaled to
    ``noise * ||A x||_2``."""
    if modality not in MODALITIES:
        raise InvalidArgument(f"modality={modality!r} must be one of {MODALITIES}")
    image = np.asarray(image)
    if (image.ndim != 2 or image.shape[0] != image.shape[1]
            or not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image)
            or not np.isfinite(image).all()):
        raise InvalidArgument(f"image has shape {image.shape} and dtype {image.dtype}; a "
                              f"square n x n array of finite real numbers is required")
    n = image.shape[0]
    n, J = check_size(n, J)
    if not _real("noise", noise) >= 0:
        raise InvalidArgument(f"noise={noise!r} must be >= 0 (a fraction of ||A x||_2)")
    noise = float(noise)
    if _integer(seed) is None or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an integer >= 0")
    seed = int(seed)
    F = Float64()
    W = Wavelet2D((n, n), wavelet, J)
    x = W.adjoint(F, np.ascontiguousarray(image, dtype=float).ravel())
    local = local_sparsities(x.reshape(n, n), J, tol=tol)
    if not local.any():
        raise InvalidArgument("image is identically zero: it has no wavelet coefficient to "
                              "set the sampling densities and weights from")
    counts, mask = das_mask(modality, n, J, local, rate, seed)
    op = operator_for(modality, wavelet, n, J, mask)
    y0 = op.apply(F, x)
    rng = np.random.default_rng(seed + 1)
    e = rng.standard_normal(y0.shape[0])
    if modality == "fourier":
        e = e + 1j * rng.standard_normal(y0.shape[0])
    e = e * (noise * np.linalg.norm(y0) / np.linalg.norm(e))
    y = y0 + e
    return ImagingProblem(modality, wavelet, n, J, op, x, image, y, mask,
                          _weights(local, n, J), tuple(int(v) for v in local),
                          tuple(int(v) for v in counts), float(np.linalg.norm(e)),
                          float_oracle(y, n * n))


def float_oracle(y: np.ndarray, N: int) -> Oracle:
    """A matrix-free oracle serving the float64 data ``y`` as the exact numbers they are.

    Every float64 is a dyadic rational, so the noisy samples ARE exact data: real samples are
    given as ``gmpy2.mpq`` values, complex ones as a :class:`CertifiedVector` of zero-radius
    ``acb`` balls (exact at any precision).  Part (a) reads them through this oracle, like
    every algorithm of the project reads its data."""
    from flint import acb, fmpq

    m = int(y.shape[0])
    if np.iscomplexobj(y):
        parts = [(fmpq(*float(v.real).as_integer_ratio()), fmpq(*float(v.imag).as_integer_ratio()))
                 for v in y]

        def evaluate(bits: int) -> list:
            return [acb(a, b) for a, b in parts]

        sample: Any = CertifiedVector(m, evaluate, is_complex=True,
                                      description="noisy float64 Fourier samples (exact dyadics)")
    else:
        sample = [gmpy2.mpq(*float(v).as_integer_ratio()) for v in y]
    return Oracle(None, [sample], shape=(m, N))


def read_float(oracle: Oracle, level: int = 80) -> np.ndarray:
    """The sample of ``oracle`` read once at ``level`` (``||y_n - y||_2 <= 2^-level``), as a
    float64 (or complex128) array: the data an algorithm of part (a) sees."""
    answer = oracle.sample(0, level)
    if isinstance(answer, ComplexAnswer):
        return np.array([complex(float(a), float(b))
                         for a, b in zip(answer.real, answer.imag, strict=True)])
    return np.array([float(v) for v in answer])


def sparse_coefficients(n: int, J: int, per_level: tuple[int, ...], seed: int) -> np.ndarray:
    """Exact dyadic coefficients, exactly sparse in levels: ``per_level[k]`` nonzeros drawn
    uniformly in level ``k`` (pyramid layout), values ``+-(1 + j/8) 2^-k``, ``j in 0..7``
    (coarse levels carry the larger values, as images do)."""
    lev = wavelet_levels(n, J).ravel()
    rng = np.random.default_rng(seed)
    x = np.array([gmpy2.mpq(0)] * (n * n), dtype=object)
    for k, count in enumerate(per_level):
        where = np.flatnonzero(lev == k)
        if count > where.size:
            raise InvalidArgument(f"per_level[{k}]={count} exceeds the level size {where.size}")
        for i in rng.choice(where, size=count, replace=False):
            sign = 1 if rng.random() < 0.5 else -1
            x[i] = sign * gmpy2.mpq(8 + int(rng.integers(0, 8)), 8 * 2**k)
    return x


def sparse_problem(modality: str, n: int, J: int, per_level: tuple[int, ...], *, rate: float,
                   seed: int, prec: int) -> ImagingProblem:
    """A noise-free Haar problem whose truth is exactly sparse in levels (part b).

    Samples per level: DAS from the (known) local sparsities ``per_level``, at least twice the
    sparsity plus a margin where the level allows.  ``y`` is exact: Walsh-Haar samples are
    dyadic rationals (computed in ``Exact``); Fourier-Haar samples are balls at ``prec`` bits
    from ``acb.dft`` (an ``acb_mat`` whose balls contain the exact samples)."""
    n, J = check_size(n, J)
    levels = list(per_level) if isinstance(per_level, tuple | list | np.ndarray) else None
    if (levels is None or len(levels) != J + 1
            or any(_integer(v) is None or v < 0 for v in levels) or not any(levels)):
        raise InvalidArgument(f"per_level={per_level!r} must be {J + 1} integers >= 0 (one per "
                              f"wavelet level 0..J, J={J}), not all zero")
    per_level = tuple(int(v) for v in levels)
    if _integer(seed) is None or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an integer >= 0")
    x = sparse_coefficients(n, J, per_level, seed)
    local = np.array(per_level)
    counts, mask = das_mask(modality, n, J, local, rate, seed)
    op = operator_for(modality, "haar", n, J, mask)
    image_op = Wavelet2D((n, n), "haar", J)
    image = Exact().to_rationals(image_op.apply(Exact(), Exact().vector(list(x))))
    m = op.shape[0]
    if modality == "walsh":
        y: Any = Exact().to_rationals(op.apply(Exact(), Exact().vector(list(x))))
        sample: Any = list(y)
    else:
        B = Ball(prec)
        y = op.apply(B, B.vector(list(x), complex=True))

        def evaluate(bits: int) -> list:
            return op.apply(Ball(bits), Ball(bits).vector(list(x), complex=True)).entries()

        sample = CertifiedVector(m, evaluate, is_complex=True,
                                 description=f"unitary DFT of a dyadic {n}x{n} Haar image")
    served = Oracle(None, [sample], shape=(m, n * n))
    return ImagingProblem(modality, "haar", n, J, op, x,
                          np.array([float(v) for v in image]).reshape(n, n), y, mask,
                          _weights(local, n, J), tuple(int(v) for v in local),
                          tuple(int(v) for v in counts), 0.0, served)


def oracle_balls(answer: Any, level: int, prec: int) -> Any:
    """Balls (at ``prec`` bits) that contain the exact sample, from an oracle answer at
    ``level``: the promise ``||y_n - y||_2 <= 2^-level`` bounds every real and imaginary part
    by ``2^-level``, so each entry widened by ``2^-level`` (in each part) is a rigorous
    enclosure."""
    from flint import acb, acb_mat, arb, arb_mat, fmpq

    from algorithms.arithmetic import flint_prec

    if _integer(level) is None or level < 0:
        raise InvalidArgument(f"level={level!r} must be an integer >= 0 (the answer's "
                              f"accuracy 2^-level)")
    level = int(level)

    def ball(q: gmpy2.mpq) -> arb:
        return arb(fmpq(int(q.numerator), int(q.denominator)), fmpq(1, 2**level))

    with flint_prec(prec):
        if isinstance(answer, ComplexAnswer):
            ents = [acb(ball(a), ball(b)) for a, b in zip(answer.real, answer.imag, strict=True)]
            return acb_mat(len(ents), 1, ents)
        ents = [ball(a) for a in answer]
        return arb_mat(len(ents), 1, ents)
