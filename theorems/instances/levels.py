r"""Instances with sparsity in levels, their exact recovery certificates and sharpness constants.

This module builds the exact data of the FIRENET experiments (:mod:`theorems.convergence.harness`):
a dyadic matrix ``A`` (m x N), a dyadic signal ``x`` that is sparse in levels, and
``y = A x + e`` with a dyadic noise vector of certified size.  Everything is an exact rational
(``gmpy2.mpq``), in fact a dyadic with a short mantissa, so an :class:`oracle.Oracle` serves the
data EXACTLY once the level is deep enough, and the Exact and Ball contexts apply.

Sparsity in levels (Adcock, Hansen and co-workers; SPEC section 7)
------------------------------------------------------------------
Levels ``M = (M_1 < ... < M_r = N)`` split the coordinates into ``[M_{k-1}, M_k)``
(``M_0 = 0``).  A vector is ``(s, M)``-sparse when level ``k`` holds at most ``s_k`` nonzeros.
Weights are constant on levels, ``w_i = w_k``, and the paper's choice is
``w_k = sqrt(s / s_k)`` with ``s = s_1 + ... + s_r``.  Those square roots are irrational; we use
**dyadic upper bounds** (8 significant bits, rounded up) instead.  Nothing below needs the exact
square roots: the recovery certificate, the robust null space constants and the prescriptions
are all computed for the weights actually used, with ``xi = sum_k w_k^2 s_k`` and
``kappa = xi / min_k w_k^2 s_k`` evaluated exactly from them.

The matrices (``kind``)
-----------------------
``"walsh-haar"`` (default).  For sequency-ordered Walsh functions and the Haar wavelet basis of
``R^N`` (``N = 2^r``) the change of basis ``U = W H^T`` is exactly block diagonal: a ``1 x 1``
block for the scaling function and, for each wavelet scale ``j = 0..r-1``, a ``2^j x 2^j``
block that is a Hadamard matrix times ``2^(-j/2)`` (rows = the sequency band ``[2^j, 2^(j+1))``,
columns = the wavelets of scale ``j``; the tests check this numerically).  So Walsh samples of
a signal with Haar coefficients ``x`` are ``U x``: the classic model where coarse scales must be
sampled densely and fine scales sparsely (multilevel sampling).  For odd ``j`` the factor
``2^(-j/2)`` is irrational; we use ``2^(-ceil(j/2))``, i.e. the block of an odd scale is
``1/sqrt(2)`` times an orthogonal matrix.  Every entry of ``A`` is then ``+-2^-e``: exact,
dyadic, and each band keeps its flat (maximally incoherent) structure; only the row norms of
odd bands drop from 1 to ``1/sqrt(2)``.  Rows are drawn per band: every row of the coarse
bands and a seeded random subset of each fine band (``rows_per_level``).

``"hadamard"``: the same multilevel row selection from the full Sylvester Hadamard matrix
``H_N / 2^ceil(r/2)`` (natural order, bands by index); ``x`` is sparse in levels of the
canonical basis, which ``H`` keeps incoherent at every level.

``"gaussian"``: i.i.d. ``N(0, 1/m)`` entries rounded to multiples of ``2^-16``.

Exact recovery and sharpness at ``x`` (ours)
--------------------------------------------
Let ``S`` be the support of ``x``, ``b = w_S * sign(x_S)`` and ``v0 = A_S (A_S^T A_S)^-1 b``
(computed exactly in rationals).  With ``c_i = <a_i, v0>`` for ``i`` off ``S``, margins
``mu_i = w_i - |c_i|`` and ``h = z - x``, for ``F(z) = lam ||z||_{1,w} + ||A z - A x||_2``::

    F(x + h) - F(x) >= (1 - lam ||v0||) ||A h|| + lam sum_{i not in S} mu_i |h_i|.

(Expand ``||x + h||_{1,w} >= ||x||_{1,w} + <b, h_S> + ||h_{S^c}||_{1,w}`` and write
``<b, h_S> = <v0, A h> - <v0, A_{S^c} h_{S^c}>``.)  So if every ``mu_i > 0``, ``A_S`` has full
column rank and ``lam < 1/||v0||``, then ``x`` is the UNIQUE minimiser of the square-root LASSO
with data ``y = A x``, and it is *sharp* there: ``||z - x||_2 <= C_x (F(z) - F(x))`` with::

    C_x = 1/(lam mu_min) + ||A_S^+||_2 ( 1/(1 - lam ||v0||) + max_i (||a_i|| / mu_i) / lam ).

(``||h_{S^c}||_2 <= sum |h_i|``; ``||h_S|| <= ||A_S^+|| (||A h|| + ||A_{S^c} h_{S^c}||)``.)  With
noise ``||e|| <= eta`` the objective moves by at most ``eta``, so the minimiser of the noisy
problem stays within ``2 C_x eta`` of ``x``.  :func:`recovery_certificate` computes ``v0``, the
margins and ``C_x`` (rigorous upper bound) exactly.

Restarted primal-dual with sharpness (ours; used to prescribe ``p``)
--------------------------------------------------------------------
The ergodic estimate of the primal-dual hybrid gradient method, started at ``(x0, 0)`` and run
``p`` steps, bounds the objective gap of the average ``X`` by
``sup_{||v||<=1} |(x* - x0, v)|_M^2 / (2p) <= Lambda (d^2 + 1) / (2p)`` with ``d = ||x* - x0||``
and ``Lambda >= lambda_max(M)``, ``M = [[I/tau, -A^T], [-A, I/sigma]]``.  FIRENET runs this on the
problem scaled by ``scale_k = 2L/(e_k p)`` (whose minimiser is ``scale_k x``).  Combining with
sharpness, ``||psi_k - x|| <= C_x Lambda e_k (scale_k^2 d_{k-1}^2 + 1) / (4L)``.  If
``||psi_{k-1} - x|| <= c e_{k-1}`` with ``c = C_x Lambda / (2L)`` and
``p >= e C_x Lambda`` then ``scale_k d_{k-1} <= 1`` and the same holds at ``k``; it holds at
``k = 0`` because ``||x|| <= C_x ||y|| <= c eps0``.  Hence, for noiseless data::

    ||psi_k - x||_2 <= (C_x Lambda / (2L)) e_k,    e_k = e^-k eps0 (delta = 0),

whenever ``p >= p_x := ceil(e C_x Lambda)``.  With the default steps ``tau = sigma = 0.99/L``
``Lambda`` is about ``2L`` and this is the SPEC's "p about 2e C2 ||A||" with ``C2 -> C_x``.

Robust null space property in levels (SPEC section 7; estimated for small instances)
------------------------------------------------------------------------------------
``A`` has the weighted rNSPL with constants ``0 < rho < 1``, ``gamma`` if for every
``(s, M)``-support ``D`` and every ``z``:
``||z_D||_2 <= rho ||z_{D^c}||_{1,w} / sqrt(xi) + gamma ||A z||_2``.  :func:`rnspl_constants`
estimates them by enumerating the supports (small instances only):

* upper estimate of ``rho``: for ``z`` in ``ker A = range(K)``, ``z_D = K_D K_{D^c}^+ z_{D^c}``
  (when ``K_{D^c}`` has full column rank), so
  ``rho <= sqrt(xi) max_D max_j ||K_D K_{D^c}^+ e_j||_2 / w_j`` (the ``l1,w -> l2`` norm is
  attained at a scaled unit vector; relaxing ``z_{D^c}`` from ``range(K_{D^c})`` to all vectors
  can only increase it);
* lower estimate: the ratio ``sqrt(xi) ||z_D|| / ||z_{D^c}||_{1,w}`` at the kernel vectors that
  realise those maxima (each is a witness that ``rho`` cannot be smaller);
* ``gamma``: splitting ``z`` into its kernel part and ``A^+ A z`` gives
  ``gamma = (1 + rho ||w||_2 / sqrt(xi)) / sigma_min(A)``.

These are float64 estimates (not certified).  The paper's constants then follow (SPEC 7)::

    kappa = xi / min_k w_k^2 s_k,
    C1 = ((1 + rho)/2 + (3 + rho) kappa^(1/4) / 4) (3 + rho) / (1 - rho),
    C2 = 2 ((3 + rho)/(1 - rho) + (7 + rho)/(1 - rho) kappa^(1/4) / 2) gamma,
    lam = C1 / (C2 sqrt(xi)),   p = ceil(2 e C2 ||A||).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import gmpy2
import numpy as np

from algorithms.rationals import dyadic_round, mpq_sqrt_upper
from theorems.errors import InvalidArgument
from theorems.instances._exact import integer, rational

__all__ = [
    "KINDS",
    "DEFAULT",
    "SMALL",
    "LevelsInstance",
    "make_instance",
    "default_instance",
    "small_instance",
    "hadamard_dyadic",
    "walsh_haar_operator",
    "level_weights",
    "draw_signal",
    "draw_noise",
    "class_samples",
    "norm_upper",
]

KINDS = ("walsh-haar", "hadamard", "gaussian")
MPQ = type(gmpy2.mpq(0))
_WEIGHT_BITS = 8


# =============================================================================== helpers
def _q(value: object, name: str) -> gmpy2.mpq:
    """An exact rational; strings may use decimal exponents ('1e-30' is read exactly)."""
    if isinstance(value, str):
        try:
            f = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(
                f"{name}={value!r} is not a rational string (e.g. '1e-30' or '3/4')") from None
        return gmpy2.mpq(f.numerator, f.denominator)
    return rational(value, name)


def _int(value: object, name: str, minimum: int = 0) -> int:
    return integer(value, name, minimum)


def norm_upper(v: Sequence[object] | np.ndarray) -> gmpy2.mpq:
    """A rational upper bound of ``||v||_2`` (exact sum of squares, then an integer sqrt)."""
    sq = sum((gmpy2.mpq(t) * gmpy2.mpq(t) for t in v), gmpy2.mpq(0))
    return mpq_sqrt_upper(sq, 64) if sq else gmpy2.mpq(0)


def _to_float(M: np.ndarray) -> np.ndarray:
    flat = [int(q.numerator) / int(q.denominator) for q in M.reshape(-1)]
    return np.array(flat, dtype=np.float64).reshape(M.shape)


def _is_pow2(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


# =============================================================================== matrices
def hadamard_dyadic(n: int) -> np.ndarray:
    """``H_n / 2^ceil(log2(n)/2)``: the Sylvester Hadamard matrix, scaled to dyadic entries.

    Rows are orthogonal with norm ``1`` (``log2 n`` even) or ``1/sqrt(2)`` (odd).  Object array
    of ``gmpy2.mpq``.
    """
    n = _int(n, "n", 1)
    if not _is_pow2(n):
        raise InvalidArgument(f"n={n} must be a power of two")
    H = np.array([[1]], dtype=np.int64)
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])
    r = n.bit_length() - 1
    d = gmpy2.mpq(1, 2 ** ((r + 1) // 2))
    out = np.empty(H.shape, dtype=object)
    for i in range(n):
        for j in range(n):
            out[i, j] = d if H[i, j] > 0 else -d
    return out


def walsh_haar_operator(N: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """The dyadic Walsh-Haar operator ``U`` (N x N) and its band boundaries.

    ``U = diag(1, B_0, B_1, ..., B_{r-1})`` with ``B_j = hadamard_dyadic(2^j)``; bands are
    ``[0, 1), [1, 2), [2, 4), ..., [N/2, N)`` for rows and columns alike.  Returns
    ``(U, (1, 2, 4, ..., N))``.
    """
    N = _int(N, "N", 2)
    if not _is_pow2(N):
        raise InvalidArgument(f"N={N} must be a power of two for kind='walsh-haar'")
    U = np.full((N, N), gmpy2.mpq(0), dtype=object)
    U[0, 0] = gmpy2.mpq(1)
    start = 1
    bounds = [1]
    while start < N:
        B = hadamard_dyadic(start)
        U[start:2 * start, start:2 * start] = B
        start *= 2
        bounds.append(start)
    return U, tuple(bounds)


def level_weights(sparsities: Sequence[int], bits: int = _WEIGHT_BITS) -> tuple[gmpy2.mpq, ...]:
    """``w_k``: dyadic upper bounds (``bits`` significant bits) of ``sqrt(s / s_k)``."""
    s = sum(sparsities)
    out = []
    for k, sk in enumerate(sparsities):
        if sk < 1:
            raise InvalidArgument(f"sparsities[{k}]={sk} must be >= 1 to define w_k=sqrt(s/s_k)")
        out.append(dyadic_round(mpq_sqrt_upper(gmpy2.mpq(s, sk), 64), bits, "up"))
    return tuple(out)


# =============================================================================== the instance
@dataclass(frozen=True)
class LevelsInstance:
    """Exact data with sparsity in levels: ``y = A x + e`` (all dyadic ``gmpy2.mpq``).

    ``levels`` are the right ends ``M_1 < ... < M_r = N``; ``sparsities`` the ``s_k``;
    ``level_weights`` the ``w_k``; ``rows`` the indices of the sampled rows of the full operator
    (``None`` for ``gaussian``); ``noise_level`` the requested bound on ``||e||``.
    """

    kind: str
    A: np.ndarray = field(repr=False)
    levels: tuple[int, ...]
    sparsities: tuple[int, ...]
    level_weights: tuple[gmpy2.mpq, ...]
    x: np.ndarray = field(repr=False)
    noise: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    rows: tuple[int, ...] | None
    rows_per_level: tuple[int, ...]
    noise_level: gmpy2.mpq
    seed: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    @property
    def weights(self) -> np.ndarray:
        """Per-coordinate weights ``w_i = w_k`` for ``i`` in level ``k``."""
        w = np.empty(self.shape[1], dtype=object)
        lo = 0
        for hi, wk in zip(self.levels, self.level_weights, strict=True):
            w[lo:hi] = wk
            lo = hi
        return w

    @property
    def xi(self) -> gmpy2.mpq:
        """``xi = sum_k w_k^2 s_k`` (exact)."""
        return sum((w * w * s for w, s in zip(self.level_weights, self.sparsities, strict=True)),
                   gmpy2.mpq(0))

    @property
    def kappa(self) -> gmpy2.mpq:
        """``kappa = xi / min_k w_k^2 s_k`` (exact)."""
        return self.xi / min(w * w * s for w, s in zip(self.level_weights, self.sparsities,
                                                        strict=True))

    @property
    def support(self) -> tuple[int, ...]:
        return tuple(i for i, v in enumerate(self.x) if v != 0)

    def level_slices(self) -> list[slice]:
        lo, out = 0, []
        for hi in self.levels:
            out.append(slice(lo, hi))
            lo = hi
        return out

    def noise_norm_upper(self) -> gmpy2.mpq:
        """A rational upper bound of ``||e||_2``."""
        return norm_upper(self.noise)

    def A_float(self) -> np.ndarray:
        return _to_float(self.A)

    def oracle(self, samples: Sequence[np.ndarray] | None = None) -> Any:
        """An honest :class:`oracle.Oracle` of ``(A, [y])`` (or of ``(A, samples)``)."""
        from oracle import Oracle

        def fr(v: gmpy2.mpq) -> Fraction:
            return Fraction(int(v.numerator), int(v.denominator))

        ys = [self.y] if samples is None else list(samples)
        return Oracle([[fr(v) for v in row] for row in self.A], [[fr(v) for v in y] for y in ys])

    def describe(self) -> dict[str, Any]:
        m, N = self.shape
        return {
            "kind": self.kind, "m": m, "N": N, "levels": list(self.levels),
            "sparsities": list(self.sparsities),
            "weights": [str(w) for w in self.level_weights],
            "rows_per_level": list(self.rows_per_level), "noise_level": str(self.noise_level),
            "xi": str(self.xi), "seed": self.seed,
        }


def _band_of_levels(levels: Sequence[int], bands: Sequence[int]) -> None:
    for M in levels:
        if M not in bands:
            raise InvalidArgument(
                f"levels={tuple(levels)}: level end {M} is not a band boundary "
                f"{tuple(bands)}; levels must be unions of dyadic bands for this kind")


def draw_signal(levels: Sequence[int], sparsities: Sequence[int], rng: np.random.Generator,
                *, decay: int = 1) -> np.ndarray:
    """A dyadic ``(s, M)``-sparse vector: in level ``k`` exactly ``s_k`` nonzeros at random
    positions, values ``+-(1 + j/16) 2^-(decay (k-1))`` with ``j`` uniform in ``0..16``."""
    N = levels[-1]
    x = np.full(N, gmpy2.mpq(0), dtype=object)
    lo = 0
    for k, (hi, sk) in enumerate(zip(levels, sparsities, strict=True)):
        if sk > hi - lo:
            raise InvalidArgument(
                f"sparsities[{k}]={sk} exceeds the size {hi - lo} of level {k + 1}")
        pos = rng.choice(np.arange(lo, hi), size=sk, replace=False)
        for i in pos:
            mag = gmpy2.mpq(16 + int(rng.integers(0, 17)), 16) / gmpy2.mpq(2) ** (decay * k)
            x[int(i)] = mag if rng.integers(0, 2) else -mag
        lo = hi
    return x


def draw_noise(m: int, level: gmpy2.mpq, rng: np.random.Generator, *, bits: int = 24
               ) -> np.ndarray:
    """A dyadic vector with ``||e||_2 <= level`` (``0`` gives the zero vector): a Gaussian
    direction scaled by ``level / (upper bound of its norm)``, each entry rounded toward zero."""
    if level == 0:
        return np.full(m, gmpy2.mpq(0), dtype=object)
    g = rng.standard_normal(m)
    gq = [gmpy2.mpq(int(round(v * 2**bits)), 2**bits) for v in g]
    scale = level / norm_upper(gq)
    out = np.empty(m, dtype=object)
    for i, v in enumerate(gq):
        t = v * scale
        r = dyadic_round(abs(t), bits, "down") if t != 0 else gmpy2.mpq(0)
        out[i] = r if t >= 0 else -r
    return out


def make_instance(
    kind: str = "walsh-haar",
    *,
    N: int = 128,
    levels: Sequence[int] = (16, 32, 64, 128),
    sparsities: Sequence[int] = (6, 4, 4, 4),
    rows_per_level: Sequence[int] = (16, 12, 16, 20),
    noise_level: object = 0,
    seed: int = 0,
) -> LevelsInstance:
    """Build an exact instance with sparsity in levels.

    ``levels`` (right ends, last = ``N``), ``sparsities`` (``s_k``) and ``rows_per_level``
    (rows sampled in each level's bands; ``m`` is their sum; for ``gaussian`` only the sum is
    used) must have equal lengths.  ``noise_level`` (exact) bounds ``||e||_2``.
    """
    if kind not in KINDS:
        raise InvalidArgument(f"kind={kind!r} must be one of {', '.join(KINDS)}")
    N = _int(N, "N", 2)
    seed = _int(seed, "seed", 0)
    levels = tuple(_int(v, f"levels[{i}]", 1) for i, v in enumerate(levels))
    sparsities = tuple(_int(v, f"sparsities[{i}]", 1) for i, v in enumerate(sparsities))
    rows_per_level = tuple(_int(v, f"rows_per_level[{i}]", 0)
                           for i, v in enumerate(rows_per_level))
    if not (len(levels) == len(sparsities) == len(rows_per_level)) or not levels:
        raise InvalidArgument(
            f"levels={levels}, sparsities={sparsities} and rows_per_level={rows_per_level} must "
            f"have the same (positive) length")
    if levels[-1] != N or any(b <= a for a, b in zip(levels, levels[1:], strict=False)):
        raise InvalidArgument(f"levels={levels} must increase strictly and end at N={N}")
    noise_q = _q(noise_level, "noise_level")
    if noise_q < 0:
        raise InvalidArgument(f"noise_level={noise_q} must be >= 0")
    rng = np.random.default_rng(seed)
    lo = 0
    for k, (hi, r) in enumerate(zip(levels, rows_per_level, strict=True)):
        if r > hi - lo:
            raise InvalidArgument(
                f"rows_per_level[{k}]={r} exceeds the size {hi - lo} of level {k + 1}")
        lo = hi
    m = sum(rows_per_level)
    if not 1 <= m < N:
        raise InvalidArgument(f"rows_per_level sums to m={m}; need 1 <= m < N={N}")
    rows: tuple[int, ...] | None
    if kind == "gaussian":
        G = rng.standard_normal((m, N)) / math.sqrt(m)
        A = np.empty((m, N), dtype=object)
        for i in range(m):
            for j in range(N):
                A[i, j] = gmpy2.mpq(int(round(G[i, j] * 2**16)), 2**16)
        rows = None
    else:
        if kind == "walsh-haar":
            U, bands = walsh_haar_operator(N)
            _band_of_levels(levels, bands)
        else:
            if not _is_pow2(N):
                raise InvalidArgument(f"N={N} must be a power of two for kind='hadamard'")
            U = hadamard_dyadic(N)
        chosen: list[int] = []
        lo = 0
        for hi, r in zip(levels, rows_per_level, strict=True):
            pick = np.arange(lo, hi) if r == hi - lo else np.sort(
                rng.choice(np.arange(lo, hi), size=r, replace=False))
            chosen.extend(int(i) for i in pick)
            lo = hi
        rows = tuple(chosen)
        A = U[list(rows), :]
    x = draw_signal(levels, sparsities, rng)
    e = draw_noise(m, noise_q, rng)
    y = A.dot(x) + e
    return LevelsInstance(kind, A, levels, sparsities, level_weights(sparsities), x, e, y,
                          rows, rows_per_level, noise_q, seed)


DEFAULT = {"kind": "walsh-haar", "N": 128, "levels": (16, 32, 64, 128),
           "sparsities": (6, 4, 4, 4), "rows_per_level": (16, 14, 22, 28)}
SMALL = {"kind": "walsh-haar", "N": 16, "levels": (4, 8, 16), "sparsities": (2, 1, 2),
         "rows_per_level": (4, 3, 7)}


def default_instance(noise_level: object = 0, seed: int = 3) -> LevelsInstance:
    """The default experiment: Walsh-Haar, N = 128, levels (16, 32, 64, 128), local
    sparsities (6, 4, 4, 4) (18 nonzeros), rows (16, 14, 22, 28) per level (m = 80): the
    coarsest level fully sampled, the finest at 44 %."""
    return make_instance(**DEFAULT, noise_level=noise_level, seed=seed)


def small_instance(noise_level: object = 0, seed: int = 0) -> LevelsInstance:
    """A small instance whose rNSPL constants can be estimated by enumerating its 672
    supports: Walsh-Haar, N = 16, levels (4, 8, 16), sparsities (2, 1, 2), rows (4, 3, 7)
    (m = 14).  (With two rows of a Hadamard band left out, the kernel holds the sum of those
    rows, which lives on half the band: that breaks the property for s_k = 2, so the finest
    band keeps 7 of its 8 rows.)"""
    return make_instance(**SMALL, noise_level=noise_level, seed=seed)


def class_samples(inst: LevelsInstance, count: int, seed: int, *, noise_level: object = 0
                  ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``count`` fresh members ``(x_k, y_k = A x_k + e_k)`` of the instance's class (same
    ``A``, levels and sparsities; new supports, values and noise from ``seed``)."""
    count = _int(count, "count", 1)
    rng = np.random.default_rng(_int(seed, "seed", 0))
    eta = _q(noise_level, "noise_level")
    xs, ys = [], []
    m = inst.shape[0]
    for _ in range(count):
        x = draw_signal(inst.levels, inst.sparsities, rng)
        y = inst.A.dot(x) + draw_noise(m, eta, rng)
        xs.append(x)
        ys.append(y)
    return xs, ys


