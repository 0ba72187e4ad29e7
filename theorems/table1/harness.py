"""Table 1 of the paper, recomputed with certified distances, explained, and pushed past float64.

The experiment (Colbrook, Antun & Hansen, PNAS 2022, Table 1; SPEC section 6).  Problem (P3),
square-root LASSO with ``lam = 1``; the gadget with ``N1 = 2`` switch and ``N2 = 20`` content
coordinates (A is 21 x 22), ``D`` the orthonormal DCT-II, ``alpha = sqrt(2) 10^K / 3`` and
``eps = 2^-(n+1)``.  Two members: ``j = 2`` (the data the networks see) and ``j = 1`` (the
truth).  They share every sample and differ only in where ``eps`` sits, so
``||A^(1) - A^(2)||_2 = sqrt(2) eps < 2^-n``: member 2's level-n data are valid level-n data
for member 1 too.  At the table's sample ``y = D e_1`` (``y0 = 1``, no content) member 1's
solution set is the single point ``e_1/(alpha + eps)`` and member 2's is ``e_2/(alpha + eps)``,
``sqrt(2)/(alpha + eps) = 3 10^-K / (1 + eps/alpha)`` apart.

For each K in {1, 3, 6} and n in {10, 20, 30} (:func:`run`):

* LISTA (:mod:`algorithms.learned.lista`) is trained on member 2: it reads ``A_n`` and the training
  samples ``y_{k,n}`` through member 2's oracle; the labels (member 2's exact minimisers, in
  float64) are supplied by this harness from the instance class, as in the paper.  The trained
  network is then evaluated EXACTLY (rational arithmetic) at member 2's level-n sample ``y_n``.
* FIRENET (:mod:`algorithms.solvers.firenet`, 30 restarts of 50 steps, ``delta = 1e-6``, step
  sizes with ``tau sigma L^2 < 1``) reads member 2's ``A_n`` and ``y_n`` and runs in rigorous ball
  arithmetic (``Ball``), whose balls contain the exact-arithmetic output.
* Each output's distance to member 1's solution set is enclosed in a certified interval
  ``[lower, upper]`` (:func:`theorems.instances.distance.distance`).

Columns: ``LISTA``/``FIRENET`` are the certified enclosures of
``dist(network(y_n), Xi(A^(1), y))``; ``published`` the paper's numbers (7 decimals);
``K-1 digits``: both networks are certified within ``10^-(K-1)``; ``K digits``: some network is
certified within ``10^-K``.  The theorem predicts ``K-1`` yes, ``K`` no, in every cell.

Discrepancies with the published table are explained by :func:`published_replica`, a float64
re-enactment of the published set-up (see ``theorems/table1/TABLE1.md``), and the grid is extended
to
levels n in {40, 60, 100} (K up to 10) where the published float64 construction cannot even
tell the two members apart (:func:`float64_members_identical`, :func:`collapse_level`).

Which parts are the paper's: the experiment, its parameters and the published numbers.  Ours:
the certified evaluation, the oracle-based training data, the re-enactment and the analysis.

Building the oracle data of thousands of samples with irrational DCT entries is slow (SymPy),
and every member of the table shares the same samples (only ``A`` differs), so
:class:`SampleBank` compiles the samples once and gives each member its own ``A`` through
:meth:`oracle.ExactData.with_matrix`, which shares the compiled samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import sympy

from algorithms.arithmetic import Ball, Exact
from algorithms.learned.lista import LISTA
from algorithms.solvers.firenet import FIRENET
from theorems._display import Displayable
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances.distance import (
    Enclosure,
    correct_to_digits,
    distance,
)
from theorems.table1.replica import (
    Float64Pair,
    Replica,
    collapse_level,
    float64_pair,
    published_replica,
)
from theorems.table1.setup import (
    BEYOND_K,
    BEYOND_N,
    GRID_K,
    GRID_N,
    LAM,
    PROFILES,
    PUBLISHED,
    Profile,
    SampleBank,
    _enclosure_of,
    _int,
    table_member,
)

__all__ = [
    "NetworkResult",
    "Cell",
    "BeyondCell",
    "Table1Result",
    "run_cell",
    "run",
]

# =============================================================================== one cell


@dataclass(frozen=True)
class NetworkResult:
    """One network's certified error in one cell.

    ``distance``: certified enclosure of ``dist(output, Xi(member 1))``; ``verdict_K`` and
    ``verdict_K1``: three-valued "correct to K (resp. K-1) digits"; ``samples_read``: distinct
    oracle entries read to build (and feed) the network; ``seconds``: wall time; ``context``:
    where the output was computed; ``detail``: training facts.
    """

    distance: Enclosure
    verdict_K: bool | None
    verdict_K1: bool | None
    samples_read: int
    seconds: float
    context: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One (K, n) cell: both networks, the published numbers and reference distances.

    ``vertex``: ``sqrt(2)/(alpha + eps)``, the error of the exact member-2 solution (what a
    perfectly trained LISTA scores); ``barycentre``: ``1/(sqrt(2)(alpha + eps))``, the error of
    the midpoint of the two vertices.
    """

    K: int
    n: int
    lista: NetworkResult
    firenet: NetworkResult
    published: tuple[str, str] | None
    vertex: Enclosure
    barycentre: Enclosure

    @property
    def correct_K(self) -> bool:
        """Some network is certified correct to K digits."""
        return bool(self.lista.verdict_K) or bool(self.firenet.verdict_K)

    @property
    def correct_K1(self) -> bool:
        """Both networks are certified correct to K-1 digits."""
        return bool(self.lista.verdict_K1) and bool(self.firenet.verdict_K1)

    @property
    def decided_K(self) -> bool | None:
        """Three-valued :attr:`correct_K`: ``True`` if some network is certified within
        ``10^-K``, ``False`` if both are certified outside, ``None`` otherwise (undecided)."""
        v = (self.lista.verdict_K, self.firenet.verdict_K)
        return True if True in v else (False if v == (False, False) else None)

    @property
    def decided_K1(self) -> bool | None:
        """Three-valued :attr:`correct_K1`: ``True`` if both networks are certified within
        ``10^-(K-1)``, ``False`` if some network is certified outside, ``None`` otherwise."""
        v = (self.lista.verdict_K1, self.firenet.verdict_K1)
        return False if False in v else (True if v == (True, True) else None)

    @property
    def as_predicted(self) -> bool:
        """``10^-K < d <= 10^-(K-1)`` certified for both networks."""
        return all(r.verdict_K is False and r.verdict_K1 is True
                   for r in (self.lista, self.firenet))


