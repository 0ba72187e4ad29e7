"""``python -m theorems warpd``: WARPd's linear convergence on five problems."""

from __future__ import annotations

import argparse

from theorems.commands import Command, add_output_options

__all__ = ["COMMANDS", "add_arguments", "main"]

PROBLEMS = ("sparse", "tv", "tv-exact", "completion", "lowrank", "mixed", "noise-floor")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems warpd``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "WARPd (SPEC section 8): restarted primal-dual on five problems (sparse recovery, TV\n"
        "(and 2b: TV without noise; TV problems measured against an independent ADMM solver),\n"
        "matrix completion, low-rank recovery, TV + wavelet): error against total steps for\n"
        "WARPd, the un-restarted method (ergodic and last iterate) and FISTA; fitted rates;\n"
        "sharpness constants; problem 1 certified in Ball-256 down to 1e-40.\n\n"
        "noise-floor: why the noisy problems (2, 5) do not reach 1e-6.  With eps > 0 the\n"
        "objective grows only quadratically along the data ball, so approximate sharpness at\n"
        "the minimiser holds only with an additive c >= c_min(C1) > 0 and WARPd stalls.  Shown\n"
        "on noisy basis pursuit with a minimiser certified in ball arithmetic: the growth\n"
        "exponent (2), c_min(C1), and WARPd's floor for C1 = 3 .. 300.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and budgets (under 30 s; what the tests run)")
    parser.add_argument("--full", action="store_true",
                        help="TV problems 2 and 5 with 2.4x the budget and ADMM references of "
                        "up to 20000 steps (about 15 minutes)")
    parser.add_argument("--problems", nargs="+", choices=PROBLEMS, default=None,
                        help="run only these problems (default: all)")
    parser.add_argument("--no-certified", action="store_true",
                        help="skip the Ball-256 run of problem 1")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_options(parser, "warpd.png")


def main(args: argparse.Namespace) -> int:
    """Run the experiment; print tables (or JSON); write the figure if asked; 0 on success."""
    import json

    from theorems.commands import Console, Stages, UsageError, blas_threads, resolve_figure

    if args.quick and args.full:
        raise UsageError("--quick and --full contradict each other; give one of them")
    figure = resolve_figure(args, "warpd.png")
    from theorems.warpd.harness import run
    from theorems.warpd.report import plot, render, to_json

    console = Console()
    stages_total = None if args.problems else 35 if args.quick else 47 if args.full else 44
    with blas_threads(None), Stages("warpd", stages_total) as stages:
        only = tuple(args.problems) if args.problems else None
        result = run(quick=args.quick, full=args.full, only=only,
                     certified=not args.no_certified, progress=stages)
    if args.json:
        print(json.dumps(to_json(result), indent=1))
    else:
        render(result, console)
    if figure is not None:
        plot(result, figure)
        if not args.json:
            console.print(f"figure written to {figure}")
    return 0


COMMANDS = (
    Command("warpd", "WARPd's linear convergence on five problems against the un-restarted "
            "method and FISTA, sharpness constants, a certified Ball-256 run",
            add_arguments, main, order=40),
)
