"""WARPd: the restarted primal-dual engine (SPEC section 8) and the restart driver it shares with
FIRENET (``run_restarts``); see engine.py."""

from algorithms.solvers.warpd.engine import (
    NU,
    RestartOutput,
    RestartPlan,
    RestartRecord,
    WarpdProblem,
    WarpdResult,
    WarpdSchedule,
    inner_steps,
    primal_dual,
    run_plans,
    run_restarts,
    schedule,
    step_sizes,
    warpd,
    warpd_sr,
)
from algorithms.solvers.warpd.network import warpd_network

__all__ = [
    "NU",
    "RestartOutput",
    "RestartPlan",
    "RestartRecord",
    "WarpdProblem",
    "WarpdResult",
    "WarpdSchedule",
    "inner_steps",
    "primal_dual",
    "run_plans",
    "run_restarts",
    "schedule",
    "step_sizes",
    "warpd",
    "warpd_sr",
    "warpd_network",
]
