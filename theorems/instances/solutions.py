"""Closed-form exact solution sets of the gadget's members, with their dual certificates.

Write ``x = (u, v)`` (switch block, content block), ``z = D^T y = (y0, c)`` and ``a_j`` for the
largest entry of ``a`` (``alpha + eps``; ``alpha`` for the tie member).  Since
``||A x - y|| = ||B x - z||`` the solution set does not depend on ``D``.  For every problem it
has the form

    Xi = { (u, v) : u >= 0, sum(u) = t, u_i = 0 for i != j } x { v* }      (eps > 0)
    Xi = { (u, v) : u >= 0, sum(u) = t }                    x { v* }      (tie member)

i.e. the vertex ``t e_j`` (a single point) or the whole simplex of total ``t``, times one
content vector ``v*``.  With ``soft(s, r) = sign(s) max(|s| - r, 0)``:

* (P3, lam) if ``lam^2 (1/a_j^2 + s/||a||^2) < 1`` (``s`` = number of non-zeros of ``c``):
  ``t = y0/a_j``, ``v* = c/||a||``; certificate ``w = -lam (1/a_j, sign(c)/||a||)``.
* (P2, lam) if ``2 a_j y0 > lam``: ``t = (2 a_j y0 - lam)/(2 a_j^2)``,
  ``v*_i = soft(c_i, lam/(2||a||))/||a||``; certificate ``w = 2 (B x - z)``.
* (P1, eta) if ``0 <= eta < y0``: let ``theta >= 0`` solve
  ``theta^2 ||a||^2/a_j^2 + sum_i min(|c_i|, theta)^2 = eta^2`` (piecewise quadratic, solved in
  closed form on the right piece; ``theta = eta a_j/||a||`` when ``c = 0``); then
  ``v*_i = soft(c_i, theta)/||a||`` and ``t = (y0 - theta ||a||/a_j)/a_j`` (``(y0 - eta)/a_j``
  when ``c = 0``); certificate ``w = mu (B x - z)`` with ``mu = 1/(theta ||a||)`` (for
  ``eta = 0``: ``w = -(1/a_j, sign(c)/||a||)``).

Why these are the minimisers (this project's proof; the paper states the P3 case for its
instance generator).  Let ``g = -B^T w`` and ``rho = lam`` (P2, P3) or ``1`` (P1).  The checks
``g_i = rho sign(x_i)`` where ``x_i != 0`` and ``|g_i| <= rho`` elsewhere, plus the relation of
``w`` to the residual (``B x = z`` and ``||w|| < 1`` for P3; ``w = 2(Bx - z)`` for P2;
``||Bx - z|| = eta`` and ``w = mu (Bx - z)``, ``mu > 0`` for P1) are the optimality conditions
``0 in rho d||x||_1 + B^T w`` of each convex problem, so ``x`` is a minimiser.  For any other
minimiser ``x'`` the same certificate gives (P3) ``F(x') >= F(x) + (1 - ||w||) ||Bx' - z||``,
(P2) equal residuals (strict convexity of the square), (P1) ``<r, r'> = eta^2`` hence ``r' = r``;
in each case ``B x' = B x`` and ``rho ||x'||_1 = <g, x'>``.  Since ``|g_i| = a_i/a_j < 1`` for the
switch coordinates ``i != j`` and ``B`` is injective on the remaining coordinates, ``x' = x``
when ``eps > 0``.  For the tie member every switch coordinate has ``g_i = rho``: the conditions
say exactly ``u' >= 0`` with ``a^T u' = alpha sum(u') = alpha t``, which is the simplex.

:func:`verify_certificate` checks these conditions for a member, exactly (SymPy, in the
D-free coordinates) or with balls (in the member's own coordinates, for any ``D``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import sympy
from flint import arb

from oracle.exact import compile_expr, enclose, flint_precision
from theorems.errors import ConditionError, InvalidArgument, InvalidType
from theorems.instances._exact import integer, is_zero, sign
from theorems.instances.gadget import Member
from theorems.instances.problems import P1, P2, P3

__all__ = [
    "SolutionSet",
    "solution_set",
    "CertificateCheck",
    "verify_certificate",
]


@dataclass(frozen=True)
class SolutionSet:
    """The exact solution set ``Xi(A, y_k)`` of a member (see the module docstring).

    ``total`` is ``t > 0``; ``support`` the 1-based switch index ``j`` of the single vertex, or
    ``None`` for the whole simplex (tie member); ``content`` the content block ``v*``;
    ``content_signs`` its exact signs.  ``certificate`` is the dual vector ``w`` in the D-free
    coordinates (length m); the member's own certificate is ``D w``.  ``multiplier`` is ``mu``
    for (P1) with ``eta > 0``, else ``None``.  ``conditions`` states the conditions verified.
    """

    N1: int
    total: sympy.Expr
    support: int | None
    content: tuple[sympy.Expr, ...]
    content_signs: tuple[int, ...]
    certificate: tuple[sympy.Expr, ...]
    multiplier: sympy.Expr | None
    conditions: str
    member: Member = field(repr=False, compare=False)
    k: int = 0

    @property
    def N2(self) -> int:
        return len(self.content)

    @property
    def N(self) -> int:
        return self.N1 + self.N2

    @property
    def is_point(self) -> bool:
        """``True`` for a single vertex (``eps > 0``), ``False`` for the tie member's simplex."""
        return self.support is not None

    def vertex(self, i: int) -> tuple[sympy.Expr, ...]:
        """The exact point ``(t e_i, v*)`` (``i`` 1-based)."""
        i = integer(i, "i", 1)
        if i > self.N1:
            raise InvalidArgument(f"i={i} must be in 1..N1={self.N1}")
        return tuple(self.total if r == i - 1 else sympy.Integer(0) for r in range(self.N1)) + (
            self.content
        )

    def vertices(self) -> list[tuple[sympy.Expr, ...]]:
        """The vertices of ``Xi``: one point for ``eps > 0``, ``N1`` points for the tie."""
        if self.support is not None:
            return [self.vertex(self.support)]
        return [self.vertex(i) for i in range(1, self.N1 + 1)]

    def barycentre(self) -> tuple[sympy.Expr, ...]:
        """The barycentre of the vertices (the point itself for ``eps > 0``)."""
        if self.support is not None:
            return self.vertex(self.support)
        share = self.total / self.N1
        return (share,) * self.N1 + self.content

    def separation(self) -> sympy.Expr:
        """``sqrt(2) t``: the distance between two distinct vertices ``t e_i``, ``t e_l``."""
        return sympy.sqrt(2) * self.total

    def circumradius(self) -> sympy.Expr:
        """``t sqrt((N1-1)/N1)``: distance from the barycentre of all ``N1`` possible vertices
        to each of them."""
        return self.total * sympy.sqrt(sympy.Rational(self.N1 - 1, self.N1))

    @cached_property
    def thunks(self) -> tuple[Callable[[], arb], list[Callable[[], arb]]]:
        """Compiled ball evaluators of ``t`` and of ``v*`` (for"
        " :mod:`theorems.instances.distance`)."""
        return compile_expr(self.total), [compile_expr(c) for c in self.content]


