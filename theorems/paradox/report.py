"""Formatting of :class:`theorems.paradox.harness.ParadoxResult`: rich tables, JSON and a figure.

Decimal strings are rounded OUTWARD (lower ends down, upper ends up), so a printed interval
still encloses the certified one.
"""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table

from theorems.formatting import decimal
from theorems.instances.distance import Enclosure
from theorems.paradox.records import KINDS, AlgorithmSummary, ParadoxResult, RandomizedTable

__all__ = ["decimal", "to_json", "render", "wilson"]


def _interval(enc: Enclosure | None) -> dict | None:
    if enc is None:
        return None
    return {"lower": decimal(enc.lower, 10, "down"), "upper": decimal(enc.upper, 10, "up")}


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (``z = 1.96``: about 95 %).

    ``(p + z^2/(2S) -+ z sqrt(p(1-p)/S + z^2/(4S^2))) / (1 + z^2/S)`` with ``p = k/S``."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    den = 1 + z2 / trials
    return (max(0.0, (centre - half) / den), min(1.0, (centre + half) / den))


def _randomized_json(table: RandomizedTable) -> dict[str, Any]:
    rows = []
    for lv in table.levels:
        rows.append({
            "n": lv.n,
            "success": [decimal(p, 6) for p in lv.frequencies],
            "success_wilson_95": [[round(lo, 6), round(hi, 6)]
                                  for lo, hi in (wilson(w, lv.seeds) for w in lv.successes)],
            "sum": decimal(lv.total, 6),
            "sum_standard_error": round(lv.standard_error, 6),
            "read_deeper_than_n": decimal(lv.deeper_fraction, 6),
            "read_deeper_wilson_95": [round(v, 6) for v in wilson(lv.deeper, lv.seeds)],
            "bound": decimal(lv.bound, 6),
            "no_answer_runs": lv.no_answer,
        })
    return {"name": table.name, "seeds": table.seeds, "levels": rows,
            "consistent": table.consistent, "inconsistency": table.inconsistency}


