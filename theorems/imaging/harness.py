r"""The imaging experiment (SPEC section 10): FIRENET on subsampled Fourier and Walsh data.

Part (a), the paper's set-up in float64 (:func:`run_float`).  For each modality (Fourier,
Walsh) and wavelet (Haar, db2): an ``n x n`` test image, a DAS mask with 15 % of the rows,
weights ``sqrt(s/s_k)``, Gaussian noise at 2 % of ``||A x||``, ``lam = 2.5e-4``, ``p = 5``.

* ``tau = sigma``: the paper's ``tau = sigma = 1`` with ``L = 1`` gives ``tau sigma L^2 = 1``,
  where the primal-dual step is no longer a strict contraction in the metric ``M`` and
  ``firenet_parameters`` refuses it.  We take ``tau = sigma = 1 - 2^-10`` (``tau sigma L^2 =
  1 - 2^-9 + 2^-20 < 1``), a deviation of 0.1 % in each step size.
* The paper's run: ``delta = 1e-9``, 16 restarts; the figure shows its ``psi_1``, ``psi_4``,
  ``psi_16``, and PSNR/SSIM (scikit-image) of the images ``W^-1 psi_k`` (real part) against the
  truth.
* The minimiser of the weighted SR-LASSO is not known in closed form; it is approximated by a
  long noise-aware FIRENET run with ``delta = 0`` (``curve + extra`` restarts; its last iterate is
  the reference ``x_min``).  Its first ``curve`` restarts are the curve "error to the minimiser",
  ``||psi_k - x_min|| / ||x_min||`` (the same run: a separate run with the same parameters would
  produce the same iterates).  The reference's own accuracy is reported as
  ``||psi_last - psi_{last-1}||``.  CAUTION: this certifies nothing; the limit of FIRENET is the
  SR-LASSO minimiser only when ``p`` is large enough for the sharpness condition (the paper's
  set-up does not check it), so "minimiser" here means "the limit of FIRENET's iteration".
* "error to the truth": ``||psi_k - x|| / ||x||`` against restarts, with the noise level
  ``||e|| / ||A x||`` and the final residual ``||A psi - y|| / ||e||`` beside it.

Part (b), beyond float64 (:func:`run_certified`): 64 x 64 Haar problems whose coefficient vector
is exactly sparse in levels with dyadic values, noise-free, Walsh-Haar (dyadic data, read
exactly) and Fourier-Haar (data in ``acb.dft`` balls); FIRENET runs in ``Ball`` (certified
midpoint iteration of :mod:`algorithms.solvers.firenet.operator`) with ``delta = 0``.  The
certified error to the exact truth is ``|mid(psi) - x|_2 + |psi^ - mid(psi)|_2``: the first term
is exact rational arithmetic on the midpoints, the second the run's rigorous bound, so the
exact-arithmetic FIRENET output ``psi^`` is within it of ``x``.  The same problem in float64
gives the floor float64 reaches.

What the algorithm reads: ``firenet_solve`` receives the operator (apply, adjoint, norm bound:
the physics, known exactly) and the data.  In part (b) the data come from a matrix-free
``Oracle(None, [sample], shape=(m, N))`` read once at level ``prec + guard_1 + 64``
(``guard_1`` the first restart's guard bits): Walsh-Haar samples are exact dyadic
rationals, Fourier-Haar samples a ``CertifiedVector`` evaluated by ``acb.dft``;
the answer ``y_n`` (``||y_n - y||_2 <= 2^-n``) is widened into balls that contain ``y``
(:func:`theorems.imaging.problems.oracle_balls`), so the certificate covers the exact data.
In part (a) the data are float64 (noisy by construction); each float is an
exact dyadic rational, so ``float_problem`` puts them in a matrix-free oracle
(:func:`theorems.imaging.problems.float_oracle`) and FIRENET's input is the oracle's answer at
level ``READ_LEVEL = 80`` (:func:`theorems.imaging.problems.read_float`).  The truth
``x`` stays in this harness.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball, Float64
from algorithms.operators import Wavelet2D
from algorithms.rationals import mpq_sqrt_upper
from algorithms.solvers.firenet import default_guard_bits, firenet_solve
from algorithms.solvers.firenet.parameters import operator_parameters
from theorems._display import Displayable
from theorems.errors import InvalidArgument
from theorems.formatting import decimal
from theorems.imaging.phantoms import phantom
from theorems.imaging.problems import (
    WAVELETS,
    ImagingProblem,
    float_problem,
    oracle_balls,
    read_float,
    sparse_problem,
)
from theorems.imaging.sampling import MODALITIES, _integer

__all__ = [
    "STEP",
    "FloatRun",
    "FloatResult",
    "CertifiedRun",
    "CertifiedResult",
    "run_float",
    "run_certified",
    "image_of",
]

Progress = Callable[[str], object] | None

#: the step size tau = sigma = 1 - 2^-10 (module docstring)
STEP = gmpy2.mpq(1) - gmpy2.mpq(1, 2**10)
#: the paper's lam, as an exact rational
LAM = gmpy2.mpq(1, 4000)
#: part (a) reads its float64 data once at this level: ``||y_n - y||_2 <= 2^-80``, far below
#: float64's own resolution of the data, so FIRENET sees the noisy samples to the last bit
READ_LEVEL = 80


def _check_counts(**values: tuple[object, int]) -> None:
    """Each ``name=(value, least)``: ``value`` must be an integer ``>= least``."""
    for name, (value, least) in values.items():
        v = _integer(value)
        if v is None or v < least:
            raise InvalidArgument(f"{name}={value!r} must be an integer >= {least}")


def _names(name: str, values: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty tuple of names from ``allowed`` (a bare string is refused: it would be
    iterated letter by letter)."""
    if isinstance(values, str) or not isinstance(values, tuple | list) or not values:
        raise InvalidArgument(f"{name}={values!r} must be a non-empty tuple of names from "
                              f"{allowed}")
    for v in values:
        if v not in allowed:
            raise InvalidArgument(f"{name} contains {v!r}; each must be one of {allowed}")
    return tuple(values)


