"""The phase transition of the gadget, measured: ``python -m theorems sweep phase``.

Follow-up work of the paper's group (Gazdag and Hansen, "Generalised hardness of approximation
and the SCI hierarchy", arXiv 2209.06715) states a phase transition: on such classes
epsilon-accurate networks are computable above a threshold ``eps_0`` and impossible below it,
even for randomised algorithms (success probability at most ``1/N1`` on some member).

**The class and eps_0.**  Family I of :class:`theorems.instances.omega.Omega` (the tie member and
every member ``(j, n)``, ``j = 1..N1``, ``eps_n = 2^-(n+1)``; ``alpha = sqrt(2) 10^K/3``).  The
tie member's solution set is the simplex of the ``N1`` vertices ``t e_j`` (plus the content
block), ``t = y0/alpha`` for P3; the members' solutions are the points ``t_n e_j`` with
``t_n < t``, ``t_n -> t``.  The threshold is the circumradius of the tie's vertex simplex::

    eps_0 = t sqrt((N1 - 1)/N1)          (P3, y0 = 1, N1 = 2:  eps_0 = 3/(2 10^K) exactly)

computed here from the exact solution set (:func:`theorems.instances.solutions.solution_set`)
and enclosed with rigorous balls.

**Why eps_0.**  Above: the barycentre ``b = (t/N1)(1, ..., 1)`` of the tie's simplex lies in
the tie's solution set, and for a member ``(j, n)`` (P3, ``t/N1 < t_n < t``)
``|b - t_n e_j|^2 - eps_0^2 = t_n^2 - 2 t_n t/N1 - t^2 (N1 - 2)/N1 < 0`` (zero at ``t_n = t``,
increasing in ``t_n``): the exact barycentre is within ``eps_0`` of every member's solution.
(The Barycentre network is built from one coarse read ``A_n``, so it lands near ``b``, not
on it; its measured errors below say how near.)  Below: an algorithm that reads no deeper than
level ``n`` on the tie member receives the tie's answers on every member ``(j, n)``
(admissible there), so a consistent one returns ONE output ``x`` for all ``N1`` of them; for
every ``x``,
``max_j |x - v_j|^2 >= mean_j |x - v_j|^2 = |x - b_n|^2 + mean_j |b_n - v_j|^2 >= R_n^2`` with
``b_n`` the barycentre of the level-n vertices ``v_j`` and ``R_n = min_j |b_n - v_j|`` their
circumradius, so it fails eps-accuracy on some member whenever ``eps < R_n``, and
``R_n -> eps_0`` from below.  Randomised: per seed at most one of the ``N1`` members is a
success unless the seed reads deeper than ``n`` (when ``eps`` is below half the vertex
separation; ``N1 - 1`` of them when ``eps < R_n``; for ``N1 = 2`` both are ``R_n``), so
``sum_j P(success_j) <= 1 + (N1 - 1) P(deeper)`` and ``min_j P(success_j) <= (1 + (N1 - 1)
P(deeper))/N1`` (``-> 1/2`` for ``N1 = 2``).

**What one cell measures** (:func:`phase_cell`, one K; every number certified):

1. The PANEL (:func:`theorems.paradox.harness.run`: Barycentre, Search, ExactSolveAtLevel,
   RandomVertex with one seed, FIRENET for P3), sealed, on the tie, on the adversarial members
   ``(j, n_a)`` (``n_a`` the algorithm's deepest read on the tie, at least 1) and on drawn
   members.  Per algorithm: its certified worst error over its family-I runs (``worst``), and
   the largest certified lower bound of its error on the adversarial members
   (``adversarial``: it certainly fails eps-accuracy for every ``eps`` below it).
2. The RANDOMISED experiment at every level ``n`` of ``levels`` (fixed before any seed): each
   seed of RandomVertex on every member ``(j, n)`` through the adversarial oracle (the tie's
   answers up to level n); each run's certified error and deepest read.
3. The ADVERSARIAL BOUND ``R_n`` (enclosure) at every adversarial level used, from the exact
   solution sets of the level-n members.
4. For every ``c`` of ``cs`` and ``eps = c eps_0``: the best certified worst error of any panel
   algorithm, which panel algorithms are certified eps-accurate on every run (error upper
   bound ``<= eps``), the randomised success frequencies (certified: error upper bound
   ``<= eps``) with the bound above when it applies, and ``success``: the largest, over the
   panel, of the smallest success frequency over the members (1 or 0 for a deterministic
   algorithm: accurate on every run or not).

**Measured thresholds** (two measurements, neither is the formula):

* ``eps_up``: the smallest eps at which some panel algorithm is certified eps-accurate on every
  run (the least certified worst-error upper bound over the panel; Barycentre's in practice);
* ``eps_fail``: the largest eps at which EVERY panel algorithm is certified to fail some
  adversarial member (the least, over the panel, of its ``adversarial`` lower bound).

Always ``eps_fail <= eps_up``; the panel's transition lies in ``[eps_fail, eps_up]``, and the
sweep compares both ends with ``eps_0``.  ``bound`` (``R_n`` at the deepest adversarial level)
extends the failure to every consistent algorithm reading no deeper than that level.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import gmpy2
import sympy

from theorems.errors import InvalidArgument
from theorems.formatting import decimal

__all__ = ["phase_cell", "eps0_enclosure", "adversarial_bound", "PHASE_GRID", "DIGITS"]

#: significant digits of the decimal strings in records (lower ends rounded down, upper up)
DIGITS = 20

#: the default sweep: K = 2..8 (see :data:`theorems.sweep.experiments.PHASE_CS` for c)
PHASE_GRID = {"K": [2, 3, 4, 5, 6, 7, 8]}


def _pair(lo: gmpy2.mpq, hi: gmpy2.mpq) -> list[str]:
    """An enclosure as outward-rounded decimal strings ``[lower, upper]``."""
    return [decimal(lo, DIGITS, "down"), decimal(hi, DIGITS, "up")]


def eps0_enclosure(om: Any, bits: int = 128) -> tuple[sympy.Expr, gmpy2.mpq, gmpy2.mpq]:
    """``eps_0`` of ``om``'s family I: the circumradius ``t sqrt((N1-1)/N1)`` of the tie
    member's vertex simplex (``t`` its exact switch total, sample 0), as a SymPy expression and
    a certified rational enclosure ``(lower, upper)``."""
    from theorems.instances._exact import bounds
    from theorems.instances.solutions import solution_set

    sol = solution_set(om.tie("I"), 0)
    expr = sympy.nsimplify(sol.total) * sympy.sqrt(sympy.Rational(om.N1 - 1, om.N1))
    expr = sympy.radsimp(sympy.simplify(expr))
    lo, hi = bounds(expr, bits)
    return expr, lo, hi


def adversarial_bound(om: Any, n: int, bits: int = 128
                      ) -> tuple[gmpy2.mpq, gmpy2.mpq, gmpy2.mpq]:
    """Certified ``(R_lower, R_upper, half_separation_lower)`` at level ``n``.

    ``R_n = min_j dist(b_n, Xi(member (j, n)))`` with ``b_n`` the barycentre of the level-n
    family-I vertices (evaluated as balls of radius ``2^-(bits+64)`` around the exact
    entries): no single output is within ``R_n`` of every member's solution.
    ``half_separation`` is half the smallest distance between two of the vertices: no single
    output is within it of two members' solutions (for ``N1 = 2`` it equals ``R_n``)."""
    from oracle import enclose
    from theorems.instances.distance import distance
    from theorems.instances.solutions import solution_set

    members = [om.member("I", j, n) for j in range(1, om.N1 + 1)]
    sols = [solution_set(mb, 0) for mb in members]
    N1 = om.N1
    centre = [sum((s.vertex(j + 1)[i] for j, s in enumerate(sols)), sympy.Integer(0)) / N1
              for i in range(sols[0].N)]
    point = [enclose(v, bits + 64) for v in centre]
    encl = [distance(point, mb, 0, bits=bits) for mb in members]
    # every pair of vertices is equally far apart (all t_n are equal); the pair (2, 1) is
    # measured, and the minimum over pairs is taken when N1 > 2 for safety
    half = None
    for a in range(N1):
        for b in range(a + 1, N1):
            vb = [enclose(v, bits + 64) for v in sols[b].vertex(b + 1)]
            d = distance(vb, members[a], 0, bits=bits).lower / 2
            half = d if half is None or d < half else half
    assert half is not None
    return min(e.lower for e in encl), min(e.upper for e in encl), half


