"""Table 1's fixed set-up: the grid, the published numbers, run profiles, the two members
and the shared bank of compiled samples (SPEC section 6).

Building oracle data of thousands of samples with irrational DCT entries is slow (SymPy), and
every member of the table shares the same samples (only ``A`` differs), so :class:`SampleBank`
compiles the samples once and gives each member its own ``A`` through
:meth:`oracle.ExactData.with_matrix`, which shares the compiled samples.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import gmpy2
import numpy as np
import sympy

from algorithms.learned.lista import LISTASettings
from oracle import ExactData, Oracle, enclose
from oracle.exact import arb_mid_mpq, arb_rad_mpq
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import rational
from theorems.instances.distance import (
    Enclosure,
)
from theorems.instances.gadget import Member, dct_matrix, member
from theorems.instances.problems import P3

__all__ = [
    "GRID_K",
    "GRID_N",
    "BEYOND_K",
    "BEYOND_N",
    "PUBLISHED",
    "N1",
    "N2",
    "M_ROWS",
    "N_COLS",
    "LAM",
    "SPARSITY",
    "Profile",
    "PROFILES",
    "alpha_of",
    "table_member",
    "SampleBank",
]

#: the paper's grid
GRID_K: tuple[int, ...] = (1, 3, 6)
GRID_N: tuple[int, ...] = (10, 20, 30)
#: the extension past float64
BEYOND_K: tuple[int, ...] = (1, 3, 6, 10)
BEYOND_N: tuple[int, ...] = (40, 60, 100)

#: the published Table 1: (K, n) -> (LISTA, FIRENET), as printed (7 decimals)
PUBLISHED: dict[tuple[int, int], tuple[str, str]] = {
    (1, 10): ("0.2999690", "0.2597827"),
    (1, 20): ("0.3000000", "0.2598050"),
    (1, 30): ("0.3000000", "0.2598052"),
    **{(3, n): ("0.0030000", "0.0025980") for n in GRID_N},
    **{(6, n): ("0.0000030", "0.0000015") for n in GRID_N},
}

#: the table's sizes and problem
N1, N2 = 2, 20
M_ROWS, N_COLS = N2 + 1, N1 + N2
LAM = 1
SPARSITY = 5

def _int(value: object, name: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        rule = f"an integer >= {minimum}" if minimum is not None else "an integer"
        raise InvalidType(f"{name}={value!r} must be {rule}")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{name}={value} must be an integer >= {minimum}")
    return int(value)


# =============================================================================== profiles


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How much work :func:`run` does.

    ``train``/``validation``: numbers of LISTA training and validation samples; ``epochs``,
    ``batch_size``: LISTA's training; the learning rate is ``lr_base * 10^(-K/3)`` (the paper's
    rule with ``lr_base = 2e-4``); ``seed`` seeds the samples, the initialisation and the
    shuffling; ``n_outer``, ``p_inner``, ``delta``: FIRENET; ``ball_prec``: bits of the Ball
    context FIRENET runs in; ``bits``: accuracy of the certified distances.
    """

    name: str
    train: int
    validation: int
    epochs: int
    batch_size: int
    lr_base: float = 2e-4
    seed: int = 0
    n_outer: int = 30
    p_inner: int = 50
    delta: str = "1e-6"
    ball_prec: int = 256
    bits: int = 128

    def __post_init__(self) -> None:
        for name in ("train", "validation", "epochs", "batch_size", "n_outer", "p_inner"):
            _int(getattr(self, name), name, 1)
        _int(self.seed, "seed")
        _int(self.ball_prec, "ball_prec", 53)
        _int(self.bits, "bits", 16)
        if not isinstance(self.name, str):
            raise InvalidType(f"name={self.name!r} must be a string")
        lr = self.lr_base
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
            raise InvalidType(f"lr_base={lr!r} must be a real number > 0")
        if not (math.isfinite(lr) and lr > 0):
            raise InvalidArgument(f"lr_base={lr!r} must be a finite number > 0")
        object.__setattr__(self, "lr_base", float(lr))
        # FIRENET's delta, checked here rather than after LISTA has been trained on a cell
        if isinstance(self.delta, str):
            try:
                d = gmpy2.mpq(self.delta)
            except ValueError:
                raise InvalidArgument(f"delta={self.delta!r} is not a rational 'p/q' or a "
                                      f"decimal string such as '1e-6'") from None
        else:
            d = rational(self.delta, "delta")
        if d < 0:
            raise InvalidArgument(f"delta={self.delta!r} must be >= 0")

    def learning_rate(self, K: int) -> float:
        """``lr_base * 10^(-K/3)``."""
        return self.lr_base * 10.0 ** (-K / 3)

    @staticmethod
    def theta_init(K: int) -> float:
        """Upper end of LISTA's initial thresholds: the paper's ``1e-7`` for ``K <= 6``;
        beyond (where the paper did not go) ``1e-7 * 10^(6-K)``, so that the thresholds start
        below the solution's scale ``~2 10^-K`` instead of silencing every neuron."""
        return 1e-7 * min(1.0, 10.0 ** (6 - K))

    def lista_settings(self, K: int) -> LISTASettings:
        return LISTASettings(epochs=self.epochs, batch_size=self.batch_size,
                             learning_rate=self.learning_rate(K), seed=self.seed,
                             theta_init=self.theta_init(K))


#: ``tiny`` for the tests, ``fast`` (default) to watch the phenomenon in about a minute,
#: ``full`` for the paper's training budget (8000 samples, 100 for validation, 4000 epochs,
#: batches of 1000)
PROFILES: dict[str, Profile] = {
    "tiny": Profile(name="tiny", train=48, validation=16, epochs=60, batch_size=16),
    "fast": Profile(name="fast", train=500, validation=50, epochs=200, batch_size=50),
    "full": Profile(name="full", train=8000, validation=100, epochs=4000, batch_size=1000),
}


