"""The theorem's own algorithms for the gadget class Omega (SPEC section 5).

Every algorithm here talks to the problem ONLY through an oracle (``oracle.matrix(n)``,
``oracle.sample(k, n)``) and returns an explicit :class:`~algorithms.networks.NeuralNetwork`.
They are designed for the class, so they know what the class makes public: the problem
(P1 with ``eta``, P2 or P3 with ``lam``), the digit target ``K`` and the block layout (the first
``N1 = N + 1 - m`` coordinates are the "switch" block).  They do NOT know the orthogonal ``D``,
the switch index ``j`` or the perturbation ``eps``.

How the networks are derived.  For a member, ``A = D [[a^T, 0], [0, ||a|| I]]`` and
``y = D (y0, c)``, so ``A^T y = (y0 a, ||a|| c)`` and ``A A^T = ||a||^2 I``.  Writing
``w = A^T y``, ``s = ||a||^2 = ||A||_F^2 / m`` and ``q_i = ||A e_i||^2 = a_i^2`` (switch
columns), the closed-form minimisers of SPEC section 4 become maps of ``y`` that only need
rational data:

* (P3) vertex ``u_j = w_j / q_j``; barycentre ``u_i = w_i / s``; content ``v = w_c / s``;
* (P2) vertex ``u_j = (w_j - lam/2) / q_j``; barycentre ``u_i = (w_i - lam/2) / s``;
  content ``v = soft(w_c / s, lam / (2 s))``;
* (P1, content ``c = 0``) vertex ``u_j = w_j / q_j - eta / sqrt(q_j)``; barycentre
  ``u_i = (w_i - eta sqrt(s / N1)) / s``; content ``v = w_c / s`` (zero on the class).

(the barycentre formulas use ``a_i = alpha`` for all i, i.e. ``s = N1 alpha^2``).  Each network is
ONE layer ``x = rho(M y + b)`` with ``rho`` the identity or an entrywise soft-threshold, with
``M``, ``b`` computed in exact rationals from one matrix ``A_n`` read from the oracle (square
roots are replaced by rational upper bounds accurate to ``2^-(K*log2(10) + 64)``).

The family is decided from ``s``: family I has ``alpha^2 = 2*10^(2K)/9``, family II a hundred
times less; the threshold is the geometric mean ``N1 * 2*10^(2K-1)/9``.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument, InvalidType
from algorithms.networks import NeuralNetwork
from algorithms.rationals import as_mpq, as_positive_int, mpq_sqrt_lower, mpq_sqrt_upper

__all__ = [
    "GadgetKnowledge",
    "Barycentre",
    "Search",
    "RandomVertex",
    "ExactSolveAtLevel",
    "coarse_level",
]

PROBLEMS = ("P1", "P2", "P3")
_Q = gmpy2.mpq


def coarse_level(K: int) -> int:
    """The level at which the barycentre networks read ``A_n``: ``ceil(K log2 10) + 12``.

    Then the network's own error (from using ``A_n`` instead of ``A``) is below
    ``2^-12 * 10^-K``, far below the ``10^-(K-1)``-scale effects the theorem is about.
    """
    return math.ceil(K * math.log2(10)) + 12


@dataclass(frozen=True)
class GadgetKnowledge:
    """What an algorithm designed for the class Omega knows in advance.

    ``problem`` is ``"P1"``, ``"P2"`` or ``"P3"``; ``value`` is ``eta`` (P1) or ``lam`` (P2,
    P3), an exact rational; ``K`` the digit target of the class.
    """

    problem: str
    value: object
    K: int

    def __post_init__(self) -> None:
        if self.problem not in PROBLEMS:
            raise InvalidArgument(f"problem={self.problem!r} must be one of {PROBLEMS}")
        object.__setattr__(self, "value", as_mpq(self.value, "value"))
        if self.value < 0 or (self.problem != "P1" and self.value == 0):
            raise InvalidArgument(f"value={self.value} must be > 0 (>= 0 for P1's eta)")
        object.__setattr__(self, "K", as_positive_int(self.K, "K", 1))

    @property
    def bits(self) -> int:
        """Relative accuracy of the rational square-root bounds used in the networks."""
        return math.ceil(self.K * math.log2(10)) + 64

    def threshold(self, N1: int) -> gmpy2.mpq:
        """``s`` above this means family I, below it family II."""
        return _Q(2 * N1 * 10 ** (2 * self.K - 1), 9)


def _check_matrix(A: object, shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(A, dtype=object)
    if arr.shape != shape:
        raise InvalidArgument(f"A_n has shape {arr.shape}; the oracle promised {shape}")
    return arr


@dataclass(frozen=True)
class _Stats:
    """Exact rational statistics of one matrix ``A_n``."""

    A: np.ndarray
    m: int
    N: int
    N1: int
    s: gmpy2.mpq
    q: tuple[gmpy2.mpq, ...] = field(repr=False)

    @staticmethod
    def of(A: np.ndarray) -> _Stats:
        m, N = A.shape
        N1 = N + 1 - m
        if N1 < 2:
            raise InvalidArgument(f"A_n has shape {A.shape}: the gadget needs N + 1 - m >= 2")
        cols = [sum((A[r, i] * A[r, i] for r in range(m)), _Q(0)) for i in range(N)]
        s = sum(cols, _Q(0)) / m
        return _Stats(A, m, N, N1, s, tuple(cols[:N1]))


class _GadgetAlgorithm:
    """Shared network construction for the theorem's algorithms."""

    name = "gadget-algorithm"

    def __init__(self, problem: str, value: object, K: int):
        self.knowledge = GadgetKnowledge(problem, value, K)

    # ------------------------------------------------------------------ helpers
    def family(self, st: _Stats) -> str:
        return "I" if st.s > self.knowledge.threshold(st.N1) else "II"

    def _network(self, st: _Stats, M: np.ndarray, b: list[gmpy2.mpq], info: dict
                 ) -> NeuralNetwork:
        kn = self.knowledge
        layer: dict = {"R": M, "c": b}
        if kn.problem == "P2":
            half = kn.value / 2
            th = [_Q(0)] * st.N1 + [half / st.s] * (st.N - st.N1)
            layer["activation"] = ("soft_threshold", th)
        net = NeuralNetwork.dense([layer], input_size=st.m, name=self.name)
        net.info.update(info)
        return net

    def barycentre_network(self, st: _Stats, info: dict) -> NeuralNetwork:
        """``y -> `` the barycentre of the vertex simplex plus the content block."""
        kn = self.knowledge
        M = np.array([[st.A[r, i] / st.s for r in range(st.m)] for i in range(st.N)],
                     dtype=object)
        b = [_Q(0)] * st.N
        for i in range(st.N1):
            if kn.problem == "P2":
                b[i] = -(kn.value / 2) / st.s
            elif kn.problem == "P1":
                alpha = mpq_sqrt_upper(st.s / st.N1, kn.bits)
                b[i] = -kn.value * alpha / st.s
        return self._network(st, M, b, info)

    def vertex_network(self, st: _Stats, j: int, info: dict) -> NeuralNetwork:
        """``y -> `` the vertex of switch column ``j`` (0-based) plus the content block."""
        kn = self.knowledge
        M = np.full((st.N, st.m), _Q(0), dtype=object)
        for r in range(st.m):
            M[j, r] = st.A[r, j] / st.q[j]
            for i in range(st.N1, st.N):
                M[i, r] = st.A[r, i] / st.s
        b = [_Q(0)] * st.N
        if kn.problem == "P2":
            b[j] = -(kn.value / 2) / st.q[j]
        elif kn.problem == "P1":
            b[j] = -kn.value / mpq_sqrt_lower(st.q[j], kn.bits)
        return self._network(st, M, b, {**info, "vertex": j + 1})

    def _read(self, oracle: object, n: int) -> _Stats:
        if not hasattr(oracle, "matrix") or not hasattr(oracle, "shape"):
            raise InvalidType(f"oracle has type {type(oracle).__name__}; pass an oracle")
        return _Stats.of(_check_matrix(oracle.matrix(n), tuple(oracle.shape)))

    def __repr__(self) -> str:
        kn = self.knowledge
        return f"{type(self).__name__}({kn.problem}, value={kn.value}, K={kn.K})"


