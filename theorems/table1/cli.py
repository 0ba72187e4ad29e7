"""``python -m theorems table1``: Table 1 of the paper with certified distances."""

from __future__ import annotations

import argparse
import json
import sys

from theorems.commands import Command

__all__ = ["COMMANDS", "add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems table1``."""
    from theorems.table1.setup import PROFILES

    parser.add_argument("--full", action="store_true",
                        help="the paper's training budget: 8000 samples, 4000 epochs (slow)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="training budget (default: fast; --full is --profile full)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of tables")
    parser.add_argument("--plot", metavar="FILE", default=None,
                        help="also save a figure (png, pdf, svg) to FILE")
    parser.add_argument("--no-beyond", action="store_true",
                        help="skip the extension past float64 (n = 40, 60, 100)")


def main(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    from rich.console import Console

    from theorems.table1 import harness
    from theorems.table1.report import plot, render, to_json

    err = Console(stderr=True)
    name = "full" if args.full else (args.profile or "fast")
    if args.full and args.profile not in (None, "full"):
        err.print(f"--full conflicts with --profile {args.profile}")
        return 2
    with err.status("Table 1 ...") as status:
        result = harness.run(profile=name, beyond=not args.no_beyond,
                             progress=lambda message: status.update(message))
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, Console(width=None if sys.stdout.isatty() else 140))
    if args.plot:
        path = plot(result, args.plot)
        err.print(f"figure saved to {path}")
    return 0


COMMANDS = (
    Command("table1", "Table 1 of the paper (LISTA and FIRENET on inexact input) with certified "
            "distances, compared with the published values and pushed past float64",
            add_arguments, main, order=20),
)
