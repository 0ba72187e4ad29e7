"""Tables, JSON and the figure grid of the trade-off experiment (from
:class:`theorems.tradeoff.harness.TradeoffResult`; computation lives in the harness)."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from theorems.tradeoff.harness import TradeoffResult

__all__ = ["render", "to_json", "plot", "verdicts"]


def verdicts(result: TradeoffResult) -> dict[str, Any]:
    """The three claims of the talk, measured (``None`` when a method is missing)."""
    fire, unet = result.record("FIRENET"), result.record("U-net")
    noisy, auto = result.record("U-net (noise)"), result.record("AUTOMAP")
    comp = result.record("AUTOMAP+FIRENET")
    eta = 0.01 if 0.01 in fire.amplification else min(fire.amplification)
    ratio = unet.amplification[eta] / fire.amplification[eta]
    return {
        "eta": eta,
        "unet_over_firenet": ratio,
        "unet_10x_less_stable": ratio >= 10,
        "noisy_unet_more_stable": noisy.amplification[eta] < unet.amplification[eta],
        "noisy_unet_misses_detail_firenet_keeps": (not noisy.detail_recovered)
        and fire.detail_recovered,
        "composite_as_accurate": comp.rel_error <= 1.1 * auto.rel_error,
        "composite_as_stable": comp.amplification[eta] <= 1.5 * fire.amplification[eta],
    }


def render(result: TradeoffResult, console: Console) -> None:
    cfg = result.config
    t = Table(title=f"Stability vs accuracy: {cfg.n} x {cfg.n} images, Fourier sampling "
                    f"{result.m} of {cfg.n * cfg.n} frequencies ({cfg.rate:.0%}), worst-case "
                    f"perturbations ||e|| = eta ||y||")
    t.add_column("method")
    t.add_column("clean rel. error", justify="right")
    t.add_column("PSNR dB", justify="right")
    t.add_column("||J|| at y", justify="right")
    for eta in cfg.etas:
        t.add_column(f"amp @ {eta:.1%}", justify="right")
    t.add_column("err @ worst 1%", justify="right")
    t.add_column("Lipschitz bound", justify="right")
    t.add_column("detail (contrast)", justify="right")
    t.add_column("train s", justify="right")
    for r in result.records:
        e1 = r.worst_error.get(0.01, r.worst_error[max(r.worst_error)])
        t.add_row(r.name, f"{r.rel_error:.3f}", f"{r.psnr:.1f}", f"{r.local_lipschitz:.2f}",
                  *[f"{r.amplification[e]:.2f}" for e in cfg.etas], f"{e1:.3f}",
                  "-" if r.bound is None else f"{r.bound:.3g} (certified)",
                  f"{'yes' if r.detail_recovered else 'no'} ({r.detail_contrast:.2f})",
                  "cached" if r.cached else (f"{r.train_seconds:.0f}" if r.train_seconds
                                             else "-"))
    console.print(t)
    comp = result.record("AUTOMAP+FIRENET")
    if comp.under_automap_worst:
        console.print("AUTOMAP+FIRENET under AUTOMAP's own worst perturbation, amplification: "
                      + ", ".join(f"{e:.1%}: {v:.2f}"
                                  for e, v in comp.under_automap_worst.items()))
    v = verdicts(result)
    console.print(
        f"U-net / FIRENET worst amplification at eta = {v['eta']:.1%}: "
        f"{v['unet_over_firenet']:.2f} ({'>=' if v['unet_10x_less_stable'] else '<'} 10); "
        f"noise-trained U-net more stable: {v['noisy_unet_more_stable']}; misses the detail "
        f"FIRENET keeps: {v['noisy_unet_misses_detail_firenet_keeps']}; composite as accurate "
        f"as AUTOMAP: {v['composite_as_accurate']}, as stable as FIRENET: "
        f"{v['composite_as_stable']}.  Total time {result.seconds:.0f} s.")
    console.print("||J|| at y: local Lipschitz constant (block Lanczos on J^T J), the limit of "
                  "amp as eta -> 0; amp = max ||Phi(y+e) - Phi(y)|| / ||e|| found by projected "
                  "gradient ascent (a lower bound of the true worst case); detail: "
                  "reconstructed / true contrast of the dot pattern, recovered when >= 0.5.")


def to_json(result: TradeoffResult) -> dict[str, Any]:
    cfg = result.config
    return {
        "config": {k: (list(v) if isinstance(v, tuple) else v)
                   for k, v in cfg.__dict__.items()},
        "m": result.m,
        "seconds": result.seconds,
        "methods": [{
            "name": r.name, "rel_error": r.rel_error, "psnr": r.psnr,
            "amplification": {str(k): v for k, v in r.amplification.items()},
            "worst_error": {str(k): v for k, v in r.worst_error.items()},
            "detail_error": r.detail_error, "detail_contrast": r.detail_contrast,
            "detail_recovered": r.detail_recovered, "lipschitz_bound": r.bound,
            "local_lipschitz": r.local_lipschitz,
            "train_seconds": r.train_seconds, "cached": r.cached,
            "under_automap_worst": {str(k): v for k, v in r.under_automap_worst.items()},
        } for r in result.records],
        "verdicts": {k: (bool(v) if isinstance(v, (bool, np.bool_)) else float(v))
                     for k, v in verdicts(result).items()},
    }


def plot(result: TradeoffResult, path: str) -> str:
    """The figure grid: per method (rows) the perturbed input (zero-filled image of y + e at
    the worst e for eta = 1 %), the reconstruction from it, the reconstruction of the detail
    image with the crop marked, and the crop enlarged; colour bars everywhere."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    imgs = result.images
    i0, i1, j0, j1 = imgs["detail_box"]
    rows = list(imgs["methods"])
    fig, axes = plt.subplots(len(rows) + 1, 4, figsize=(13, 3.1 * (len(rows) + 1)))

    def show(ax: Any, img: np.ndarray, title: str, box: bool = False, vmax: float = 1.0
             ) -> None:
        im = ax.imshow(img, cmap="gray", vmin=0, vmax=vmax)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03)
        if box:
            ax.add_patch(Rectangle((j0 - 0.5, i0 - 0.5), j1 - j0, i1 - i0, fill=False,
                                   edgecolor="red", linewidth=1.2))

    def frame(ax: Any) -> None:
        for side in ax.spines.values():
            side.set_edgecolor("red")
            side.set_linewidth(2)

    show(axes[0, 0], imgs["truth"], "truth (a test phantom)")
    show(axes[0, 1], imgs["detail_truth"],
         "detail image: fine dots absent\nfrom training (red box)",
         True)
    show(axes[0, 2], imgs["detail_truth"][i0:i1, j0:j1], "truth inside the red box")
    frame(axes[0, 2])
    axes[0, 3].axis("off")
    axes[0, 3].text(0, 0.5, "One row per method.\nCol 1: zero-filled image of y + e,\n"
                    "  e the worst perturbation found,\n  ||e|| = 1% of ||y||.\nCol 2: "
                    "the method's output from y + e;\n  amplification = ||change|| / ||e||."
                    "\nCol 3: the method on the detail image.\nCol 4: its red box enlarged.",
                    fontsize=9, va="center")
    for r, name in enumerate(rows, start=1):
        rec = result.record(name)
        frac, adj, pert = imgs["methods"][name]["worst"]
        det = imgs["methods"][name]["detail"]
        amp = rec.amplification[frac]
        show(axes[r, 0], adj, f"{name}\ninput: y + worst e ({frac:.0%} of ||y||)")
        show(axes[r, 1], pert, f"{name}: output moves {amp:.1f} x ||e||\n"
                               f"error {rec.worst_error[frac]:.1%} (clean {rec.rel_error:.1%})")
        show(axes[r, 2], det, f"{name}\non the detail image", True)
        verdict = "dots recovered" if rec.detail_recovered else "dots lost"
        show(axes[r, 3], det[i0:i1, j0:j1], f"{name}: {verdict}\n"
                                            f"(contrast {rec.detail_contrast:.2f} of the truth's)")
        frame(axes[r, 3])
    eta = 0.01 if all(0.01 in result.record(nm).amplification for nm in rows) else frac
    amps = ", ".join(f"{nm} {result.record(nm).amplification[eta]:.1f}" for nm in rows)
    kept = [nm for nm in rows if result.record(nm).detail_recovered]
    fig.suptitle(f"Worst-case amplification at ||e|| = {eta:.0%} of ||y||: {amps}\n"
                 f"Dots absent from training recovered by: {', '.join(kept) or 'none'}",
                 fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
