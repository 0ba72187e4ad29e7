r"""The stability-accuracy trade-off (SPEC section 11; Antun et al., PNAS 2020; Colbrook,
Antun & Hansen, PNAS 2022): trained networks against FIRENET under worst-case perturbations.

Set-up.  ``n x n`` images (64 by default, 32 in ``quick`` mode), Haar with ``J`` levels, Fourier
sampling of 15 % of k-space on a multilevel DAS mask (:mod:`theorems.imaging.sampling`) chosen
from the local sparsities of a training phantom (not the test images).  Data are real-stacked
(:mod:`theorems.tradeoff.operator`).  Methods, each a map ``Phi: y -> image``:

* ``AUTOMAP``: fully connected from k-space, then convolutions
  (:mod:`algorithms.learned.automap`), trained on textured random-ellipse phantoms;
* ``U-net``: post-processes the zero-filled reconstruction (:mod:`algorithms.learned.unet`),
  trained without noise (Adam, cosine learning-rate decay); ``U-net (noise)``: that U-net
  trained on with k-space noise of up to ``noise ||y||`` per sample;
* ``FIRENET``: ``n_outer`` restarts of ``p`` primal-dual steps (weighted square-root LASSO,
  weights ``w_k = sqrt(s/s_k)`` from the same training phantom);
* ``AUTOMAP+FIRENET``: FIRENET restarts warm-started at ``psi_0 = W AUTOMAP(y)``.

Measured, per method (records :class:`MethodRecord`):

* clean accuracy on held-out phantoms: mean relative error ``||Phi(y) - x|| / ||x||`` and PSNR;
* the local Lipschitz constant ``||J_Phi(y)||_2`` at the test input (block Lanczos on
  ``J^T J``, :func:`theorems.stability.jacobian_top_singular`) and its direction ``v``;
* worst-case amplification ``max_{||e|| <= eta} ||Phi(y + e) - Phi(y)|| / eta`` for
  ``eta = 0.1 % .. 5 % of ||y||`` (projected gradient ascent,
  :func:`theorems.stability.worst_perturbation`, gradients by JAX) from ``starts`` random
  directions plus ``+-v`` plus the worst ``e`` of the previous (smaller) eta -- the same
  search, with the same settings, for every method -- and the relative error to the truth at
  the worst ``e`` found;
* the detail test: a 3 x 3 checkerboard of single pixels (:func:`theorems.imaging.phantoms.
  fine_detail`), absent from the training family; "recovered" means the reconstructed dots
  stand out of their surroundings by at least half of the true contrast;
* for FIRENET, its certified Lipschitz bound (:func:`theorems.stability.lipschitz_bound`);
  for the composite, its amplification under AUTOMAP's own worst perturbation as well.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from theorems.errors import InvalidArgument
from theorems.imaging.sampling import _integer, _real

__all__ = ["TradeoffConfig", "MethodRecord", "TradeoffResult", "run", "METHODS", "DEFAULT_ETAS",
           "enable_compilation_cache"]

METHODS = ("AUTOMAP", "U-net", "U-net (noise)", "FIRENET", "AUTOMAP+FIRENET")
DEFAULT_ETAS = (0.001, 0.005, 0.01, 0.02, 0.05)

Progress = Callable[[str], None] | None


@dataclass(frozen=True, kw_only=True)
class TradeoffConfig:
    """Every setting of one run (``quick()`` gives the test-sized one)."""

    n: int = 64
    levels: int = 3
    rate: float = 0.15
    mask_seed: int = 0
    train_images: int = 800
    test_images: int = 8
    epochs: int = 10
    unet_epochs: int = 16
    noise_epochs: int = 6
    batch_size: int = 16
    learning_rate: float = 1e-3
    unet_learning_rate: float = 3e-3
    noise: float = 0.2
    channels: int = 8
    lam: float = 2e-3
    n_outer: int = 12
    p_inner: int = 10
    tau: float = 0.7
    composite_outer: int = 6
    etas: tuple[float, ...] = DEFAULT_ETAS
    starts: int = 2
    iterations: int = 8
    lanczos_steps: int = 6
    seed: int = 0

    def __post_init__(self) -> None:
        # everything is checked here, before minutes of training, not where it is first used
        if self.n not in (32, 64, 128) or isinstance(self.n, bool):
            raise InvalidArgument(f"n={self.n} must be 32, 64 or 128")
        for name in ("levels", "train_images", "test_images", "epochs", "unet_epochs",
                     "noise_epochs", "batch_size", "channels", "n_outer", "p_inner",
                     "composite_outer", "starts", "iterations", "lanczos_steps"):
            value = getattr(self, name)
            if _integer(value) is None or value < 1:
                raise InvalidArgument(f"{name}={value!r} must be an integer >= 1")
        for name in ("mask_seed", "seed"):
            value = getattr(self, name)
            if _integer(value) is None or value < 0:
                raise InvalidArgument(f"{name}={value!r} must be an integer >= 0")
        r = self.n.bit_length() - 1
        if not self.levels < r:
            raise InvalidArgument(f"levels={self.levels} must be < log2(n) = {r}")
        low = 4.0**-self.levels  # level 0 (the (n/2^levels)^2 coarse block) is fully sampled
        if not _real("rate", self.rate) < 1 or not self.rate >= low:
            raise InvalidArgument(f"rate={self.rate} must be in [4^-levels, 1) = [{low:g}, 1) "
                                  f"(the coarse block is sampled in full)")
        if not 0 < _real("tau", self.tau) < 1:
            raise InvalidArgument(f"tau={self.tau} must be in (0, 1) (tau = sigma, L = 1: "
                                  f"tau sigma L^2 < 1)")
        for name in ("lam", "learning_rate", "unet_learning_rate"):
            if not _real(name, getattr(self, name)) > 0:
                raise InvalidArgument(f"{name}={getattr(self, name)} must be > 0")
        if not _real("noise", self.noise) >= 0:
            raise InvalidArgument(f"noise={self.noise} must be >= 0")
        if (not isinstance(self.etas, tuple | list) or not self.etas
                or any(not 0 < _real("etas", e) < 1 for e in self.etas)):
            raise InvalidArgument(f"etas={self.etas} must be fractions in (0, 1)")

    @staticmethod
    def quick(**kw: Any) -> TradeoffConfig:
        base = dict(n=32, levels=2, train_images=160, test_images=3, epochs=3, unet_epochs=2,
                    noise_epochs=1, channels=4, lanczos_steps=3,
                    n_outer=6, p_inner=8, composite_outer=3, etas=(0.001, 0.01, 0.05),
                    starts=2, iterations=5)
        base.update(kw)
        return TradeoffConfig(**base)

    def data_config(self) -> dict:
        return {"n": self.n, "levels": self.levels, "rate": self.rate,
                "mask_seed": self.mask_seed, "train_images": self.train_images,
                "phantom": "ellipses+texture", "seed": self.seed}


@dataclass(frozen=True)
class MethodRecord:
    """One method.  ``rel_error``/``psnr``: clean test accuracy (means); ``amplification``:
    per eta (fraction of ||y||) the worst amplification found; ``worst_error``: relative
    error to the truth at that perturbation; ``detail_error``: relative error on the detail
    crop; ``detail_contrast``: reconstructed / true dot contrast; ``detail_recovered``:
    contrast >= 0.5; ``bound``: a certified Lipschitz bound (FIRENET) or None;
    ``local_lipschitz``: the Lanczos estimate of ``||J_Phi(y)||`` at the test input;
    ``train_seconds``, ``cached``: training cost; ``under_automap_worst``: amplification
    under AUTOMAP's worst perturbation at each eta (composite only)."""

    name: str
    rel_error: float
    psnr: float
    amplification: dict[float, float]
    worst_error: dict[float, float]
    detail_error: float
    detail_contrast: float
    detail_recovered: bool
    bound: float | None = None
    local_lipschitz: float = 0.0
    train_seconds: float = 0.0
    cached: bool = False
    under_automap_worst: dict[float, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TradeoffResult:
    config: TradeoffConfig
    records: tuple[MethodRecord, ...]
    seconds: float
    images: dict[str, Any] = field(repr=False)
    m: int

    def record(self, name: str) -> MethodRecord:
        """The record of method ``name`` (one of :data:`METHODS`)."""
        for r in self.records:
            if r.name == name:
                return r
        raise InvalidArgument(f"name={name!r} must be one of "
                              f"{tuple(r.name for r in self.records)}")


# =============================================================================== pieces
def _psnr(rec: np.ndarray, x: np.ndarray) -> float:
    mse = float(np.mean((rec - x) ** 2))
    return 10 * math.log10(1.0 / mse) if mse > 0 else float("inf")


def _crop_box(mask: np.ndarray, margin: int = 4) -> tuple[int, int, int, int]:
    ii, jj = np.nonzero(mask)
    n = mask.shape[0]
    return (max(ii.min() - margin, 0), min(ii.max() + margin + 1, n),
            max(jj.min() - margin, 0), min(jj.max() + margin + 1, n))


def _contrast(img: np.ndarray, mask: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean over the dots minus mean over the other pixels of the crop."""
    i0, i1, j0, j1 = box
    crop, cm = img[i0:i1, j0:j1], mask[i0:i1, j0:j1]
    return float(crop[cm].mean() - crop[~cm].mean())


def _operator_and_weights(cfg: TradeoffConfig) -> tuple[Any, np.ndarray]:
    import jax

    from theorems.imaging.phantoms import ellipses
    from theorems.imaging.sampling import das_mask, level_weights, local_sparsities, wavelet_levels
    from theorems.tradeoff.operator import FourierHaar, haar_analysis

    n, J = cfg.n, cfg.levels
    reference = ellipses(n, cfg.seed + 999_999, texture=True)
    # jitted: run eagerly, the Haar steps would compile ~40 one-operation programs
    coeffs = np.asarray(jax.jit(haar_analysis, static_argnums=1)(reference, J))
    local = local_sparsities(coeffs, J)
    _, mask = das_mask("fourier", n, J, np.maximum(local, 1), cfg.rate, cfg.mask_seed)
    w = level_weights(local)[wavelet_levels(n, J)].ravel()
    return FourierHaar(mask, J), w


def _flat(f: Callable[..., Any], y: Any, *args: Any) -> Any:
    return f(y, *args).reshape(-1)


def _swap(model: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``model(params, y)`` as ``phi(y, params)``."""
    return lambda y, params: model(params, y)


def _f64(params: dict[str, np.ndarray]) -> dict[str, Any]:
    import jax.numpy as jnp

    return {k: jnp.asarray(v, jnp.float64) for k, v in params.items()}


# =============================================================================== run
def enable_compilation_cache(cache: str | None = None, min_seconds: float = 0.1) -> str:
    """Keep XLA's compiled programs on disk in ``<cache dir>/xla`` (JAX's persistent
    compilation cache), so a second run skips compiling FIRENET and the gradient programs
    (most of a warm run's time otherwise).  Programs that compiled in under ``min_seconds``
    are not stored.  Global for the process: call it before anything is compiled (the CLI
    does, unless ``--no-cache``).  Returns the folder."""
    import jax

    from algorithms.learned.training import cache_dir

    folder = cache_dir(cache) / "xla"
    folder.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_seconds))
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return str(folder)