class Barycentre(_GadgetAlgorithm):
    """Read ONE matrix ``A_n`` at the coarse level, decide the family, return the barycentre
    network.  Its error is at most the circumradius of the vertex simplex (below
    ``10^-(K-1)`` on family I and ``10^-(K-2)`` on family II), so it proves claim (c):
    K-2 digits from one read.
    """

    name = "Barycentre"

    def __init__(self, problem: str, value: object, K: int, *, level: int | None = None):
        super().__init__(problem, value, K)
        self.level = coarse_level(K) if level is None else as_positive_int(level, "level", 0)

    def train(self, oracle: object) -> NeuralNetwork:
        st = self._read(oracle, self.level)
        return self.barycentre_network(st, {"family": self.family(st), "level": self.level})


class Search(_GadgetAlgorithm):
    """Claim (b)'s positive half: K-1 digits on all of Omega, with unbounded reads.

    Reads ``A_1`` to decide the family.  Family I: returns the barycentre network from the coarse
    level.  Family II: reads ``A_k`` for ``k = 1, 2, ...`` until one switch column is CERTIFIED
    to be the longest, i.e. ``sqrt(q_j) - 2^-k > sqrt(q_i) + 2^-k`` for all ``i != j`` (column
    norms move by at most ``||A_k - A||_2 <= 2^-k``), then returns that vertex's network.  With
    ``eps = 2^-(n+1)`` this needs ``k`` about ``n + 3``; on the family-II tie data it never
    stops, and the oracle's budget (or its ceiling) ends it with ``BudgetExceeded``.
    """

    name = "Search"

    def train(self, oracle: object) -> NeuralNetwork:
        st = self._read(oracle, 1)
        if self.family(st) == "I":
            level = coarse_level(self.knowledge.K)
            return self.barycentre_network(self._read(oracle, level),
                                           {"family": "I", "level": level})
        k = 1
        while True:
            j = certified_longest_column(st, k)
            if j is not None:
                return self.vertex_network(st, j, {"family": "II", "level": k})
            k += 1
            st = self._read(oracle, k)


