"""Command line of the testbed: ``python -m theorems COMMAND``.

Commands are registered in :data:`COMMANDS`; each has its own ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rich.console import Console

__all__ = ["main", "build_parser", "COMMANDS"]


def _cmd_tour(args: argparse.Namespace) -> int:
    from oracle.tour import run_tour

    run_tour(Console())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    console = Console()
    from oracle.tour import run_tour

    run_tour(console)
    console.print(
        "\nMore: [bold]python -m theorems --help[/bold] lists every command; "
        "[bold]python -m oracle[/bold] repeats this tour."
    )
    return 0


#: name -> (help text, configure parser, run)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                          Callable[[argparse.Namespace], int]]] = {
    "demo": ("the main job: everything `make demo` shows", lambda p: None, _cmd_demo),
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
