"""FIRENET's theorem made visible: exponential convergence, a precision floor, stability.

Modules: ``records`` (the result records), ``restarts`` (set-up, certified error against
restarts, rate fits), ``perturbations`` (stability against a trained LISTA), ``sharpness``
(rNSPL constants and the prescriptions for ``lam`` and ``p``), ``harness`` (:func:`run` ->
:class:`ConvergenceResult`), ``report`` (tables, JSON, figure), ``cli``
(``python -m theorems convergence``).  The write-up is ``CONVERGENCE.md`` beside them.
"""

from algorithms._compat import moved
from theorems.convergence.harness import run
from theorems.convergence.perturbations import stability_experiment
from theorems.convergence.records import (
    LEVEL,
    NU,
    ConvergenceResult,
    ConvergenceRun,
    RateFit,
    RestartPoint,
    Setup,
    SharpnessResult,
    SharpnessRow,
    StabilityRow,
)
from theorems.convergence.restarts import convergence_runs, fit_rate, prepare
from theorems.convergence.sharpness import sharpness_experiment

__all__ = [
    "LEVEL", "NU", "ConvergenceResult", "ConvergenceRun", "RateFit", "RestartPoint", "Setup",
    "SharpnessResult", "SharpnessRow", "StabilityRow", "convergence_runs", "fit_rate",
    "prepare", "run", "sharpness_experiment", "stability_experiment",
]

# names that lived in the one-module theorems.convergence of 0.1 and moved to cli
__getattr__ = moved("theorems.convergence", {
    "add_arguments": "theorems.convergence.cli", "main": "theorems.convergence.cli",
})
