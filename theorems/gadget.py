"""Deprecated path: this module moved to :mod:`theorems.instances.gadget` (removed in 0.3)."""

from algorithms._compat import moved

__getattr__ = moved(__name__, "theorems.instances.gadget")
