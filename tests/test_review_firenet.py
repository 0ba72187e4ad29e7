"""Review of FIRENET, ISTA/FISTA, the P1 solver and the JAX bridge as a library user calls them:
the certified Ball bounds cross-checked against exact (or 2000-bit) references on random small
instances, and the defects the review found (each test failed before its fix)."""

from __future__ import annotations

from fractions import Fraction

import gmpy2
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.arithmetic.gaussian import GaussianRational
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.operators import Dense
from algorithms.solvers.firenet import FIRENET, firenet_network, firenet_solve
from algorithms.solvers.ista import fista, ista
from algorithms.solvers.pdhg import pdhg_bpdn

Q = gmpy2.mpq
G = GaussianRational

small_q = st.builds(Q, st.integers(-9, 9), st.sampled_from([1, 3, 4, 7, 1024]))


@st.composite
def instances(draw, m_max: int, complex_data: bool = False):
    """A small FIRENET instance with every optional setting sometimes present."""
    m = draw(st.integers(1, m_max))
    N = draw(st.integers(1, 4))
    if complex_data:
        A = np.empty((m, N), dtype=object)
        for i in range(m):
            for j in range(N):
                A[i, j] = G(draw(small_q), draw(small_q))
        A[0, 0] = G(1, 1)
        y = [G(3 * draw(small_q), draw(small_q)) for _ in range(m)]
        y[0] = y[0] if y[0].abs2() else G(1, 0)     # eps0 = ||y|| > 0 when delta = 0
    else:
        A = [[draw(small_q) for _ in range(N)] for _ in range(m)]
        A[0][0] = Q(1)                              # never the zero matrix
        y = [Q(draw(st.integers(-20, 20)), draw(st.sampled_from([1, 5, 8]))) for _ in range(m)]
        y[0] = y[0] or Q(1)                         # eps0 = ||y|| > 0 when delta = 0
    kw = dict(lam=Q(draw(st.integers(1, 30)), draw(st.sampled_from([1, 7, 16]))),
              n_outer=draw(st.integers(1, 3)), p_inner=draw(st.integers(1, 3)),
              delta=draw(st.sampled_from([Q(0), Q(1, 100), Q(1, 3)])),
              eps0=draw(st.sampled_from([None, Q(1, 10**6), Q(10**6), Q(1, 3)])))
    if draw(st.booleans()):
        kw["weights"] = [Q(draw(st.integers(1, 5)), draw(st.integers(1, 3))) for _ in range(N)]
    if not complex_data and draw(st.booleans()):
        # F = 1 + sum a_ij^2 >= ||A||_F >= ||A||_2, so tau sigma L^2 < 1 for the default L too
        F = 1 + sum(a * a for row in A for a in row)
        kw["tau"] = Q(1, draw(st.integers(1, 4))) / F
        kw["sigma"] = Q(1, draw(st.integers(1, 4))) / F
    prec = draw(st.sampled_from([2, 8, 24, 53]))
    guard = draw(st.sampled_from([None, 0]))
    return A, y, kw, prec, guard


def contains_exactly(balls, values) -> bool:
    """Whether every ball ``[mid +/- rad]`` contains the rational, decided in exact rationals
    (``Ball.contains`` encloses a non-dyadic rational at ``prec + bits(q)`` bits first, so it
    answers False for a ball narrower than that enclosure: a 1e-170-wide ball from a run with
    3000 guard bits around 1/3-like values)."""
    from flint import arb

    from algorithms.arithmetic.ball import arb_to_mpq

    ents = balls.entries()
    assert len(ents) == len(values)
    return all(abs(arb_to_mpq(arb(b.mid())) - Q(v)) <= arb_to_mpq(arb(b.rad()))
               for b, v in zip(ents, values, strict=True))


def _records(A, y, kw, ctx, guard):
    recs = []
    firenet_solve(A, y, ctx=ctx, guard_bits=guard, callback=recs.append, **kw)
    assert [r.restart for r in recs] == list(range(1, kw["n_outer"] + 1))
    return recs


