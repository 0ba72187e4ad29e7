r"""ADMM for l1-analysis recovery with a data ball: an independent float64 reference solver.

Problem (the constrained form WARPd solves, ``J = 0``)::

    minimize_x  ||B x||_1   subject to  ||A x - b||_2 <= eps,      x real,

with ``||v||_1 = sum_i |v_i|`` (moduli: a complex ``B`` such as
:class:`~algorithms.proximal.ComplexGradient2D` gives isotropic TV).  It is a DIFFERENT
algorithm from the primal-dual iteration of :mod:`algorithms.solvers.warpd`: the alternating
direction method of multipliers on the splitting ``p = B x``, ``q = x``::

    minimize  ||p||_1 + iota_C(q)   subject to  B x - p = 0,  x - q = 0,
    C = {q : ||A q - b|| <= eps}.

Scaled ADMM with penalty ``rho`` (duals ``u``, ``v``)::

    x+ = (B^T B + I)^-1 ( B^T (p - u) + q - v )          (exact linear solve)
    p+ = soft(B x+ + u, 1/rho)                            (modulus soft-threshold)
    q+ = proj_C(x+ + v)                                   (exact, see below)
    u+ = u + B x+ - p+,    v+ = v + x+ - q+ .

Both subproblems are solved exactly through spectral decompositions of the two Gram matrices,
``M = T^H diag(d) T`` with ``T`` unitary (:class:`SpectralGram`):

* ``B^T B`` (the x-step; the matrix ``B^T B + I`` does not depend on ``rho``, so ``rho`` may
  change freely).  For forward differences with the Neumann boundary of
  :mod:`algorithms.proximal.analysis`, ``D_1^T D_1`` is the 1-D Neumann Laplacian
  (``1, 2, ..., 2, 1`` on the diagonal), diagonalised by the orthonormal DCT-II with eigenvalues
  ``2 - 2 cos(pi k / n)``; in 2-D ``D^T D = L_{n1} (x) I + I (x) L_{n2}``, eigenvalues summed
  (:func:`neumann_gradient_gram`).  An orthonormal wavelet block ``c W^T`` adds ``c^2 I``.
* ``A^T A`` (the projection).  For ``A = RealDomain(P_Omega F)`` (unitary 2-D DFT ``F``, real
  images), ``A^T A x = Re(F^H P^T P F x) = F^H diag(m_s) F x`` with the symmetrised mask
  ``m_s(k) = (1_Omega(k) + 1_Omega(-k)) / 2``, because ``conj(F^H y) = F^H R conj(y)``
  with ``R`` the index reversal ``k -> -k`` (:func:`subsampled_fourier_gram`).  A dense
  ``A`` uses ``numpy.linalg.eigh`` (:func:`dense_gram`).

The projection onto ``C``: if ``||A c - b|| <= eps`` it is ``c``; else the KKT conditions of
``min ||q - c||^2 / 2`` s.t. ``||Aq - b||^2 <= eps^2`` give ``q(lam) = (I + lam A^T A)^-1
(c + lam A^T b)`` with the unique ``lam > 0`` at which ``phi(lam) = ||A q(lam) - b|| = eps``.
In the ``T`` basis everything is diagonal: ``Q = (T c + lam T A^T b) / (1 + lam d)`` and
``phi^2 = sum d |Q|^2 - 2 Re <Q, T A^T b> + ||b||^2``; ``phi`` decreases in ``lam`` (it is the
value of a parametric least-squares problem), so ``lam`` is found by bracketing and Brent's
method to relative precision ``2^-50``.  ``eps < min_q ||Aq - b||`` raises (for ``eps = 0``:
``b`` outside the range of ``A`` beyond relative ``2^-30``).

Stopping (Boyd et al., Found. Trends Mach. Learn. 2011, section 3.3).  Primal residual
``r = ||(B x - p, x - q)||``, dual residual ``s = rho ||B^T (p - p_old) + q - q_old||``; the
scaled duals ``z = rho u``, ``w = rho v`` satisfy ``|z_i| <= 1``, ``z in d||p||_1`` and
``w in N_C(q)`` exactly after every step, and ``s`` is the norm of ``B^T z + w``, the
stationarity defect; so ``(r, s) = 0`` is the KKT system.  The run stops when
``r <= tol max(||Bx||, ||p||, ||x||)`` and ``s <= tol ||(B^T z, w)||`` (both relative), or after
``max_iterations``.  ``rho`` is rebalanced (times or over 2 when one residual exceeds 10 times
the other, at most every 50 steps and at most 20 times, so that the iteration settles),
which is free since the x-step matrix has no ``rho``.

Float64 only (numpy arrays; the operators are applied in :class:`~algorithms.arithmetic.Float64`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
import scipy.optimize

from algorithms.arithmetic import Float64
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.operators.base import LinearOperator

__all__ = ["SpectralGram", "ADMMResult", "admm_analysis", "project_data_ball",
           "neumann_gradient_gram", "subsampled_fourier_gram", "dense_gram"]


@dataclass(frozen=True)
class SpectralGram:
    """A symmetric positive semidefinite ``M = T^H diag(d) T`` on real vectors of length ``n``:
    ``forward(x) = T x`` (real or complex coefficients), ``inverse(c)`` the real vector
    ``T^H c``, ``d`` the eigenvalues (``d >= 0``, laid out like ``forward``'s output)."""

    n: int
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    d: np.ndarray = field(repr=False)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``M x``."""
        return self.inverse(self.d * self.forward(x))

    def solve_shifted(self, rhs: np.ndarray, shift: float = 1.0) -> np.ndarray:
        """``(M + shift I)^-1 rhs`` (``shift > 0``)."""
        shift = _real(shift, "shift", positive=True)
        return self.inverse(self.forward(rhs) / (self.d + shift))


def neumann_gradient_gram(shape: tuple[int, int], identity: float = 0.0) -> SpectralGram:
    """``D^T D + identity I`` for the forward differences (Neumann boundary) of
    :class:`~algorithms.proximal.FiniteDifferences2D` / ``ComplexGradient2D`` on ``(n1, n2)``
    images: orthonormal 2-D DCT-II, eigenvalues ``(2 - 2cos(pi j/n1)) + (2 - 2cos(pi k/n2))``
    (module docstring).  ``identity = c^2`` accounts for an orthonormal block ``c W^T``."""
    n1, n2 = _pair(shape)
    identity = _real(identity, "identity")
    l1 = 2 - 2 * np.cos(np.pi * np.arange(n1) / n1)
    l2 = 2 - 2 * np.cos(np.pi * np.arange(n2) / n2)
    d = (l1[:, None] + l2[None, :]).reshape(-1) + float(identity)

    def fwd(x: np.ndarray) -> np.ndarray:
        return scipy.fft.dctn(x.reshape(n1, n2), type=2, norm="ortho").reshape(-1)

    def inv(c: np.ndarray) -> np.ndarray:
        return scipy.fft.idctn(c.reshape(n1, n2), type=2, norm="ortho").reshape(-1)

    return SpectralGram(n1 * n2, fwd, inv, d)


def subsampled_fourier_gram(shape: tuple[int, int], indices: object) -> SpectralGram:
    """``A^T A`` for ``A = RealDomain(Subsample(indices) @ DFT2(shape))``: unitary
    ``fft2``, eigenvalues the symmetrised mask ``(1_Omega(k) + 1_Omega(-k)) / 2``."""
    n1, n2 = _pair(shape)
    idx = np.asarray(indices)
    if idx.dtype == bool and idx.ndim == 1 and idx.size == n1 * n2:
        idx = np.flatnonzero(idx)  # a row-major mask, as Subsample accepts
    if idx.ndim != 1 or (idx.size and (idx.dtype.kind not in "iu" or idx.min() < 0
                                       or idx.max() >= n1 * n2)):
        raise InvalidArgument(f"indices must be a 1-D integer array in [0, {n1 * n2}) or a "
                              f"boolean mask of length {n1 * n2}; got shape {idx.shape}, "
                              f"dtype {idx.dtype}")
    if np.unique(idx).size != idx.size:
        raise InvalidArgument("indices has repeated entries; Subsample keeps each row once")
    mask = np.zeros((n1, n2))
    mask.reshape(-1)[idx] = 1.0
    flipped = np.roll(mask[::-1, ::-1], (1, 1), axis=(0, 1))  # mask(-k mod n)
    d = ((mask + flipped) / 2).reshape(-1)

    def fwd(x: np.ndarray) -> np.ndarray:
        return scipy.fft.fft2(x.reshape(n1, n2), norm="ortho").reshape(-1)

    def inv(c: np.ndarray) -> np.ndarray:
        return np.real(scipy.fft.ifft2(c.reshape(n1, n2), norm="ortho")).reshape(-1)

    return SpectralGram(n1 * n2, fwd, inv, d)


def dense_gram(M: object) -> SpectralGram:
    """``M^H M`` restricted to real vectors (``Re(M^H M)``) for a dense matrix, by
    ``numpy.linalg.eigh``."""
    Mf = np.asarray(M)
    if Mf.ndim != 2:
        raise InvalidArgument(f"M has shape {Mf.shape}; pass a 2-D matrix")
    try:
        Mf = Mf.astype(complex if np.iscomplexobj(Mf) else float)
    except (TypeError, ValueError):
        raise InvalidType(f"M has entries of dtype {Mf.dtype} that are not numbers") from None
    if not np.all(np.isfinite(Mf)):
        raise InvalidArgument("M has non-finite entries")
    G = np.real(Mf.conj().T @ Mf)
    w, V = np.linalg.eigh((G + G.T) / 2)
    # eigenvalues below the rounding level n 2^-52 max|w| are zeros of the exact matrix
    w = np.where(w > G.shape[0] * 2.0 ** -52 * max(1.0, float(np.max(np.abs(w)))), w, 0.0)
    return SpectralGram(G.shape[0], lambda x: V.T @ x, lambda c: np.real(V @ c), w)


def _pair(shape: object) -> tuple[int, int]:
    try:
        n1, n2 = shape  # type: ignore[misc]
    except (TypeError, ValueError):
        raise InvalidArgument(f"shape={shape!r} must be a pair (n1, n2)") from None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
               for v in (n1, n2)):
        raise InvalidArgument(f"shape={shape!r} must hold two positive integers")
    return int(n1), int(n2)


def _real(v: object, name: str, *, positive: bool = False, finite: bool = True) -> float:
    """``v`` (a real number: int, float, numpy scalar, Fraction, gmpy2.mpq; not a bool) as a
    float ``>= 0`` (``> 0`` with ``positive``), finite unless ``finite=False``."""
    ok = isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(
        v, (bool, np.bool_))
    f = float(v) if ok else math.nan  # type: ignore[arg-type]
    rule = "> 0" if positive else ">= 0"
    if (not ok or math.isnan(f) or (finite and math.isinf(f)) or f < 0
            or (positive and f == 0)):
        raise InvalidArgument(f"{name}={v!r} must be a {'finite ' if finite else ''}real "
                              f"number {rule}")
    return f


def _count(v: object, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise InvalidArgument(f"{name}={v!r} must be a positive integer")
    return int(v)


def _nrm(v: np.ndarray) -> float:
    """Euclidean norm without BLAS (a dot of 1e4 entries can wait ~10 ms for BLAS threads on a
    busy machine)."""
    return float(np.sqrt(np.sum(v.real ** 2) + np.sum(v.imag ** 2))) if np.iscomplexobj(v) \
        else float(np.sqrt(np.sum(v * v)))


def project_data_ball(c: np.ndarray, gram: SpectralGram, Atb_hat: np.ndarray, b_norm2: float,
                      eps: float) -> tuple[np.ndarray, float]:
    """The projection of ``c`` onto ``{q : ||Aq - b|| <= eps}`` and its multiplier ``lam``
    (module docstring); ``Atb_hat = T A^T b``, ``b_norm2 = ||b||^2``."""
    eps = _real(eps, "eps", finite=False)
    C = gram.forward(c)
    d = gram.d
    # only coefficients with d > 0 enter phi (T A^T b vanishes where d = 0)
    pos = d > 0
    dp, Cp, Gp = d[pos], C[pos], Atb_hat[pos]

    def phi2(lam: float) -> float:
        Q = (Cp + lam * Gp) / (1 + lam * dp)
        return float(np.sum(dp * (Q.real ** 2 + Q.imag ** 2))
                     - 2 * np.sum(Q.real * Gp.real + Q.imag * Gp.imag)
                     + b_norm2)

    e2 = eps * eps
    if phi2(0.0) <= e2:
        return c, 0.0
    if eps == 0:  # lam = infinity: Q = T A^T b / d where d > 0 (then A q = b), C elsewhere
        # min_q ||Aq - b||^2 = ||b||^2 - sum_{d > 0} |T A^T b|^2 / d: b must be in the range
        # of A (up to rounding, relative 2^-30) or the data "ball" {Aq = b} is empty
        floor2 = b_norm2 - float(np.sum((Gp.real ** 2 + Gp.imag ** 2) / dp))
        if floor2 > 2.0 ** -30 * max(b_norm2, 1e-300):
            raise InvalidArgument(
                f"eps=0 but b is not in the range of A (min ||Aq - b|| = "
                f"{math.sqrt(floor2):.3e}): the data ball is empty")
        Q = np.where(pos, Atb_hat / np.where(pos, d, 1.0), C)
        return gram.inverse(Q), math.inf
    hi = 1.0
    while phi2(hi) > e2:
        hi *= 4
        if hi > 1e300:
            raise InvalidArgument(f"eps={eps!r} is below min ||Aq - b||: the data ball is "
                                  f"empty")
    lo = hi / 4 if hi > 1 else 0.0
    lam = scipy.optimize.brentq(lambda t: phi2(t) - e2, lo, hi, xtol=1e-300, rtol=2 ** -50,
                                maxiter=500)
    return gram.inverse((C + lam * Atb_hat) / (1 + lam * d)), float(lam)


@dataclass(frozen=True)
class ADMMResult:
    """``x`` (the x-iterate), ``q`` (its projection onto the data ball, feasible),
    ``iterations``, the final relative residuals ``primal`` and ``dual`` (the KKT defect,
    module docstring), ``rho``, ``converged``, and ``history`` (``(iteration, primal,
    dual)`` every ``record_every`` steps)."""

    x: np.ndarray = field(repr=False)
    q: np.ndarray = field(repr=False)
    iterations: int
    primal: float
    dual: float
    rho: float
    converged: bool
    history: tuple[tuple[int, float, float], ...] = field(repr=False)

    @property
    def kkt(self) -> float:
        """``max(primal, dual)``: the relative KKT residual."""
        return max(self.primal, self.dual)


def admm_analysis(A: LinearOperator, b: object, eps: float, B: LinearOperator, *,
                  gram_A: SpectralGram, gram_B: SpectralGram, rho: float | None = None,
                  tol: float = 1e-12, max_iterations: int = 100000, x0: object = None,
                  record_every: int = 100, adapt_rho: bool = True) -> ADMMResult:
    """ADMM for ``min ||Bx||_1`` s.t. ``||Ax - b|| <= eps`` (module docstring).

    ``gram_A`` must represent ``A^T A`` and ``gram_B`` ``B^T B`` (on real vectors; checked on
    one random vector to relative ``1e-8``); ``rho`` defaults to ``10 / max_i |(B A^T b)_i|``
    (scale-free: ``rho`` has the units of ``1 / |Bx|``); ``adapt_rho`` rebalances it (module
    docstring); ``tol`` is the relative KKT tolerance; ``x0`` the start (default 0)."""
    if not isinstance(A, LinearOperator) or not isinstance(B, LinearOperator):
        raise InvalidType("A and B must be LinearOperators")
    if not isinstance(gram_A, SpectralGram) or not isinstance(gram_B, SpectralGram):
        raise InvalidType("gram_A and gram_B must be SpectralGram")
    n = A.shape[1]
    if B.shape[1] != n or gram_A.n != n or gram_B.n != n:
        raise InvalidArgument(f"sizes differ: A takes {n}, B takes {B.shape[1]}, grams "
                              f"{gram_A.n}, {gram_B.n}")
    eps = _real(eps, "eps", finite=False)
    tol = _real(tol, "tol", positive=True)
    max_iterations = _count(max_iterations, "max_iterations")
    record_every = _count(record_every, "record_every")
    if rho is not None:
        rho = _real(rho, "rho", positive=True)
    ctx = Float64()
    try:
        bv = ctx.as_vector(b)
    except (InvalidArgument, InvalidType) as exc:
        raise type(exc)(f"b: {exc}") from None
    if bv.shape[0] != A.shape[0]:
        raise InvalidArgument(f"b has length {bv.shape[0]}; A has {A.shape[0]} rows")
    if not np.all(np.isfinite(bv)):
        raise InvalidArgument("b has non-finite entries")
    if x0 is not None:
        x0 = np.asarray(x0)
        if x0.ndim != 1 or x0.shape[0] != n:
            raise InvalidArgument(f"x0 has shape {x0.shape}; a real vector of length {n} is "
                                  f"required")
        if x0.dtype.kind not in "iuf" or not np.all(np.isfinite(x0)):
            raise InvalidArgument(f"x0 (dtype {x0.dtype}) must hold finite real numbers")
    Bx_ = lambda x: B.apply(ctx, x)  # noqa: E731
    Bt = lambda z: np.real(B.adjoint(ctx, z))  # noqa: E731
    Atb = np.real(A.adjoint(ctx, bv))
    rng = np.random.default_rng(0)
    probe = rng.standard_normal(n)
    for name, op, gram in (("gram_A", A, gram_A), ("gram_B", B, gram_B)):
        want = np.real(op.adjoint(ctx, op.apply(ctx, probe)))
        got = gram.apply(probe)
        if _nrm(got - want) > 1e-8 * max(1.0, _nrm(want)):
            raise InvalidArgument(f"{name} does not represent {'A' if op is A else 'B'}^T "
                                  f"{'A' if op is A else 'B'} (differs by "
                                  f"{_nrm(got - want):.2e})")
    Atb_hat = gram_A.forward(Atb)
    b2 = _nrm(bv) ** 2
    x = np.zeros(n) if x0 is None else np.asarray(x0, dtype=float).copy()
    q, _ = project_data_ball(x, gram_A, Atb_hat, b2, float(eps))
    Bx = Bx_(x)
    p = Bx.copy()
    u = np.zeros_like(p)
    v = np.zeros(n)
    if rho is None:
        rho = 1.0 / max(1e-300, float(np.max(np.abs(Bx_(Atb))))) * 10
    history: list[tuple[int, float, float]] = []
    r_rel = s_rel = math.inf
    last_change = changes = 0
    it = 0
    for it in range(1, max_iterations + 1):
        x = gram_B.solve_shifted(Bt(p - u) + q - v, 1.0)
        Bx = Bx_(x)
        w = Bx + u
        mod = np.abs(w)
        p_old, q_old = p, q
        p = w * np.maximum(0.0, 1 - (1 / rho) / np.maximum(mod, 1e-300))
        q, _ = project_data_ball(x + v, gram_A, Atb_hat, b2, float(eps))
        rp, rq = Bx - p, x - q
        u = u + rp
        v = v + rq
        r = math.sqrt(_nrm(rp) ** 2 + _nrm(rq) ** 2)
        s = rho * float(_nrm(Bt(p - p_old) + q - q_old))
        r_rel = r / max(1e-300, _nrm(Bx), _nrm(p), _nrm(x))
        s_rel = s / max(1e-300, rho * math.hypot(_nrm(Bt(u)), _nrm(v)))
        if it % record_every == 0:
            history.append((it, r_rel, s_rel))
        if r_rel <= tol and s_rel <= tol:
            break
        if adapt_rho and changes < 20 and it - last_change >= 50:
            if r_rel > 10 * s_rel:
                rho, u, v, last_change, changes = 2 * rho, u / 2, v / 2, it, changes + 1
            elif s_rel > 10 * r_rel:
                rho, u, v, last_change, changes = rho / 2, u * 2, v * 2, it, changes + 1
    return ADMMResult(x, q, it, r_rel, s_rel, float(rho), r_rel <= tol and s_rel <= tol,
                      tuple(history))
