"""``python -m theorems convergence``: FIRENET's exponential convergence, certified.

Flags and output paths are checked before anything is computed; stages are reported on stderr
(:class:`theorems.commands.Stages`), so ``--json`` keeps stdout clean.
"""

from __future__ import annotations

import argparse

from theorems.commands import (
    Command,
    Stages,
    add_output_options,
    bounded_int,
    check_range,
    nonnegative_int,
    resolve_figure,
)

__all__ = ["COMMANDS", "add_arguments", "main", "LIMITS", "FIGURE"]

#: default figure name inside --out-dir
FIGURE = "convergence.png"

#: what the implementation can serve: flag -> (low, high, why the limit)
LIMITS: dict[str, tuple[int, int, str]] = {
    "--restarts": (1, 2000, "the certified error is below 1e-79 after 185 restarts at 256 bits"),
    "--p-inner": (1, 1000, "primal-dual steps per restart"),
    "--precisions": (16, 4096, "ball precision in bits"),
    "precisions given": (1, 6, "at most 6 precisions"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m theorems convergence``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "FIRENET's theorem made visible (SPEC section 7).  On exact data sparse in levels:\n"
        "  - certified error against restarts in float64 and in balls at 128/256/512 bits,\n"
        "    the fitted rate per restart (the schedule's is e^-1) and the floors;\n"
        "  - worst-case amplification of input perturbations for FIRENET and a trained LISTA,\n"
        "    against FIRENET's rigorous Lipschitz bound;\n"
        "  - rNSPL constants, the prescribed lam and p, and runs with p below/above them.\n"
        "Progress goes to stderr (a bar in a terminal, one line per stage otherwise).\n"
        "Time with the defaults: about 30 s on the project's 2-core machine (one BLAS thread).")
    parser.epilog = "Ranges: " + "; ".join(
        f"{flag} {low}..{high}" for flag, (low, high, _w) in LIMITS.items()
        if flag.startswith("--")) + ".  Exit status 2 for a value outside them."
    parser.add_argument("--restarts", type=bounded_int(*LIMITS["--restarts"]), default=200,
                        help="restarts n of the convergence runs, 1..2000 (default 200)")
    parser.add_argument("--p-inner", type=bounded_int(*LIMITS["--p-inner"]), default=30,
                        help="primal-dual steps per restart, 1..1000 (default 30)")
    parser.add_argument("--precisions", type=bounded_int(*LIMITS["--precisions"]),
                        nargs="+", default=[128, 256, 512],
                        help="ball precisions in bits, each 16..4096, at most 6 "
                             "(default 128 256 512)")
    parser.add_argument("--seed", type=nonnegative_int, default=3,
                        help="instance seed, an integer >= 0 (default 3)")
    parser.add_argument("--no-floors", action="store_true", help="skip the noise/delta runs")
    parser.add_argument("--no-stability", action="store_true", help="skip the stability part")
    parser.add_argument("--no-sharpness", action="store_true", help="skip the sharpness part")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_options(parser, FIGURE)


def _stage_count(args: argparse.Namespace) -> int:
    """Progress messages of :func:`theorems.convergence.harness.run` (the sharpness part's
    count depends on the instance; 7 is its usual value)."""
    total = 1 + len(args.precisions)
    total += 0 if args.no_floors else 2
    total += 0 if args.no_stability else 2 + 2 * 3
    total += 0 if args.no_sharpness else 7
    return total


def main(args: argparse.Namespace) -> int:
    """Run the experiment with the parsed ``args``; print tables (or JSON); 0 on success."""
    low, high, why = LIMITS["precisions given"]
    check_range("--precisions: number of precisions", len(args.precisions), low, high, why)
    figure = resolve_figure(args, FIGURE)

    import json
    import sys

    from rich.console import Console

    from theorems.convergence.harness import run
    from theorems.convergence.report import plot, render, to_json
    from theorems.instances.levels import default_instance

    width = None if sys.stdout.isatty() else 140
    console = Console(width=width)
    inst = default_instance(seed=args.seed)
    with Stages("convergence", _stage_count(args)) as stages:
        result = run(inst, n_outer=args.restarts, p_inner=args.p_inner,
                     precisions=tuple(args.precisions), floors=not args.no_floors,
                     stability=not args.no_stability, sharpness=not args.no_sharpness,
                     progress=stages)
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        render(result, console)
    if figure is not None:
        plot(result, str(figure))
        Console(stderr=True).print(f"figure written to {figure}", highlight=False)
    return 0


COMMANDS = (
    Command("convergence", "FIRENET's exponential convergence in certified arithmetic, its "
            "stability against LISTA, and the sharpness constants", add_arguments, main,
            order=30),
)