def _verdicts(enc: Enclosure, K: int) -> tuple[bool | None, bool | None]:
    return correct_to_digits(enc, K), correct_to_digits(enc, K - 1)


def run_cell(K: int, n: int, profile: str | Profile, bank: SampleBank) -> Cell:
    """Train LISTA on member 2 and run FIRENET on member 2's level-n data; certify both
    outputs' distances to member 1's solution set.  ``profile``: a :class:`Profile` or the
    name of one in :data:`PROFILES`; ``bank``: the samples LISTA learns from."""
    K = _int(K, "K", 1)
    n = _int(n, "n", 1)
    profile = _profile(profile, "profile")
    if not isinstance(bank, SampleBank):
        raise InvalidType(f"bank={bank!r} must be a theorems.table1.setup.SampleBank")
    seen, truth = table_member(K, n, 2), table_member(K, n, 1)
    # ---- LISTA: trained through member 2's oracle, evaluated exactly at y_n
    t0 = time.perf_counter()
    train_oracle = bank.oracle(seen)
    algo = LISTA(bank.labels(seen), train=bank.train, validation=bank.validation, level=n,
                 settings=profile.lista_settings(K))
    fit = algo.fit(train_oracle)
    y_n = train_oracle.sample(0, n)
    x_lista = Exact().to_rationals(fit.network(y_n, Exact()))
    d_lista = distance(x_lista, truth, 0, bits=profile.bits)
    lista = NetworkResult(
        d_lista, *_verdicts(d_lista, K), train_oracle.samples_read,
        time.perf_counter() - t0, "exact",
        {"epochs": profile.epochs, "best_epoch": fit.best_epoch,
         "validation_loss": fit.best_validation_loss, "train_seconds": fit.seconds,
         "learning_rate": profile.learning_rate(K), "train": bank.train_count,
         "validation": bank.validation_count})
    # ---- FIRENET: member 2's level-n data, rigorous balls
    t1 = time.perf_counter()
    ctx = Ball(profile.ball_prec)
    fire_oracle = seen.oracle()
    net = FIRENET(level=n, lam=LAM, n_outer=profile.n_outer, p_inner=profile.p_inner,
                  delta=profile.delta, ctx=ctx).train(fire_oracle)
    x_fire = net(fire_oracle.sample(0, n))
    d_fire = distance(x_fire, truth, 0, bits=profile.bits)
    firenet = NetworkResult(
        d_fire, *_verdicts(d_fire, K), fire_oracle.samples_read,
        time.perf_counter() - t1, ctx.name,
        {"n_outer": profile.n_outer, "p_inner": profile.p_inner, "delta": profile.delta,
         "tau": float(net.parameters.tau), "L": float(net.parameters.L)})
    aj = seen.a_j
    return Cell(K, n, lista, firenet, PUBLISHED.get((K, n)),
                _enclosure_of(sympy.sqrt(2) / aj), _enclosure_of(1 / (sympy.sqrt(2) * aj)))