# --------------------------------------------------------------------------- closed forms


def _sgn(q: sympy.Rational) -> int:
    return int(sympy.sign(q))


def _p3(mb: Member, k: int, aj: sympy.Expr, na: sympy.Expr, na2: sympy.Expr) -> dict:
    lam = mb.problem.sympy_value
    z0, c = mb.switch[k], mb.contents[k]
    s = sum(1 for ci in c if ci != 0)
    cond = lam**2 * (1 / aj**2 + sympy.Rational(s) / na2)
    if sign(1 - cond) <= 0:
        raise ConditionError(
            f"P3 needs lam^2*(1/a_j^2 + s/||a||^2) < 1 but lam={lam}, a_j={aj}, s={s} give "
            f"{sympy.N(cond, 6)} ({mb.label()}, sample k={k}); raise alpha or lower lam or s"
        )
    signs = tuple(_sgn(ci) for ci in c)
    return dict(
        total=z0 / aj,
        content=tuple(ci / na for ci in c),
        content_signs=signs,
        certificate=(-lam / aj,) + tuple(-lam * sg / na for sg in signs),
        multiplier=None,
        conditions=f"lam^2*(1/a_j^2 + s/||a||^2) < 1 with s={s}; y0={z0} > 0",
    )


def _p2(mb: Member, k: int, aj: sympy.Expr, na: sympy.Expr, na2: sympy.Expr) -> dict:
    lam = mb.problem.sympy_value
    z0, c = mb.switch[k], mb.contents[k]
    if sign(2 * aj * z0 - lam) <= 0:
        raise ConditionError(
            f"P2 needs y0 > lam/(2 a_j) but y0={z0}, lam={lam}, a_j={aj} "
            f"({mb.label()}, sample k={k})"
        )
    thr = lam / (2 * na)
    content, signs, cert = [], [], [-lam / aj]
    for ci in c:
        if ci != 0 and sign(abs(ci) - thr) > 0:
            sg = _sgn(ci)
            content.append(sg * (abs(ci) - thr) / na)
            signs.append(sg)
            cert.append(-lam * sg / na)
        else:
            content.append(sympy.Integer(0))
            signs.append(0)
            cert.append(-2 * ci)
    return dict(
        total=(2 * aj * z0 - lam) / (2 * aj**2),
        content=tuple(content),
        content_signs=tuple(signs),
        certificate=tuple(cert),
        multiplier=None,
        conditions=f"y0={z0} > lam/(2 a_j); soft-threshold lam/(2||a||) applied to c",
    )


