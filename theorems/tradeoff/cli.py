"""``python -m theorems tradeoff``: trained networks against FIRENET under worst-case
perturbations (SPEC section 11).  Flags and paths are checked before anything is computed;
stages go to stderr (:class:`theorems.commands.Stages`), so ``--json`` keeps stdout clean."""

from __future__ import annotations

import argparse
import json
import sys

from theorems.commands import Command, Stages, add_output_options, resolve_figure

__all__ = ["COMMANDS", "add_arguments", "main", "FIGURE"]

FIGURE = "tradeoff.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="32 x 32 images, short training, fewer perturbation sizes (tests)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help="where trained weights are cached (default: $SMALE18_CACHE, else "
                             "$XDG_CACHE_HOME/smale18, else ~/.cache/smale18)")
    parser.add_argument("--no-cache", action="store_true",
                        help="train from scratch and store nothing (neither weights nor "
                             "compiled programs)")
    add_output_options(parser, FIGURE)


def main(args: argparse.Namespace) -> int:
    figure = resolve_figure(args, FIGURE)
    import os

    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")
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
