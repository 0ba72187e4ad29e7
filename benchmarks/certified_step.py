"""The certified FIRENET step against its real floor, with mpmath and numpy as baselines.

Run:  .venv/bin/python benchmarks/certified_step.py [--quick]

Data as the oracle serves it: a Gaussian matrix (entries N(0, 1/m)) rounded to the oracle's
level-``n`` grid ``2^-(n + s + 1)`` (``4^s >= mN``; here n = 50, so entries are short dyadics of
about 56 to 61 bits), a 5-sparse x, y = A x, lam = 1/10 (the Table-1 instance: lam = 1,
its own data at level 50).  FIRENET with n_outer = 30, p_inner = 50; the runs
are stopped by the callback after R restarts (so the guard bits are those of the full run) and
every time is per inner step.  Rows, each measured on the SAME iterates where that applies:

* ``Ball certified``         -- ``FirenetNetwork(P)(y, Ball(prec))``: the certified iteration
                                (exact fixed point, analytic error bound; on a large matrix
                                ``Z^T v`` is screened by a rigorous float estimate and formed
                                exactly only where the step needs it, so it can beat the
                                floor below, which forms the whole product);
* ``raw arb_mat loop``       -- the same iteration on midpoints with raw ``arb_mat`` products of
                                the full-precision matrices ``-tau A^T`` and ``sigma A`` at each
                                restart's working precision, with no error bookkeeping: the
                                floor that the certified step used to be measured against;
* ``arb_mat products``       -- only the two products ``A^T v`` and ``A (2 x+ - x)`` of the
                                loop's recorded iterates, with A's exact short entries;
* ``C floor (fmpz_mat)``     -- the same two products as exact ``fmpz_mat`` products of the
                                integer matrix Z (A = Z / 2^g) and the integer iterates, plus
                                the vector work in C (two ``fmpz_mat`` linear combinations of
                                length N and m; the entrywise soft-threshold and rounding that
                                a C loop would add are NOT counted, so this floor is optimistic);
* ``C floor (limb-split)``   -- the products only, with the iterates split into 60-bit limbs
                                (one matrix-matrix product each; splitting not counted): a lower
                                C-level estimate still;
* ``mpmath.matrix``          -- a straightforward mpmath transcription (extrapolated from a few
                                steps, marked ``*``);
* ``numpy``                  -- plain float64 numpy (not rigorous, for scale).

Every ratio is measured in the same run: medians over ``--repeats`` (default 5) interleaved
repeats, of wall time (the table) and of CPU time (``time.process_time``; the summary line
also gives the certified / C-floor ratio in CPU time, the steadier of the two when other
processes share the cores).  ``nnz`` is the mean fraction of nonzero entries of x+ and of
2 x+ - x over the recorded iterates.  This is a timing script; it is never part of the tests.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import gmpy2
import numpy as np
from flint import arb, arb_mat, fmpz_mat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from firenet_speed import MpmathMatrixFirenet, NumpyFirenet  # noqa: E402

from algorithms.arithmetic import Ball, flint_prec  # noqa: E402
from algorithms.arithmetic.ball import arb_to_mpq, mpq_to_arb, soft_threshold_balls  # noqa: E402
from algorithms.certify import arb_matrix, arb_vector  # noqa: E402
from algorithms.solvers.firenet import (  # noqa: E402
    FirenetNetwork,
    firenet_parameters,
    norm2_upper,
)
from algorithms.solvers.firenet.certified import guard_schedule  # noqa: E402

Q = gmpy2.mpq
N_OUTER, P_INNER, LEVEL = 30, 50, 50


# ============================================================================ data
def oracle_like_instance(m: int, N: int, level: int = LEVEL, seed: int = 0):
    """Gaussian A on the oracle's level-``level`` grid, 5-sparse x (20-bit dyadics), y = A x."""
    rng = np.random.default_rng(seed)
    s = 0
    while 4 ** s < m * N:
        s += 1
    g = level + s + 1
    G = rng.standard_normal((m, N)) / math.sqrt(m)
    A = np.array([[Q(int(round(v * 2**g)), 2**g) for v in row] for row in G], dtype=object)
    x = np.array([Q(0)] * N, dtype=object)
    for i in rng.choice(N, 5, replace=False):
        x[i] = Q(int(round(rng.standard_normal() * 2**20)), 2**20)
    return A, A.dot(x)


