"""``python -m theorems sweep ...``: grids of experiment cells on a process pool or Dask, a
resumable SQLite results store, and the phase-transition sweep.

Sub-commands::

    sweep run [GRID.toml] [--experiment NAME --grid K=2,3 --set seeds=10] [--db DB]
              [--executor {serial,local,dask}] [--workers N] [--scheduler tcp://HOST:PORT]
    sweep show DB [--experiment NAME] [--status STATUS] [--json]
    sweep phase [--K 2 ... 8] [--seeds S] [--db DB] [--executor ...] [--json] [--out-dir DIR]
    sweep experiments

Every flag and path is checked before anything is computed (exit status 2 with the usage
line); progress over cells (done/total, elapsed, ETA) goes to stderr, tables or ``--json``
to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from theorems.commands import (
    Command,
    Console,
    UsageError,
    add_output_options,
    bounded_int,
    resolve_figure,
)

__all__ = ["COMMANDS", "configure", "main", "check_executor", "FIGURE", "PHASE_DB"]

#: default figure and database names of ``sweep phase`` inside --out-dir
FIGURE = "phase.png"
PHASE_DB = "phase.sqlite"

_SCHEDULER = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+(:\d+)?/?$")


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", choices=("serial", "local", "dask"), default="local",
                   help="where cells run: local (default) a process pool here, dask a "
                        "dask.distributed LocalCluster (or --scheduler), serial this process")
    p.add_argument("--workers", type=bounded_int(1, 1024), default=None, metavar="N",
                   help="worker processes of local / the dask LocalCluster, 1..1024 (default: "
                        "the CPUs this process may use)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="with --executor dask: use this existing Dask scheduler instead of "
                        "starting a LocalCluster (its workers need smale18 installed)")
    p.add_argument("--retry-failed", action="store_true",
                   help="hand out cells that failed before again (finished cells never are)")


def configure(p: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems sweep`` and its sub-commands."""
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = (
        "Grids of experiment cells on a process pool or Dask, a resumable SQLite results\n"
        "store, and the phase-transition sweep.\n\n" +
        "A cell is one task (an experiment and its parameters), identified by a hash of the\n"
        "experiment, its parameters and the package version; a rerun skips finished cells and\n"
        "an interrupted sweep resumes.  See theorems/sweep/README.md.")
    sub = p.add_subparsers(dest="sweep_command", metavar="SUBCOMMAND")
    run = sub.add_parser("run", help="run a grid (TOML file or --experiment/--grid/--set)")
    run.add_argument("grid_file", nargs="?", metavar="GRID.toml",
                     help="grid file (see theorems/sweep/grids/)")
    run.add_argument("--experiment", default=None,
                     help="experiment name (instead of a grid file; see `sweep experiments`)")
    run.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                     help="an axis of the grid (repeatable)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=V[,V...]",
                     help="a fixed parameter (a comma list is one list value; repeatable)")
    run.add_argument("--db", default="sweep.sqlite", metavar="DB",
                     help="results store (SQLite, created if missing; default sweep.sqlite)")
    run.add_argument("--json", action="store_true",
                     help="print the stored rows of this grid as one JSON list")
    _executor_options(run)
    show = sub.add_parser("show", help="print the cells of a results store")
    show.add_argument("db", metavar="DB", help="results store")
    show.add_argument("--experiment", default=None, help="only this experiment")
    show.add_argument("--status", choices=("pending", "running", "done", "failed"),
                      default=None, help="only cells with this status")
    show.add_argument("--json", action="store_true", help="one JSON list of rows instead")
    phase = sub.add_parser(
        "phase", help="the phase transition: success against eps/eps_0 for K = 2..8",
        description="The phase transition of the gadget (Gazdag-Hansen, arXiv 2209.06715): "
                    "eps-accurate networks are computable for eps >= eps_0 (the circumradius "
                    "of the vertex simplex) and not below it, randomized success <= 1/N1. "
                    "One cell per K; see theorems/sweep/phase.py for what is measured.  Time "
                    "with the defaults: about 25 s on the project's 2-core machine (two "
                    "workers); a rerun skips the finished cells.")
    phase.add_argument("--K", type=bounded_int(2, 30), nargs="+", default=[2, 3, 4, 5, 6, 7, 8],
                       help="digit scales K, 2..30 (default 2 3 4 5 6 7 8)")
    phase.add_argument("--N", type=bounded_int(2, 16), default=3,
                       help="unknowns, 2..16 (default 3; N1 = N + 1 - m)")
    phase.add_argument("--m", type=bounded_int(1, 15), default=2,
                       help="measurements, 1 <= m < N (default 2)")
    phase.add_argument("--seeds", type=bounded_int(1, 10_000), default=100,
                       help="seeds of the randomized experiment, 1..10000 (default 100)")
    phase.add_argument("--db", default=None, metavar="DB",
                       help=f"results store (default: DIR/{PHASE_DB} with --out-dir DIR, "
                            f"default out/)")
    phase.add_argument("--json", action="store_true",
                       help="print one JSON object (thresholds and every record)")
    add_output_options(phase, FIGURE, default_out_dir="out")
    _executor_options(phase)
    sub.add_parser("experiments", help="list the experiments and their parameters")


