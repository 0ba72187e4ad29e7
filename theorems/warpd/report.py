"""Tables, JSON and the figure of ``python -m theorems warpd`` (imports harness records only)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import gmpy2
import numpy as np
from rich.console import Console
from rich.table import Table

from theorems.formatting import decimal
from theorems.warpd.harness import WarpdResult
from theorems.warpd.noisefloor import FloorResult

__all__ = ["render", "to_json", "plot"]


def _e(v: float | None, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{digits}e}"


def _q(v: gmpy2.mpq, direction: str) -> str:
    return decimal(v, 3, direction) if v else "0"


def render(res: WarpdResult, console: Console) -> None:
    """Print the tables (the harness docstring says what each column means)."""
    if res.problems:
        _render_problems(res, console)
    _render_rest(res, console)


def _render_problems(res: WarpdResult, console: Console) -> None:
    t = Table(title="WARPd against the un-restarted primal-dual method and FISTA (float64, "
                    "relative error to the reference)")
    for col in ("problem", "size", "k", "WARPd iters to 1e-6", "PD ergodic", "PD last",
                "FISTA", "factor (ergodic / WARPd)", "factor, extrapolated",
                "rate (decades / 1000 steps)",
                "theory", "agreement"):
        t.add_column(col, justify="left" if col in ("problem", "size") else "right")
    for p in res.problems:
        to = p.to_target
        budget = max(c.iterations[-1] for c in p.curves if c.iterations)

        def cell(m: str, to: dict = to, budget: int = budget) -> str:
            if m not in to:
                return "n/a"
            return str(to[m]) if to[m] is not None else f">{budget}"

        fac = "-" if p.factor is None else (f">= {p.factor:.1f}" if p.factor_is_lower_bound
                                            else f"{p.factor:.1f}")
        t.add_row(p.title, p.size, str(p.k), cell("WARPd"), cell("PD ergodic"),
                  cell("PD last"), cell("FISTA"), fac,
                  "-" if p.extra.get("factor_extrapolated") is None else
                  f"{p.extra['factor_extrapolated']:.2g}",
                  "-" if p.rate is None else f"{p.rate:.2f}", f"{p.rate_theory:.2f}",
                  _e(p.agreement))
    console.print(t)
    noisy = [p.title.split(".")[0] for p in res.problems if p.extra.get("noisy")]
    if noisy:
        which = (f"Problem {noisy[0]} has" if len(noisy) == 1 else
                 f"Problems {', '.join(noisy)} have")
        console.print(f"{which} noisy data (eps > 0): there the "
                      "objective grows only quadratically along the data ball, WARPd's "
                      "sharpness fails at the minimiser and its error stalls at a floor that "
                      "falls with C1 (see the noise-floor table; --problems noise-floor).")
    s = Table(title="Sharpness constants: used, prescribed by theory, measured (lower "
                    "estimates from (error, objective gap, feasibility gap) pairs)")
    for col in ("problem", "C1 used", "C2 used", "C1 C2", "theory C1", "theory C2",
                "theory source", "measured C2 min", "measured C1 at C2 used",
                "measured C1 at 2 C2 min", "measured min C1 C2", "pairs"):
        s.add_column(col, justify="left" if col in ("problem", "theory source") else "right")
    for p in res.problems:
        th, em = p.theory, p.empirical
        s.add_row(p.title, f"{p.C1:.3g}", f"{p.C2:.3g}", f"{p.C1 * p.C2:.3g}",
                  f"{th['C1']:.3g}" if "C1" in th else "-",
                  f"{th['C2']:.3g}" if "C2" in th else "-", th.get("source", "-"),
                  _e(em["C2_min"]), _e(em["C1_at_used"]), _e(em.get("C1_at_2min")),
                  "-" if em["product"] is None else
                  f"{em['product']:.2e} (C2 = {em['C2']:.2g})", str(em["pairs"]))
    console.print(s)
    r = Table(title="References")
    r.add_column("problem")
    r.add_column("reference")
    r.add_column("why it is the minimiser")
    for p in res.problems:
        r.add_row(p.title, p.reference, p.why_ref)
    console.print(r)


def _render_rest(res: WarpdResult, console: Console) -> None:
    if res.certificate:
        c = res.certificate
        console.print(
            f"Problem 1 certificate: LP dual certificate valid = {c['valid']} (exact margin "
            f"mu = {float(c['mu']):.4f}); minimum-norm certificate valid = "
            f"{c['min_norm_valid']}; certified C1 <= {float(c['C1']):.3f}, "
            f"C2 <= {float(c['C2']):.3f}.")
    if res.certified:
        b = Table(title="Problem 1 in Ball-256 (midpoint iterates): certified error to the exact "
                        "minimiser and the unrolled network depth 2 k r + 1")
        for col in ("restart r", "steps", "depth", "certified error [lower, upper]"):
            b.add_column(col, justify="right")
        rows = res.certified
        step = max(1, len(rows) // 12)
        shown = list(rows[::step])
        if shown[-1] is not rows[-1]:
            shown.append(rows[-1])
        for row in shown:
            b.add_row(str(row.restart), str(row.iterations), str(row.depth),
                      f"[{_q(row.lower, 'down')}, {_q(row.upper, 'up')}]")
        console.print(b)
    if res.network:
        n = Table(title="Problem 1: the unrolled WARPd network (2 layers per step), depth "
                        "against accuracy (float64)")
        for col in ("restarts R", "depth 2kR+1", "max width", "error ||phi(b) - x||",
                    "max |network - engine|"):
            n.add_column(col, justify="right")
        for row in res.network:
            n.add_row(str(row.restarts), str(row.depth), str(row.max_width),
                      _e(row.error_float64), _e(row.engine_difference))
        console.print(n)
    if res.floor is not None:
        _render_floor(res.floor, console)
    console.print(f"total time {res.seconds:.1f} s" + (" (--quick)" if res.quick else ""))


def _render_floor(f: FloorResult, console: Console) -> None:
    c, g = f.certificate, f.growth
    console.print(
        f"Noise floor (basis pursuit denoising, {f.instance}): the minimiser is certified in "
        f"Ball-{c.prec} (support {len(c.support)}, KKT margin {c.margin:.3g}, radius "
        f"{c.radius:.1e}).  Along a feasible curve tangent to the data ball the objective gap "
        f"grows like t^{g.exponent:.3f} (kappa = {g.kappa:.3g}) while the distance grows like "
        f"t, so approximate sharpness at the minimiser needs c >= c_min(C1) > 0 "
        f"(theorems/warpd/noisefloor.py has the proof).")
    t = Table(title="WARPd on noisy data stalls short of the minimiser: floor against C1 "
                    f"(C2 = {f.C2:g}, delta = 0; relative distances)")
    for col in ("C1", "k", "steps", "floor (last distance, certified upper bound)",
                "certified c_min(C1) (lower bound)", "seconds"):
        t.add_column(col, justify="right")
    for r in f.runs:
        cm = g.c_min.get(r.C1)
        t.add_row(f"{r.C1:g}", str(r.k), str(r.iterations[-1]),
                  _q(gmpy2.mpq(r.floor), "up"),
                  "-" if cm is None else _q(gmpy2.mpq(cm), "down"), f"{r.seconds:.1f}")
    console.print(t)
    if f.floor_exponent is not None:
        console.print(f"floor ~ C1^{f.floor_exponent:.2f} (fit), c_min ~ 1/(4 C1 kappa); "
                      "steps per restart k ~ C1.")
    if f.tv:
        t = Table(title=f"The same on TV ({f.tv_size}; distances to the ADMM reference, KKT "
                        f"{_e(f.tv_reference_kkt)})")
        for col in ("C1", "k", "steps", "floor (last distance)", "seconds"):
            t.add_column(col, justify="right")
        for r in f.tv:
            t.add_row(f"{r.C1:g}", str(r.k), str(r.iterations[-1]), _e(r.floor),
                      f"{r.seconds:.1f}")
        console.print(t)


def _floor_json(f: FloorResult | None) -> dict[str, Any] | None:
    if f is None:
        return None
    c, g = f.certificate, f.growth
    return {"instance": f.instance, "C2": f.C2, "floor_exponent": f.floor_exponent,
            "seconds": f.seconds,
            "certificate": {"support": list(c.support), "signs": list(c.signs),
                            "valid": c.valid, "mu": c.mu, "margin": c.margin,
                            "min_abs": c.min_abs, "radius": c.radius, "prec": c.prec},
            "growth": {"exponent": g.exponent, "kappa": g.kappa,
                       "c_min": {f"{k:g}": v for k, v in g.c_min.items()},
                       "t": list(g.t), "distance": list(g.distance), "gap": list(g.gap)},
            "runs": [_run_json(r) for r in f.runs],
            "tv": {"size": f.tv_size, "reference_kkt": f.tv_reference_kkt,
                   "runs": [_run_json(r) for r in f.tv]} if f.tv else None}


def _run_json(r: Any) -> dict[str, Any]:
    return {"C1": r.C1, "k": r.k, "iterations": list(r.iterations), "errors": list(r.errors),
            "floor": r.floor, "seconds": r.seconds}


def to_json(res: WarpdResult) -> dict[str, Any]:
    """One JSON-ready object (rationals as decimal strings rounded outward)."""
    def curves(p: Any) -> list[dict[str, Any]]:
        return [{"method": c.method, "iterations": list(c.iterations),
                 "errors": list(c.errors), "seconds": c.seconds} for c in p.curves]

    return {
        "quick": res.quick,
        "seconds": res.seconds,
        "problems": [{
            "key": p.key, "title": p.title, "size": p.size, "k": p.k, "L": p.L,
            "C1": p.C1, "C2": p.C2, "theory": p.theory, "empirical": p.empirical,
            "to_1e-6": p.to_target, "factor": p.factor,
            "factor_is_lower_bound": p.factor_is_lower_bound,
            "rate_decades_per_1000": p.rate, "rate_theory": p.rate_theory,
            "agreement": p.agreement, "reference": p.reference, "extra": p.extra,
            "why_reference": p.why_ref,
            "curves": curves(p)} for p in res.problems],
        "certificate": {k: (str(v) if isinstance(v, type(gmpy2.mpq(0))) else v)
                        for k, v in res.certificate.items()} | (
            {"support": list(res.certificate["support"])} if res.certificate else {}),
        "network": [{"restarts": r.restarts, "depth": r.depth, "max_width": r.max_width,
                     "error_float64": r.error_float64,
                     "engine_difference": r.engine_difference} for r in res.network],
        "certified_ball_256": [{"restart": r.restart, "iterations": r.iterations,
                                "depth": r.depth, "lower": _q(r.lower, "down"),
                                "upper": _q(r.upper, "up")} for r in res.certified],
        "noise_floor": _floor_json(res.floor),
    }


def plot(res: WarpdResult, path: str | Path) -> None:
    """Error against total steps (log scale), one panel per problem, plus the Ball run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(res.problems) + (1 if res.certified else 0) + (2 if res.floor else 0)
    cols = 3
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for ax, p in zip(axes.flat, res.problems, strict=False):
        for c in p.curves:
            pts = [(i, e) for i, e in zip(c.iterations, c.errors, strict=True) if e > 0]
            if pts:
                ax.semilogy(*zip(*pts, strict=True), label=c.method,
                            marker="o" if c.method == "WARPd" else None, ms=2)
        ax.set_title(f"{p.title}\n{p.size}", fontsize=9)
        ax.set_xlabel("total primal-dual steps")
        ax.set_ylabel("relative error")
        ax.legend(fontsize=7)
    if res.certified:
        ax = axes.flat[len(res.problems)]
        its = [r.iterations for r in res.certified]
        ax.semilogy(its, [float(r.upper) if r.upper else 1e-300 for r in res.certified],
                    "k.-", ms=2, label="certified upper bound, Ball-256")
        ax.set_title("1. sparse recovery in Ball-256 (certified)", fontsize=9)
        ax.set_xlabel("total primal-dual steps")
        ax.set_ylabel("||x_r - x||_2")
        ax.legend(fontsize=7)
    if res.floor:
        _plot_floor(res.floor, list(axes.flat)[n - 2:n])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_floor(f: FloorResult, axes: list[Any]) -> None:
    """Two panels: WARPd's distance per restart for every C1 with c_min dashed, and the
    objective gap against distance along the tangent curve (slope 2 on log-log)."""
    ax = axes[0]
    for r in f.runs:
        line = ax.semilogy(r.iterations, r.errors, ".-", ms=2, label=f"C1 = {r.C1:g}")[0]
        cm = f.growth.c_min.get(r.C1)
        if cm:
            ax.axhline(cm, ls="--", lw=0.8, color=line.get_color())
    ax.set_xscale("log")
    ax.set_title(f"noisy BPDN ({f.instance}): WARPd stalls\n(dashed: certified c_min(C1))",
                 fontsize=9)
    ax.set_xlabel("total primal-dual steps")
    ax.set_ylabel("relative distance to the certified minimiser")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.loglog(f.growth.distance, f.growth.gap, "k.-", ms=2, label="objective gap")
    d = np.array(f.growth.distance)
    ax.loglog(d, f.growth.gap[0] * (d / d[0]) ** 2, "r:", label="slope 2")
    ax.loglog(d, f.growth.gap[0] * (d / d[0]), "b:", label="slope 1 (sharp)")
    ax.set_title(f"along the data ball: gap ~ distance^{f.growth.exponent:.2f}", fontsize=9)
    ax.set_xlabel("relative distance ||x(t) - x_hat||")
    ax.set_ylabel("relative objective gap (feasible points)")
    ax.legend(fontsize=7)