def _p1(mb: Member, k: int, aj: sympy.Expr, na: sympy.Expr, na2: sympy.Expr) -> dict:
    eta = mb.problem.sympy_value
    z0, c = mb.switch[k], mb.contents[k]
    if not eta < z0:
        raise ConditionError(
            f"P1 needs 0 <= eta < y0 but eta={eta}, y0={z0} ({mb.label()}, sample k={k})"
        )
    signs_c = tuple(_sgn(ci) for ci in c)
    if eta == 0:
        return dict(
            total=z0 / aj,
            content=tuple(ci / na for ci in c),
            content_signs=signs_c,
            certificate=(-1 / aj,) + tuple(-sg / na for sg in signs_c),
            multiplier=None,
            conditions=f"eta=0 < y0={z0}: B x = z exactly",
        )
    b = sorted(abs(ci) for ci in c if ci != 0)
    s = len(b)
    rho = na2 / aj**2
    piece, small_sq = s, sympy.Integer(0)
    for p in range(s):
        # theta lies in [b_{p-1}, b_p] iff f(b_p) >= eta^2 (first such p)
        if sign(b[p] ** 2 * (rho + s - p) + small_sq - eta**2) >= 0:
            piece = p
            break
        small_sq += b[p] ** 2
    big_count = s - piece
    if s == 0:
        theta = eta * aj / na
        total = (z0 - eta) / aj
    else:
        theta = sympy.sqrt((eta**2 - small_sq) / (rho + big_count))
        total = (z0 - theta * na / aj) / aj
    cutoff = b[piece - 1] if piece > 0 else sympy.Integer(0)
    content, signs, cert = [], [], [-1 / aj]
    for ci, sg in zip(c, signs_c, strict=True):
        if ci == 0 or abs(ci) <= cutoff:
            content.append(sympy.Integer(0))
            signs.append(0)
            cert.append(-ci / (na * theta))
        else:
            diff = abs(ci) - theta
            d_sign = sign(diff)
            content.append(sg * diff / na if d_sign else sympy.Integer(0))
            signs.append(sg if d_sign else 0)
            cert.append(-sg / na)
    if sign(total) <= 0:  # cannot happen when eta < y0 (theta ||a||/a_j <= eta); kept as a guard
        raise ConditionError(f"P1 switch total {total} is not positive ({mb.label()}, k={k})")
    return dict(
        total=total,
        content=tuple(content),
        content_signs=tuple(signs),
        certificate=tuple(cert),
        multiplier=1 / (na * theta),
        conditions=(
            f"0 < eta={eta} < y0={z0}; theta on piece {piece} ({piece} of {s} non-zero content "
            f"entries clipped)"
        ),
    )


@lru_cache(maxsize=512)
def _solution_set(mb: Member, k: int) -> SolutionSet:
    aj, na, na2 = mb.a_j, mb.norm_a, mb.norm_a_squared
    build = {P1: _p1, P2: _p2, P3: _p3}[type(mb.problem)]
    parts = build(mb, k, aj, na, na2)
    return SolutionSet(N1=mb.N1, support=mb.j, member=mb, k=k, **parts)


