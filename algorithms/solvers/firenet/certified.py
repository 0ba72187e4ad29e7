r"""The certified Ball evaluation of FIRENET, in exact fixed point: midpoint iteration on
integers plus a rigorous bound of the accumulated rounding error in the primal-dual metric.

The stability argument (nonexpansiveness in ``M = [[I/tau, -A^T], [-A, I/sigma]]``, the
restart transfer) is in :mod:`algorithms.solvers.firenet.solve`; it needs, for every inner step
``j`` of a restart, an upper bound ``rho_j >= |z_{j+1} - T(z_j)|_2`` of the *local* error: the
distance between the stored point ``z_{j+1} = (x_{j+1}, v_{j+1})`` and the exact step ``T``
applied to the stored ``z_j``.  This module computes the stored points in exact integer
arithmetic and obtains ``rho_j`` analytically, from the few explicit roundings.

Representation
--------------
* ``A = Z / D`` exactly, ``Z`` an integer matrix (``fmpz_mat``, with ``Z^T``) and ``D > 0`` the
  least common denominator (a power of two for oracle data: level-``n`` entries have mantissas
  of about ``n + 6`` bits, so ``Z`` is short).  ``tau``, ``sigma``, the thresholds and the
  restart scale are NOT baked into the matrix: they multiply vectors (``tau = tn/td``,
  ``sigma = sn/sd`` as integer pairs).  The iteration only uses ``Z x``, ``Z^T v`` and the norm
  bound ``L`` (see :class:`~algorithms.certify.ExactIntegerOperator`), so a matrix-free
  operator with exact (or enclosed) integer products fits the same loop.
* Vectors are integers on a dyadic grid: ``x = X 2^-Fx``, ``v = V 2^-Fv``.  ``Fv = wp`` (``v``
  lives near the unit ball); ``Fx = wp - e`` with ``2^e`` bounding ``|z|_inf`` of the step
  (block floating point, chosen afresh every step), capped at ``wp + 64``.

One step, exactly (``W = Z^T V``, ``AD = Z (2 X+ - X)`` are exact integer products)::

    z   = X 2^-Fx - tau W / (D 2^Fv)                 exact rational, common denominator
    x+  = round_{2^-F1}( soft(z, tau lam w) )        soft-threshold taken EXACTLY, one rounding
    u   = V 2^-Fv + sigma AD / (D 2^Fd) - sigma [scale y]_{Fcap}      exact rational NU / B
    v+  = round_{2^-Fv}(u)                            if |NU|^2 <= B^2  (|u| <= 1, exact test)
    v+  = round_{2^-Fv}(NU 2^G / s),  s = isqrt(|NU|^2 2^(2G))          otherwise

Local error bound (each rounding to nearest costs at most half a grid step per entry; an entry
whose exact soft-threshold is 0 is stored exactly)::

    |x+ - T_x(z)|_2        <= ceil(sqrt(c_x)) 2^-(F1+1)      c_x = entries above the threshold
    |v+ - proj(u_exact)|_2 <= ceil(sqrt(m)) 2^-(Fv+1) + [projected] 2^-(Fv+G) + sigma e_y

with ``e_y >= |scale y - [scale y]_{Fcap}|_2`` (plus ``scale`` times the radius of ``y`` when
``y`` is given as balls).  The projection onto the unit ball is 1-Lipschitz, so the data error
passes through it unamplified.  For the computed projection: ``sqrt(T) 2^G`` lies in
``[s, s + 1)`` with ``T = |NU|^2``, so ``|NU 2^(Fv+G)/s - NU 2^Fv/sqrt(T)|_2 = 2^Fv (2^G sqrt(T)
- s)/s < 2^Fv/s <= 2^-G`` grid steps (``s >= B 2^G`` when ``T > B^2``, ``B = sd D 2^Fcap >=
2^Fv``).  The dual half uses the stored ``x+`` rather than ``T_x(z)``;
``|sigma A (2 dx)|_2 <= 2 sigma L |dx|_2``, so::

    rho_j = (1 + 2 sigma L) |x+ - T_x(z)|_2 + |v+ - proj(u_exact)|_2 .

The restart sum ``s = sum x+`` is kept exactly (integers on the grid ``2^-(wp+64)``), so
``psi_k = s / (p scale_k)`` is exact before its conversion to a ball; the next start
``x_0 = c_{k+1} s`` is rounded once (its 2-norm error enters ``D_0`` of the next restart).

Products
--------
``Z (2 X+ - X)`` with a short support (a soft-thresholded iterate is mostly zeros) is the sum of
the columns of ``Z`` at that support.  ``Z^T V`` is needed only through ``NZ = X cX - c2 Z^T V``
(``cX``, ``c2`` the integer factors of the primal line), and of ``NZ`` the step uses only the
entries that pass the soft-threshold (``|NZ_i| > lim_i``) and the bit length of
``max |NZ|``.  On a large matrix (:attr:`~algorithms.certify.ExactIntegerOperator.screenable`)
the step therefore SCREENS (:func:`_screened`): one matrix-vector product in doubles gives
``a_i`` and rigorous radii ``r_i`` with ``|(Z^T V)_i 2^-s - a_i| <= r_i`` whatever the float
summation order (:meth:`~algorithms.certify.ExactIntegerOperator.adjoint_estimate`; relative
radii about ``2^-40``); an entry whose upper bound stays below its threshold has ``x+_i = 0``
exactly; the others, the support of ``X`` and every entry that could be the largest are formed
EXACTLY (one row product each).  The integers the step goes on with are then those of the full
product, so the iterates, the roundings and the error bound are the same bit for bit (tests
compare the two).  When more than ``_SCREEN_MAX`` entries are in doubt (a dense iterate) the
step forms the full exact product: ``Z^T`` times ``V`` split into signed 60-bit limbs (one
matrix-matrix product of short integers, recombined exactly), from 65,536 matrix entries on.

Measured (``benchmarks/certified_step.py``, medians of 5 interleaved repeats on a shared
machine): the certified step over its C floor (the two exact products and the vector work in
flint, splitting not counted) is 0.35x wall / 0.33x CPU time at 512 x 1024 and 256 bits (363
working bits, x+ about 0.5% nonzero: about 5 exact entries a step and a 0.4 ms float product),
0.82x / 0.79x at 128 x 256 and 0.55x / 0.55x at 128 x 256 and 4096 bits; the 21 x 22 Table-1
instance is not screened and its 0.1 ms step is Python-bound (6.1x / 4.2x its 17 us floor).
The full-product path costs about 6.4 ms of CPU a step at 512 x 1024 (1.4x the floor: 1.9 ms
of Python -- splitting, building the limb matrix, which python-flint converts at about 0.1 us
an entry, recombining, thresholding -- on a 4.2 ms product).
Why integers rather than ``arb_mat``: a full product costs about 3.7 ms as limb-split
``fmpz_mat``, 7.8 ms as a plain ``fmpz_mat`` product, 13 ms as ``arb_mat`` with the same short
entries and 19 ms as ``arb_mat`` with full-precision entries (``tau`` baked in); and in exact
arithmetic the rounding errors are known in closed form, so no radius has to be carried or
summed.

Guard bits (the rule)
---------------------
A restart multiplies every earlier error by at most ``a = 1/sqrt(1 - tau sigma L^2)``
(module :mod:`~algorithms.solvers.firenet.solve`, "Cost of rigour") while the iterates keep
their relative size, so an error committed in restart ``k`` reaches ``psi_n`` amplified by at
most ``a^(n-k) <= a^n``.  Every restart therefore runs at ``wp = prec + guard`` bits with::

    guard = ceil(n_outer log2(a) + log2(n_outer p + 1)
                 + log2(max(sqrt(lambda_max) / sqrt(q), 1)) + 8)

(:func:`default_guard_bits`; :func:`guard_schedule` lists it per restart).  A user-supplied
``guard_bits`` is used for every restart (``0`` means exactly ``prec`` bits).  Precision only
changes how tight the bound is; the bound is a proof for every choice.

*Why not fewer bits in the late restarts.*  Restart ``k``'s own errors only undergo
``a^(n_outer - k)``, so a tapered rule (``(n_outer - k)`` in place of ``n_outer``) is also
sound, and it was the rule for a while.  It loosens the bound where a run has reached its
floor, which is set by the LATE restarts: on the convergence experiment's default instance
(80 x 128, p = 30, 200 restarts; ``python -m theorems convergence``) the smallest certified
bound at 256 bits is ``4.21e-80`` (restart 185, 319 working bits) with this rule and
``3.96e-79`` (restart 183) with the taper, at 128 bits ``2.02e-46`` against ``1.23e-45``,
while the run times agree within the noise (30.3 s against 30.7 s at 256 bits, 24.8 s against
23.2 s at 128 bits, one run each on a shared machine).  With no measurable speed to gain,
every restart keeps the full guard.
"""