def certified_longest_column(st: _Stats, k: int) -> int | None:
    """The switch column proven longest from ``A_k`` (0-based), or ``None``."""
    radius = _Q(1, 2**k)
    bits = k + 64
    lows = [mpq_sqrt_lower(q, bits) - radius for q in st.q]
    highs = [mpq_sqrt_upper(q, bits) + radius for q in st.q]
    j = max(range(st.N1), key=lambda i: lows[i])
    if all(lows[j] > highs[i] for i in range(st.N1) if i != j):
        return j
    return None


class RandomVertex(_GadgetAlgorithm):
    """A randomized algorithm: read ``A_d`` at a RANDOM depth ``d``, return the vertex network
    of the column certified longest at that depth, or of a uniformly random vertex.

    Protocol for randomized algorithms (the harness's): ``randomized = True`` and
    ``train(oracle, rng)`` with ``rng`` a ``numpy.random.Generator``; one seed of ``rng`` is one
    consistent deterministic algorithm, and the family over seeds is the randomized algorithm
    of claim (a).  The depth is ``d = level + floor(E)`` with ``E`` exponential of mean
    ``depth_scale`` (``level`` the coarse level), so ``P(d > n) = exp(-(n - level + 1) /
    depth_scale)`` for ``n >= level``: at small n many seeds read deeper than n and succeed on
    several members (where the bound ``sum_j P(success_j) <= 1 + (N1 - 1) P(d > n)`` allows it),
    at large n almost none do.  ``depth_scale=0`` gives ``d = level`` always.

    ``train(oracle)`` without ``rng`` is the old deterministic member: a vertex drawn by
    ``random.Random(seed)`` from ``A_level``.
    """

    name = "RandomVertex"
    randomized = True

    def __init__(self, problem: str, value: object, K: int, *, seed: int = 0,
                 level: int | None = None, depth_scale: object = 12):
        super().__init__(problem, value, K)
        self.seed = as_positive_int(seed, "seed", 0)
        self.level = coarse_level(K) if level is None else as_positive_int(level, "level", 0)
        if isinstance(depth_scale, (bool, np.bool_)) or not isinstance(depth_scale,
                                                                      numbers.Real):
            raise InvalidType(f"depth_scale={depth_scale!r} must be a real number in "
                              f"[0, 10000] (int, float, Fraction, numpy or gmpy2 scalar)")
        if not 0 <= depth_scale <= 10_000:
            raise InvalidArgument(f"depth_scale={depth_scale!r} must be a number in [0, 10000]")
        # numpy, Fraction and gmpy2 scalars as the float the generator draws with
        self.depth_scale = (depth_scale if type(depth_scale) in (int, float)
                            else float(depth_scale))

    def depth(self, rng: np.random.Generator) -> int:
        """The random read depth ``level + floor(Exponential(depth_scale))``."""
        if self.depth_scale == 0:
            return self.level
        return self.level + int(rng.exponential(self.depth_scale))

    def train(self, oracle: object, rng: np.random.Generator | None = None) -> NeuralNetwork:
        if rng is None:
            st = self._read(oracle, self.level)
            j = random.Random(self.seed).randrange(st.N1)
            return self.vertex_network(st, j, {"family": self.family(st), "level": self.level,
                                               "seed": self.seed})
        d = self.depth(rng)
        st = self._read(oracle, d)
        j = certified_longest_column(st, d)
        info = {"family": self.family(st), "level": d, "certified": j is not None}
        if j is None:
            j = int(rng.integers(st.N1))
        return self.vertex_network(st, j, info)


