"""Transcripts: what a run asked, what it was told, and how it ended; and the consistency check.

A deterministic algorithm that learns about a problem only through the oracle is a function of
its transcript: its ``i``-th query is a function of the answers ``1..i-1``, and its output (or
its decision to stop) is a function of all of them.  So for two runs ``r, s`` of the SAME
algorithm (same pickle; for a randomized algorithm the same seed):

* if the queries differ at position ``i`` while the answers ``1..i-1`` were identical, or one
  run stopped where the other went on asking, the algorithm used something besides the oracle
  (``"diverged"``);
* if the queries and answers are identical throughout and the outputs differ (two different
  networks, or a network in one run and an exception in the other), it is inconsistent
  (``"inconsistent"``).

Zero reads is a transcript like any other: two runs that read nothing must return the same
network.  Runs stopped by a limit (time, memory, message size) are compared only on the queries
they made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Query", "Transcript", "Finding", "compare", "check"]

Query = tuple  # ("matrix", None, n) or ("sample", k, n)


def _describe(query: Query) -> str:
    kind, k, n = query
    return f"A_{n}" if kind == "matrix" else f"y_({k},{n})"


@dataclass(frozen=True)
class Transcript:
    """``entries``: ``((kind, k, n), answer digest)`` per query, in order (a refused query has
    ``"refused: <error>"`` as its answer); ``end``: ``"network"`` (``output`` is the network's
    digest), ``"raised"`` (``output`` is the exception's type name) or ``"limit"`` (stopped by
    the harness: ``output`` is the reason)."""

    entries: tuple[tuple[Query, str], ...]
    end: str
    output: str

    @property
    def reads(self) -> int:
        return len(self.entries)

    def summary(self) -> str:
        queries = ", ".join(_describe(q) for q, _ in self.entries[:6])
        more = f", ... ({len(self.entries)} queries)" if len(self.entries) > 6 else ""
        return f"[{queries}{more}] -> {self.end}"


@dataclass(frozen=True)
class Finding:
    """A violation of consistency between two runs (``kind``: ``"diverged"`` or
    ``"inconsistent"``), with a sentence that says where."""

    kind: str
    first: str
    second: str
    message: str


def compare(a: Transcript, b: Transcript, label_a: str = "run 1", label_b: str = "run 2"
            ) -> Finding | None:
    """The consistency verdict on two runs of one deterministic algorithm (None: no violation)."""
    for i, ((qa, ans_a), (qb, ans_b)) in enumerate(zip(a.entries, b.entries, strict=False)):
        if qa != qb:
            return Finding("diverged", label_a, label_b,
                           f"after {i} identical answer{'s' if i != 1 else ''} it asked "
                           f"{_describe(qa)} on {label_a} but {_describe(qb)} on {label_b}: "
                           f"its queries depend on something besides the oracle's answers")
        if ans_a != ans_b:
            return None  # told apart by the data: no constraint from here on
    if "limit" in (a.end, b.end):
        return None
    la, lb = len(a.entries), len(b.entries)
    if la != lb:
        short, long_ = (label_a, label_b) if la < lb else (label_b, label_a)
        n = min(la, lb)
        return Finding("diverged", label_a, label_b,
                       f"after {n} identical answer{'s' if n != 1 else ''} it stopped on "
                       f"{short} but asked again on {long_}: it used something besides the "
                       f"oracle")
    if (a.end, a.output) != (b.end, b.output):
        what = {"network": "a network", "raised": "an exception"}
        outs = ("different networks" if a.end == b.end == "network" else
                f"{what[a.end]} ({a.output if a.end == 'raised' else 'returned'}) on {label_a} "
                f"and {what[b.end]} ({b.output if b.end == 'raised' else 'returned'}) on "
                f"{label_b}")
        return Finding("inconsistent", label_a, label_b,
                       f"identical transcripts ({la} quer{'y' if la == 1 else 'ies'}, identical "
                       f"answers) on {label_a} and {label_b} but {outs}: its output depends on "
                       f"something besides the oracle's answers")
    return None


def check(runs: Sequence[tuple[str, Transcript]]) -> list[Finding]:
    """Every pairwise violation among ``runs`` (``(label, transcript)``), first ones first."""
    findings = []
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            f = compare(runs[i][1], runs[j][1], runs[i][0], runs[j][0])
            if f is not None:
                findings.append(f)
    return findings