def to_json(result: ParadoxResult) -> dict[str, Any]:
    """The result as one JSON-ready dict (numbers as decimal strings)."""
    K = result.K
    algorithms = []
    for s in result.algorithms:
        algorithms.append({
            "name": s.name,
            "kind": KINDS.get(s.kind, s.kind),
            "network_depth": s.max_depth,
            "evaluated_in": s.arithmetics,
            "max_samples_read": s.max_samples_read,
            "worst_error": {"I": _interval(s.worst_error("I")),
                            "II": _interval(s.worst_error("II"))},
            "digits": {"K": s.verdict(K), "K-1": s.verdict(K - 1), "K-2": s.verdict(K - 2)},
            "deepest_level_on_tie": s.k0,
            "fails_K_on_adversarial_members": s.failures_a(K),
            "consistent": s.consistent,
            "inconsistency": s.inconsistency,
            "no_answer": [{"member": r.member, "reason": r.no_answer} for r in s.no_answers],
        })
    seconds = sorted(result.run_seconds)
    return {
        "problem": result.problem,
        "K": K,
        "N": result.N,
        "m": result.m,
        "R": result.R,
        "D": result.D,
        "parameter": decimal(result.value, 10),
        "isolation": result.isolation,
        "sealed": result.sealed,
        "limits": {"seconds": result.limits.seconds, "memory_bytes": result.limits.memory},
        "runs": len(seconds),
        "median_run_seconds": round(seconds[len(seconds) // 2], 6) if seconds else None,
        "algorithms": algorithms,
        "randomized": [_randomized_json(t) for t in result.randomized],
        "search_reads": list(result.search_reads),
        "budget_exceeded_on_tie": result.budget_exceeded_on_tie,
        "budgets": [dict(d) for d in result.budget_details],
    }


_MARK = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "[yellow]?[/yellow]"}


def _solver_line(s: AlgorithmSummary, K: int, N1: int) -> str:
    """One sentence on a solver network: its depth, arithmetic and the digits it reached."""
    word = {True: "yes", False: "no", None: "undecided"}
    depth = "no network returned" if s.max_depth is None else (
        f"{s.max_depth} layers with exact rational weights, evaluated in "
        f"{' and '.join(s.arithmetics)}")
    def digits(d: int) -> str:
        return f"{d} digit{'' if d == 1 else 's'}"

    return (f"Multiprecision solver network {s.name} ({depth}): K-2 = {digits(K - 2)} "
            f"{word[s.verdict(K - 2)]}, K = {digits(K)} {word[s.verdict(K)]} (fails on "
            f"{s.failures_a(K)}/{N1} adversarial members).")


def _fmt(enc: Enclosure | None) -> str:
    if enc is None:
        return "—"
    lo, hi = decimal(enc.lower, 3, "down"), decimal(enc.upper, 3, "up")
    return lo if lo == hi else f"[{lo}, {hi}]"


def _randomized_table(result: ParadoxResult, table: RandomizedTable, console: Console) -> None:
    N1 = result.N1
    t = Table(title=f"{result.problem}: randomized {table.name} over {table.seeds} seeds, "
                    f"level n fixed before the seeds (K = {result.K} digits on adversarial "
                    f"family-I members)")
    t.add_column("n", justify="right")
    for j in range(N1):
        t.add_column(f"member j={j + 1} (95 % Wilson)", justify="right")
    t.add_column("sum (± 1 s.e.)", justify="right")
    t.add_column("P(read deeper than n)", justify="right")
    t.add_column(f"bound 1 + {N1 - 1}·P(deeper)", justify="right")
    for lv in table.levels:
        cells = []
        for w in lv.successes:
            lo, hi = wilson(w, lv.seeds)
            cells.append(f"{w / lv.seeds:.3f} [{lo:.2f}, {hi:.2f}]")
        lo, hi = wilson(lv.deeper, lv.seeds)
        total = float(lv.total)
        ok = total <= float(lv.bound)
        t.add_row(str(lv.n), *cells, f"{total:.3f} ± {lv.standard_error:.3f}",
                  f"{float(lv.deeper_fraction):.3f} [{lo:.2f}, {hi:.2f}]",
                  f"{float(lv.bound):.3f}" + ("" if ok else " [red]VIOLATED[/red]"))
    console.print(t)
    status = "" if table.consistent else f"  [red]Inconsistent:[/red] {table.inconsistency}"
    console.print(
        f"If a seed reads no deeper than n, every member gets the tie's answers, so a "
        f"consistent algorithm succeeds on at most one: sum_j P(success on j) <= 1 + "
        f"{N1 - 1}·P(read deeper than n).  As n grows the deeper fraction vanishes and the sum "
        f"falls to <= 1 (plus sampling error), so some member is failed with probability "
        f">= about 1 - 1/{N1}.{status}\n")


def render(result: ParadoxResult, console: Console | None = None) -> None:
    """Print the tables for one problem, each followed by what it proves."""
    console = console or Console()
    K, N1 = result.K, result.N1
    console.rule(f"[bold]{result.problem}, K = {K}: N = {result.N}, m = {result.m} "
                 f"(N1 = {N1} switch coordinates), R = {result.R}, D = {result.D}")
    if not result.sealed:
        console.print("[bold red]isolation='none': debugging mode.  The algorithms ran in the "
                      "harness's own process and could reach the exact data; nothing below is "
                      "a sealed measurement.[/bold red]")
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
                  "yes" if s.consistent else "[red]NO[/red]")
    console.print(t)
    for s in result.algorithms:
        if s.kind == "solver":
            console.print(_solver_line(s, K, N1), highlight=False)
        if not s.consistent:
            console.print(f"[red]{s.name} is inconsistent[/red] (never credited with any "
                          f"digits): {s.inconsistency}")
        if s.no_answers:
            first = s.no_answers[0]
            console.print(f"{s.name}: {len(s.no_answers)} run(s) gave no answer (counted as "
                          f"failures), e.g. on {first.member}: {first.no_answer}")
    seconds = sorted(result.run_seconds)
    runs = (f"{len(seconds)} sealed runs, in child processes without exact data (median "
            f"child time {1e3 * seconds[len(seconds) // 2]:.1f} ms; limits "
            f"{result.limits.seconds:g} s, {result.limits.memory >> 20} MiB)"
            if result.sealed and seconds else
            f"{len(seconds)} runs in this process (isolation='none')")
    console.print(
        f"(a) Each algorithm saw the family-I tie data, then every member j = 1..{N1} with an "
        f"adversarial oracle serving the tie's answers (admissible for j up to the deepest level "
        f"read): consistent algorithms return one network and so fail {K} digits on at least "
        f"{N1 - 1} of the {N1} members; consistency is checked on transcripts (queries and "
        f"answers).  (c) Barycentre reads one matrix and gets K-2 = {K - 2} "
        f"digit{'' if K - 2 == 1 else 's'} everywhere.  {runs}.\n")
    for table in result.randomized:
        _randomized_table(result, table, console)
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
