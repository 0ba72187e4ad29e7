"""The convergence experiment's records: restart points, rate fits, runs, stability and
sharpness rows, the prepared set-up and the whole result (plain frozen data; the report
formats them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gmpy2

from theorems._display import Displayable
from theorems.instances.certificates import RecoveryCertificate, RNSPLEstimate
from theorems.instances.levels import LevelsInstance

__all__ = [
    "NU",
    "LEVEL",
    "Progress",
    "say",
    "RestartPoint",
    "RateFit",
    "ConvergenceRun",
    "StabilityRow",
    "SharpnessRow",
    "SharpnessResult",
    "Setup",
    "ConvergenceResult",
]

NU = math.exp(-1)
#: data level read from the oracle; the instances are dyadic, so this level serves them exactly
LEVEL = 400

Progress = Callable[[str], object] | None


def say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)


# =============================================================================== records
@dataclass(frozen=True)
class RestartPoint:
    """One restart: ``restart`` ``k``, network ``depth`` ``3 k p + 1``, schedule ``e_k`` and the
    certified ``lower <= ||psi_k - x||_2 <= upper`` (exact rationals)."""

    restart: int
    depth: int
    e_k: gmpy2.mpq
    lower: gmpy2.mpq
    upper: gmpy2.mpq


@dataclass(frozen=True)
class RateFit:
    """Fitted factor per restart over restarts ``first..last`` (``None`` if fewer than three
    points qualify)."""

    rate: float | None
    first: int | None
    last: int | None

    @property
    def ratio(self) -> float | None:
        """``rate / e^-1`` (1 means the error follows the schedule exactly)."""
        return None if self.rate is None else self.rate / NU


@dataclass(frozen=True)
class ConvergenceRun:
    """Error against restarts for one context.

    ``context``: context name (``"float64"``, ``"ball-256"``); ``role``: ``"main"``
    (noiseless, ``delta = 0``), ``"noise floor"`` or ``"delta floor"``; ``label``: the data;
    ``noise``: upper bound of ``||e||``; ``delta``; ``points``; ``fit``; ``floor``: the
    smallest upper bound reached; ``working_prec``: bits of the midpoint iteration (Ball) or
    53; ``certified``: whether ``upper`` bounds the EXACT network's error (Ball), or the error
    of the computed float vector (float64); ``seconds``.
    """

    context: str
    role: str
    label: str
    noise: gmpy2.mpq
    delta: gmpy2.mpq
    points: tuple[RestartPoint, ...] = field(repr=False)
    fit: RateFit
    floor: gmpy2.mpq
    working_prec: int
    certified: str
    seconds: float


@dataclass(frozen=True)
class StabilityRow:
    """One network at one perturbation size ``eta`` over the same inputs.

    ``amplification``: largest ``||phi(y+e) - phi(y)|| / eta`` found (float64);
    ``certified``: certified lower bound of it from the Ball re-evaluation of the worst
    witness; ``lipschitz``: the network's Lipschitz bound and ``bound_kind`` (``"rigorous"`` or
    ``"estimate"``); ``test_error``: mean relative error ``||phi(y) - x|| / ||x||`` on the
    inputs; ``perturbed_error``: certified upper bound of ``||phi(y + e) - x|| / ||x||`` at the
    worst witness (accuracy under the worst perturbation found); ``below_bound``:
    ``amplification <= lipschitz``.
    """

    network: str
    eta: gmpy2.mpq
    depth: int
    inputs: int
    amplification: float
    certified: gmpy2.mpq
    lipschitz: gmpy2.mpq
    bound_kind: str
    test_error: float
    perturbed_error: float
    below_bound: bool
    seconds: float


@dataclass(frozen=True)
class SharpnessRow:
    """FIRENET on the small instance with ``p_inner`` steps per restart (float64).

    ``errors``: exact ``||psi_k - x||`` of the float output per restart; ``fit``;
    ``guarantee``: for ``p_inner >= p_x`` whether every error is below our bound
    ``c e_k`` (``None`` when ``p_inner < p_x``: no guarantee claimed).
    """

    p_inner: int
    role: str
    errors: tuple[gmpy2.mpq, ...] = field(repr=False)
    fit: RateFit
    final: gmpy2.mpq
    guarantee: bool | None


@dataclass(frozen=True)
class SharpnessResult:
    """The sharpness section: rNSPL estimate, instance certificate, prescriptions, runs."""

    instance: dict[str, Any]
    rnspl: RNSPLEstimate
    lam: gmpy2.mpq
    lam_source: str
    lam_max: gmpy2.mpq
    C_x: gmpy2.mpq
    Lambda: gmpy2.mpq
    p_x: int
    c: gmpy2.mpq
    n_outer: int
    rows: tuple[SharpnessRow, ...]


@dataclass(frozen=True)
class Setup:
    """FIRENET settings for one instance, derived from its exact certificate.

    ``lam``: the ``lam`` minimising ``C_x``; ``tau = sigma = step / L``; ``Lambda``: upper bound
    of ``lambda_max(M)``; ``p_x = ceil(e C_x Lambda)`` (sufficient for our guarantee);
    ``c = C_x Lambda / (2L)`` (the guaranteed ``||psi_k - x|| <= c e_k`` when ``p >= p_x``).
    """

    instance: LevelsInstance = field(repr=False)
    certificate: RecoveryCertificate
    lam: gmpy2.mpq
    C_x: gmpy2.mpq
    L: gmpy2.mpq
    tau: gmpy2.mpq
    Lambda: gmpy2.mpq
    p_x: int
    c: gmpy2.mpq


@dataclass(frozen=True, repr=False)
class ConvergenceResult(Displayable):
    """Everything :func:`run` measured (plain records; formatting is in
    :mod:`theorems.convergence.report`).  At a prompt it shows one line; ``summary()`` prints
    the tables and ``_repr_html_`` shows them in a notebook."""

    instance: dict[str, Any]
    firenet: dict[str, Any]
    setup: Setup = field(repr=False)
    runs: tuple[ConvergenceRun, ...]
    stability: tuple[StabilityRow, ...]
    sharpness: SharpnessResult | None
    targets: dict[str, Any]
    seconds: float

    _report_module = "theorems.convergence.report"

    def _headline(self) -> str:
        # mpfr, not float: a bound below 1e-308 (Ball at 2048 bits) must not print as 0
        best = {r.context: gmpy2.mpfr(r.floor, 64) for r in self.runs if r.role == "main"}
        shown = ", ".join(f"{k} {format(v, '.2g')}" for k, v in best.items())
        shown = f"best certified bound: {shown}" if best else "no noiseless run"
        return (f"{len(self.runs)} runs ({shown}), "
                f"{len(self.stability)} stability rows, "
                f"sharpness {'yes' if self.sharpness is not None else 'no'}, "
                f"{self.seconds:.1f} s")


