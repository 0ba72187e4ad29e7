"""The unitary 2-D discrete Fourier transform (MRI's sampling operator before subsampling).

For an image ``X`` of shape ``(n1, n2)`` (flattened row-major):

    (U X)[k, l] = (n1 n2)^(-1/2) sum_{i, j} X[i, j] exp(-2 pi i (i k / n1 + j l / n2)),

i.e. ``U X = F_{n1} X F_{n2}^T`` with the symmetric unitary ``F_n[j, k] = w_n^{jk} / sqrt(n)``,
``w_n = exp(-2 pi i / n)``; this is ``numpy.fft.fft2(X, norm="ortho")`` (zero frequency at index
0, no shift).  ``U^H`` is the inverse, ``ifft2(norm="ortho")``.  ``U`` is unitary
(``F_n^H F_n = I`` by the geometric sum of roots of unity), so ``||U||_2 = 1`` exactly and
``norm_bound() == 1``; rows of ``U`` (``Subsample @ DFT2``) have norm ``<= 1``.

Contexts:

* ``Float64``: ``scipy.fft.fft2`` / ``ifft2`` with ``norm="ortho"``.
* ``Ball``: python-flint's rigorous ``acb.dft`` on every row, then every column (``O(N log N)``
  ball operations in C), then the exact scale ``2^-k`` when ``n1 n2 = 4^k`` (else an enclosure
  of ``(n1 n2)^(-1/2)``); the adjoint uses ``acb.dft(inverse=True)`` (which divides by ``n``)
  and the scale ``sqrt(n1 n2)``.
* ``MP``: the Ball evaluation at ``prec + 32`` bits, rounded once to nearest.
* ``Exact``: the roots of unity of orders 1, 2 and 4 are Gaussian integers (``1, -i, -1, i``),
  so ``U`` is a matrix of Gaussian rationals exactly when ``n1, n2`` are in ``{1, 2, 4}`` and
  ``n1 n2`` is a perfect square (``1x1, 2x2, 4x4, 1x4, 4x1``); it is applied as
  ``F X F^T / sqrt(n1 n2)`` with Gaussian integer ``F``.  Other sizes raise
  :class:`~algorithms.errors.InexactOperation`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import gmpy2
import numpy as np
import scipy.fft
from flint import acb, acb_mat, arb

from algorithms.arithmetic import Ball, Exact, Float64, flint_prec
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InexactOperation
from algorithms.operators._grid import as_shape
from algorithms.operators.base import LinearOperator

__all__ = ["DFT2"]

Vec = Any


def _exact_root_scale(n: int) -> int | None:
    r = gmpy2.isqrt(n)
    return int(r) if r * r == n else None


@lru_cache(maxsize=8)
def _gauss_dft(n: int) -> np.ndarray:
    """``w_n^{jk}`` as Gaussian integers for ``n`` in ``{1, 2, 4}``."""
    powers = {1: [GaussianRational(1, 0)],
              2: [GaussianRational(1, 0), GaussianRational(-1, 0)],
              4: [GaussianRational(1, 0), GaussianRational(0, -1), GaussianRational(-1, 0),
                  GaussianRational(0, 1)]}[n]
    F = np.empty((n, n), dtype=object)
    for j in range(n):
        for k in range(n):
            F[j, k] = powers[(j * k) % n]
    F.setflags(write=False)
    return F


class DFT2(LinearOperator):
    """The unitary 2-D DFT on ``(n1, n2)`` images (module docstring: formula, contexts)."""

    is_complex = True

    def __init__(self, shape: object):
        self.image_shape = as_shape(shape)
        n1, n2 = self.image_shape
        self.shape = (n1 * n2, n1 * n2)
        self._root = _exact_root_scale(n1 * n2)

    def norm_bound(self) -> gmpy2.mpq:
        return gmpy2.mpq(1)

    def __repr__(self) -> str:
        return f"DFT2({self.image_shape[0]}x{self.image_shape[1]})"

    # ------------------------------------------------------------------ Float64
    def _float64(self, ctx: Float64, x: Vec, adjoint: bool) -> Vec:
        X = x.reshape(self.image_shape)
        f = scipy.fft.ifft2 if adjoint else scipy.fft.fft2
        return f(X, norm="ortho").reshape(-1)

    # ------------------------------------------------------------------ Ball
    def _ball(self, ctx: Ball, x: Vec, adjoint: bool) -> Vec:
        n1, n2 = self.image_shape
        e = x.entries()
        dft = acb.dft
        with flint_prec(ctx.prec):
            rows = [dft(e[i * n2:(i + 1) * n2], adjoint) for i in range(n1)]
            cols = [dft(c, adjoint) for c in zip(*rows, strict=True)]
            flat = [v for row in zip(*cols, strict=True) for v in row]
            out = acb_mat(n1 * n2, 1, flat)
            N = n1 * n2
            if self._root is not None and self._root & (self._root - 1) == 0:
                scale = arb(self._root) if adjoint else arb(1) / self._root  # exact dyadic
            else:
                scale = arb(N).sqrt() if adjoint else arb(N).rsqrt()
            return out * scale

    # ------------------------------------------------------------------ Exact
    def _exact(self, ctx: Exact, x: Vec, adjoint: bool) -> Vec:
        n1, n2 = self.image_shape
        if n1 not in (1, 2, 4) or n2 not in (1, 2, 4) or self._root is None:
            raise InexactOperation(
                f"DFT2 on {n1}x{n2} images: its entries exp(-2 pi i jk/n)/sqrt(n1 n2) are not "
                f"Gaussian rationals (Exact() supports 1, 2 and 4 per side with n1*n2 a "
                f"perfect square); use a Ball/MP context")
        F1, F2 = _gauss_dft(n1), _gauss_dft(n2)
        if adjoint:
            F1 = np.vectorize(lambda z: z.conjugate(), otypes=[object])(F1)
            F2 = np.vectorize(lambda z: z.conjugate(), otypes=[object])(F2)
        X = ctx.to_complex(x).reshape(n1, n2)
        Y = F1.dot(X).dot(F2.T)
        return (Y / gmpy2.mpq(self._root)).reshape(-1)
