"""Benchmark: a cold oracle against raw python-flint evaluation of the same entries.

Run: ``.venv/bin/python benchmarks/oracle_cold.py [--size 128] [--level 100] [--repeats 5]``.

Measured in one run, interleaved, medians over ``--repeats`` repeats:

* ``cold oracle``: ``Oracle(A).matrix(n)`` on a ready-built N x N orthonormal DCT-II SymPy
  matrix (validation, compilation, rigorous evaluation, rounding, certificate);
* ``formula oracle``: the same data given by a formula of SymPy entries
  (``ExactData.from_formula``: the entries' trees are built inside the timing, then compiled
  as the matrix's are), and ``DCT2 built-in``: ``Oracle(DCT2(N)).matrix(n)``, the formula
  evaluated straight in flint (see ``benchmarks/oracle_formula.py``);
* ``raw flint``: the same entries ``c_k cos(pi (2i+1) k / (2N))`` evaluated straight in
  python-flint ``arb`` at the working precision the oracle uses for level n (no validation,
  no rounding, no certificate): the floor.

The issue's target (issue 13) is cold / raw <= 8 at N = 128, n = 100, and formula / raw <= 2.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import sympy
from flint import arb, ctx

from oracle import DCT2, ExactData, Oracle
from oracle.certify import grid_exponent


def dct_matrix(N: int) -> sympy.Matrix:
    """The N x N orthonormal DCT-II: ``c_k cos(pi (2i+1) k / (2N))``, ``c_0 = sqrt(1/N)``,
    ``c_k = sqrt(2/N)``."""

    def entry(k: int, i: int) -> sympy.Expr:
        return dct_entry(N, k, i)

    return sympy.Matrix(N, N, entry)


def dct_entry(N: int, k: int, i: int) -> sympy.Expr:
    c = sympy.sqrt(sympy.Rational(1 if k == 0 else 2, N))
    return c * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * N))


def raw_flint(N: int, prec: int) -> list[arb]:
    """The DCT entries as arb balls at ``prec`` bits, straight in python-flint."""
    old = ctx.prec
    ctx.prec = prec
    try:
        pi = arb.pi()
        c0, c = (arb(1) / N).sqrt(), (arb(2) / N).sqrt()
        return [(c0 if k == 0 else c) * (pi * ((2 * i + 1) * k) / (2 * N)).cos()
                for k in range(N) for i in range(N)]
    finally:
        ctx.prec = old


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """``(wall-clock seconds, CPU seconds of this process)`` of one call of ``fn``."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--level", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="64 x 64 and 3 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.repeats = min(args.size, 64), min(args.repeats, 3)
    N, n = args.size, args.level
    A = dct_matrix(N)
    bits = grid_exponent(N * N, n) + 1
    prec = max(bits + 32, 64)  # the oracle's first working precision for this level
    runs: dict[str, list[tuple[float, float]]] = {
        "cold oracle": [], "raw flint": [], "formula oracle": [], "DCT2 built-in": []}
    for _ in range(args.repeats):
        runs["raw flint"].append(timed(lambda: raw_flint(N, prec)))
        runs["cold oracle"].append(timed(lambda: Oracle(A).matrix(n)))
        runs["formula oracle"].append(timed(
            lambda: Oracle(ExactData.from_formula(
                (N, N), lambda k, i: dct_entry(N, k, i))).matrix(n)))
        runs["DCT2 built-in"].append(timed(lambda: Oracle(DCT2(N)).matrix(n)))
    raw_wall = statistics.median(w for w, _ in runs["raw flint"])
    raw_cpu = statistics.median(c for _, c in runs["raw flint"])
    print(f"{N} x {N} DCT-II, level n = {n} (working precision {prec} bits), "
          f"medians of {args.repeats} interleaved repeats (wall clock; CPU time of this "
          f"process, which a busy machine disturbs less)")
    for name, times in runs.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        print(f"  {name:<15} wall {wall:8.4f} s  {wall / raw_wall:6.1f}x raw flint   "
              f"cpu {cpu:8.4f} s  {cpu / raw_cpu:6.1f}x raw flint")


if __name__ == "__main__":
    main()
