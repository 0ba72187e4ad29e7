"""Errors of the sealed runs (each subclasses the builtin it refines)."""

from __future__ import annotations

from theorems.errors import InvalidArgument, TheoremError

__all__ = ["SealedError", "ProtocolError", "ChildStartError", "InvalidArgument"]


class SealedError(TheoremError):
    """Base class of the errors of :mod:`theorems.sealed`."""


class ProtocolError(SealedError, ValueError):
    """A child sent something that is not a message of the protocol (or an invalid network)."""


class ChildStartError(SealedError, RuntimeError):
    """The process that starts sealed runs could not be started or loaded an algorithm."""