def run(cfg: TradeoffConfig | None = None, *, cache: str | None = None, use_cache: bool = True,
        progress: Progress = None) -> TradeoffResult:
    """Train (or load) the networks, build FIRENET and the composite, measure everything."""
    import jax
    import jax.numpy as jnp

    from algorithms.learned.automap import automap_apply, automap_init
    from algorithms.learned.training import TrainSettings, cached_training
    from algorithms.learned.unet import unet_apply, unet_init
    from theorems.imaging.phantoms import detail_mask, ellipses, fine_detail
    from theorems.stability import (
        PerturbationSearch,
        jacobian_top_singular,
        lipschitz_bound,
        worst_perturbation,
    )
    from theorems.tradeoff.operator import FirenetImaging

    cfg = cfg or TradeoffConfig()
    t_start = time.perf_counter()

    def say(msg: str) -> None:
        if progress is not None:
            progress(msg)

    say("operator, mask and weights")
    op, weights = _operator_and_weights(cfg)
    n = cfg.n
    measure = jax.jit(op.measure)

    def training_data() -> tuple[np.ndarray, np.ndarray]:
        X = np.stack([ellipses(n, cfg.seed + k, texture=True) for k in range(cfg.train_images)])
        return np.asarray(measure(X)), X

    data_cache: dict[str, Any] = {}

    def data() -> tuple[np.ndarray, np.ndarray]:
        if "d" not in data_cache:
            data_cache["d"] = training_data()
        return data_cache["d"]

    adjoint_T = np.asarray(jax.jit(jax.vmap(op.adjoint_image))(jnp.eye(2 * op.m))
                           ).reshape(2 * op.m, -1)
    trained: dict[str, Any] = {}

    def unet_model(p: Any, y: Any) -> Any:
        return unet_apply(p, op.adjoint_image(y))

    # (name, arch, noise, epochs, learning rate, schedule, init, model, parent)
    specs = [
        ("AUTOMAP", "automap", 0.0, cfg.epochs, cfg.learning_rate, "constant",
         lambda: automap_init(adjoint_T.T, n, cfg.channels, cfg.seed), automap_apply, None),
        ("U-net", "unet", 0.0, cfg.unet_epochs, cfg.unet_learning_rate, "cosine",
         lambda: unet_init(cfg.channels, cfg.seed), unet_model, None),
        # the noise-trained U-net: the U-net above, trained on with k-space noise
        ("U-net (noise)", "unet", cfg.noise, cfg.noise_epochs, cfg.unet_learning_rate / 3,
         "cosine", lambda: trained["U-net"][2].params, unet_model, "U-net"),
    ]
    for name, arch, noise, epochs, lr, schedule, init, model, parent in specs:
        say(f"training {name}")
        settings = TrainSettings(epochs=epochs, batch_size=cfg.batch_size, learning_rate=lr,
                                 noise=noise, seed=cfg.seed, schedule=schedule)
        conf = {"arch": arch, "channels": cfg.channels, "data": cfg.data_config(),
                "init": trained[parent][2].key if parent else "random"}

        def build(init: Callable = init, model: Callable = model) -> tuple:
            Y, X = data()
            return model, init(), Y, X

        res = cached_training(arch, conf, build, settings, cache=cache, use_cache=use_cache)
        trained[name] = (model, _f64(res.params), res)

    # ----------------------------------------------------------------- the maps y -> image
    # every map is phi(y, *args); trained weights travel as args (not compiled constants)
    maps: dict[str, tuple[Callable[..., Any], tuple]] = {}
    for name, (model, params, _) in trained.items():
        maps[name] = (_swap(model), (params,))
    X_test = np.stack([ellipses(n, cfg.seed + 10_000_000 + i, texture=True)
                       for i in range(cfg.test_images)])
    Y_test = np.asarray(measure(X_test))
    ynorm = float(np.max(np.linalg.norm(Y_test, axis=1)))
    fire = FirenetImaging(op.apply, op.adjoint, weights, cfg.lam, cfg.n_outer, cfg.p_inner,
                          cfg.tau, cfg.tau, 1.0, 0.0, ynorm)
    maps["FIRENET"] = (lambda y: op.image(fire.reconstruct(y)), ())
    auto_params = trained["AUTOMAP"][1]
    auto_err = np.asarray(jax.jit(automap_apply)(auto_params, Y_test)) - X_test
    eps_comp = 2.0 * float(np.max(np.linalg.norm(auto_err.reshape(len(X_test), -1), axis=1)))
    comp = FirenetImaging(op.apply, op.adjoint, weights, cfg.lam, cfg.composite_outer,
                          cfg.p_inner, cfg.tau, cfg.tau, 1.0, 0.0, eps_comp)
    maps["AUTOMAP+FIRENET"] = (lambda y, p: op.image(
        comp.reconstruct(y, op.coefficients(automap_apply(p, y)))), (auto_params,))

    # ----------------------------------------------------------------- detail image
    X_det = fine_detail(n, cfg.seed + 20_000_000)
    y_det = np.asarray(measure(X_det))
    dmask = detail_mask(n)
    box = _crop_box(dmask)
    true_contrast = _contrast(X_det, dmask, box)

    records = []
    images: dict[str, Any] = {"truth": X_test[0], "detail_truth": X_det, "detail_box": box,
                              "detail_mask": dmask, "methods": {}}
    auto_worst: dict[float, np.ndarray] = {}
    y0, x0 = Y_test[0], X_test[0]
    y0n = float(np.linalg.norm(y0))
    adj = jax.jit(op.adjoint_image)
    for name in METHODS:
        say(f"{name}: clean accuracy and detail")
        fn, args = maps[name]
        search = PerturbationSearch(partial(_flat, fn), input_size=2 * op.m, args=args)
        # one input at a time: the single-input program is the one the search compiles anyway
        recs = np.stack([search.forward(y).reshape(n, n) for y in Y_test])
        rel = float(np.mean([np.linalg.norm(r - x) / np.linalg.norm(x)
                             for r, x in zip(recs, X_test, strict=True)]))
        psnr = float(np.mean([_psnr(r, x) for r, x in zip(recs, X_test, strict=True)]))
        det = search.forward(y_det).reshape(n, n)
        i0, i1, j0, j1 = box
        det_err = float(np.linalg.norm((det - X_det)[i0:i1, j0:j1])
                        / np.linalg.norm(X_det[i0:i1, j0:j1]))
        contrast = _contrast(det, dmask, box) / true_contrast
        amp, werr, under = {}, {}, {}
        worst_img = None
        top = jacobian_top_singular(search, y0, block=cfg.starts, steps=cfg.lanczos_steps,
                                    seed=cfg.seed)
        previous = None
        for frac in sorted(cfg.etas):
            say(f"{name}: worst perturbation, eta = {frac:.1%} of ||y||")
            eta = frac * y0n
            init = np.column_stack([top.v, -top.v] + ([previous] if previous is not None
                                                      else []))
            res = worst_perturbation(search, y0, eta, starts=cfg.starts,
                                     iterations=cfg.iterations, seed=cfg.seed, step=None,
                                     init=init)
            previous = res.e
            amp[frac] = res.amplification
            pert = search.forward(y0 + res.e).reshape(n, n)
            werr[frac] = float(np.linalg.norm(pert - x0) / np.linalg.norm(x0))
            if name == "AUTOMAP":
                auto_worst[frac] = res.e
            if name == "AUTOMAP+FIRENET":
                e = auto_worst[frac]
                base = search.forward(y0)
                under[frac] = float(np.linalg.norm(search.forward(y0 + e) - base)
                                    / np.linalg.norm(e))
            if abs(frac - 0.01) < 1e-12 or worst_img is None:
                worst_img = (frac, np.asarray(adj(y0 + res.e)), pert)
        bound = None
        if name == "FIRENET":
            bound = float(lipschitz_bound(cfg.tau, cfg.tau, 1, cfg.p_inner, cfg.n_outer))
        tr = trained.get(name)
        records.append(MethodRecord(
            name, rel, psnr, amp, werr, det_err, contrast, contrast >= 0.5, bound,
            top.sigma, tr[2].seconds if tr else 0.0, tr[2].cached if tr else False, under))
        images["methods"][name] = {"worst": worst_img, "detail": det, "clean": recs[0]}
    return TradeoffResult(cfg, tuple(records), time.perf_counter() - t_start, images, op.m)


def amplification_ratio(result: TradeoffResult, a: str, b: str, eta: float = 0.01) -> float:
    """``amp_eta(a) / amp_eta(b)``; ``eta`` must be one of the run's ``config.etas``."""
    if eta not in result.record(a).amplification:
        raise InvalidArgument(f"eta={eta!r} was not measured; the run's etas are "
                              f"{tuple(sorted(result.record(a).amplification))}")
    return result.record(a).amplification[eta] / result.record(b).amplification[eta]

