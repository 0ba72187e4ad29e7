"""The paradox experiment's records: one run on one member, an algorithm's summary, the
randomized tables and the whole :class:`ParadoxResult` (plain data; :mod:`theorems.paradox.report`
and :mod:`theorems.paradox.figure` format them).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import gmpy2

from theorems.instances.distance import Enclosure, correct_to_digits
from theorems.sealed.limits import Limits
from theorems.sealed.transcripts import Transcript

__all__ = [
    "KINDS",
    "MemberRun",
    "AlgorithmSummary",
    "RandomizedLevel",
    "RandomizedTable",
    "ParadoxResult",
]


#: what an :class:`AlgorithmSummary`'s ``kind`` means (the JSON's ``kind`` field)
KINDS = {"theorem": "the theorem's algorithm", "solver": "multiprecision solver network",
         "user": "user algorithm"}


# ============================================================================ records
@dataclass(frozen=True)
class MemberRun:
    """One algorithm run on one member: what it read and how far its output is.

    ``no_answer`` is empty when a network came back, else the reason (the run then counts as
    a failure at every digit level and its ``error`` is a placeholder).  ``budget_exceeded``:
    the oracle refused a read for its budget.  ``transcript``: the run's queries, answers and
    end; ``seconds``: the child's own time; ``depth``: the returned network's number of affine
    layers; ``arithmetic``: how it was evaluated (``"Exact"`` or ``"Ball(bits)"``)."""

    algorithm: str
    member: str
    family: str
    j: int | None
    n: int | None
    samples_read: int
    deepest_level: int | None
    served_by_cover: bool
    error: Enclosure
    outputs: tuple[tuple[gmpy2.mpq, ...], ...] = field(repr=False)
    budget_exceeded: bool = False
    no_answer: str = ""
    transcript: Transcript | None = field(default=None, repr=False)
    seconds: float = 0.0
    depth: int | None = None
    arithmetic: str = ""

    @property
    def answered(self) -> bool:
        """Whether the run returned a network (and so has a certified error)."""
        return not self.no_answer

    def digits(self, K: int) -> bool | None:
        """Certified correct to ``K`` digits (True / False / None undecided); a run without an
        answer is False."""
        if not self.answered:
            return False
        return correct_to_digits(self.error, K)


@dataclass
class AlgorithmSummary:
    """Per-algorithm results of parts (a), (b) and (c) and of the transcript check.

    ``kind``: ``"theorem"`` (the theorem's own algorithms), ``"solver"`` (a multiprecision
    solver network: WARPd, FISTA, FIRENET) or ``"user"``."""

    name: str
    kind: str = "user"
    k0: int | None = None
    runs_a: list[MemberRun] = field(default_factory=list)
    runs_b: dict[int, list[MemberRun]] = field(default_factory=dict)
    runs_c: list[MemberRun] = field(default_factory=list)
    consistent: bool = True
    inconsistency: str = ""
    findings: list[str] = field(default_factory=list)

    def all_runs(self) -> list[MemberRun]:
        out = list(self.runs_a) + list(self.runs_c)
        for runs in self.runs_b.values():
            out += runs
        return out

    @property
    def max_samples_read(self) -> int:
        return max((r.samples_read for r in self.all_runs()), default=0)

    @property
    def max_depth(self) -> int | None:
        """The largest depth (affine layers) of the networks returned, None if none came back."""
        return max((r.depth for r in self.all_runs() if r.depth is not None), default=None)

    @property
    def arithmetics(self) -> list[str]:
        """How the returned networks were evaluated (sorted, without repeats)."""
        return sorted({r.arithmetic for r in self.all_runs() if r.arithmetic})

    @property
    def no_answers(self) -> list[MemberRun]:
        """Runs that ended without a network (raised, or stopped by a limit or budget)."""
        return [r for r in self.all_runs() if not r.answered]

    def worst_error(self, family: str) -> Enclosure | None:
        runs = [r for r in self.all_runs() if r.family == family and r.answered]
        if not runs:
            return None
        return Enclosure(max(r.error.lower for r in runs), max(r.error.upper for r in runs))

    def verdict(self, digits: int) -> bool | None:
        """True if every run is certified correct to ``digits`` digits, False if some run is
        certainly not (or gave no answer), None if undecided at this precision.  An algorithm
        whose transcripts show it is inconsistent is never credited: False."""
        if not self.consistent:
            return False
        verdicts = [r.digits(digits) for r in self.all_runs()]
        if any(v is False for v in verdicts):
            return False
        if all(v is True for v in verdicts):
            return True
        return None

    def failures_a(self, K: int) -> int:
        """Members j = 1..N1 of part (a) certainly NOT correct to K digits, or without an
        answer (the tie run, which comes first in ``runs_a``, is not counted)."""
        return sum(1 for r in self.runs_a[1:] if r.digits(K) is False)


@dataclass(frozen=True)
class RandomizedLevel:
    """The randomized experiment at one level ``n`` (fixed before the seeds were drawn).

    ``successes[j-1]``: seeds correct to K digits on member j; ``deeper``: seeds that read
    deeper than n on some member; ``per_seed``: members succeeded, per seed; ``no_answer``:
    runs without an answer (counted as failures)."""

    n: int
    seeds: int
    successes: tuple[int, ...]
    deeper: int
    per_seed: tuple[int, ...] = field(repr=False)
    no_answer: int = 0

    @property
    def frequencies(self) -> list[gmpy2.mpq]:
        return [gmpy2.mpq(w, self.seeds) for w in self.successes]

    @property
    def total(self) -> gmpy2.mpq:
        """``sum_j`` (success frequency on member j) = the mean of ``per_seed``."""
        return gmpy2.mpq(sum(self.successes), self.seeds)

    @property
    def deeper_fraction(self) -> gmpy2.mpq:
        return gmpy2.mpq(self.deeper, self.seeds)

    @property
    def bound(self) -> gmpy2.mpq:
        """``1 + (N1 - 1) * (fraction of seeds that read deeper than n)``."""
        return 1 + (len(self.successes) - 1) * self.deeper_fraction

    @property
    def standard_error(self) -> float:
        """Standard error of :attr:`total` (sample standard deviation of ``per_seed`` over
        ``sqrt(S)``; 0 when every seed succeeded on equally many members)."""
        S = self.seeds
        if S < 2:
            return 0.0
        mean = sum(self.per_seed) / S
        var = sum((c - mean) ** 2 for c in self.per_seed) / (S - 1)
        return math.sqrt(var / S)


@dataclass
class RandomizedTable:
    """The randomized experiment for one randomized algorithm."""

    name: str
    seeds: int
    levels: list[RandomizedLevel]
    consistent: bool = True
    inconsistency: str = ""


@dataclass
class ParadoxResult:
    """Everything measured for one problem.

    ``isolation`` is ``"process"`` (sealed runs) or ``"none"`` (debugging: the algorithms ran
    in the harness's own process and could reach the exact data; every report says so)."""

    problem: str
    value: gmpy2.mpq
    K: int
    N: int
    m: int
    R: int
    D: str
    seed: int
    levels: tuple[int, ...]
    algorithms: list[AlgorithmSummary]
    randomized: list[RandomizedTable]
    search_reads: list[dict]
    budgets: tuple[int, ...]
    budget_exceeded_on_tie: bool
    budget_details: list[dict]
    isolation: str = "process"
    limits: Limits = field(default_factory=Limits)
    run_seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def N1(self) -> int:
        return self.N + 1 - self.m

    @property
    def sealed(self) -> bool:
        return self.isolation == "process"

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.algorithms)
        mode = "" if self.sealed else ", isolation='none' (NOT sealed)"
        return (f"<ParadoxResult {self.problem}, K={self.K}, N={self.N}, m={self.m}, "
                f"D={self.D}: {len(self.algorithms)} algorithms ({names}){mode}>")

    def _lines(self) -> list[tuple[str, str, str, str, str, str, str]]:
        K = self.K
        mark = {True: "yes", False: "no", None: "?"}
        rows = []
        for s in self.algorithms:
            rows.append((s.name, str(s.max_samples_read), mark[s.verdict(K)],
                         mark[s.verdict(K - 1)], mark[s.verdict(K - 2)],
                         f"{s.failures_a(K)}/{self.N1}",
                         "yes" if s.consistent else "NO"))
        return rows

    def summary(self, print_it: Any = False) -> str:
        """The report as plain text (one line per algorithm, then the randomized table and
        every consistency finding).  ``print_it``: ``True`` prints it on stdout too; a console
        (anything with a ``print`` method, e.g. ``rich.console.Console``, as the other result
        records' ``summary(console)`` take) prints it there instead."""
        K = self.K
        head = ("algorithm", "reads", f"{K} digits", f"{K - 1}", f"{K - 2}", "(a) fails K",
                "consistent")
        rows = [head] + self._lines()
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        out = [f"{self.problem}, K = {K}: N = {self.N}, m = {self.m} (N1 = {self.N1}), "
               f"D = {self.D}; isolation = {self.isolation}"
               + ("" if self.sealed else "  [NOT SEALED: debugging mode, algorithms could "
                                         "reach the exact data]")]
        for r in rows:
            out.append("  " + "  ".join(c.rjust(w) if i else c.ljust(w)
                                        for i, (c, w) in enumerate(zip(r, widths,
                                                                       strict=True))))
        for s in self.algorithms:
            if not s.consistent:
                out.append(f"  {s.name}: {s.inconsistency}")
            if s.no_answers:
                first = s.no_answers[0]
                out.append(f"  {s.name}: {len(s.no_answers)} run(s) without an answer, e.g. "
                           f"{first.member}: {first.no_answer}")
        for t in self.randomized:
            out.append(f"  randomized {t.name} over {t.seeds} seeds "
                       f"(sum_j P(success_j) <= 1 + (N1-1) P(read deeper than n)):")
            for lv in t.levels:
                out.append(f"    n = {lv.n:>4}: sum {float(lv.total):.3f} "
                           f"(+- {lv.standard_error:.3f}), P(deeper) "
                           f"{float(lv.deeper_fraction):.3f}, bound {float(lv.bound):.3f}")
            if not t.consistent:
                out.append(f"    {t.inconsistency}")
        text = "\n".join(out)
        if callable(getattr(print_it, "print", None)):
            print_it.print(text, markup=False, highlight=False, soft_wrap=True)
        elif print_it:
            print(text)
        return text

    def _repr_html_(self) -> str:
        K = self.K
        head = ("algorithm", "reads (max)", f"{K} digits", f"{K - 1}", f"{K - 2}",
                "(a) fails K", "consistent")
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                       for row in self._lines())
        note = "" if self.sealed else (
            "<p><b>isolation='none'</b>: debugging mode, NOT sealed; algorithms could reach "
            "the exact data.</p>")
        return (f"<p><b>{html.escape(self.problem)}, K = {K}</b>: N = {self.N}, m = {self.m}, "
                f"D = {html.escape(self.D)}, isolation = {html.escape(self.isolation)}</p>"
                f"{note}<table><tr>{cells}</tr>{body}</table>")


