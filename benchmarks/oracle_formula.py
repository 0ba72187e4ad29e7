"""Benchmark: the formula oracle (oracle.formula) against raw python-flint evaluation.

Run: ``.venv/bin/python benchmarks/oracle_formula.py [--size 128] [--level 100]
[--repeats 7] [--quick]``.

For each family (the orthonormal DCT-II, real; the unitary DFT, complex), measured in one run,
interleaved, medians over ``--repeats`` repeats, wall clock and CPU time of this process:

* ``formula oracle``: a cold ``Oracle(DCT2(N)).matrix(n)`` (a new formula object each time:
  pattern, flint evaluation of the distinct values, precision schedule, rounding, exact
  certificate, the served array);
* ``closure formula``: a cold ``Oracle(FormulaMatrix((N, N), entry)).matrix(n)`` where
  ``entry(i, j)`` returns a flint closure per entry (the generic user path: no symmetry);
* ``raw flint``: every entry evaluated straight in python-flint at the oracle's working
  precision for level n (``c_k cos(pi (2i+1) k / (2N))``; ``exp(-2 pi i jk/N) / sqrt(N)`` by
  ``acb.exp_pi_i``, the fastest of three ways tried), no validation, no rounding, no
  certificate: the baseline of issue 13 (target: formula oracle <= 2x raw flint);
* ``raw distinct``: only the distinct values the built-in evaluates (N + 1 cosines, N sines and
  cosines) in python-flint: the floor of the built-in, for reference.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

from flint import acb, arb, ctx, fmpq
from oracle_cold import timed  # the sibling script (benchmarks/ is on sys.path when run)

from oracle import DCT2, DFT, FormulaMatrix, Oracle
from oracle.certify import grid_exponent


def working_precision(count: int, n: int) -> int:
    """The oracle's first working precision for level ``n`` of ``count`` real components."""
    return max(grid_exponent(count, n) + 1 + 32, 64)


def raw_dct(N: int, prec: int) -> list[arb]:
    old, ctx.prec = ctx.prec, prec
    try:
        pi = arb.pi()
        c0, c = (arb(1) / N).sqrt(), (arb(2) / N).sqrt()
        return [(c0 if k == 0 else c) * (pi * ((2 * i + 1) * k) / (2 * N)).cos()
                for k in range(N) for i in range(N)]
    finally:
        ctx.prec = old


def raw_dft(N: int, prec: int) -> list[acb]:
    old, ctx.prec = ctx.prec, prec
    try:
        scale = arb(N).rsqrt()
        return [acb(arb(fmpq(-2 * j * k, N))).exp_pi_i() * scale
                for j in range(N) for k in range(N)]
    finally:
        ctx.prec = old


def distinct_dct(N: int, prec: int) -> list[arb]:
    old, ctx.prec = ctx.prec, prec
    try:
        c = arb(fmpq(2, N)).sqrt()
        return [arb(fmpq(1, N)).sqrt()] + [c * arb.cos_pi_fmpq(fmpq(b, 2 * N))
                                          for b in range(N + 1)]
    finally:
        ctx.prec = old


def distinct_dft(N: int, prec: int) -> list[tuple[arb, arb]]:
    old, ctx.prec = ctx.prec, prec
    try:
        return [arb.sin_cos_pi_fmpq(fmpq(2 * r, N)) for r in range(N)]
    finally:
        ctx.prec = old


def dct_closures(N: int) -> Callable[[int, int], Callable[[int], arb]]:
    c0, c = fmpq(1, N), fmpq(2, N)

    def entry(k: int, i: int) -> Callable[[int], arb]:
        scale, angle = (c0 if k == 0 else c), fmpq((2 * i + 1) * k, 2 * N)
        return lambda prec: arb(scale).sqrt() * arb.cos_pi_fmpq(angle)

    return entry


def dft_closures(N: int) -> Callable[[int, int], Callable[[int], acb]]:
    def entry(j: int, k: int) -> Callable[[int], acb]:
        angle = fmpq(-2 * j * k, N)
        return lambda prec: acb(arb(angle)).exp_pi_i() * arb(N).rsqrt()

    return entry


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--level", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="64 x 64 and 5 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.repeats = min(args.size, 64), min(args.repeats, 5)
    N, n = args.size, args.level
    families = {
        "DCT-II": (lambda: Oracle(DCT2(N)).matrix(n),
                   lambda: Oracle(FormulaMatrix((N, N), dct_closures(N))).matrix(n),
                   raw_dct, distinct_dct, N * N),
        "DFT": (lambda: Oracle(DFT(N)).matrix(n),
                lambda: Oracle(FormulaMatrix((N, N), dft_closures(N),
                                             is_complex=True)).matrix(n),
                raw_dft, distinct_dft, 2 * N * N),
    }
    rows = ("formula oracle", "closure formula", "raw flint", "raw distinct")
    runs = {(f, r): [] for f in families for r in rows}
    precs = {f: working_precision(count, n) for f, (*_, count) in families.items()}
    for _ in range(args.repeats):  # interleaved: every row once per repeat
        for family, (formula, closures, raw, distinct, _count) in families.items():
            prec = precs[family]
            runs[family, "raw flint"].append(timed(lambda: raw(N, prec)))  # noqa: B023
            runs[family, "formula oracle"].append(timed(formula))
            runs[family, "raw distinct"].append(timed(lambda: distinct(N, prec)))  # noqa: B023
            runs[family, "closure formula"].append(timed(closures))
    print(f"{N} x {N}, level n = {n}, medians of {args.repeats} interleaved repeats; ratios "
          f"against raw flint (every entry) of the same family in the same run (wall clock; "
          f"CPU time of this process, which a busy machine disturbs less)")
    print(f"  {'family':<7} {'what':<16} {'wall s':>8} {'ratio':>7} {'cpu s':>8} {'ratio':>7}")
    for family in families:
        raw_wall = statistics.median(w for w, _ in runs[family, "raw flint"])
        raw_cpu = statistics.median(c for _, c in runs[family, "raw flint"])
        for row in rows:
            wall = statistics.median(w for w, _ in runs[family, row])
            cpu = statistics.median(c for _, c in runs[family, row])
            print(f"  {family:<7} {row:<16} {wall:8.4f} {wall / raw_wall:6.2f}x "
                  f"{cpu:8.4f} {cpu / raw_cpu:6.2f}x")
        print(f"  {family:<7} (working precision {precs[family]} bits)")


if __name__ == "__main__":
    main()
