"""The gadget: members of the theorem's instance classes as exact SymPy data.

A member has ``N1 = N + 1 - m >= 2`` *switch* coordinates ``u`` and ``N2 = m - 1`` *content*
coordinates ``v`` (``x = (u, v)``, ``N = N1 + N2``).  It is fixed by a scale ``alpha > 0``, a
switch index ``j`` in ``1..N1``, a perturbation ``eps >= 0`` and an orthogonal ``D`` (m x m):

    a   = alpha*(1, ..., 1) + eps*e_j                       (length N1)
    B   = [[ a^T , 0 ], [ 0 , ||a||_2 I_{N2} ]]              (m x N)
    A   = D B
    y_k = D z_k,   z_k = (y0_k, c_k),  y0_k > 0,  c_k in Q^{N2}

with ``eps = 2^-(n+1)`` for a member at level ``n`` and ``eps = 0`` for the *tie* member.
Because ``B B^T = ||a||^2 I`` and ``D`` is orthogonal, ``A A^T = ||a||^2 I``: every member is
perfectly conditioned.  ``||A x - y|| = ||B x - z||``, so ``D`` changes neither objectives nor
solution sets; it only hides the structure from an algorithm.

``D`` is the identity, the orthonormal DCT-II (as in the paper's experiments), or a random
*exactly* orthogonal rational matrix: the Cayley transform ``Q = (I - S)(I + S)^-1`` of a random
rational skew-symmetric ``S`` (``I + S`` is invertible because the eigenvalues of ``S`` are
imaginary; ``Q^T Q = (I + S)^-T (I - S)^T (I - S) (I + S)^-1 = I`` since ``S^T = -S`` makes the
factors commute).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy
from flint import fmpq, fmpq_mat

from oracle import Budget, ExactData, Oracle, as_exact
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer, rational, sign, to_sympy
from theorems.instances.problems import P1, P2, P3, Problem

__all__ = [
    "D_KINDS",
    "OrthogonalMatrix",
    "orthogonal",
    "dct_matrix",
    "cayley_matrix",
    "Member",
    "member",
]

#: the accepted kinds of ``D``
D_KINDS = ("identity", "dct", "cayley")


# --------------------------------------------------------------------------- orthogonal D


def dct_matrix(m: int) -> sympy.ImmutableMatrix:
    """The orthonormal DCT-II matrix of size ``m``, exact:

    ``C[k, i] = sqrt(2/m) * s_k * cos(pi*(2i+1)*k/(2m))`` with ``s_0 = 1/sqrt(2)``, ``s_k = 1``
    otherwise (so row 0 is ``1/sqrt(m)``).  Entries are built directly, never simplified.
    """
    return _dct_matrix(integer(m, "m", 1))


@lru_cache(maxsize=8)
def _dct_matrix(m: int) -> sympy.ImmutableMatrix:
    """:func:`dct_matrix` for a validated ``m``, built once per size (the matrix is immutable,
    so every member of that size shares it; building one from SymPy expressions costs tens of
    milliseconds, and Table 1 builds dozens of members)."""
    scale = sympy.sqrt(sympy.Rational(2, m))
    first = 1 / sympy.sqrt(m)
    rows = []
    for k in range(m):
        if k == 0:
            rows.append([first] * m)
        else:
            rows.append([scale * sympy.cos(sympy.pi * (2 * i + 1) * k / (2 * m)) for i in range(m)])
    return sympy.ImmutableMatrix(rows)


def cayley_matrix(m: int, seed: int) -> sympy.ImmutableMatrix:
    """A random exactly orthogonal rational matrix ``(I - S)(I + S)^-1`` of size ``m``.

    ``S`` is skew-symmetric with entries ``p/q`` above the diagonal, ``p`` uniform in
    ``-3..3`` and ``q`` in ``1..4``, drawn from ``random.Random(seed)``: the same seed gives the
    same matrix on every platform.  The inverse is computed exactly with python-flint.
    """
    m = integer(m, "m", 1)
    seed = integer(seed, "seed")
    rng = random.Random(seed)
    S = [[fmpq(0)] * m for _ in range(m)]
    for i in range(m):
        for k in range(i + 1, m):
            s = fmpq(rng.randint(-3, 3), rng.randint(1, 4))
            S[i][k] = s
            S[k][i] = -s
    ident = [[fmpq(int(i == k)) for k in range(m)] for i in range(m)]
    plus = fmpq_mat(m, m, [ident[i][k] + S[i][k] for i in range(m) for k in range(m)])
    minus = fmpq_mat(m, m, [ident[i][k] - S[i][k] for i in range(m) for k in range(m)])
    Q = minus * plus.inv()
    return sympy.ImmutableMatrix(
        m, m, [sympy.Rational(int(Q[i, k].p), int(Q[i, k].q)) for i in range(m) for k in range(m)]
    )


@dataclass(frozen=True)
class OrthogonalMatrix:
    """An exactly orthogonal ``m x m`` matrix ``D``, described by ``kind`` (and ``seed`` for
    ``"cayley"``) so that it can be rebuilt, compared and hashed cheaply."""

    kind: str
    m: int
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in D_KINDS:
            raise InvalidArgument(f"kind={self.kind!r} must be one of {', '.join(D_KINDS)}")
        object.__setattr__(self, "m", integer(self.m, "m", 1))
        if self.kind == "cayley":
            if self.seed is None:
                raise InvalidArgument("seed=None: a 'cayley' D needs an integer seed")
            object.__setattr__(self, "seed", integer(self.seed, "seed"))
        elif self.seed is not None:
            object.__setattr__(self, "seed", None)

    @cached_property
    def matrix(self) -> sympy.ImmutableMatrix:
        """The exact matrix."""
        if self.kind == "identity":
            return sympy.ImmutableMatrix.eye(self.m)
        if self.kind == "dct":
            return dct_matrix(self.m)
        return cayley_matrix(self.m, self.seed)  # type: ignore[arg-type]

    @property
    def is_rational(self) -> bool:
        """``True`` when every entry is rational (identity, Cayley), so that orthogonality can
        be checked with ``==`` in exact arithmetic."""
        return self.kind != "dct"

    def __str__(self) -> str:
        return f"cayley(seed={self.seed})" if self.kind == "cayley" else self.kind


def orthogonal(
    kind: str | OrthogonalMatrix, m: int, *, seed: int | None = None
) -> OrthogonalMatrix:
    """``D`` of size ``m``: ``"identity"``, ``"dct"`` (orthonormal DCT-II) or ``"cayley"``
    (random rational orthogonal matrix from ``seed``, default 0).  An existing
    :class:`OrthogonalMatrix` is returned unchanged after a size check."""
    if isinstance(kind, OrthogonalMatrix):
        if kind.m != m:
            raise InvalidArgument(f"D has size {kind.m} but m={m}")
        return kind
    if not isinstance(kind, str):
        raise InvalidType(f"D={kind!r} must be one of {', '.join(D_KINDS)} or an OrthogonalMatrix")
    if kind == "cayley" and seed is None:
        seed = 0
    return OrthogonalMatrix(kind, m, seed)


# --------------------------------------------------------------------------- members


def _exact_positive(value: object, name: str) -> sympy.Expr:
    """An exact real ``> 0`` as a SymPy expression (floats refused)."""
    try:
        expr = as_exact(value, name)
    except TypeError as exc:
        raise InvalidType(str(exc)) from exc
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from exc
    if sign(expr) <= 0:
        raise InvalidArgument(f"{name}={expr} must be > 0")
    return expr


@dataclass(frozen=True)
class Member:
    """One member of the gadget (see the module docstring for the construction).

    Build members with :func:`member` or through :class:`theorems.instances.omega.Omega`; the
    constructor
    validates every field.  ``j`` is 1-based (``1..N1``); ``j = n = None`` is the tie member.
    ``switch[k] = y0_k`` and ``contents[k] = c_k`` are exact SymPy rationals.  ``K`` and
    ``family`` are labels set by :class:`~theorems.instances.omega.Omega` (``None`` for free
    members).
    """

    problem: Problem
    alpha: sympy.Expr
    N: int
    m: int
    D: OrthogonalMatrix
    switch: tuple[sympy.Rational, ...]
    contents: tuple[tuple[sympy.Rational, ...], ...]
    j: int | None = None
    n: int | None = None
    K: int | None = None
    family: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.problem, (P1, P2, P3)):
            raise InvalidType(f"problem={self.problem!r} must be a P1, P2 or P3 record")
        N = integer(self.N, "N", 2)
        m = integer(self.m, "m", 1)
        if m >= N:
            raise InvalidArgument(f"m={m} must be < N={N}")
        object.__setattr__(self, "N", N)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "alpha", _exact_positive(self.alpha, "alpha"))
        if not isinstance(self.D, OrthogonalMatrix) or self.D.m != m:
            raise InvalidArgument(f"D={self.D!r} must be an OrthogonalMatrix of size m={m}")
        if (self.j is None) != (self.n is None):
            raise InvalidArgument(
                f"j={self.j!r}, n={self.n!r}: give both (a perturbed member) or neither (the "
                f"tie member)"
            )
        if self.j is not None:
            j = integer(self.j, "j", 1)
            if j > N + 1 - m:
                raise InvalidArgument(f"j={j} must be in 1..N1={N + 1 - m}")
            object.__setattr__(self, "j", j)
            object.__setattr__(self, "n", integer(self.n, "n", 0))
        switch = tuple(to_sympy(rational(v, f"switch[{k}]")) for k, v in enumerate(self.switch))
        if not switch:
            raise InvalidArgument("switch=() must hold at least one sample (R >= 1)")
        for k, v in enumerate(switch):
            if v <= 0:
                raise InvalidArgument(f"switch[{k}]={v} must be > 0")
        if len(self.contents) != len(switch):
            raise InvalidArgument(
                f"contents has {len(self.contents)} vectors but switch has {len(switch)} (R)"
            )
        contents = []
        for k, c in enumerate(self.contents):
            c = tuple(to_sympy(rational(v, f"contents[{k}][{i}]")) for i, v in enumerate(c))
            if len(c) != m - 1:
                raise InvalidArgument(
                    f"contents[{k}] has length {len(c)} but must have N2 = m - 1 = {m - 1}"
                )
            contents.append(c)
        object.__setattr__(self, "switch", switch)
        object.__setattr__(self, "contents", tuple(contents))
        if self.K is not None:
            object.__setattr__(self, "K", integer(self.K, "K", 1))
        if self.family is not None and self.family not in ("I", "II"):
            raise InvalidArgument(f"family={self.family!r} must be 'I' or 'II'")

    # ---------------------------------------------------------------- sizes and scalars
    @property
    def N1(self) -> int:
        """Number of switch coordinates, ``N + 1 - m``."""
        return self.N + 1 - self.m

    @property
    def N2(self) -> int:
        """Number of content coordinates, ``m - 1``."""
        return self.m - 1

    @property
    def R(self) -> int:
        """Number of samples."""
        return len(self.switch)

    @property
    def is_tie(self) -> bool:
        """``True`` for the tie member (``eps = 0``, every ``a_i = alpha``)."""
        return self.j is None

    @property
    def eps(self) -> sympy.Rational:
        """The perturbation ``2^-(n+1)`` (``0`` for the tie member)."""
        return sympy.Integer(0) if self.n is None else sympy.Rational(1, 2 ** (self.n + 1))

    @cached_property
    def a(self) -> tuple[sympy.Expr, ...]:
        """The first block row ``a = alpha*1 + eps*e_j``."""
        return tuple(
            self.alpha + self.eps if self.j == i + 1 else self.alpha for i in range(self.N1)
        )

    @property
    def a_j(self) -> sympy.Expr:
        """The largest entry of ``a``: ``alpha + eps`` (``alpha`` for the tie member)."""
        return self.alpha + self.eps

    @cached_property
    def norm_a_squared(self) -> sympy.Expr:
        """``||a||^2 = N1 alpha^2 + 2 alpha eps + eps^2``."""
        e = self.eps
        return sympy.Add(self.N1 * self.alpha**2, 2 * self.alpha * e, e**2)

    @cached_property
    def norm_a(self) -> sympy.Expr:
        """``||a||_2``."""
        return sympy.sqrt(self.norm_a_squared)

    # ---------------------------------------------------------------- exact data
    @cached_property
    def B(self) -> sympy.ImmutableMatrix:
        """The undisguised matrix ``[[a^T, 0], [0, ||a|| I_{N2}]]``."""
        rows = [list(self.a) + [0] * self.N2]
        for i in range(self.N2):
            rows.append([0] * self.N1 + [self.norm_a if k == i else 0 for k in range(self.N2)])
        return sympy.ImmutableMatrix(rows)

    @cached_property
    def A(self) -> sympy.ImmutableMatrix:
        """``A = D B``, built block by block: ``A[r, i] = D[r, 0] a_i`` for ``i < N1`` and
        ``A[r, N1 + l] = D[r, 1 + l] ||a||`` (no sums, no simplification)."""
        D = self.D.matrix
        entries = []
        for r in range(self.m):
            entries.extend(D[r, 0] * ai for ai in self.a)
            entries.extend(D[r, 1 + i] * self.norm_a for i in range(self.N2))
        return sympy.ImmutableMatrix(self.m, self.N, entries)

    def z(self, k: int) -> tuple[sympy.Rational, ...]:
        """The undisguised sample ``z_k = (y0_k, c_k) = D^T y_k``."""
        return (self.switch[k],) + self.contents[k]

    @cached_property
    def samples(self) -> tuple[sympy.ImmutableMatrix, ...]:
        """The samples ``y_k = D z_k`` as exact column matrices."""
        D = self.D.matrix
        out = []
        for k in range(self.R):
            z = self.z(k)
            col = [
                sympy.Add(*[D[r, i] * z[i] for i in range(self.m) if z[i] != 0])
                for r in range(self.m)
            ]
            out.append(sympy.ImmutableMatrix(col))
        return tuple(out)

    @cached_property
    def exact_data(self) -> ExactData:
        """The member as :class:`oracle.ExactData` (its ball enclosures are cached and shared by
        every oracle built with :meth:`oracle`)."""
        return ExactData(self.A, list(self.samples))

    def oracle(self, *, budget: Budget | None = None, tighten: int = 0) -> Oracle:
        """An honest :class:`oracle.Oracle` serving this member's data."""
        return Oracle(self.exact_data, budget=budget, tighten=tighten)

    # ---------------------------------------------------------------- relatives
    def sibling(self, j: int | None, n: int | None) -> Member:
        """The member with the same everything except the switch index and level
        (``sibling(None, None)`` is the tie member)."""
        return dataclasses.replace(self, j=j, n=n)

    @property
    def tie(self) -> Member:
        """The tie member with the same alpha, D, samples and problem."""
        return self.sibling(None, None)

    def label(self) -> str:
        """A short human-readable description."""
        fam = f" family {self.family}" if self.family else ""
        k = f" K={self.K}" if self.K is not None else ""
        who = "tie" if self.is_tie else f"j={self.j} n={self.n} (eps=2^-{self.n + 1})"
        return f"{self.problem}{fam}{k} {who}, {self.m}x{self.N}, D={self.D}, R={self.R}"

    def __str__(self) -> str:
        return self.label()


def member(
    problem: Problem,
    *,
    alpha: object,
    N: int,
    m: int,
    j: int | None = None,
    n: int | None = None,
    D: str | OrthogonalMatrix = "identity",
    seed: int | None = None,
    switch: Sequence[object] | None = None,
    contents: Sequence[Sequence[object]] | None = None,
    R: int = 1,
) -> Member:
    """Build a free gadget member (not tied to a class).

    Defaults: ``R`` samples with ``y0_k = 1`` and ``c_k = 0``; ``D`` the identity.  Use
    :class:`theorems.instances.omega.Omega` for the theorem's families with content vectors chosen
    so that
    every minimiser has a closed form.
    """
    N = integer(N, "N", 2)
    m = integer(m, "m", 1)
    if m >= N:
        raise InvalidArgument(f"m={m} must be < N={N}")
    if switch is None:
        switch = [1] * integer(R, "R", 1)
    if contents is None:
        contents = [[0] * (m - 1) for _ in switch]
    return Member(
        problem=problem,
        alpha=alpha,
        N=N,
        m=m,
        D=orthogonal(D, m, seed=seed),
        switch=tuple(switch),
        contents=tuple(tuple(c) for c in contents),
        j=j,
        n=n,
    )
