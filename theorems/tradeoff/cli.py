"""``python -m theorems tradeoff``: trained networks against FIRENET under worst-case
perturbations (SPEC section 11).  Flags and paths are checked before anything is computed;
stages go to stderr (:class:`theorems.commands.Stages`), so ``--json`` keeps stdout clean."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from theorems.commands import Command, Stages, UsageError, add_output_options, resolve_figure

__all__ = ["COMMANDS", "add_arguments", "main", "FIGURE", "check_cache_folder"]

FIGURE = "tradeoff.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems tradeoff``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "The stability-accuracy trade-off (SPEC section 11) on subsampled Fourier images:\n"
        "an AUTOMAP-type network and U-nets trained on the data, and FIRENET (no training),\n"
        "each under worst-case perturbations of size eta (gradient search): reconstruction\n"
        "error and amplification per eta; then FIRENET layers appended to AUTOMAP.\n"
        "Trained weights and XLA programs are cached (--cache-dir), so a second run is\n"
        "faster.  Progress goes to stderr.\n"
        "Time on the project's 2-core machine: about 6 min cold, 40-60 s warm;\n"
        "--quick: about 1 min cold.")
    parser.add_argument("--quick", action="store_true",
                        help="32 x 32 images, short training, fewer perturbation sizes (tests)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help="where trained weights are cached (default: $SMALE18_CACHE, else "
                             "$XDG_CACHE_HOME/smale18, else ~/.cache/smale18)")
    parser.add_argument("--no-cache", action="store_true",
                        help="train from scratch and store nothing (neither weights nor "
                             "compiled programs; so not with --cache-dir)")
    add_output_options(parser, FIGURE)


def check_cache_folder(folder: Path, shown: str) -> None:
    """Raise :class:`UsageError` unless ``folder`` is a writable folder or can be created
    (its nearest existing ancestor is a writable folder); creates nothing."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is a file" if existing == folder else f"{existing} is a file"
        raise UsageError(f"{shown}: {what}, not a folder")
    try:  # os.access says yes to root even where nothing can be created (/proc)
        with tempfile.TemporaryDirectory(dir=existing, prefix=".smale18-write-test-"):
            pass
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write in {existing} ({exc.strerror or exc})"
                         ) from None


def main(args: argparse.Namespace) -> int:
    """Run the experiment with the parsed ``args``; print tables (or JSON); 0 on success."""
    if args.no_cache and args.cache_dir is not None:
        raise UsageError(f"--no-cache contradicts --cache-dir {args.cache_dir}; give one of "
                         f"them")
    figure = resolve_figure(args, FIGURE)
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")
    if not args.no_cache:
        from algorithms.learned.training import cache_dir

        shown = (f"--cache-dir {args.cache_dir}" if args.cache_dir is not None else
                 f"cache folder {cache_dir(None)} (set it with --cache-dir)")
        check_cache_folder(cache_dir(args.cache_dir), shown)
    from rich.console import Console

    from theorems.tradeoff.harness import TradeoffConfig, enable_compilation_cache, run
    from theorems.tradeoff.report import plot, render, to_json

    cfg = TradeoffConfig.quick() if args.quick else TradeoffConfig()
    if not args.no_cache:
        enable_compilation_cache(args.cache_dir)
    stages_total = 4 + len(cfg.etas) * 5 + 5
    with Stages("tradeoff", stages_total) as stages:
        result = run(cfg, cache=args.cache_dir, use_cache=not args.no_cache, progress=stages)
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, Console(width=None if sys.stdout.isatty() else 160))
    if figure is not None:
        path = plot(result, str(figure))
        Console(stderr=True).print(f"figure written to {path}", highlight=False)
    return 0


COMMANDS = (
    Command("tradeoff", "the stability-accuracy trade-off: AUTOMAP, U-nets and FIRENET under "
            "worst-case perturbations, and FIRENET layers that stabilise AUTOMAP",
            add_arguments, main, order=40),
)