def table1_instance():
    from theorems.table1.setup import table_member

    served = table_member(1, 10, 2).oracle()
    return served.matrix(50), served.sample(0, 50)


# ============================================================================ the floors
class RawArbLoop:
    """The FIRENET iteration on midpoints with raw arb_mat products of the full-precision
    matrices at each restart's working precision (no certification); records the iterates."""

    def __init__(self, P, y, prec: int, restarts: int):
        self.P, self.restarts = P, restarts
        self.wps = [prec + g for g in guard_schedule(P)][:restarts]
        self.mats = {}
        for wp in set(self.wps):
            with flint_prec(wp):
                self.mats[wp] = (arb_matrix(np.ascontiguousarray(P.A.T), -P.tau),
                                 arb_matrix(P.A, P.sigma), [mpq_to_arb(t) for t in P.thresholds],
                                 arb_vector(np.asarray(y, dtype=object)))
        self.record: list[tuple[int, arb_mat, arb_mat, arb_mat]] = []

    def __call__(self, record: bool = False) -> None:
        P = self.P
        m, N = P.shape
        s = arb_mat(N, 1)
        for k in range(1, self.restarts + 1):
            wp = self.wps[k - 1]
            with flint_prec(wp):
                Bt, Cs, th, yb = self.mats[wp]
                nth = [-t for t in th]
                gy = yb * mpq_to_arb(-P.sigma * P.scales[k - 1])
                x = (s * mpq_to_arb(P.restart_factor(k))).mid() if k > 1 else arb_mat(N, 1)
                v = arb_mat(m, 1)
                s = arb_mat(N, 1)
                one, two = arb(1), arb(2)
                for _ in range(P.p_inner):
                    x1 = soft_threshold_balls(x + Bt * v, th, nth).mid()
                    s += x1
                    d = x1 * two - x
                    if record:
                        self.record.append((wp, v, d, x1))
                    u = v + Cs * d + gy
                    t = (u.transpose() * u)[0, 0]
                    v = (u * t.max(one).rsqrt()).mid()
                    x = x1


