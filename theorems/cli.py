"""Command line of the testbed: ``python -m theorems COMMAND``.

Commands are registered in :data:`COMMANDS`; each has its own ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rich.console import Console as _RichConsole

__all__ = ["main", "build_parser", "positive_int", "COMMANDS"]


def Console(**kwargs: object) -> _RichConsole:  # noqa: N802 - a factory standing in for a class
    """A rich console; when output is not a terminal (pipes, CI logs) it is 140 columns wide
    so that the tables are not squeezed to the 80-column default."""
    if "width" not in kwargs and not kwargs.get("stderr") and not sys.stdout.isatty():
        kwargs["width"] = 140
    return _RichConsole(**kwargs)


def _cmd_tour(args: argparse.Namespace) -> int:
    from oracle.tour import run_tour

    run_tour(Console())
    return 0


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with a message naming the offending text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def _configure_paradox(p: argparse.ArgumentParser) -> None:
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


def _run_paradox(args: argparse.Namespace, console: Console) -> list:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from theorems.paradox import run

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


def _cmd_paradox(args: argparse.Namespace) -> int:
    import json

    from theorems.paradox_report import plot, render, to_json

    console = Console()
    if args.m >= args.N or args.N + 1 - args.m < 2:
        console.print(f"[red]--m={args.m} must be < --N={args.N}[/red]")
        return 2
    results = _run_paradox(args, console)
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


def _cmd_demo(args: argparse.Namespace) -> int:
    from theorems.paradox_report import plot, render

    console = Console()
    console.rule("[bold]smale18 demo: the paradox of Colbrook, Antun and Hansen, measured")
    console.print(
        "Algorithms see each problem only through an oracle of certified rational data "
        "(try [bold]python -m theorems tour[/bold]).  For K = 3 and P1, P2, P3:\n")
    defaults = build_parser().parse_args(["paradox"])
    results = _run_paradox(defaults, console)
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


def _lazy(module: str, attribute: str) -> Callable:
    """A function that imports ``theorems.<module>`` only when the command runs."""

    def call(arg: object) -> object:
        import importlib

        return getattr(importlib.import_module(f"theorems.{module}"), attribute)(arg)

    return call


#: name -> (help text, configure parser, run)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "demo": ("the main job: everything `make demo` shows", lambda p: None, _cmd_demo),
    "paradox": ("Theorem 1 measured: K digits impossible, K-1 need unbounded data, K-2 "
                "from one sample", _configure_paradox, _cmd_paradox),
    "table1": ("Table 1 of the paper (LISTA and FIRENET on inexact input) with certified "
               "distances, compared with the published values and pushed past float64",
               _lazy("table1", "add_arguments"), _lazy("table1", "main")),
    "convergence": ("FIRENET's exponential convergence in certified arithmetic, its stability "
                    "against LISTA, and the sharpness constants",
                    _lazy("convergence", "add_arguments"), _lazy("convergence", "main")),
    "tour": ("the oracle tour: certified rational training data and its read log",
             lambda p: None, _cmd_tour),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m theorems",
        description=(
            "Watch the Colbrook-Antun-Hansen paradox happen: algorithms see sparse-recovery "
            "problems only through certified rational approximations (the oracle), and every "
            "error they make is certified."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        configure(p)
        p.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (2 for bad settings)."""
    from algorithms.errors import AlgorithmError
    from oracle.errors import OracleError
    from theorems.errors import TheoremError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args))
    except (TheoremError, AlgorithmError, OracleError) as exc:
        # a setting the mathematics does not allow (e.g. a class whose closed forms fail):
        # say which and why, without a traceback
        Console(stderr=True).print(f"[red]{parser.prog} {args.command}: {exc}[/red]")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
