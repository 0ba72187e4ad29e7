"""Orthonormal periodic 2-D wavelet synthesis and analysis: Haar and Daubechies db2..db4.

Filters.  ``h`` is the Daubechies minimum-phase low-pass filter of length ``L = 2N`` (``dbN``;
``db1`` is Haar, ``h = (1, 1)/sqrt 2``), in PyWavelets' ``rec_lo`` order, normalised so that
``sum h = sqrt 2``.  Its entries are algebraic numbers and are computed RIGOROUSLY
(:func:`daubechies_filter`): with ``P(y) = sum_{k<N} C(N-1+k, k) y^k`` and ``y = (2 - z - 1/z)/4``,
the integer polynomial ``4^(N-1) z^(N-1) P(y)`` has ``N-1`` roots ``r`` inside the unit circle
(and their reciprocals outside; none on it since ``P > 0`` on ``[0, 1]``); python-flint
isolates them in complex balls (``fmpz_poly.complex_roots``), the coefficients of
``(1 + z)^N prod (z - r)`` are formed in ball arithmetic, normalised to sum ``sqrt 2`` and
reversed.  (db2 is ``((1+sqrt3), (3+sqrt3), (3-sqrt3), (1-sqrt3)) / (4 sqrt2)``.)  The
high-pass filter is ``g[k] = (-1)^k h[L-1-k]``.

One level, 1-D, periodic, on ``n`` samples (``n`` even): the analysis matrix ``A_n`` has rows

    (A_n x)[i]       = sum_k h[k] x[(2i + o + k) mod n],     i < n/2  (approximation)
    (A_n x)[n/2 + i] = sum_k g[k] x[(2i + o + k) mod n]               (detail)

with offset ``o = 1 - L/2`` (indices wrap as often as needed).  This is exactly
``pywt.dwt(x, w, mode="periodization")`` (tested).  The quadrature-mirror identities
``sum_k h[k] h[k + 2l] = delta_l``, ``sum_k h[k] g[k + 2l] = 0`` make ``A_n`` orthogonal.

2-D, ``J`` levels (Mallat's pyramid).  Analysis of an ``(n1, n2)`` image: for level
``j = 1..J`` replace the top-left block ``B`` of shape ``(n1/2^(j-1), n2/2^(j-1))`` by
``A B A^T`` (rows, then columns).  The coefficient array has PyWavelets' ``coeffs_to_array``
layout: ``cA_J`` top-left, and at each level ``j`` the blocks ``[[., ad], [da, dd]]`` of the
current square (``ad`` = approximation along axis 0, detail along axis 1).  The flattened
(row-major) coefficient array is the operator's domain.  Synthesis ``W^-1`` (this class's
``apply``) undoes the levels in reverse with ``B -> A^T B A``; analysis is its adjoint
(``.H``, or :func:`wavelet_analysis`).  Each level is orthogonal and acts as the identity outside
the block, so ``W`` is orthogonal: ``||W^-1||_2 = 1``, ``norm_bound() == 1``.

Haar in 2-D is exact: with the unnormalised ``+-1`` butterflies ``(a + b, a - b)`` on both axes,
a 2-D level is that integer map times ``1/2`` (``(1/sqrt2)^2``).

Contexts: ``Float64`` calls PyWavelets (``wavedec2``/``waverec2``, ``mode="periodization"``,
converted to and from the layout above); ``Exact`` runs Haar with numpy object arrays and
refuses ``db2+`` (:class:`~algorithms.errors.InexactOperation`: the filters are irrational);
``Ball`` runs Haar as ``O(N)`` ball butterflies per level (python-flint scalar operations on
lists, no matrix product) and ``dbN`` as products with the level matrices (balls of the exact
filters at the working precision) in ``arb_mat``/``acb_mat``; ``MP``
goes through Ball at ``prec + 32`` bits.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from math import comb
from typing import Any

import gmpy2
import numpy as np
import pywt
from flint import acb, arb, arb_mat, fmpz_poly

from algorithms.arithmetic import Ball, Exact, Float64, flint_prec
from algorithms.errors import InexactOperation, InvalidArgument, PrecisionError
from algorithms.operators._grid import as_shape, ball_kind
from algorithms.operators.base import AdjointOperator, LinearOperator
from algorithms.rationals import as_positive_int

__all__ = ["Wavelet2D", "wavelet_analysis", "daubechies_filter", "analysis_matrix_1d",
           "WAVELETS"]

Vec = Any

#: supported names and their number of vanishing moments N (filter length 2N)
WAVELETS = {"haar": 1, "db1": 1, "db2": 2, "db3": 3, "db4": 4}

_FILTER_GUARD = 30


@lru_cache(maxsize=64)
def daubechies_filter(order: int, prec: int) -> tuple[arb, ...]:
    """Balls (at ``prec`` bits) containing the exact ``dbN`` low-pass filter ``h`` (``rec_lo``
    order, ``sum h = sqrt 2``), ``N = order``.  See the module docstring for the construction."""
    N = as_positive_int(order, "order", 1)
    work = as_positive_int(prec, "prec", 2) + _FILTER_GUARD
    with flint_prec(work):
        if N == 1:
            h = (arb(2).rsqrt(), arb(2).rsqrt())
            return h
        ynum = fmpz_poly([-1, 2, -1])           # 4 z y = -(z - 1)^2
        four_z = fmpz_poly([0, 4])
        poly = fmpz_poly([0])
        for k in range(N):
            poly += comb(N - 1 + k, k) * ynum ** k * four_z ** (N - 1 - k)
        inside = []
        for r, mult in poly.complex_roots():
            if mult != 1:
                raise PrecisionError(f"db{N}: unexpected multiple root {r}")
            a = abs(r)
            if a < 1:
                inside.append(r)
            elif not a > 1:
                raise PrecisionError(f"db{N}: could not separate root {r} from the unit circle")
        if len(inside) != N - 1:
            raise PrecisionError(f"db{N}: found {len(inside)} roots inside the unit circle, "
                                 f"expected {N - 1}")
        coeffs: list[acb] = [acb(1)]
        factors = [[acb(1), acb(1)]] * N + [[-r, acb(1)] for r in inside]
        for f in factors:  # multiply by (f0 + f1 z)
            new = [acb(0)] * (len(coeffs) + 1)
            for i, c in enumerate(coeffs):
                new[i] += c * f[0]
                new[i + 1] += c * f[1]
            coeffs = new
        total = sum(coeffs[1:], coeffs[0])
        scale = arb(2).sqrt() / total.real
        h = tuple((c.real * scale) for c in reversed(coeffs))
    return h


def analysis_matrix_1d(h: list, n: int, zero: object) -> list[list]:
    """The one-level periodic analysis matrix ``A_n`` (list of rows) for the low-pass ``h``,
    with entries built by ``+`` from ``zero`` (works for arb, mpq, float); ``n`` even."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n % 2:
        raise InvalidArgument(f"n={n!r} must be an even integer >= 2 (pairs of samples)")
    n = int(n)
    L = len(h)
    off = 1 - L // 2
    g = [(-1) ** k * h[L - 1 - k] for k in range(L)]
    A = [[zero] * n for _ in range(n)]
    half = n // 2
    for i in range(half):
        for k in range(L):
            j = (2 * i + off + k) % n
            A[i][j] = A[i][j] + h[k]
            A[half + i][j] = A[half + i][j] + g[k]
    return A


