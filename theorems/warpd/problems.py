r"""The five demonstration problems of ``python -m theorems warpd`` and their exact data.

Each builder returns a :class:`Problem`: the operator ``A``, data ``b``, ``eps``, the
regulariser ``J`` and analysis term ``B`` (for the engine), the reference solution ``x_ref``
with a sentence saying why it is the minimiser, the constants the runs use and the ones theory
prescribes.

1. :func:`sparse_problem`: Gaussian compressed sensing, ``min ||x||_1`` s.t. ``Ax = b``, exact
   dyadic ``A`` (entries ``round(2^12 g)/(2^12 sqrt-ish m)``) and exact ``b = A x``.  ``x`` is
   proven the unique minimiser by an exact dual certificate found by linear programming
   (:mod:`theorems.warpd.sharpness`).
2. :func:`tv_problem`: isotropic TV recovery of a random-ellipse phantom from a fraction of its
   unitary 2-D Fourier samples (multilevel power-law pattern of :mod:`theorems.imaging.sampling`)
   with Gaussian noise of relative size ``noise``; ``eps`` is the noise norm.
3. :func:`completion_problem`: matrix completion, ``min ||X||_*`` s.t. ``P_Omega X = P_Omega M``.
4. :func:`lowrank_problem`: low-rank recovery from Gaussian measurements, exact dyadic ``A``.
5. :func:`mixed_problem`: TV plus db2-wavelet l1-analysis from noisy Fourier samples.

2b. :func:`tv_exact_problem`: problem 2 without noise (``eps = 0``, smaller image).

For 3 and 4 ``eps = 0`` and the reference is the ground truth: WARPd's iterates converge to
a minimiser (the primal-dual convergence theorem), so when they converge to ``M`` the truth IS
the minimiser reached.  For 2, 2b and 5 the minimiser is not known in closed form and the
reference is computed by an INDEPENDENT algorithm, ADMM (:mod:`algorithms.solvers.admm`: exact
DCT x-step for the Neumann differences, exact projection onto the data ball in Fourier), whose
relative KKT residual is reported.  The constants used: problem 1 ``C1 = C2 = 3``; 2 and 5
``C1 = 3, C2 = 30`` with ``w0 = ||b||``; 2b ``C1 = 1, C2 = 30``.

What the independent reference showed (32 x 32 TV, 15 %, 2 % noise; ADMM variants agree with
each other to 5e-8): WARPd with ``C1 = 3, C2 = 30`` converges linearly to a WRONG point, 5.3e-5
(relative) from the ADMM minimiser with TV 41.6072914 against 41.6072906 (a 3x longer WARPd run
agrees with itself, which proves nothing); with ``C2 = 30`` and ``C1 = 10`` or ``30`` it
stalls 7.2e-6 and 1.0e-6 away after 109 k and 326 k steps (:func:`theorems.warpd.noisefloor.
tv_floor`).  The reason is proven in :mod:`theorems.warpd.noisefloor`: with ``eps > 0`` the
objective grows only quadratically along the data ball, so approximate sharpness at the
minimiser needs an additive ``c >= c_min(C1) > 0`` and no fixed constants give linear
convergence to the minimiser.  Without noise the
problem is polyhedral and sharp with ``C1 C2 ~ 10``: WARPd then converges to the ADMM
minimiser at the schedule's rate down to 1e-14 (problem 2b).  Problem 5 without noise still
needs ``C2 >= 72``.  3 ``C1 = 5, C2 = 1``
(the theory's ``C1 = sqrt(n1 n2/m) = 1.83, C2 = 1`` froze at 2e-2 on a 100 x 100 rank-3
instance: its ``k = 11`` is too small); 4 ``C1 = C2 = 2``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Float64
from algorithms.operators import DFT2, Dense, Subsample, Wavelet2D
from algorithms.operators.base import LinearOperator
from algorithms.proximal import (
    ComplexGradient2D,
    NuclearNorm,
    RealDomain,
    Regulariser,
    Scaled,
    Stack,
    WeightedL1,
    Zero,
)
from theorems.imaging.phantoms import ellipses
from theorems.imaging.sampling import measurement_levels, power_law_counts, sampling_mask

__all__ = ["Problem", "admm_reference", "initial_level", "sparse_problem", "tv_problem",
           "tv_exact_problem", "completion_problem", "lowrank_problem", "mixed_problem",
           "exact_gaussian"]


@dataclass
class Problem:
    """One demo problem (module docstring).  ``C1``, ``C2``: the constants the WARPd runs use;
    ``theory``: prescribed constants (``None`` when the theory gives none), ``why_ref``: why
    ``x_ref`` is the minimiser; ``exact``: exact rational data (problem 1) or ``None``."""

    key: str
    title: str
    A: LinearOperator
    b: Any = field(repr=False)
    eps: Any
    J: Regulariser
    B: LinearOperator | None
    x_ref: np.ndarray | None = field(repr=False)
    why_ref: str
    C1: float
    C2: float
    theory: dict[str, Any] = field(default_factory=dict)
    exact: dict[str, Any] | None = field(default=None, repr=False)
    size: str = ""
    fista: bool = False
    #: start the error level at ``||b||`` instead of ``C2 ||b||`` (then ``||0 - x_hat|| <=
    #: C1 w0`` holds when ``||x_hat|| <= C1 ||b||``, true for the images here)
    w0_norm_b: bool = False


REF_NOTE = ("not known in closed form: ADMM (algorithms.solvers.admm; exact DCT x-step and "
            "exact Fourier projection, a different algorithm from primal-dual) run to its KKT "
            "tolerance or iteration cap; its KKT residual is printed")


def exact_gaussian(m: int, n: int, rng: np.random.Generator, bits: int = 12) -> np.ndarray:
    """An ``m x n`` dyadic matrix ``round(2^bits g) / (2^bits 2^ceil(log2 sqrt m))`` with
    ``g`` standard normal: exact rationals, columns of norm about 1."""
    den = 2 ** bits * 2 ** math.ceil(math.log2(math.sqrt(m)))
    G = np.rint(rng.standard_normal((m, n)) * 2 ** bits).astype(np.int64)
    return np.array([[gmpy2.mpq(int(v), den) for v in row] for row in G], dtype=object)


def sparse_problem(m: int = 20, N: int = 40, s: int = 4, seed: int = 0) -> Problem:
    """Problem 1 (exact data, certified reference; sharpness constants from the certificate)."""
    from theorems.warpd.sharpness import lp_certificate

    rng = np.random.default_rng(seed)
    for _ in range(50):
        A = exact_gaussian(m, N, rng)
        x = np.array([gmpy2.mpq(0)] * N, dtype=object)
        for i in rng.choice(N, s, replace=False):
            x[i] = gmpy2.mpq(int(rng.integers(4, 16)) * int(rng.choice([-1, 1])), 8)
        cert = lp_certificate(A, x)
        if cert.valid:
            break
    b = A.dot(x)
    return Problem(
        "sparse", "1. Gaussian compressed sensing (l1)", Dense(A), b, gmpy2.mpq(0),
        WeightedL1(), None, np.array([float(v) for v in x]),
        "unique minimiser: exact dual certificate (LP, verified in rationals)",
        C1=3.0, C2=3.0,
        theory={"C1": float(cert.C1), "C2": float(cert.C2), "source": "LP certificate"},
        exact={"A": A, "b": b, "x": x, "certificate": cert}, size=f"{m} x {N}, s = {s}",
        fista=True)


def _fourier(n: int, fraction: float, seed: int) -> tuple[LinearOperator, np.ndarray]:
    J = max(1, int(math.log2(n)) - 3)
    levels = measurement_levels("fourier", n, J)
    sizes = np.bincount(levels.ravel())
    counts = power_law_counts(sizes, int(round(fraction * n * n)))
    mask = sampling_mask(levels, counts, seed).reshape(-1)
    idx = np.flatnonzero(mask)
    return RealDomain(Subsample(idx, n * n) @ DFT2((n, n))), idx


def _noisy(A: LinearOperator, x: np.ndarray, noise: float, seed: int
           ) -> tuple[np.ndarray, gmpy2.mpq]:
    ctx = Float64()
    clean = A.apply(ctx, x)
    rng = np.random.default_rng(seed + 1000)
    e = rng.standard_normal(clean.shape) + 1j * rng.standard_normal(clean.shape)
    e *= noise * np.linalg.norm(clean) / np.linalg.norm(e)
    eps = gmpy2.mpq(float(np.linalg.norm(e)) * (1 + 1e-12))
    return clean + e, eps


def tv_problem(n: int = 128, fraction: float = 0.15, noise: float = 0.02, seed: int = 0
               ) -> Problem:
    """Problem 2: isotropic TV from ``fraction`` Fourier samples with relative noise."""
    img = ellipses(n, seed)
    A, idx = _fourier(n, fraction, seed)
    b, eps = _noisy(A, img.reshape(-1), noise, seed)
    return Problem("tv", "2. TV, Fourier samples, noise", A, b, eps, Zero(),
                   ComplexGradient2D((n, n)), None, REF_NOTE, C1=3.0, C2=30.0, w0_norm_b=True,
                   theory={"source": "none (TV sharpness not computed)"},
                   size=f"{n} x {n}, {len(idx) / n / n:.0%} samples, {noise:.0%} noise",
                   exact={"image": img, "shape": (n, n), "indices": idx, "wavelet_weight": 0})


def tv_exact_problem(n: int = 32, fraction: float = 0.4, seed: int = 0) -> Problem:
    """Problem 2b: :func:`tv_problem` WITHOUT noise (``eps = 0``, ``Ax = b``), where the
    constraint is affine and the problem polyhedral, hence sharp (Hoffman).  The constants
    ``C1 = 1, C2 = 30`` come from the measured sharpness against the ADMM minimiser on this
    instance (32 x 32, 40 %: ``C2_min = 23``, smallest valid ``C1`` at ``C2 = 30`` about 0.32;
    16 x 16, 50 %: 21 and 0.30): a margin of 3 in ``C1``."""
    p = tv_problem(n=n, fraction=fraction, noise=0.0, seed=seed)
    return replace(p, key="tv-exact", title="2b. TV, Fourier samples, no noise (eps = 0)",
                   C1=1.0, C2=30.0,
                   theory={"source": "measured against ADMM (C1 >= 0.32 at C2 = 30)"},
                   size=p.size.replace(", 0% noise", ", eps = 0"))


def completion_problem(n: int = 200, rank: int = 5, fraction: float = 0.3, seed: int = 0
                       ) -> Problem:
    """Problem 3: matrix completion; theory ``C1 = sqrt(n1 n2 / m)``, ``C2 = 1``."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, n)) / math.sqrt(rank)
    m = int(round(fraction * n * n))
    idx = np.sort(rng.choice(n * n, m, replace=False))
    A = Subsample(idx, n * n)
    b = M.reshape(-1)[idx]
    c1 = math.sqrt(n * n / m)
    return Problem("completion", "3. matrix completion (nuclear norm)", A, b, gmpy2.mpq(0),
                   NuclearNorm(n, n), None, M.reshape(-1),
                   "ground truth (eps = 0; the iterates converge to it)",
                   C1=5.0, C2=1.0, theory={"C1": c1, "C2": 1.0, "source": "sqrt(n1 n2/m), 1"},
                   size=f"{n} x {n}, rank {rank}, {fraction:.0%} entries", fista=True)


