"""``python -m theorems table1``: Table 1 of the paper with certified distances.

Flags and output paths are checked before anything is computed; stages are reported on stderr
(:class:`theorems.commands.Stages`), so ``--json`` keeps stdout clean.
"""

from __future__ import annotations

import argparse
import json
import sys

from theorems.commands import (
    Command,
    Stages,
    UsageError,
    add_output_options,
    bounded_int,
    resolve_figure,
)

__all__ = ["COMMANDS", "add_arguments", "main", "PROFILE_NAMES", "FIGURE"]

#: the training budgets of :data:`theorems.table1.setup.PROFILES` (listed here so that
#: ``--help`` does not import the harness; a test checks they agree)
PROFILE_NAMES = ("fast", "full", "tiny")

#: default figure name inside --out-dir
FIGURE = "table1.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems table1``."""
    parser.description = (
        "Table 1 of Colbrook-Antun-Hansen: LISTA (trained) and FIRENET (no training) on "
        "inexact input, for K = 1, 3, 6 digits and levels n = 10, 20, 30; each reported "
        "distance to the exact solution set is a certified enclosure, printed beside the "
        "published value.  Then the published float64 set-up re-enacted, and (unless "
        "--no-beyond) cells past float64 (K up to 10, n = 40, 60, 100).  Time on the project's "
        "2-core machine: about 30 s with the default (fast) profile, about 25 min with --full. "
        "Progress goes to stderr.")
    parser.add_argument("--full", action="store_true",
                        help="the paper's training budget: 8000 samples, 4000 epochs (about "
                             "25 minutes)")
    parser.add_argument("--profile", choices=PROFILE_NAMES, default=None,
                        help="training budget (default: fast; --full is --profile full; "
                             "tiny is for tests: about 7 s with --no-beyond)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of tables (with the published "
                             "set-up's replica table under \"replica\")")
    parser.add_argument("--no-beyond", action="store_true",
                        help="skip the extension past float64 (n = 40, 60, 100)")
    parser.add_argument("--executor", choices=("serial", "local", "dask"), default="serial",
                        help="where the cells run: serial (default) one after the other here; "
                             "local a process pool; dask a dask.distributed LocalCluster or "
                             "--scheduler (theorems.sweep.executors); same numbers")
    parser.add_argument("--workers", type=bounded_int(1, 1024), default=None, metavar="N",
                        help="worker processes of --executor local or the dask LocalCluster "
                             "(default: the CPUs this process may use)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                        help="with --executor dask: an existing Dask scheduler")
    add_output_options(parser, FIGURE)


def _stage_count(beyond: bool) -> int:
    """Progress messages of :func:`theorems.table1.harness.run`: one per grid cell, one for
    the replica, one per cell past float64."""
    from theorems.table1.setup import BEYOND_K, BEYOND_N, GRID_K, GRID_N

    return len(GRID_K) * len(GRID_N) + 1 + (len(BEYOND_K) * len(BEYOND_N) if beyond else 0)


def main(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    if args.full and args.profile not in (None, "full"):
        raise UsageError(f"--full conflicts with --profile {args.profile}")
    executor = getattr(args, "executor", "serial")
    if (executor != "serial" or getattr(args, "scheduler", None) is not None
            or getattr(args, "workers", None) is not None):
        from theorems.sweep.cli import check_executor

        check_executor(args)
    figure = resolve_figure(args, FIGURE)
    from rich.console import Console

    from theorems.table1 import harness
    from theorems.table1.report import plot, render, to_json

    name = "full" if args.full else (args.profile or "fast")
    with Stages("table1", _stage_count(not args.no_beyond)) as stages:
        if executor == "serial":
            result = harness.run(profile=name, beyond=not args.no_beyond, progress=stages)
        else:  # the same cells (harness.run_cell) spread over worker processes
            from theorems.sweep.cells import run_table1
            from theorems.sweep.executors import make_executor

            with make_executor(executor, workers=args.workers,
                               scheduler=args.scheduler) as ex:
                result = run_table1(ex, profile=name, beyond=not args.no_beyond,
                                    progress=stages)
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, Console(width=None if sys.stdout.isatty() else 140))
    if figure is not None:
        path = plot(result, str(figure))
        Console(stderr=True).print(f"figure written to {path}", highlight=False)
    return 0


COMMANDS = (
    Command("table1", "Table 1 of the paper (LISTA and FIRENET on inexact input) with certified "
            "distances, compared with the published values and pushed past float64",
            add_arguments, main, order=20),
)
