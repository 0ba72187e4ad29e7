"""The theorem's instance class Omega: two families of gadget members.

* family I: ``alpha = sqrt(2)*10^K/3``; every ``j``, every ``eps = 2^-(n+1)`` with
  ``n >= n_min``, AND the tie member (``eps = 0``);
* family II: ``alpha = sqrt(2)*10^(K-1)/3``; every ``j``, every ``eps = 2^-(n+1)`` with
  ``n >= n_min``; NOT the tie member.

All members of a class share the problem, the dimensions, ``D`` and the ``R`` samples
``y_k = D (y0_k, c_k)``.  The vertex of member ``j`` is ``t e_j`` (plus the content block) with
``t`` about ``y0/alpha``, so distinct vertices are about ``sqrt(2) y0/alpha = 3 y0 10^-K`` apart in
family I and ten times that in family II.

Sample choice (this project's, documented so that every member keeps a closed-form minimiser):

* ``y0_k = 1`` for every sample (the separations above are then ``3*10^-K`` and
  ``3*10^-(K-1)``);
* ``c_k`` has ``s`` non-zero entries at positions drawn from ``random.Random(seed*1000003 + k)``,
  each ``+-p/8`` with ``p`` in ``8..16`` (magnitudes in ``[1, 2]``).  The default ``s`` is
  ``ceil(N2/2)``, capped for (P3) by the largest ``s`` with ``lam^2 (1 + s/N1) < alpha_II^2``.

Why this keeps every minimiser in closed form (conditions of :mod:`theorems.instances.solutions`):
each
condition is hardest for the tie member of the family with the smaller alpha, because ``a_j``
and ``||a||`` grow with ``eps``: (P3) ``lam^2 (1/a_j^2 + s/||a||^2) <= lam^2 (1 + s/N1)/alpha^2``;
(P2) ``2 a_j y0 - lam >= 2 alpha y0 - lam``; (P1) ``eta < y0`` does not involve ``a``.  The
constructor therefore checks the conditions on the tie members of the included families and
raises :class:`~theorems.errors.ConditionError` otherwise.  Content entries of size ``[1, 2]``
stay far above the (P2) threshold ``lam/(2||a||)`` and the (P1) clip level ``theta``, so in the
default class no content entry is zeroed (explicit ``contents=`` may do so).

The constructor also checks (unless ``require_claims=False``) the geometric facts behind the
three claims, with rigorous bounds ``t_lo <= t <= t_hi`` valid for every member:
``sqrt(2) t_lo > 2*10^-K`` (family I), ``sqrt(2) t_lo > 2*10^-(K-1)`` (family II), and the
circumradius ``t_hi sqrt((N1-1)/N1)`` below ``10^-(K-1)`` (I) and ``10^-(K-2)`` (II).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import gmpy2
import sympy

from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances._exact import bounds, integer, less, rational, to_sympy
from theorems.instances.gadget import Member, OrthogonalMatrix, orthogonal
from theorems.instances.problems import P1, P2, P3, Problem
from theorems.instances.solutions import solution_set

__all__ = ["FAMILIES", "Omega", "Claim", "family_alpha", "default_contents"]

#: the two families
FAMILIES = ("I", "II")


def family_alpha(family: str, K: int) -> sympy.Expr:
    """``sqrt(2)*10^K/3`` for family I, ``sqrt(2)*10^(K-1)/3`` for family II."""
    if family not in FAMILIES:
        raise InvalidArgument(f"family={family!r} must be 'I' or 'II'")
    K = integer(K, "K", 1)
    power = K if family == "I" else K - 1
    return sympy.sqrt(2) * sympy.Integer(10) ** power / 3


def default_contents(
    N2: int, R: int, seed: int, sparsity: int
) -> tuple[tuple[gmpy2.mpq, ...], ...]:
    """The default content vectors ``c_0..c_{R-1}`` (see the module docstring), as tuples of
    ``gmpy2.mpq``; reproducible from ``seed`` on every platform."""
    N2, R, seed = integer(N2, "N2", 0), integer(R, "R", 1), integer(seed, "seed")
    sparsity = integer(sparsity, "sparsity", 0)
    if sparsity > N2:
        raise InvalidArgument(f"sparsity={sparsity} must be <= N2={N2}")
    out = []
    for k in range(R):
        rng = random.Random(seed * 1000003 + k)
        support = sorted(rng.sample(range(N2), sparsity))
        c = [gmpy2.mpq(0)] * N2
        for i in support:
            c[i] = gmpy2.mpq(rng.choice((-1, 1)) * rng.randint(8, 16), 8)
        out.append(tuple(c))
    return tuple(out)


@dataclass(frozen=True)
class Claim:
    """One geometric fact behind the theorem's claims: the certified ``bound`` must be above
    (``kind="above"``) or below (``kind="below"``) ``limit``; ``holds`` says whether it is."""

    name: str
    holds: bool
    bound: gmpy2.mpq
    kind: str
    limit: gmpy2.mpq
    detail: str


class Omega:
    """The class Omega of the paradox for one problem.

    Parameters
    ----------
    problem:
        ``P1(eta)``, ``P2(lam)`` or ``P3(lam)``.
    K:
        The number of digits of the theorem (``K > 2`` there; ``K >= 1`` accepted, e.g. for the
        Table-1 reproduction).
    N, m:
        Dimensions, ``N >= 2`` and ``1 <= m < N``; ``N1 = N + 1 - m`` switch and ``N2 = m - 1``
        content coordinates.
    R:
        Number of samples (``>= 1``).
    D, seed:
        ``"identity"``, ``"dct"`` or ``"cayley"`` (random rational orthogonal from ``seed``),
        or an :class:`~theorems.instances.gadget.OrthogonalMatrix`.  ``seed`` also drives the
        content.
    n_min:
        Smallest level of the perturbed members (``eps = 2^-(n_min+1)`` is the largest).
    families:
        Which families are included (default both).
    switch, contents, sparsity:
        Override the samples: ``switch`` the ``R`` values ``y0_k``, ``contents`` the ``R`` content
        vectors, ``sparsity`` the number of non-zeros of the default contents.
    require_claims:
        Check the geometric facts behind the claims (see the module docstring).
    """

    def __init__(
        self,
        problem: Problem,
        K: int,
        N: int,
        m: int,
        *,
        R: int = 1,
        D: str | OrthogonalMatrix = "identity",
        seed: int = 0,
        n_min: int = 1,
        families: Sequence[str] = FAMILIES,
        switch: Sequence[object] | None = None,
        contents: Sequence[Sequence[object]] | None = None,
        sparsity: int | None = None,
        require_claims: bool = True,
    ):
        if not isinstance(problem, (P1, P2, P3)):
            raise InvalidType(f"problem={problem!r} must be a P1, P2 or P3 record")
        self.problem = problem
        self.K = integer(K, "K", 1)
        self.N = integer(N, "N", 2)
        self.m = integer(m, "m", 1)
        if self.m >= self.N:
            raise InvalidArgument(f"m={self.m} must be < N={self.N}")
        self.seed = integer(seed, "seed")
        self.n_min = integer(n_min, "n_min", 0)
        fams = tuple(families)
        if not fams or any(f not in FAMILIES for f in fams) or len(set(fams)) != len(fams):
            raise InvalidArgument(
                f"families={families!r} must be a non-empty subset of ('I', 'II')"
            )
        self.families = tuple(f for f in FAMILIES if f in fams)
        self.D = orthogonal(D, self.m, seed=self.seed if D == "cayley" else None)
        self.N1, self.N2 = self.N + 1 - self.m, self.m - 1
        if switch is None:
            R = integer(R, "R", 1)
            switch = [1] * R
        else:
            switch = list(switch)
            R = len(switch)
            if R == 0:
                raise InvalidArgument("switch=[] must hold at least one value (R >= 1)")
        self.R = R
        self.switch = tuple(to_sympy(rational(v, f"switch[{k}]")) for k, v in enumerate(switch))
        if contents is None:
            cap = self._max_sparsity()
            if sparsity is None:
                sparsity = min(math.ceil(self.N2 / 2), cap)
            else:
                sparsity = integer(sparsity, "sparsity", 0)
                if sparsity > cap:
                    raise ConditionError(
                        f"sparsity={sparsity} is too large: {problem} with alpha_min="
                        f"{self.alpha(self.families[-1])} allows at most {cap} non-zero content "
                        f"entries"
                    )
            contents = default_contents(self.N2, R, self.seed, sparsity)
        elif sparsity is not None:
            raise InvalidArgument("give either contents= or sparsity=, not both")
        contents = list(contents)
        if len(contents) != R:
            raise InvalidArgument(f"contents has {len(contents)} vectors but R={R}")
        self.contents = tuple(
            tuple(to_sympy(rational(v, f"contents[{k}][{i}]")) for i, v in enumerate(c))
            for k, c in enumerate(contents)
        )
        # closed forms exist for every member iff they exist for the tie members (see docstring)
        for fam in self.families:
            tie = self.tie(fam)
            for k in range(R):
                solution_set(tie, k)
        if require_claims:
            failed = [c for c in self.claims() if not c.holds]
            if failed:
                raise ConditionError(
                    "the theorem's geometric facts fail for this class: "
                    + "; ".join(f"{c.name}: {c.detail}" for c in failed)
                    + " (pass require_claims=False to build it anyway)"
                )

    # ---------------------------------------------------------------- parameters
    def alpha(self, family: str) -> sympy.Expr:
        """The scale of ``family``."""
        return family_alpha(family, self.K)

    @property
    def eps_max(self) -> sympy.Rational:
        """The largest perturbation in the class, ``2^-(n_min+1)``."""
        return sympy.Rational(1, 2 ** (self.n_min + 1))

    def _max_sparsity(self) -> int:
        """Largest content sparsity keeping the P3 condition for every member (all of N2 for
        P1, P2)."""
        if not isinstance(self.problem, P3):
            return self.N2
        lam = self.problem.sympy_value
        alpha = self.alpha(self.families[-1])
        cap = -1
        for s in range(self.N2 + 1):
            if less(lam**2 * (1 + sympy.Rational(s, self.N1)), alpha**2):
                cap = s
        if cap < 0:
            raise ConditionError(
                f"P3 needs alpha > lam, but lam={lam} and alpha={alpha} (family "
                f"{self.families[-1]}, K={self.K}); raise K or lower lam"
            )
        return cap

    # ---------------------------------------------------------------- members
    def _make(self, family: str, j: int | None, n: int | None) -> Member:
        if family not in FAMILIES:
            raise InvalidArgument(f"family={family!r} must be 'I' or 'II'")
        return Member(
            problem=self.problem,
            alpha=self.alpha(family),
            N=self.N,
            m=self.m,
            D=self.D,
            switch=self.switch,
            contents=self.contents,
            j=j,
            n=n,
            K=self.K,
            family=family,
        )

    def member(self, family: str, j: int, n: int) -> Member:
        """The member of ``family`` with switch index ``j`` (1-based) and ``eps = 2^-(n+1)``."""
        if family not in self.families:
            raise InvalidArgument(f"family={family!r} is not in this class ({self.families})")
        j, n = integer(j, "j", 1), integer(n, "n", 0)
        if j > self.N1:
            raise InvalidArgument(f"j={j} must be in 1..N1={self.N1}")
        if n < self.n_min:
            raise InvalidArgument(f"n={n} must be >= n_min={self.n_min}")
        return self._make(family, j, n)

    def tie(self, family: str = "I") -> Member:
        """The tie member (``eps = 0``) of ``family``.  Family I's tie is in Omega; family II's
        is NOT (no algorithm can get K-1 digits on it from finite data), but it is the natural
        adversarial cover for family II, so it is available here."""
        return self._make(family, None, None)

    def contains(self, member: Member) -> bool:
        """Whether ``member`` belongs to this class."""
        if not isinstance(member, Member) or member.family not in self.families:
            return False
        if member.is_tie and member.family != "I":
            return False
        if not member.is_tie and member.n < self.n_min:  # type: ignore[operator]
            return False
        return member == self._make(member.family, member.j, member.n)

    def members(self, n_max: int) -> Iterator[Member]:
        """Every member with level ``n <= n_max``: family I's tie, then family I by level and
        switch index, then family II likewise."""
        n_max = integer(n_max, "n_max", self.n_min)
        for fam in self.families:
            if fam == "I":
                yield self.tie("I")
            for n in range(self.n_min, n_max + 1):
                for j in range(1, self.N1 + 1):
                    yield self._make(fam, j, n)

    def count(self, n_max: int) -> int:
        """How many members :meth:`members` yields."""
        n_max = integer(n_max, "n_max", self.n_min)
        per = self.N1 * (n_max - self.n_min + 1)
        return len(self.families) * per + (1 if "I" in self.families else 0)

    def draw(self, seed: int | random.Random, n_max: int) -> Member:
        """One member drawn uniformly from :meth:`members` ``(n_max)``, reproducibly."""
        rng = seed if isinstance(seed, random.Random) else random.Random(integer(seed, "seed"))
        index = rng.randrange(self.count(n_max))
        for i, mb in enumerate(self.members(n_max)):
            if i == index:
                return mb
        raise AssertionError("unreachable")  # pragma: no cover

    def draw_many(self, count: int, seed: int, n_max: int) -> list[Member]:
        """``count`` members drawn independently (with replacement) from one seed."""
        rng = random.Random(integer(seed, "seed"))
        return [self.draw(rng, n_max) for _ in range(integer(count, "count", 0))]

    # ---------------------------------------------------------------- geometry
    def total_bounds(self, family: str, k: int = 0) -> tuple[gmpy2.mpq, gmpy2.mpq]:
        """Rational ``(t_lo, t_hi)`` with ``t_lo <= t <= t_hi`` for the switch total ``t`` of
        every member of ``family`` (sample ``k``).

        ``t <= y0/alpha`` always; ``t >= y0/(alpha + eps_max)`` (P3),
        ``y0/(alpha + eps_max) - lam/(2 alpha^2)`` (P2), ``(y0 - eta)/(alpha + eps_max)`` (P1,
        because ``theta ||a||/a_j <= eta``).
        """
        alpha = self.alpha(family)
        y0 = self.switch[integer(k, "k", 0)]
        big = alpha + self.eps_max
        if isinstance(self.problem, P3):
            low = y0 / big
        elif isinstance(self.problem, P2):
            low = y0 / big - self.problem.sympy_value / (2 * alpha**2)
        else:
            low = (y0 - self.problem.sympy_value) / big
        return bounds(low, 96)[0], bounds(y0 / alpha, 96)[1]

    def claims(self) -> list[Claim]:
        """The geometric facts behind the claims, certified for every included family and
        sample (see the module docstring)."""
        out = []
        ten = gmpy2.mpq(10)
        root2 = bounds(sympy.sqrt(2), 96)
        shape = bounds(sympy.sqrt(sympy.Rational(self.N1 - 1, self.N1)), 96)
        for fam in self.families:
            digits = self.K if fam == "I" else self.K - 1
            for k in range(self.R):
                t_lo, t_hi = self.total_bounds(fam, k)
                sep_lo = root2[0] * t_lo
                need = 2 * ten ** (-digits)
                out.append(Claim(
                    f"family {fam} separation (k={k})",
                    bool(sep_lo > need),
                    sep_lo,
                    "above",
                    need,
                    f"sqrt(2)*t >= {float(sep_lo):.4e} must exceed 2*10^-{digits}",
                ))
                radius_hi = shape[1] * t_hi
                limit = ten ** (-(digits - 1))
                out.append(Claim(
                    f"family {fam} circumradius (k={k})",
                    bool(radius_hi < limit),
                    radius_hi,
                    "below",
                    limit,
                    f"t*sqrt((N1-1)/N1) <= {float(radius_hi):.4e} must be below "
                    f"10^-{digits - 1}",
                ))
        return out

    def __repr__(self) -> str:
        return (
            f"Omega({self.problem}, K={self.K}, N={self.N}, m={self.m}, R={self.R}, D={self.D}, "
            f"n_min={self.n_min}, families={self.families})"
        )
