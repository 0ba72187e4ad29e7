"""Sweep cells of existing experiments, and Table 1 on an executor.

* :func:`paradox_cell`: one run of :func:`theorems.paradox.harness.run`, summarised as JSON;
* :func:`table1_cell`: one (K, n) cell of Table 1 as JSON;
* :func:`table1_cell_object`: the same cell as a :class:`theorems.table1.harness.Cell` (what a
  worker sends back for :func:`run_table1`);
* :func:`run_table1`: Table 1 with its cells spread over an executor, the rest (replica, float64
  collapse levels) computed here, assembled exactly as :func:`theorems.table1.harness.run` does.

Every worker rebuilds its own :class:`theorems.table1.setup.SampleBank` from the profile (the
samples are seeded, so every worker's bank is the same), once per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from theorems.formatting import decimal

__all__ = ["paradox_cell", "table1_cell", "table1_cell_object", "run_table1"]

_BANKS: dict[tuple[int, int, int], Any] = {}


def _interval(enc: Any, digits: int = 20) -> list[str]:
    return [decimal(enc.lower, digits, "down"), decimal(enc.upper, digits, "up")]


def paradox_cell(problem: str = "P3", K: int = 3, N: int = 3, m: int = 2,
                 D: str = "identity", seeds: int = 40, seed: int = 0) -> dict[str, Any]:
    """One paradox run (sealed), summarised: per algorithm its reads, worst certified error on
    each family, the K / K-1 / K-2 digit verdicts, the failures of part (a) and consistency;
    the randomized table's sums and bounds."""
    from theorems.paradox.harness import run

    r = run(problem, K, N=N, m=m, D=D, seed=seed, randomized_seeds=seeds)
    mark = {True: "yes", False: "no", None: "undecided"}
    algorithms = []
    for s in r.algorithms:
        worst = {f: s.worst_error(f) for f in ("I", "II")}
        algorithms.append({
            "name": s.name, "reads": s.max_samples_read,
            "worst_I": None if worst["I"] is None else _interval(worst["I"]),
            "worst_II": None if worst["II"] is None else _interval(worst["II"]),
            "K": mark[s.verdict(K)], "K-1": mark[s.verdict(K - 1)],
            "K-2": mark[s.verdict(K - 2)], "fails_a": s.failures_a(K),
            "consistent": s.consistent})
    randomized = [{"name": t.name, "seeds": t.seeds, "levels": [
        {"n": lv.n, "sum": str(lv.total), "bound": str(lv.bound)} for lv in t.levels]}
        for t in r.randomized]
    return {"problem": r.problem, "K": K, "N1": r.N1, "isolation": r.isolation,
            "algorithms": algorithms, "randomized": randomized,
            "search_reads": r.search_reads, "budget_exceeded_on_tie": r.budget_exceeded_on_tie}


def table1_cell_object(K: int, n: int, profile: str) -> Any:
    """:func:`theorems.table1.harness.run_cell` with this process's bank for ``profile``."""
    from theorems.table1.harness import run_cell
    from theorems.table1.setup import PROFILES, SampleBank

    prof = PROFILES[profile]
    key = (prof.train, prof.validation, prof.seed)
    if key not in _BANKS:
        _BANKS[key] = SampleBank(prof.train, prof.validation, seed=prof.seed)
    return run_cell(K, n, prof, _BANKS[key])


def table1_cell(K: int = 3, n: int = 10, profile: str = "fast") -> dict[str, Any]:
    """One Table-1 cell as JSON: certified LISTA and FIRENET distances and verdicts."""
    c = table1_cell_object(K, n, profile)
    return {"K": c.K, "n": c.n, "lista": _interval(c.lista.distance),
            "firenet": _interval(c.firenet.distance), "correct_K": c.correct_K,
            "correct_K-1": c.correct_K1, "as_predicted": c.as_predicted,
            "published": None if c.published is None else list(c.published)}


def _beyond_object(K: int, n: int, profile: str) -> Any:
    from theorems.table1.harness import BeyondCell
    from theorems.table1.replica import float64_pair
    from theorems.table1.setup import PROFILES

    cell = table1_cell_object(K, n, profile)
    return BeyondCell(cell, float64_pair(K, n, bits=PROFILES[profile].bits))


def _job(kind: str, K: int, n: int, profile: str) -> Any:
    """A worker's job for :func:`run_table1` (module level, so it pickles by reference)."""
    return table1_cell_object(K, n, profile) if kind == "cell" else _beyond_object(K, n,
                                                                                    profile)


def run_table1(executor: Any, *, profile: str = "fast", beyond: bool = True,
               progress: Callable[[str], object] | None = None,
               Ks: Sequence[int] | None = None, ns: Sequence[int] | None = None) -> Any:
    """Table 1 as :func:`theorems.table1.harness.run` computes it, with its grid cells (and
    the cells past float64) run on ``executor`` (an entered executor of
    :mod:`theorems.sweep.executors`).  The numbers are those of ``run_cell``; only the order
    in which the cells are computed and the process computing them change.  ``seconds``
    records the wall time of the parallel grid (``"grid"``) and of everything (``"total"``);
    ``bank_build`` is not measured here (each worker builds its own bank)."""
    from theorems.table1.harness import Table1Result
    from theorems.table1.replica import collapse_level, published_replica
    from theorems.table1.setup import BEYOND_K, BEYOND_N, GRID_K, GRID_N, PROFILES

    prof = PROFILES[profile]
    bprof = PROFILES["fast"] if prof.name == "full" else prof
    Ks = tuple(GRID_K if Ks is None else Ks)
    ns = tuple(GRID_N if ns is None else ns)
    say = progress if progress is not None else (lambda message: None)
    t0 = time.perf_counter()
    jobs = [(f"cell K={K} n={n}", ("cell", K, n, prof.name)) for K in Ks for n in ns]
    if beyond:
        jobs += [(f"beyond K={K} n={n}", ("beyond", K, n, bprof.name))
                 for K in BEYOND_K for n in BEYOND_N]
    done: dict[str, Any] = {}
    for key, value in executor.run(_job, jobs):
        done[key] = value
        say(f"{key} done")
    cells = tuple(done[f"cell K={K} n={n}"] for K in Ks for n in ns)
    beyond_cells = tuple(done[f"beyond K={K} n={n}"] for K in BEYOND_K for n in BEYOND_N
                         ) if beyond else ()
    seconds = {"grid": time.perf_counter() - t0}
    say("re-enacting the published FIRENET column in float64")
    t1 = time.perf_counter()
    replicas = tuple(r for r in published_replica(GRID_K, ns, bits=prof.bits) if r.K in Ks)
    seconds["replica"] = time.perf_counter() - t1
    collapse: dict[int, int] = {}
    if beyond:
        for K in BEYOND_K:
            collapse[K] = collapse_level(K)
    for K in Ks:
        collapse.setdefault(K, collapse_level(K))
    seconds["total"] = time.perf_counter() - t0
    return Table1Result(prof, cells, beyond_cells, replicas, dict(sorted(collapse.items())),
                        seconds, bprof if beyond else None)
