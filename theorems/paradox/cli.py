"""``python -m theorems paradox`` and ``python -m theorems demo`` (the main job).

Every flag is checked before anything is computed (ranges below, output paths through
:func:`theorems.commands.resolve_figure`); figures are drawn by :mod:`theorems.paradox.figure`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from theorems.commands import (
    Command,
    Console,
    Stages,
    add_output_options,
    bounded_int,
    check_range,
    resolve_figure,
)

__all__ = ["COMMANDS", "configure", "configure_demo", "run_paradox", "check", "LIMITS",
           "FIGURE"]

#: default figure name inside --out-dir
FIGURE = "paradox.png"

#: what the implementation can serve: flag -> (low, high, why the limit)
LIMITS: dict[str, tuple[int, int, str]] = {
    "--K": (1, 100, "a cap of the command line, not of the mathematics: larger K runs "
                    "through theorems.paradox.harness.run (P2 with K = 2000 in about 2 s)"),
    "--N": (2, 64, "N1 = N + 1 - m members per family; N = 16 already takes about 12 s "
                   "(P1 about 1.45x that with its WARPd network)"),
    "--m": (1, 63, "m < N"),
    "--R": (1, 8, "samples per member"),
    "--seeds": (1, 10_000, "2000 seeds take about 10 s"),
    "--levels": (1, 1000, "eps = 2^-(n+1); a run's time grows with n: P2 at n = 1000 takes "
                          "about 5 s, at n = 16000 about 2 min"),
    "levels given": (1, 20, "at most 20 levels"),
}


def _int(flag: str) -> object:
    low, high, why = LIMITS[flag]
    return bounded_int(low, high, why)


def configure(p: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems paradox``."""
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = (
        "Theorem 1 of Colbrook-Antun-Hansen, measured. For each problem the panel of algorithms\n"
        "(Barycentre, Search, ExactSolveAtLevel, RandomVertex and a multiprecision solver\n"
        "network: WARPd for P1, FISTA for P2, FIRENET for P3) is run against the class Omega\n"
        "through certified and adversarial oracles:\n"
        "  (a) no algorithm gets K digits (consistent ones fail on >= N1-1 adversarial members);\n"
        "  (b) K-1 digits need reads growing with n (Search), bounded readers fail;\n"
        "  (c) K-2 digits from one sample (Barycentre; the solver networks too).\n"
        "Every printed error is a certified enclosure.  Progress goes to stderr (a bar in a\n"
        "terminal, one line per stage otherwise), so --json output on stdout stays clean.\n"
        "Time with the defaults: a few seconds on the project's 2-core machine; it grows with\n"
        "--N, --levels and --seeds (see the ranges below)."
    )
    p.epilog = "Ranges: " + "; ".join(
        f"{flag} {low}..{high}" for flag, (low, high, _w) in LIMITS.items()
        if flag.startswith("--")) + ".  Exit status 2 for a value outside them."
    p.add_argument("--problem", choices=["P1", "P2", "P3", "all"], default="all",
                   help="which problem (default: all)")
    p.add_argument("--K", type=_int("--K"), default=3,
                   help="digit target K, 1..100 (the theorem needs K > 2; default 3)")
    p.add_argument("--N", type=_int("--N"), default=3,
                   help="number of unknowns, 2..64 (default 3)")
    p.add_argument("--m", type=_int("--m"), default=2,
                   help="number of measurements, 1 <= m < N (default 2); N1 = N + 1 - m >= 2")
    p.add_argument("--R", type=_int("--R"), default=1,
                   help="samples per member, 1..8 (default 1)")
    p.add_argument("--D", choices=["identity", "cayley", "dct"], default="identity",
                   help="orthogonal matrix of the class (default identity; cayley: random "
                        "exactly orthogonal "
                        "rational matrix from --seed; dct: the paper's orthonormal DCT-II, "
                        "irrational samples evaluated in ball arithmetic)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for contents, D, drawn members (any integer; default 0)")
    p.add_argument("--seeds", type=_int("--seeds"), default=40,
                   help="seeds of the randomized vertex guesser, 1..10000 (default 40)")
    p.add_argument("--levels", type=_int("--levels"), nargs="+", default=[5, 10, 20, 40, 80],
                   help="family-II levels n of the sweep, each 1..1000, at most 20 of them "
                        "(default 5 10 20 40 80)")
    p.add_argument("--no-firenet", action="store_true", help="leave FIRENET out of the panel")
    p.add_argument("--no-solver-networks", action="store_true",
                   help="leave the multiprecision solver networks (WARPd for P1, FISTA for P2, "
                        "FIRENET for P3) out of the panel")
    p.add_argument("--json", action="store_true",
                   help="print ONE JSON object (a list for --problem all) instead of tables")
    add_output_options(p, FIGURE)