from __future__ import annotations

import math
from math import isqrt

import gmpy2
import numpy as np
from flint import arb, arb_mat, fmpq, fmpz, fmpz_mat

from algorithms.arithmetic.ball import Ball, arb_to_mpq, flint_prec
from algorithms.certify import (
    ExactIntegerOperator,
    bound_up,
    ceil_sqrt,
    pd_metric_bounds,
    rad2,
)
from algorithms.errors import InvalidArgument
from algorithms.rationals import as_mpq_vector, as_positive_int, mpq_sqrt_upper
from algorithms.solvers.firenet.parameters import (
    Callback,
    FirenetParameters,
    FirenetWeights,
    restart_plans,
)
from algorithms.solvers.warpd.engine import RestartOutput, RestartPlan, run_restarts

#: extra bits of the x grid below the working precision (cap) and of the data grid
_CAP = 64
#: extra bits of the computed projection's square root
_G = 32


# =============================================================================== guard bits
def _log2(q: gmpy2.mpq) -> float:
    """``log2 q`` of a positive rational, without rounding ``q`` to a double first (``1 - tau
    sigma L^2 = 2^-60`` is exact and positive, but ``1 - float(tau sigma L^2)`` is 0)."""
    return math.log2(int(q.numerator)) - math.log2(int(q.denominator))


