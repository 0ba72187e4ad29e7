"""Exceptions raised by :mod:`theorems.sweep`.

Every message names the parameter (or file, or cell), the rule it broke and the value it had,
for example ``grid file phase.toml: axis 'K' must be a non-empty list, got 3``.
"""

from __future__ import annotations

from theorems.errors import InvalidArgument, TheoremError

__all__ = ["SweepError", "GridError", "StoreError", "ExecutorError"]


class SweepError(TheoremError):
    """Base class of every error raised by :mod:`theorems.sweep`."""


class GridError(SweepError, InvalidArgument):
    """A grid declaration (TOML file or ``--param`` value) that cannot be turned into cells:
    unknown experiment, unknown or repeated parameter, empty axis, unreadable value."""


class StoreError(SweepError, RuntimeError):
    """The results store cannot be opened or does not hold what a command expects (not a
    sweep database, a schema of another version, an unknown cell)."""


class ExecutorError(SweepError, RuntimeError):
    """An executor cannot be started (unknown name, Dask missing, scheduler unreachable)."""