def _say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)


def image_of(problem: ImagingProblem, coeffs: np.ndarray) -> np.ndarray:
    """``Re(W^-1 c)`` as an ``n x n`` image."""
    n = problem.n
    W = Wavelet2D((n, n), problem.wavelet, problem.J)
    return np.real(W.apply(Float64(), np.asarray(coeffs))).reshape(n, n)


# =============================================================================== part (a)
@dataclass(frozen=True)
class FloatRun:
    """One modality/wavelet of part (a); errors are relative 2-norms on the coefficients."""

    label: str
    modality: str
    wavelet: str
    rate: float
    local: tuple[int, ...]
    counts: tuple[int, ...]
    noise_level: float              #: ||e|| / ||A x||
    truth_errors: tuple[float, ...]  #: paper run, restart 1..R
    psnr: tuple[float, ...]          #: paper run, restart 1..R (dB)
    ssim: tuple[float, ...]
    residual: float                  #: ||A psi_R - y|| / ||e|| (paper run)
    minimiser_errors: tuple[float, ...]   #: long run, restart 1..curve
    long_truth_errors: tuple[float, ...]  #: long run, restart 1..curve
    reference_step: float            #: ||psi_last - psi_{last-1}|| / ||x_min||
    rate_per_restart: float | None   #: fitted decay factor of minimiser_errors (e^-1 = 0.368)
    seconds: float
    images: dict[str, np.ndarray] = field(repr=False)


@dataclass(frozen=True, repr=False)
class FloatResult(Displayable):
    """Part (a)'s result: one :class:`FloatRun` per modality and wavelet.  At a prompt it shows
    one line; ``summary()`` prints the table the command line prints, ``_repr_html_`` shows it
    in a notebook."""

    _report_module: ClassVar[str] = "theorems.imaging.report"

    size: int
    image_name: str
    restarts: int
    curve: int
    extra: int
    p_inner: int
    lam: float
    delta: float
    step: float
    runs: tuple[FloatRun, ...]
    seconds: float

    def _headline(self) -> str:
        worst = max((r.truth_errors[-1] for r in self.runs), default=math.nan)
        return (f"(a) float64 {self.size}x{self.size} '{self.image_name}': {len(self.runs)} "
                f"problems, {self.restarts} restarts, worst error to the truth {worst:.3g}, "
                f"{self.seconds:.1f} s")

    def _render(self, console: Any) -> None:
        importlib.import_module(self._report_module).render(self, None, console)