def _randomized(om: Any, K: int, problem: str, value: Any, seeds: int,
                levels: Sequence[int], seed: int) -> dict[str, Any]:
    """The randomised experiment with RandomVertex: per level, seed and member, the run's
    certified error and deepest read (through the paradox harness's own session and oracles:
    sealed runs, adversarial cover = the tie, consistency checked per seed)."""
    from algorithms.paradox_algorithms import RandomVertex
    from theorems.paradox.harness import Session, exact_inputs, randomized_level_runs
    from theorems.sealed.limits import Limits
    from theorems.sealed.runner import pickle_algorithm, shared_runner
    from theorems.sealed.transcripts import check

    runner = shared_runner()
    handle = runner.load(pickle_algorithm(RandomVertex(problem, value, K, seed=0)),
                         batched=True)
    try:
        session = Session(runner, Limits(), exact_inputs(om.tie("I")))
        tie_oracle = om.tie("I").oracle(tighten=1)
        rng = random.Random(f"phase randomized {seed}")
        runs: dict[tuple[int, int, int], Any] = {}
        for n in levels:
            level = randomized_level_runs(session, handle, om, n, seeds, rng, seed, tie_oracle)
            runs.update({(n, s, j): run for (s, j), run in level.items()})
    finally:
        runner.unload(handle)
    consistent, finding = True, ""
    for s in range(seeds):
        found = check([(f"n={n} j={j} seed {s}", runs[(n, s, j)].transcript)
                       for n in levels for j in range(1, om.N1 + 1)
                       if runs[(n, s, j)].transcript is not None])
        if found:
            consistent, finding = False, f"seed {s}: {found[0].message}"
            break
    return {"name": handle.name, "runs": runs, "consistent": consistent,
            "inconsistency": finding}