def to_ints(b: arb_mat, F: int) -> list[int]:
    """The midpoints of ``b`` as integers on the grid ``2^-F`` (rounded down; for timing only)."""
    out = []
    for e in b.entries():
        q = arb_to_mpq(e) * (1 << F)
        out.append(int(q.numerator // q.denominator))
    return out


def limbs(vals: list[int], bits: int = 60) -> fmpz_mat:
    """``vals`` split into signed ``bits``-bit limbs: row i is (l_0, l_1, ...) with
    ``vals[i] = sum_j l_j 2^(bits j)``."""
    k = max(1, -(-max(abs(v) for v in vals).bit_length() // bits))
    mask = (1 << bits) - 1
    rows = []
    for v in vals:
        a, sg = abs(v), (-1 if v < 0 else 1)
        rows.extend(sg * ((a >> (bits * j)) & mask) for j in range(k))
    return fmpz_mat(len(vals), k, rows)


class ProductFloors:
    """The two products of each recorded step: arb_mat with A's short exact entries, fmpz_mat of
    the integer matrix (plus C vector work), and the limb-split fmpz_mat products."""

    def __init__(self, A: np.ndarray, loop: RawArbLoop):
        m, N = A.shape
        D = max(int(v.denominator) for v in A.reshape(-1))
        ints = [int(v * D) for v in A.reshape(-1)]
        self.Z = fmpz_mat(m, N, ints)
        self.ZT = self.Z.transpose()
        self.arb = {}
        for wp in set(loop.wps):
            with flint_prec(wp):
                As = arb_mat(m, N, [mpq_to_arb(v) for v in A.reshape(-1)])
                self.arb[wp] = (As, As.transpose())
        self.steps = []
        nnz_x = nnz_d = 0.0
        for wp, v, d, x1 in loop.record:
            nnz_x += sum(1 for e in x1.entries() if not e.is_zero()) / N
            V, Dv = to_ints(v, wp), to_ints(d, wp + 60)
            nnz_d += sum(1 for a in Dv if a) / N
            self.steps.append((wp, v, d, fmpz_mat(m, 1, V), fmpz_mat(N, 1, Dv), limbs(V),
                               limbs(Dv), (1 << (wp + 50)) + 1,
                               [(j, a) for j, a in enumerate(Dv) if a]))
        self.nnz = (nnz_x / len(self.steps), nnz_d / len(self.steps))
        rows = self.ZT.entries()
        self.columns = [fmpz_mat(m, 1, rows[j * m:(j + 1) * m]) for j in range(N)]
        self.powers = {k: fmpz_mat(k, 1, [1 << (60 * j) for j in range(k)]) for k in range(1, 80)}

    def arb_products(self) -> None:
        for wp, v, d, *_ in self.steps:
            with flint_prec(wp):
                As, AsT = self.arb[wp]
                AsT * v
                As * d

    def adjoint_plain(self) -> None:
        ZT = self.ZT
        for step in self.steps:
            ZT * step[3]

    def adjoint_limbs(self) -> None:
        ZT = self.ZT
        for step in self.steps:
            VL = step[5]
            ZT * VL * self.powers[VL.ncols()]

    def apply_plain(self) -> None:
        Z = self.Z
        for step in self.steps:
            Z * step[4]

    def apply_columns(self) -> None:
        """``Z d`` as the sum of the columns of Z at the nonzero entries of d (C operations on
        whole columns; what the certified step does for a sparse iterate)."""
        cols, zero = self.columns, fmpz_mat(self.Z.nrows(), 1)
        for step in self.steps:
            acc = zero
            for j, a in step[8]:
                acc = acc + cols[j] * a

    def apply_limbs(self) -> None:
        Z = self.Z
        for step in self.steps:
            DL = step[6]
            Z * DL * self.powers[DL.ncols()]

    def vector_work(self) -> None:
        """The two linear combinations of a step, in C (fmpz_mat scalar products and sums)."""
        for _, _, _, V, Dv, _, _, c, _ in self.steps:
            Dv * c - Dv * c     # the primal combination, length N
            V * c - V * c       # the dual combination, length m


# ============================================================================ measuring
def run_instance(name: str, A, y, lam, prec: int, restarts: int, repeats: int, mp_steps: int
                 ) -> list[dict]:
    eps0 = norm2_upper(y)
    P = firenet_parameters(A, lam=lam, n_outer=N_OUTER, p_inner=P_INNER, delta="1e-6", eps0=eps0)
    net = FirenetNetwork(P)
    steps = restarts * P_INNER

    def stop(rec) -> bool:
        return rec.restart >= restarts

    ball = Ball(prec)
    recs: list = []
    net(y, ball, callback=lambda r: recs.append(r) or stop(r))   # warm: builds Z once
    loop = RawArbLoop(P, y, prec, restarts)
    loop(record=True)
    floors = ProductFloors(P.A, loop)
    P_mp = firenet_parameters(A, lam=lam, n_outer=1, p_inner=mp_steps, delta="1e-6", eps0=eps0,
                              L=P.L)
    base_mp = MpmathMatrixFirenet(P_mp, loop.wps[0])
    base_np = NumpyFirenet(P)
    methods = {
        "Ball certified": (lambda: net(y, ball, callback=stop), steps),
        "raw arb_mat loop": (loop, steps),
        "arb_mat products (short A)": (floors.arb_products, steps),
        "  Z^T v  fmpz_mat": (floors.adjoint_plain, steps),
        "  Z^T v  fmpz_mat, 60-bit limbs": (floors.adjoint_limbs, steps),
        "  Z d    fmpz_mat": (floors.apply_plain, steps),
        "  Z d    fmpz_mat, 60-bit limbs": (floors.apply_limbs, steps),
        "  Z d    nonzero columns of Z": (floors.apply_columns, steps),
        "  vector work in C (fmpz_mat)": (floors.vector_work, steps),
        "mpmath.matrix": (lambda: base_mp(y, 1, mp_steps), mp_steps),
        "numpy float64": (lambda: base_np(y, restarts, P_INNER), steps),
    }
    times: dict[str, list[float]] = {k: [] for k in methods}
    cpu: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(repeats):
        for key, (fn, n) in methods.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            times[key].append((time.perf_counter() - t0) / n)
            cpu[key].append((time.process_time() - c0) / n)
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    floor_key = "C floor = best Z^T v + best Z d + vector"

    def floor_of(md: dict[str, float]) -> float:
        return (min(md["  Z^T v  fmpz_mat"], md["  Z^T v  fmpz_mat, 60-bit limbs"])
                + min(md["  Z d    fmpz_mat"], md["  Z d    fmpz_mat, 60-bit limbs"],
                      md["  Z d    nonzero columns of Z"])
                + md["  vector work in C (fmpz_mat)"])

    med[floor_key] = floor_of(med)
    cpu_ratio = med_cpu["Ball certified"] / floor_of(med_cpu)
    times[floor_key] = [med[floor_key]]
    m, N = P.shape
    rows = []
    for key in list(methods)[:9] + [floor_key] + list(methods)[9:]:
        rows.append(dict(instance=f"{m}x{N} {name}", prec=prec, wp=loop.wps[0], method=key,
                         step=med[key], spread=(min(times[key]), max(times[key])),
                         est=key == "mpmath.matrix",
                         vs_cert=med[key] / med["Ball certified"],
                         nnz=floors.nnz, bound=recs[-1].error_bound, cpu_ratio=cpu_ratio))
    print(f"  done {m}x{N} at {prec} bits", file=sys.stderr, flush=True)
    return rows


def _sci(q: gmpy2.mpq) -> str:
    """``q`` in scientific notation with 2 digits (also below the doubles' range)."""
    if q == 0:
        return "0"
    e = math.floor(math.log10(int(q.numerator)) - math.log10(int(q.denominator)))
    m = float(q * gmpy2.mpq(10) ** -e)
    if m >= 9.95:
        m, e = m / 10, e + 1
    return f"{m:.1f}e{e:+03d}"


def fmt(sec: float) -> str:
    return f"{sec * 1e3:9.3f} ms" if sec < 10 else f"{sec:9.1f} s "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer instances and steps")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default=None,
                    help="comma-separated case numbers to run (0 = 21x22, 1 = 128x256@256, "
                         "2 = 512x1024@256, 3 = 128x256@4096; full run)")
    args = ap.parse_args()
    lam = Q(1, 10)
    cases = [("Gaussian", *oracle_like_instance(128, 256), lam, 256, 2, 4),
             ("Gaussian", *oracle_like_instance(512, 1024), lam, 256, 2, 2)]
    if not args.quick:
        cases = [("Table-1", *table1_instance(), 1, 256, 4, 20)] + cases + [
            ("Gaussian", *oracle_like_instance(128, 256), lam, 4096, 2, 2)]
    if args.only is not None:
        keep = {int(c) for c in args.only.split(",")}
        cases = [c for i, c in enumerate(cases) if i in keep]
    rows: list[dict] = []
    for name, A, y, lam_, prec, restarts, mp_steps in cases:
        rows += run_instance(name, A, y, lam_, prec, restarts, args.repeats, mp_steps)
    print(f"Certified FIRENET step vs its floor ({N_OUTER} x {P_INNER} run, first restarts; "
          f"medians of {args.repeats} interleaved repeats; machine shared with other work)")
    head = (f"{'instance':<18} {'bits':>5} {'wp':>5}  {'method':<40} {'per step':>12}  "
            f"{'min..max':>21}  {'/ certified':>11}")
    print(head)
    print("-" * len(head))
    last = None
    for r in rows:
        key = (r["instance"], r["prec"])
        if last is not None and key != last:
            print()
        last = key
        star = "*" if r["est"] else " "
        lo, hi = r["spread"]
        print(f"{r['instance']:<18} {r['prec']:>5} {r['wp']:>5}  {r['method']:<40} "
              f"{fmt(r['step'])}{star} {fmt(lo)}..{fmt(hi).strip():>9}  {r['vs_cert']:>10.2f}x")
        if r["method"] == "numpy float64":
            cert = next(x for x in rows if (x["instance"], x["prec"]) == key
                        and x["method"] == "Ball certified")
            c_floor = next(x for x in rows if (x["instance"], x["prec"]) == key
                           and x["method"].startswith("C floor"))
            print(f"{'':<18} {'':>5} {'':>5}  certified / C floor = "
                  f"{cert['step'] / c_floor['step']:.2f}x (wall), {r['cpu_ratio']:.2f}x (CPU "
                  f"time);  nnz(x+) = {r['nnz'][0]:.1%}, "
                  f"nnz(2x+ - x) = {r['nnz'][1]:.1%};  certified bound after the run's "
                  f"first restarts: {_sci(r['bound'])}")
    print("\n/ certified = row time / certified step time (below 1: the row is faster). wp = the "
          "working precision (prec + guard bits, the same in every restart). CPU time = the "
          "medians of time.process_time() of the same runs (less sensitive to the other "
          "processes on a shared machine than wall time).")


if __name__ == "__main__":
    main()