def fit_decay(errors: tuple[float, ...], floor: float = 1e-13) -> float | None:
    """Least-squares slope of ``log(error)`` over the restarts before the error first drops
    below ``floor`` (float64's floor region is left out), as a factor per restart.  Non-finite
    errors are left out too; ``None`` when fewer than three points remain."""
    pts = [(k, math.log(e)) for k, e in enumerate(errors, 1) if e > floor and math.isfinite(e)]
    if len(pts) < 3:
        return None
    ks, ls = np.array([p[0] for p in pts], float), np.array([p[1] for p in pts])
    slope = float(np.polyfit(ks, ls, 1)[0])
    return math.exp(slope)


def _metrics(truth: np.ndarray, rec: np.ndarray) -> tuple[float, float]:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    rng = 1.0
    return (float(peak_signal_noise_ratio(truth, rec, data_range=rng)),
            float(structural_similarity(truth, rec, data_range=rng)))


def _float_run(pb: ImagingProblem, *, restarts: int, curve: int, extra: int, p_inner: int,
               progress: Progress) -> FloatRun:
    t0 = time.perf_counter()
    F = Float64()
    x = pb.x
    nx = float(np.linalg.norm(x))
    kw = dict(lam=LAM, p_inner=p_inner, weights=pb.weights, tau=STEP, sigma=STEP, ctx=F)
    # what FIRENET sees: the oracle's answer at level READ_LEVEL (the truth stays here)
    y = read_float(pb.oracle, READ_LEVEL)
    paper: list[np.ndarray] = []
    _say(progress, f"(a) {pb.label}: the paper's run, {restarts} restarts")
    firenet_solve(pb.op, y, n_outer=restarts, delta=gmpy2.mpq(1, 10**9),
                  callback=lambda r: paper.append(r.psi.copy()), **kw)
    long: list[np.ndarray] = []
    _say(progress, f"(a) {pb.label}: long run (delta = 0), {curve + extra} restarts")
    firenet_solve(pb.op, y, n_outer=curve + extra, delta=0,
                  callback=lambda r: long.append(r.psi.copy()), **kw)
    ref = long[-1]
    nref = float(np.linalg.norm(ref))
    truth_img = pb.image
    psnr, ssim = [], []
    for psi in paper:
        a, b = _metrics(truth_img, np.clip(image_of(pb, psi), 0, 1))
        psnr.append(a)
        ssim.append(b)
    y_clean = pb.op.apply(F, x)
    # ||A psi - y|| / ||e||: undefined (NaN) for noise-free data, ||e|| = 0
    resid = (float(np.linalg.norm(pb.op.apply(F, paper[-1]) - pb.y)) / pb.noise_norm
             if pb.noise_norm > 0 else math.nan)
    min_err = tuple(float(np.linalg.norm(p - ref)) / nref for p in long[:curve])
    zero_filled = image_of(pb, pb.op.adjoint(F, y))
    images = {"truth": truth_img, "adjoint": zero_filled,
              **{f"restart {k}": image_of(pb, paper[k - 1]) for k in (1, 4, restarts)
                 if k <= restarts},
              "mask": np.fft.fftshift(pb.mask) if pb.modality == "fourier" else pb.mask}
    return FloatRun(
        pb.label, pb.modality, pb.wavelet, pb.rate, pb.local, pb.counts,
        pb.noise_norm / float(np.linalg.norm(y_clean)),
        tuple(float(np.linalg.norm(p - x)) / nx for p in paper), tuple(psnr), tuple(ssim), resid,
        min_err, tuple(float(np.linalg.norm(p - x)) / nx for p in long[:curve]),
        float(np.linalg.norm(long[-1] - long[-2])) / nref if len(long) > 1 else math.nan,
        fit_decay(min_err), time.perf_counter() - t0, images)