def _amplification_bits(P: FirenetParameters) -> tuple[float, float]:
    """``(log2 a, the constant part of the guard)``, see the module docstring."""
    per_restart = -0.5 * _log2(1 - P.tau * P.sigma * P.L * P.L)
    _, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    const = (math.log2(P.n_outer * P.p_inner + 1)
             + max(_log2(gmpy2.mpq(sqrt_lmax * inv_sqrt_q)), 0.0) + 8)
    return per_restart, const


def guard_schedule(P: FirenetParameters) -> list[int]:
    """The guard bits of restarts ``k = 1..n_outer``: :func:`default_guard_bits` for every one
    (the rule and why it is not tapered: module docstring, "Guard bits")."""
    per_restart, const = _amplification_bits(P)
    return [int(math.ceil(P.n_outer * per_restart + const))] * P.n_outer


def default_guard_bits(P: FirenetParameters) -> int:
    """The automatic guard bits of every restart::

        n_outer log2(1/sqrt(1 - tau sigma L^2)) + log2(n_outer p + 1)
            + log2(max(sqrt(lambda_max/q), 1)) + 8     (rounded up)

    the amplification an error of the first restart can undergo, plus the number of local
    errors, the metric change and 8 bits (module docstring, "Guard bits")."""
    return guard_schedule(P)[0]


