"""The orthonormal 2-D Walsh-Hadamard transform in sequency order.

For ``n`` a power of two, the Sylvester-Hadamard matrix is ``H_1 = [1]``,
``H_{2n} = [[H_n, H_n], [H_n, -H_n]]`` (natural order).  The sequency-ordered Walsh matrix
``W_n`` lists the same ``+-1`` rows sorted by their number of sign changes: row ``k`` of ``W_n``
is row ``bitreverse(gray(k))`` of ``H_n`` (``gray(k) = k xor (k >> 1)``) and has exactly ``k``
sign changes.  On ``(n1, n2)`` images (flattened row-major):

    U X = W_{n1} X W_{n2}^T / sqrt(n1 n2),        U^H Y = W_{n1}^T Y W_{n2} / sqrt(n1 n2).

``W_n W_n^T = n I``, so ``U`` is orthogonal: ``||U||_2 = 1`` and ``norm_bound() == 1``.  The
entries are ``+-1`` and one scale: exact whenever ``sqrt(n1 n2)`` is rational, i.e.
``n1 n2 = 4^k`` (then the scale is ``2^-k``).

Contexts: ``Float64`` and ``Exact`` use the fast transform (``log2 n`` butterfly stages
``(a, b) -> (a + b, a - b)`` per axis, vectorised with numpy; object arrays of ``mpq`` or
Gaussian rationals in ``Exact``) followed by the sequency permutation; ``Ball`` multiplies by the
exact ``+-1`` matrices with ``arb_mat``/``acb_mat`` products (C, no Python loop over entries; the
sums are exact up to the product's own rounding); ``MP`` goes through Ball at ``prec + 32``.
``Exact`` raises :class:`~algorithms.errors.InexactOperation` when ``n1 n2`` is not a power of
4 (the scale ``1/sqrt(n1 n2)`` is then irrational).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import gmpy2
import numpy as np
from flint import arb, arb_mat

from algorithms.arithmetic import Ball, Exact, Float64, flint_prec
from algorithms.errors import InexactOperation, InvalidArgument, InvalidType
from algorithms.operators._grid import as_shape, ball_column, ball_matrix, is_power_of_two
from algorithms.operators.base import LinearOperator

__all__ = ["WalshHadamard2", "sequency_permutation", "walsh_matrix", "fwht"]

Vec = Any


def _power_of_two(n: object) -> int:
    """``n`` (a Python or numpy integer, not a bool) if it is a power of two, else refused."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InvalidType(f"n={n!r} must be an integer (a power of two)")
    if not is_power_of_two(int(n)):
        raise InvalidArgument(f"n={n} must be a power of two")
    return int(n)


def sequency_permutation(n: int) -> np.ndarray:
    """``perm[k]`` = the natural (Sylvester) row index of the sequency-``k`` Walsh row."""
    n = _power_of_two(n)
    bits = n.bit_length() - 1
    k = np.arange(n)
    g = k ^ (k >> 1)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        rev |= ((g >> b) & 1) << (bits - 1 - b)
    return rev


@lru_cache(maxsize=16)
def walsh_matrix(n: int) -> np.ndarray:
    """The sequency-ordered ``+-1`` matrix ``W_n`` as an int64 array."""
    n = _power_of_two(n)
    H = np.ones((1, 1), dtype=np.int64)
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])
    W = H[sequency_permutation(n)]
    W.setflags(write=False)
    return W


