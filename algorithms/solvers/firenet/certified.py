"""The certified Ball evaluation of FIRENET: midpoint iteration plus a rigorous bound of the
accumulated rounding error in the primal-dual metric (the argument is in
:mod:`algorithms.solvers.firenet.solve`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import gmpy2
from flint import arb, arb_mat

from algorithms.arithmetic.ball import Ball, flint_prec, mpq_to_arb
from algorithms.certify import (
    arb_vector,
    bound_up,
    notify,
    pd_metric_bounds,
    rad2,
    rad_l1,
    soft_threshold_balls,
)
from algorithms.errors import InvalidArgument
from algorithms.rationals import (
    as_mpq_vector,
    as_positive_int,
)
from algorithms.solvers.firenet.parameters import (
    Callback,
    FirenetParameters,
    FirenetWeights,
    RestartRecord,
)


# =============================================================================== certified Ball
def default_guard_bits(P: FirenetParameters) -> int:
    """Extra bits that absorb the a-priori growth factor of the certified bound:
    ``n_outer log2(1/sqrt(1 - tau sigma L^2)) + log2(steps) + log2(sqrt(lmax/q)) + 8``."""
    per_restart = -0.5 * math.log2(1 - float(P.tau * P.sigma * P.L * P.L))
    _, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    steps = P.n_outer * P.p_inner
    return int(math.ceil(P.n_outer * per_restart + math.log2(steps + 1)
                         + math.log2(max(float(sqrt_lmax * inv_sqrt_q), 1.0)) + 8))


def solve_ball(P: FirenetParameters, W: FirenetWeights, y: object, ctx: Ball,
                callback: Callback | None, guard_bits: int | None) -> arb_mat:
    """The certified midpoint iteration (module docstring)."""
    m, N = P.shape
    guard = default_guard_bits(P) if guard_bits is None else as_positive_int(
        guard_bits, "guard_bits", 0)
    wp = ctx.prec + guard
    inv_sqrt_tau, sqrt_lmax, inv_sqrt_q = pd_metric_bounds(P.tau, P.sigma, P.L)
    kx = 1 + 2 * P.sigma * P.L
    with flint_prec(wp) as scope:
        if isinstance(y, arb_mat):
            if y.nrows() != m or y.ncols() != 1:
                raise InvalidArgument(f"y has shape ({y.nrows()}, {y.ncols()}); ({m}, 1) needed")
            yb = y
        else:
            yb = arb_vector(as_mpq_vector(y, "y", m))
        Bt, Cs, th = W.ball_weights(wp)
        nth = [-t for t in th]
        one, two = arb(1), arb(2)
        x = arb_mat(N, 1)
        v = arb_mat(m, 1)
        s = arb_mat(N, 1)
        e_avg = gmpy2.mpq(0)             # bound on |avg(stored x)/scale - psi^| of last restart
        psi = arb_mat(N, 1)
        for k in range(1, P.n_outer + 1):
            t0 = time.perf_counter()
            scale = P.scales[k - 1]
            gy = yb * mpq_to_arb(-P.sigma * scale)
            if k == 1:
                d0 = gmpy2.mpq(0)
            else:
                x0b = s * mpq_to_arb(P.restart_factor(k))
                x = x0b.mid()
                d0 = bound_up((rad2(x0b) + scale * e_avg) * inv_sqrt_tau)
                v = arb_mat(m, 1)
                s = arb_mat(N, 1)
            rx = arb_mat(N, 1)
            rv = arb_mat(m, 1)
            for _ in range(P.p_inner):
                xb = soft_threshold_balls(x + Bt * v, th, nth)
                x1 = xb.mid()
                rx += xb - x1            # zero-centred: radii add up the r_x
                s += x1
                ub = v + Cs * (x1 * two - x) + gy
                tb = (ub.transpose() * ub)[0, 0]
                vb = ub * tb.max(one).rsqrt()
                v = vb.mid()
                rv += vb - v
                x = x1
            sum_rho = kx * rad_l1(rx) + rad_l1(rv)
            dp = d0 + sqrt_lmax * sum_rho
            e_avg = bound_up(dp * inv_sqrt_q / scale)
            psi_b = s * mpq_to_arb(P.readout(k))
            eb = arb(0, _fmpq(e_avg))
            psi = arb_mat(N, 1, [b + eb for b in psi_b.entries()])
            if callback is not None:
                bound = bound_up(rad2(psi_b) + e_avg)
                rec = RestartRecord(k, P.schedule[k - 1], scale, psi, bound, wp,
                                    time.perf_counter() - t0)
                if notify(callback, rec, scope):
                    break
        return psi


def _fmpq(q: gmpy2.mpq) -> Any:
    from flint import fmpq

    return fmpq(int(q.numerator), int(q.denominator))


