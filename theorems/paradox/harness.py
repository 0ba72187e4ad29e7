"""The paradox harness: Theorem 1 of Colbrook-Antun-Hansen (PNAS 2022), measured.

For a problem (P1, P2 or P3) and a digit target ``K`` the harness builds the class Omega
(:class:`theorems.instances.omega.Omega`), runs a PANEL of algorithms against it through oracles,
and
certifies every error with :func:`theorems.instances.distance.distance`.  It measures the three
claims
(SPEC section 3) rather than asserting them:

(a) **No algorithm gets K digits.**  Each algorithm is first run on the family-I tie member,
    served at level k within ``2^-(k+1)`` (an oracle with ``tighten=1``); let ``k0`` be the deepest
    level it read.  Then it is run on every member ``j = 1..N1`` with ``eps = 2^-(n+1)``,
    ``n = max(k0, n_min)``, through :class:`oracle.AdversarialOracle` whose cover is the tie's
    oracle: every answer up to level n is the tie's, and is certified admissible for member j.
    A consistent algorithm therefore returns the same network for all N1 members, whose
    vertices are more than ``2*10^-K`` apart, so it fails K digits on at least ``N1 - 1`` of
    them.  The harness CHECKS consistency: when the answer streams are identical, the outputs
    must be too; an algorithm that peeks at the exact data is reported as inconsistent.
    For the randomized algorithm (random vertex, many seeds) the success frequencies over the
    members are tabulated; their sum is at most about 1.
(b) **K-1 digits need unbounded data.**  On family II, for a sweep of levels n, each algorithm is
    run on every member through an adversarial oracle whose cover is the family-II tie; the
    table records the distinct entries read and whether K-1 digits were reached.  ``Search``
    reaches them with reads growing like ``n + 3``; algorithms with bounded reads fail on some
    member.  On the family-II tie data itself (outside Omega), Search exceeds every budget.
(c) **K-2 digits from one sample.**  Barycentre (and FIRENET for P3) are run on members drawn
    from both families; they reach K-2 digits reading a single matrix.

Everything here returns plain records; :mod:`theorems.paradox.report` formats them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gmpy2
from flint import arb

from algorithms.arithmetic import Ball, Exact
from algorithms.paradox_algorithms import (
    Barycentre,
    ExactSolveAtLevel,
    RandomVertex,
    Search,
    coarse_level,
)
from algorithms.solvers.firenet import FIRENET
from oracle import AdversarialOracle, Budget, BudgetExceeded, enclose
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer
from theorems.instances.distance import Enclosure, correct_to_digits, distance
from theorems.instances.gadget import Member
from theorems.instances.omega import Omega
from theorems.instances.problems import PROBLEM_NAMES
from theorems.instances.problems import problem as make_problem

__all__ = [
    "DEFAULT_VALUES",
    "AlgorithmSummary",
    "MemberRun",
    "ParadoxResult",
    "build_class",
    "default_panel",
    "run",
    "challenge",
]

#: default problem parameter: eta for P1, lam for P2 and P3
DEFAULT_VALUES = {"P1": gmpy2.mpq(1, 10), "P2": gmpy2.mpq(1), "P3": gmpy2.mpq(1)}

#: the working precision (bits) of ball evaluations of deep networks
BALL_BITS = 256

Progress = Callable[[str], None]


# ============================================================================ records
@dataclass(frozen=True)
class MemberRun:
    """One algorithm run on one member: what it read and how far its output is."""

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

    def digits(self, K: int) -> bool | None:
        return correct_to_digits(self.error, K)


@dataclass
class AlgorithmSummary:
    """Per-algorithm results of parts (a), (b) and (c)."""

    name: str
    k0: int | None = None
    runs_a: list[MemberRun] = field(default_factory=list)
    runs_b: dict[int, list[MemberRun]] = field(default_factory=dict)
    runs_c: list[MemberRun] = field(default_factory=list)
    consistent: bool = True
    inconsistency: str = ""

    def all_runs(self) -> list[MemberRun]:
        out = list(self.runs_a) + list(self.runs_c)
        for runs in self.runs_b.values():
            out += runs
        return out

    @property
    def max_samples_read(self) -> int:
        return max((r.samples_read for r in self.all_runs()), default=0)

    def worst_error(self, family: str) -> Enclosure | None:
        runs = [r for r in self.all_runs() if r.family == family and not r.budget_exceeded]
        if not runs:
            return None
        return Enclosure(max(r.error.lower for r in runs), max(r.error.upper for r in runs))

    def verdict(self, digits: int) -> bool | None:
        """True if every run is certified correct to ``digits`` digits, False if some run is
        certainly not (or ran out of budget), None if undecided at this precision."""
        verdicts = [False if r.budget_exceeded else r.digits(digits) for r in self.all_runs()]
        if any(v is False for v in verdicts):
            return False
        if all(v is True for v in verdicts):
            return True
        return None

    def failures_a(self, K: int) -> int:
        """Members j = 1..N1 of part (a) certainly NOT correct to K digits (the tie run, which
        comes first in ``runs_a``, is not counted)."""
        return sum(1 for r in self.runs_a[1:] if r.digits(K) is False)


@dataclass
class ParadoxResult:
    """Everything measured for one problem."""

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
    randomized_name: str
    randomized_seeds: int
    randomized_success: list[gmpy2.mpq]
    randomized_deeper: gmpy2.mpq
    search_reads: list[dict]
    budgets: tuple[int, ...]
    budget_exceeded_on_tie: bool
    budget_details: list[dict]

    @property
    def N1(self) -> int:
        return self.N + 1 - self.m


# ============================================================================ set-up
def build_class(problem: str, K: int, *, N: int = 3, m: int = 2, R: int = 1,
                D: str = "identity", seed: int = 0, value: object | None = None) -> Omega:
    """The class Omega the harness uses: (P1) with zero content vectors (so its minimisers and
    the theorem's networks stay linear in y), (P2)/(P3) with the class's default contents."""
    if not isinstance(problem, str) or problem.upper() not in PROBLEM_NAMES:
        raise InvalidArgument(f"problem={problem!r} must be one of {', '.join(PROBLEM_NAMES)}")
    problem = problem.upper()
    value = DEFAULT_VALUES[problem] if value is None else value
    if D not in ("identity", "cayley", "dct"):
        raise InvalidArgument(f"D={D!r} must be 'identity', 'cayley' or 'dct'")
    contents = [[0] * (m - 1) for _ in range(R)] if problem == "P1" else None
    return Omega(make_problem(problem, value), K, N, m, R=R, D=D, seed=seed,
                 contents=contents)


def default_panel(problem: str, value: object, K: int, *, firenet: bool = True,
                  firenet_outer: int = 8, firenet_inner: int = 25) -> list[Any]:
    """The panel of SPEC section 5: Barycentre, Search, an exact solve of the coarse data, one
    deterministic random-vertex algorithm and (for P3) a multiprecision FIRENET network."""
    level = coarse_level(K)
    panel: list[Any] = [
        Barycentre(problem, value, K),
        Search(problem, value, K),
        ExactSolveAtLevel(problem, value, K, n0=level),
        RandomVertex(problem, value, K, seed=0),
    ]
    if firenet and problem == "P3":
        panel.append(FIRENET(level=level, lam=value, n_outer=firenet_outer,
                             p_inner=firenet_inner, delta="1e-12", ctx=Ball(BALL_BITS),
                             name="FIRENET"))
    return panel


def _exact_inputs(member: Member) -> list[Any]:
    """The samples as network inputs: lists of ``gmpy2.mpq`` when rational (D the identity or a
    rational Cayley matrix), else python-flint balls of radius ``<= 2^-(BALL_BITS + 64)``
    around the exact irrational entries (D the DCT-II)."""
    out: list[Any] = []
    for y in member.samples:
        if all(v.is_Rational for v in y):
            out.append([gmpy2.mpq(int(v.p), int(v.q)) for v in y])
        else:
            out.append([enclose(v, BALL_BITS + 64) for v in y])
    return out


def _evaluate(net: Any, y: list[Any]) -> tuple[list[Any], tuple[gmpy2.mpq, ...]]:
    """The network's output at the exact input ``y``: exactly when the network is shallow and
    ``y`` rational, else as python-flint balls from a certified evaluation at
    :data:`BALL_BITS` bits (the balls contain the exact output).

    Returns the point handed to :func:`distance` (rationals or balls) and the output's
    rational midpoints (used by the consistency check)."""
    rational = all(not isinstance(v, arb) for v in y)
    if rational and getattr(net, "depth", 2) <= 3:
        ctx = Exact()
        mids = tuple(ctx.to_rationals(net(y, ctx)))
        return list(mids), mids
    ball = Ball(BALL_BITS)
    yv = ball.vector(y) if rational else ball.vector_from_balls(y)
    x = net(yv, ball)
    return ball.entries(x), tuple(ball.to_rationals(x))


def _run_one(alg: Any, oracle: Any, member: Member, family: str, samples: list[list]
             ) -> MemberRun:
    net = alg.train(oracle)
    worst: Enclosure | None = None
    outs = []
    for k, y in enumerate(samples):
        point, mids = _evaluate(net, y)
        outs.append(mids)
        err = distance(point, member, k)
        if worst is None or err.upper > worst.upper:
            worst = err
    reads = getattr(oracle, "reads", ())
    return MemberRun(
        algorithm=alg.name,
        member=member.label(),
        family=family,
        j=member.j,
        n=member.n,
        samples_read=oracle.samples_read,
        deepest_level=oracle.deepest_level,
        served_by_cover=bool(reads) and all(r.source == "cover" for r in reads),
        error=worst,  # type: ignore[arg-type]
        outputs=tuple(outs),
    )


# ============================================================================ the parts
def _part_a(alg: Any, om: Omega, samples: list, summary: AlgorithmSummary) -> None:
    tie = om.tie("I")
    tie_oracle = tie.oracle(tighten=1)
    probe = tie_oracle.fresh()
    tie_run = _run_one(alg, probe, tie, "I", samples)
    k0 = probe.deepest_level or 0
    summary.k0 = k0
    summary.runs_a.append(tie_run)
    n = max(k0, om.n_min)
    tie_keys = [r.key for r in probe.reads]
    for j in range(1, om.N1 + 1):
        mb = om.member("I", j, n)
        adv = AdversarialOracle(mb.exact_data, tie_oracle.fresh())
        run = _run_one(alg, adv, mb, "I", samples)
        summary.runs_a.append(run)
        identical = run.served_by_cover and [r.key for r in adv.reads] == tie_keys
        if identical and run.outputs != tie_run.outputs and summary.consistent:
            summary.consistent = False
            summary.inconsistency = (
                f"{alg.name} read identical answers on the tie member and on {mb.label()} "
                f"but returned different outputs: it used something other than the oracle"
            )


def _part_b(alg: Any, om: Omega, samples: list, levels: Sequence[int],
            summary: AlgorithmSummary, budget: int) -> None:
    tie_oracle = om.tie("II").oracle(tighten=1)
    for n in levels:
        runs = []
        for j in range(1, om.N1 + 1):
            mb = om.member("II", j, n)
            adv = AdversarialOracle(mb.exact_data, tie_oracle.fresh(),
                                    budget=Budget(max_reads=budget))
            try:
                runs.append(_run_one(alg, adv, mb, "II", samples))
            except BudgetExceeded:
                runs.append(MemberRun(alg.name, mb.label(), "II", j, n, adv.samples_read,
                                      adv.deepest_level, False, Enclosure(gmpy2.mpq(0),
                                                                          gmpy2.mpq(0)),
                                      (), budget_exceeded=True))
        summary.runs_b[n] = runs


def _part_c(alg: Any, om: Omega, samples: list, draws: list[Member],
            summary: AlgorithmSummary) -> None:
    for mb in draws:
        summary.runs_c.append(_run_one(alg, mb.oracle(), mb, mb.family or "I", samples))


def _randomized(om: Omega, problem: str, value: object, K: int, seeds: int, samples: list
                ) -> tuple[list[gmpy2.mpq], gmpy2.mpq]:
    """Success frequencies (K digits) of RandomVertex(seed) over ``seeds`` seeds on the members
    j = 1..N1 of family I at the level where the tie's answers are served, and the fraction of
    seeds that read deeper than the tie run (never, for this algorithm)."""
    wins = [0] * om.N1
    deeper = 0
    tie = om.tie("I")
    tie_oracle = tie.oracle(tighten=1)
    for s in range(seeds):
        alg = RandomVertex(problem, value, K, seed=s)
        probe = tie_oracle.fresh()
        alg.train(probe)
        k0 = probe.deepest_level or 0
        n = max(k0, om.n_min)
        for j in range(1, om.N1 + 1):
            mb = om.member("I", j, n)
            adv = AdversarialOracle(mb.exact_data, tie_oracle.fresh())
            run = _run_one(alg, adv, mb, "I", samples)
            if (run.deepest_level or 0) > k0:
                deeper += 1
            if run.digits(K) is True:
                wins[j - 1] += 1
    return [gmpy2.mpq(w, seeds) for w in wins], gmpy2.mpq(deeper, seeds * om.N1)


def _search_on_tie(om: Omega, problem: str, value: object, K: int, budgets: Sequence[int]
                   ) -> list[dict]:
    out = []
    tie_oracle = om.tie("II").oracle()
    for M in budgets:
        o = tie_oracle.fresh(Budget(max_reads=M))
        try:
            Search(problem, value, K).train(o)
            out.append({"budget": M, "exceeded": False, "reads": o.samples_read})
        except BudgetExceeded:
            out.append({"budget": M, "exceeded": True, "reads": o.samples_read})
    return out


# ============================================================================ entry points
def run(
    problem: str,
    K: int,
    *,
    N: int = 3,
    m: int = 2,
    R: int = 1,
    D: str = "identity",
    seed: int = 0,
    value: object | None = None,
    panel: Sequence[Any] | None = None,
    levels: Sequence[int] = (5, 10, 20, 40, 80),
    randomized_seeds: int = 40,
    draws: int = 6,
    budgets: Sequence[int] = (10, 100, 1000),
    sweep_budget: int = 10_000,
    firenet: bool = True,
    progress: Progress | None = None,
) -> ParadoxResult:
    """Run the paradox for one problem and return the measured records.

    Parameters
    ----------
    problem, K, value:
        ``"P1"``, ``"P2"`` or ``"P3"``; the digit target; ``eta``/``lam`` (default
        :data:`DEFAULT_VALUES`).
    N, m, R, D, seed:
        The class's dimensions, number of samples, orthogonal matrix (``"identity"``,
        ``"cayley"`` or the paper's ``"dct"``) and seed (contents, Cayley matrix, drawn
        members).
    panel:
        Algorithms (objects with ``name`` and ``train(oracle) -> network``); default
        :func:`default_panel`.
    levels:
        The family-II sweep of part (b).
    randomized_seeds:
        Seeds of the random-vertex algorithm in part (a).
    draws:
        Members drawn (from both families, levels up to ``max(levels)``) for part (c).
    budgets:
        Read budgets that Search must exceed on the family-II tie data.
    sweep_budget:
        Read budget of every run in part (b) (a safety net; Search needs about n + 3).
    progress:
        Called with a short description before each step (for progress bars).
    """
    K = integer(K, "K", 1)
    if not isinstance(problem, str) or problem.upper() not in PROBLEM_NAMES:
        raise InvalidArgument(f"problem={problem!r} must be one of {', '.join(PROBLEM_NAMES)}")
    problem = problem.upper()
    value = gmpy2.mpq(DEFAULT_VALUES[problem] if value is None else value)
    levels = tuple(integer(n, "levels[i]", 1) for n in levels)
    if not levels:
        raise InvalidArgument("levels=() must name at least one level")
    randomized_seeds = integer(randomized_seeds, "randomized_seeds", 1)
    om = build_class(problem, K, N=N, m=m, R=R, D=D, seed=seed, value=value)
    samples = _exact_inputs(om.tie("I"))
    panel = list(default_panel(problem, value, K, firenet=firenet) if panel is None else panel)
    for i, alg in enumerate(panel):
        if not callable(getattr(alg, "train", None)):
            raise InvalidType(f"panel[{i}]={alg!r} has no train(oracle) method")
    drawn = om.draw_many(draws, seed, max(levels))
    note = progress or (lambda _msg: None)
    summaries = []
    for alg in panel:
        summary = AlgorithmSummary(alg.name)
        note(f"{problem}: {alg.name} (a) adversarial family I")
        _part_a(alg, om, samples, summary)
        note(f"{problem}: {alg.name} (b) family-II sweep")
        _part_b(alg, om, samples, levels, summary, sweep_budget)
        note(f"{problem}: {alg.name} (c) drawn members")
        _part_c(alg, om, samples, drawn, summary)
        summaries.append(summary)
    note(f"{problem}: randomized vertex over {randomized_seeds} seeds")
    success, deeper = _randomized(om, problem, value, K, randomized_seeds, samples)
    note(f"{problem}: Search on the family-II tie data")
    details = _search_on_tie(om, problem, value, K, budgets)
    search = next((s for s in summaries if s.name == "Search"), None)
    search_reads = []
    if search is not None:
        for n in levels:
            runs = search.runs_b[n]
            search_reads.append({
                "n": n,
                "reads": max(r.samples_read for r in runs),
                "correct_K-1": all(r.digits(K - 1) is True for r in runs),
            })
    return ParadoxResult(
        problem=problem, value=value, K=K, N=om.N, m=om.m, R=om.R, D=D, seed=seed,
        levels=levels, algorithms=summaries, randomized_name="RandomVertex",
        randomized_seeds=randomized_seeds, randomized_success=success,
        randomized_deeper=deeper, search_reads=search_reads, budgets=tuple(budgets),
        budget_exceeded_on_tie=all(d["exceeded"] for d in details), budget_details=details,
    )


def challenge(algorithm: Any, problem: str = "P3", K: int = 3, **kwargs: Any) -> ParadoxResult:
    """Run parts (a)-(c) on YOUR algorithm (any object with ``name`` and
    ``train(oracle) -> network``), next to Search as the reference.  The report says which
    claims bite: whether it fails K digits on N1 - 1 members, whether it reaches K-1 digits on
    family II and at what cost in reads, whether it is consistent."""
    if not callable(getattr(algorithm, "train", None)):
        raise InvalidType(f"algorithm={algorithm!r} has no train(oracle) method")
    if not hasattr(algorithm, "name"):
        raise InvalidType(f"algorithm={algorithm!r} needs a name attribute")
    problem = problem.upper() if isinstance(problem, str) else problem
    value = kwargs.pop("value", None)
    value = DEFAULT_VALUES.get(problem, 1) if value is None else value
    panel = [algorithm, Search(problem, value, K)]
    kwargs.setdefault("randomized_seeds", 4)
    return run(problem, K, value=value, panel=panel, **kwargs)
