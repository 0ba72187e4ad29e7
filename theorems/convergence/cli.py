"""``python -m theorems convergence``: FIRENET's exponential convergence, certified."""

from __future__ import annotations

import argparse

from theorems.commands import Command, positive_int

__all__ = ["COMMANDS", "add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems convergence``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "FIRENET's theorem made visible (SPEC section 7).  On exact data sparse in levels:\n"
        "  - certified error against restarts in float64 and in balls at 128/256/512 bits,\n"
        "    the fitted rate per restart (the schedule's is e^-1) and the floors;\n"
        "  - worst-case amplification of input perturbations for FIRENET and a trained LISTA,\n"
        "    against FIRENET's rigorous Lipschitz bound;\n"
        "  - rNSPL constants, the prescribed lam and p, and runs with p below/above them.")
    parser.add_argument("--restarts", type=positive_int, default=200,
                        help="restarts n of the convergence runs (default 200)")
    parser.add_argument("--p-inner", type=positive_int, default=30,
                        help="primal-dual steps per restart (default 30)")
    parser.add_argument("--precisions", type=positive_int, nargs="+", default=[128, 256, 512],
                        help="ball precisions in bits (default 128 256 512)")
    parser.add_argument("--seed", type=int, default=3, help="instance seed (default 3)")
    parser.add_argument("--no-floors", action="store_true", help="skip the noise/delta runs")
    parser.add_argument("--no-stability", action="store_true", help="skip the stability part")
    parser.add_argument("--no-sharpness", action="store_true", help="skip the sharpness part")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", metavar="FILE", help="save the error-vs-restarts figure")


def main(args: argparse.Namespace) -> int:
    """Run the experiment with the parsed ``args``; print tables (or JSON); 0 on success."""
    import json
    import sys

    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from theorems.convergence.harness import run
    from theorems.convergence.report import plot, render, to_json
    from theorems.errors import ConditionError
    from theorems.instances.levels import default_instance

    width = None if sys.stdout.isatty() else 140
    console = Console(width=width)
    try:
        inst = default_instance(seed=args.seed)
        with Bar(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                 console=Console(stderr=True), transient=True,
                 disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("convergence", total=None)
            result = run(inst, n_outer=args.restarts, p_inner=args.p_inner,
                         precisions=tuple(args.precisions), floors=not args.no_floors,
                         stability=not args.no_stability, sharpness=not args.no_sharpness,
                         progress=lambda msg: bar.update(task, description=msg))
    except ConditionError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, console)
    if args.plot:
        plot(result, args.plot)
        if not args.json:
            console.print(f"figure written to {args.plot}")
    return 0


COMMANDS = (
    Command("convergence", "FIRENET's exponential convergence in certified arithmetic, its "
            "stability against LISTA, and the sharpness constants", add_arguments, main,
            order=30),
)
