"""Table 1 as text, JSON and a figure.  Takes a :class:`theorems.table1.harness.Table1Result`;
numbers are printed from their exact rational enclosures, rounded outward.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import gmpy2

from theorems.errors import InvalidArgument, InvalidType
from theorems.formatting import _rational, round_significant
from theorems.instances.distance import (
    Enclosure,
)
from theorems.table1.harness import Table1Result
from theorems.table1.setup import _int

__all__ = [
    "decimal_string",
    "to_json",
    "render",
    "plot",
]

# =============================================================================== output


def decimal_string(q: object, *, digits: int = 10, rounding: str = "nearest") -> str:
    """A rational as a plain decimal string with ``digits`` significant digits, rounded
    ``"down"`` (toward -inf), ``"up"`` (toward +inf) or to ``"nearest"``.  Lower ends of
    enclosures are printed rounded down and upper ends rounded up, so the printed interval
    still contains the number."""
    modes = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_EVEN}
    if rounding not in modes:
        raise InvalidArgument(f"rounding={rounding!r} must be one of {', '.join(modes)}")
    digits = _int(digits, "digits", 1)
    r = _rational(q)  # names q: non-numbers, infinities and NaN are refused
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = modes[rounding]
        d = Decimal(int(r.numerator)) / Decimal(int(r.denominator))
    return format(d, "f")


def _interval(enc: Enclosure, digits: int = 10) -> dict[str, str]:
    return {"lower": decimal_string(enc.lower, digits=digits, rounding="down"),
            "upper": decimal_string(enc.upper, digits=digits, rounding="up")}


def _check(result: object) -> None:
    if not isinstance(result, Table1Result):
        raise InvalidType(f"result={result!r} must be a Table1Result (from"
                          f" theorems.table1.harness.run)")


def to_json(result: Table1Result) -> dict[str, Any]:
    """The result as ONE JSON-ready object (numbers as decimal strings)::

        {"cells": [{"K", "n", "lista": {"lower", "upper"}, "firenet": {"lower", "upper"},
                    "published": {"lista", "firenet"}, "correct_K", "correct_K-1"}, ...],
         "beyond_float64": [{"K", "n", "lista": {...}, "firenet": {...}, "correct_K",
                             "correct_K-1", "float64_identical", "exact_gap": {...},
                             "oracle_level", "oracle_gap": {...}, "oracle_separated"}, ...],
         "replica": [{"K", "n", "data_j", "truth_j", "truth_coordinate", "step_product",
                      "script", "published", "real_truth": {"lower", "upper"}}, ...]}

    ``correct_K``: some network is certified within ``10^-K``; ``correct_K-1``: both networks
    are certified within ``10^-(K-1)``.  ``published`` is ``null`` outside the paper's grid.
    ``replica`` is the published set-up's FIRENET column re-enacted in float64 (the table the
    text report prints; see ``TABLE1.md``): ``script`` is the distance the published script
    computes, ``real_truth`` the certified distance of the same output to member 1's solution
    set, ``step_product`` ``tau sigma ||A||^2``.
    """
    _check(result)
    cells = []
    for c in result.cells:
        cells.append({
            "K": c.K,
            "n": c.n,
            "lista": _interval(c.lista.distance),
            "firenet": _interval(c.firenet.distance),
            "published": None if c.published is None else {
                "lista": c.published[0], "firenet": c.published[1]},
            "correct_K": c.correct_K,
            "correct_K-1": c.correct_K1,
        })
    beyond = []
    for b in result.beyond:
        c, p = b.cell, b.pair
        beyond.append({
            "K": c.K,
            "n": c.n,
            "lista": _interval(c.lista.distance),
            "firenet": _interval(c.firenet.distance),
            "correct_K": c.correct_K,
            "correct_K-1": c.correct_K1,
            "float64_identical": p.float64_identical,
            "exact_gap": _interval(p.exact_gap),
            "oracle_level": p.level,
            "oracle_gap": _interval(p.oracle_gap),
            "oracle_separated": p.separated,
        })
    replica = [{
        "K": r.K,
        "n": r.n,
        "data_j": r.data_j,
        "truth_j": r.truth_j,
        "truth_coordinate": r.truth_coordinate,
        "step_product": f"{r.step_product:.6g}",
        "script": r.reported_str,
        "published": r.published,
        "real_truth": _interval(r.intended),
    } for r in result.replicas]
    return {"cells": cells, "beyond_float64": beyond, "replica": replica}


def _short(enc: Enclosure, digits: int = 7) -> str:
    """An enclosure for display: one number when both ends round to the same ``digits``
    significant digits (so every printed digit is certified), else ``[lower, upper]``."""
    lo, hi = round_significant(enc.lower, digits), round_significant(enc.upper, digits)
    return lo if lo == hi else f"[{lo}, {hi}]"


def _sci(q: object, digits: int = 7, rounding: str = "nearest") -> str:
    """``q`` in scientific notation with ``digits`` significant digits, rounded ``"down"``,
    ``"up"`` or to ``"nearest"`` (a printed lower bound must be rounded down to stay one)."""
    modes = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_EVEN}
    r = gmpy2.mpq(q)
    if r == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = modes[rounding]
        d = Decimal(int(r.numerator)) / Decimal(int(r.denominator))
        return f"{d:.{digits - 1}e}"


def _mark(ok: bool | None) -> str:
    return {True: "yes", False: "no", None: "?"}[ok]


def render(result: Table1Result, console: Any = None) -> None:
    """Print the tables with rich: the reproduced grid beside the published numbers, the
    re-enactment of the published FIRENET column, and the extension past float64."""
    from rich.console import Console
    from rich.table import Table

    _check(result)
    console = console if console is not None else Console()
    prof = result.profile
    t = Table(title="Table 1: certified dist(net(A_n, y_n), Xi(A, y))")
    for col in ("K", "n", "LISTA", "paper", "FIRENET", "paper", "K-1", "K"):
        t.add_column(col, justify="right")
    for c in result.cells:
        pub = c.published or ("-", "-")
        t.add_row(str(c.K), str(c.n), _short(c.lista.distance), pub[0],
                  _short(c.firenet.distance), pub[1], _mark(c.decided_K1), _mark(c.decided_K))
    console.print(t)
    console.print(
        "LISTA, FIRENET: certified distance to member 1's solution set (every printed digit is "
        "certified; an interval is shown when the ends differ). paper: published value. "
        "K-1: both networks certified within 10^-(K-1); K: some network certified within "
        "10^-K; ? where a certified enclosure straddles the threshold (undecided). "
        "LISTA is evaluated exactly, FIRENET in " + (
            result.cells[0].firenet.context if result.cells else "balls")
        + f". Profile {prof.name}: LISTA trained on {prof.train} samples for {prof.epochs} "
        f"epochs.")
    if result.replicas:
        r = Table(title="The published FIRENET column re-enacted in float64 (published set-up)")
        for col in ("K", "n", "j", "truth at", "ts|A|^2", "script", "paper", "real truth"):
            r.add_column(col, justify="right")
        for rep in result.replicas:
            r.add_row(str(rep.K), str(rep.n), f"{rep.data_j}/{rep.truth_j}",
                      f"x[{rep.truth_coordinate}]", f"{rep.step_product:.3g}", rep.reported_str,
                      rep.published, _short(rep.intended))
        console.print(r)
        console.print(
            "j: seen/truth member index the script passed; truth at: where its 'minimiser' "
            "has its non-zero; ts|A|^2: tau*sigma*||A||^2 of its step sizes; script: the "
            "distance it computes (our float64 re-enactment); real truth: certified distance of "
            "the same float64 output to member 1's real solution set.")
        console.print(
            "The published script reuses its loop index over K (0, 1, 2) as the member index j, "
            "so for K = 1 and 3 the 'truth' it compares with has its non-zero at a content "
            "coordinate (x[20], x[21]); the distance of the (near-barycentre) output to that "
            "point is sqrt(3/2)/(alpha+eps) instead of 1/(sqrt(2)(alpha+eps)). "
            "See theorems/table1/TABLE1.md.")
    if result.beyond:
        b = Table(title="Past float64: the float64 pair collapses, the exact oracle keeps it "
                        "apart, the picture persists")
        for col in ("K", "n", "f64 same", "oracle gap", "LISTA", "FIRENET", "K-1", "K"):
            b.add_column(col, justify="right")
        for bc in result.beyond:
            c, p = bc.cell, bc.pair
            b.add_row(str(c.K), str(c.n), _mark(p.float64_identical),
                      _sci(p.oracle_gap.lower, 3, "down") + ("" if p.separated else " (!)"),
                      _short(c.lista.distance, 5), _short(c.firenet.distance, 5),
                      _mark(c.decided_K1), _mark(c.decided_K))
        console.print(b)
        console.print(
            "f64 same: the published float64 construction makes members 1 and 2 bit-identical; "
            "the exact members stay sqrt(2) eps = 2^-(n+0.5) apart; oracle gap: certified lower "
            "bound of "
            "||A1_{n+2} - A2_{n+2}|| for the exact oracles' rational answers, above "
            "2*2^-(n+2), so no matrix is level-(n+2) data for both.")
    if result.collapse:
        console.print("First level n at which the published float64 construction makes the two "
                      "members bit-identical: " + ", ".join(
                          f"K={K}: n={n} (n + 3.32K = {n + 3.32 * K:.1f})"
                          for K, n in result.collapse.items()))
    s = result.seconds
    console.print("Timing: " + ", ".join(f"{k} {v:.1f} s" for k, v in s.items()))


def plot(result: Table1Result, path: str) -> str:
    """Save a figure (distances against n, one panel per K, with the band
    ``(10^-K, 10^-(K-1)]`` shaded and the published numbers marked) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _check(result)
    rows = [c for c in result.cells] + [b.cell for b in result.beyond]
    if not rows:
        raise InvalidArgument("result has no cells (Ks or ns empty and no beyond-float64 "
                              "cells): there is nothing to plot")
    Ks = sorted({c.K for c in rows})
    fig, axes = plt.subplots(1, len(Ks), figsize=(4 * len(Ks), 4.0), squeeze=False)
    for ax, K in zip(axes[0], Ks, strict=True):
        mine = sorted((c for c in rows if c.K == K), key=lambda c: c.n)
        ns = [c.n for c in mine]
        ax.axhspan(10.0**-K, 10.0 ** -(K - 1), color="0.9", label="K-1 but not K digits")
        ax.plot(ns, [float(c.lista.distance.mid) for c in mine], "o-", label="LISTA (certified)")
        ax.plot(ns, [float(c.firenet.distance.mid) for c in mine], "s-",
                label="FIRENET (certified)")
        pub = [(c.n, c.published) for c in mine if c.published]
        if pub:
            ax.plot([p[0] for p in pub], [float(p[1][0]) for p in pub], "x", color="C0",
                    label="LISTA published")
            ax.plot([p[0] for p in pub], [float(p[1][1]) for p in pub], "+", color="C1",
                    markersize=10, label="FIRENET published")
        collapse = result.collapse.get(K)
        if collapse is not None:
            ax.axvline(collapse, color="C3", linestyle=":", label="float64 pair collapses")
        ax.set_yscale("log")
        ax.set_xlabel("level n")
        ax.set_title(f"K = {K}")
    axes[0][0].set_ylabel("distance to member 1's solution")
    handles, labels = [], []
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path