def lowrank_problem(n: int = 20, rank: int = 2, m: int = 200, seed: int = 0) -> Problem:
    """Problem 4: low-rank recovery from ``m`` exact dyadic Gaussian measurements."""
    rng = np.random.default_rng(seed)
    U = np.rint(rng.standard_normal((n, rank)) * 8) / 8
    V = np.rint(rng.standard_normal((rank, n)) * 8) / 8
    M = U @ V
    Aq = exact_gaussian(m, n * n, rng, bits=10)
    A = Dense(Aq)
    Mq = np.array([gmpy2.mpq(float(v)) for v in M.reshape(-1)], dtype=object)
    b = Aq.dot(Mq)
    return Problem("lowrank", "4. low-rank from Gaussian measurements", A, b, gmpy2.mpq(0),
                   NuclearNorm(n, n), None, M.reshape(-1),
                   "ground truth (eps = 0; the iterates converge to it)",
                   C1=2.0, C2=2.0, theory={"source": "none computed (rank-RIP constants)"},
                   size=f"{n} x {n}, rank {rank}, m = {m}", fista=True)


def mixed_problem(n: int = 64, fraction: float = 0.2, noise: float = 0.02, seed: int = 1,
                  wavelet_weight: object = gmpy2.mpq(1, 2)) -> Problem:
    """Problem 5: ``||grad x||_{iso} + w ||W^T x||_1`` (db2 wavelet) from noisy Fourier
    samples."""
    img = ellipses(n, seed, texture=True)
    A, idx = _fourier(n, fraction, seed)
    b, eps = _noisy(A, img.reshape(-1), noise, seed)
    B = Stack([ComplexGradient2D((n, n)), Scaled(wavelet_weight, Wavelet2D((n, n), "db2").H)])
    return Problem("mixed", "5. TV + wavelet (mixed)", A, b, eps, Zero(), B, None,
                   REF_NOTE, C1=3.0, C2=30.0, w0_norm_b=True,
                   theory={"source": "none (mixed sharpness not computed)"},
                   size=f"{n} x {n}, {len(idx) / n / n:.0%} samples, {noise:.0%} noise",
                   exact={"image": img, "shape": (n, n), "indices": idx,
                          "wavelet_weight": wavelet_weight})


