"""WARPd: the restarted primal-dual engine (SPEC section 8); see engine.py."""

from algorithms.solvers.warpd.engine import (
    NU,
    RestartRecord,
    WarpdProblem,
    WarpdResult,
    WarpdSchedule,
    inner_steps,
    primal_dual,
    schedule,
    step_sizes,
    warpd,
    warpd_sr,
)
from algorithms.solvers.warpd.network import warpd_network

__all__ = [
    "NU",
    "RestartRecord",
    "WarpdProblem",
    "WarpdResult",
    "WarpdSchedule",
    "inner_steps",
    "primal_dual",
    "schedule",
    "step_sizes",
    "warpd",
    "warpd_sr",
    "warpd_network",
]
