r"""The nuclear norm ``J(X) = sum_i sigma_i(X)`` of an ``n1 x n2`` matrix (flattened row-major).

Prox: singular-value thresholding (Cai-Candes-Shen),
``prox_{tJ}(X) = U diag(max(sigma_i - t, 0)) V^H`` for ``X = U diag(sigma) V^H``.

Contexts:

* ``Float64``: LAPACK ``gesdd`` through ``numpy.linalg.svd`` (real or complex ``X``);
* ``MP``: mpmath's SVD (``svd_r``/``svd_c``) in the context's private mpmath instance, at the
  context's precision: accurate to about ``2^-prec`` relative, NOT certified (mpmath reports
  no error bound), and ``O(n^3)`` in pure Python: meant for small matrices;
* ``Ball``: NOT available (raises :class:`~algorithms.errors.InexactOperation`).  What would be
  certified and what not: the SVT is 1-Lipschitz in the Frobenius norm, so the radius of the
  input ball carries over unchanged -- that part is free.  The rounding error of the
  decomposition itself is not: a rigorous enclosure needs a verified SVD (python-flint has
  none) or an a-posteriori bound from ``||X - U S V^H||_F`` and the orthogonality defects
  ``||U^H U - I||``, ``||V^H V - I||`` evaluated in balls, which this module does not
  implement.  Run nuclear-norm problems in ``MP`` and certify distances afterwards.
* ``Exact``: not available (singular values are algebraic numbers, not rationals).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from algorithms.arithmetic import Context
from algorithms.errors import InvalidArgument
from algorithms.proximal.base import Regulariser, positive_scalar

__all__ = ["NuclearNorm"]

Vec = Any


class NuclearNorm(Regulariser):
    """``J(X) = ||X||_*`` on vectors of length ``n1 n2`` (row-major ``X``)."""

    contexts = ("mp", "float64")

    def __init__(self, n1: int, n2: int):
        for name, v in (("n1", n1), ("n2", n2)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise InvalidArgument(f"{name}={v!r} must be a positive integer")
        self.n1, self.n2 = int(n1), int(n2)

    def _mat(self, ctx: Context, x: Vec) -> Vec:
        if ctx.size(x) != self.n1 * self.n2:
            raise InvalidArgument(
                f"x has length {ctx.size(x)}; n1*n2 = {self.n1 * self.n2} is required")
        return x.reshape(self.n1, self.n2)

    def singular_values(self, ctx: Context, x: Vec) -> Vec:
        """The singular values of ``X`` (Float64 or MP; see the module docstring)."""
        self._require(ctx, "singular values need an SVD", what="singular_values")
        X = self._mat(ctx, x)
        if ctx.kind == "float64":
            return np.linalg.svd(X, compute_uv=False)
        mp = ctx.mpctx  # type: ignore[attr-defined]
        M = mp.matrix(X.tolist())
        cplx = ctx.is_complex(x)
        s = mp.svd_c(M, compute_uv=False) if cplx else mp.svd_r(M, compute_uv=False)
        return np.array([s[i] for i in range(len(s))], dtype=object)

    def value(self, ctx: Context, x: Vec) -> object:
        s = self.singular_values(ctx, x)
        return float(np.sum(s)) if ctx.kind == "float64" else sum(s, ctx.scalar(0))

    def prox(self, ctx: Context, x: Vec, t: object) -> Vec:
        positive_scalar(t)
        self._require(ctx, "singular-value thresholding needs an SVD")
        X = self._mat(ctx, x)
        if ctx.kind == "float64":
            tf = float(t) if not isinstance(t, float) else t
            U, s, Vh = np.linalg.svd(X, full_matrices=False)
            keep = s > tf
            r = int(np.count_nonzero(keep))
            return ((U[:, :r] * (s[:r] - tf)) @ Vh[:r]).reshape(-1)
        mp = ctx.mpctx  # type: ignore[attr-defined]
        tt = ctx.scalar(t)
        M = mp.matrix(X.tolist())
        cplx = ctx.is_complex(x)
        U, s, V = mp.svd_c(M) if cplx else mp.svd_r(M)
        out = mp.zeros(self.n1, self.n2)
        for k in range(len(s)):
            if s[k] > tt:
                c = s[k] - tt
                for i in range(self.n1):
                    uc = U[i, k] * c
                    for j in range(self.n2):
                        out[i, j] += uc * V[k, j]
        return np.array([out[i, j] for i in range(self.n1) for j in range(self.n2)],
                        dtype=object)

    def __repr__(self) -> str:
        return f"NuclearNorm({self.n1}, {self.n2})"
