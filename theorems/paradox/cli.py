"""``python -m theorems paradox`` and ``python -m theorems demo`` (the main job)."""

from __future__ import annotations

import argparse
import sys

from theorems.commands import Command, Console, positive_int

__all__ = ["COMMANDS", "configure", "run_paradox"]


def configure(p: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems paradox``."""
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = (
        "Theorem 1 of Colbrook-Antun-Hansen, measured. For each problem the panel of algorithms\n"
        "(Barycentre, Search, ExactSolveAtLevel, RandomVertex, FIRENET for P3) is run against\n"
        "the class Omega through certified and adversarial oracles:\n"
        "  (a) no algorithm gets K digits (consistent ones fail on >= N1-1 adversarial members);\n"
        "  (b) K-1 digits need reads growing with n (Search), bounded readers fail;\n"
        "  (c) K-2 digits from one sample (Barycentre).\n"
        "Every printed error is a certified enclosure."
    )
    p.add_argument("--problem", choices=["P1", "P2", "P3", "all"], default="all",
                   help="which problem (default: all)")
    p.add_argument("--K", type=positive_int, default=3,
                   help="digit target K (the theorem needs K > 2; default 3)")
    p.add_argument("--N", type=positive_int, default=3, help="number of unknowns (default 3)")
    p.add_argument("--m", type=positive_int, default=2,
                   help="number of measurements, m < N (default 2); N1 = N + 1 - m >= 2")
    p.add_argument("--R", type=positive_int, default=1, help="samples per member (default 1)")
    p.add_argument("--D", choices=["identity", "cayley", "dct"], default="identity",
                   help="orthogonal matrix of the class (cayley: random exactly orthogonal "
                        "rational matrix from --seed; dct: the paper's orthonormal DCT-II, "
                        "irrational samples evaluated in ball arithmetic)")
    p.add_argument("--seed", type=int, default=0, help="seed for contents, D, drawn members")
    p.add_argument("--seeds", type=positive_int, default=40,
                   help="seeds of the randomized vertex guesser (default 40)")
    p.add_argument("--levels", type=positive_int, nargs="+", default=[5, 10, 20, 40, 80],
                   help="family-II levels n of the sweep (default 5 10 20 40 80)")
    p.add_argument("--no-firenet", action="store_true", help="leave FIRENET out of the panel")
    p.add_argument("--json", action="store_true",
                   help="print ONE JSON object (a list for --problem all) instead of tables")
    p.add_argument("--plot", metavar="FILE", help="save the error-vs-reads figure to FILE")


def run_paradox(args: argparse.Namespace) -> list:
    """Run the harness for each problem the parsed ``args`` ask for, with a spinner."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from theorems.paradox.harness import run

    problems = ["P1", "P2", "P3"] if args.problem == "all" else [args.problem]
    results = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True,
                  disable=args.json and not sys.stderr.isatty()) as bar:
        task = bar.add_task("paradox", total=None)
        for name in problems:
            results.append(run(
                name, args.K, N=args.N, m=args.m, R=args.R, D=args.D, seed=args.seed,
                levels=tuple(args.levels), randomized_seeds=args.seeds,
                firenet=not args.no_firenet,
                progress=lambda msg: bar.update(task, description=msg),
            ))
    return results


def _run(args: argparse.Namespace) -> int:
    import json

    from theorems.paradox.report import plot, render, to_json

    console = Console()
    if args.m >= args.N or args.N + 1 - args.m < 2:
        console.print(f"[red]--m={args.m} must be < --N={args.N}[/red]")
        return 2
    results = run_paradox(args)
    if args.json:
        payload = [to_json(r) for r in results]
        print(json.dumps(payload if args.problem == "all" else payload[0], indent=2))
    else:
        for r in results:
            render(r, console)
    if args.plot:
        plot(results, args.plot)
        if not args.json:
            console.print(f"figure written to {args.plot}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from theorems.paradox.report import plot, render

    console = Console()
    console.rule("[bold]smale18 demo: the paradox of Colbrook, Antun and Hansen, measured")
    console.print(
        "Algorithms see each problem only through an oracle of certified rational data "
        "(try [bold]python -m theorems tour[/bold]).  For K = 3 and P1, P2, P3:\n")
    defaults = argparse.ArgumentParser()
    configure(defaults)
    results = run_paradox(defaults.parse_args([]))
    for r in results:
        render(r, console)
    figure = plot(results, "paradox.png")
    console.print(f"Figure (certified error against samples read, per problem): {figure}\n")
    console.print(
        "More:\n"
        "  [bold]python -m theorems paradox --help[/bold]      other K, N, m, D (the paper's "
        "DCT-II), JSON, plots\n"
        "  [bold]python -m theorems table1[/bold]              the paper's Table 1 with "
        "certified distances, and past float64 (about a minute)\n"
        "  [bold]python -m theorems convergence[/bold]         FIRENET's exponential "
        "convergence far below 1e-16, and its stability against LISTA\n"
        "  [bold]python -m theorems tour[/bold]                the oracle: certified rational "
        "training data\n"
        "  [bold]python -m theorems --help[/bold]              every command"
    )
    return 0


COMMANDS = (
    Command("demo", "the main job: everything `make demo` shows", lambda p: None, _demo,
            order=0),
    Command("paradox", "Theorem 1 measured: K digits impossible, K-1 need unbounded data, K-2 "
            "from one sample", configure, _run, order=10),
)
