"""Hypothesis strategies for the theorem's problems, classes and members (public API).

Small by default (``N <= 5``) so that a property runs in milliseconds per example.  Shrinking
goes toward the first choice of every ``sampled_from`` and the smallest integers: (P1) with
``eta = 0``, the identity ``D``, ``N = 2``, ``m = 1``, ``K = 3``, ``j = 1``, ``n = 1`` and the
tie member first.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems.instances.gadget import Member
from theorems.instances.omega import Omega
from theorems.instances.problems import P1, P2, P3, Problem

__all__ = ["problems", "d_kinds", "dimensions", "omegas", "members"]

_ETAS = (Fraction(0), Fraction(1, 8), Fraction(1, 4))
_LAMS = (Fraction(1), Fraction(1, 2), Fraction(2))


def problems() -> st.SearchStrategy[Problem]:
    """(P1) with ``eta`` in ``{0, 1/8, 1/4}``, (P2) and (P3) with ``lam`` in ``{1, 1/2, 2}``."""
    return st.one_of(
        st.sampled_from(_ETAS).map(P1),
        st.sampled_from(_LAMS).map(P2),
        st.sampled_from(_LAMS).map(P3),
    )


def d_kinds() -> st.SearchStrategy[str]:
    """``"identity"``, ``"cayley"`` or ``"dct"``."""
    return st.sampled_from(("identity", "cayley", "dct"))


@st.composite
def dimensions(draw: st.DrawFn, max_N: int = 5) -> tuple[int, int]:
    """``(N, m)`` with ``2 <= N <= max_N`` and ``1 <= m < N``."""
    N = draw(st.integers(2, max_N))
    m = draw(st.integers(1, N - 1))
    return N, m


@st.composite
def omegas(
    draw: st.DrawFn,
    *,
    max_N: int = 5,
    min_K: int = 3,
    max_K: int = 6,
    max_R: int = 2,
    problem: st.SearchStrategy[Problem] | None = None,
    D: st.SearchStrategy[str] | None = None,
) -> Omega:
    """A class :class:`~theorems.instances.omega.Omega` (both families, default content)."""
    prob = draw(problem if problem is not None else problems())
    N, m = draw(dimensions(max_N))
    K = draw(st.integers(min_K, max_K))
    R = draw(st.integers(1, max_R))
    kind = draw(D if D is not None else d_kinds())
    seed = draw(st.integers(0, 50))
    return Omega(prob, K, N, m, R=R, D=kind, seed=seed)


@st.composite
def members(
    draw: st.DrawFn,
    *,
    max_N: int = 5,
    min_K: int = 3,
    max_K: int = 6,
    max_n: int = 12,
    tie: bool | None = None,
    family: str | None = None,
    problem: st.SearchStrategy[Problem] | None = None,
    D: st.SearchStrategy[str] | None = None,
) -> Member:
    """A member of a drawn class.  ``tie=True`` forces family I's tie member, ``tie=False`` a
    perturbed member (``n`` in ``1..max_n``), ``None`` either; ``family`` fixes the family of a
    perturbed member."""
    omega = draw(omegas(max_N=max_N, min_K=min_K, max_K=max_K, problem=problem, D=D))
    is_tie = draw(st.booleans()) if tie is None else tie
    if is_tie:
        return omega.tie("I")
    fam = family or draw(st.sampled_from(("I", "II")))
    j = draw(st.integers(1, omega.N1))
    n = draw(st.integers(1, max_n))
    return omega.member(fam, j, n)