# ------------------------------------------------------------------ certified bounds
@given(instances(m_max=1))
def test_certified_ball_never_reports_a_bound_the_exact_distance_exceeds(inst) -> None:
    """m = 1: the projection onto [-1, 1] is rational, so ``Exact`` runs the very iteration the
    balls claim to enclose.  After EVERY restart (records) the ball contains the exact
    ``psi_k`` and ``||mid(psi_k) - psi_k||_2 <= error_bound`` exactly -- at precisions down
    to 2 bits and with no guard bits."""
    A, y, kw, prec, guard = inst
    ctx = Ball(prec)
    for r in _records(A, y, kw, ctx, guard):
        exact = list(firenet_solve(A, y, ctx=Exact(), **dict(kw, n_outer=r.restart)))
        assert ctx.contains(r.psi, exact)
        mids = ctx.to_rationals(r.psi)
        assert sum((a - b) ** 2 for a, b in zip(mids, exact, strict=True)) <= r.error_bound ** 2


#: the 2000-bit reference is within 2^-1500 of the exact output on these instances: at most 9
#: steps, each nonexpansive in the M-metric (metric change <= 2^8 here), restarts amplifying by
#: <= 2^4 each, roundings of 2^-2000 relative on iterates below 2^60 in size
_MP_MARGIN = Q(1, 2**1500)


def _check_against_mp(A, y, kw, prec, guard) -> None:
    ctx = Ball(prec)
    for r in _records(A, y, kw, ctx, guard):
        ref = MP(2000)
        want = ref.to_rationals(firenet_solve(A, y, ctx=ref, **dict(kw, n_outer=r.restart)))
        assert Ball(64).radius(r.psi) > 2 * _MP_MARGIN      # so containment is meaningful
        assert ctx.contains(r.psi, want)
        mids = ctx.to_rationals(r.psi)
        d2 = sum(abs2(a - b) for a, b in zip(mids, want, strict=True))
        assert d2 <= (r.error_bound - _MP_MARGIN) ** 2


def abs2(v) -> gmpy2.mpq:
    return v.abs2() if isinstance(v, GaussianRational) else v * v


@given(instances(m_max=3))
def test_certified_ball_against_a_2000_bit_reference(inst) -> None:
    """m up to 3 (the projection is irrational): the 2000-bit MP run stands in for the exact
    one, with the margin stated above."""
    _check_against_mp(*inst)


@given(instances(m_max=3, complex_data=True))
def test_certified_complex_operator_run_against_a_2000_bit_reference(inst) -> None:
    """Complex data (the Dense operator path), precisions down to 2 bits and no guard bits.
    Before the fix ``Ball(2), guard_bits=0`` could end with ``InvalidArgument: a=nan is not a
    finite ball`` (arb's projection at a 2-bit working precision returned NaN balls)."""
    _check_against_mp(*inst)


def test_complex_operator_run_at_two_bits_finishes_and_contains() -> None:
    """The instance that showed the NaN balls (m = 1, N = 3, Ball(2), guard_bits = 0)."""
    A = np.array([[G(1, 1), G(Q(3, 4), -2), G(-5, Q(1, 3))]], dtype=object)
    kw = dict(lam=Q(5, 4), n_outer=4, p_inner=1, delta=Q(1, 100))
    _check_against_mp(A, [G(7, -3)], kw, 2, 0)


# ------------------------------------------------------------------ the network form
@given(instances(m_max=3))
def test_network_forward_equals_the_solver_bit_for_bit(inst) -> None:
    """The documented claim, on random sizes and settings: layer-by-layer evaluation, the
    network's fast call and ``firenet_solve`` agree exactly in Float64 and MP (and Exact for
    m = 1, where the projection is rational)."""
    A, y, kw, prec, _ = inst
    kw = dict(kw, eps0=kw["eps0"] or Q(7))
    net = firenet_network(A, **kw)
    ctxs = [Float64(), MP(max(prec, 8))] + ([Exact()] if len(A) == 1 else [])
    for ctx in ctxs:
        a, b, c = net.forward(y, ctx), net(y, ctx), firenet_solve(A, y, ctx=ctx, **kw)
        if ctx.kind == "float64":
            assert np.array_equal(a, b) and np.array_equal(b, c)
        else:
            assert list(a) == list(b) == list(c)


# ------------------------------------------------------------------ defects found
@pytest.mark.parametrize("y, value", [
    ([1], Q(1)), (np.array([1]), Q(1)), ([gmpy2.mpz(1)], Q(1)),
    ([sympy.Rational(1, 3)], Q(1, 3)), ([Fraction(1, 2)], Q(1, 2)), (["1/3"], Q(1, 3))],
    ids=["int", "numpy-int", "mpz", "sympy", "fraction", "string"])