def phase_cell(K: int, problem: str = "P3", N: int = 3, m: int = 2, seeds: int = 100,
               levels: Sequence[int] = (20, 40, 80), cs: Sequence[str] = ("1/2", "1", "2"),
               seed: int = 0) -> dict[str, Any]:
    """One K of the phase sweep (see the module docstring for every field's meaning).

    Returns a JSON-able record; enclosures are ``[lower, upper]`` decimal strings rounded
    outward, ratios to ``eps_0`` are floats of certified endpoints (for tables and figures).
    Deterministic: the same parameters give the same record on every executor."""
    from theorems.paradox.harness import DEFAULT_VALUES, build_class, run

    if not cs:
        raise InvalidArgument("cs=[] must hold at least one value of eps/eps_0")
    value = DEFAULT_VALUES[problem]
    om = build_class(problem, K, N=N, m=m, seed=seed)
    N1 = om.N1
    expr, e0_lo, e0_hi = eps0_enclosure(om)
    e0_mid = (e0_lo + e0_hi) / 2

    def ratio(q: gmpy2.mpq) -> float:
        return float(q / e0_mid)

    def relative(q: gmpy2.mpq) -> list[str]:
        """Certified ``[lower, upper]`` of ``q/eps_0 - 1`` (4 significant digits)."""
        return [decimal(q / e0_hi - 1, 4, "down"), decimal(q / e0_lo - 1, 4, "up")]

    # ---- 1. the panel (sealed), on family I
    result = run(problem, K, N=N, m=m, seed=seed, levels=(5,), randomized_levels=(),
                 budgets=(10,))
    panel = []
    for s in result.algorithms:
        fam = [r for r in s.all_runs() if r.family == "I"]
        answered = all(r.answered for r in fam)
        worst_lo = max((r.error.lower for r in fam if r.answered), default=gmpy2.mpq(0))
        worst_hi = max((r.error.upper for r in fam if r.answered), default=gmpy2.mpq(0))
        adv = s.runs_a[1:]
        adv_lo = max((r.error.lower for r in adv if r.answered), default=gmpy2.mpq(0))
        panel.append({
            "name": s.name, "consistent": s.consistent, "answered": answered,
            "runs": len(fam), "k0": s.k0, "n_a": adv[0].n if adv else None,
            "served_by_cover": all(r.served_by_cover for r in adv),
            "worst": _pair(worst_lo, worst_hi), "worst_ratio": ratio(worst_hi),
            "adversarial": decimal(adv_lo, DIGITS, "down"), "adversarial_ratio": ratio(adv_lo),
            "_worst_hi": worst_hi, "_adv_lo": adv_lo,
        })
    eligible = [p for p in panel if p["consistent"] and p["answered"]]
    best = min(eligible, key=lambda p: p["_worst_hi"])
    eps_up = best["_worst_hi"]
    failing = [p for p in panel if p["consistent"]]
    eps_fail = min(p["_adv_lo"] for p in failing)

    # ---- 2. the randomized experiment
    rnd = _randomized(om, K, problem, value, seeds, levels, seed)
    runs = rnd["runs"]

    # ---- 3. the adversarial bound R_n at every adversarial level used
    adv_levels = sorted({int(p["n_a"]) for p in panel if p["n_a"] is not None} | set(levels))
    bound = {n: adversarial_bound(om, n) for n in adv_levels}
    deepest = max(adv_levels)
    panel_respects = all(p["_adv_lo"] >= bound[int(p["n_a"])][0] for p in failing
                         if p["n_a"] is not None and p["served_by_cover"])

    # ---- 4. every eps = c eps_0
    per_eps = []
    for c_text in cs:
        c = gmpy2.mpq(Fraction(c_text))
        eps_lo, eps_hi = c * e0_lo, c * e0_hi
        accurate = [p["name"] for p in eligible if p["_worst_hi"] <= eps_lo]
        certainly_fail = [p["name"] for p in panel
                          if not p["answered"] or p["_adv_lo"] > eps_hi]
        levels_out = []
        for n in levels:
            wins = [0] * N1
            undecided = deeper = 0
            for s in range(seeds):
                read_deeper = False
                for j in range(1, N1 + 1):
                    r = runs[(n, s, j)]
                    read_deeper |= (r.deepest_level or 0) > n
                    if r.answered and r.error.upper <= eps_lo:
                        wins[j - 1] += 1
                    elif r.answered and r.error.lower <= eps_hi:
                        undecided += 1
                deeper += read_deeper
            # M: most members one output can serve at this eps (1 below half the separation,
            # N1 - 1 below R_n); per seed, #successes <= M + (N1 - M) [seed reads deeper]
            M = 1 if eps_hi < bound[n][2] else (N1 - 1 if eps_hi < bound[n][0] else None)
            sum_bound = None if M is None else M + (N1 - M) * deeper / seeds
            levels_out.append({
                "n": n, "successes": wins, "undecided": undecided, "deeper": deeper,
                "min_frequency": min(wins) / seeds, "sum": sum(wins) / seeds,
                "bound_applies": M is not None, "members_per_output": M,
                "sum_bound": sum_bound,
                "min_bound": None if sum_bound is None else sum_bound / N1,
            })
        last = levels_out[-1]
        deterministic = 1.0 if accurate else 0.0
        per_eps.append({
            "c": c_text, "eps": _pair(eps_lo, eps_hi),
            "best_error": best["worst"], "best_algorithm": best["name"],
            "accurate": accurate, "certainly_fail": certainly_fail,
            "randomized": levels_out,
            "success": max(deterministic, last["min_frequency"]),
            "success_bound": last["min_bound"],
        })
    for p in panel:
        del p["_worst_hi"], p["_adv_lo"]
    return {
        "K": K, "problem": problem, "N": N, "m": m, "N1": N1, "seeds": seeds,
        "levels": list(levels), "seed": seed, "isolation": result.isolation,
        "eps_0": _pair(e0_lo, e0_hi), "eps_0_formula": f"{sympy.sstr(expr)}",
        "panel": panel,
        "randomized": {"algorithm": rnd["name"], "consistent": rnd["consistent"],
                       "inconsistency": rnd["inconsistency"]},
        "bound": {str(n): _pair(*bound[n][:2]) for n in adv_levels},
        "half_separation": {str(n): decimal(bound[n][2], DIGITS, "down") for n in adv_levels},
        "bound_ratio": {str(n): ratio(bound[n][0]) for n in adv_levels},
        "panel_respects_bound": panel_respects,
        "thresholds": {
            "eps_up": decimal(eps_up, DIGITS, "up"), "eps_up_algorithm": best["name"],
            "eps_up_ratio": ratio(eps_up), "eps_up_relative": relative(eps_up),
            "eps_fail": decimal(eps_fail, DIGITS, "down"), "eps_fail_ratio": ratio(eps_fail),
            "eps_fail_relative": relative(eps_fail),
            "bound_level": deepest, "bound": decimal(bound[deepest][0], DIGITS, "down"),
            "bound_ratio": ratio(bound[deepest][0]),
            "bound_relative": relative(bound[deepest][0]),
            "match_1_percent": bool(abs(eps_up - e0_mid) <= e0_lo / 100
                                    and abs(eps_fail - e0_mid) <= e0_lo / 100),
        },
        "per_eps": per_eps,
    }
