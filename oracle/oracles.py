"""Oracles: the only way an algorithm sees a problem.

An oracle answers two queries about exact data ``(A, S)``:

* ``matrix(n)``    -> a rational matrix ``A_n`` with ``||A_n - A||_2 <= 2^-(n + tighten)``;
* ``sample(k, n)`` -> a rational vector ``y_{k,n}`` with ``||y_{k,n} - y_k||_2 <= 2^-(n+tighten)``.

Complex parts are served as :class:`~oracle.answers.ComplexAnswer` with the same promise for
the complex error; a matrix-free problem (``Oracle(None, samples, shape=(m, N))``) serves
samples only, and ``matrix(n)`` raises :class:`~oracle.errors.NoMatrix`.

Together these are the paper's training set ``iota_{A,S}``.  Every call is logged (``reads``),
distinct entries are counted (``samples_read``, the theorem's "amount of training data"),
budgets are enforced BEFORE any work is done, and answers are memoised so that the same query
always gets the identical answer (the consistency axiom of SPEC section 2 depends on this).

Answers are a function of ``(part, level)`` alone: two oracles on the same exact data serve
identical arrays at a level whatever was read before (the enclosures behind an answer are
those a cold evaluation at that level makes, see :meth:`oracle.ExactData.balls`).  Every
reader gets its own read-only copy of an answer, so changing one (even after setting
``flags.writeable = True``) changes no later read.

In-process hardening is best-effort.  ``budget``, ``tighten``, ``ceiling`` and an adversarial
oracle's ``cover`` are read-only properties, the read log is kept in name-mangled attributes
and handed out as a tuple, and :meth:`BaseOracle.fresh` clones report every read to their
parent (whose budget they also obey); ``copy.copy`` is an alias and ``copy.deepcopy`` a
``fresh`` clone, and pickling is refused (:class:`~oracle.errors.InvalidType`), so an
algorithm that captured an oracle cannot carry its exact data into a sealed process.  Code
running in the same Python process can still reach anything (``exact_data``, ``__dict__``,
the garbage collector, the call stack, and the read log, whose bounds say more than the
answers); the real guarantee is the process boundary of the harness, which gives an
algorithm an oracle client that holds no exact data at all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import gmpy2
import numpy as np

from oracle.answers import ComplexAnswer
from oracle.certify import Certified, certified_approximation, format_upper, proven_error
from oracle.data import ExactData, as_exact_data
from oracle.entries import integer_or_none
from oracle.errors import (
    BudgetExceeded,
    InvalidArgument,
    InvalidType,
    ReadOnlyAttribute,
    short,
)
from oracle.exact import MAX_BITS, check_bits

__all__ = ["Budget", "ReadRecord", "BaseOracle", "Oracle", "AdversarialOracle", "DEFAULT_CEILING"]

#: default hard ceiling on the level n (bits); ``matrix(10**9)`` is refused, not attempted.
#: An oracle's ``ceiling`` may be raised up to :data:`oracle.exact.MAX_BITS`, and
#: ``n + tighten`` may never exceed :data:`~oracle.exact.MAX_BITS`.
DEFAULT_CEILING = 1 << 16


def _check_level(n: object, name: str = "n") -> int:
    value = integer_or_none(n)
    if value is None:
        raise InvalidType(f"{name}={short(n, use_repr=True)} must be a non-negative integer")
    if value < 0:
        raise InvalidArgument(f"{name}={short(n)} must be a non-negative integer")
    return value


def _read_only(name: str) -> property:
    """A property that reads ``_BaseOracle__<name>`` and refuses assignment."""
    attr = f"_BaseOracle__{name}"

    def get(self: BaseOracle) -> object:
        return getattr(self, attr)

    def refuse(self: BaseOracle, value: object) -> None:
        raise ReadOnlyAttribute(
            f"{name} is read-only: an oracle's {name} is fixed when it is built (build a new "
            f"oracle, or use oracle.fresh(budget=...) for a tighter budget)"
        )

    return property(get, refuse, doc=f"The oracle's ``{name}`` (read-only).")


def _check_optional_count(value: object, name: str) -> int | None:
    if value is None:
        return None
    return _check_level(value, name)


@dataclass(frozen=True)
class Budget:
    """Limits on what an algorithm may read.

    ``max_level``: deepest level n allowed; ``max_reads``: number of DISTINCT entries
    (``A_n`` or ``y_{k,n}``) allowed.  ``None`` means unlimited.
    """

    max_level: int | None = None
    max_reads: int | None = None

    def __post_init__(self) -> None:
        # stored as plain ints (a numpy or gmpy2 integer is accepted and converted)
        object.__setattr__(self, "max_level", _check_optional_count(self.max_level, "max_level"))
        object.__setattr__(self, "max_reads", _check_optional_count(self.max_reads, "max_reads"))


@dataclass(frozen=True)
class ReadRecord:
    """One logged query.

    ``kind`` is ``"matrix"`` or ``"sample"``; ``k`` the sample index (``None`` for the matrix);
    ``n`` the level; ``seconds`` the time the call took; ``cached`` whether the answer was
    already known; ``source`` ``"honest"`` or ``"cover"`` (adversarial oracles); ``bound`` the
    certified 2-norm error bound of the answer (an exact rational).
    """

    kind: str
    k: int | None
    n: int
    seconds: float
    cached: bool
    source: str
    bound: gmpy2.mpq = field(repr=False)

    @property
    def key(self) -> tuple[str, int | None, int]:
        return (self.kind, self.k, self.n)


class BaseOracle:
    """Logging, budgets, validation and memoisation shared by every oracle.

    Subclasses implement ``_answer(kind, k, n) -> (Certified, source)``.
    """

    budget = _read_only("budget")
    tighten = _read_only("tighten")
    ceiling = _read_only("ceiling")

    def __init__(
        self,
        data: ExactData,
        *,
        budget: Budget | None = None,
        tighten: int = 0,
        ceiling: int = DEFAULT_CEILING,
        _memo: dict | None = None,
    ):
        self._data = data
        self.__budget = _check_budget(budget)
        self.__tighten = check_bits(tighten, "tighten", lowest=0)
        self.__ceiling = check_bits(ceiling, "ceiling", lowest=0)
        self.__memo: dict[tuple[str, int | None, int], tuple[Certified, str]] = (
            {} if _memo is None else _memo
        )
        self.__reads: list[ReadRecord] = []
        self.__distinct: set[tuple[str, int | None, int]] = set()
        self.__parent: BaseOracle | None = None

    # ------------------------------------------------------------------ public API
    @property
    def shape(self) -> tuple[int, int]:
        """``(m, N)``: the matrix's shape (public knowledge, not a read)."""
        return self._data.shape

    @property
    def num_samples(self) -> int:
        """``R``: how many samples the problem has (public knowledge, not a read)."""
        return self._data.R

    @property
    def has_matrix(self) -> bool:
        """``False`` for a matrix-free problem (public knowledge, not a read)."""
        return self._data.has_matrix

    def matrix(self, n: int) -> np.ndarray | ComplexAnswer:
        """``A_n``: read-only (m, N) object array of dyadic ``gmpy2.mpq`` within ``2^-(n+tighten)``
        of ``A`` in the operator 2-norm (a :class:`~oracle.answers.ComplexAnswer` for a complex
        matrix).

        Every call returns a new array (equal to every other answer at ``n``), owned by the
        caller: changing it changes nothing else.  A matrix-free problem raises
        :class:`~oracle.errors.NoMatrix` before anything is checked, logged or counted.
        """
        if not self._data.has_matrix:
            raise self._data._no_matrix()
        return self._read("matrix", None, n)

    def sample(self, k: int, n: int) -> np.ndarray | ComplexAnswer:
        """``y_{k,n}``: read-only (m,) object array of dyadic ``gmpy2.mpq`` within
        ``2^-(n+tighten)`` of ``y_k`` (``k`` is 0-based); a new array on every call.  A complex
        sample gives a :class:`~oracle.answers.ComplexAnswer` with the same promise for the
        complex error."""
        index = integer_or_none(k)
        if index is None:
            raise InvalidType(f"k={short(k, use_repr=True)} must be an integer sample index")
        if not 0 <= index < self._data.R:
            raise InvalidArgument(
                f"k={short(k)} is out of range: this problem has R={self._data.R} samples "
                f"(k = 0..{self._data.R - 1})"
            )
        return self._read("sample", index, n)

    @property
    def reads(self) -> tuple[ReadRecord, ...]:
        """Every query in order, repeats included, reads made through :meth:`fresh` clones too
        (a tuple: a copy of the log)."""
        return tuple(self.__reads)

    @property
    def samples_read(self) -> int:
        """Number of DISTINCT entries (``A_n`` or ``y_{k,n}``) read: the training-data size."""
        return len(self.__distinct)

    @property
    def deepest_level(self) -> int | None:
        """The largest level read so far (``None`` before the first read)."""
        return max((r.n for r in self.__reads), default=None)

    def fresh(self, budget: Budget | None = None) -> BaseOracle:
        """A new oracle on the same data with an empty log that shares this one's memo, so the
        same query keeps getting the identical answer.

        The clone cannot escape this oracle: every read it makes is also logged here (and in
        this oracle's own parents), and must fit this oracle's budget as well as ``budget``
        (the clone's own, default unlimited).  So ``fresh(Budget(max_reads=M))`` gives a
        tighter budget, never a looser one.
        """
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.__budget = _check_budget(budget)
        clone.__reads = []
        clone.__distinct = set()
        clone.__parent = self
        return clone

    def explain(self) -> str:
        """A plain-text account of what was read, at which level, and how long it took."""
        lines = [
            f"{type(self).__name__} on {self._data.m} x {self._data.N} data with "
            f"{self._data.R} sample(s); tighten={self.tighten}; budget: "
            f"max_level={self.budget.max_level}, max_reads={self.budget.max_reads}",
            f"{len(self.__reads)} read(s), {self.samples_read} distinct entr"
            f"{'y' if self.samples_read == 1 else 'ies'}, deepest level {self.deepest_level}",
        ]
        for i, r in enumerate(self.__reads):
            what = "A_n" if r.kind == "matrix" else f"y_{r.k},n"
            lines.append(
                f"  #{i:<3} {what:<7} n={r.n:<6} error <= {format_upper(r.bound)} "
                f"(<= 2^-{r.n + self.tighten})  {r.source:<6} "
                f"{'cached' if r.cached else 'computed'} in {r.seconds * 1e3:.2f} ms"
            )
        return "\n".join(lines)

    def __copy__(self) -> BaseOracle:
        """``copy.copy(oracle)``: the same oracle under another name (it shares the read log,
        the budget and the memo, so every read through it is logged here)."""
        alias = object.__new__(type(self))
        alias.__dict__.update(self.__dict__)
        return alias

    def __deepcopy__(self, memo: dict) -> BaseOracle:
        """``copy.deepcopy(oracle)`` is ``oracle.fresh(oracle.budget)``: a clone with an empty
        log whose reads are also logged here and must fit this oracle's budget.  An
        independent copy would be a way to read without being logged."""
        return self.fresh(self.budget)

    def __reduce_ex__(self, protocol: object) -> object:
        """Refused: an oracle holds the exact data, which must not travel to another process
        (a sealed run gives the algorithm a client that forwards its queries instead)."""
        raise InvalidType(
            f"an {type(self).__name__} cannot be pickled: it holds the exact data, which an "
            f"algorithm may only see through matrix(n) and sample(k, n).  Pass the oracle to "
            f"train(oracle) instead of capturing it (a sealed run gives the algorithm a client "
            f"that forwards its queries to this process)"
        )

    def __repr__(self) -> str:
        m, N = self.shape
        return (
            f"{type(self).__name__}(shape=({m}, {N}), R={self.num_samples}, "
            f"tighten={self.tighten}, reads={len(self.__reads)})"
        )

    # ------------------------------------------------------------------ machinery
    def _lineage(self) -> list[BaseOracle]:
        """This oracle and its parents (through :meth:`fresh`), nearest first."""
        chain: list[BaseOracle] = []
        node: BaseOracle | None = self
        while node is not None:
            chain.append(node)
            node = node.__parent
        return chain

    def _refuse(self, key: tuple[str, int | None, int]) -> None:
        """Raise :class:`BudgetExceeded` if this oracle may not serve ``key``."""
        kind, k, n = key
        if n > self.__ceiling:
            raise BudgetExceeded(
                f"n={short(n)} exceeds this oracle's ceiling={self.__ceiling} on the level; "
                f"build the oracle with a larger ceiling= (at most MAX_BITS={MAX_BITS}) if you "
                f"really need it",
                limit="ceiling",
                attempted=key,
            )
        if n + self.__tighten > MAX_BITS:
            raise BudgetExceeded(
                f"n={short(n)} with tighten={self.__tighten} exceeds the limit "
                f"MAX_BITS={MAX_BITS} on n + tighten",
                limit="ceiling",
                attempted=key,
            )
        if key in self.__distinct:
            return
        b = self.__budget
        if b.max_level is not None and n > b.max_level:
            raise BudgetExceeded(
                f"reading {kind} k={k} at n={n} exceeds the budget max_level={b.max_level}",
                limit="max_level",
                attempted=key,
            )
        if b.max_reads is not None and len(self.__distinct) + 1 > b.max_reads:
            raise BudgetExceeded(
                f"reading {kind} k={k} at n={n} would be distinct entry number "
                f"{len(self.__distinct) + 1}, beyond the budget max_reads={b.max_reads}",
                limit="max_reads",
                attempted=key,
            )

    def _read(self, kind: str, k: int | None, n: object) -> np.ndarray:
        n = _check_level(n)
        key = (kind, k, n)
        lineage = self._lineage()
        for node in lineage:  # every budget in the lineage, before any work
            node._refuse(key)
        start = time.perf_counter()
        hit = self.__memo.get(key)
        cached = hit is not None
        if hit is None:
            hit = self._answer(kind, k, n)
            self.__memo[key] = hit
        answer, source = hit
        record = ReadRecord(kind, k, n, time.perf_counter() - start, cached, source, answer.bound)
        for node in lineage:
            node.__distinct.add(key)
            node.__reads.append(record)
        if isinstance(answer.values, ComplexAnswer):
            return answer.values.copy()  # the reader's own copies of both parts
        served = answer.values.copy()  # the reader's own copy: owns its data, read-only
        served.flags.writeable = False
        return served

    def _honest(self, kind: str, k: int | None, n: int) -> Certified:
        data = self._data
        if kind == "matrix":
            return certified_approximation(data, "A", n + self.tighten, data.shape)
        return certified_approximation(data, k, n + self.tighten, (data.m,))

    def _answer(self, kind: str, k: int | None, n: int) -> tuple[Certified, str]:
        raise NotImplementedError


