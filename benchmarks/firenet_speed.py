"""FIRENET speed: every context of :mod:`algorithms.arithmetic` against two baselines.

Run:  .venv/bin/python benchmarks/firenet_speed.py [--quick]

FIRENET with n_outer = 30 restarts of p_inner = 50 primal-dual steps on

  (a) the 21 x 22 Table-1 instance of SPEC section 6 (K = 1, n = 10, member 2, DCT-II D), and
  (b) a 128 x 256 Gaussian instance (entries N(0, 1/m), 5-sparse x, y = A x),

at 53, 128, 256 and 1024 bits.  Rows:

* ``Ball (certified)``   -- ``firenet_solve(ctx=Ball(prec))``: midpoints at prec + guard bits,
                            rigorous radius (the best certified context);
* ``Ball (guard 0)``      -- the same with ``guard_bits=0`` (midpoints at exactly prec bits);
* ``MP``                  -- ``firenet_solve(ctx=MP(prec))`` (the network's operations);
* ``mpmath.matrix``       -- the baseline: a straightforward mpmath-matrix transcription of the
                            same iteration (same rational parameters), written below;
* ``Float64``             -- ``firenet_solve(ctx=Float64())``;
* ``numpy``               -- the baseline: a straightforward numpy float64 transcription;
The comparison with the floor (raw ``arb_mat`` and C-level ``fmpz_mat`` products on the SAME
sparse iterates) is ``benchmarks/certified_step.py``; this script only compares contexts and
baselines.  (It used to divide by two dense-vector products, which is not a floor: the real
iterate is mostly zeros.)

Every ratio is measured in the same run.  Slow rows (MP, mpmath.matrix on the large instance)
run a prefix of the iteration and are extrapolated per inner step; they are marked ``*``.
This is a timing script: it is never part of the tests.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import gmpy2
import numpy as np
from mpmath import libmp
from mpmath.ctx_mp import MPContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algorithms.arithmetic import MP, Ball, Float64  # noqa: E402
from algorithms.solvers.firenet import (  # noqa: E402
    NU,
    FirenetNetwork,
    default_guard_bits,
    firenet_parameters,
    norm2_upper,
)

Q = gmpy2.mpq
N_OUTER, P_INNER = 30, 50
STEPS = N_OUTER * P_INNER


# ============================================================================ instances
def table1_instance(n: int = 10, K: int = 1, j: int = 2):
    """The (P3) Table-1 data of SPEC section 6 for member ``j`` (21 x 22, DCT-II, lam = 1),
    as the oracle serves it at level ``n + 40`` (well within 2^-n of the exact member)."""
    from theorems.table1.setup import table_member

    served = table_member(K, n, j).oracle()
    return served.matrix(n + 40), served.sample(0, n + 40)


def gaussian_instance(m: int = 128, N: int = 256, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = np.array([[Q(float(v)) for v in row] for row in rng.standard_normal((m, N)) / math.sqrt(m)],
                 dtype=object)
    x = np.array([Q(0)] * N, dtype=object)
    for i in rng.choice(N, 5, replace=False):
        x[i] = Q(float(rng.standard_normal()))
    return A, A.dot(x)


# ============================================================================ baselines
class MpmathMatrixFirenet:
    """The baseline: FIRENET with mpmath matrices (a private context), same rational parameters.

    Entries are rounded to nearest once (``mpmath.matrix`` would truncate Fractions)."""

    def __init__(self, P, prec: int):
        self.P = P
        mp = self.mp = MPContext()
        mp.prec = prec
        self.A = mp.matrix([[self.num(v) for v in row] for row in P.A])
        self.AT = self.A.T
        self.tau, self.sigma = self.num(P.tau), self.num(P.sigma)
        self.th = self.num(P.tau * P.lam)

    def num(self, q):
        return self.mp.make_mpf(libmp.from_rational(int(q.numerator), int(q.denominator),
                                                    self.mp.prec, libmp.round_nearest))

    def __call__(self, y, n_outer: int, p_inner: int):
        mp, P, A, AT = self.mp, self.P, self.A, self.AT
        m, N = P.shape
        yv = mp.matrix([self.num(v) for v in y])
        psi = mp.matrix(N, 1)
        for k in range(n_outer):
            scale = self.num(P.scales[k])
            x = psi * scale
            v = mp.matrix(m, 1)
            s = mp.matrix(N, 1)
            for _ in range(p_inner):
                z = x - (AT * v) * self.tau
                x_new = mp.matrix([max(abs(zi) - self.th, 0) * mp.sign(zi) for zi in z])
                v = v + (A * (x_new * 2 - x)) * self.sigma - yv * (self.sigma * scale)
                nrm = mp.norm(v)
                if nrm > 1:
                    v = v / nrm
                s = s + x_new
                x = x_new
            psi = s / (p_inner * scale)
        return psi


class NumpyFirenet:
    """The baseline: FIRENET in plain numpy float64 (same rational parameters, rounded)."""

    def __init__(self, P):
        self.P = P
        self.A = np.array([[float(v) for v in row] for row in P.A])
        self.AT = np.ascontiguousarray(self.A.T)
        self.tau, self.sigma = float(P.tau), float(P.sigma)
        self.th = float(P.tau * P.lam)

    def __call__(self, y, n_outer: int, p_inner: int):
        P, A, AT, tau, sigma, th = self.P, self.A, self.AT, self.tau, self.sigma, self.th
        yv = np.array([float(v) for v in y])
        m, N = A.shape
        psi = np.zeros(N)
        for k in range(n_outer):
            scale = float(P.scales[k])
            x = scale * psi
            v = np.zeros(m)
            s = np.zeros(N)
            sy = sigma * scale * yv
            for _ in range(p_inner):
                z = x - tau * (AT @ v)
                x_new = np.sign(z) * np.maximum(np.abs(z) - th, 0.0)
                v = v + sigma * (A @ (2 * x_new - x)) - sy
                nrm = np.linalg.norm(v)
                if nrm > 1:
                    v = v / nrm
                s += x_new
                x = x_new
            psi = s / (p_inner * scale)
        return psi


# ============================================================================ timing
def timed(fn, repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def warm(net: FirenetNetwork, ctx) -> None:
    """Convert the network's matrices to ``ctx`` once (cached), so timings exclude it."""
    W = net._weights
    for M in (W.Bt, W.C, W.C2, W.ones):
        M.on(ctx)
    W.th.on(ctx)


