"""What every command of ``python -m theorems`` shares: the :class:`Command` record an
experiment package publishes, the console factory, argparse value types, output-path
validation, stage progress, and the BLAS thread limit.

An experiment package ``theorems/<name>/`` joins the command line by having a ``cli`` module
with a tuple ``COMMANDS`` of :class:`Command` records; :mod:`theorems.cli` finds it by itself,
so adding an experiment edits no central file.  A ``cli`` module must import only light
modules at the top (argparse, this one) and import its harness inside ``run``, so that
``python -m theorems --help`` stays instant.

The rules every command follows (issue 12):

* every flag value and output path is checked BEFORE any computation (:func:`check_range`,
  :func:`resolve_figure`); a bad one raises :class:`UsageError`, which :func:`theorems.cli.main`
  prints to stderr after the command's usage line and turns into exit status 2;
* long work reports its stages through :class:`Stages`: a rich progress bar (counts, elapsed
  time, ETA) when stderr is a terminal, else one line per stage with the elapsed time on
  stderr, so that stdout carries only the tables or the ``--json`` object;
* numpy's BLAS runs single-threaded unless the user asks otherwise (:func:`blas_threads`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console as _RichConsole

__all__ = [
    "Command",
    "Console",
    "UsageError",
    "positive_int",
    "nonnegative_int",
    "bounded_int",
    "check_range",
    "figure_formats",
    "add_output_options",
    "resolve_figure",
    "Stages",
    "blas_threads",
    "BLAS_ENV_VARIABLES",
]


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, one-line help, how to add its options, and what it runs.

    ``order`` places it in ``--help`` (smaller first); ``run`` returns the exit status and may
    raise :class:`UsageError` before it starts computing (exit status 2 with the usage line).
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    order: int = 50


class UsageError(ValueError):
    """A flag value or output path the command cannot serve, found before any computation.

    The message names the flag as the user typed it (``--plot out/x.foo: ...``);
    :func:`theorems.cli.main` prints it after the usage line and exits with status 2."""


def Console(**kwargs: object) -> _RichConsole:  # noqa: N802 - a factory standing in for a class
    """A rich console; when output is not a terminal (pipes, CI logs) it is 140 columns wide
    so that the tables are not squeezed to the 80-column default."""
    if "width" not in kwargs and not kwargs.get("stderr") and not sys.stdout.isatty():
        kwargs["width"] = 140
    return _RichConsole(**kwargs)  # type: ignore[arg-type]


# =============================================================================== value types
def _integer_at_least(text: str, lowest: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < lowest:
        raise argparse.ArgumentTypeError(f"{value} must be >= {lowest}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, with a message naming the offending text."""
    return _integer_at_least(text, 1)


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0 (a ``--seed`` handed to ``numpy.random.default_rng``,
    which rejects negative seeds), with a message naming the offending text."""
    return _integer_at_least(text, 0)


def bounded_int(low: int, high: int, why: str = "") -> Callable[[str], int]:
    """argparse type: an integer in ``[low, high]``; the message states the range and, if
    given, ``why`` the implementation stops there."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}{reason}")
        return value

    parse.__name__ = f"integer in {low}..{high}"
    return parse


def check_range(flag: str, value: int, low: int, high: int, why: str = "") -> None:
    """Raise :class:`UsageError` unless ``low <= value <= high`` (for checks that involve
    several flags, such as ``--m < --N``)."""
    if not low <= value <= high:
        reason = f" ({why})" if why else ""
        raise UsageError(f"{flag} {value} is outside {low}..{high}{reason}")


