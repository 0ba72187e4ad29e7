"""Benchmark: cold-cache cost of ``Oracle.matrix(n)`` on the 21 x 22 DCT-II matrix.

Run: ``.venv/bin/python benchmarks/oracle_speed.py``.  Reports, for n = 10, 100, 1000, the time
of a first ``matrix(n)`` on a new oracle (validation + compilation + rigorous evaluation +
rounding + certificate), the same on an already-built oracle, and the ratio to a baseline
measured in the same run: evaluating the same entries with SymPy's ``evalf`` at the same number
of digits (not rigorous, shown only for scale).
"""

from __future__ import annotations

import time

import sympy
from rich.console import Console
from rich.table import Table

from oracle import Oracle


def dct_matrix(m: int = 21, N: int = 22) -> sympy.Matrix:
    """Entries ``c_k cos(pi (2i+1) k / (2m))`` of the orthonormal DCT-II, rows k < m, columns i < N
    (the N > m columns continue the cosine pattern)."""

    def entry(k: int, i: int) -> sympy.Expr:
        c = sympy.sqrt(sympy.Rational(1 if k == 0 else 2, m))
        return c * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * m))

    return sympy.Matrix(m, N, entry)


def best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    A = dct_matrix()
    table = Table(title="Oracle.matrix(n), 21 x 22 DCT-II entries (best of 3, seconds)")
    for col in ("n", "cold: new Oracle + matrix(n)", "matrix(n) on built oracle",
                "SymPy evalf baseline", "evalf / oracle"):
        table.add_column(col, justify="right")
    for n in (10, 100, 1000):
        cold = best_of(3, lambda n=n: Oracle(A, []).matrix(n))
        built = []
        for _ in range(3):
            o = Oracle(A, [])
            t = time.perf_counter()
            o.matrix(n)
            built.append(time.perf_counter() - t)
        digits = int(n * 0.302) + 10
        base = best_of(1, lambda digits=digits: [e.evalf(digits) for e in A])
        table.add_row(str(n), f"{cold:.4f}", f"{min(built):.4f}", f"{base:.4f}",
                      f"{base / min(built):.1f}x")
    Console().print(table)


if __name__ == "__main__":
    main()
