"""The paradox experiment: Theorem 1 of Colbrook-Antun-Hansen measured on the class Omega.

``harness`` runs parts (a)-(c) and returns a :class:`ParadoxResult`; ``report`` turns one into
tables and JSON, ``figure`` into the error-against-reads figure; ``cli`` is
``python -m theorems paradox`` and ``demo``.  Every algorithm runs sealed (:mod:`theorems.sealed`).
"""

from theorems.paradox.harness import (
    DEFAULT_VALUES,
    AlgorithmSummary,
    MemberRun,
    ParadoxResult,
    RandomizedLevel,
    RandomizedTable,
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
    "RandomizedLevel",
    "RandomizedTable",
    "build_class",
    "challenge",
    "default_panel",
    "run",
]
