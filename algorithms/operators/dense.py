"""Dense matrices as operators (today's context matrices behind the operator protocol)."""

from __future__ import annotations

import reprlib
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Context, CtxMatrix
from algorithms.arithmetic.gaussian import as_gaussian_matrix, split
from algorithms.errors import InvalidType
from algorithms.linalg import spectral_norm_upper
from algorithms.operators.base import LinearOperator
from algorithms.rationals import as_mpq_matrix

__all__ = ["Dense"]

Vec = Any


class Dense(LinearOperator):
    """``A`` given by its entries (rationals, or Gaussian rationals for a complex matrix).

    ``apply``/``adjoint`` are the context's ``matvec``/``rmatvec`` (``A^H`` for complex ``A``) on
    ``ctx.matrix(A)``, built once per context.  ``norm_bound`` is the certified upper bound of
    :func:`algorithms.linalg.spectral_norm_upper`; for complex ``A = Ar + i Ai`` it is applied to
    the real matrix ``[[Ar, -Ai], [Ai, Ar]]``, which has the same singular values as ``A``
    (each twice), hence the same 2-norm.
    """

    def __init__(self, rows: object):
        if isinstance(rows, CtxMatrix):
            if rows.rationals is None:
                raise InvalidType("rows is a float-built CtxMatrix; pass exact entries")
            rows = rows.rationals
        if isinstance(rows, np.ndarray):
            arr = rows
        else:
            try:
                arr = np.array([list(r) for r in rows], dtype=object)  # type: ignore[union-attr]
            except TypeError:
                raise InvalidType(f"rows={reprlib.repr(rows)} is not a 2-D matrix; pass a list "
                                  f"of rows or a 2-D array") from None
        try:
            self.rationals = as_mpq_matrix(arr, "rows")
            self.is_complex = False
        except InvalidType:
            g = as_gaussian_matrix(arr, "rows")
            self.is_complex = any(not v.is_real() for v in g.flat)
            self.rationals = g if self.is_complex else split(g)[0]
        self.shape = self.rationals.shape
        self._cache: dict[tuple, CtxMatrix] = {}
        self._bound: gmpy2.mpq | None = None

    def matrix_in(self, ctx: Context) -> CtxMatrix:
        """``ctx.matrix(A)``, cached per context."""
        M = self._cache.get(ctx.key)
        if M is None:
            M = ctx.matrix(self.rationals, complex=self.is_complex)
            self._cache[ctx.key] = M
        return M

    def _dispatch(self, ctx: Context, x: Vec, adjoint: bool) -> Vec:
        M = self.matrix_in(ctx)
        return ctx.rmatvec(M, x) if adjoint else ctx.matvec(M, x)

    def norm_bound(self) -> gmpy2.mpq:
        if self._bound is None:
            if self.is_complex:
                re, im = split(self.rationals)
                self._bound = spectral_norm_upper(np.block([[re, -im], [im, re]]))
            else:
                self._bound = spectral_norm_upper(self.rationals)
        return self._bound