def initial_level(prob: Problem) -> gmpy2.mpq | None:
    """WARPd's starting level ``w0``: ``||b||`` (rounded up) when the problem asks for it
    (``w0_norm_b``), else ``None`` (the engine's default ``C2 ||b||``)."""
    if not prob.w0_norm_b:
        return None
    nb = float(np.linalg.norm(Float64().as_vector(prob.b)))
    return gmpy2.mpq(nb) * gmpy2.mpq(1001, 1000)


def admm_reference(prob: Problem, iterations: int, tol: float = 1e-13
                   ) -> tuple[np.ndarray, dict[str, Any]]:
    """The independent reference of a Fourier-TV problem (``prob.exact`` holds ``shape``,
    ``indices`` and ``wavelet_weight``): :func:`algorithms.solvers.admm.admm_analysis` with
    the exact DCT x-step (``D^T D + w^2 I``; the db2 wavelet is orthonormal) and the exact
    Fourier projection, ``rho = 100``, until the relative KKT residual is below ``tol`` or
    ``iterations`` steps.  Returns ``x`` and ``{reference_iterations, reference_kkt,
    reference_seconds}``."""
    from algorithms.solvers.admm import (
        admm_analysis,
        neumann_gradient_gram,
        subsampled_fourier_gram,
    )

    ex = prob.exact
    if ex is None or "indices" not in ex or prob.B is None:
        raise ValueError(f"problem {prob.key!r} has no Fourier-TV data for the ADMM reference")
    w = float(ex["wavelet_weight"])
    t0 = time.perf_counter()
    r = admm_analysis(prob.A, prob.b, float(prob.eps), prob.B,
                      gram_A=subsampled_fourier_gram(ex["shape"], ex["indices"]),
                      gram_B=neumann_gradient_gram(ex["shape"], w * w), rho=100.0,
                      adapt_rho=False, tol=tol, max_iterations=max(1, iterations))
    return r.x, {"reference_iterations": r.iterations, "reference_kkt": r.kkt,
                 "reference_seconds": time.perf_counter() - t0}
