"""FIRENET (SPEC section 7): the restarted primal-dual iteration for the weighted
square-root LASSO, as a solver, as an explicit network, and as a training algorithm.

Every path runs through the restart driver shared with WARPd
(:func:`algorithms.solvers.warpd.engine.run_restarts`): FIRENET is WARPdSR with weighted l1 on
the plans of :func:`~algorithms.solvers.firenet.parameters.restart_plans` (the parameter map is
its docstring), each path a kernel for one restart.

Modules: ``parameters`` (validated parameters, schedule and restart plans, the shared weights;
``RestartRecord`` is the driver's),
``solve`` (:func:`firenet_solve`, the iteration in every context; the mathematics is in its
docstring), ``certified`` (the certified Ball iteration), ``operator`` (the same iteration on a
matrix-free :class:`~algorithms.operators.LinearOperator` and on complex data, with its
certified Ball iteration), ``network`` (:class:`FirenetNetwork`),
``training`` (:class:`FIRENET`, which reads ``A_level`` through an oracle).
"""

from algorithms.solvers.firenet.certified import default_guard_bits
from algorithms.solvers.firenet.network import FirenetNetwork, firenet_network
from algorithms.solvers.firenet.parameters import (
    NU,
    FirenetParameters,
    RestartRecord,
    firenet_parameters,
    norm2_upper,
)
from algorithms.solvers.firenet.solve import firenet_solve
from algorithms.solvers.firenet.training import FIRENET

__all__ = [
    "NU",
    "FirenetParameters",
    "RestartRecord",
    "firenet_parameters",
    "firenet_solve",
    "firenet_network",
    "FirenetNetwork",
    "FIRENET",
    "default_guard_bits",
    "norm2_upper",
]