# =============================================================================== helpers
def _round_div(num: int, q: int) -> int:
    """``floor(num / q + 1/2)`` for ``q > 0`` (round to nearest; error ``<= 1/2``)."""
    return (2 * num + q) // (2 * q)


def _max_bits(values: list[int]) -> int:
    """Bit length of ``max |values|`` (0 for an all-zero list)."""
    return max(max(values), -min(values)).bit_length() if values else 0


#: how many entries of ``Z^T v`` the screened step computes exactly before it falls back to the
#: full product (each costs one row product, about 10 us at 512 columns and 360 bits)
_SCREEN_MAX = 48
_UP, _DOWN = 1 + 2.0 ** -40, 1 - 2.0 ** -40


def _ratio_down(num: int, den: int) -> float:
    """A double ``<= num / den`` (``num >= 0``, ``den > 0``), within a factor ``1 - 2^-49``."""
    if num == 0:
        return 0.0
    e = num.bit_length() - den.bit_length()
    if e > 1000:                 # num / den > 2^(e - 1) >= 2^1000
        return 2.0 ** 1000
    if e < -1000:
        return 0.0
    return float(gmpy2.mpq(num, den)) * (1 - 2.0 ** -50)


def _screened(op: ExactIntegerOperator, V: list, Vm: fmpz_mat, supp: list[int], X: list[int],
              cX: int, c2: int, lims: list, group_a: np.ndarray | None) -> dict | None:
    """The primal numerators ``NZ_i = X_i cX - c2 (Z^T V)_i`` EXACTLY at every ``i`` that can
    matter, from a rigorous float estimate of ``Z^T V`` (:meth:`ExactIntegerOperator.
    adjoint_estimate`: ``|(Z^T V)_i 2^-sh - a_i| <= r_i``); ``None`` when too many entries are
    in doubt (the caller then forms the full exact product).

    Off the support of ``X``, ``|NZ_i| = c2 |Z^T V|_i`` lies in ``den [lo_i, up_i]`` with
    ``den = c2 2^sh``, ``up_i = |a_i| + r_i`` and ``lo_i = |a_i| - r_i`` (both inflated outward).
    An entry with ``up_i <= lim_i / den`` cannot pass the soft-threshold: its ``x+`` is exactly 0
    and its value is not needed.  The others and the support are computed exactly (one row
    product each).  The largest ``|NZ_i|`` (the grid of ``x+`` needs its bit length) is among
    the exact ones or the entries whose ``up_i`` reaches the best lower bound (the largest
    exact ``|NZ|`` over ``den``, or any ``lo_j``); those are computed exactly too.  So the
    returned entries include every one that survives the threshold and the largest one: the
    step that follows is the same, bit for bit, as with the full product."""
    a, r, sh = op.adjoint_estimate(V)
    absa = np.abs(a)
    up = (absa + r) * _UP
    lo = (absa - r) * _DOWN
    den = c2 << sh
    ts = [_ratio_down(int(t), den) for t in lims]
    T = ts[0] if group_a is None else np.array(ts)[group_a]
    idx = set(np.flatnonzero(up > T).tolist()).union(supp)
    if len(idx) > _SCREEN_MAX:
        return None
    order = sorted(idx)
    out = {i: X[i] * cX - c2 * w for i, w in zip(order, op.adjoint_entries(Vm, order),
                                                      strict=True)}
    known = np.zeros(len(a), dtype=bool)
    known[order] = True
    mx = max(abs(e) for e in out.values()) if out else 0
    best = max(_ratio_down(int(mx), den), float(lo[~known].max(initial=0.0)))
    more = np.flatnonzero((up >= best * _DOWN) & ~known).tolist()
    if len(more) + len(order) > _SCREEN_MAX:
        return None
    out.update({i: X[i] * cX - c2 * w for i, w in zip(more, op.adjoint_entries(Vm, more),
                                                       strict=True)})
    return out


