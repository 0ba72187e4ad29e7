"""One FIRENET step on an imaging operator, against the bare cost of its transforms.

Run:  .venv/bin/python benchmarks/imaging_step.py [--quick] [--repeats R]

Two ratios, each measured in the same run (medians over interleaved repeats):

* ``Float64``: one inner step of ``firenet_solve`` on ``A = P_Omega F W^-1`` (Fourier, Haar,
  256 x 256, 15 % DAS mask, complex data) against a plain numpy/scipy reference step that makes
  the same calls (``scipy.fft.fft2``/``ifft2`` with ``norm="ortho"``, PyWavelets
  ``wavedec2``/``waverec2`` with ``coeffs_to_array``/``array_to_coeffs``, mask indexing) and the
  same vector work (modulus soft-threshold, projection).  Target: within 1.5x.
* ``Ball(256)``: one inner step of the certified Ball iteration (``guard_bits=0``, so the working
  precision is 256 bits) on the 64 x 64 Fourier-Haar operator, against the bare transform cost
  at 256 bits: ``acb.dft`` on every row and column, forward and inverse, plus one Ball Haar
  synthesis and one analysis (``Wavelet2D``'s Ball butterflies).  Target: within 3x.

A library step is timed as ``(T(p = p1) - T(p = p0)) / (p1 - p0)`` for one restart, so set-up
(parameters, weights, data conversion) cancels.  This is a timing script, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import gmpy2
import numpy as np
import pywt
import scipy.fft
from flint import acb, acb_mat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algorithms.arithmetic import Ball, Float64, flint_prec  # noqa: E402
from algorithms.operators import Wavelet2D  # noqa: E402
from algorithms.solvers.firenet import firenet_solve  # noqa: E402
from theorems.imaging.harness import LAM, STEP  # noqa: E402
from theorems.imaging.phantoms import phantom  # noqa: E402
from theorems.imaging.problems import float_problem, sparse_problem  # noqa: E402


def _lib_step(op: object, y: object, ctx: object, weights: object, p0: int, p1: int,
              **extra: object) -> float:
    """Seconds per inner step of one restart of ``firenet_solve`` (difference of two runs)."""
    kw = dict(lam=LAM, n_outer=1, delta=0, weights=weights, tau=STEP, sigma=STEP, ctx=ctx,
              **extra)
    t = time.perf_counter()
    firenet_solve(op, y, p_inner=p0, **kw)
    t0 = time.perf_counter() - t
    t = time.perf_counter()
    firenet_solve(op, y, p_inner=p1, **kw)
    t1 = time.perf_counter() - t
    return (t1 - t0) / (p1 - p0)


class NumpyStep:
    """The reference step, written out with numpy/scipy/PyWavelets calls only."""

    def __init__(self, n: int, J: int, idx: np.ndarray, y: np.ndarray, th: float):
        self.n, self.J, self.idx, self.th = n, J, idx, th
        self.tau = self.sigma = float(STEP)
        self.gy = self.sigma * 1.0 * y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = pywt.wavedec2(np.zeros((n, n)), "haar", mode="periodization", level=J)
        self.slices = pywt.coeffs_to_array(c)[1]

    def step(self, x: np.ndarray, v: np.ndarray, s: np.ndarray) -> tuple:
        n = self.n
        full = np.zeros(n * n, dtype=complex)
        full[self.idx] = v
        img = scipy.fft.ifft2(full.reshape(n, n), norm="ortho")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = pywt.wavedec2(img, "haar", mode="periodization", level=self.J)
            atv = pywt.coeffs_to_array(c)[0].reshape(-1)
            z = x - self.tau * atv
            a = np.abs(z)
            x1 = z * np.maximum(1.0 - self.th / np.maximum(a, 1e-300), 0.0)
            s += x1
            d = 2.0 * x1 - x
            c = pywt.array_to_coeffs(d.reshape(n, n), self.slices, output_format="wavedec2")
            img = pywt.waverec2(c, "haar", mode="periodization")
        ad = scipy.fft.fft2(img, norm="ortho").reshape(-1)[self.idx]
        u = self.sigma * ad - self.gy
        u += v
        t = float(np.vdot(u, u).real)
        return x1, u * (1.0 / max(t, 1.0) ** 0.5), s


def float64_ratio(n: int, repeats: int, steps: int) -> tuple[float, float]:
    img = phantom("ellipses", n)
    J = n.bit_length() - 4
    pb = float_problem("fourier", "haar", img, J=J, rate=0.15, noise=0.02, seed=0)
    w = [float(v) for v in pb.weights]
    th_vec = float(STEP * LAM) * np.array(w)
    ref = NumpyStep(n, J, np.flatnonzero(pb.mask.ravel()), pb.y, th_vec)  # type: ignore[arg-type]
    F = Float64()
    libs, refs = [], []
    for _ in range(repeats):
        libs.append(_lib_step(pb.op, pb.y, F, pb.weights, 2, 2 + steps))
        x = np.zeros(n * n, dtype=complex)
        v = np.zeros(len(pb.y), dtype=complex)
        s = np.zeros(n * n, dtype=complex)
        t = time.perf_counter()
        for _ in range(steps):
            x, v, s = ref.step(x, v, s)
        refs.append((time.perf_counter() - t) / steps)
    return statistics.median(libs), statistics.median(refs)


def ball_ratio(n: int, prec: int, repeats: int, steps: int) -> tuple[float, float]:
    J = 3 if n >= 64 else 2
    per_level = (4, 4, 6, 8)[: J + 1]
    pb = sparse_problem("fourier", n, J, per_level, rate=0.25, seed=0, prec=prec + 64)
    B = Ball(prec)
    W = Wavelet2D((n, n), "haar", J)
    rng = np.random.default_rng(0)
    with flint_prec(prec):
        vec = acb_mat(n * n, 1, [acb(float(a), float(b)) for a, b in
                                 rng.standard_normal((n * n, 2))])
    libs, floors = [], []
    for _ in range(repeats):
        libs.append(_lib_step(pb.op, pb.y, B, pb.weights, 2, 2 + steps, guard_bits=0))
        t = time.perf_counter()
        e = vec.entries()
        with flint_prec(prec):
            for inverse in (False, True):
                rows = [acb.dft(e[i * n:(i + 1) * n], inverse) for i in range(n)]
                for c in zip(*rows, strict=True):
                    acb.dft(list(c), inverse)
        W.apply(B, vec)
        W.adjoint(B, vec)
        floors.append(time.perf_counter() - t)
    return statistics.median(libs), statistics.median(floors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="64x64 float, 32x32 ball, 1 repeat")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    nf, nb = (64, 32) if args.quick else (256, 64)
    reps = 1 if args.quick else args.repeats
    lib_f, ref_f = float64_ratio(nf, reps, 10)
    lib_b, floor_b = ball_ratio(nb, 256, reps, 4)
    print(f"{'step':<44}{'library ms':>12}{'baseline ms':>13}{'ratio':>8}{'target':>8}")
    print(f"{f'Float64 Fourier-Haar {nf}x{nf} vs numpy/scipy/pywt':<44}"
          f"{lib_f * 1e3:>12.2f}{ref_f * 1e3:>13.2f}{lib_f / ref_f:>8.2f}{'1.5':>8}")
    print(f"{f'Ball(256) certified {nb}x{nb} vs acb.dft + Haar':<44}"
          f"{lib_b * 1e3:>12.2f}{floor_b * 1e3:>13.2f}{lib_b / floor_b:>8.2f}{'3':>8}")
    print(f"(medians of {reps} interleaved repeats; {gmpy2.version()} gmpy2)")


if __name__ == "__main__":
    main()
