"""A guided tour of the oracle: what an algorithm is allowed to see.

Run it with ``python -m oracle``.  It builds a small problem with irrational entries (rows of
the orthonormal DCT-II matrix, scaled so one entry is ``sqrt(2)*10^3/3``, the scale of the
paradox's family I for K = 3), serves it at levels 1, 10 and 100, and prints each answer, its
certified error bound and the read log.
"""

from __future__ import annotations

import gmpy2
import sympy
from rich.console import Console
from rich.table import Table

from oracle.certify import certified_error, format_upper
from oracle.oracles import Oracle

__all__ = ["tour_problem", "run_tour"]


def tour_problem(m: int = 3, N: int = 4) -> tuple[sympy.Matrix, list[sympy.Matrix]]:
    """First m rows of the N-point orthonormal DCT-II, times ``alpha = sqrt(2)*10^3/3`` in
    column 0, and one sample ``y = (1, pi, e)`` (truncated to length m)."""
    alpha = sympy.sqrt(2) * 10**3 / 3

    def entry(k: int, i: int) -> sympy.Expr:
        scale = sympy.sqrt(sympy.Rational(1 if k == 0 else 2, N))
        value = scale * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * N))
        return alpha * value if i == 0 else value

    A = sympy.Matrix(m, N, entry)
    y = sympy.Matrix([1, sympy.pi, sympy.E, sympy.sqrt(3)][:m])
    return A, [y]


def _short(q: object, digits: int = 22) -> str:
    text = str(q)
    return text if len(text) <= digits else text[: digits - 1] + "…"


def run_tour(console: Console | None = None, levels: tuple[int, ...] = (1, 10, 100)) -> Oracle:
    """Print the tour and return the oracle (so callers can inspect its log)."""
    console = console or Console()
    A, samples = tour_problem()
    oracle = Oracle(A, samples)
    console.rule("[bold]Oracle tour: training data only as certified rationals")
    console.print(f"Exact A (3 x 4): row 0 = {list(A.row(0))}")
    console.print(f"Exact y_0 = {list(samples[0])}\n")
    for n in levels:
        An = oracle.matrix(n)
        yn = oracle.sample(0, n)
        table = Table(title=f"level n = {n}: promise ||A_n - A||_2 <= 2^-{n}", show_lines=False)
        table.add_column("entry")
        table.add_column("served rational (dyadic)")
        table.add_column("≈ value", justify="right")
        for (i, j) in [(0, 0), (1, 1), (2, 3)]:
            q = An[i, j]
            table.add_row(f"A_n[{i},{j}]", _short(q), f"{float(q):.15g}")
        for i in range(len(yn)):
            table.add_row(f"y_0,n[{i}]", _short(yn[i]), f"{float(yn[i]):.15g}")
        console.print(table)
        bound_A = certified_error(An, A)
        bound_y = certified_error(yn, samples[0])
        console.print(
            f"  certified: ||A_n - A||_2 <= {format_upper(bound_A)}   "
            f"||y_0,n - y_0||_2 <= {format_upper(bound_y)}   "
            f"(2^-{n} = {format_upper(gmpy2.mpq(1, 2**n))})\n"
        )
    log = Table(title="read log (what the algorithm read, at which level, how long it took)")
    for col in ("#", "entry", "level n", "certified error ≤", "source", "time"):
        log.add_column(col)
    for i, r in enumerate(oracle.reads):
        what = "A_n" if r.kind == "matrix" else f"y_{r.k},n"
        log.add_row(str(i), what, str(r.n), format_upper(r.bound), r.source,
                    f"{r.seconds * 1e3:.2f} ms")
    console.print(log)
    console.print(
        f"samples_read = {oracle.samples_read} distinct entries; "
        f"deepest_level = {oracle.deepest_level}"
    )
    return oracle