# =============================================================================== instances


def alpha_of(K: int) -> sympy.Expr:
    """``sqrt(2) 10^K / 3``."""
    K = _int(K, "K", 1)
    return sympy.sqrt(2) * sympy.Integer(10) ** K / 3


def table_member(K: int, n: int, j: int) -> Member:
    """Member ``j`` (1 or 2) of the table's pair at level ``n``: (P3, lam = 1), 21 x 22, D the
    DCT-II, one sample ``y = D e_1`` (``y0 = 1``, no content)."""
    K = _int(K, "K", 1)
    n = _int(n, "n", 0)
    j = _int(j, "j", 1)
    if j > N1:
        raise InvalidArgument(f"j={j} must be 1 or 2")
    return member(P3(LAM), alpha=alpha_of(K), N=N_COLS, m=M_ROWS, j=j, n=n, D="dct",
                  switch=[1], contents=[[0] * N2])


def _to_float(q: gmpy2.mpq) -> float:
    return int(q.numerator) / int(q.denominator)


def _float_of(expr: sympy.Expr) -> float:
    """The double nearest to an exact real (via a 80-bit ball)."""
    return _to_float(arb_mid_mpq(enclose(expr, 80)))


def _enclosure_of(expr: sympy.Expr, bits: int = 128) -> Enclosure:
    """A certified enclosure of a non-negative exact real."""
    ball = enclose(expr, bits)
    mid, rad = arb_mid_mpq(ball), arb_rad_mpq(ball)
    return Enclosure(max(mid - rad, gmpy2.mpq(0)), mid + rad)


class SampleBank:
    """The samples LISTA learns from, compiled once and shared by every member of the table.

    Sample 0 is the table's sample ``y = D e_1``; samples ``1..train`` are for training and the
    next ``validation`` for the checkpoint.  Training sample ``k`` is ``y_k = D (1, c_k)`` with
    ``c_k`` 5-sparse, its non-zeros standard normal (seeded), rounded to multiples of ``2^-24``
    so that they are exact rationals.  (The paper writes the label's content block as
    ``c/||a||`` with ``c`` of variance ``1/||a||^2``; the sample is then ``D (1, ||a|| c)``, the
    same distribution.)  Member ``(K, n, j)`` with these samples has the exact minimiser
    ``x_k = (e_j/(alpha + eps), c_k/||a||)`` (SPEC section 4, P3: the condition
    ``lam^2 (1/a_j^2 + 5/||a||^2) < 1`` holds for every K >= 1), which :meth:`labels` returns in
    float64.
    """

    def __init__(self, train: int, validation: int, *, seed: int = 0):
        self.train_count = _int(train, "train", 1)
        self.validation_count = _int(validation, "validation", 1)
        self.seed = _int(seed, "seed")
        rng = np.random.default_rng(self.seed)
        total = self.train_count + self.validation_count
        contents: list[list[Fraction]] = [[Fraction(0)] * N2]
        for _ in range(total):
            c = [Fraction(0)] * N2
            support = rng.choice(N2, size=SPARSITY, replace=False)
            for i, value in zip(support, rng.standard_normal(SPARSITY), strict=True):
                c[int(i)] = Fraction(round(float(value) * 2**24), 2**24)
            contents.append(c)
        self.contents: tuple[tuple[Fraction, ...], ...] = tuple(tuple(c) for c in contents)
        self._base: ExactData | None = None
        self.build_seconds = 0.0

    @property
    def train(self) -> range:
        """Indices of the training samples."""
        return range(1, 1 + self.train_count)

    @property
    def validation(self) -> range:
        """Indices of the validation samples."""
        start = 1 + self.train_count
        return range(start, start + self.validation_count)

    @property
    def size(self) -> int:
        return len(self.contents)

    def _sample_expressions(self) -> list[list[sympy.Expr]]:
        D = dct_matrix(M_ROWS)
        out = []
        for c in self.contents:
            z = [sympy.Integer(1)] + [sympy.Rational(v.numerator, v.denominator) for v in c]
            out.append([
                sympy.Add(*[sympy.Mul(D[r, i], z[i], evaluate=False)
                            for i in range(M_ROWS) if z[i] != 0], evaluate=False)
                for r in range(M_ROWS)
            ])
        return out

    def data(self, mb: Member) -> ExactData:
        """Exact data ``(A of mb, every sample of the bank)``."""
        if not isinstance(mb, Member):
            raise InvalidType(f"mb={mb!r} must be a theorems.instances.gadget.Member")
        if self._base is None:
            start = time.perf_counter()
            self._base = ExactData(mb.A, self._sample_expressions())
            self.build_seconds = time.perf_counter() - start
            return self._base
        return self._base.with_matrix(mb.A)

    def oracle(self, mb: Member) -> Oracle:
        """An honest oracle for member ``mb`` with the bank's samples."""
        return Oracle(self.data(mb))

    def labels(self, mb: Member) -> Callable[[int], np.ndarray]:
        """``k -> x_k`` in float64: member ``mb``'s exact minimiser at sample ``k``."""
        if not isinstance(mb, Member):
            raise InvalidType(f"mb={mb!r} must be a theorems.instances.gadget.Member")
        if mb.is_tie:
            raise InvalidArgument("mb is the tie member; its minimisers are not unique")
        inv_aj = _float_of(1 / mb.a_j)
        inv_na = _float_of(1 / mb.norm_a)
        j = mb.j

        def label(k: int) -> np.ndarray:
            x = np.zeros(N_COLS)
            x[j - 1] = inv_aj
            x[N1:] = [float(v) * inv_na for v in self.contents[k]]
            return x

        return label


