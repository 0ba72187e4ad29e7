"""Deprecated path: this module moved to :mod:`algorithms.paradox_algorithms` (removed in 0.3)."""

from algorithms._compat import moved

__getattr__ = moved(__name__, "algorithms.paradox_algorithms")