class Wavelet2D(LinearOperator):
    """Orthonormal periodic 2-D wavelet SYNTHESIS ``W^-1`` (coefficients -> image) for
    ``wavelet`` in ``haar``/``db1``, ``db2``, ``db3``, ``db4`` with ``levels`` levels.

    ``apply`` is synthesis, ``adjoint`` is analysis (``W^-1`` is orthogonal, so ``W = W^-H``).
    ``levels`` defaults to PyWavelets' ``dwt_max_level(min(n1, n2), L)`` (``floor(log2(n /
    (L - 1)))``), lowered until ``2^levels`` divides both sides.  Both ``n1`` and ``n2`` must be
    divisible by ``2^levels``; larger ``levels`` are allowed (the periodic filters then wrap).
    See the module docstring for the math and the layout.
    """

    def __init__(self, shape: object, wavelet: str = "haar", levels: int | None = None):
        self.image_shape = as_shape(shape)
        if not isinstance(wavelet, str) or wavelet.lower() not in WAVELETS:
            raise InvalidArgument(
                f"wavelet={wavelet!r} must be one of {', '.join(sorted(WAVELETS))}")
        self.wavelet = "haar" if wavelet.lower() in ("haar", "db1") else wavelet.lower()
        self.order = WAVELETS[self.wavelet]
        n1, n2 = self.image_shape
        L = 2 * self.order
        if levels is None:  # PyWavelets' dwt_max_level, then divisibility
            levels = int(pywt.dwt_max_level(min(n1, n2), L))
            while levels and (n1 % 2 ** levels or n2 % 2 ** levels):
                levels -= 1
        else:
            levels = as_positive_int(levels, "levels", 0)
        if n1 % 2 ** levels or n2 % 2 ** levels:
            raise InvalidArgument(
                f"levels={levels}: both sides of shape={self.image_shape} must be divisible by "
                f"2^{levels}")
        self.levels = levels
        self.shape = (n1 * n2, n1 * n2)
        self._ball_cache: dict[int, list] = {}
        self._slices: list | None = None

    def norm_bound(self) -> gmpy2.mpq:
        return gmpy2.mpq(1)

    def __repr__(self) -> str:
        n1, n2 = self.image_shape
        return f"Wavelet2D({n1}x{n2}, {self.wavelet}, levels={self.levels})"

    def _sizes(self) -> list[tuple[int, int]]:
        n1, n2 = self.image_shape
        return [(n1 >> j, n2 >> j) for j in range(self.levels)]

    # ------------------------------------------------------------------ Float64 (PyWavelets)
    def _pywt_slices(self) -> list:
        if self._slices is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = pywt.wavedec2(np.zeros(self.image_shape), self.wavelet,
                                  mode="periodization", level=self.levels)
            self._slices = pywt.coeffs_to_array(c)[1]
        return self._slices

    def _float64(self, ctx: Float64, x: Vec, adjoint: bool) -> Vec:
        if self.levels == 0:
            return x.copy()
        X = x.reshape(self.image_shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if adjoint:
                c = pywt.wavedec2(X, self.wavelet, mode="periodization", level=self.levels)
                return pywt.coeffs_to_array(c)[0].reshape(-1)
            c = pywt.array_to_coeffs(X, self._pywt_slices(), output_format="wavedec2")
            return pywt.waverec2(c, self.wavelet, mode="periodization").reshape(-1)

    # ------------------------------------------------------------------ Exact (Haar only)
    def _exact(self, ctx: Exact, x: Vec, adjoint: bool) -> Vec:
        if self.order != 1:
            raise InexactOperation(
                f"{self!r}: the {self.wavelet} filter coefficients are irrational algebraic "
                f"numbers; Exact() supports Haar only. Use a Ball/MP context")
        X = np.array(x, dtype=object).reshape(self.image_shape)
        half = gmpy2.mpq(1, 2)
        sizes = self._sizes()
        for m1, m2 in (sizes if adjoint else reversed(sizes)):
            B = X[:m1, :m2]
            B = _haar_analysis(_haar_analysis(B, 0), 1) if adjoint else _haar_synthesis(
                _haar_synthesis(B, 0), 1)
            X[:m1, :m2] = B * half
        return X.reshape(-1)

    # ------------------------------------------------------------------ Ball
    def _level_mats(self, prec: int) -> list:
        """Per level (dbN, N >= 2): (A1, A1^T, A2, A2^T) as arb_mat of filter balls."""
        mats = self._ball_cache.get(prec)
        if mats is not None:
            return mats
        mats = []
        with flint_prec(prec):
            h = list(daubechies_filter(self.order, prec))
            zero = arb(0)
            for m1, m2 in self._sizes():
                A1 = arb_mat(analysis_matrix_1d(h, m1, zero))
                A2 = A1 if m2 == m1 else arb_mat(analysis_matrix_1d(h, m2, zero))
                mats.append((A1, A1.transpose(), A2, A2.transpose()))
        self._ball_cache[prec] = mats
        return mats

    def _ball(self, ctx: Ball, x: Vec, adjoint: bool) -> Vec:
        n1, n2 = self.image_shape
        kind = ball_kind(x)
        e = x.entries()
        rows = [e[i * n2:(i + 1) * n2] for i in range(n1)]
        order = range(self.levels) if adjoint else reversed(range(self.levels))
        if self.order == 1:
            # Haar: O(N) ball additions per level (no matrix product); exact scale 1/2
            with flint_prec(ctx.prec):
                half = arb(1) / 2
                for j in order:
                    _haar_ball_level(rows, n1 >> j, n2 >> j, adjoint, half)
                flat = [v for r in rows for v in r]
                return kind(n1 * n2, 1, flat) if flat else kind(0, 1)
        mats = self._level_mats(ctx.prec)
        with flint_prec(ctx.prec):
            for j in order:
                A1, A1t, A2, A2t = mats[j]
                m1, m2 = n1 >> j, n2 >> j
                B = kind(m1, m2, [v for r in rows[:m1] for v in r[:m2]])
                R = A1 * B * A2t if adjoint else A1t * B * A2
                ents = R.entries()
                for i in range(m1):
                    rows[i][:m2] = ents[i * m2:(i + 1) * m2]
            flat = [v for r in rows for v in r]
            return kind(n1 * n2, 1, flat) if flat else kind(0, 1)


def wavelet_analysis(shape: object, wavelet: str = "haar", levels: int | None = None
                     ) -> AdjointOperator:
    """The analysis operator ``W`` (image -> coefficients): the adjoint of
    :class:`Wavelet2D`."""
    return Wavelet2D(shape, wavelet, levels).H


def _haar_analysis(B: np.ndarray, axis: int) -> np.ndarray:
    """Unnormalised Haar analysis along ``axis``: ``[x0 + x1; x0 - x1]`` over pairs."""
    if axis == 1:
        return _haar_analysis(B.T, 0).T
    a, b = B[0::2], B[1::2]
    return np.concatenate([a + b, a - b], axis=0)


def _haar_synthesis(B: np.ndarray, axis: int) -> np.ndarray:
    """Transpose of :func:`_haar_analysis`: pairs ``(s + d, s - d)`` from ``[s; d]``."""
    if axis == 1:
        return _haar_synthesis(B.T, 0).T
    m = B.shape[0] // 2
    s, d = B[:m], B[m:]
    out = np.empty_like(B)
    out[0::2] = s + d
    out[1::2] = s - d
    return out


def _haar_ball_level(rows: list[list], m1: int, m2: int, analysis: bool, half: arb) -> None:
    """One 2-D Haar level on the top-left ``(m1, m2)`` block of ``rows`` (lists of balls), in
    place: analysis ``(a, b) -> (a + b, a - b)`` on row pairs, then on column pairs times
    ``1/2``; synthesis is its transpose (the same butterflies in the inverse layout)."""
    h1, h2 = m1 // 2, m2 // 2
    if analysis:
        top, bot = [], []
        for i in range(0, m1, 2):
            r0, r1 = rows[i][:m2], rows[i + 1][:m2]
            top.append([a + b for a, b in zip(r0, r1, strict=True)])
            bot.append([a - b for a, b in zip(r0, r1, strict=True)])
        for i, r in enumerate(top + bot):
            ev, od = r[0::2], r[1::2]
            rows[i][:m2] = ([(a + b) * half for a, b in zip(ev, od, strict=True)]
                            + [(a - b) * half for a, b in zip(ev, od, strict=True)])
        return
    mixed = []
    for i in range(m1):
        r = rows[i][:m2]
        sm, df = r[:h2], r[h2:]
        out: list = [None] * m2
        out[0::2] = [a + b for a, b in zip(sm, df, strict=True)]
        out[1::2] = [a - b for a, b in zip(sm, df, strict=True)]
        mixed.append(out)
    for i in range(h1):
        sm, df = mixed[i], mixed[h1 + i]
        rows[2 * i][:m2] = [(a + b) * half for a, b in zip(sm, df, strict=True)]
        rows[2 * i + 1][:m2] = [(a - b) * half for a, b in zip(sm, df, strict=True)]
