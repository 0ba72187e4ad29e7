"""Recovery certificates and null-space constants for instances sparse in levels.

:func:`recovery_certificate` proves (exactly, in rationals) that a signal is the unique
minimiser of the weighted l1 problem and gives the instance's sharpness constant;
:func:`rnspl_constants` estimates the weighted rNSP-in-levels constants ``rho`` and ``gamma``;
:func:`paper_constants` turns them into the paper's ``C1``, ``C2`` and prescriptions.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import gmpy2
import numpy as np
from flint import fmpq, fmpq_mat

from algorithms.linalg import spectral_norm_bounds
from algorithms.rationals import dyadic_round, mpq_sqrt_lower, mpq_sqrt_upper
from theorems.errors import ConditionError, InvalidArgument
from theorems.instances.levels import LevelsInstance, _q, norm_upper

__all__ = [
    "RecoveryCertificate",
    "RNSPLEstimate",
    "recovery_certificate",
    "best_lambda",
    "rnspl_constants",
    "paper_constants",
]


# =============================================================================== certificates
def _fmpq_mat(M: np.ndarray) -> fmpq_mat:
    r, c = M.shape
    return fmpq_mat(r, c, [fmpq(int(v.numerator), int(v.denominator)) for v in M.reshape(-1)])


def _from_fmpq(a: fmpq) -> gmpy2.mpq:
    return gmpy2.mpq(int(a.p), int(a.q))


@dataclass(frozen=True)
class RecoveryCertificate:
    """The exact dual certificate of ``x`` (module docstring, "Exact recovery and sharpness").

    ``v0_norm``: upper bound of ``||v0||``, so exact recovery holds for ``lam < lam_max =
    1/v0_norm``.  ``margins``: exact ``mu_i = w_i - |<a_i, v0>|`` off the support;
    ``mu_min``: their minimum; ``pinv_norm``: upper bound of ``||A_S^+||_2``; ``col_ratio``:
    upper bound of ``max_i ||a_i|| / mu_i``.  ``valid``: all margins positive and ``A_S`` of
    full column rank.
    """

    support: tuple[int, ...]
    v0_norm: gmpy2.mpq
    lam_max: gmpy2.mpq
    mu_min: gmpy2.mpq
    pinv_norm: gmpy2.mpq
    col_ratio: gmpy2.mpq
    valid: bool

    def sharpness(self, lam: object) -> gmpy2.mpq:
        """``C_x(lam)``: ``||z - x|| <= C_x (F(z) - F(x))`` for all ``z`` (a rational upper
        bound); raises :class:`ConditionError` unless ``0 < lam < lam_max`` and ``valid``."""
        lam_q = _q(lam, "lam")
        if not self.valid:
            raise ConditionError(
                "the dual certificate is not valid (a margin mu_i <= 0 or A_S rank deficient): "
                "x is not certified to be the unique minimiser")
        if not 0 < lam_q * self.v0_norm < 1:
            raise ConditionError(
                f"lam={float(lam_q):.6g} must satisfy 0 < lam < lam_max={float(self.lam_max):.6g}")
        return (1 / (lam_q * self.mu_min)
                + self.pinv_norm * (1 / (1 - lam_q * self.v0_norm) + self.col_ratio / lam_q))


def recovery_certificate(A: np.ndarray, x: np.ndarray, weights: np.ndarray
                         ) -> RecoveryCertificate:
    """Compute the exact dual certificate of ``x`` for ``min lam ||z||_{1,w} + ||Az - Ax||``.

    Exact rational linear algebra (python-flint ``fmpq_mat``); norms are bounded above with
    integer square roots, ``||A_S^+||_2 = ||(A_S^T A_S)^-1||_2^(1/2)`` through
    :func:`algorithms.linalg.spectral_norm_bounds`.
    """
    m, N = A.shape
    S = [i for i in range(N) if x[i] != 0]
    if not S:
        raise InvalidArgument("x=0 has an empty support; nothing to certify")
    if len(S) > m:
        return RecoveryCertificate(tuple(S), gmpy2.mpq(0), gmpy2.mpq(0), gmpy2.mpq(0),
                                   gmpy2.mpq(0), gmpy2.mpq(0), False)
    AS = A[:, S]
    G = _fmpq_mat(np.ascontiguousarray(AS.T).dot(AS))
    signed = [weights[i] if x[i] > 0 else -weights[i] for i in S]      # b = w_S sign(x_S)
    b = fmpq_mat(len(S), 1, [fmpq(int(v.numerator), int(v.denominator)) for v in signed])
    try:
        Ginv = G.inv()
    except ZeroDivisionError:
        return RecoveryCertificate(tuple(S), gmpy2.mpq(0), gmpy2.mpq(0), gmpy2.mpq(0),
                                   gmpy2.mpq(0), gmpy2.mpq(0), False)
    z = Ginv * b
    zq = np.array([_from_fmpq(z[i, 0]) for i in range(len(S))], dtype=object)
    v0 = AS.dot(zq)
    v0_sq = sum((v * v for v in v0), gmpy2.mpq(0))
    v0_norm = mpq_sqrt_upper(v0_sq, 64)
    Sset = set(S)
    margins, ratios = [], []
    for i in range(N):
        if i in Sset:
            continue
        col = A[:, i]
        c = sum((a * v for a, v in zip(col, v0, strict=True)), gmpy2.mpq(0))
        mu = weights[i] - abs(c)
        margins.append(mu)
        if mu > 0:
            ratios.append(norm_upper(col) / mu)
    valid = bool(margins) and all(mu > 0 for mu in margins)
    mu_min = min(margins) if margins else gmpy2.mpq(1)
    Ginv_q = np.array([[_from_fmpq(Ginv[i, j]) for j in range(len(S))] for i in range(len(S))],
                      dtype=object)
    _, ginv_hi = spectral_norm_bounds(Ginv_q)
    pinv = mpq_sqrt_upper(ginv_hi, 64)
    return RecoveryCertificate(tuple(S), v0_norm, 1 / v0_norm if v0_norm else gmpy2.mpq(0),
                               mu_min, pinv, max(ratios) if ratios else gmpy2.mpq(0), valid)


def best_lambda(cert: RecoveryCertificate, *, bits: int = 12) -> tuple[gmpy2.mpq, gmpy2.mpq]:
    """The ``lam`` in ``(0, lam_max)`` that (nearly) minimises ``C_x(lam)``, as a short dyadic,
    and ``C_x`` there.  Closed form: ``C_x(lam) = a/lam + b/(1 - lam r)`` plus a constant, with
    ``a = 1/mu_min + ||A_S^+|| col_ratio``, ``b = ||A_S^+||``, ``r = ||v0||``, is minimal at
    ``lam = 1 / (r (1 + sqrt(b r / a)))``."""
    if not cert.valid:
        raise ConditionError("the dual certificate is not valid; no lam gives exact recovery")
    a = 1 / cert.mu_min + cert.pinv_norm * cert.col_ratio
    b, r = cert.pinv_norm, cert.v0_norm
    root = mpq_sqrt_lower(b * r / a, 64)
    lam = dyadic_round(1 / (r * (1 + root)), bits, "down")
    return lam, cert.sharpness(lam)


# =============================================================================== rNSPL
@dataclass(frozen=True)
class RNSPLEstimate:
    """Estimated weighted rNSPL constants and the paper's prescriptions (float64 estimates).

    ``rho_lower`` is realised by an explicit kernel vector; ``rho_upper`` is the relaxation
    bound of the module docstring (``inf`` when some support leaves ``K_{D^c}`` rank
    deficient); ``gamma`` uses ``rho_upper``; ``supports``: how many supports were enumerated.
    """

    rho_lower: float
    rho_upper: float
    gamma: float
    sigma_min: float
    xi: float
    kappa: float
    supports: int
    C1: float | None
    C2: float | None
    lam: float | None
    p_inner: int | None
    norm_A: float

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def paper_constants(rho: float, gamma: float, xi: float, kappa: float, norm_A: float
                    ) -> tuple[float, float, float, int]:
    """``(C1, C2, lam, p)`` from SPEC section 7 for ``0 < rho < 1``."""
    if not 0 < rho < 1:
        raise ConditionError(f"rho={rho!r} must be in (0, 1) for the FIRENET guarantee")
    k4 = kappa ** 0.25
    C1 = ((1 + rho) / 2 + (3 + rho) * k4 / 4) * (3 + rho) / (1 - rho)
    C2 = 2 * ((3 + rho) / (1 - rho) + (7 + rho) / (1 - rho) * k4 / 2) * gamma
    lam = C1 / (C2 * math.sqrt(xi))
    p = math.ceil(2 * math.e * C2 * norm_A)
    return C1, C2, lam, p


def rnspl_constants(inst: LevelsInstance, *, max_supports: int = 200_000) -> RNSPLEstimate:
    """Estimate ``rho`` and ``gamma`` of the weighted rNSPL in levels by enumerating every
    ``(s, M)``-support (module docstring), then the paper's ``C1, C2, lam, p``.

    Raises :class:`InvalidArgument` if there are more than ``max_supports`` supports.
    """
    A = inst.A_float()
    m, N = A.shape
    w = np.array([float(v) for v in inst.weights])
    xi, kappa = float(inst.xi), float(inst.kappa)
    sq = math.sqrt(xi)
    count = 1
    for sl, sk in zip(inst.level_slices(), inst.sparsities, strict=True):
        count *= math.comb(sl.stop - sl.start, sk)
    if count > max_supports:
        raise InvalidArgument(
            f"the instance has {count} (s, M)-supports, more than max_supports={max_supports}; "
            f"rnspl_constants is meant for small instances")
    _, svals, Vt = np.linalg.svd(A)
    rank = int(np.sum(svals > svals[0] * 1e-12))
    K = Vt[rank:].T                              # N x (N - rank), orthonormal kernel basis
    sigma_min = float(svals[rank - 1])
    norm_A = float(svals[0])
    rho_up, rho_lo = 0.0, 0.0
    per_level = [itertools.combinations(range(sl.start, sl.stop), sk)
                 for sl, sk in zip(inst.level_slices(), inst.sparsities, strict=True)]
    per_level = [list(c) for c in per_level]
    for combo in itertools.product(*per_level):
        D = [i for part in combo for i in part]
        Dset = set(D)
        Dc = [i for i in range(N) if i not in Dset]
        if K.shape[1] == 0:
            break
        KDc = K[Dc]
        sv = np.linalg.svd(KDc, compute_uv=False)
        if sv[-1] <= sv[0] * 1e-12:
            rho_up = math.inf
            continue
        Mx = K[D] @ np.linalg.pinv(KDc)          # |D| x |Dc|
        cols = np.linalg.norm(Mx, axis=0) / w[Dc]
        j = int(np.argmax(cols))
        rho_up = max(rho_up, sq * float(cols[j]))
        z = K @ (np.linalg.pinv(KDc)[:, j])
        rho_lo = max(rho_lo, _rho_witness(z, inst, w, sq))
    if K.shape[1] == 0:
        rho_up = rho_lo = 0.0
    gamma = (1 + rho_up * float(np.linalg.norm(w)) / sq) / sigma_min if math.isfinite(
        rho_up) else math.inf
    try:
        C1, C2, lam, p = paper_constants(rho_up, gamma, xi, kappa, norm_A)
    except ConditionError:
        C1 = C2 = lam = None
        p = None
    return RNSPLEstimate(rho_lo, rho_up, gamma, sigma_min, xi, kappa, count, C1, C2, lam, p,
                         norm_A)


def _rho_witness(z: np.ndarray, inst: LevelsInstance, w: np.ndarray, sq: float) -> float:
    """``sqrt(xi) ||z_D|| / ||z_{D^c}||_{1,w}`` for the worst support of the kernel vector
    ``z`` (its ``s_k`` largest entries in each level)."""
    D = []
    for sl, sk in zip(inst.level_slices(), inst.sparsities, strict=True):
        idx = np.argsort(-np.abs(z[sl]))[:sk] + sl.start
        D.extend(int(i) for i in idx)
    mask = np.zeros(len(z), dtype=bool)
    mask[D] = True
    den = float(np.sum(w[~mask] * np.abs(z[~mask])))
    return math.inf if den == 0 else sq * float(np.linalg.norm(z[mask])) / den