@pytest.mark.parametrize("ctx", [Float64(), Ball(64), Exact()], ids=["float64", "ball", "exact"])
def test_operator_accepts_every_exact_spelling_of_y(y, value, ctx) -> None:
    """Before: ``firenet_solve(Dense([[2]]), [1], ...)`` raised a raw ``TypeError: mpq()
    requires numeric or string argument`` (the default eps0 fed numpy integers to gmpy2)."""
    kw = dict(lam=Q(1, 8), n_outer=2, p_inner=2, delta=0)
    got = firenet_solve(Dense([[2]]), y, ctx=ctx, **kw)
    want = firenet_solve([[2]], [value], ctx=ctx, **kw)     # the dense path, same numbers
    assert ctx.to_rationals(want)[0] != 0
    if ctx.kind == "ball":
        assert got[0, 0].overlaps(want[0, 0])
    elif ctx.kind == "exact":
        assert list(got) == list(want)
    else:   # two products against the network's three: rounding only (values below 1)
        assert abs(got[0] - want[0]) <= 1e-14


def test_operator_y_that_is_not_a_number_is_named() -> None:
    with pytest.raises(InvalidType, match=r"y\[0\]=None"):
        firenet_solve(Dense([[2]]), [None], ctx=Float64(), lam=1, n_outer=1, p_inner=1, delta=0)


@pytest.mark.parametrize("level", [np.int64(3), np.int32(3), gmpy2.mpz(3), sympy.Integer(3)],
                         ids=["int64", "int32", "mpz", "sympy"])
def test_training_algorithm_accepts_the_integer_levels_the_oracle_accepts(level) -> None:
    """Before: ``FIRENET(level=np.int64(3), ...)`` raised 'must be a non-negative integer'."""
    algo = FIRENET(level=level, lam=1)
    assert algo.level == 3 and type(algo.level) is int


@pytest.mark.parametrize("level", [True, 3.0, "3", -1, np.int8(-1)])
def test_training_algorithm_still_refuses_non_integer_levels(level) -> None:
    with pytest.raises(InvalidArgument, match="level="):
        FIRENET(level=level, lam=1)


@pytest.mark.parametrize("call", [
    lambda c: firenet_solve([[2, 1]], [1], ctx=Ball(64), lam=1, n_outer=1, p_inner=1, delta=0,
                            certify=c),
    lambda c: ista([[2, 1]], [1], ctx=Ball(64), lam=1, n_iter=2, certify=c),
    lambda c: pdhg_bpdn([[2, 1]], [1], ctx=Ball(64), eta=0, n_iter=2, certify=c),
], ids=["firenet", "ista", "pdhg"])
@pytest.mark.parametrize("value", ["no", "False", 0, None])
def test_certify_must_be_a_bool(call, value) -> None:
    """Before: ``certify="no"`` (truthy) silently selected the certified iteration."""
    with pytest.raises(InvalidType, match="certify="):
        call(value)


@pytest.mark.parametrize("ctx", [Float64(), MP(64), Ball(64)], ids=["float64", "mp", "ball"])
def test_ista_and_pdhg_refuse_guard_bits_they_would_ignore(ctx) -> None:
    """Before: guard_bits was silently ignored outside the certified Ball run (FIRENET refuses
    it there)."""
    with pytest.raises(InvalidArgument, match="guard_bits=5"):   # in Ball: the naive run
        ista([[2, 1]], [1], ctx=ctx, lam=1, n_iter=2, certify=False, guard_bits=5)
    with pytest.raises(InvalidArgument, match="guard_bits=5"):
        pdhg_bpdn([[2, 1]], [1], ctx=ctx, eta=0, n_iter=2, certify=False, guard_bits=5)
    # where it applies it is still taken
    ista([[2, 1]], [1], ctx=Ball(64), lam=1, n_iter=2, guard_bits=5)
    pdhg_bpdn([[2, 1]], [1], ctx=Ball(64), eta=0, n_iter=2, guard_bits=5)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_float64_refuses_restart_scales_beyond_the_double_range() -> None:
    """With delta = 0 the scale 2L/(e_k p) passes 2^1024 after about 709 restarts.  Before: a
    raw ``OverflowError: integer division result too large for a float``."""
    kw = dict(lam=1, n_outer=720, p_inner=1, delta=0)
    for A in ([[2]], Dense([[2]])):
        with pytest.raises(InvalidArgument, match=r"n_outer=720, delta=0: restart 70\d"):
            firenet_solve(A, [1], ctx=Float64(), **kw)
        with pytest.raises(InvalidArgument, match=r"lam ~ 2\^1328"):
            firenet_solve(A, [1], ctx=Float64(), lam=10**400, n_outer=1, p_inner=1, delta=0)
    # the same run is fine where numbers are unbounded
    firenet_solve([[2]], [1], ctx=MP(64), **dict(kw, n_outer=710))
    # and a run just below the limit still goes through in Float64 (its |u|^2 may overflow
    # to inf, which makes v = 0: the stall at the double floor, not an error)
    firenet_solve([[2]], [1], ctx=Float64(), **dict(kw, n_outer=700))