@dataclass(frozen=True)
class BeyondCell:
    """A cell past float64: the networks' certified errors and how float64 sees the pair."""

    cell: Cell
    pair: Float64Pair


# =============================================================================== the run


@dataclass(frozen=True, repr=False)
class Table1Result(Displayable):
    """Everything :func:`run` computed (plain records; formatting is separate).

    At a prompt it shows one line; ``summary()`` prints the tables and ``_repr_html_`` shows
    them in a notebook (both through :mod:`theorems.table1.report`).

    ``cells``: the paper's grid; ``beyond``: the extension; ``replicas``: the re-enactment of
    the published FIRENET column; ``collapse``: K -> first level at which the published float64
    pair is bit-identical; ``seconds``: wall time per stage; ``profile``: the settings used.
    """

    profile: Profile
    cells: tuple[Cell, ...]
    beyond: tuple[BeyondCell, ...]
    replicas: tuple[Replica, ...]
    collapse: dict[int, int]
    seconds: dict[str, float]
    beyond_profile: Profile | None = None

    _report_module = "theorems.table1.report"

    def _headline(self) -> str:
        # certified both ways: an undecided "K digits" verdict is not counted as "not K"
        ok = sum(1 for c in self.cells if c.as_predicted)
        return (f"profile={self.profile.name!r}: {len(self.cells)} cells ({ok} with K-1 but "
                f"not K digits), {len(self.beyond)} past float64, {len(self.replicas)} replica "
                f"rows, {self.seconds.get('total', 0.0):.1f} s")


Progress = Callable[[str], object]