def configure_demo(p: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems demo``: only where the figure goes."""
    p.description = ("The main job (what `make demo` runs): the paradox for P1, P2 and P3 with "
                     "K = 3, N = 3, m = 2, as tables, and the figure out/paradox.png.  Takes a "
                     "few seconds.")
    add_output_options(p, FIGURE, default_out_dir="out")


def check(args: argparse.Namespace) -> Path | None:
    """Check the flags that involve each other and the output paths; returns the figure path.
    Raises :class:`theorems.commands.UsageError` before anything is computed."""
    check_range("--m", args.m, 1, args.N - 1, f"m < N = {args.N}, so that N1 = N + 1 - m >= 2")
    low, high, why = LIMITS["levels given"]
    check_range("--levels: number of levels", len(args.levels), low, high, why)
    return resolve_figure(args, FIGURE)


def _stage_count(args: argparse.Namespace, problems: list[str]) -> int:
    """How many progress messages the harness sends: three parts per algorithm of the panel,
    then the randomized guesser and Search on the tie, per problem."""
    total = 0
    for name in problems:
        solver = not args.no_solver_networks and (name != "P3" or not args.no_firenet)
        panel = 4 + (1 if solver else 0)
        total += 3 * panel + 2
    return total


def run_paradox(args: argparse.Namespace) -> list:
    """Run the harness for each problem the parsed ``args`` ask for, reporting its stages on
    stderr (:class:`theorems.commands.Stages`)."""
    from theorems.paradox.harness import run

    problems = ["P1", "P2", "P3"] if args.problem == "all" else [args.problem]
    results = []
    with Stages("paradox", _stage_count(args, problems)) as stages:
        for name in problems:
            results.append(run(
                name, args.K, N=args.N, m=args.m, R=args.R, D=args.D, seed=args.seed,
                levels=tuple(args.levels), randomized_seeds=args.seeds,
                firenet=not args.no_firenet, solver_networks=not args.no_solver_networks,
                progress=stages,
            ))
    return results


def _run(args: argparse.Namespace) -> int:
    import json

    from theorems.paradox.figure import plot
    from theorems.paradox.report import render, to_json

    figure = check(args)
    console = Console()
    results = run_paradox(args)
    if args.json:
        payload = [to_json(r) for r in results]
        print(json.dumps(payload if args.problem == "all" else payload[0], indent=2))
    else:
        for r in results:
            render(r, console)
    if figure is not None:
        plot(results, figure)
        Console(stderr=True).print(f"figure written to {figure}", highlight=False)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from theorems.paradox.figure import plot
    from theorems.paradox.report import render

    figure = resolve_figure(args, FIGURE)
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
    if figure is not None:
        plot(results, figure)
        console.print(f"Figure (each algorithm's worst certified error against samples read, "
                      f"per problem): {figure}\n", highlight=False)
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
    Command("demo", "the main job: everything `make demo` shows (figure in out/ unless "
            "--out-dir or --no-plot)", configure_demo, _demo, order=0),
    Command("paradox", "Theorem 1 measured: K digits impossible, K-1 need unbounded data, K-2 "
            "from one sample", configure, _run, order=10),
)