def _y_data(y: object, m: int) -> tuple[list[gmpy2.mpq], gmpy2.mpq]:
    """Exact midpoints of ``y`` and an upper bound of the 2-norm of its radii (0 for rationals)."""
    if isinstance(y, arb_mat):
        if y.nrows() != m or y.ncols() != 1:
            raise InvalidArgument(f"y has shape ({y.nrows()}, {y.ncols()}); ({m}, 1) needed")
        mids = [arb_to_mpq(e) for e in y.entries()]
        rads = [arb_to_mpq(arb(e.rad())) for e in y.entries()]
        sq = sum((r * r for r in rads), gmpy2.mpq(0))
        return mids, (mpq_sqrt_upper(sq, 64) if sq else gmpy2.mpq(0))
    return list(as_mpq_vector(y, "y", m)), gmpy2.mpq(0)


# =============================================================================== the iteration
def solve_ball(P: FirenetParameters, W: FirenetWeights, y: object, ctx: Ball,
               callback: Callback | None, guard_bits: int | None) -> arb_mat:
    """The certified fixed-point midpoint iteration (module docstring); returns balls that
    contain the exact-arithmetic output ``psi_n`` (or ``psi_k`` if the callback stops at k)."""
    m, N = P.shape
    if guard_bits is None:
        guards = guard_schedule(P)
    else:
        guards = [as_positive_int(guard_bits, "guard_bits", 0)] * P.n_outer
    op: ExactIntegerOperator = W.integer_operator()
    D = op.D
    ymid, ry = _y_data(y, m)
    inv_sqrt_tau, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    kx = 1 + 2 * P.sigma * P.L
    tn, td = int(P.tau.numerator), int(P.tau.denominator)
    sn, sd = int(P.sigma.numerator), int(P.sigma.denominator)
    # thresholds tau lam w_i = TH_i / thd with one common denominator
    ths = list(P.thresholds)
    thd = int(math.lcm(*{int(t.denominator) for t in ths}))
    TH = [int(t.numerator) * (thd // int(t.denominator)) for t in ths]
    levels = sorted(set(TH))                   # weights are constant on levels: few values
    group = [levels.index(t) for t in TH] if len(levels) > 1 else None
    group_a = None if group is None else np.array(group, dtype=np.intp)
    screen = op.screenable
    sm = ceil_sqrt(m)
    p = P.p_inner
    zero_N = [0] * N
    zero_m = [0] * m

    def kernel(plan: RestartPlan, carry: tuple[list[int], int, gmpy2.mpq], need: bool
               ) -> RestartOutput:
        """One restart for the shared driver (module docstring).  ``carry``: the previous
        restart's exact sum ``s = S 2^-Fs`` and ``e_avg``, the bound on ``|avg(stored x) / scale
        - psi^|``.  python-flint's precision is ``wp`` inside only (the driver calls the
        callback at the caller's precision)."""
        S, Fs, e_avg = carry
        k = plan.restart
        wp = ctx.prec + guards[k - 1]
        with flint_prec(wp):
            scale = P.scales[k - 1]
            Fv = wp
            Fcap = wp + _CAP
            # ---- data: scale y on the grid 2^-Fcap, its rounding error (exact) and radius
            sc_y = [scale * q for q in ymid]
            Ys = [_round_div(int(q.numerator) << Fcap, int(q.denominator)) for q in sc_y]
            res = sum(((q - gmpy2.mpq(a, 1 << Fcap)) ** 2 for q, a in zip(sc_y, Ys, strict=True)),
                      gmpy2.mpq(0))
            e_y = (mpq_sqrt_upper(res, 64) if res else gmpy2.mpq(0)) + scale * ry
            YsD = [a * sn * D for a in Ys]              # sigma scale y = YsD / (sd D 2^Fcap)
            cV = (sd * D) << (Fcap - Fv)                 # V 2^-Fv in units of 1/(sd D 2^Fcap)
            qU = cV                                      # rounding u to 2^-Fv divides by this
            fq2U = fmpz(2 * qU)
            # ---- start: x_0 = c_k s (rounded once), v = 0
            if k == 1:
                X, Fx, rad_x0 = zero_N, Fv, gmpy2.mpq(0)
                d0 = gmpy2.mpq(0)
            else:
                c = P.restart_factor(k)
                cn, cd = int(c.numerator), int(c.denominator)
                top = _max_bits(S) + cn.bit_length() - cd.bit_length() - Fs + 1
                Fx = min(wp - top, Fcap)
                num_sh, den = (Fx, cd << Fs) if Fx >= 0 else (0, cd << (Fs - Fx))
                X = [_round_div((a * cn) << num_sh, den) if a else 0 for a in S]
                cnt = sum(1 for a in S if a)
                rad_x0 = gmpy2.mpq(ceil_sqrt(cnt), 1 << (Fx + 1)) if Fx >= -1 else \
                    gmpy2.mpq(ceil_sqrt(cnt) << (-Fx - 1))
                d0 = bound_up((rad_x0 + scale * e_avg) * inv_sqrt_tau)
            V = zero_m
            Vm = None
            v_zero = True
            S = list(zero_N)
            Fs = Fcap
            acc_x = gmpy2.mpq(0)
            n_proj = 0
            ysd = fmpz_mat(m, 1, YsD)
            big = (sd * D) << Fcap                     # |u| > 1  <=>  |NU|^2 > big^2
            big2 = big * big
            supp = [i for i, a in enumerate(X) if a]   # support of the stored x
            colq = fmpz_mat(m, 1, [qU] * m)             # for the rounding of u, in flint
            for _ in range(p):
                # ---------------- primal: z = x - tau A^T v = NZ / den_z, exactly
                sx = -Fx if Fx < 0 else 0              # (huge x: a grid coarser than 1)
                den_z = (td * D) << (Fv + Fx + sx)
                cX = td * D << (Fv + sx)
                c2 = tn << (Fx + sx)
                tts = [t * den_z for t in levels]
                # |NZ_i| thd > TH_i den_z  <=>  |NZ_i| > floor(TH_i den_z / thd) =: lim_i (the
                # limits as flint integers: comparing fmpz with a long Python int converts it)
                lims = [fmpz(t // thd) for t in tts]
                nz: list | dict | None = None
                if screen and not v_zero:
                    nz = _screened(op, V, Vm, supp, X, cX, c2, lims, group_a)
                if nz is None:
                    if v_zero:
                        nz = [0] * N
                    else:
                        nz = op.adjoint(V, -c2).entries()
                    for i in supp:                     # x is sparse: add it where it lives
                        nz[i] += X[i] * cX
                    top_nz = max(max(nz), -min(nz))
                else:
                    top_nz = max(max(nz.values()), -min(nz.values())) if nz else 0
                top = int(top_nz).bit_length() - den_z.bit_length() + 1
                F1 = min(wp - top, Fcap)
                if F1 >= 0:
                    sh_n, q = F1, den_z * thd
                else:
                    sh_n, q = 0, (den_z * thd) << -F1
                q2 = 2 * q
                X1 = [0] * N
                if isinstance(nz, dict):               # screened: the exact entries that matter
                    supp1 = sorted(i for i, e in nz.items()
                                   if e > lims[0 if group is None else group[i]]
                                   or e < -lims[0 if group is None else group[i]])
                elif group is None:
                    lim = lims[0]
                    nlim = -lim
                    supp1 = ([i for i, e in enumerate(nz) if e > lim or e < nlim]
                             if top_nz > lim else [])
                else:
                    nlims = [-t for t in lims]
                    supp1 = [i for i, (e, g) in enumerate(zip(nz, group, strict=True))
                             if e > lims[g] or e < nlims[g]]
                for i in supp1:
                    e = int(nz[i])
                    tt = tts[0] if group is None else tts[group[i]]
                    if e > 0:
                        X1[i] = (2 * ((e * thd - tt) << sh_n) + q) // q2
                    else:
                        X1[i] = -((2 * ((-e * thd - tt) << sh_n) + q) // q2)
                if supp1:
                    c_x = ceil_sqrt(len(supp1))
                    acc_x += (gmpy2.mpq(c_x, 1 << (F1 + 1)) if F1 >= -1
                              else gmpy2.mpq(c_x << (-F1 - 1)))
                # ---------------- the restart sum, exactly, on the grid 2^-Fs
                sh = Fs - F1
                for i in supp1:
                    S[i] += X1[i] << sh
                # ---------------- dual: u = v + sigma A (2 x+ - x) - sigma scale y = NU / big
                Fd = max(F1, Fx)
                s1, s0 = Fd - F1 + 1, Fd - Fx
                c1 = sn << (Fcap - Fd)                 # sigma's numerator and the grid, folded
                dv = [0] * N                           # into the few nonzero entries of 2 x+ - x
                for i in supp1:
                    dv[i] = X1[i] << s1
                for i in supp:
                    dv[i] -= X[i] << s0
                dsupp = sorted(set(supp1).union(supp)) if supp else supp1
                for i in dsupp:
                    dv[i] *= c1
                um = op.apply(dv, dsupp) - ysd
                if not v_zero:
                    um += Vm * cV
                # one rounding: v+ = round_{2^-Fv}(u) or round_{2^-Fv}(u / |u|), the numerators
                # formed in flint, one floor division per entry
                T = int((um.transpose() * um)[0, 0])
                if T > big2:
                    s_ = isqrt(T << (2 * _G))
                    num_sh2 = Fv + _G + 1
                    fs2 = fmpz(2 * s_)
                    un = um * (1 << num_sh2) + fmpz_mat(m, 1, [s_] * m)
                    V = [e // fs2 for e in un.entries()]
                    n_proj += 1
                else:
                    V = [e // fq2U for e in (um * 2 + colq).entries()]
                Vm = fmpz_mat(m, 1, V)
                v_zero = False
                X, Fx, supp = X1, F1, supp1
            # ---- the restart's local errors and the transfer to psi_k
            acc_v = gmpy2.mpq(p * sm, 1 << (Fv + 1)) + gmpy2.mpq(n_proj, 1 << (Fv + _G))
            sum_rho = kx * acc_x + acc_v + p * P.sigma * e_y
            dp = d0 + sqrt_lmax * sum_rho
            e_avg = bound_up(dp * inv_sqrt_q / scale)
            psi = bound = None
            if need:
                psi, bound = _psi_ball(S, Fs, P.p_inner, scale, e_avg)
        return RestartOutput(psi, (S, Fs, e_avg), bound, wp)

    return run_restarts(restart_plans(P), kernel, (zero_N, 0, gmpy2.mpq(0)),
                        callback=callback)[0]


def _psi_ball(S: list[int], Fs: int, p: int, scale: gmpy2.mpq, e_avg: gmpy2.mpq
              ) -> tuple[arb_mat, gmpy2.mpq]:
    """``psi = S 2^-Fs / (p scale)`` as balls (rounded at the current precision) widened by
    ``e_avg``, and the bound ``|mid(psi) - psi^|_2 <= rad2(rounding) + e_avg``."""
    num_f, den_f = int(scale.denominator), (p * int(scale.numerator)) << Fs
    psi_b = arb_mat(len(S), 1, [arb(fmpq(a * num_f, den_f)) if a else arb(0) for a in S])
    eb = arb(0, fmpq(int(e_avg.numerator), int(e_avg.denominator)))
    psi = arb_mat(len(S), 1, [b + eb for b in psi_b.entries()])
    return psi, bound_up(rad2(psi_b) + e_avg)