def run(
    *,
    profile: str | Profile = "fast",
    full: bool = False,
    Ks: Sequence[int] = GRID_K,
    ns: Sequence[int] = GRID_N,
    beyond: bool = True,
    beyond_Ks: Sequence[int] = BEYOND_K,
    beyond_ns: Sequence[int] = BEYOND_N,
    beyond_profile: str | Profile | None = None,
    progress: Progress | None = None,
) -> Table1Result:
    """Recompute Table 1 (and its extension past float64) with certified distances.

    ``profile``: ``"tiny"``, ``"fast"`` (default), ``"full"`` or a :class:`Profile`; ``full=True``
    is ``profile="full"`` (the paper's 8000 samples and 4000 epochs).  ``Ks``/``ns``: the grid
    (default the paper's).  ``beyond``: also run ``beyond_Ks`` x ``beyond_ns``; those cells use
    ``beyond_profile`` (default: the same profile, except ``"fast"`` when the main profile is
    ``"full"``, to keep the run within hours).  ``progress(message)`` is called before each
    stage.  Returns a :class:`Table1Result`; nothing is printed.
    """
    if full:
        profile = "full"
    prof = _profile(profile, "profile")
    if progress is not None and not callable(progress):
        raise InvalidType(f"progress={progress!r} must be a callable taking one message "
                          f"string, or None")
    Ks = tuple(_int(K, "Ks[]", 1) for K in _seq(Ks, "Ks"))
    ns = tuple(_int(n, "ns[]", 1) for n in _seq(ns, "ns"))
    # the extension is checked before the (long) grid runs, not after it
    beyond_Ks = tuple(_int(K, "beyond_Ks[]", 1) for K in _seq(beyond_Ks, "beyond_Ks"))
    beyond_ns = tuple(_int(n, "beyond_ns[]", 1) for n in _seq(beyond_ns, "beyond_ns"))
    if beyond_profile is not None:
        _profile(beyond_profile, "beyond_profile")
    say = progress if progress is not None else (lambda message: None)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    bank = SampleBank(prof.train, prof.validation, seed=prof.seed)
    cells = []
    for K in Ks:
        for n in ns:
            say(f"cell K={K} n={n}: training LISTA ({prof.epochs} epochs), running FIRENET")
            cells.append(run_cell(K, n, prof, bank))
    seconds["bank_build"] = bank.build_seconds
    seconds["grid"] = time.perf_counter() - t0
    say("re-enacting the published FIRENET column in float64")
    t1 = time.perf_counter()
    # the published script's index reuse depends on each K's position in the paper's grid
    replicas = tuple(r for r in published_replica(GRID_K, ns, bits=prof.bits) if r.K in Ks)
    seconds["replica"] = time.perf_counter() - t1
    beyond_cells: list[BeyondCell] = []
    bprof = None
    collapse: dict[int, int] = {}
    if beyond:
        if beyond_profile is None:
            bprof = PROFILES["fast"] if prof.name == "full" else prof
        else:
            bprof = _profile(beyond_profile, "beyond_profile")
        bbank = bank if (bprof.train, bprof.validation, bprof.seed) == (
            prof.train, prof.validation, prof.seed) else SampleBank(
            bprof.train, bprof.validation, seed=bprof.seed)
        t2 = time.perf_counter()
        for K in beyond_Ks:
            collapse[_int(K, "beyond_Ks[]", 1)] = collapse_level(K)
            for n in beyond_ns:
                say(f"beyond float64: K={K} n={n}")
                cell = run_cell(K, n, bprof, bbank)
                beyond_cells.append(BeyondCell(cell, float64_pair(K, n, bits=bprof.bits)))
        seconds["beyond"] = time.perf_counter() - t2
    for K in Ks:
        collapse.setdefault(K, collapse_level(K))
    seconds["total"] = time.perf_counter() - t0
    return Table1Result(prof, tuple(cells), tuple(beyond_cells), replicas,
                        dict(sorted(collapse.items())), seconds, bprof)


def _seq(value: object, name: str) -> Sequence[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidType(f"{name}={value!r} must be a sequence of integers, e.g. (1, 3)")
    return tuple(value)


def _profile(value: str | Profile, where: str) -> Profile:
    if isinstance(value, Profile):
        return value
    if isinstance(value, str) and value in PROFILES:
        return PROFILES[value]
    raise InvalidArgument(f"{where}={value!r} must be one of {', '.join(PROFILES)} or a Profile")