def run(instance: str, A, y, precs, quick: bool) -> list[dict]:
    kw = dict(lam=1, delta="1e-6")
    eps0 = norm2_upper(y)
    t0 = time.perf_counter()
    P = firenet_parameters(A, n_outer=N_OUTER, p_inner=P_INNER, eps0=eps0, **kw)
    net = FirenetNetwork(P)
    setup = time.perf_counter() - t0
    big = A.shape[0] >= 100
    no, pi = ((1, 2) if quick else (1, 5)) if big else ((1, 10) if quick else (2, 25))
    P_pre = firenet_parameters(A, n_outer=no, p_inner=pi, eps0=eps0, L=P.L, **kw)
    net_pre = FirenetNetwork(P_pre)
    rows: list[dict] = [dict(instance=instance, prec=0, method="setup: certify L, build network",
                             step=setup / STEPS, total=setup, est=False)]
    # float64 rows (precision-independent)
    base_np = NumpyFirenet(P)
    t_np = timed(lambda: base_np(y, N_OUTER, P_INNER), 3) / STEPS
    f64 = Float64()
    warm(net, f64)
    t_f64 = timed(lambda: net(y, f64), 3) / STEPS
    rows.append(dict(instance=instance, prec=53, method="numpy (baseline)", step=t_np, est=False))
    rows.append(dict(instance=instance, prec=53, method="Float64", step=t_f64, est=False,
                     vs_numpy=t_f64 / t_np))
    guard = default_guard_bits(P)
    for prec in precs:
        base = MpmathMatrixFirenet(P, prec)
        t_base = timed(lambda base=base: base(y, no, pi)) / (no * pi)
        mp = MP(prec)
        warm(net_pre, mp)
        t_mp = timed(lambda mp=mp: net_pre(y, mp)) / (no * pi)
        recs: list = []
        ball = Ball(prec)
        net(y, ball, callback=lambda r: r.restart >= 1)      # warm: the integer matrix, once
        t_ball = timed(lambda ball=ball, recs=recs: net(y, ball, callback=recs.append)) / STEPS
        t_ball0 = timed(lambda ball=ball: net(y, ball, guard_bits=0)) / STEPS
        rows += [
            dict(instance=instance, prec=prec, method="mpmath.matrix (baseline)", step=t_base,
                 est=True),
            dict(instance=instance, prec=prec, method="MP", step=t_mp, est=True,
                 vs_base=t_base / t_mp),
            dict(instance=instance, prec=prec, method=f"Ball certified (+{guard} bits)",
                 step=t_ball, est=False, vs_base=t_base / t_ball, bound=recs[-1].error_bound),
            dict(instance=instance, prec=prec, method="Ball certified (guard 0)", step=t_ball0,
                 est=False, vs_base=t_base / t_ball0),
        ]
        print(f"  done {instance} at {prec} bits", file=sys.stderr, flush=True)
    return rows


def fmt_time(sec: float) -> str:
    return f"{sec * 1e6:10.1f} us" if sec < 0.1 else f"{sec:10.3f} s "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps for the slow rows")
    ap.add_argument("--precs", default="53,128,256,1024")
    args = ap.parse_args()
    precs = [int(p) for p in args.precs.split(",")]
    print(f"FIRENET {N_OUTER} x {P_INNER} (nu = {float(NU)}), machine timings; '*' = "
          f"extrapolated from a prefix of the iteration")
    all_rows = []
    for name, (A, y) in [("21x22 Table-1", table1_instance()),
                         ("128x256 Gaussian", gaussian_instance())]:
        all_rows += run(name, A, y, precs, args.quick)
    head = (f"{'instance':<17} {'bits':>5}  {'method':<32} {'per step':>13} {'30x50 total':>12}"
            f"  {'vs mpmath':>9}  {'vs numpy':>8}  bound")
    print(head)
    print("-" * len(head))
    for r in all_rows:
        total = r.get("total", r["step"] * STEPS)
        star = "*" if r.get("est") else " "
        cols = [
            f"{r['instance']:<17} {r['prec'] or '':>5}  {r['method']:<32} {fmt_time(r['step'])}",
            f"{fmt_time(total)}{star}",
            f"{r['vs_base']:>8.1f}x" if "vs_base" in r else f"{'':>9}",
            f"{r['vs_numpy']:>7.2f}x" if "vs_numpy" in r else f"{'':>8}",
            f"{float(r['bound']):.1e}" if r.get("bound") is not None else "",
        ]
        print("  ".join(cols))
    print("\nvs mpmath = baseline time / row time (higher is faster); vs numpy = row time / plain "
          "numpy time; bound = certified 2-norm error bound of the Ball run after 30 restarts. "
          "Guard bits: every restart uses default_guard_bits (shown), see "
          "algorithms/solvers/firenet/certified.py.  The floor comparison: "
          "benchmarks/certified_step.py.")


if __name__ == "__main__":
    main()
