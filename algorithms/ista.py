"""Deprecated path: this module moved to :mod:`algorithms.solvers.ista` (removed in 0.3)."""

from algorithms._compat import moved

__getattr__ = moved(__name__, "algorithms.solvers.ista")
