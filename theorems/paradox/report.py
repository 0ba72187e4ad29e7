"""Formatting of :class:`theorems.paradox.harness.ParadoxResult`: rich tables, JSON and a figure.

Decimal strings are rounded OUTWARD (lower ends down, upper ends up), so a printed interval
still encloses the certified one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gmpy2
from rich.console import Console
from rich.table import Table

from theorems.formatting import decimal
from theorems.instances.distance import Enclosure
from theorems.paradox.harness import ParadoxResult

__all__ = ["decimal", "to_json", "render", "plot"]


def _interval(enc: Enclosure | None) -> dict | None:
    if enc is None:
        return None
    return {"lower": decimal(enc.lower, 10, "down"), "upper": decimal(enc.upper, 10, "up")}


def to_json(result: ParadoxResult) -> dict[str, Any]:
    """The result as one JSON-ready dict (numbers as decimal strings)."""
    K = result.K
    algorithms = []
    for s in result.algorithms:
        algorithms.append({
            "name": s.name,
            "max_samples_read": s.max_samples_read,
            "worst_error": {"I": _interval(s.worst_error("I")),
                            "II": _interval(s.worst_error("II"))},
            "digits": {"K": s.verdict(K), "K-1": s.verdict(K - 1), "K-2": s.verdict(K - 2)},
            "deepest_level_on_tie": s.k0,
            "fails_K_on_adversarial_members": s.failures_a(K),
            "consistent": s.consistent,
        })
    return {
        "problem": result.problem,
        "K": K,
        "N": result.N,
        "m": result.m,
        "R": result.R,
        "D": result.D,
        "parameter": decimal(result.value, 10),
        "algorithms": algorithms,
        "randomized": [{
            "name": result.randomized_name,
            "seeds": result.randomized_seeds,
            "success": [decimal(p, 6) for p in result.randomized_success],
            "sum": decimal(sum(result.randomized_success, gmpy2.mpq(0)), 6),
            "read_deeper_than_tie": decimal(result.randomized_deeper, 6),
        }],
        "search_reads": list(result.search_reads),
        "budget_exceeded_on_tie": result.budget_exceeded_on_tie,
        "budgets": [dict(d) for d in result.budget_details],
    }


_MARK = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "[yellow]?[/yellow]"}


def _fmt(enc: Enclosure | None) -> str:
    if enc is None:
        return "—"
    lo, hi = decimal(enc.lower, 3, "down"), decimal(enc.upper, 3, "up")
    return lo if lo == hi else f"[{lo}, {hi}]"


def render(result: ParadoxResult, console: Console | None = None) -> None:
    """Print the three tables for one problem, each followed by what it proves."""
    console = console or Console()
    K, N1 = result.K, result.N1
    console.rule(f"[bold]{result.problem}, K = {K}: N = {result.N}, m = {result.m} "
                 f"(N1 = {N1} switch coordinates), R = {result.R}, D = {result.D}")
    t = Table(title=f"{result.problem}: the panel against Omega (certified errors)")
    for col in ("algorithm", "reads (max)", "worst error, family I",
                "worst error, family II", f"{K} digits", f"{K - 1}", f"{K - 2}",
                "(a) fails K", "consistent"):
        t.add_column(col, justify="right" if col != "algorithm" else "left")
    for s in result.algorithms:
        t.add_row(s.name, str(s.max_samples_read), _fmt(s.worst_error("I")),
                  _fmt(s.worst_error("II")), _MARK[s.verdict(K)], _MARK[s.verdict(K - 1)],
                  _MARK[s.verdict(K - 2)],
                  f"{s.failures_a(K)}/{N1}",
                  "yes" if s.consistent else f"[red]NO[/red]: {s.inconsistency}")
    console.print(t)
    console.print(
        f"(a) Each algorithm saw the family-I tie data, then every member j = 1..{N1} with an "
        f"adversarial oracle serving the tie's answers (admissible for j up to the deepest level "
        f"read): consistent algorithms return one network and so fail {K} digits on at least "
        f"{N1 - 1} of the {N1} members.  (c) Barycentre reads one matrix and gets K-2 = {K - 2} "
        f"digit{'' if K - 2 == 1 else 's'} everywhere.\n")
    r = Table(title=f"{result.problem}: randomized vertex guesser over "
                    f"{result.randomized_seeds} seeds (K digits on adversarial family-I members)")
    for j in range(N1):
        r.add_column(f"member j={j + 1}", justify="right")
    r.add_column("sum", justify="right")
    total = sum(result.randomized_success, gmpy2.mpq(0))
    seeds = result.randomized_seeds
    r.add_row(*[f"{float(p):.3f} ({int(p * seeds)}/{seeds})" for p in result.randomized_success],
              f"{float(total):.3f}")
    console.print(r)
    console.print(
        f"Success frequencies sum to at most about 1 (here {float(total):.3f}; reads deeper than "
        f"the tie run: {float(result.randomized_deeper):.3f}), so some member is failed with "
        f"frequency >= about 1 - 1/{N1}.\n")
    s = Table(title=f"{result.problem}: Search on family II (K-1 = {K - 1} digits)")
    for col in ("n (eps = 2^-(n+1))", "samples read", f"{K - 1} digits on every member"):
        s.add_column(col, justify="right")
    for row in result.search_reads:
        s.add_row(str(row["n"]), str(row["reads"]), _MARK[row["correct_K-1"]])
    console.print(s)
    budgets = ", ".join(
        f"M={d['budget']}: {'exceeded' if d['exceeded'] else 'NOT exceeded'}"
        for d in result.budget_details)
    console.print(
        f"(b) K-1 digits need reads that grow with n, without bound over Omega.  On the "
        f"family-II tie data Search never stops: {budgets}.  Every algorithm with bounded reads "
        f"fails K-1 digits on some family-II member (column K-1 above).\n")


def plot(results: Sequence[ParadoxResult], path: str) -> str:
    """Certified error (upper bound) against samples read, per problem, with the 10^-K,
    10^-(K-1), 10^-(K-2) lines; saved to ``path`` (format from the extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4.4), squeeze=False)
    for ax, res in zip(axes[0], results, strict=True):
        floor = gmpy2.mpq(1, 10 ** (res.K + 12))
        for s in res.algorithms:
            xs, ys = [], []
            for run in s.all_runs():
                if run.budget_exceeded:
                    continue
                xs.append(run.samples_read)
                ys.append(float(max(run.error.upper, floor)))
            ax.scatter(xs, ys, label=s.name, alpha=0.7, s=22)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(0.7, 2.0 * max(s.max_samples_read for s in res.algorithms))
        for d, style in ((0, "-"), (1, "--"), (2, ":")):
            ax.axhline(10.0 ** -(res.K - d), color="k", linestyle=style, linewidth=0.8)
            ax.text(0.75, 10.0 ** -(res.K - d) * 1.3, f"$10^{{-{res.K - d}}}$", fontsize=8)
        ax.set_xlabel("samples read (distinct oracle entries)")
        ax.set_ylabel("certified error (upper bound)")
        ax.set_title(f"{res.problem}, K = {res.K}")
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