def _check_budget(budget: object) -> Budget:
    if budget is None:
        return Budget()
    if not isinstance(budget, Budget):
        raise InvalidType(
            f"budget={short(budget, use_repr=True)} must be an oracle.Budget(max_level=..., "
            f"max_reads=...) or None"
        )
    return budget


class Oracle(BaseOracle):
    """An honest oracle for exact data ``(A, samples)``.

    Parameters
    ----------
    A:
        ``sympy.Matrix`` (or nested lists, or a 2-D object array) of exact real entries, shape
        (m, N); a matrix given by a formula (:class:`~oracle.formula.DCT2`,
        :class:`~oracle.formula.DFT`, :class:`~oracle.formula.FormulaMatrix`); an
        :class:`ExactData`, which holds its own samples (``samples`` must then be empty); or
        ``None`` for a matrix-free problem (the operator is known exactly and not served:
        :meth:`matrix` raises :class:`~oracle.errors.NoMatrix`; ``shape`` is then required).
    samples:
        Sequence of R length-m vectors of exact real or complex entries,
        :class:`~oracle.evaluators.CertifiedVector` or :class:`~oracle.formula.FormulaVector`
        objects (see :class:`ExactData`).
    shape:
        ``(m, N)``; required when ``A is None``, checked against ``A`` otherwise.
    complex_matrix:
        Accept complex entries in ``A`` (samples may always be complex).
    budget:
        :class:`Budget` limiting the deepest level and the number of distinct entries read.
    tighten:
        Serve every level ``n`` with accuracy ``2^-(n + tighten)`` instead of ``2^-n``.
    ceiling:
        Hard limit on ``n`` (default 65536) so that a runaway query cannot exhaust memory.

    Examples
    --------
    >>> import sympy
    >>> o = Oracle(sympy.Matrix([[sympy.sqrt(2), 1]]), [sympy.Matrix([sympy.pi])])
    >>> o.matrix(10)[0, 0]
    mpq(5793,4096)
    >>> o.samples_read
    1
    """

    def __init__(
        self,
        A: object,
        samples: Sequence[object] = (),
        *,
        shape: tuple[int, int] | None = None,
        complex_matrix: bool = False,
        budget: Budget | None = None,
        tighten: int = 0,
        ceiling: int = DEFAULT_CEILING,
    ):
        if isinstance(A, ExactData):
            if not (isinstance(samples, Sequence) and len(samples) == 0):
                raise InvalidArgument(
                    f"A is {A!r}, which holds its own samples, but samples= was given too; "
                    f"pass Oracle(data), or Oracle(data.A, samples) for other samples"
                )
            if shape is not None and tuple(shape) != A.shape:
                raise InvalidArgument(f"shape={tuple(shape)} but the data have {A.shape}")
            data = A
        else:
            data = ExactData(A, samples, shape=shape, complex_matrix=complex_matrix)
        super().__init__(data, budget=budget, tighten=tighten, ceiling=ceiling)

    @property
    def exact_data(self) -> ExactData:
        """The exact data behind the oracle.  For the harness (``theorems``) only: an algorithm
        that reads it is cheating, and the harness's consistency check reports it as such."""
        return self._data

    def _answer(self, kind: str, k: int | None, n: int) -> tuple[Certified, str]:
        return self._honest(kind, k, n), "honest"


