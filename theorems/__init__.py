"""``theorems``: the layer that holds the truth.  Exact instance classes, exact solution sets,
certified errors, and one package per experiment (``paradox``, ``table1``, ``convergence``).

The main names are available at the top, imported on first use (so ``import theorems`` and
``python -m theorems --help`` stay fast)::

    from theorems import challenge, paradox, Omega

    result = challenge(my_algorithm)    # Theorem 1's experiments on YOUR algorithm
    result = paradox.run("P3", 3)       # the full panel

``my_algorithm`` is any object with a ``name`` and ``train(oracle) -> network``: see the README
section "Bring your own algorithm" and ``examples/byo_algorithm.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algorithms._compat import lazy_exports

#: the experiment packages, importable as attributes (``theorems.paradox.run(...)``)
_SUBPACKAGES = ("paradox", "table1", "convergence", "instances")

#: public name -> the module that defines it (imported lazily by :func:`__getattr__`)
_EXPORTS: dict[str, str] = {
    "challenge": "theorems.paradox.harness",
    "ParadoxResult": "theorems.paradox.harness",
    "Omega": "theorems.instances.omega",
    "Member": "theorems.instances.gadget",
    "problem": "theorems.instances.problems",
    "P1": "theorems.instances.problems",
    "P2": "theorems.instances.problems",
    "P3": "theorems.instances.problems",
    "solution_set": "theorems.instances.solutions",
    "Enclosure": "theorems.instances.distance",
    "correct_to_digits": "theorems.instances.distance",
    "TheoremError": "theorems.errors",
}

__all__ = [
    "convergence",
    "instances",
    "paradox",
    "table1",
    "Enclosure",
    "Member",
    "Omega",
    "P1",
    "P2",
    "P3",
    "ParadoxResult",
    "TheoremError",
    "challenge",
    "correct_to_digits",
    "problem",
    "solution_set",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from theorems import convergence, instances, paradox, table1
    from theorems.errors import TheoremError
    from theorems.instances.distance import Enclosure, correct_to_digits
    from theorems.instances.gadget import Member
    from theorems.instances.omega import Omega
    from theorems.instances.problems import P1, P2, P3, problem
    from theorems.instances.solutions import solution_set
    from theorems.paradox.harness import ParadoxResult, challenge

    __version__: str


__getattr__ = lazy_exports("theorems", globals(), _EXPORTS, _SUBPACKAGES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
