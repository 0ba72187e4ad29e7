"""The published set-up re-enacted in float64, and where float64 stops telling the members apart.

:func:`published_replica` re-runs the published script's construction (its step sizes and its
member index) in float64 and reproduces the published FIRENET column; the analysis in
``TABLE1.md`` explains the discrepancy with the certified column.  :func:`float64_pair`,
:func:`float64_members_identical` and :func:`collapse_level` show the level ``n + 3.32 K`` past
which the two members are bit-identical in float64, while the oracle keeps them apart.

Two float64 paths re-enact the published script.  The **numpy path** (``deterministic=False``)
is the script's own: ``np.cos`` for the DCT, BLAS ``@`` for products, LAPACK for ``||A||_2``.
Its last bits depend on the CPU, the BLAS build and its thread count (summation order, FMA,
SIMD ``cos``), and the published step sizes are expansive, so the K = 1 cells move by up to
about 3e-7 between variants.  The **deterministic path** (``deterministic=True``, the default
of :func:`published_replica`) fixes every rounding: DCT entries correctly rounded from 160-bit
MPFR values, every sum a ``math.fsum`` (correctly rounded, so independent of order and FMA),
every other operation a single IEEE operation on Python floats, and ``||A||_2`` replaced by
``||a||_2`` (equal in exact arithmetic: ``A = D B`` with ``D`` orthogonal and
``B B^T = ||a||^2 I``).  It gives the same bits on every IEEE-754 machine; ``TABLE1.md`` quotes
its digits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2
import numpy as np
import sympy

from theorems.errors import InvalidArgument
from theorems.formatting import fixed_places, round_significant
from theorems.instances.distance import (
    Enclosure,
    distance,
    operator_norm_enclosure,
)
from theorems.table1.setup import (
    BEYOND_K,
    GRID_K,
    GRID_N,
    M_ROWS,
    N1,
    N2,
    N_COLS,
    PUBLISHED,
    _enclosure_of,
    _int,
    _to_float,
    table_member,
)

__all__ = [
    "published_instance",
    "published_firenet",
    "Replica",
    "published_replica",
    "float64_members_identical",
    "collapse_level",
    "Float64Pair",
    "float64_pair",
    "analysis_rows",
]

# =============================================================================== float64


#: 160-bit MPFR arithmetic for the deterministic path's constants (correctly rounded, so the
#: same on every machine)
_MPFR = gmpy2.context(precision=160)
#: e^-1 correctly rounded to float64
_NU = float(_MPFR.exp(-1))


def _fsum_dot(u: Sequence[float], v: Sequence[float]) -> float:
    """``sum(u_i v_i)``: each product rounded once, the sum correctly rounded (``math.fsum``)."""
    return math.fsum([a * b for a, b in zip(u, v, strict=True)])


def _fsum_rows(M: np.ndarray, u: Sequence[float]) -> list[float]:
    """``[_fsum_dot(row, u) for row in M]`` with the products formed by numpy: an elementwise
    float64 ``*`` is the same single IEEE multiplication as Python's (no FMA, nothing summed),
    so every product, and hence every correctly rounded sum, has the same bits."""
    return list(map(math.fsum, (M * np.asarray(u, dtype=np.float64)).tolist()))


def _norm(u: Sequence[float], *, squared: bool = False) -> float:
    """``||u||_2`` with a correctly rounded sum of squares and one rounded square root
    (``squared=True``: ``u`` already holds the once-rounded squares)."""
    return math.sqrt(math.fsum(u if squared else [a * a for a in u]))


def _dct_deterministic(m: int) -> list[list[float]]:
    """The orthonormal DCT-II matrix (row k, column i), each entry correctly rounded to
    float64 from a 160-bit MPFR value."""
    pi = _MPFR.const_pi()
    first = float(_MPFR.div(1, _MPFR.sqrt(m)))
    scale = _MPFR.sqrt(gmpy2.mpq(2, m))
    rows = [[first] * m]
    for k in range(1, m):
        rows.append([float(_MPFR.mul(scale, _MPFR.cos(
            _MPFR.mul(pi, gmpy2.mpq((2 * i + 1) * k, 2 * m))))) for i in range(m)])
    return rows


def _dct_float(m: int) -> np.ndarray:
    """The orthonormal DCT-II matrix in float64 (row k, column i)."""
    k = np.arange(m)[:, None]
    i = np.arange(m)[None, :]
    C = np.sqrt(2.0 / m) * np.cos(np.pi * (2 * i + 1) * k / (2 * m))
    C[0, :] = 1.0 / np.sqrt(m)
    return C


def _published_parts(K: int, n: int, j: int, delta: float, lam: float
                     ) -> tuple[np.ndarray, float, float]:
    """The first block row ``a``, ``rho`` and ``gamma`` of the published construction."""
    K = _int(K, "K", 1)
    n = _int(n, "n", 0)
    j = _int(j, "j")
    gamma = np.sqrt(2) * (1 - delta) * (10**K) / (3 * lam)
    a = gamma * lam * (1 / (1 - delta)) * np.ones(N1)
    eps = 2.0 ** (-n - 1)
    rho = 1 - delta
    r = eps / (gamma * lam)
    shift = r * rho * rho / (1 + r * rho)
    rho_min = 1 - delta - shift
    a[(j - 1) % N1] = gamma * lam / rho_min
    return a, float(rho_min), float(gamma)


def _published_row(K: int, n: int, j: int) -> np.ndarray:
    """``a`` as the published float64 construction computes it (delta = 1/6, lam = 1)."""
    return _published_parts(K, n, j, 1 / 6, 1.0)[0]


def published_instance(K: int, n: int, j: int, *, delta: float = 1 / 6, lam: float = 1.0,
                       deterministic: bool = False
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, A, x)`` as the published experiment builds them, in float64.

    The published generator reparametrises the gadget with ``delta`` (1/6 there):
    ``gamma = sqrt(2) (1 - delta) 10^K / (3 lam)``, every ``a_i = gamma lam (1/(1 - delta))``
    (``= alpha``), and the perturbed entry is ``gamma lam / rho`` with
    ``rho = 1 - delta - r (1-delta)^2 / (1 + r (1-delta))``, ``r = eps/(gamma lam)``, which equals
    ``alpha + eps`` in exact arithmetic; the minimiser has ``rho/(lam gamma)`` (``=
    1/(alpha+eps)``) at the same place.  ``y = D e_1`` and ``A = D B`` with D the orthonormal
    DCT-II (here a float64 matrix product; the published code uses an FFT, which can differ in
    the last bit).  Every operation is done in float64 in the published order, so the rounding
    (and the collapse of the two members) is reproduced.

    ``j`` is used the way the published code indexes with it: entry ``j - 1`` counted modulo the
    length (Python's negative indices), so ``j = 0`` perturbs ``a_2`` and puts the minimiser's
    non-zero at the LAST coordinate of x.

    ``deterministic=True``: the DCT entries correctly rounded and ``D B`` formed with one
    rounding per entry (see the module docstring), so the result is the same on every machine.
    """
    a, rho_min, gamma = _published_parts(K, n, j, delta, lam)
    if deterministic:
        return _deterministic_instance(a, rho_min, gamma, j, lam)
    norm_a = np.linalg.norm(a, 2)
    B = np.zeros((M_ROWS, N_COLS))
    B[0, :N1] = a
    B[1:, N1:] = norm_a * np.eye(N2)
    x = np.zeros(N_COLS)
    x[(j - 1) % N_COLS] = rho_min / (lam * gamma)
    z = np.zeros(M_ROWS)
    z[0] = 1.0
    C = _dct_float(M_ROWS)
    return C @ z, C @ B, x


