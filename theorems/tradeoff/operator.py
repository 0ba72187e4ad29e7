r"""The imaging operator ``A = P_Omega F W^-1`` in JAX, real-stacked, and FIRENET over it.

Measurements.  For an ``n x n`` image ``X`` with orthonormal periodic Haar coefficients
``x = W X`` (pyramid layout, :func:`haar_analysis`), the data are the sampled unitary DFT
values ``P_Omega F X`` (``F = fft2(norm="ortho")``, ``Omega`` a boolean mask in FFT order).
Everything here is REAL: a complex sample vector ``y_c`` of length ``m`` is stored as
``y = (Re y_c, Im y_c)`` (length ``2m``), so ``A x = (Re, Im)(P F W^-1 x)`` is a real
``2m x n^2`` matrix.  For real ``x`` the stacked norm equals the complex one, hence
``||A|| <= ||P|| ||F|| ||W^-1|| = 1`` (``L = 1`` is a proof) and
``A^T v = W Re(F^H P^T (v_re + i v_im))``.

FIRENET (SPEC section 7), the same recursion as :func:`algorithms.solvers.firenet.firenet_solve`
written as a JAX function of ``y`` over this matrix-free ``A`` (``nu = e^-1``)::

    e_0 = eps0;  psi_0 = given (0, or a warm start such as W Phi(y) for a network Phi)
    for k = 1..n_outer:
        e_k = nu (delta + e_{k-1});  scale_k = 2 L / (e_k p)
        x = scale_k psi_{k-1};  v = 0;  s = 0
        repeat p times:
            x+ = soft(x - tau A^T v, tau lam w)
            v  = proj_{||.|| <= 1}(v + sigma A (2 x+ - x) - sigma scale_k y)
            s  = s + x+;  x = x+
        psi_k = s / (p scale_k)

``tests/test_tradeoff.py`` runs it against ``firenet_solve`` in ``Float64`` on the dense matrix
of a small instance and requires agreement to rounding, so the two cannot silently differ.
(``firenet_solve`` rounds ``e_k`` and ``scale_k`` to 53-bit dyadics; here they are doubles:
the same numbers up to one rounding.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import algorithms.jax_bridge  # noqa: F401 - float64 in JAX
from theorems.errors import InvalidArgument
from theorems.imaging.sampling import _integer, _real

__all__ = ["haar_analysis", "haar_synthesis", "FourierHaar", "FirenetImaging"]


def _haar_step(X: Any) -> Any:
    a = X[..., 0::2, 0::2]
    b = X[..., 0::2, 1::2]
    c = X[..., 1::2, 0::2]
    d = X[..., 1::2, 1::2]
    top = jnp.concatenate([(a + b + c + d) / 2, (a - b + c - d) / 2], axis=-1)
    bot = jnp.concatenate([(a + b - c - d) / 2, (a - b - c + d) / 2], axis=-1)
    return jnp.concatenate([top, bot], axis=-2)


def _haar_unstep(C: Any) -> Any:
    h = C.shape[-1] // 2
    s, hh = C[..., :h, :h], C[..., :h, h:]
    vv, dd = C[..., h:, :h], C[..., h:, h:]
    a = (s + hh + vv + dd) / 2
    b = (s - hh + vv - dd) / 2
    c = (s + hh - vv - dd) / 2
    d = (s - hh - vv + dd) / 2
    top = jnp.stack([a, b], axis=-1).reshape(C.shape[:-2] + (h, 2 * h))
    bot = jnp.stack([c, d], axis=-1).reshape(C.shape[:-2] + (h, 2 * h))
    return jnp.stack([top, bot], axis=-2).reshape(C.shape)


def haar_analysis(X: Any, levels: int) -> Any:
    """Orthonormal periodic 2-D Haar analysis ``W X`` with ``levels`` levels, pyramid layout
    (approximation in the top-left ``n/2^levels`` square, level ``j`` in the ``j``-th ring)."""
    out = jnp.asarray(X)
    n = out.shape[-1]
    for j in range(levels):
        k = n >> j
        out = out.at[..., :k, :k].set(_haar_step(out[..., :k, :k]))
    return out


def haar_synthesis(C: Any, levels: int) -> Any:
    """The inverse (= transpose) of :func:`haar_analysis`."""
    out = jnp.asarray(C)
    n = out.shape[-1]
    for j in range(levels - 1, -1, -1):
        k = n >> j
        out = out.at[..., :k, :k].set(_haar_unstep(out[..., :k, :k]))
    return out


@dataclass(frozen=True)
class FourierHaar:
    """``A = (Re, Im) P_Omega F W^-1`` for an ``n x n`` mask ``mask`` (FFT order) and
    ``levels`` Haar levels; ``m = mask.sum()``, data length ``2m``, unknowns ``n^2``.

    ``measure(X)``: the data of an image (``(Re, Im) P F X``); ``adjoint_image(y)``: the
    zero-filled reconstruction ``Re F^H P^T y`` (an image); ``apply(x)`` / ``adjoint(v)``:
    ``A`` and ``A^T`` on flattened coefficient vectors.  All are JAX-traceable and batch over
    leading axes."""

    mask: np.ndarray
    levels: int

    def __post_init__(self) -> None:
        raw = np.asarray(self.mask)
        if raw.dtype != bool and not (np.issubdtype(raw.dtype, np.number)
                                      and np.isin(raw, (0, 1)).all()):
            raise InvalidArgument(f"mask (dtype {raw.dtype}) must be boolean or hold only 0 "
                                  f"and 1")
        mask = raw.astype(bool)
        if mask.ndim != 2:
            raise InvalidArgument(f"mask has shape {mask.shape}; a square power-of-two side "
                                  f">= 4 is required")
        n = mask.shape[0]
        if mask.ndim != 2 or mask.shape != (n, n) or n < 4 or n & (n - 1):
            raise InvalidArgument(f"mask has shape {mask.shape}; a square power-of-two side "
                                  f">= 4 is required")
        if _integer(self.levels) is None or not 1 <= self.levels < n.bit_length() - 1:
            raise InvalidArgument(f"levels={self.levels!r} must be an integer in 1..log2(n)-1 "
                                  f"= {n.bit_length() - 2}")
        object.__setattr__(self, "levels", int(self.levels))
        object.__setattr__(self, "mask", mask)
        object.__setattr__(self, "_idx", np.flatnonzero(mask.ravel()))

    @property
    def n(self) -> int:
        return self.mask.shape[0]

    @property
    def m(self) -> int:
        """Number of complex samples (the data have ``2m`` real entries)."""
        return int(self._idx.size)

    def measure(self, X: Any) -> Any:
        K = jnp.fft.fft2(X, norm="ortho").reshape(X.shape[:-2] + (-1,))[..., self._idx]
        return jnp.concatenate([K.real, K.imag], axis=-1)

    def adjoint_image(self, y: Any) -> Any:
        m, n = self.m, self.n
        kc = y[..., :m] + 1j * y[..., m:]
        full = jnp.zeros(y.shape[:-1] + (n * n,), dtype=kc.dtype).at[..., self._idx].set(kc)
        return jnp.fft.ifft2(full.reshape(y.shape[:-1] + (n, n)), norm="ortho").real

    def apply(self, x: Any) -> Any:
        n = self.n
        return self.measure(haar_synthesis(x.reshape(x.shape[:-1] + (n, n)), self.levels))

    def adjoint(self, v: Any) -> Any:
        C = haar_analysis(self.adjoint_image(v), self.levels)
        return C.reshape(v.shape[:-1] + (-1,))

    def image(self, x: Any) -> Any:
        """``W^-1 x``: the image of a flattened coefficient vector."""
        n = self.n
        return haar_synthesis(x.reshape(x.shape[:-1] + (n, n)), self.levels)

    def coefficients(self, X: Any) -> Any:
        """``W X`` flattened."""
        return haar_analysis(X, self.levels).reshape(X.shape[:-2] + (-1,))

    def dense(self) -> np.ndarray:
        """The ``2m x n^2`` matrix (small sizes only: built column by column)."""
        eye = jnp.eye(self.n * self.n)
        return np.asarray(jax.vmap(self.apply)(eye)).T


@dataclass(frozen=True)
class FirenetImaging:
    """FIRENET over a matrix-free real operator (module docstring).

    ``apply``/``adjoint``: ``A`` and ``A^T``; ``thresholds``: the vector ``tau lam w``
    (length N); ``L`` an upper bound of ``||A||``; ``eps0``: the initial error bound.
    :meth:`reconstruct` ``(y, psi0=None) -> psi`` is a pure JAX function (jit it, grad it)."""

    apply: Callable[[Any], Any]
    adjoint: Callable[[Any], Any]
    weights: np.ndarray
    lam: float
    n_outer: int
    p_inner: int
    tau: float
    sigma: float
    L: float = 1.0
    delta: float = 0.0
    eps0: float = 1.0

    def __post_init__(self) -> None:
        for name in ("tau", "sigma", "L", "eps0"):
            if not _real(name, getattr(self, name)) > 0:
                raise InvalidArgument(f"{name}={getattr(self, name)!r} must be > 0")
        for name in ("lam", "delta"):
            if not _real(name, getattr(self, name)) >= 0:
                raise InvalidArgument(f"{name}={getattr(self, name)!r} must be >= 0")
        for name in ("n_outer", "p_inner"):
            if _integer(getattr(self, name)) is None:
                raise InvalidArgument(f"{name}={getattr(self, name)!r} must be an integer >= 1")
        w = np.asarray(self.weights)
        if (w.ndim != 1 or w.size == 0 or not np.issubdtype(w.dtype, np.number)
                or np.iscomplexobj(w) or not np.isfinite(w).all() or (w < 0).any()):
            raise InvalidArgument(f"weights (shape {w.shape}, dtype {w.dtype}) must be a "
                                  f"non-empty vector of finite numbers >= 0")
        if self.tau * self.sigma * self.L ** 2 >= 1:
            raise InvalidArgument(f"tau*sigma*L^2={self.tau * self.sigma * self.L ** 2} must "
                                  f"be < 1")
        if self.n_outer < 1 or self.p_inner < 1:
            raise InvalidArgument(f"n_outer={self.n_outer} and p_inner={self.p_inner} must be "
                                  f">= 1")

    def schedule(self) -> tuple[list[float], list[float]]:
        """``(e_1..e_n, scale_1..scale_n)``."""
        es, scales, e = [], [], self.eps0
        for _ in range(self.n_outer):
            e = math.exp(-1) * (self.delta + e)
            es.append(e)
            scales.append(2 * self.L / (e * self.p_inner))
        return es, scales

    def reconstruct(self, y: Any, psi0: Any = None) -> Any:
        th = jnp.asarray(self.tau * self.lam * np.asarray(self.weights, dtype=np.float64))
        tau, sigma, p = self.tau, self.sigma, self.p_inner
        _, scales = self.schedule()
        psi = jnp.zeros(th.shape, y.dtype) if psi0 is None else psi0

        def restart(psi: Any, scale: Any) -> tuple:
            # one restart: p primal-dual steps on the data scale * y, then the average
            def step(carry: tuple, _: Any) -> tuple:
                x, v, s = carry
                z = x - tau * self.adjoint(v)
                xn = jnp.maximum(z - th, 0) + jnp.minimum(z + th, 0)
                u = v + sigma * self.apply(2 * xn - x) - sigma * scale * y
                v = u / jnp.maximum(1.0, jnp.sqrt(jnp.sum(u * u)))
                return (xn, v, s + xn), None

            x = scale * psi
            (x, v, s), _ = jax.lax.scan(step, (x, jnp.zeros_like(y), jnp.zeros_like(x)), None,
                                        length=p)
            return s / (p * scale), None

        # restarts differ only in their scale: one scan over the scales (XLA compiles one
        # restart, not n_outer copies of it)
        psi, _ = jax.lax.scan(restart, psi, jnp.asarray(scales, dtype=y.dtype))
        return psi
