"""Formatting of the imaging experiment: rich tables, JSON, figures.

Certified quantities (part b) are exact rationals printed rounded UP (they are upper bounds).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from theorems.formatting import decimal as dec
from theorems.imaging.harness import CertifiedResult, FloatResult

__all__ = ["to_json", "render", "plot", "certified_figure_path"]


def _g(v: float | None, digits: int = 3) -> str:
    return "-" if v is None else f"{v:.{digits}g}"


def _num(v: float | None) -> float | None:
    """``v`` for JSON: NaN and infinities (a noise-free residual, a perfect PSNR, a
    one-restart reference step) become ``null``, which strict JSON parsers accept."""
    return v if v is not None and math.isfinite(v) else None


# =============================================================================== JSON
def to_json(a: FloatResult | None, b: CertifiedResult | None) -> dict[str, Any]:
    """One JSON-ready dict: ``float64`` (part a) and ``certified`` (part b, bounds as decimal
    strings rounded up) for the parts that ran."""
    out: dict[str, Any] = {}
    if a is not None:
        out["float64"] = {
            "size": a.size, "image": a.image_name, "restarts": a.restarts,
            "curve_restarts": a.curve, "reference_restarts": a.curve + a.extra,
            "p_inner": a.p_inner, "lam": a.lam, "delta": a.delta, "tau": a.step,
            "sigma": a.step, "seconds": round(a.seconds, 2),
            "runs": [{
                "label": r.label, "sampling_rate": r.rate, "local_sparsities": list(r.local),
                "samples_per_level": list(r.counts), "noise_level": r.noise_level,
                "truth_errors": list(r.truth_errors), "psnr": [_num(v) for v in r.psnr],
                "ssim": list(r.ssim), "residual_over_noise": _num(r.residual),
                "minimiser_errors": list(r.minimiser_errors),
                "long_run_truth_errors": list(r.long_truth_errors),
                "reference_last_step": _num(r.reference_step),
                "decay_per_restart": r.rate_per_restart, "seconds": round(r.seconds, 2),
            } for r in a.runs]}
    if b is not None:
        out["certified"] = {
            "size": b.size, "prec": b.prec, "restarts": b.restarts, "p_inner": b.p_inner,
            "lam": str(b.lam), "tau": str(b.step), "sigma": str(b.step),
            "sampling_rate": b.rate, "seconds": round(b.seconds, 2),
            "runs": [{
                "label": r.label, "per_level": list(r.per_level),
                "samples_per_level": list(r.counts),
                "certified_error": [dec(v, 4, "up") for v in r.certified],
                "midpoint_bound": [dec(v, 4, "up") for v in r.bounds],
                "working_prec": list(r.working_prec),
                "float64_error": list(r.float64),
                "final_certified_error": dec(r.final, 4, "up"),
                "seconds": round(r.seconds, 2), "float64_seconds": round(r.float_seconds, 3),
            } for r in b.runs]}
    return out


# =============================================================================== tables
def render(a: FloatResult | None, b: CertifiedResult | None, console: Console) -> None:
    """Print one rich table per part that ran, with a line saying what the columns mean."""
    if a is not None:
        t = Table(title=(f"(a) FIRENET in float64, {a.size}x{a.size} '{a.image_name}', lam = "
                         f"{a.lam:g}, tau = sigma = {a.step:.6g}, p = {a.p_inner}, delta = "
                         f"{a.delta:g}, {a.restarts} restarts"))
        shown = sorted({k for k in (1, 4, a.restarts) if k <= a.restarts})
        for col in ("problem", "rate", "noise", *(f"err@{k}" for k in shown),
                    "resid/noise", f"PSNR@{a.restarts}", f"SSIM@{a.restarts}",
                    "decay/restart", f"to min @{a.curve}", "ref step", "s"):
            t.add_column(col, justify="right")
        for r in a.runs:
            e = r.truth_errors
            t.add_row(r.label, f"{r.rate:.3f}", f"{r.noise_level:.3f}",
                      *(_g(e[k - 1]) for k in shown), _g(r.residual),
                      f"{r.psnr[-1]:.2f}", f"{r.ssim[-1]:.3f}", _g(r.rate_per_restart),
                      _g(r.minimiser_errors[-1]), _g(r.reference_step), f"{r.seconds:.1f}")
        console.print(t)
        console.print("err@k = ||psi_k - x|| / ||x|| (wavelet coefficients, the paper's run); "
                      "decay/restart = fitted factor of ||psi_k - x_min|| / ||x_min|| above "
                      "1e-13 (e^-1 = 0.368); x_min = the last iterate of the long delta = 0 "
                      f"run ({a.curve + a.extra} restarts); ref step = its last change.  "
                      f"Total {a.seconds:.1f} s.", highlight=False)
    if b is not None:
        t = Table(title=(f"(b) certified FIRENET in Ball({b.prec}), {b.size}x{b.size} noise-free,"
                         f" exactly sparse in levels; lam = {b.lam}, p = {b.p_inner}, "
                         f"{b.restarts} restarts"))
        for col in ("problem", "sparsity/level", "samples/level", "certified ||psi^-x||",
                    "float64 ||psi-x|| (min)", "working prec", "Ball s", "float64 s"):
            t.add_column(col, justify="right")
        for r in b.runs:
            t.add_row(r.label, str(list(r.per_level)), str(list(r.counts)),
                      dec(r.final, 3, "up"), _g(min(r.float64)),
                      f"{r.working_prec[0]}..{r.working_prec[-1]}", f"{r.seconds:.1f}",
                      f"{r.float_seconds:.2f}")
        console.print(t)
        console.print("certified = |mid(psi) - x|_2 + the run's rigorous bound on "
                      "|psi^ - mid(psi)|_2: an upper bound of the distance from the exact-"
                      "arithmetic FIRENET output psi^ to the exact image coefficients x.",
                      highlight=False)


# =============================================================================== figures
def certified_figure_path(path: Path) -> Path:
    """Where part (b)'s figure goes: beside the main one, ``<stem>_certified<suffix>``."""
    return path.with_name(f"{path.stem}_certified{path.suffix}")


