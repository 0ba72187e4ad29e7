"""The paradox experiment: Theorem 1 of Colbrook-Antun-Hansen measured on the class Omega.

``harness`` runs parts (a)-(c) and returns a :class:`ParadoxResult`; ``report`` turns one into
tables, JSON and a figure; ``cli`` is ``python -m theorems paradox`` and ``demo``.
"""

from theorems.paradox.harness import (
    DEFAULT_VALUES,
    AlgorithmSummary,
    MemberRun,
    ParadoxResult,
    build_class,
    challenge,
    default_panel,
    run,
)

__all__ = [
    "DEFAULT_VALUES",
    "AlgorithmSummary",
    "MemberRun",
    "ParadoxResult",
    "build_class",
    "challenge",
    "default_panel",
    "run",
]