def check_executor(args: argparse.Namespace) -> None:
    """Check ``--executor``, ``--workers`` and ``--scheduler`` together (also used by
    ``table1``); raises :class:`theorems.commands.UsageError`."""
    if args.scheduler is not None:
        if args.executor != "dask":
            raise UsageError(f"--scheduler {args.scheduler}: needs --executor dask, not "
                             f"--executor {args.executor}")
        if not _SCHEDULER.match(args.scheduler):
            raise UsageError(f"--scheduler {args.scheduler}: must look like "
                             f"tcp://HOST:PORT")
        if args.workers is not None:
            raise UsageError("--workers: an existing scheduler brings its own workers; drop "
                             "--workers or --scheduler")
    if args.executor == "serial" and args.workers is not None:
        raise UsageError(f"--workers {args.workers}: --executor serial runs every cell in this "
                         f"process; use --executor local or dask, or drop --workers")
    if args.executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--executor dask: dask.distributed is not installed (pip install "
                             "'dask[distributed]')") from None


def _check_db(path: str, flag: str) -> Path:
    db = Path(path).expanduser()
    if db.is_dir():
        raise UsageError(f"{flag} {path}: is a folder, not a file")
    folder = db.parent if str(db.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (db.exists() and not os.access(db, os.W_OK)):
        raise UsageError(f"{flag} {path}: not writable")
    return db


def _open_store(db: Path, flag: str):  # noqa: ANN202 - a theorems.sweep.store.Store
    """Open the results store ``db`` for writing; a file that is not a sweep database (or one
    of another schema) is a :class:`UsageError` naming ``flag``, found before any cell runs."""
    from theorems.sweep.errors import StoreError
    from theorems.sweep.store import Store

    try:
        return Store(db)
    except StoreError as exc:
        reason = str(exc)
        prefix = f"DB={db}: "
        reason = reason[len(prefix):] if reason.startswith(prefix) else reason
        raise UsageError(f"{flag} {db}: {reason}") from None


class Interrupted(Exception):
    """Ctrl-C during a sweep: what is stored stays stored (exit status 130)."""


@contextlib.contextmanager
def _interruptible(store: object, cells: list) -> Iterator[None]:
    """Turn Ctrl-C into one line on stderr saying how many cells are stored and how to
    resume, and exit status 130 (no traceback)."""
    try:
        yield
    except KeyboardInterrupt:
        statuses = store.status_of([c.id for c in cells])  # type: ignore[attr-defined]
        done = sum(1 for v in statuses.values() if v == "done")
        print(f"\nsweep: interrupted; {done}/{len(cells)} cells are stored. Run the same "
              f"command again to resume (finished cells are skipped).", file=sys.stderr)
        raise Interrupted from None


def _executor(args: argparse.Namespace):  # noqa: ANN202 - one of the executor classes
    from theorems.sweep.executors import make_executor

    return make_executor(args.executor, workers=args.workers, scheduler=args.scheduler)


def _run_grid(args: argparse.Namespace) -> int:
    from theorems.sweep.engine import CellProgress, run_sweep
    from theorems.sweep.errors import GridError
    from theorems.sweep.grid import Grid

    check_executor(args)
    db = _check_db(args.db, "--db")
    try:
        if args.grid_file is not None:
            if args.experiment or args.grid or args.set:
                raise UsageError(f"{args.grid_file}: give a grid file OR --experiment/--grid/"
                                 f"--set, not both")
            grid = Grid.from_toml(args.grid_file)
        elif args.experiment is not None:
            grid = Grid.from_args(args.experiment, args.grid, args.set)
        else:
            raise UsageError("give a grid file or --experiment NAME")
        cells = grid.cells()
    except GridError as exc:
        raise UsageError(str(exc)) from None
    keys = list(grid.axes) or None
    with _open_store(db, "--db") as store, _executor(args) as ex:
        print(f"sweep: {len(cells)} cells of {grid.experiment} into {db} on {ex.describe()}",
              file=sys.stderr)
        with _interruptible(store, cells), CellProgress(f"sweep {grid.experiment}",
                                                         len(cells)) as bar:
            summary = run_sweep(cells, store, ex, retry_failed=args.retry_failed,
                                progress=bar, label_keys=keys)
        rows = store.rows(ids=[c.id for c in cells])
    print(f"sweep: {summary.ran} ran ({summary.failed} failed), {summary.skipped} skipped as "
          f"finished, {summary.seconds:.1f} s", file=sys.stderr)
    if args.json:
        print(json.dumps([_row_json(r) for r in rows], indent=2))
    else:
        from theorems.sweep.report import store_table

        Console().print(store_table(rows, f"{grid.experiment}: {len(rows)} cells in {db}"))
    return 1 if summary.failed else 0


def _row_json(r: object) -> dict:
    from dataclasses import asdict

    return asdict(r)  # type: ignore[call-overload]


def _show(args: argparse.Namespace) -> int:
    from theorems.sweep.errors import StoreError
    from theorems.sweep.report import store_table
    from theorems.sweep.store import Store

    try:
        store = Store(args.db, readonly=True)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    with store:
        rows = store.rows(args.experiment, args.status)
        counts = store.counts()
    if args.json:
        print(json.dumps([_row_json(r) for r in rows], indent=2))
        return 0
    title = f"{args.db}: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    Console().print(store_table(rows, title))
    return 0


def _phase(args: argparse.Namespace) -> int:
    from theorems.sweep.engine import CellProgress, run_sweep
    from theorems.sweep.experiments import PHASE_CS
    from theorems.sweep.grid import Grid
    from theorems.sweep.report import phase_figure, phase_json, phase_tables

    check_executor(args)
    if not 1 <= args.m < args.N:
        raise UsageError(f"--m {args.m} must be in 1..{args.N - 1} (m < N = {args.N})")
    figure = resolve_figure(args, FIGURE)
    if args.db is not None:
        db = _check_db(args.db, "--db")
    else:
        folder = Path(args.out_dir).expanduser() if args.out_dir else Path(".")
        if not folder.exists():
            if not folder.parent.is_dir():
                raise UsageError(f"--out-dir {args.out_dir}: parent folder does not exist")
            folder.mkdir()
        db = _check_db(str(folder / PHASE_DB), "--db")
    Ks = sorted(set(args.K))
    grid = Grid("phase", {"K": Ks}, {"N": args.N, "m": args.m, "seeds": args.seeds,
                                     "cs": list(PHASE_CS)})
    cells = grid.cells()
    with _open_store(db, "--db") as store, _executor(args) as ex:
        print(f"sweep phase: {len(cells)} cells (K = {', '.join(map(str, Ks))}) into {db} on "
              f"{ex.describe()}", file=sys.stderr)
        with _interruptible(store, cells), CellProgress("sweep phase", len(cells)) as bar:
            summary = run_sweep(cells, store, ex, retry_failed=args.retry_failed,
                                progress=bar, label_keys=["K"])
        rows = store.rows(ids=[c.id for c in cells])
    print(f"sweep phase: {summary.ran} ran ({summary.failed} failed), {summary.skipped} "
          f"skipped as finished, {summary.seconds:.1f} s", file=sys.stderr)
    failed = [r for r in rows if r.status != "done"]
    for r in failed:
        print(f"sweep phase: cell {r.id} (K={r.params['K']}) {r.status}: "
              f"{(r.error or '').splitlines()[0] if r.error else ''}", file=sys.stderr)
    records = sorted((r.record for r in rows if r.status == "done" and r.record),
                     key=lambda rec: rec["K"])
    if args.json:
        print(json.dumps(phase_json(records), indent=2))
    else:
        console = Console()
        for table in phase_tables(records):
            console.print(table)
    if figure is not None and records:
        phase_figure(records, str(figure))
        Console(stderr=True).print(f"figure written to {figure}", highlight=False)
    return 1 if failed else 0


def _experiments(args: argparse.Namespace) -> int:
    from theorems.sweep.experiments import EXPERIMENTS

    for e in EXPERIMENTS.values():
        print(f"{e.name}: {e.help}")
        for p in e.parameters:
            rng = f" ({p.low}..{p.high})" if p.low is not None or p.high is not None else ""
            choices = f" (one of {', '.join(p.choices)})" if p.choices else ""
            print(f"    {p.name} [{p.kind}, default {json.dumps(p.default)}]{rng}{choices}: "
                  f"{p.help}")
    return 0


def main(args: argparse.Namespace) -> int:
    """Dispatch to the sub-command; without one, print the help."""
    handlers = {"run": _run_grid, "show": _show, "phase": _phase, "experiments": _experiments}
    name = getattr(args, "sweep_command", None)
    if name is None:
        args.subparser.print_help()
        return 0
    try:
        return handlers[name](args)
    except Interrupted:
        return 130


COMMANDS = (
    Command("sweep", "grids of experiment cells on a process pool or Dask with a resumable "
            "SQLite store; `sweep phase`: the phase transition at eps_0", configure, main,
            order=40),
)