def run_float(*, size: int = 256, image: str = "ellipses", restarts: int = 16, curve: int = 40,
              extra: int = 12, p_inner: int = 5, rate: float = 0.15, noise: float = 0.02,
              seed: int = 0, modalities: tuple[str, ...] = ("fourier", "walsh"),
              wavelets: tuple[str, ...] = ("haar", "db2"), progress: Progress = None
              ) -> FloatResult:
    """Part (a) (module docstring).  ``J = log2(size) - 3`` wavelet levels (an 8 x 8 coarse
    block, fully sampled), so ``size`` is a power of two from 16 to 1024.  With ``noise = 0``
    the residual ``||A psi - y|| / ||e||`` is undefined and reported as NaN."""
    t0 = time.perf_counter()
    size_i = _integer(size)
    if size_i is None or size_i < 16 or size_i > 1024 or size_i & (size_i - 1):
        raise InvalidArgument(f"size={size!r} must be a power of two between 16 and 1024 "
                              f"(J = log2(size) - 3 >= 1 wavelet levels)")
    size = size_i
    _check_counts(restarts=(restarts, 1), curve=(curve, 1), extra=(extra, 0),
                  p_inner=(p_inner, 1))
    modalities = _names("modalities", modalities, MODALITIES)
    wavelets = _names("wavelets", wavelets, WAVELETS)
    img = phantom(image, size, seed)
    J = size.bit_length() - 1 - 3
    runs = []
    for modality in modalities:
        for wavelet in wavelets:
            pb = float_problem(modality, wavelet, img, J=J, rate=rate, noise=noise, seed=seed)
            runs.append(_float_run(pb, restarts=restarts, curve=curve, extra=extra,
                                   p_inner=p_inner, progress=progress))
    return FloatResult(size, image, restarts, curve, extra, p_inner, float(LAM), 1e-9,
                       float(STEP), tuple(runs), time.perf_counter() - t0)


# =============================================================================== part (b)
@dataclass(frozen=True)
class CertifiedRun:
    """One modality of part (b).  ``certified[k-1]`` is a rigorous upper bound of
    ``||psi^_k - x||_2`` (exact-arithmetic FIRENET output against the exact truth);
    ``bounds[k-1]`` the run's own bound on ``|mid(psi_k) - psi^_k|_2``; ``float64[k-1]`` the
    float64 run's ``||psi_k - x||_2``."""

    label: str
    modality: str
    size: int
    prec: int
    per_level: tuple[int, ...]
    counts: tuple[int, ...]
    certified: tuple[gmpy2.mpq, ...] = field(repr=False)
    bounds: tuple[gmpy2.mpq, ...] = field(repr=False)
    working_prec: tuple[int, ...]
    float64: tuple[float, ...]
    seconds: float
    float_seconds: float

    @property
    def final(self) -> gmpy2.mpq:
        return self.certified[-1]


@dataclass(frozen=True, repr=False)
class CertifiedResult(Displayable):
    """Part (b)'s result: one :class:`CertifiedRun` per modality (one line at a prompt,
    ``summary()`` for the table, ``_repr_html_`` in a notebook)."""

    _report_module: ClassVar[str] = "theorems.imaging.report"

    size: int
    prec: int
    restarts: int
    p_inner: int
    lam: gmpy2.mpq
    step: gmpy2.mpq
    rate: float
    runs: tuple[CertifiedRun, ...]
    seconds: float

    def _headline(self) -> str:
        finals = ", ".join(f"{r.label} {decimal(r.final, 3, 'up')}" for r in self.runs)
        return (f"(b) Ball({self.prec}) {self.size}x{self.size}, {self.restarts} restarts: "
                f"certified ||psi - x||_2 <= {finals}; {self.seconds:.1f} s")

    def _render(self, console: Any) -> None:
        importlib.import_module(self._report_module).render(None, self, console)


def _distance_upper(mids: list, x: np.ndarray) -> gmpy2.mpq:
    """A rational upper bound of ``||mids - x||_2`` (complex midpoints allowed)."""
    sq = gmpy2.mpq(0)
    for m, t in zip(mids, x, strict=True):
        if hasattr(m, "re"):
            sq += (m.re - t) ** 2 + m.im ** 2
        else:
            sq += (gmpy2.mpq(m) - t) ** 2
    return mpq_sqrt_upper(sq, 64) if sq else gmpy2.mpq(0)


