"""Command line of the testbed: ``python -m theorems COMMAND``.

The commands are not listed here.  Every experiment package ``theorems/<name>/`` that has a
``cli`` module contributes the :class:`theorems.commands.Command` records in its ``COMMANDS``
tuple; :func:`commands` discovers them.  Each command has its own ``--help``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence

from theorems.commands import Command, Console, positive_int

__all__ = ["main", "build_parser", "commands", "positive_int", "Console"]


def _run_tour(args: argparse.Namespace) -> int:
    from oracle.tour import run_tour

    run_tour(Console())
    return 0


TOUR = Command("tour", "the oracle tour: certified rational training data and its read log",
               lambda p: None, _run_tour, order=90)


def commands() -> list[Command]:
    """Every command: the tour, and those of each ``theorems.<package>.cli`` module."""
    import theorems

    found = [TOUR]
    for info in pkgutil.iter_modules(theorems.__path__):
        if not info.ispkg or importlib.util.find_spec(f"theorems.{info.name}.cli") is None:
            continue
        found.extend(importlib.import_module(f"theorems.{info.name}.cli").COMMANDS)
    names = [c.name for c in found]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:  # pragma: no cover - a packaging mistake, not a user error
        raise RuntimeError(f"command names defined twice: {sorted(duplicated)}")
    return sorted(found, key=lambda c: (c.order, c.name))


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
    for command in commands():
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(p)
        p.set_defaults(run=command.run)
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