def plot(a: FloatResult | None, b: CertifiedResult | None, path: Path) -> list[Path]:
    """Part (a)'s figure at ``path`` (rows: problems; columns: truth, zero-filled adjoint,
    FIRENET after 1, 4, R restarts, the mask, the error curves) and part (b)'s at
    :func:`certified_figure_path`.  Returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    if a is not None:
        rows = len(a.runs)
        fig, axes = plt.subplots(rows, 7, figsize=(22, 3.2 * rows), squeeze=False)
        for i, r in enumerate(a.runs):
            keys = ["truth", "adjoint", "restart 1", "restart 4", f"restart {a.restarts}",
                    "mask"]
            for j, key in enumerate(keys):
                ax = axes[i, j]
                img = r.images.get(key)
                if img is not None:
                    ax.imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                title = key if key != "adjoint" else "zero-filled adjoint"
                if key.startswith("restart"):
                    k = int(key.split()[1])
                    title = f"FIRENET, {k} restart{'s' if k > 1 else ''}\n" \
                            f"PSNR {r.psnr[k - 1]:.1f} dB, SSIM {r.ssim[k - 1]:.2f}"
                ax.set_title(title if i else f"{title}", fontsize=8)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[i, 0].set_ylabel(r.label)
            ax = axes[i, 6]
            ks = range(1, len(r.minimiser_errors) + 1)
            ax.semilogy(ks, r.minimiser_errors, "o-", ms=2, label="to minimiser (long run)")
            ax.semilogy(ks, r.long_truth_errors, "s-", ms=2, label="to truth")
            ref = r.minimiser_errors[0]
            ax.semilogy(ks, [ref * 2.718281828 ** -(k - 1) for k in ks], "k--", lw=0.8,
                        label="e^-k")
            ax.axhline(r.noise_level, color="gray", lw=0.8, ls=":", label="noise level")
            ax.set_ylim(1e-17, 10)
            ax.set_xlabel("restart k")
            ax.legend(fontsize=6)
        fig.suptitle(f"FIRENET on {a.size}x{a.size} '{a.image_name}': {a.runs[0].rate:.0%} "
                     f"multilevel sampling, {a.runs[0].noise_level:.0%} noise, lam = "
                     f"{a.lam:g}, p = {a.p_inner}")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    if b is not None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for r in b.runs:
            ks = range(1, len(r.certified) + 1)
            ax.semilogy(ks, [float(v) if v > 0 else 1e-300 for v in r.certified], "-",
                        label=f"{r.label}: certified, Ball({r.prec})")
            ax.semilogy(ks, [max(v, 1e-300) for v in r.float64], ":",
                        label=f"{r.label}: float64")
        ax.axhline(1e-60, color="gray", lw=0.8, ls="--", label="1e-60")
        ax.set_xlabel("restart k")
        ax.set_ylabel("||psi_k - x||_2")
        ax.set_title(f"Beyond float64: {b.size}x{b.size}, noise-free, exactly sparse in levels")
        ax.legend(fontsize=7)
        fig.tight_layout()
        out = certified_figure_path(path)
        fig.savefig(out, dpi=100)
        plt.close(fig)
        written.append(out)
    return written
