"""The subsampling operator ``P_Omega``: keep the rows of the identity listed in ``Omega``."""

from __future__ import annotations

from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Context
from algorithms.errors import InvalidArgument
from algorithms.operators.base import LinearOperator
from algorithms.rationals import as_positive_int

__all__ = ["Subsample"]

Vec = Any


class Subsample(LinearOperator):
    """``P_Omega`` of shape ``(|Omega|, n)``: ``(P x)_k = x[Omega[k]]``; the adjoint zero-fills,
    ``P^H v = sum_k v_k e_{Omega[k]}``.

    ``omega`` is an integer index array (distinct entries in ``[0, n)``, kept in the given order)
    or a boolean mask of length ``n`` (rows kept in increasing order).  For a 2-D image pass the
    row-major flat indices (``np.flatnonzero(mask2d)``).  Norm bound: ``P P^H = I``, so
    ``||P||_2 = 1`` (0 when ``Omega`` is empty) -- exact, and the bound returned.
    """

    def __init__(self, omega: object, n: int | None = None):
        arr = np.asarray(omega)
        if arr.dtype == bool:
            if arr.ndim != 1:
                raise InvalidArgument(
                    f"omega is a boolean mask of shape {arr.shape}; flatten it (row-major) first")
            if n is not None and as_positive_int(n, "n", 1) != arr.shape[0]:
                raise InvalidArgument(f"n={n} but the mask has length {arr.shape[0]}")
            n = arr.shape[0]
            idx = np.flatnonzero(arr)
        else:
            if n is None:
                raise InvalidArgument("n=None: an index array needs the length n of the vectors")
            n = as_positive_int(n, "n", 1)
            if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
                raise InvalidArgument(
                    f"omega has shape {arr.shape} and dtype {arr.dtype}; pass a 1-D integer "
                    f"index array or a boolean mask")
            idx = arr.astype(np.int64)
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise InvalidArgument(
                    f"omega has entries in [{idx.min()}, {idx.max()}]; they must lie in "
                    f"[0, {n - 1}]")
            if np.unique(idx).size != idx.size:
                raise InvalidArgument("omega has repeated indices; each row may be kept once")
        idx = np.ascontiguousarray(idx, dtype=np.int64)
        idx.setflags(write=False)
        self.indices = idx
        self.shape = (int(idx.size), int(n))

    def _dispatch(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        if adjoint:
            return ctx.embed(x, self.indices, self.shape[1])
        return ctx.take(x, self.indices)

    def norm_bound(self) -> gmpy2.mpq:
        return gmpy2.mpq(1 if self.shape[0] else 0)

    def __repr__(self) -> str:
        return f"Subsample({self.shape[0]} of {self.shape[1]})"
