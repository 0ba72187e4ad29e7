"""FIRENET's outputs are those of the pre-refactor code (issue 16: FIRENET through the shared
WARPd restart engine; issue 13: the faster certified step).

``tests/data/firenet_reference.json`` was recorded from commit 5ed09dc (before both changes)
on the Table-1 21 x 22 instance (K = 1, n = 10, j = 2, data at level 50; lam = 1) and a random
8 x 14 Gaussian instance with 20-bit dyadic entries (lam = 1/10), both with n_outer = 4,
p_inner = 6: the certified Ball outputs (midpoints AND radii, and every restart record's
bound and working precision) at 128 bits with the automatic guard bits and at 64 bits with
``guard_bits=0``, through the dense path and the operator path (``Dense(A)``); MP(100) and
Float64 outputs of the solver, of the operator path and of the layer-by-layer network; Exact
outputs of both instances with n_outer = 2, p_inner = 3 and eps0 = 100 (a large ``e_k`` keeps
``|u| <= 1``, so Exact never has to project; lam = 1/50 on the Table-1 instance so that the
output is not zero) through both paths, and on a 1 x 3 instance (m = 1, so Exact can
project).

Exact, Ball and MP are compared with ``==`` (the same exact or correctly rounded operations in
the same order).  Float64 is compared to ``2^-30 max(1, |psi|_inf)``: every one of the 24 steps
commits at most a few ulps times ``(m + N)`` (one dot product), a restart amplifies an earlier
error by at most ``1/sqrt(1 - tau sigma L^2) < 7.2`` and 4 restarts by less than ``2^12``, so two
evaluations that differ only in summation order (another BLAS) stay within
``24 * 36 * 2^-52 * 2^12 < 2^-30`` relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import gmpy2
import numpy as np
import pytest

from algorithms.arithmetic import MP, Ball, Exact, Float64
from algorithms.arithmetic.ball import arb_to_mpq
from algorithms.operators import Dense
from algorithms.solvers.firenet import (
    FirenetNetwork,
    firenet_parameters,
    firenet_solve,
    norm2_upper,
)

Q = gmpy2.mpq
REF = json.loads((Path(__file__).parent / "data" / "firenet_reference.json").read_text())


def _instance(name: str) -> tuple[np.ndarray, list, dict]:
    r = REF[name]
    A = np.array([[Q(v) for v in row] for row in r["A"]], dtype=object)
    y = [Q(v) for v in r["y"]]
    kw = dict(lam=Q(r["lam"]), n_outer=r["n_outer"], p_inner=r["p_inner"], delta=r["delta"])
    return A, y, kw


def _balls(b) -> list[list[str]]:
    return [[str(Q(arb_to_mpq(e.mid()))), str(Q(arb_to_mpq(e.rad())))] for e in b.entries()]


def _strs(ctx, v) -> list[str]:
    return [str(Q(q)) for q in ctx.to_rationals(v)]


@pytest.mark.parametrize("name", ["table1", "gaussian"])
@pytest.mark.parametrize("label, prec, extra", [("ball128", 128, {}),
                                                ("ball64_g0", 64, {"guard_bits": 0})])
def test_certified_ball_is_bit_for_bit_the_old_one(name, label, prec, extra) -> None:
    A, y, kw = _instance(name)
    ref = REF[name][label]
    recs: list = []
    out = firenet_solve(A, y, ctx=Ball(prec), callback=recs.append, **extra, **kw)
    assert _balls(out) == ref["psi"]
    got = [[r.restart, str(r.e), str(r.scale), str(r.error_bound), r.working_prec,
            _balls(r.psi)] for r in recs]
    assert got == ref["records"]
    # the operator path (the certified Ball iteration on a LinearOperator)
    recs = []
    out = firenet_solve(Dense(A), y, ctx=Ball(prec), callback=recs.append, **extra, **kw)
    assert _balls(out) == REF[name][label + "_op"]["psi"]
    assert [[r.restart, str(r.error_bound), r.working_prec] for r in recs] == \
        REF[name][label + "_op"]["records"]


@pytest.mark.parametrize("name", ["table1", "gaussian"])
def test_mp_and_float64_match_the_old_outputs(name) -> None:
    A, y, kw = _instance(name)
    ref = REF[name]
    mp = MP(100)
    assert _strs(mp, firenet_solve(A, y, ctx=mp, **kw)) == ref["mp100"]
    assert _strs(mp, firenet_solve(Dense(A), y, ctx=mp, **kw)) == ref["mp100_op"]
    P = firenet_parameters(A, eps0=norm2_upper(y), **kw)
    assert _strs(mp, FirenetNetwork(P).forward(y, mp)) == ref["mp100_forward"]
    f = Float64()
    for got, key in [(firenet_solve(A, y, ctx=f, **kw), "f64"),
                     (firenet_solve(Dense(A), y, ctx=f, **kw), "f64_op"),
                     (FirenetNetwork(P).forward(y, f), "f64_forward")]:
        want = np.array([float(Q(v)) for v in ref[key]])
        tol = 2.0 ** -30 * max(1.0, float(np.max(np.abs(want))))
        assert np.max(np.abs(np.asarray(got, dtype=float) - want)) <= tol


@pytest.mark.parametrize("name", ["table1", "gaussian"])
def test_exact_matches_the_old_output_on_both_instances(name) -> None:
    A, y, kw = _instance(name)
    kw = dict(kw, n_outer=2, p_inner=3, eps0=100)
    if name == "table1":
        kw["lam"] = Q(1, 50)
    ref = REF[name]["exact_2x3_eps100"]
    out = [str(q) for q in firenet_solve(A, y, ctx=Exact(), **kw)]
    assert out == ref["exact"] and any(v != "0" for v in out)
    assert [str(q) for q in firenet_solve(Dense(A), y, ctx=Exact(), **kw)] == ref["exact_op"]


def test_exact_matches_the_old_output() -> None:
    r = REF["m1"]
    A = np.array([[Q(v) for v in r["A"][0]]], dtype=object)
    y = [Q(v) for v in r["y"]]
    kw = dict(lam=Q(1, 4), n_outer=3, p_inner=4, delta="1e-6", eps0=2)
    assert [str(q) for q in firenet_solve(A, y, ctx=Exact(), **kw)] == r["exact"]
    assert [str(q) for q in firenet_solve(Dense(A), y, ctx=Exact(), **kw)] == r["exact_op"]