def solution_set(member: Member, k: int = 0) -> SolutionSet:
    """The exact solution set ``Xi(A, y_k)`` of ``member`` for sample ``k`` (0-based).

    Raises :class:`~theorems.errors.ConditionError` when the member's parameters leave the
    conditions under which the closed form holds (see the module docstring).
    """
    if not isinstance(member, Member):
        raise InvalidType(f"member={member!r} must be a theorems.instances.gadget.Member")
    k = integer(k, "k", 0)
    if k >= member.R:
        raise InvalidArgument(f"k={k} is out of range: the member has R={member.R} samples")
    return _solution_set(member, k)


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateCheck:
    """The outcome of :func:`verify_certificate`.

    ``stationary``: ``0 in rho d||x||_1 + B^T w`` at every vertex; ``dual``: the relation of
    ``w`` to the residual (and ``||w|| < 1`` for P3, ``mu > 0`` for P1); ``strict``:
    ``|g_i| < rho`` at every zero coordinate of the vertex (strict complementarity, which with
    the injectivity of ``B`` on the support gives uniqueness); ``tight`` the 1-based coordinates
    where ``|g_i| = rho`` although ``x_i = 0`` (for the tie member: the other switch
    coordinates, which is why its solution set is the simplex).
    """

    arithmetic: str
    vertices: int
    stationary: bool
    dual: bool
    strict: bool
    tight: tuple[int, ...]
    failures: tuple[str, ...]

    @property
    def optimal(self) -> bool:
        """Every vertex (hence, by convexity, all of ``Xi``) is a minimiser."""
        return self.stationary and self.dual

    @property
    def unique(self) -> bool:
        """The minimiser is proven unique."""
        return self.optimal and self.strict and self.vertices == 1


class _Exact:
    """Exact SymPy numbers in the D-free coordinates."""

    name = "exact"

    def __init__(self, sol: SolutionSet):
        mb = sol.member
        self.B = mb.B
        self.y = list(mb.z(sol.k))
        self.w = list(sol.certificate)

    def num(self, e: sympy.Expr) -> sympy.Expr:
        return sympy.sympify(e)

    def zero(self, e: sympy.Expr) -> bool:
        return is_zero(e)

    def pos(self, e: sympy.Expr) -> bool:
        return sign(e) > 0

    def matvec(self, x: Sequence[sympy.Expr]) -> list[sympy.Expr]:
        B = self.B
        return [
            sympy.Add(*[B[r, i] * x[i] for i in range(B.cols) if B[r, i] != 0 and x[i] != 0])
            for r in range(B.rows)
        ]

    def rmatvec(self, w: Sequence[sympy.Expr]) -> list[sympy.Expr]:
        B = self.B
        return [
            sympy.Add(*[B[r, i] * w[r] for r in range(B.rows) if B[r, i] != 0])
            for i in range(B.cols)
        ]


class _Ball:
    """python-flint balls in the member's own coordinates (``A = D B``, ``y = D z``)."""

    name = "ball"

    def __init__(self, sol: SolutionSet, bits: int):
        mb = sol.member
        self.bits = bits
        data = mb.exact_data
        m, N = mb.m, mb.N
        flat = data.balls("A", bits + 16)
        self.A = [flat[r * N:(r + 1) * N] for r in range(m)]
        self.y = data.balls(sol.k, bits + 16)
        D = [enclose(e, bits + 16) for e in mb.D.matrix]
        wB = [enclose(e, bits + 16) for e in sol.certificate]
        self.w = [sum((D[r * m + i] * wB[i] for i in range(m)), arb(0)) for r in range(m)]
        # balls of radius about 2^-bits count as "zero"
        self.slack = arb(2) ** (-(bits - 24))

    def num(self, e: sympy.Expr) -> arb:
        return enclose(e, self.bits + 16)

    def zero(self, e: arb) -> bool:
        return bool(e.contains(0)) and bool(e.rad() < self.slack)

    def pos(self, e: arb) -> bool:
        return bool(e > 0)

    def matvec(self, x: Sequence[arb]) -> list[arb]:
        return [sum((row[i] * x[i] for i in range(len(x))), arb(0)) for row in self.A]

    def rmatvec(self, w: Sequence[arb]) -> list[arb]:
        N = len(self.A[0])
        return [sum((self.A[r][i] * w[r] for r in range(len(w))), arb(0)) for i in range(N)]