@pytest.mark.parametrize("prec", [2, 5, 8, 53])
def test_certified_pdhg_and_ista_at_tiny_precision_contain_the_reference(prec) -> None:
    """Before: ``pdhg_bpdn(..., eta > 0, ctx=Ball(2), guard_bits=0)`` ended with
    ``InvalidArgument: a=[+/- inf] is not a finite ball`` (arb's norm at a 2-bit working
    precision); the working precision is now at least 16 bits.  The 2000-bit MP runs stand in
    for the exact iterates (5 nonexpansive steps: their error is far below 2^-1500)."""
    A, y = [[2, 1], [1, 3]], [1, 1]
    ctx, ref = Ball(prec), MP(2000)
    for run, kw in ((pdhg_bpdn, dict(eta=Q(1, 10))), (ista, dict(lam=Q(1, 10))),
                    (fista, dict(lam=Q(1, 10)))):
        extra = {} if run is fista else dict(guard_bits=0)
        recs = []
        got = run(A, y, n_iter=5, ctx=ctx, callback=recs.append, **extra, **kw)
        want = ref.to_rationals(run(A, y, n_iter=5, ctx=ref, **kw))
        assert ctx.contains(got, want)
        if run is not fista:                   # FISTA's balls are naive: no error_bound
            mids = ctx.to_rationals(got)
            assert sum((a - b) ** 2 for a, b in zip(mids, want, strict=True)) <= (
                recs[-1].error_bound - _MP_MARGIN) ** 2


def test_dense_firenet_solve_takes_ball_data_in_ball_and_refuses_it_elsewhere() -> None:
    """Before: ``firenet_solve([[2, 1]], arb_mat([[1 +/- r]]), ctx=Ball(64), ...)`` raised
    'y has shape (); a 1-D vector is required' although the network form and the operator
    path take such balls; in Float64/MP/Exact the message was 'values has shape ()'.  Now the
    dense path takes them in Ball (its certified iteration handles data radii), and the other
    contexts name the problem.  m = 1: Exact gives the outputs at the ends of the ball."""
    from flint import arb, arb_mat

    A = [[2, 1]]
    kw = dict(lam=Q(1, 8), n_outer=2, p_inner=2, delta=0, eps0=2)
    yb = arb_mat([[arb(1, 2.0**-20)]])
    ctx = Ball(64)
    got = firenet_solve(A, yb, ctx=ctx, **kw)
    for y in (1 - Q(1, 2**20), Q(1), 1 + Q(1, 2**20)):
        assert ctx.contains(got, list(firenet_solve(A, [y], ctx=Exact(), **kw)))
    assert ctx.radius(got) < Q(1, 2**10)
    for other in (Float64(), MP(64), Exact()):
        with pytest.raises(InvalidType, match=r"y is a vector of balls \(arb_mat\)"):
            firenet_solve(A, yb, ctx=other, **kw)
        with pytest.raises(InvalidType, match=r"y is a vector of balls"):
            firenet_network(A, **kw)(yb, other)
    with pytest.raises(InvalidArgument, match=r"y has shape \(2, 1\)"):
        firenet_solve(A, arb_mat([[1], [2]]), ctx=ctx, **kw)