class ExactSolveAtLevel(_GadgetAlgorithm):
    """"Just compute harder": solve the level-``n0`` data exactly and return that solution.

    Reads ``A_{n0}`` and solves the problem for it EXACTLY in the gadget's structure: on data
    whose switch columns have squared lengths ``q_i``, the minimiser sits on the longest column
    (the vertex network of the largest ``q_i``, compared exactly in rationals), and when several
    columns are exactly equally long every point of their simplex is a minimiser and the
    barycentre of those columns is returned.  However high the precision, the answer can only
    be as good as level ``n0`` allows: members whose perturbation is below ``2^-n0`` are
    resolved by the rounding of ``A_{n0}``, not by the data.
    """

    name = "ExactSolveAtLevel"

    def __init__(self, problem: str, value: object, K: int, *, n0: int):
        super().__init__(problem, value, K)
        self.n0 = as_positive_int(n0, "n0", 0)
        self.name = f"ExactSolveAtLevel({self.n0})"

    def train(self, oracle: object) -> NeuralNetwork:
        st = self._read(oracle, self.n0)
        top = max(st.q)
        winners = [i for i, q in enumerate(st.q) if q == top]
        info = {"family": self.family(st), "level": self.n0, "tied_columns": len(winners)}
        if len(winners) == 1:
            return self.vertex_network(st, winners[0], info)
        return self._partial_barycentre(st, winners, info)

    def _partial_barycentre(self, st: _Stats, cols: Sequence[int], info: dict
                            ) -> NeuralNetwork:
        nets = [self.vertex_network(st, j, info) for j in cols]
        # average of the vertex maps (all one-layer networks with the same activation)
        M = sum((net.layers[0].input_weight(st.m) for net in nets[1:]),
                nets[0].layers[0].input_weight(st.m)) / len(cols)
        b = sum((net.layers[0].bias() for net in nets[1:]), nets[0].layers[0].bias()) / len(cols)
        return self._network(st, M, list(b), info)