def verify_certificate(
    sol: SolutionSet, *, arithmetic: str = "exact", bits: int = 200
) -> CertificateCheck:
    """Check the dual certificate of ``sol`` at every vertex.

    ``arithmetic="exact"``: SymPy numbers in the D-free coordinates ``(B, z)``; equalities are
    decided exactly, inequalities rigorously.  ``arithmetic="ball"``: python-flint balls of
    radius about ``2^-bits`` in the member's own coordinates ``(A, y)`` with certificate
    ``D w``: an equality passes when its ball contains 0 AND is narrow, an inequality when the
    ball certainly satisfies it (``bits`` is raised to ``2n + 128`` for a member at level ``n``
    so that the gap ``eps/a_j`` of the strict inequalities is resolved).  See the module
    docstring for why passing proves optimality (and uniqueness when ``strict``).
    """
    if arithmetic not in ("exact", "ball"):
        raise InvalidArgument(f"arithmetic={arithmetic!r} must be 'exact' or 'ball'")
    bits = integer(bits, "bits", 64)
    # strictness |g_i| < rho at the other switch coordinates is a gap of about eps/alpha:
    # resolve it whatever the level
    bits = max(bits, 2 * (sol.member.n or 0) + 128)
    if arithmetic == "ball":
        with flint_precision(bits + 64):
            return _verify(sol, _Ball(sol, bits))
    return _verify(sol, _Exact(sol))


def _verify(sol: SolutionSet, sys: _Exact | _Ball) -> CertificateCheck:
    mb = sol.member
    prob = mb.problem
    rho = sys.num(prob.sympy_value if isinstance(prob, (P2, P3)) else sympy.Integer(1))
    w = sys.w
    g = [-gi for gi in sys.rmatvec(w)]  # g = -A^T w must lie in rho * d||x||_1
    failures: list[str] = []
    stationary, strict, dual = True, True, True
    tight: set[int] = set()
    verts = sol.vertices()
    for vert in verts:
        xs = [sys.num(e) for e in vert]
        signs = [1 if (i < sol.N1 and vert[i] != 0) else 0 for i in range(sol.N1)]
        signs += list(sol.content_signs)
        for i, (gi, si) in enumerate(zip(g, signs, strict=True)):
            if si != 0:
                if not sys.zero(gi - rho * si):
                    stationary = False
                    failures.append(f"g[{i + 1}] != rho*sign(x[{i + 1}])")
            elif sys.zero(gi - rho) or sys.zero(gi + rho):
                tight.add(i + 1)
            elif not (sys.pos(rho - gi) and sys.pos(rho + gi)):
                stationary = False
                strict = False
                failures.append(f"|g[{i + 1}]| > rho at a zero coordinate")
        r = [ri - yi for ri, yi in zip(sys.matvec(xs), sys.y, strict=True)]
        if isinstance(prob, P3):
            if not all(sys.zero(ri) for ri in r):
                dual = False
                failures.append("P3: residual A x - y is not zero")
            if not sys.pos(1 - sum(wi * wi for wi in w)):
                dual = False
                failures.append("P3: ||w|| < 1 fails")
        elif isinstance(prob, P2):
            if not all(sys.zero(wi - 2 * ri) for wi, ri in zip(w, r, strict=True)):
                dual = False
                failures.append("P2: w != 2 (A x - y)")
        else:
            eta = sys.num(prob.sympy_value)
            if sol.multiplier is None:
                if not all(sys.zero(ri) for ri in r):
                    dual = False
                    failures.append("P1 (eta=0): A x != y")
            else:
                mu = sys.num(sol.multiplier)
                if not sys.zero(sum(ri * ri for ri in r) - eta * eta):
                    dual = False
                    failures.append("P1: ||A x - y|| != eta")
                if not sys.pos(mu):
                    dual = False
                    failures.append("P1: mu <= 0")
                if not all(sys.zero(wi - mu * ri) for wi, ri in zip(w, r, strict=True)):
                    dual = False
                    failures.append("P1: w != mu (A x - y)")
    vertex_support = set() if sol.support is None else {sol.support}
    off_tight = tight - vertex_support
    if sol.support is not None and off_tight:
        strict = False
    if sol.support is None:
        strict = False
    return CertificateCheck(
        arithmetic=sys.name,
        vertices=len(verts),
        stationary=stationary,
        dual=dual,
        strict=strict,
        tight=tuple(sorted(tight)),
        failures=tuple(dict.fromkeys(failures)),
    )
