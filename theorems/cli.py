"""Command line of the testbed: ``python -m theorems COMMAND``.

The commands are not listed here.  Every experiment package ``theorems/<name>/`` that has a
``cli`` module contributes the :class:`theorems.commands.Command` records in its ``COMMANDS``
tuple; :func:`commands` discovers them.  Each command has its own ``--help``.

Options every command takes (before or after the command name): ``--version`` and
``--blas-threads N`` (numpy's BLAS runs single-threaded by default, see
:func:`theorems.commands.blas_threads`).

Exit status: 0 on success; 2 for a bad flag, value or output path (found before any
computation; the command's usage line and a one-line message go to stderr) and for settings
the mathematics does not allow (a one-line message on stderr); 1 when ``sweep`` stored failed
cells; 130 when interrupted with Ctrl-C (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence

from theorems.commands import (
    BLAS_ENV_VARIABLES,
    Command,
    Console,
    UsageError,
    blas_threads,
    bounded_int,
    positive_int,
)

__all__ = ["main", "build_parser", "commands", "positive_int", "Console", "version"]

PROG = "python -m theorems"


def _run_tour(args: argparse.Namespace) -> int:
    from oracle.tour import run_tour

    run_tour(Console())
    return 0


TOUR = Command("tour", "the oracle tour: certified rational training data and its read log",
               lambda p: None, _run_tour, order=90)


def version() -> str:
    """The installed version of the ``smale18`` distribution."""
    import theorems

    return str(theorems.__version__)


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


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--version`` and ``--blas-threads`` (on the top parser and on every command; a value
    given after the command wins over one given before it)."""
    parser.add_argument("--version", action="version", version=f"smale18 {version()}",
                        help="print the version and exit")
    parser.add_argument(
        "--blas-threads", metavar="N", type=bounded_int(0, 256), dest="blas_threads",
        default=None if top else argparse.SUPPRESS,
        help="threads numpy's BLAS may use (default 1; 0 keeps the library's default; an "
             f"explicit {BLAS_ENV_VARIABLES[0]} or {BLAS_ENV_VARIABLES[1]} is respected). "
             "One thread because the experiments multiply small matrices from one Python "
             "thread: on a busy machine extra BLAS threads only spin, and made "
             "`convergence` 5-7x slower here")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Watch the Colbrook-Antun-Hansen paradox happen: algorithms see sparse-recovery "
            "problems only through certified rational approximations (the oracle), and every "
            "error they make is certified."
        ),
        epilog="Every command has --help.  Exit status: 0 success; 2 a bad flag, value or "
               "output path (checked before computing) or settings the mathematics does not "
               "allow; 1 `sweep` cells failed; 130 interrupted (Ctrl-C).",
    )
    _common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in commands():
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(p)
        _common_options(p, top=False)
        p.set_defaults(run=command.run, subparser=p)
        for nested in _nested_parsers(p):  # e.g. `sweep phase`: the same common options,
            _common_options(nested, top=False)  # and its own usage line in error messages
            nested.set_defaults(subparser=nested)
    return parser


def _nested_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of a command's own sub-commands (``sweep run``, ``sweep phase``, ...)."""
    found = []
    for action in parser._actions:  # noqa: SLF001 - argparse has no public accessor
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            found.extend(dict.fromkeys(action.choices.values()))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (2 for bad settings).

    argparse's own errors (unknown flag, a value of the wrong type or range) exit with status
    2 through ``SystemExit``; errors found by a command's checks before computing
    (:class:`theorems.commands.UsageError`) print the command's usage line and return 2."""
    from algorithms.errors import AlgorithmError
    from oracle.errors import OracleError
    from theorems.errors import TheoremError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    command = args.subparser.prog  # "python -m theorems sweep phase" for a sub-command
    try:
        with blas_threads(args.blas_threads):
            return int(args.run(args))
    except KeyboardInterrupt:
        # Ctrl-C during a long run: one line and the shell's status for SIGINT, no traceback
        sys.stderr.write(f"\n{command}: interrupted\n")
        return 130
    except UsageError as exc:
        sys.stderr.write(args.subparser.format_usage())
        sys.stderr.write(f"{command}: error: {exc}\n")
        return 2
    except (TheoremError, AlgorithmError, OracleError) as exc:
        # a setting the mathematics does not allow (e.g. a class whose closed forms fail):
        # say which and why, on one line, without a traceback
        message = " ".join(str(exc).split())
        message = message.replace(" (pass require_claims=False to build it anyway)", "")
        sys.stderr.write(f"{command}: error: {message}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