class AdversarialOracle(BaseOracle):
    """An oracle for ``truth`` that answers with ``cover``'s data whenever that is admissible.

    For each query at level n, the cover's answer is served if it is PROVEN to be within
    ``2^-(n + tighten)`` of the truth's data (2-norm); otherwise an honest approximation of the
    truth is served.  Every answer is therefore valid training data for ``truth``, and as long
    as the cover's answers are admissible, the answer stream is identical to the cover's: this
    is how one stream is made valid for several instances at once (SPEC section 5).

    Queries made to the cover are logged by the cover too.  If the cover's own budget refuses a
    read, its :class:`BudgetExceeded` propagates.  ``records[i].source`` says which answer was
    served.
    """

    def __init__(
        self,
        truth: object,
        cover: BaseOracle,
        *,
        budget: Budget | None = None,
        tighten: int = 0,
        ceiling: int = DEFAULT_CEILING,
    ):
        if not isinstance(cover, BaseOracle):
            raise InvalidType(f"cover has type {type(cover).__name__}; pass an oracle")
        data = as_exact_data(truth)
        if data.shape != cover.shape or data.R != cover.num_samples:
            raise InvalidArgument(
                f"cover serves {cover.shape} data with {cover.num_samples} samples but truth is "
                f"{data.shape} with {data.R} samples"
            )
        super().__init__(data, budget=budget, tighten=tighten, ceiling=ceiling)
        self._cover = cover

    @property
    def cover(self) -> BaseOracle:
        """The oracle whose answers are served while they are admissible (read-only)."""
        return self._cover

    @cover.setter
    def cover(self, value: object) -> None:
        raise ReadOnlyAttribute("cover is read-only: it is fixed when the oracle is built")

    @property
    def exact_data(self) -> ExactData:
        """The truth's exact data (for the harness only)."""
        return self._data

    def _answer(self, kind: str, k: int | None, n: int) -> tuple[Certified, str]:
        target = n + self.tighten
        if kind == "matrix":
            offered = self.cover.matrix(n)
            exact = self._data.part("A")
        else:
            offered = self.cover.sample(k, n)
            exact = self._data.part(k)
        bound = proven_error(offered, exact, target)
        if bound is not None:
            return Certified(offered, bound, target), "cover"
        return self._honest(kind, k, n), "honest"
