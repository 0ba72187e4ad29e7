"""The paradox figure: each algorithm's WORST certified error over each family against the
samples it read, one panel per problem.

Theorem 1 is a statement about the worst case over the class Omega, so that is what the figure
draws: for every algorithm and family (I, II) and every number of samples read, the largest
certified upper bound of the error over the members run with that many reads.  A member that
an algorithm happens to hit is not drawn: it says nothing about the theorem, and in a scatter
of every member it reads as "K digits reached", the opposite of claim (a).

How to read it:

* colour and line style (and the legend) tell the algorithms apart; each panel's multiprecision
  solver network (WARPd for P1, FISTA for P2, FIRENET for P3) has one colour and one legend
  entry; filled circles are family I (the tie member and its neighbours), open triangles
  family II (scale ten times smaller);
* algorithms with the same reads and the same worst error would hide each other, so each
  algorithm's points are offset sideways by a few percent of the (log) read axis;
* the three horizontal lines are 10^-K, 10^-(K-1), 10^-(K-2), labelled at the right edge;
* nothing is clamped silently: the error axis ends :data:`DECADES_BELOW` decades below
  10^-K (lower if that shows every point); a worst error below the floor (or exactly 0) is
  drawn as a downward arrow onto the floor, and each group of arrows is labelled with how many
  points it holds and the lowest value.

Only plain :class:`theorems.paradox.harness.ParadoxResult` records are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gmpy2

from theorems.paradox.records import AlgorithmSummary, ParadoxResult

__all__ = ["WorstPoint", "worst_points", "plot", "CLAIM", "DECADES_BELOW"]

#: the figure's title: the claim the figure shows
CLAIM = ("Theorem 1 measured: no algorithm reaches 10$^{-K}$ on every member; "
         "10$^{-(K-1)}$ needs reads that grow without bound (Search); "
         "10$^{-(K-2)}$ takes one read (Barycentre)")

_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
_FAMILY_MARKER = {"I": "o", "II": "^"}
#: decades below 10^-K that the error axis shows (lower worst errors become arrows)
DECADES_BELOW = 4


@dataclass(frozen=True)
class WorstPoint:
    """One plotted point: ``algorithm``'s worst certified error (upper bound, exact rational)
    over the ``members`` runs of ``family`` that read ``reads`` samples."""

    algorithm: str
    family: str
    reads: int
    worst: gmpy2.mpq
    members: int


def worst_points(summary: AlgorithmSummary) -> list[WorstPoint]:
    """The points of one algorithm: per family and per number of samples read, the worst
    certified error (runs that exceeded their read budget or returned no network have no
    error and are left out; the tables count them as failures)."""
    groups: dict[tuple[str, int], list[gmpy2.mpq]] = {}
    for run in summary.all_runs():
        # runs that exceeded their read budget, or returned no network, have no error
        if run.budget_exceeded or not getattr(run, "answered", True):
            continue
        groups.setdefault((run.family, run.samples_read), []).append(run.error.upper)
    return [WorstPoint(summary.name, fam, reads, max(errs), len(errs))
            for (fam, reads), errs in sorted(groups.items())]


def _value(q: gmpy2.mpq) -> str:
    """A short label for an exact value (``0`` or three significant digits)."""
    return "0" if q == 0 else f"{float(q):.2e}" if q > gmpy2.mpq(1, 10**300) else (
        "<1e-300")


def _floor(res: ParadoxResult) -> float:
    """The bottom of one panel's error axis: :data:`DECADES_BELOW` decades below 10^-K, or
    lower when that shows every positive worst error (down to at most 10^-(K+12))."""
    positive = [p.worst for s in res.algorithms for p in worst_points(s) if p.worst > 0]
    low = gmpy2.mpq(1, 10 ** (res.K + DECADES_BELOW))
    if positive and min(positive) / 3 > gmpy2.mpq(1, 10 ** (res.K + 12)):
        low = min(low, min(positive) / 3)
    return float(low)


def _key(summary: AlgorithmSummary) -> str:
    """The legend entry of an algorithm: its name, or ``"solver"`` for the panel's
    multiprecision solver network (WARPd, FISTA or FIRENET: one colour in every panel)."""
    return "solver" if summary.kind == "solver" else summary.name


def _legend(results: Sequence[ParadoxResult]) -> dict[str, tuple[int, str]]:
    """Legend key -> (colour/style index, label), in order of first appearance."""
    keys: dict[str, list[str]] = {}
    for res in results:
        for s in res.algorithms:
            names = keys.setdefault(_key(s), [])
            label = f"{s.name} ({res.problem})" if s.kind == "solver" else s.name
            if label not in names:
                names.append(label)
    out = {}
    for i, (key, labels) in enumerate(keys.items()):
        text = ("solver network: " + ", ".join(labels)) if key == "solver" else labels[0]
        out[key] = (i, text)
    return out


def _panel(ax: Any, res: ParadoxResult, legend: dict[str, tuple[int, str]]) -> None:
    floor = _floor(res)
    names = [s.name for s in res.algorithms]
    n_alg = max(len(names), 1)
    reads_max = 1
    for i, summary in enumerate(res.algorithms):
        index = legend[_key(summary)][0]
        colour = f"C{index % 10}"
        style = _STYLES[index % len(_STYLES)]
        # multiplicative sideways offset on the log axis, centred on the true read count
        shift = 1.0 + 0.09 * (i - (n_alg - 1) / 2) / max(n_alg - 1, 1) * 2
        pts = worst_points(summary)
        for family in ("I", "II"):
            fam = [p for p in pts if p.family == family]
            if not fam:
                continue
            reads_max = max(reads_max, max(p.reads for p in fam))
            xs = [p.reads * shift for p in fam]
            # points below the axis floor are not drawn on it: they become arrows
            shown = [(x, float(p.worst)) for p, x in zip(fam, xs, strict=True)
                     if p.worst > 0 and float(p.worst) >= floor]
            below = [(p, x) for p, x in zip(fam, xs, strict=True)
                     if p.worst == 0 or float(p.worst) < floor]
            if shown:
                sx, sy = zip(*shown, strict=True)
                ax.plot(sx, sy, linestyle=style, color=colour, linewidth=1.6, alpha=0.9,
                        zorder=3)
                filled = family == "I"
                ax.plot(sx, sy, linestyle="none", marker=_FAMILY_MARKER[family],
                        markersize=6.5, color=colour,
                        markerfacecolor=colour if filled else "white", markeredgewidth=1.4,
                        zorder=4)
            for _p, x in below:
                # below the axis floor: an arrow down onto the floor
                ax.annotate("", xy=(x, floor), xytext=(x, floor * 20),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.4},
                            zorder=5)
            if below:
                lowest, x = min(below, key=lambda px: px[0].worst)
                ax.annotate(f"{len(below)} below, lowest {_value(lowest.worst)}",
                            xy=(x, floor * 20), xytext=(-2, 3), textcoords="offset points",
                            fontsize=7, color=colour, ha="right", va="bottom")
    K = res.K
    for d, line in ((0, "-"), (1, "--"), (2, ":")):
        level = 10.0 ** -(K - d)
        ax.axhline(level, color="0.25", linestyle=line, linewidth=0.9, zorder=1)
        words = {0: "K", 1: "K-1", 2: "K-2"}[d]
        ax.annotate(f"$10^{{-{K - d}}}$ ({words} digits)", xy=(1.01, level),
                    xycoords=("axes fraction", "data"), fontsize=8, va="center",
                    annotation_clip=False)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(0.6, 2.2 * reads_max)
    top = max([10.0 ** -(K - 3)] + [3.0 * float(p.worst) for s in res.algorithms
                                     for p in worst_points(s) if p.worst > 0])
    ax.set_ylim(floor / 2, top)
    ax.set_xlabel("samples read (distinct oracle entries)")
    ax.set_title(f"{res.problem}, K = {K}  (N = {res.N}, m = {res.m}, D = {res.D})",
                 fontsize=10)
    ax.grid(True, which="major", alpha=0.25)


def plot(results: Sequence[ParadoxResult], path: str | Path) -> str:
    """Draw the figure for ``results`` (one panel each) and save it to ``path`` (format from
    the extension).  Returns ``str(path)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    results = list(results)
    if not results:
        raise ValueError("results=[] has nothing to draw")
    fig, axes = plt.subplots(1, len(results), figsize=(5.6 * len(results) + 0.8, 5.0),
                             squeeze=False, sharey=False)
    legend = _legend(results)
    for ax, res in zip(axes[0], results, strict=True):
        _panel(ax, res, legend)
    axes[0][0].set_ylabel("worst certified error over the family (upper bound)")
    handles = []
    for i, label in legend.values():
        handles.append(Line2D([], [], color=f"C{i % 10}", linestyle=_STYLES[i % len(_STYLES)],
                              linewidth=1.6, label=label))
    handles.append(Line2D([], [], color="0.2", linestyle="none", marker="o", label="family I"))
    handles.append(Line2D([], [], color="0.2", linestyle="none", marker="^",
                          markerfacecolor="white", label="family II"))
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 8), fontsize=8,
               frameon=False)
    fig.suptitle(CLAIM, fontsize=10.5)
    fig.text(0.5, 0.075, "each point: the largest certified error over the members run with "
             "that many reads; points at equal reads are offset sideways; arrows: worst "
             "errors below the axis, with the lowest value", ha="center", fontsize=7.5, color="0.3")
    fig.tight_layout(rect=(0, 0.1, 0.95, 0.95))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)
