"""Sealed runs: every ``train(oracle)`` the harness makes runs in a process without exact data.

Modules: ``runner`` (the parent's side: :class:`SealedRunner`, :class:`InProcessRunner`,
outcomes and limits enforced), ``zygote`` (the exec'd process that forks one child per run from
a pristine copy of the algorithm), ``client`` (:class:`OracleClient`, the only oracle a child
has), ``protocol`` (messages as plain data, decoded without running the sender's code;
networks as data), ``transcripts`` (queries and answers of a run, and the consistency check),
``limits`` (:class:`Limits`), ``errors``.

See the README section "What the harness guarantees, and how" and DESIGN.md "Sealed
algorithms".
"""

from theorems.sealed.errors import ChildStartError, ProtocolError, SealedError
from theorems.sealed.limits import ISOLATIONS, Limits
from theorems.sealed.transcripts import Finding, Transcript, check, compare

__all__ = [
    "ISOLATIONS",
    "ChildStartError",
    "Finding",
    "Limits",
    "ProtocolError",
    "SealedError",
    "Transcript",
    "check",
    "compare",
]
