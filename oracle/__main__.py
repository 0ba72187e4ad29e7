"""``python -m oracle``: the oracle tour (see :mod:`oracle.tour`); ``--help`` for usage."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

#: the deepest level the tour accepts (it prints every served entry)
TOUR_MAX_LEVEL = 4096


def _level(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= TOUR_MAX_LEVEL:
        raise argparse.ArgumentTypeError(f"{value} is not in 0..{TOUR_MAX_LEVEL}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m oracle``."""
    return argparse.ArgumentParser(
        prog="python -m oracle",
        description=(
            "The oracle tour: a 3 x 4 problem with irrational entries (rows of the orthonormal "
            "DCT-II, one scaled by sqrt(2)*10^3/3) and one sample (1, pi, e), served as "
            "certified dyadic rationals at a few levels n, each with its certified error bound "
            "||A_n - A||_2 <= 2^-n, followed by the read log an algorithm leaves behind."
        ),
        epilog="Algorithms in this testbed see a problem only through such answers.",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the tour; returns the exit status."""
    parser = build_parser()
    parser.add_argument(
        "--levels", type=_level, nargs="+", default=[1, 10, 100], metavar="N",
        help=f"levels n to serve (0..{TOUR_MAX_LEVEL}; default: 1 10 100)",
    )
    args = parser.parse_args(argv)
    from oracle.tour import run_tour

    run_tour(levels=tuple(args.levels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
