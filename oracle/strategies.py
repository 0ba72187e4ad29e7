"""Hypothesis strategies for exact data, oracles and levels.

These are public API: property-based tests of user algorithms draw problems from them.  All
strategies are small by default (entries of a few symbols, matrices up to 3 x 4) so that a
property runs in milliseconds per example.

Shrinking: Hypothesis shrinks toward the *first* choice of every ``one_of`` and the smallest
integers, so failing examples simplify toward small rationals (``0``, then ``1``, then small
``p/q``), then single irrational atoms (``sqrt(2)``, ``pi``...), then sums/products; shapes
shrink toward 1 x 1 and levels toward 0.
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

from oracle.oracles import Budget, Oracle

__all__ = [
    "rationals",
    "irrational_atoms",
    "exact_reals",
    "exact_vectors",
    "exact_complexes",
    "exact_complex_vectors",
    "exact_matrices",
    "oracles",
    "levels",
]


def rationals(max_numerator: int = 20, max_denominator: int = 12) -> st.SearchStrategy:
    """Exact SymPy rationals ``p/q``, ``|p| <= max_numerator``, ``1 <= q <= max_denominator``.

    Shrinks toward ``0`` and then toward small numerators and denominators.
    """
    return st.builds(
        sympy.Rational,
        st.integers(-max_numerator, max_numerator),
        st.integers(1, max_denominator),
    )


def irrational_atoms() -> st.SearchStrategy:
    """Single (mostly irrational) building blocks: ``sqrt(p)`` for non-square p, ``pi``,
    ``E``, ``cos(pi*p/q)``, ``sin(p/q)``, ``exp(p/q)``, ``log(p)`` for ``p >= 2``.  SymPy
    evaluates a few of them to rationals (``cos(pi*7/7) = -1``, ``cos(pi*4/8) = 0``,
    ``cos(pi*8/12) = -1/2``, ``exp(0) = 1``); filter on ``is_rational`` if that matters.

    Shrinks toward ``sqrt(2)``.
    """
    small_q = st.integers(1, 12)
    return st.one_of(
        st.sampled_from([2, 3, 5, 6, 7, 10]).map(sympy.sqrt),
        st.just(sympy.pi),
        st.just(sympy.E),
        st.builds(lambda p, q: sympy.cos(sympy.pi * sympy.Rational(p, q)),
                  st.integers(1, 11), st.integers(7, 13)),
        st.builds(lambda p, q: sympy.sin(sympy.Rational(p, q)), st.integers(1, 9), small_q),
        st.builds(lambda p, q: sympy.exp(sympy.Rational(p, q)), st.integers(-5, 5), small_q),
        st.integers(2, 30).map(sympy.log),
    )


def exact_reals(*, allow_irrational: bool = True, max_depth: int = 1) -> st.SearchStrategy:
    """Exact real SymPy numbers: rationals, irrational atoms, and for ``max_depth >= 1`` sums
    and products of a rational with an atom (``3/7 + sqrt(2)``, ``-2*pi``).

    Shrinks toward rationals, then atoms, then compound expressions.
    """
    base = rationals()
    if not allow_irrational:
        return base
    atoms = irrational_atoms()
    strategies = [base, atoms]
    if max_depth >= 1:
        strategies.append(st.builds(lambda r, a: r * a, rationals(9, 5), atoms))
        strategies.append(st.builds(lambda r, a: r + a, rationals(9, 5), atoms))
    return st.one_of(*strategies)


_SMALL_LENGTHS = st.integers(1, 3)
_FEW_SAMPLES = st.integers(0, 2)


def exact_vectors(
    length: int | st.SearchStrategy = _SMALL_LENGTHS, **kwargs: object
) -> st.SearchStrategy:
    """Length-``length`` sympy column matrices with entries from :func:`exact_reals`
    (``kwargs`` are passed on).  Shrinks toward short vectors of small rationals."""
    lengths = length if isinstance(length, st.SearchStrategy) else st.just(length)
    return lengths.flatmap(
        lambda m: st.lists(exact_reals(**kwargs), min_size=m, max_size=m).map(sympy.Matrix)
    )


def exact_complexes(**kwargs: object) -> st.SearchStrategy:
    """Exact complex SymPy numbers ``a + b*I`` with ``a``, ``b`` from :func:`exact_reals`
    (``kwargs`` are passed on; ``allow_irrational=False`` gives Gaussian rationals).  An
    ``I``-free result (``b = 0``) is kept as a real entry.  Shrinks toward ``0 + 0*I = 0``,
    then small Gaussian rationals."""
    return st.builds(lambda a, b: a + b * sympy.I, exact_reals(**kwargs), exact_reals(**kwargs))


def exact_complex_vectors(
    length: int | st.SearchStrategy = _SMALL_LENGTHS, **kwargs: object
) -> st.SearchStrategy:
    """Length-``length`` lists of :func:`exact_complexes` (samples of complex problems).
    Shrinks toward short vectors of small Gaussian rationals."""
    lengths = length if isinstance(length, st.SearchStrategy) else st.just(length)
    return lengths.flatmap(
        lambda m: st.lists(exact_complexes(**kwargs), min_size=m, max_size=m)
    )


def exact_matrices(
    shape: tuple[int, int] | st.SearchStrategy | None = None, **kwargs: object
) -> st.SearchStrategy:
    """``sympy.Matrix`` of exact reals; ``shape`` fixed, a strategy, or by default 1..3 x 1..4.

    Shrinks toward 1 x 1 matrices of small rationals.
    """
    if shape is None:
        shape = st.tuples(st.integers(1, 3), st.integers(1, 4))
    shapes = shape if isinstance(shape, st.SearchStrategy) else st.just(shape)
    return shapes.flatmap(
        lambda mn: st.lists(
            exact_reals(**kwargs), min_size=mn[0] * mn[1], max_size=mn[0] * mn[1]
        ).map(lambda xs: sympy.Matrix(mn[0], mn[1], xs))
    )


def oracles(
    *,
    shape: tuple[int, int] | st.SearchStrategy | None = None,
    num_samples: int | st.SearchStrategy = _FEW_SAMPLES,
    tighten: int | st.SearchStrategy = 0,
    budget: Budget | None = None,
) -> st.SearchStrategy:
    """Honest :class:`~oracle.Oracle` objects on data from :func:`exact_matrices` with
    ``num_samples`` samples from :func:`exact_vectors`.  Shrinks as its parts do."""
    counts = num_samples if isinstance(num_samples, st.SearchStrategy) else st.just(num_samples)
    tightens = tighten if isinstance(tighten, st.SearchStrategy) else st.just(tighten)

    def build(A: sympy.Matrix) -> st.SearchStrategy:
        return st.builds(
            lambda ys, t: Oracle(A, ys, tighten=t, budget=budget),
            counts.flatmap(lambda R: st.lists(exact_vectors(A.rows), min_size=R, max_size=R)),
            tightens,
        )

    return exact_matrices(shape).flatmap(build)


def levels(max_level: int = 300) -> st.SearchStrategy:
    """Levels ``n`` in ``0..max_level``; shrinks toward 0."""
    return st.integers(0, max_level)