def _deterministic_instance(a: np.ndarray, rho_min: float, gamma: float, j: int, lam: float
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, A, x)`` of :func:`published_instance` with a fixed rounding of every operation."""
    row = [float(v) for v in a]
    norm_a = _norm(row)
    C = _dct_deterministic(M_ROWS)
    A = [[0.0] * N_COLS for _ in range(M_ROWS)]
    for r in range(M_ROWS):
        for c in range(N_COLS):
            # (C B)[r, c]: column c of B has one non-zero (a_c in row 0, or ||a|| in row
            # c - N1 + 1), so the product is one rounded multiplication
            A[r][c] = C[r][0] * row[c] if c < N1 else C[r][c - N1 + 1] * norm_a
    x = np.zeros(N_COLS)
    x[(j - 1) % N_COLS] = rho_min / (lam * gamma)
    y = [C[r][0] for r in range(M_ROWS)]  # C e_1
    return np.array(y), np.array(A), x


def _firenet_deterministic(y: Sequence[float], A: Sequence[Sequence[float]], L: float, *,
                           p_inner: int, n_outer: int, lam: float, delta: float) -> list[float]:
    """The recursion of :func:`published_firenet` with a fixed rounding of every operation:
    every matrix-vector product and norm a correctly rounded ``math.fsum`` of once-rounded
    products (:func:`_fsum_rows`), everything else one IEEE operation per entry.

    The entrywise operations run on numpy float64 arrays: each is the same single IEEE
    operation, in the same order, as the scalar Python expression it replaces (``a - t s``,
    ``(v + sigma s) - sigma d``, ...), so the bits are those of a plain Python-float loop."""
    rows = np.array([[float(v) for v in r] for r in A], dtype=np.float64)
    cols = np.ascontiguousarray(rows.T)
    m, N = rows.shape
    yv = np.array([float(v) for v in y], dtype=np.float64)
    tau = sigma = math.sqrt(1.0 / L) - 1e-4
    tau_lam = tau * lam
    psi = np.zeros(N)
    e = _norm(yv.tolist())
    for _ in range(n_outer):
        e = _NU * (delta + e)
        scale = 1.0 / ((e / (2 * L)) * p_inner)
        x = scale * psi
        v = np.zeros(m)
        total = np.zeros(N)
        data = scale * yv
        for _ in range(p_inner):
            step = x - tau * np.array(_fsum_rows(cols, v))
            # soft threshold: copysign(max(|s| - tau lam, 0), s), and 0 where s == 0
            x_new = np.where(step != 0,
                             np.copysign(np.maximum(np.abs(step) - tau_lam, 0.0), step), 0.0)
            w = 2 * x_new - x
            v = v + sigma * np.array(_fsum_rows(rows, w)) - sigma * data
            f = min(1.0, 1.0 / (_norm((v * v).tolist(), squared=True) + 1e-43))
            v = v * f
            total = total + x_new
            x = x_new
        psi = total / p_inner / scale
    return psi.tolist()


def published_firenet(y: np.ndarray, A: np.ndarray, *, p_inner: int = 50, n_outer: int = 30,
                      lam: float = 1.0, delta: float = 1e-6, deterministic: bool = False,
                      L: float | None = None) -> tuple[np.ndarray, float]:
    """FIRENET in float64 with the published parameter choices; returns ``(psi,
    tau sigma ||A||^2)``.

    The published run takes ``L = ||A||_2`` (float64), ``tau = sigma = 1/sqrt(L) - 10^-4``,
    ``eps_0 = ||y||_2``, unit weights, and the recursion of SPEC section 7 (restart scale
    ``2 L/(e p)``, ergodic average, dual projection ``v / max(1, ||v|| + 1e-43)``).  Its step
    product ``tau sigma L^2`` is about ``L``, far above the bound 1 that makes the primal-dual
    step nonexpansive.

    ``L``: the operator norm to use (default: LAPACK's ``||A||_2``, as published).
    ``deterministic=True`` runs the same recursion with a fixed rounding of every operation
    (:func:`_firenet_deterministic`): the same bits on every machine when ``L`` is given.
    """
    L = float(np.linalg.norm(A, 2)) if L is None else float(L)
    if deterministic:
        psi_list = _firenet_deterministic(list(y), [list(r) for r in A], L, p_inner=p_inner,
                                          n_outer=n_outer, lam=lam, delta=delta)
        tau = math.sqrt(1.0 / L) - 1e-4
        return np.array(psi_list), tau * tau * L * L
    tau = sigma = math.sqrt(1.0 / L) - 1e-4
    psi = np.zeros(A.shape[1])
    e = float(np.linalg.norm(y, 2))
    for _ in range(n_outer):
        e = math.exp(-1) * (delta + e)
        scale = 1.0 / ((e / (2 * L)) * p_inner)
        x = scale * psi
        v = np.zeros(A.shape[0])
        total = np.zeros_like(x)
        data = scale * y
        for _ in range(p_inner):
            step = x - tau * (A.T @ v)
            x_new = np.sign(step) * np.maximum(np.abs(step) - tau * lam, 0.0)
            v = v + sigma * (A @ (2 * x_new - x)) - sigma * data
            v = v * min(1.0, 1.0 / (np.linalg.norm(v, 2) + 1e-43))
            total += x_new
            x = x_new
        psi = total / p_inner / scale
    return psi, tau * sigma * L * L


@dataclass(frozen=True)
class Replica:
    """The published FIRENET cell re-enacted in float64, and what it should have been compared
    with.

    ``data_j``/``truth_j``: the ``j`` the published script passed for the seen data and for the
    truth (it reused the loop index over K, 0..2, as the member index, so only the K = 6 row
    uses 2 and 1); ``truth_coordinate``: where the compared "minimiser" has its non-zero (0-based;
    0 is the real one, 20 and 21 are content coordinates); ``reported``: the distance the
    script computes (float64); ``published``: the printed number; ``intended``: certified
    distance of the same float64 output to the REAL member-1 solution set; ``step_product``:
    ``tau sigma ||A||^2`` of the published step sizes.
    """

    K: int
    n: int
    data_j: int
    truth_j: int
    truth_coordinate: int
    reported: float
    published: str
    intended: Enclosure
    step_product: float

    @property
    def reported_str(self) -> str:
        return f"{self.reported:.7f}"


def published_replica(Ks: Sequence[int] = GRID_K, ns: Sequence[int] = GRID_N, *,
                      bits: int = 128, deterministic: bool = True) -> list[Replica]:
    """Re-enact the published FIRENET column (see :class:`Replica`) for the grid.

    ``deterministic=True`` (default): the fixed-rounding float64 path, whose digits are the
    same on every machine and are the ones quoted in ``TABLE1.md``; ``False``: the published
    script's numpy/BLAS/LAPACK path, whose K = 1 cells move by about 1e-7 with the machine."""
    out = []
    for pos, K in enumerate(Ks):
        for n in ns:
            data_j, truth_j = pos, pos - 1
            y_n, A_n, _ = published_instance(K, n, data_j, deterministic=deterministic)
            _, _, x_star = published_instance(K, n, truth_j, deterministic=deterministic)
            if deterministic:
                # ||A||_2 = ||a||_2 exactly (A = D B, D orthogonal, B B^T = ||a||^2 I)
                L = _norm([float(v) for v in _published_row(K, n, data_j)])
                psi, prod = published_firenet(y_n, A_n, deterministic=True, L=L)
                reported = _norm([float(p - q) for p, q in zip(psi, x_star, strict=True)])
            else:
                psi, prod = published_firenet(y_n, A_n)
                reported = float(np.linalg.norm(psi - x_star, 2))
            intended = distance(psi, table_member(K, n, 1), 0, bits=bits)
            out.append(Replica(K, n, data_j, truth_j, int(np.flatnonzero(x_star)[0]), reported,
                               PUBLISHED.get((K, n), ("", ""))[1], intended, prod))
    return out


def float64_members_identical(K: int, n: int) -> bool:
    """Whether the published float64 construction makes members 1 and 2 bit-identical (same
    ``A``, same ``y``) at (K, n)."""
    y1, A1, _ = published_instance(K, n, 1)
    y2, A2, _ = published_instance(K, n, 2)
    return bool(np.array_equal(A1, A2) and np.array_equal(y1, y2))


def collapse_level(K: int, n_max: int = 200) -> int:
    """The smallest level n at which the published float64 construction of the pair is
    bit-identical (about ``52 - 3.32 K``: ``eps = 2^-(n+1)`` drops below half a unit in the last
    place of ``alpha ~ 10^K``)."""
    for n in range(1, _int(n_max, "n_max", 1) + 1):
        if float64_members_identical(K, n):
            return n
    raise InvalidArgument(f"n_max={n_max}: the pair is still distinct in float64 at n={n_max}")


@dataclass(frozen=True)
class Float64Pair:
    """How float64 and the exact oracle see the pair at (K, n).

    ``float64_identical``: the published float64 construction gives bit-identical members;
    ``float64_gap_ulps``: ``(a_j - alpha)`` in float64, in units of the last place of alpha;
    ``exact_gap``: certified ``||A^(1) - A^(2)||_2`` (exactly ``sqrt(2) eps``);
    ``level``: ``n + 2``; ``oracle_gap``: certified ``||A^(1)_level - A^(2)_level||_2`` for the
    oracles' rational answers, which exceeds ``2 * 2^-level`` (``separated``), so no single
    matrix is valid level-``level`` data for both; ``oracle_float64_identical``: whether those
    two rational answers round to the same float64 matrix.
    """

    K: int
    n: int
    float64_identical: bool
    float64_gap_ulps: int
    exact_gap: Enclosure
    level: int
    oracle_gap: Enclosure
    separated: bool
    oracle_float64_identical: bool


def float64_pair(K: int, n: int, *, bits: int = 128) -> Float64Pair:
    """Compare the float64 construction of the pair with the exact oracles (see
    :class:`Float64Pair`)."""
    _, A1f, _ = published_instance(K, n, 1)
    _, A2f, _ = published_instance(K, n, 2)
    a = _published_row(K, n, 2)
    ulps = int(round((a[1] - a[0]) / np.spacing(a[0])))
    one, two = table_member(K, n, 1), table_member(K, n, 2)
    exact = _enclosure_of(sympy.sqrt(2) * one.eps, bits)
    level = n + 2
    Q1 = one.oracle().matrix(level)
    Q2 = two.oracle().matrix(level)
    diff = [[sympy.Rational(int(v.numerator), int(v.denominator)) for v in row]
            for row in (np.asarray(Q1, dtype=object) - np.asarray(Q2, dtype=object))]
    gap = operator_norm_enclosure(diff, bits=bits)
    separated = bool(gap.lower > gmpy2.mpq(2, 2**level))
    F1 = np.vectorize(_to_float, otypes=[float])(np.asarray(Q1, dtype=object))
    F2 = np.vectorize(_to_float, otypes=[float])(np.asarray(Q2, dtype=object))
    return Float64Pair(K, n, bool(np.array_equal(A1f, A2f)), ulps, exact, level, gap, separated,
                       bool(np.array_equal(F1, F2)))


def analysis_rows(bits: int = 128) -> dict[str, list[tuple[str, ...]]]:
    """The numbers behind the discrepancy analysis in ``theorems/table1/TABLE1.md``, recomputed.

    ``"firenet"``: per published FIRENET cell, ``(K, n, published, script re-enacted,
    compared-with coordinate, same output vs the real member 1, tau sigma ||A||^2)``;
    ``"lista"``: per published LISTA cell, ``(K, n, published, sqrt(2)/(alpha + eps))`` (the
    score of the exact member-2 solution, 7 decimals); ``"collapse"``: per K in
    :data:`BEYOND_K`, ``(K, first bit-identical level n, n + 3.32 K)``.
    """
    firenet = [
        (str(r.K), str(r.n), r.published, r.reported_str, f"x[{r.truth_coordinate}]",
         round_significant(r.intended.mid, 7), f"{r.step_product:.3g}")
        for r in published_replica(bits=bits)
    ]
    lista = []
    for K in GRID_K:
        for n in GRID_N:
            vertex = _enclosure_of(sympy.sqrt(2) / table_member(K, n, 2).a_j, bits)
            lista.append((str(K), str(n), PUBLISHED[(K, n)][0], fixed_places(vertex.mid, 7)))
    collapse = [(str(K), str(collapse_level(K)), f"{collapse_level(K) + 3.32 * K:.1f}")
                for K in BEYOND_K]
    return {"firenet": firenet, "lista": lista, "collapse": collapse}