def fwht(X: np.ndarray, axis: int) -> np.ndarray:
    """Unnormalised natural-order Hadamard transform ``H_n`` along ``axis`` (0 or 1) of a 2-D
    array: ``log2 n`` butterfly stages, each one vectorised numpy expression.  Works for float,
    complex and object (``mpq``, Gaussian rational) arrays."""
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        raise InvalidArgument(f"X has shape {np.shape(X)}; fwht takes a 2-D array")
    if isinstance(axis, bool) or axis not in (0, 1):
        raise InvalidArgument(f"axis={axis!r} must be 0 or 1")
    if not is_power_of_two(X.shape[axis]):
        raise InvalidArgument(f"X has length {X.shape[axis]} along axis {axis}; a power of two "
                              f"is required")
    if axis == 1:
        return fwht(X.T, 0).T
    n, m = X.shape
    h = 1
    while h < n:
        Y = X.reshape(n // (2 * h), 2, h, m)
        a, b = Y[:, 0], Y[:, 1]
        X = np.stack((a + b, a - b), axis=1).reshape(n, m)
        h *= 2
    return X


class WalshHadamard2(LinearOperator):
    """The orthonormal sequency-ordered 2-D Walsh-Hadamard transform on ``(n1, n2)`` images
    (``n1``, ``n2`` powers of two); see the module docstring."""

    def __init__(self, shape: object):
        self.image_shape = as_shape(shape)
        n1, n2 = self.image_shape
        if not (is_power_of_two(n1) and is_power_of_two(n2)):
            raise InvalidArgument(f"shape={self.image_shape} must be powers of two")
        self.shape = (n1 * n2, n1 * n2)
        self.perm = (sequency_permutation(n1), sequency_permutation(n2))
        self.inv = (np.argsort(self.perm[0]), np.argsort(self.perm[1]))
        N = n1 * n2
        r = gmpy2.isqrt(N)
        self._root = int(r) if r * r == N else None  # a power of two when it exists
        self._ball_mats: dict[int, tuple] = {}

    def norm_bound(self) -> gmpy2.mpq:
        return gmpy2.mpq(1)

    def __repr__(self) -> str:
        return f"WalshHadamard2({self.image_shape[0]}x{self.image_shape[1]})"

    # ------------------------------------------------------------------ numpy (Float64, Exact)
    def _numpy(self, X: np.ndarray, adjoint: bool) -> np.ndarray:
        p1, p2 = self.perm
        if adjoint:
            # W^T Y = H P^T Y: undo the sequency order first, then the (symmetric) H
            Z = np.empty_like(X)
            Z[np.ix_(p1, p2)] = X
            return fwht(fwht(Z, 0), 1)
        return fwht(fwht(X, 0), 1)[np.ix_(p1, p2)]

    def _float64(self, ctx: Float64, x: Vec, adjoint: bool) -> Vec:
        Y = self._numpy(x.reshape(self.image_shape), adjoint)
        return (Y * (1.0 / np.sqrt(self.shape[0]))).reshape(-1)

    def _exact(self, ctx: Exact, x: Vec, adjoint: bool) -> Vec:
        if self._root is None:
            raise InexactOperation(
                f"WalshHadamard2 on {self.image_shape[0]}x{self.image_shape[1]} images: the "
                f"scale 1/sqrt({self.shape[0]}) is irrational; Exact() needs n1*n2 = 4^k. Use a "
                f"Ball/MP context")
        Y = self._numpy(x.reshape(self.image_shape), adjoint)
        return (Y / gmpy2.mpq(self._root)).reshape(-1)

    # ------------------------------------------------------------------ Ball
    def _mats(self, prec: int) -> tuple:
        mats = self._ball_mats.get(prec)
        if mats is None:
            n1, n2 = self.image_shape
            with flint_prec(prec):
                W1 = arb_mat(walsh_matrix(n1).tolist())
                W2 = arb_mat(walsh_matrix(n2).tolist())
                mats = (W1, W1.transpose(), W2, W2.transpose())
            self._ball_mats[prec] = mats
        return mats

    def _ball(self, ctx: Ball, x: Vec, adjoint: bool) -> Vec:
        n1, n2 = self.image_shape
        W1, W1t, W2, W2t = self._mats(ctx.prec)
        with flint_prec(ctx.prec):
            X = ball_matrix(x, n1, n2)  # arb_mat or acb_mat; arb_mat * acb_mat is supported
            Y = W1t * X * W2 if adjoint else W1 * X * W2t
            N = n1 * n2
            scale = arb(1) / self._root if self._root is not None else arb(N).rsqrt()
            return ball_column(Y * scale)
