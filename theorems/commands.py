"""What every command of ``python -m theorems`` shares: the :class:`Command` record an
experiment package publishes, the console factory and the argparse value types.

An experiment package ``theorems/<name>/`` joins the command line by having a ``cli`` module
with a tuple ``COMMANDS`` of :class:`Command` records; :mod:`theorems.cli` finds it by itself,
so adding an experiment edits no central file.  A ``cli`` module must import only light
modules at the top (argparse, this one) and import its harness inside ``run``, so that
``python -m theorems --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console as _RichConsole

__all__ = ["Command", "Console", "positive_int"]


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, one-line help, how to add its options, and what it runs.

    ``order`` places it in ``--help`` (smaller first); ``run`` returns the exit status.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    order: int = 50


def Console(**kwargs: object) -> _RichConsole:  # noqa: N802 - a factory standing in for a class
    """A rich console; when output is not a terminal (pipes, CI logs) it is 140 columns wide
    so that the tables are not squeezed to the 80-column default."""
    if "width" not in kwargs and not kwargs.get("stderr") and not sys.stdout.isatty():
        kwargs["width"] = 140
    return _RichConsole(**kwargs)


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with a message naming the offending text."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value