# =============================================================================== output paths
def figure_formats() -> tuple[str, ...]:
    """The file extensions matplotlib can write here (``png``, ``pdf``, ``svg``, ...): those it
    supports, less ``pgf`` when its TeX program is not installed (see :func:`_missing_tool`)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple(sorted(f for f in FigureCanvasBase.get_supported_filetypes()
                        if _missing_tool(f) is None))


def _missing_tool(suffix: str) -> str | None:
    """The program a figure format needs that is not on ``PATH`` (``.pgf`` runs
    ``rcParams["pgf.texsystem"]``, xelatex by default, to measure text), else ``None``."""
    if suffix != "pgf":
        return None
    import shutil

    import matplotlib

    tex = str(matplotlib.rcParams["pgf.texsystem"])
    return None if shutil.which(tex) else tex


def add_output_options(parser: argparse.ArgumentParser, figure: str, *,
                       default_out_dir: str | None = None) -> None:
    """Add ``--out-dir DIR``, ``--plot FILE`` and ``--no-plot``.

    ``figure`` is the default file name written into ``--out-dir`` (e.g. ``paradox.png``);
    with ``default_out_dir`` (the demo's ``out``) a figure is written unless ``--no-plot``."""
    default = (f"default: {default_out_dir}/, created if missing" if default_out_dir
               else "created if missing; its parent must exist")
    parser.add_argument(
        "--out-dir", metavar="DIR", default=default_out_dir,
        help=f"folder for every file this run writes ({default}); with it and without "
             f"--plot the figure is DIR/{figure}")
    parser.add_argument(
        "--plot", metavar="FILE", default=None,
        help="save the figure to FILE (relative to --out-dir when given); the extension picks "
             "the format: png, pdf, svg, ... (any format matplotlib writes)")
    parser.add_argument("--no-plot", action="store_true", help="write no figure")


def _writable_folder(folder: Path, flag: str, shown: str) -> None:
    """Raise :class:`UsageError` unless a file can actually be created in ``folder``."""
    if not folder.exists():
        raise UsageError(f"{flag} {shown}: folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{flag} {shown}: {folder} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".smale18-write-test-"):
            pass
    except OSError as exc:
        raise UsageError(f"{flag} {shown}: cannot write in {folder} "
                         f"({exc.strerror or exc})") from None


def resolve_figure(args: argparse.Namespace, figure: str) -> Path | None:
    """Check ``--out-dir``, ``--plot`` and ``--no-plot`` of ``args`` and return where the
    figure goes (``None``: no figure).  Creates ``--out-dir`` (one level) when it is missing.

    Raises :class:`UsageError` for: ``--plot`` with ``--no-plot``; an ``--out-dir`` that is a
    file, whose parent is missing, or that is not writable; a ``--plot`` that names a folder,
    has no extension or one matplotlib cannot write, or lies in a missing or read-only folder.
    Nothing is created unless every check passed."""
    out_dir = getattr(args, "out_dir", None)
    plot = getattr(args, "plot", None)
    no_plot = getattr(args, "no_plot", False)
    if plot is not None and no_plot:
        raise UsageError("--plot and --no-plot contradict each other; give one of them")
    create: Path | None = None
    base: Path | None = None
    if out_dir is not None:
        base = Path(out_dir).expanduser()
        if base.exists():
            if not base.is_dir():
                raise UsageError(f"--out-dir {out_dir}: is a file, not a folder")
            _writable_folder(base, "--out-dir", out_dir)
        else:
            _writable_folder(base.parent if str(base.parent) else Path("."), "--out-dir",
                             out_dir)
            create = base
    if no_plot or (plot is None and base is None):
        path = None
    else:
        if plot is not None:
            shown = plot
            path = Path(plot).expanduser()
            if base is not None and not path.is_absolute():
                path = base / path
        else:
            assert base is not None
            path = base / figure
            shown = str(path)
        flag = "--plot" if plot is not None else "--out-dir"
        if (plot is not None and plot.endswith(("/", os.sep))) or path.is_dir():
            raise UsageError(
                f"{flag} {shown}: is a folder, not a file; give a file name such as "
                f"{Path(shown) / figure} (or use --out-dir {shown})")
        formats = figure_formats()
        suffix = path.suffix.lower().lstrip(".")
        if not suffix:
            raise UsageError(f"{flag} {shown}: has no extension; use one of "
                             f".{', .'.join(formats)}")
        tool = _missing_tool(suffix)
        if tool is not None:
            raise UsageError(f"{flag} {shown}: matplotlib writes .{suffix} files with {tool}, "
                             f"which is not installed; use one of .{', .'.join(formats)}")
        if suffix not in formats:
            raise UsageError(f"{flag} {shown}: matplotlib cannot write .{suffix} files; use "
                             f"one of .{', .'.join(formats)}")
        if path.parent != create:
            _writable_folder(path.parent, flag, shown)
        if path.exists() and not os.access(path, os.W_OK):
            raise UsageError(f"{flag} {shown}: the existing file is read-only")
    if create is not None and path is not None:  # with no figure, nothing is created
        create.mkdir()
    return path


# =============================================================================== progress
class Stages:
    """Progress of a command's stages, fed by a harness's ``progress(message)`` callback.

    Use as a context manager; call the object with each stage's description.  In a terminal
    it is a transient rich progress bar with the stage count ``done/total``, elapsed time and
    ETA; otherwise each stage logs one line ``[  12.3 s] 3/17 P3: Search ...`` to stderr (and
    a final ``done`` line), so stdout stays clean for ``--json``.  ``total`` is an estimate;
    it grows if the harness reports more stages.  ``quiet`` turns everything off."""

    def __init__(self, name: str, total: int | None = None, *, quiet: bool = False,
                 stream: Any = None) -> None:
        self.name = name
        self.total = total
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self._t0 = 0.0
        self._bar: Any = None
        self._task: Any = None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    def __enter__(self) -> Stages:
        self._t0 = time.perf_counter()
        if not self.quiet and self.stream.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=_RichConsole(file=self.stream), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.name, total=self.total)
        return self

    def __call__(self, message: str) -> None:
        """Start the next stage, described by ``message`` (the previous one is done)."""
        if self.quiet:
            return
        self.count += 1
        if self.total is not None and self.count > self.total:
            self.total = self.count
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count - 1, total=self.total,
                             description=f"{self.name}: {message}")
        else:
            of = f"/{self.total}" if self.total is not None else ""
            print(f"[{self.elapsed:7.1f} s] {self.name} {self.count}{of}: {message}",
                  file=self.stream, flush=True)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count)
            self._bar.__exit__(kind, exc, tb)
        elif not self.quiet and kind is None:
            print(f"[{self.elapsed:7.1f} s] {self.name} done", file=self.stream, flush=True)


# =============================================================================== BLAS threads
#: environment variables through which a user already chose the BLAS thread count
BLAS_ENV_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                      "BLIS_NUM_THREADS")


@contextlib.contextmanager
def blas_threads(threads: int | None) -> Iterator[None]:
    """Limit numpy's BLAS to ``threads`` threads for the duration (``0``: leave the library's
    default; ``None``: 1 thread unless one of :data:`BLAS_ENV_VARIABLES` is set).

    Why: the experiments call BLAS on small matrices from a single Python thread.  On a busy
    2-core machine an OpenBLAS worker thread spins as long as the main thread, and
    ``convergence`` took 181-242 s with the default threading against 34-36 s with one
    thread (issue 13).  One thread is never slower here."""
    if threads is None:
        threads = 0 if any(os.environ.get(v) for v in BLAS_ENV_VARIABLES) else 1
    if threads == 0:
        yield
        return
    import numpy  # noqa: F401 - BLAS must be loaded before its pool can be limited
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield
