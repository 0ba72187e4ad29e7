"""The paradox harness: Theorem 1 of Colbrook-Antun-Hansen (PNAS 2022), measured.

For a problem (P1, P2 or P3) and a digit target ``K`` the harness builds the class Omega
(:class:`theorems.instances.omega.Omega`), runs a PANEL of algorithms against it through
oracles, and certifies every error with :func:`theorems.instances.distance.distance`.  It
measures the three claims (SPEC section 3) rather than asserting them.

**Sealed runs.**  Every ``train`` call runs in a separate process that holds no exact data
(:mod:`theorems.sealed`): the child gets an oracle client that can only ask ``matrix(n)``,
``sample(k, n)``, ``shape`` and ``num_samples``; this process owns the oracles, answers over a
socket, records the run's TRANSCRIPT (queries and answers), and rebuilds the returned network
from plain data.  Each run starts from the algorithm as pickled once before any run: a user's
algorithm gets a fresh fork of that pristine copy per run; the project's own algorithms
(Barycentre, Search, ExactSolveAtLevel, RandomVertex and the solver networks FIRENET,
UnrolledWARPd, UnrolledFISTA, exact types), whose code keeps no
state outside the object, run one after the other in one sealed child, each on a freshly
unpickled copy (about 0.5 ms per run instead of about 5 ms).  The members of each part are run
in an order shuffled with the experiment's ``seed``.  A run past
its time or memory limit, or one that raises, is a "no answer": a failure, with the reason.
``isolation="none"`` runs in this process for debugging; results made so say so.

(a) **No algorithm gets K digits.**  Each algorithm is first run on the family-I tie member,
    served at level k within ``2^-(k+1)`` (an oracle with ``tighten=1``); let ``k0`` be the
    deepest level it read.  Then it is run on every member ``j = 1..N1`` with
    ``eps = 2^-(n+1)``, ``n = max(k0, n_min)``, through :class:`oracle.AdversarialOracle` whose
    cover is the tie's oracle: every answer up to level n is the tie's, and is certified
    admissible for member j.  A consistent algorithm therefore returns the same network for
    all N1 members, whose vertices are more than ``2*10^-K`` apart, so it fails K digits on at
    least ``N1 - 1`` of them.  Consistency is CHECKED on transcripts over all runs of an
    algorithm (:func:`theorems.sealed.transcripts.check`): identical queries and answers must
    give identical networks, and the queries may depend only on earlier answers.
(b) **K-1 digits need unbounded data.**  On family II, for a sweep of levels n, each algorithm
    is run on every member through an adversarial oracle whose cover is the family-II tie; the
    table records the distinct entries read and whether K-1 digits were reached.  ``Search``
    reaches them with reads growing like ``n + 3``; algorithms with bounded reads fail on some
    member.  On the family-II tie data itself (outside Omega), Search exceeds every budget.
(c) **K-2 digits from one sample.**  Barycentre is run on members drawn from both families; it
    reaches K-2 digits reading a single matrix.  So do the multiprecision solver networks of
    the default panel, one per problem (WARPd for P1, FISTA for P2, FIRENET for P3): each reads
    the matrix at the coarse level (WARPd and FIRENET also the samples there, for their initial
    error bound), returns an unrolled network with exact rational weights, evaluated in
    ``Ball(256)`` so that its error is certified; like every consistent algorithm it fails K
    digits on the adversarial members of (a).

**Randomized algorithms** (an algorithm with ``randomized = True`` and
``train(oracle, rng)``, ``rng`` a ``numpy.random.Generator``; one seed is one deterministic
algorithm).  For each level n of ``randomized_levels``, FIXED BEFORE any seed is drawn, and
seeds ``s = 1..S``: run seed s on every family-I member ``(j, n)`` through the adversarial
oracle with the tie as cover.  If seed s reads no deeper than n, its answers are identical on
all members (the tie's), so a consistent algorithm returns one network and succeeds (K digits)
on at most one member.  Hence, per seed, ``#members succeeded <= 1 + (N1 - 1) [s reads deeper
than n]``, and averaging over seeds::

    sum_j P(success on member j)  <=  1 + (N1 - 1) P(read deeper than n).

The harness reports each member's success frequency, the fraction of seeds that read deeper
than n, the sum and the bound.  As n grows, P(read deeper than n) -> 0 for any algorithm that
stops, so the sum falls to at most 1: some member is failed with probability at least about
``1 - 1/N1``.

Everything here returns plain records; :mod:`theorems.paradox.report` formats them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
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
from algorithms.solvers.unrolled import UnrolledFISTA, UnrolledWARPd
from oracle import AdversarialOracle, Budget, enclose
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer, rational
from theorems.instances.distance import Enclosure, distance
from theorems.instances.gadget import Member
from theorems.instances.omega import Omega
from theorems.instances.problems import PROBLEM_NAMES
from theorems.instances.problems import problem as make_problem
from theorems.paradox.records import (
    AlgorithmSummary,
    MemberRun,
    ParadoxResult,
    RandomizedLevel,
    RandomizedTable,
)
from theorems.sealed.limits import ISOLATIONS, Limits
from theorems.sealed.runner import (
    Handle,
    InProcessRunner,
    RunOutcome,
    pickle_algorithm,
    shared_runner,
)
from theorems.sealed.transcripts import Transcript, check

__all__ = [
    "DEFAULT_VALUES",
    "AlgorithmSummary",
    "MemberRun",
    "ParadoxResult",
    "RandomizedLevel",
    "RandomizedTable",
    "build_class",
    "default_panel",
    "kind_of",
    "SOLVER_NETWORKS",
    "run",
    "challenge",
]

#: default problem parameter: eta for P1, lam for P2 and P3
DEFAULT_VALUES = {"P1": gmpy2.mpq(1, 10), "P2": gmpy2.mpq(1), "P3": gmpy2.mpq(1)}

#: the working precision (bits) of ball evaluations of deep networks
BALL_BITS = 256

Progress = Callable[[str], None]

#: the project's own algorithms (exact types): their code keeps no state outside the object,
#: so their sealed runs may share one child, each run on a fresh unpickled copy
_OWN = (Barycentre, Search, ExactSolveAtLevel, RandomVertex, FIRENET, UnrolledWARPd,
        UnrolledFISTA)
#: the multiprecision solver networks: one per problem in the default panel
SOLVER_NETWORKS = (UnrolledWARPd, UnrolledFISTA, FIRENET)
_ZERO = Enclosure(gmpy2.mpq(0), gmpy2.mpq(0))


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
                  solver_networks: bool = True, firenet_outer: int = 8,
                  firenet_inner: int = 25, warpd_restarts: int = 3, warpd_steps: int = 16,
                  fista_steps: int = 20) -> list[Any]:
    """The panel of SPEC section 5: Barycentre, Search, an exact solve of the coarse data, the
    randomized vertex guesser with a random read depth and, with ``solver_networks``, the
    problem's multiprecision solver network, trained from the matrix at the coarse level and
    evaluated in ``Ball(BALL_BITS)``:

    * (P1) :class:`~algorithms.solvers.unrolled.UnrolledWARPd`, ``warpd_restarts`` restarts of
      ``warpd_steps`` WARPd steps on ``min ||x||_1`` s.t. ``||A x - y|| <= eta`` (3 layers a
      step).  16 is the schedule's ``k = ceil(2 C1 C2 L / (tau nu))`` for ``N1 = 2``; the
      formula grows like ``sqrt(N1)`` (43 at ``N = 16, m = 2``), but with 16 steps the
      measured error to the tie's solution set still falls by about ``e^-1`` per restart at
      ``N1 = 15``, and the network stays at 145 layers;
    * (P2) :class:`~algorithms.solvers.unrolled.UnrolledFISTA`, ``fista_steps`` FISTA steps on
      the LASSO (one layer a step);
    * (P3) FIRENET with ``firenet_outer`` restarts of ``firenet_inner`` steps (left out also
      when ``firenet`` is false).
    """
    level = coarse_level(K)
    panel: list[Any] = [
        Barycentre(problem, value, K),
        Search(problem, value, K),
        ExactSolveAtLevel(problem, value, K, n0=level),
        RandomVertex(problem, value, K, seed=0),
    ]
    if not solver_networks:
        return panel
    if problem == "P1":
        panel.append(UnrolledWARPd(level=level, eta=value, restarts=warpd_restarts,
                                   k=warpd_steps, ctx=Ball(BALL_BITS), name="WARPd"))
    elif problem == "P2":
        panel.append(UnrolledFISTA(level=level, lam=value, n_iter=fista_steps,
                                   ctx=Ball(BALL_BITS), name="FISTA"))
    elif firenet:
        panel.append(FIRENET(level=level, lam=value, n_outer=firenet_outer,
                             p_inner=firenet_inner, delta="1e-12", ctx=Ball(BALL_BITS),
                             name="FIRENET"))
    return panel


def kind_of(algorithm: Any) -> str:
    """``"solver"`` for the multiprecision solver networks (:data:`SOLVER_NETWORKS`),
    ``"theorem"`` for the theorem's own algorithms, ``"user"`` otherwise (the keys of
    :data:`theorems.paradox.records.KINDS`)."""
    if isinstance(algorithm, SOLVER_NETWORKS):
        return "solver"
    if isinstance(algorithm, (Barycentre, Search, ExactSolveAtLevel, RandomVertex)):
        return "theorem"
    return "user"


def exact_inputs(member: Member) -> list[Any]:
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


def _evaluate(net: Any, y: list[Any]) -> tuple[list[Any], tuple[gmpy2.mpq, ...], str]:
    """The network's output at the exact input ``y``: exactly when the network is shallow and
    ``y`` rational, else as python-flint balls from a certified evaluation at
    :data:`BALL_BITS` bits (the balls contain the exact output).  Deep networks evaluated layer
    by layer widen their balls (the wrapping effect); when a radius exceeds ``2^-64`` times the
    largest output entry, the evaluation is repeated at twice the bits (at most twice).

    Returns the point handed to :func:`distance` (rationals or balls), the output's rational
    midpoints and the arithmetic used (``"Exact"`` or ``"Ball(bits)"``)."""
    rational = all(not isinstance(v, arb) for v in y)
    if rational and net.depth <= 3:
        ctx = Exact()
        mids = tuple(ctx.to_rationals(net(y, ctx)))
        return list(mids), mids, "Exact"
    bits = BALL_BITS
    while True:
        ball = Ball(bits)
        yv = ball.vector(y) if rational else ball.vector_from_balls(y)
        x = net(yv, ball)
        entries = ball.entries(x)
        if bits >= 4 * BALL_BITS or not _too_wide(entries):
            return entries, tuple(ball.to_rationals(x)), f"Ball({bits})"
        bits *= 2


def _too_wide(entries: list[Any]) -> bool:
    """Whether some ball's radius exceeds ``2^-64`` times the largest midpoint (or ``2^-64``
    when every midpoint is 0)."""
    scale = max((abs(e.mid()) for e in entries), default=arb(0))
    limit = (scale if scale > 0 else arb(1)) * arb(2) ** -64
    return any(e.rad() > limit for e in entries)


class Session:
    """One experiment's runner, limits and record of run times."""

    def __init__(self, runner: Any, limits: Limits, samples: list[list]):
        self.runner = runner
        self.limits = limits
        self.samples = samples
        self.seconds: list[float] = []

    def run_one(self, handle: Handle, oracle: Any, member: Member, family: str,
                entropy: tuple[int, ...] | None) -> MemberRun:
        """One sealed run of the algorithm behind ``handle`` on ``member`` through ``oracle``
        (``entropy`` seeds a randomized algorithm); see :meth:`run_many`."""
        return self.run_many([(handle, oracle, member, family, entropy)])[0]

    def run_many(self, jobs: list[tuple[Handle, Any, Member, str, tuple[int, ...] | None]]
                 ) -> list[MemberRun]:
        """Independent runs (several children at a time when sealed), then their errors."""
        outcomes = self.runner.run_many([(h, o, e) for h, o, _, _, e in jobs], self.limits)
        return [self._record(job, out) for job, out in zip(jobs, outcomes, strict=True)]

    def _record(self, job: tuple[Handle, Any, Member, str, tuple[int, ...] | None],
                out: RunOutcome) -> MemberRun:
        handle, oracle, member, family, _ = job
        self.seconds.append(out.seconds)
        reads = getattr(oracle, "reads", ())
        common = dict(
            algorithm=handle.name, member=member.label(), family=family, j=member.j,
            n=member.n, samples_read=oracle.samples_read, deepest_level=oracle.deepest_level,
            served_by_cover=bool(reads) and all(r.source == "cover" for r in reads),
            budget_exceeded=out.budget_exceeded, transcript=out.transcript,
            seconds=out.seconds)
        if out.network is None:
            return MemberRun(error=_ZERO, outputs=(), no_answer=out.no_answer, **common)
        errors = []
        outs = []
        arithmetic = ""
        for k, y in enumerate(self.samples):
            point, mids, arithmetic = _evaluate(out.network, y)
            outs.append(mids)
            errors.append(distance(point, member, k))
        # the worst error max_k d_k lies in [max_k lower_k, max_k upper_k]; the enclosure with
        # the largest upper end alone could straddle 10^-K while another sample is certainly
        # wrong, and turn a certain failure into an undecided verdict
        worst = Enclosure(max(e.lower for e in errors), max(e.upper for e in errors))
        return MemberRun(error=worst, outputs=tuple(outs),
                         depth=out.network.depth, arithmetic=arithmetic, **common)


def _entropy(handle: Handle, seed: int, s: int = 0) -> tuple[int, ...] | None:
    """The rng seed of a randomized algorithm's run (``None`` for a deterministic one)."""
    return (seed, s) if handle.randomized else None


# ============================================================================ the parts
def _parts(session: Session, handle: Handle, om: Omega, order: list[int],
           levels: Sequence[int], draws: list[Member], draw_order: list[int], budget: int,
           seed: int, summary: AlgorithmSummary) -> None:
    """Parts (a), (b), (c) for one algorithm: the tie run first (its deepest level fixes the
    members of (a)), then every other run at once (in the shuffled orders, several children
    at a time when sealed)."""
    entropy = _entropy(handle, seed)
    tie_a = om.tie("I").oracle(tighten=1)
    probe = tie_a.fresh()
    tie_run = session.run_one(handle, probe, om.tie("I"), "I", entropy)
    k0 = probe.deepest_level or 0
    summary.k0 = k0
    n_a = max(k0, om.n_min)
    jobs, keys = [], []
    for j in order:  # (a) adversarial family I, the tie's answers up to level n_a
        mb = om.member("I", j, n_a)
        jobs.append((handle, AdversarialOracle(mb.exact_data, tie_a.fresh()), mb, "I",
                     entropy))
        keys.append(("a", j))
    tie_b = om.tie("II").oracle(tighten=1)
    for n in levels:  # (b) adversarial family II, the sweep
        for j in order:
            mb = om.member("II", j, n)
            jobs.append((handle, AdversarialOracle(mb.exact_data, tie_b.fresh(),
                                                   budget=Budget(max_reads=budget)),
                         mb, "II", entropy))
            keys.append((n, j))
    for i in draw_order:  # (c) honest oracles on drawn members
        jobs.append((handle, draws[i].oracle(), draws[i], draws[i].family or "I", entropy))
        keys.append(("c", i))
    runs = dict(zip(keys, session.run_many(jobs), strict=True))
    summary.runs_a = [tie_run] + [runs[("a", j)] for j in sorted(order)]
    for n in levels:
        summary.runs_b[n] = [runs[(n, j)] for j in sorted(order)]
    summary.runs_c = [runs[("c", i)] for i in sorted(draw_order)]


def _check_transcripts(summary: AlgorithmSummary) -> None:
    runs = [(f"{r.member} [{part}]", r.transcript) for part, r in
            [("a", r) for r in summary.runs_a] + [("c", r) for r in summary.runs_c]
            + [("b", r) for n in summary.runs_b for r in summary.runs_b[n]]
            if r.transcript is not None]
    findings = check(runs)
    summary.findings = [f.message for f in findings]
    if findings:
        summary.consistent = False
        summary.inconsistency = findings[0].message


def randomized_level_runs(session: Session, handle: Handle, om: Omega, n: int, seeds: int,
                          rng: random.Random, seed: int, tie_oracle: Any) -> dict:
    """One level of the randomized experiment: every seed ``s < seeds`` run on every
    family-I member ``j`` at level ``n``, the members in an order ``rng`` shuffles per seed,
    each through an adversarial oracle whose cover is ``tie_oracle`` (the tie's answers where
    they are admissible).  Returns ``{(s, j): run}``."""
    jobs, keys = [], []
    for s in range(seeds):
        order = list(range(1, om.N1 + 1))
        rng.shuffle(order)
        for j in order:
            mb = om.member("I", j, n)
            adv = AdversarialOracle(mb.exact_data, tie_oracle.fresh())
            jobs.append((handle, adv, mb, "I", (seed, s)))
            keys.append((s, j))
    return dict(zip(keys, session.run_many(jobs), strict=True))


def _randomized(session: Session, handle: Handle, om: Omega, K: int, seeds: int,
                levels: Sequence[int], rng: random.Random, seed: int) -> RandomizedTable:
    """The randomized experiment (module docstring): levels fixed first, then the seeds."""
    tie_oracle = om.tie("I").oracle(tighten=1)
    table = RandomizedTable(handle.name, seeds, [])
    by_seed: dict[int, list[tuple[str, Transcript]]] = {}
    for n in levels:
        runs = randomized_level_runs(session, handle, om, n, seeds, rng, seed, tie_oracle)
        wins = [0] * om.N1
        per_seed = []
        deeper = no_answer = 0
        for s in range(seeds):
            read_deeper = False
            count = 0
            for j in range(1, om.N1 + 1):
                run = runs[(s, j)]
                if run.transcript is not None:
                    by_seed.setdefault(s, []).append((f"{run.member} seed {s}",
                                                      run.transcript))
                read_deeper |= (run.deepest_level or 0) > n
                no_answer += not run.answered
                if run.digits(K) is True:
                    wins[j - 1] += 1
                    count += 1
            deeper += read_deeper
            per_seed.append(count)
        table.levels.append(RandomizedLevel(n, seeds, tuple(wins), deeper, tuple(per_seed),
                                            no_answer))
    for s, runs in sorted(by_seed.items()):
        findings = check(runs)
        if findings:
            table.consistent = False
            table.inconsistency = f"seed {s}: {findings[0].message}"
            break
    return table


def _search_on_tie(session: Session, handle: Handle, om: Omega, budgets: Sequence[int]
                   ) -> list[dict]:
    tie_oracle = om.tie("II").oracle()
    oracles = [tie_oracle.fresh(Budget(max_reads=M)) for M in budgets]
    results = session.runner.run_many([(handle, o, None) for o in oracles], session.limits)
    return [{"budget": M, "exceeded": r.budget_exceeded, "reads": o.samples_read}
            for M, o, r in zip(budgets, oracles, results, strict=True)]


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
    randomized_levels: Sequence[int] = (20, 40, 80),
    draws: int = 6,
    budgets: Sequence[int] = (10, 100, 1000),
    sweep_budget: int = 10_000,
    firenet: bool = True,
    solver_networks: bool = True,
    isolation: str = "process",
    limits: Limits | None = None,
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
        members, the order of the runs, the seeds of randomized algorithms).
    panel:
        Algorithms: objects with ``name`` and ``train(oracle) -> network``, or, with
        ``randomized = True``, ``train(oracle, rng)`` (``rng`` a ``numpy.random.Generator``);
        default :func:`default_panel`.  They must be picklable (cloudpickle: classes defined
        in ``__main__`` or a notebook are fine).
    levels:
        The family-II sweep of part (b).
    randomized_seeds, randomized_levels:
        Seeds S and levels n of the randomized experiment, run on every randomized algorithm
        of the panel.
    draws:
        Members drawn (from both families, levels up to ``max(levels)``) for part (c).
    budgets:
        Read budgets that Search must exceed on the family-II tie data.
    sweep_budget:
        Read budget of every run in part (b) (a safety net; Search needs about n + 3).
    solver_networks, firenet:
        With the default panel: include the problem's multiprecision solver network (WARPd
        for P1, FISTA for P2, FIRENET for P3; ``firenet=False`` drops FIRENET only).
    isolation:
        ``"process"`` (default): sealed runs; ``"none"``: in this process, for debugging only.
    limits:
        Time and memory of one sealed run (default :class:`~theorems.sealed.limits.Limits`).
    progress:
        Called with a short description before each step (for progress bars).
    """
    K = integer(K, "K", 1)
    if not isinstance(problem, str) or problem.upper() not in PROBLEM_NAMES:
        raise InvalidArgument(f"problem={problem!r} must be one of {', '.join(PROBLEM_NAMES)}")
    if isolation not in ISOLATIONS:
        raise InvalidArgument(f"isolation={isolation!r} must be one of {ISOLATIONS}")
    limits = Limits() if limits is None else limits
    if not isinstance(limits, Limits):
        raise InvalidType(f"limits={limits!r} must be a theorems.sealed.Limits or None")
    if progress is not None and not callable(progress):
        raise InvalidType(f"progress={progress!r:.80} must be callable (it is called with a "
                          f"short description before each step) or None")
    problem = problem.upper()
    value = DEFAULT_VALUES[problem] if value is None else rational(value, "value")
    levels = _integers(levels, "levels", 1)
    if not levels:
        raise InvalidArgument("levels=() must name at least one level")
    randomized_levels = _integers(randomized_levels, "randomized_levels", 1)
    budgets = _integers(budgets, "budgets", 0)
    randomized_seeds = integer(randomized_seeds, "randomized_seeds", 1)
    panel = list(default_panel(problem, value, K, firenet=firenet,
                               solver_networks=solver_networks) if panel is None else panel)
    for i, alg in enumerate(panel):
        if not callable(getattr(alg, "train", None)):
            raise InvalidType(f"panel[{i}]={alg!r} has no train(oracle) method")
    # every algorithm is pickled ONCE, before any exact data of this experiment exists
    blobs = [pickle_algorithm(alg) for alg in panel]
    search_blob = pickle_algorithm(Search(problem, value, K))
    runner: Any = shared_runner() if isolation == "process" else InProcessRunner()
    handles = [runner.load(b, batched=type(alg) in _OWN) for b, alg in zip(blobs, panel,
                                                                            strict=True)]
    search = runner.load(search_blob, batched=True)
    try:
        om = build_class(problem, K, N=N, m=m, R=R, D=D, seed=seed, value=value)
        session = Session(runner, limits, exact_inputs(om.tie("I")))
        drawn = om.draw_many(draws, seed, max(levels))
        order_rng = random.Random(f"run order {seed}")
        note = progress or (lambda _msg: None)
        summaries = []
        tables = []
        for handle, alg in zip(handles, panel, strict=True):
            summary = AlgorithmSummary(handle.name, kind=kind_of(alg))
            order = list(range(1, om.N1 + 1))
            order_rng.shuffle(order)
            drawn_order = list(range(len(drawn)))
            order_rng.shuffle(drawn_order)
            note(f"{problem}: {handle.name} (a), (b), (c)")
            _parts(session, handle, om, order, levels, drawn, drawn_order, sweep_budget, seed,
                   summary)
            _check_transcripts(summary)
            summaries.append(summary)
            if handle.randomized and randomized_levels:
                note(f"{problem}: randomized {handle.name} over {randomized_seeds} seeds")
                tables.append(_randomized(session, handle, om, K, randomized_seeds,
                                          randomized_levels, order_rng, seed))
        note(f"{problem}: Search on the family-II tie data")
        details = _search_on_tie(session, search, om, budgets)
    finally:
        for handle in handles + [search]:
            runner.unload(handle)
    # the panel's Search, found by its type (a user's algorithm may call itself "Search")
    by_name = next((s for s, alg in zip(summaries, panel, strict=True)
                    if type(alg) is Search), None)
    search_reads = []
    if by_name is not None:
        for n in levels:
            runs = by_name.runs_b[n]
            search_reads.append({
                "n": n,
                "reads": max(r.samples_read for r in runs),
                "correct_K-1": all(r.digits(K - 1) is True for r in runs),
            })
    return ParadoxResult(
        problem=problem, value=value, K=K, N=om.N, m=om.m, R=om.R, D=D, seed=seed,
        levels=levels, algorithms=summaries, randomized=tables, search_reads=search_reads,
        budgets=tuple(budgets), budget_exceeded_on_tie=all(d["exceeded"] for d in details),
        budget_details=details, isolation=isolation, limits=limits,
        run_seconds=session.seconds,
    )


def _integers(values: object, name: str, minimum: int) -> tuple[int, ...]:
    """``values`` (a sequence of integers, each at least ``minimum``) as a tuple of ints."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType(f"{name}={values!r:.80} must be a sequence of integers >= {minimum}, "
                          f"e.g. (5, 10)")
    return tuple(integer(v, f"{name}[{i}]", minimum) for i, v in enumerate(values))


def challenge(algorithm: Any, problem: str = "P3", K: int = 3, **kwargs: Any) -> ParadoxResult:
    """Run parts (a)-(c) on YOUR algorithm (any object with ``name`` and
    ``train(oracle) -> network``; or ``randomized = True`` and ``train(oracle, rng)``), next
    to Search as the reference, each ``train`` in a sealed process.  The report says which
    claims bite: whether it fails K digits on N1 - 1 members, whether it reaches K-1 digits on
    family II and at what cost in reads, whether its transcripts are consistent, and, for a
    randomized algorithm, its success frequencies against the bound
    ``sum_j P(success on j) <= 1 + (N1 - 1) P(read deeper than n)``."""
    if not callable(getattr(algorithm, "train", None)):
        raise InvalidType(f"algorithm={algorithm!r} has no train(oracle) method")
    if not hasattr(algorithm, "name"):
        raise InvalidType(f"algorithm={algorithm!r} needs a name attribute")
    problem = problem.upper() if isinstance(problem, str) else problem
    value = kwargs.pop("value", None)
    value = DEFAULT_VALUES.get(problem, 1) if value is None else value
    panel = [algorithm, Search(problem, value, K)]
    kwargs.setdefault("randomized_seeds", 40)
    return run(problem, K, value=value, panel=panel, **kwargs)

