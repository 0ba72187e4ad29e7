"""Formatting of :class:`theorems.convergence.harness.ConvergenceResult`: rich tables, JSON, a
figure.

Exact rationals are printed as decimal strings rounded OUTWARD where they are bounds (upper
bounds up, lower bounds down), so a printed bound is still a bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gmpy2
import numpy as np
from rich.console import Console
from rich.table import Table

from theorems.convergence.records import (
    NU,
    ConvergenceResult,
    ConvergenceRun,
    SharpnessResult,
    SharpnessRow,
)
from theorems.errors import InvalidType
from theorems.formatting import decimal as dec

__all__ = ["to_json", "render", "plot", "coinciding_rows"]


def _f(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}g}"


def _check(result: object) -> None:
    if not isinstance(result, ConvergenceResult):
        raise InvalidType(f"result={result!r} must be a ConvergenceResult (from "
                          f"theorems.convergence.harness.run)")


def _num(v: Any, digits: int, direction: str = "nearest") -> str:
    """:func:`theorems.formatting.decimal`, except that a non-finite float (an amplification
    or error that overflowed in float64) is written ``"inf"``, ``"-inf"`` or ``"nan"``."""
    if isinstance(v, (float, np.floating)) and not math.isfinite(v):
        return str(float(v))
    return dec(v, digits, direction)


# =============================================================================== JSON
def _run_json(r: ConvergenceRun) -> dict[str, Any]:
    return {
        "context": r.context,
        "role": r.role,
        "label": r.label,
        "noise": dec(r.noise, 6, "up"),
        "delta": dec(r.delta, 6),
        "errors": [[p.restart, dec(p.upper, 6, "up")] for p in r.points],
        "lower": [[p.restart, dec(p.lower, 6, "down")] for p in r.points],
        "schedule": [[p.restart, dec(p.e_k, 6, "up")] for p in r.points],
        "depth_per_restart": (r.points[0].depth - 1) if r.points else None,
        "rate": None if r.fit.rate is None else dec(r.fit.rate, 6),
        "rate_ratio": None if r.fit.ratio is None else dec(r.fit.ratio, 6),
        "rate_window": [r.fit.first, r.fit.last],
        "floor": dec(r.floor, 6, "up"),
        "working_prec": r.working_prec,
        "certifies": r.certified,
        "seconds": dec(r.seconds, 4),
    }


def _sharp_json(s: SharpnessResult) -> dict[str, Any]:
    e = s.rnspl
    return {
        "instance": s.instance,
        "rnspl": {k: (None if v is None else (v if isinstance(v, int) else dec(v, 6)))
                  for k, v in e.as_dict().items()},
        "lam": dec(s.lam, 8), "lam_source": s.lam_source, "lam_max": dec(s.lam_max, 6, "down"),
        "C_x": dec(s.C_x, 6, "up"), "Lambda": dec(s.Lambda, 6, "up"), "p_x": s.p_x,
        "c": dec(s.c, 6, "up"), "n_outer": s.n_outer,
        "runs": [{
            "p_inner": row.p_inner, "role": row.role,
            "errors": [[k + 1, dec(v, 6, "up")] for k, v in enumerate(row.errors)],
            "rate": None if row.fit.rate is None else dec(row.fit.rate, 6),
            "rate_ratio": None if row.fit.ratio is None else dec(row.fit.ratio, 6),
            "final": dec(row.final, 6, "up"), "guarantee_holds": row.guarantee,
        } for row in s.rows],
    }


def _jsonable(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return _num(v, 8)


#: rounding of the FIRENET settings that are bounds: ``L``, ``C_x`` and ``c`` are upper bounds,
#: ``lam_max`` a lower bound (exact recovery is certified for ``lam < lam_max``)
_FIRENET_ROUNDING = {"L": "up", "C_x": "up", "c": "up", "lam_max": "down"}


def _targets_json(targets: dict[str, Any]) -> dict[str, Any]:
    """The rational targets are upper bounds (best certified bound, float64 floor): up."""
    return {k: dec(v, 8, "up") if isinstance(v, gmpy2.mpq) else _jsonable(v)
            for k, v in targets.items()}


def to_json(result: ConvergenceResult) -> dict[str, Any]:
    """One JSON-ready dict: ``{"instance", "firenet", "runs": [{"context", "errors":
    [[restart, upper_bound], ...], "rate", ...}], "stability": [...], "sharpness",
    "targets"}``; every non-integer number is a decimal string (bounds rounded outward; a
    float that overflowed is ``"inf"`` or ``"nan"``)."""
    _check(result)
    return {
        "instance": _jsonable(result.instance),
        "firenet": {k: dec(v, 8, _FIRENET_ROUNDING[k]) if k in _FIRENET_ROUNDING and not
                    isinstance(v, bool) and isinstance(v, (int, gmpy2.mpq)) else _jsonable(v)
                    for k, v in result.firenet.items()},
        "runs": [_run_json(r) for r in result.runs],
        "stability": [{
            "network": s.network, "eta": dec(s.eta, 6), "depth": s.depth, "inputs": s.inputs,
            "amplification": _num(s.amplification, 6),
            "certified_lower": dec(s.certified, 6, "down"),
            "lipschitz_bound": dec(s.lipschitz, 6, "up"), "bound_kind": s.bound_kind,
            "test_error": _num(s.test_error, 6),
            "perturbed_error_upper": _num(s.perturbed_error, 6, "up"),
            "below_bound": s.below_bound,
            "seconds": dec(s.seconds, 4),
        } for s in result.stability],
        "sharpness": None if result.sharpness is None else _sharp_json(result.sharpness),
        "targets": _targets_json(result.targets),
        "seconds": dec(result.seconds, 4),
    }


# =============================================================================== tables
def _pick(points: tuple, every: int) -> list:
    out = [p for p in points if p.restart == 1 or p.restart % every == 0]
    if points and points[-1] not in out:
        out.append(points[-1])
    return out


def render(result: ConvergenceResult, console: Console | None = None) -> None:
    """Print the tables: instance, runs summary, error against restarts, stability,
    sharpness, targets."""
    _check(result)
    console = console or Console()
    inst, fn = result.instance, result.firenet
    console.rule("[bold]FIRENET on exact data sparse in levels")
    console.print(
        f"{inst['kind']}: m = {inst['m']}, N = {inst['N']}, levels {inst['levels']}, "
        f"sparsities {inst['sparsities']}, rows per level {inst['rows_per_level']}, "
        f"weights {inst['weights']} (dyadic upper bounds of sqrt(s/s_k)), seed {inst['seed']}")
    console.print(
        f"lam = {dec(fn['lam'], 6)} (certified exact recovery for lam < "
        f"{dec(fn['lam_max'], 6, 'down')}), tau = sigma = {dec(fn['tau'], 6)}, "
        f"L = {dec(fn['L'], 8, 'up')}, p = {fn['p_inner']}, n = {fn['n_outer']} restarts "
        f"(depth {fn['depth']}); data read exactly at oracle level {fn['level']}.")
    console.print(
        f"Sharpness at x: C_x = {dec(fn['C_x'], 4, 'up')}; our guarantee "
        f"||psi_k - x|| <= {dec(fn['c'], 4, 'up')} e_k needs p >= p_x = {fn['p_x']} "
        f"(this run uses p = {fn['p_inner']}: measured, not guaranteed).")

    t = Table(title="Runs: certified error ||psi_k - x||_2 against restarts", title_justify="left")
    for col in ("context", "data", "working bits", "best upper bound", "rate / restart",
                "rate / e^-1", "fit window", "seconds"):
        t.add_column(col, justify="left" if col in ("context", "data") else "right")
    for r in result.runs:
        t.add_row(r.context, r.label, str(r.working_prec), dec(r.floor, 4, "up"),
                  _f(r.fit.rate), _f(r.fit.ratio),
                  "-" if r.fit.first is None else f"{r.fit.first}..{r.fit.last}",
                  f"{r.seconds:.1f}")
    console.print(t)

    main = [r for r in result.runs if r.role == "main"]
    if main:
        n = max(len(r.points) for r in main)
        every = max(1, (n // 10) // 10 * 10) if n > 20 else 1
        t = Table(title="Upper bounds of ||psi_k - x||_2 (noiseless, delta = 0)",
                  title_justify="left")
        t.add_column("restart k", justify="right")
        t.add_column("depth", justify="right")
        t.add_column("e_k", justify="right")
        for r in main:
            t.add_column(r.context, justify="right")
        rows = _pick(max(main, key=lambda r: len(r.points)).points, every)
        for p in rows:
            cells = []
            for r in main:
                q = next((x for x in r.points if x.restart == p.restart), None)
                cells.append("-" if q is None else dec(q.upper, 3, "up"))
            t.add_row(str(p.restart), str(p.depth), dec(p.e_k, 3, "up"), *cells)
        console.print(t)

    if result.stability:
        t = Table(title="Stability: worst perturbation ||e|| <= eta found by gradient ascent "
                        "(same inputs for both networks)", title_justify="left")
        for col in ("network", "depth", "eta", "amplification", "certified >=",
                    "Lipschitz bound", "kind", "below bound", "mean rel. error",
                    "rel. error at y+e <="):
            t.add_column(col, justify="left" if col in ("network", "kind") else "right")
        for s in result.stability:
            t.add_row(s.network, str(s.depth), dec(s.eta, 2), f"{s.amplification:.4g}",
                      dec(s.certified, 4, "down"), dec(s.lipschitz, 4, "up"), s.bound_kind,
                      "yes" if s.below_bound else "NO", f"{s.test_error:.3g}",
                      f"{s.perturbed_error:.3g}")
        console.print(t)

    if result.sharpness is not None:
        s = result.sharpness
        e = s.rnspl
        console.print(
            f"[bold]Sharpness[/bold] on {s.instance['kind']} m = {s.instance['m']}, "
            f"N = {s.instance['N']}, levels {s.instance['levels']}, sparsities "
            f"{s.instance['sparsities']}: rho in [{e.rho_lower:.4g}, {e.rho_upper:.4g}] over "
            f"{e.supports} supports, gamma = {e.gamma:.4g}, xi = {e.xi:.4g}, "
            f"kappa = {e.kappa:.4g}; C1 = {_f(e.C1)}, C2 = {_f(e.C2)}, paper's lam = "
            f"{_f(e.lam)}, paper's p = {e.p_inner}.  Used lam = {dec(s.lam, 6)} "
            f"({s.lam_source}); C_x = {dec(s.C_x, 4, 'up')}, p_x = {s.p_x}, "
            f"c = {dec(s.c, 4, 'up')} (lam_max = {dec(s.lam_max, 4, 'down')}).")
        t = Table(title=f"FIRENET with p steps per restart ({s.n_outer} restarts, float64)",
                  title_justify="left")
        for col in ("p", "role", "error k=1", f"error k={s.n_outer}", "rate / e^-1",
                    "error <= c e_k at every k"):
            t.add_column(col, justify="left" if col == "role" else "right")
        for row in s.rows:
            t.add_row(str(row.p_inner), row.role, dec(row.errors[0], 3, "up"),
                      dec(row.final, 3, "up"), _f(row.fit.ratio),
                      "-" if row.guarantee is None else ("yes" if row.guarantee else "NO"))
        console.print(t)

    t = Table(title="Targets (issue 6), as measured", title_justify="left")
    t.add_column("check")
    t.add_column("value")
    for k, v in result.targets.items():
        t.add_row(k, (dec(v, 8, "up") if isinstance(v, gmpy2.mpq) else _jsonable(v))
                  if not isinstance(v, (dict, bool)) else str(v))
    console.print(t)
    console.print(f"total time {result.seconds:.1f} s")


# =============================================================================== figure
def coinciding_rows(rows: Sequence[SharpnessRow], rel: float = 0.1
                    ) -> list[list[SharpnessRow]]:
    """Group the sharpness rows whose error curves coincide (every restart within ``rel``
    relative difference), so that the figure draws one line per group and says so in the
    legend instead of hiding lines under each other."""
    groups: list[list[SharpnessRow]] = []
    for row in rows:
        for group in groups:
            ref = group[0].errors
            if len(ref) == len(row.errors) and all(
                    abs(a - b) <= rel * max(abs(a), abs(b)) for a, b in zip(ref, row.errors,
                                                                           strict=True)):
                group.append(row)
                break
        else:
            groups.append([row])
    return groups


def plot(result: ConvergenceResult, path: str) -> str:
    """Save the figure: certified upper bounds against restarts per run (log scale) with the
    schedule ``e_k``, and (if measured) the sharpness runs.  Returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _check(result)
    panels = 2 if result.sharpness is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.6), squeeze=False)
    ax = axes[0][0]
    # main runs coincide until their precision floors: distinct line styles keep each visible
    main_styles = iter(("-", (0, (6, 3)), (0, (2, 2)), "-.", (0, (1, 1)), (0, (8, 2, 2, 2))))
    for r in result.runs:
        ks = [p.restart for p in r.points]
        ups = [float(gmpy2.log10(gmpy2.mpfr(p.upper, 64))) if p.upper > 0 else None
               for p in r.points]
        style = next(main_styles, "-") if r.role == "main" else ":"
        ax.plot(ks, [10.0**u if u is not None and u > -300 else float("nan") for u in ups],
                linestyle=style, linewidth=1.6, label=f"{r.context} ({r.label})")
    longest = max(result.runs, key=lambda r: len(r.points), default=None)
    if longest is not None:
        ks = [p.restart for p in longest.points]
        sched = [float(p.e_k) if p.e_k > gmpy2.mpq(1, 10**300) else float("nan")
                 for p in longest.points]
        ax.plot(ks, sched, "k--", lw=0.8, label="schedule e_k = e^-k eps0")
    ax.set_yscale("log")
    ax.set_xlabel("restart k")
    ax.set_ylabel("certified upper bound of ||psi_k - x||_2")
    ax.set_title(f"FIRENET, p = {result.firenet['p_inner']}, rate e^-1 = {NU:.4f}")
    ax.legend(fontsize=7)
    ax.grid(True, which="major", alpha=0.3)
    if result.sharpness is not None:
        ax2 = axes[0][1]
        s = result.sharpness
        styles = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)))
        rel_percent = 10
        for i, group in enumerate(coinciding_rows(s.rows, rel_percent / 100)):
            row = group[0]
            if len(group) == 1:
                label = f"p = {row.p_inner} ({row.role})"
            else:
                label = ("p = " + ", ".join(str(r.p_inner) for r in group)
                         + f" (within {rel_percent}%: one line)")
            ax2.plot(range(1, len(row.errors) + 1),
                     [max(float(v), 1e-300) for v in row.errors], label=label,
                     linestyle=styles[i % len(styles)], marker="o" if len(group) > 1 else None,
                     markersize=3)
        ax2.set_yscale("log")
        ax2.set_xlabel("restart k")
        ax2.set_ylabel("||psi_k - x||_2 (float64 output, exact distance)")
        ax2.set_title(f"small instance: p against p_x = {s.p_x}")
        ax2.legend(fontsize=7)
        ax2.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