#: part (b) reads the samples from the oracle at level ``prec + guard_1 +`` this: a data error
#: enters every step (times the restart scale) and an error of the first restart is amplified
#: by up to ``2^guard_1`` (the guard-bit rule), so the data must be as accurate as the first
#: restart's working precision (measured: level ``prec + 320`` with 150 restarts, whose
#: ``guard_1`` is 695 bits, left a certified bound of 3e32)
DATA_LEVEL_EXTRA = 64

#: lam of part (b): small enough that the exact image is the SR-LASSO minimiser, large enough
#: that p = 10 inner steps give the e^-1 rate (measured: lam = 1/20 or p = 5 stall)
LAM_B = gmpy2.mpq(1, 40)


def _certified_run(modality: str, *, size: int, J: int, prec: int, restarts: int, p_inner: int,
                   per_level: tuple[int, ...], rate: float, lam: gmpy2.mpq, seed: int,
                   progress: Progress) -> CertifiedRun:
    _say(progress, f"(b) {modality.capitalize()}-Haar {size}x{size}: exact data")
    pb = sparse_problem(modality, size, J, per_level, rate=rate, seed=seed, prec=prec + 64)
    kw = dict(lam=lam, n_outer=restarts, p_inner=p_inner, delta=0, weights=pb.weights,
              tau=STEP, sigma=STEP)
    _say(progress, f"(b) {pb.label}: Ball({prec}) certified run, {restarts} restarts")
    cert: list[gmpy2.mpq] = []
    bounds: list[gmpy2.mpq] = []
    wps: list[int] = []
    B = Ball(prec)

    def record(r: Any) -> None:
        mids = list(B.to_rationals(r.psi))
        bounds.append(r.error_bound)
        wps.append(r.working_prec)
        cert.append(_distance_upper(mids, pb.x) + r.error_bound)

    t1 = time.perf_counter()
    guard = default_guard_bits(operator_parameters(pb.op, eps0=1, **kw))
    level = prec + guard + DATA_LEVEL_EXTRA
    yb = oracle_balls(pb.oracle.sample(0, level), level, level + 64)
    firenet_solve(pb.op, yb, ctx=B, callback=record, **kw)
    secs = time.perf_counter() - t1
    _say(progress, f"(b) {pb.label}: the same run in float64")
    yf = read_float(pb.oracle, READ_LEVEL)
    xf = np.array([float(v) for v in pb.x])
    errs: list[float] = []
    t1 = time.perf_counter()
    firenet_solve(pb.op, yf, ctx=Float64(), callback=lambda r: errs.append(
        float(np.linalg.norm(r.psi - xf))), **kw)
    return CertifiedRun(pb.label, modality, size, prec, tuple(per_level), pb.counts,
                        tuple(cert), tuple(bounds), tuple(wps), tuple(errs), secs,
                        time.perf_counter() - t1)


def run_certified(*, size: int = 64, prec: int = 256, restarts: int = 150, p_inner: int = 10,
                  per_level: tuple[int, ...] = (4, 4, 6, 8), rate: float = 0.25,
                  lam: gmpy2.mpq = LAM_B, seed: int = 0,
                  modalities: tuple[str, ...] = ("walsh", "fourier"),
                  progress: Progress = None) -> CertifiedResult:
    """Part (b) (module docstring).  ``J = len(per_level) - 1`` levels; ``rate`` of the rows
    sampled (DAS from the known sparsities ``per_level``)."""
    t0 = time.perf_counter()
    if not isinstance(per_level, tuple | list | np.ndarray) or len(per_level) < 2:
        raise InvalidArgument(f"per_level={per_level!r} must give the sparsity of each wavelet "
                              f"level 0..J, J >= 1 (at least two entries)")
    _check_counts(restarts=(restarts, 1), p_inner=(p_inner, 1))
    modalities = _names("modalities", modalities, MODALITIES)
    J = len(per_level) - 1
    runs = tuple(_certified_run(m, size=size, J=J, prec=prec, restarts=restarts,
                                p_inner=p_inner, per_level=per_level, rate=rate, lam=lam,
                                seed=seed, progress=progress) for m in modalities)
    return CertifiedResult(size, prec, restarts, p_inner, lam, STEP, rate, runs,
                           time.perf_counter() - t0)
