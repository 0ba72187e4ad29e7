"""``python -m theorems imaging``: FIRENET on subsampled Fourier and Walsh images.

Flags and output paths are checked before anything is computed; stages are reported on stderr
(:class:`theorems.commands.Stages`), so ``--json`` keeps stdout clean.  Part (a)'s figure is
the figure file; part (b)'s is written beside it as ``<stem>_certified<suffix>``.
"""

from __future__ import annotations

import argparse

from theorems.commands import (
    Command,
    Stages,
    UsageError,
    add_output_options,
    bounded_int,
    nonnegative_int,
    resolve_figure,
)

__all__ = ["COMMANDS", "add_arguments", "main", "FIGURE", "DEFAULTS"]

#: default figure name inside --out-dir
FIGURE = "imaging.png"

SIZES = (64, 128, 256, 512)

#: what part (a) and (b) use without --quick (flags left unset on the command line)
DEFAULTS = {"size": 256, "prec": 256, "restarts_b": 150}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems imaging``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "FIRENET on images (SPEC section 10), y = P_Omega U W^-1 x + e:\n"
        "  (a) the paper's set-up in float64: Fourier and Walsh sampling, Haar and db2,\n"
        "      15% multilevel (DAS) sampling, 2% noise, lam = 2.5e-4, p = 5, 16 restarts;\n"
        "      error to the truth and to the SR-LASSO minimiser against restarts, PSNR, SSIM;\n"
        "  (b) beyond float64: a 64x64 noise-free image exactly sparse in levels, Walsh-Haar\n"
        "      and Fourier-Haar, certified FIRENET in Ball arithmetic.\n"
        "Progress goes to stderr (a bar in a terminal, one line per stage otherwise).\n"
        "Time on the project's 2-core machine: (a) about 15 s at 256x256, (b) about 2.5 min;\n"
        "--quick: a few seconds.")
    parser.add_argument("--size", type=int, choices=SIZES, default=None,
                        help="image side of part (a) (default 256; not with --part b)")
    parser.add_argument("--image", default="ellipses",
                        choices=("ellipses", "textured", "detail", "shepp_logan", "camera"),
                        help="test image of part (a) (default ellipses; none is downloaded)")
    parser.add_argument("--prec", type=int, choices=(128, 256, 512), default=None,
                        help="ball precision of part (b) in bits (default 256; not with --part a)")
    parser.add_argument("--restarts-b", type=bounded_int(1, 1000), default=None,
                        help="restarts of part (b), 1..1000 (default 150: e^-150 < 1e-65; not "
                             "with --part a)")
    parser.add_argument("--seed", type=nonnegative_int, default=0,
                        help="image, mask and noise seed, an integer >= 0 (default 0)")
    parser.add_argument("--part", choices=("a", "b", "both"), default="both",
                        help="which part to run (default both)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes for tests: (a) 32x32, 4 restarts; (b) 16x16, Ball(128),"
                             " 12 restarts (so not with --size, --prec or --restarts-b)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_options(parser, FIGURE)


def main(args: argparse.Namespace) -> int:
    """Run the experiment with the parsed ``args``; print tables (or JSON); 0 on success."""
    given = [f"--{name.replace('_', '-')} {getattr(args, name)}" for name in DEFAULTS
             if getattr(args, name, None) is not None]
    if args.quick and given:
        raise UsageError(f"--quick fixes the sizes; it contradicts {', '.join(given)}")
    unused = {"a": ("prec", "restarts_b"), "b": ("size",)}.get(args.part, ())
    ignored = [f"--{name.replace('_', '-')} {getattr(args, name)}" for name in unused
               if getattr(args, name, None) is not None]
    if ignored:
        other = "b" if args.part == "a" else "a"
        raise UsageError(f"--part {args.part} contradicts {', '.join(ignored)} (a setting of "
                         f"part ({other}), which --part {args.part} does not run)")
    for name, value in DEFAULTS.items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    figure = resolve_figure(args, FIGURE)

    import json
    import sys

    from rich.console import Console

    from theorems.imaging.harness import run_certified, run_float
    from theorems.imaging.report import plot, render, to_json

    width = None if sys.stdout.isatty() else 140
    console = Console(width=width)
    do_a, do_b = args.part in ("a", "both"), args.part in ("b", "both")
    total = (4 * 2 if do_a else 0) + (2 * 3 if do_b else 0)
    a = b = None
    with Stages("imaging", total) as stages:
        if do_a:
            if args.quick:
                a = run_float(size=32, image=args.image, restarts=4, curve=8, extra=4,
                              seed=args.seed, progress=stages)
            else:
                a = run_float(size=args.size, image=args.image, seed=args.seed,
                              progress=stages)
        if do_b:
            if args.quick:
                b = run_certified(size=16, prec=128, restarts=12, per_level=(2, 2, 3),
                                  rate=0.5, seed=args.seed, progress=stages)
            else:
                b = run_certified(prec=args.prec, restarts=args.restarts_b, seed=args.seed,
                                  progress=stages)
    if args.json:
        print(json.dumps(to_json(a, b), indent=2))
    else:
        render(a, b, console)
    if figure is not None:
        for path in plot(a, b, figure):
            Console(stderr=True).print(f"figure written to {path}", highlight=False)
    return 0


COMMANDS = (
    Command("imaging", "FIRENET on subsampled Fourier and Walsh images: the paper's float64 "
            "set-up, and certified runs far below float64", add_arguments, main, order=40),
)
