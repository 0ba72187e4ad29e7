"""Limits of one sealed run: wall-clock time, memory, message size."""

from __future__ import annotations

from dataclasses import dataclass

from theorems.errors import InvalidArgument, InvalidType

__all__ = ["Limits", "ISOLATIONS"]

#: ``"process"``: every ``train`` runs in a sealed child process (the default);
#: ``"none"``: in this process, for debugging only (no limits, no seal; reports say so)
ISOLATIONS = ("process", "none")


@dataclass(frozen=True)
class Limits:
    """What one ``train(oracle)`` run may use.

    ``seconds``: wall-clock time of the CHILD (time the parent spends answering its queries
    is not counted); ``memory``: bytes of address space the child may add to what it had when
    the run started (``RLIMIT_AS``; enforced on Linux, not by macOS); ``message_bytes``: the
    largest single message (a query, or the network) the parent accepts; ``network_entries``:
    the largest evaluation cost of a returned network, counted as the entries of every dense
    matrix each layer applies (a matrix shared by L layers counts L times) plus the lengths of
    its identity terms and outputs (:func:`theorems.sealed.runner.network_cost`).  The parent
    evaluates the network itself, at every sample, so a small message naming one large matrix
    in many layers would otherwise stall it for hours; the default panel's networks cost at
    most about ``2 * 10^4`` (WARPd at ``N = 16``), and ``Ball(256)`` evaluates about ``2 * 10^7``
    entries a second.  A run that exceeds any limit is recorded as "no answer", with the reason.
    """

    seconds: float = 60.0
    memory: int = 2 << 30
    message_bytes: int = 256 << 20
    network_entries: int = 10**7

    def __post_init__(self) -> None:
        for name in ("seconds", "memory", "message_bytes", "network_entries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidType(f"{name}={value!r} must be a number")
            if not 0 < value < float("inf"):
                raise InvalidArgument(f"{name}={value!r} must be > 0 and finite")
        if self.memory < (16 << 20):
            raise InvalidArgument(f"memory={self.memory} must be at least 16 MiB")