@pytest.mark.parametrize("gap", [Q(1, 2**60), Q(1, 2**200), Q(1, 2**3000)])
def test_steps_with_tau_sigma_L2_within_a_double_ulp_of_one_still_certify(gap) -> None:
    """``tau sigma L^2 = 1 - 2^-60`` is allowed (< 1 exactly) but rounds to 1.0 in a double.
    Before: the automatic guard bits took ``log2(1 - float(tau sigma L^2))`` and the certified
    run died with a raw ``ValueError: math domain error``.  m = 1: compared with Exact."""
    from algorithms.solvers.firenet import default_guard_bits, firenet_parameters

    A, y = [[3, 1]], [1]
    L = firenet_parameters(A, lam=1, n_outer=1, p_inner=1, delta=0, eps0=1).L
    kw = dict(lam=1, n_outer=2, p_inner=2, delta=0, tau=1 / L, sigma=(1 - gap) * L / L**2)
    P = firenet_parameters(A, eps0=1, **kw)
    assert P.tau * P.sigma * P.L**2 == 1 - gap
    # guard = n_outer * log2(1/sqrt(gap)) + ...: 2 * 30 = 60 bits and more for 2^-60
    assert default_guard_bits(P) >= kw["n_outer"] * (gap.denominator.bit_length() - 1) // 2
    recs = []
    got = firenet_solve(A, y, ctx=Ball(53), callback=recs.append, **kw)
    exact = list(firenet_solve(A, y, ctx=Exact(), **kw))
    assert contains_exactly(got, exact)
    mids = Ball(53).to_rationals(got)
    assert sum((a - b) ** 2 for a, b in zip(mids, exact, strict=True)) <= recs[-1].error_bound**2
    assert recs[-1].error_bound < Q(1, 2**40)


@st.composite
def lasso_instances(draw):
    m, N = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    A = [[draw(small_q) for _ in range(N)] for _ in range(m)]
    A[0][0] = Q(1)
    y = [Q(draw(st.integers(-20, 20)), draw(st.sampled_from([1, 3, 8]))) for _ in range(m)]
    return A, y, draw(st.integers(1, 5)), draw(st.sampled_from([2, 16, 53])), \
        draw(st.sampled_from([None, 0]))


@given(lasso_instances(), st.sampled_from([Q(1, 10), Q(1), Q(7, 3)]))
def test_certified_ista_and_basis_pursuit_bounds_hold_against_exact_iterates(inst, lam) -> None:
    """ISTA and the P1 solver with eta = 0 take no square root, so Exact runs the very
    iterates the certified Ball runs enclose: every record's balls contain the exact iterate
    and its error_bound is at least the exact distance of the midpoints (any m, N)."""
    A, y, n, prec, guard = inst
    ctx = Ball(prec)
    for run, kw in ((ista, dict(lam=lam)), (pdhg_bpdn, dict(eta=0))):
        recs, exact = [], []
        run(A, y, n_iter=n, ctx=ctx, guard_bits=guard, callback=recs.append, **kw)
        run(A, y, n_iter=n, ctx=Exact(), callback=lambda r, out=exact: out.append(list(r.x)),
            **kw)
        assert len(recs) == len(exact) == n
        for r, want in zip(recs, exact, strict=True):
            assert ctx.contains(r.x, want)
            mids = ctx.to_rationals(r.x)
            assert sum((a - b) ** 2 for a, b in zip(mids, want, strict=True)) <= r.error_bound**2


@pytest.mark.parametrize("gap", [Q(1, 2**60), Q(1, 2**3000)])
def test_basis_pursuit_steps_within_a_double_ulp_of_one_still_certify(gap) -> None:
    """Before: with ``1 - tau sigma L^2 = 2^-3000`` the automatic guard bits converted
    ``sqrt(lmax / q)`` (about 2^1500) to a double: raw ``OverflowError``."""
    from algorithms.solvers.pdhg import bpdn_steps

    A, y = [[3, 1]], [1]
    L, _, _ = bpdn_steps(A)
    kw = dict(eta=0, n_iter=3, tau=1 / L, sigma=(1 - gap) * L / L**2)
    recs = []
    got = pdhg_bpdn(A, y, ctx=Ball(53), callback=recs.append, **kw)
    exact = list(pdhg_bpdn(A, y, ctx=Exact(), **kw))
    assert contains_exactly(got, exact)
    mids = Ball(53).to_rationals(got)
    assert sum((a - b) ** 2 for a, b in zip(mids, exact, strict=True)) <= recs[-1].error_bound**2
    assert recs[-1].error_bound < Q(1, 2**40)
