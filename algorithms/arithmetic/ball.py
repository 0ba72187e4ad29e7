"""Rigorous ball arithmetic through python-flint (``arb`` / ``arb_mat``).

A vector is an ``arb_mat`` column: every entry is a ball ``[mid +/- rad]`` guaranteed to contain
the exact result of the same operations on the exact inputs.  Matrix products run in C
(``arb_mat`` multiplication); entrywise nonlinearities loop over the entries in Python.

Precision.  python-flint's working precision ``flint.ctx.prec`` is process-global.  A
``Ball(prec)`` context never leaves it changed: every operation sets it, computes and restores
it in a ``try/finally`` (:class:`flint_prec`).  Nothing here is thread-safe, like python-flint.

Nonlinearities on balls (rigorous, no branching on uncertain comparisons):

* ``soft_threshold``, ``relu`` are monotone: a ball certainly on one side of a kink maps
  through the corresponding affine branch; a straddling ball maps to the union of the branches.
* ``gate(x, t) = x * rsqrt(max(t, 1))``: ``min(1, t^-1/2) = rsqrt(max(t, 1))`` for ``t >= 0``,
  and ``max``/``rsqrt`` are evaluated on balls, so no case split is needed.

``radius(x)`` is an upper bound on ``sqrt(sum_i rad_i^2)``, the 2-norm distance from the
midpoints to any point of the box, as an exact ``gmpy2.mpq``.

Complex vectors are ``acb_mat`` columns (each entry a rectangle ``[re +/- r1] + [im +/- r2] i``);
complex matrices keep ``A^H`` for ``rmatvec``.  Complex soft-thresholding
``S_t(z) = z max(0, 1 - t/|z|)`` is the prox of ``t|.|`` on ``C = R^2``, hence 1-Lipschitz in
``z`` (and ``|S_t(z) - S_s(z)| <= |t - s|``).  So it is enclosed WITHOUT branching: evaluate
``S_t`` in ball arithmetic at the exact midpoint ``m`` of the rectangle (and midpoint of ``t``)
as ``m (1 - t / max(|m|, t))``, then widen both the real and the imaginary radius by
``sqrt(r1^2 + r2^2) + rad(t)``, which bounds ``|S_t(z) - S_t(m)|`` for every ``z`` in the
rectangle.  ``radius`` of a complex vector treats ``C^n`` as ``R^(2n)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np
from flint import acb, acb_mat, arb, arb_mat, fmpq
from flint import ctx as _fctx

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec, check_length
from algorithms.arithmetic.gaussian import GaussianRational, as_gaussian, is_complex_like
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_mpq_vector, as_positive_int

__all__ = ["Ball", "flint_prec", "arb_to_mpq", "arb_upper_mpq", "mpq_to_arb", "gauss_to_acb",
           "acb_to_gauss", "soft_threshold_balls", "complex_soft_threshold_balls"]


class flint_prec:  # noqa: N801 - used like a function: ``with flint_prec(256): ...``
    """Set python-flint's global precision inside a ``with`` block only (restored on exit).

    Reentrant: one instance may be entered again while it is active (nested ``with`` blocks
    on the same object); each exit restores the precision its own entry found."""

    __slots__ = ("prec", "_olds")

    def __init__(self, prec: int):
        self.prec = as_positive_int(prec, "prec", 2)
        self._olds: list[int] = []

    def __enter__(self) -> flint_prec:
        self._olds.append(_fctx.prec)
        _fctx.prec = self.prec
        return self

    def __exit__(self, *exc: object) -> bool:
        _fctx.prec = self._olds.pop()
        return False


def arb_to_mpq(a: arb) -> gmpy2.mpq:
    """The midpoint of ``a`` as an exact rational (a ball whose midpoint is infinite or NaN
    raises :class:`~algorithms.errors.InvalidArgument`)."""
    try:
        m, e = a.mid().man_exp()
    except ValueError:
        raise InvalidArgument(
            f"a={a} has no finite midpoint; it has no rational value") from None
    m, e = int(m), int(e)
    return gmpy2.mpq(m << e) if e >= 0 else gmpy2.mpq(m, 1 << -e)


def arb_upper_mpq(a: arb) -> gmpy2.mpq:
    """An exact rational ``>=`` every point of the ball ``a`` (``a`` must be finite)."""
    if not a.is_finite():
        raise InvalidArgument(f"a={a} is not a finite ball; no upper bound exists")
    return arb_to_mpq(a.upper())


def mpq_to_arb(q: gmpy2.mpq) -> arb:
    """A ball containing ``q`` at the current flint precision (exact when ``q`` fits)."""
    return arb(fmpq(int(q.numerator), int(q.denominator)))


def gauss_to_acb(z: GaussianRational) -> acb:
    """A complex ball containing ``z`` at the current flint precision."""
    return acb(mpq_to_arb(z.re), mpq_to_arb(z.im))


def acb_to_gauss(z: acb) -> GaussianRational:
    """The midpoint of ``z`` as an exact Gaussian rational."""
    return GaussianRational(arb_to_mpq(z.real), arb_to_mpq(z.imag))


_ONE = arb(1)
_ZERO = arb(0)


class Ball(Context):
    """Rigorous balls at ``prec`` bits.  ``name == "ball-<prec>"``; ``radius`` is rigorous."""

    kind = "ball"

    def __init__(self, prec: int):
        self.prec = as_positive_int(prec, "prec", 2)

    @property
    def rigorous(self) -> bool:
        return True

    def scope(self) -> flint_prec:
        """``with ctx.scope(): ...`` runs python-flint at this context's precision."""
        return flint_prec(self.prec)

    # -------------------------------------------------------------- construction
    def _vector_from_mpq(self, q: np.ndarray) -> Vec:
        with flint_prec(self.prec):
            return arb_mat(len(q), 1, [mpq_to_arb(v) for v in q])

    def _matrix_from_mpq(self, q: np.ndarray) -> CtxMatrix:
        m, n = q.shape
        with flint_prec(self.prec):
            data = arb_mat(m, n, [mpq_to_arb(v) for v in q.reshape(-1)])
            return CtxMatrix(data, data.transpose(), (m, n), self.key, q)

    def _cvector_from_gauss(self, g: np.ndarray) -> Vec:
        with flint_prec(self.prec):
            return acb_mat(len(g), 1, [gauss_to_acb(v) for v in g])

    def _cmatrix_from_gauss(self, g: np.ndarray) -> CtxMatrix:
        m, n = g.shape
        with flint_prec(self.prec):
            data = acb_mat(m, n, [gauss_to_acb(v) for v in g.reshape(-1)])
            return CtxMatrix(data, data.conjugate().transpose(), (m, n), self.key, g,
                             is_complex=True)

    def vector_from_balls(self, balls: Sequence[arb]) -> Vec:
        """A vector from ``arb`` (or ``acb``: a complex vector) balls, taken as they are."""
        balls = list(balls)
        with flint_prec(self.prec):
            if any(isinstance(b, acb) for b in balls):
                return acb_mat(len(balls), 1, balls)
            return arb_mat(len(balls), 1, balls)

    def vector_with_radius(self, mids: Sequence[object], rad: object) -> Vec:
        """The vector whose entry ``i`` is the ball ``[mids[i] +/- rad]`` (rationals)."""
        r = as_mpq(rad, "rad")
        if r < 0:
            raise InvalidArgument(f"rad={r} must be >= 0")
        with flint_prec(self.prec):
            rb = arb(0, fmpq(int(r.numerator), int(r.denominator)))
            out = []
            for i, v in enumerate(mids):
                mb = v if isinstance(v, arb) else mpq_to_arb(as_mpq(v, f"mids[{i}]"))
                out.append(mb + rb)
            return arb_mat(len(out), 1, out)

    def scalar(self, q: object) -> arb | acb:
        return self._scalar(q, "q")

    def _scalar(self, q: object, where: str) -> arb | acb:
        if isinstance(q, (arb, acb)):
            return q
        if isinstance(q, GaussianRational) or is_complex_like(q):
            g = as_gaussian(q, where)
            with flint_prec(self.prec):
                return gauss_to_acb(g)
        q = q if isinstance(q, MPQ) else as_mpq(q, where)
        with flint_prec(self.prec):
            return mpq_to_arb(q)

    def zeros(self, n: int) -> Vec:
        return arb_mat(check_length(n), 1)

    def _coerce(self, a: object, where: str = "a") -> arb | acb:
        return a if isinstance(a, (arb, acb)) else self._scalar(a, where)

    def _coerce_real(self, a: object, where: str) -> arb:
        a = self._coerce(a, where)
        if isinstance(a, acb):
            raise InvalidArgument(f"{where}={a} is complex; a real scalar is required")
        return a

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return isinstance(x, (arb_mat, acb_mat)) and x.ncols() == 1

    def size(self, x: Vec) -> int:
        if not isinstance(x, (arb_mat, acb_mat)) or x.ncols() != 1:
            raise InvalidType(
                f"x has type {type(x).__name__}; a Ball vector is an arb_mat (or, complex, an "
                f"acb_mat) with one column")
        return x.nrows()

    # -------------------------------------------------------------- complex structure
    def is_complex(self, x: Vec) -> bool:
        return isinstance(x, acb_mat)

    def real_part(self, x: Vec) -> Vec:
        return x.real if isinstance(x, acb_mat) else x

    def imag_part(self, x: Vec) -> Vec:
        return x.imag if isinstance(x, acb_mat) else arb_mat(x.nrows(), 1)

    def conj(self, x: Vec) -> Vec:
        return x.conjugate() if isinstance(x, acb_mat) else x

    def to_complex(self, x: Vec) -> Vec:
        return x if isinstance(x, acb_mat) else acb_mat(x)

    def abs2(self, x: Vec) -> Vec:
        with flint_prec(self.prec):
            if isinstance(x, acb_mat):
                return arb_mat(x.nrows(), 1, [z.real * z.real + z.imag * z.imag
                                              for z in x.entries()])
            return arb_mat(x.nrows(), 1, [a * a for a in x.entries()])

    def take(self, x: Vec, idx: np.ndarray) -> Vec:
        idx = self._index(idx, self.size(x), "take")
        e = x.entries()
        kind = acb_mat if isinstance(x, acb_mat) else arb_mat
        return kind(len(idx), 1, [e[i] for i in idx.tolist()]) if len(idx) else kind(0, 1)

    def embed(self, v: Vec, idx: np.ndarray, n: int) -> Vec:
        idx = self._index(idx, n, "embed")
        if idx.shape[0] != self.size(v):
            raise InvalidArgument(f"embed: v has length {self.size(v)} but idx has {len(idx)}")
        kind = acb_mat if isinstance(v, acb_mat) else arb_mat
        out: list = [_ZERO] * n
        for i, a in zip(idx.tolist(), v.entries(), strict=True):
            out[i] = a
        return kind(n, 1, out) if n else kind(0, 1)

    def entries(self, x: Vec) -> list[Scalar]:
        return x.entries()

    def item(self, x: Vec, i: int) -> Scalar:
        """Entry ``i`` of ``x`` (negative ``i`` counts from the end, as in the other contexts)."""
        n = self.size(x)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise InvalidType(f"i={i!r} must be an integer index")
        if not -n <= i < n:
            raise InvalidArgument(f"i={i} is out of range for a vector of length {n}")
        return x[int(i) % n, 0]

    def to_rationals(self, x: Vec) -> np.ndarray:
        e = x.entries()
        out = np.empty(len(e), dtype=object)
        conv = acb_to_gauss if isinstance(x, acb_mat) else arb_to_mpq
        for i, a in enumerate(e):
            out[i] = conv(a)
        return out

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq | GaussianRational:
        a = self._coerce(a)
        return acb_to_gauss(a) if isinstance(a, acb) else arb_to_mpq(a)

    def radius(self, x: Vec) -> gmpy2.mpq:
        with flint_prec(self.prec):
            if isinstance(x, acb_mat):
                if not x.nrows():
                    return gmpy2.mpq(0)
                d = x - x.mid()
                dr, di = d.real, d.imag
                s = (dr.transpose() * dr)[0, 0] + (di.transpose() * di)[0, 0]
                return arb_upper_mpq(s.upper().sqrt())
            d = x - x.mid()
            s = (d.transpose() * d)[0, 0] if x.nrows() else _ZERO
            return arb_upper_mpq(s.upper().sqrt())

    def radii(self, x: Vec) -> np.ndarray:
        """Entrywise radii (exact rationals); for complex entries ``sqrt(r1^2 + r2^2)`` rounded
        up (the distance from the midpoint to the rectangle's corners)."""
        e = x.entries()
        out = np.empty(len(e), dtype=object)
        for i, a in enumerate(e):
            if isinstance(a, acb):
                with flint_prec(64):
                    r1, r2 = a.real.rad(), a.imag.rad()
                    out[i] = arb_upper_mpq((r1 * r1 + r2 * r2).sqrt())
            else:
                out[i] = arb_to_mpq(a.rad())
        return out

    def contains(self, x: Vec, q: object) -> bool:
        """Whether every ball of ``x`` contains the matching rational (or, for a complex
        ``x``, Gaussian rational) of ``q``."""
        if isinstance(x, acb_mat):
            gs = [as_gaussian(v, f"q[{i}]") for i, v in enumerate(q)]  # type: ignore[union-attr]
            if len(gs) != self.size(x):
                raise InvalidArgument(
                    f"q has length {len(gs)}; length {self.size(x)} is required")
            for a, g in zip(x.entries(), gs, strict=True):
                if not (self._contains_q(a.real, g.re) and self._contains_q(a.imag, g.im)):
                    return False
            return True
        qs = [as_mpq(v, f"q[{i}]") for i, v in enumerate(q)]  # type: ignore[union-attr]
        if len(qs) != self.size(x):
            raise InvalidArgument(f"q has length {len(qs)}; length {self.size(x)} is required")
        return all(self._contains_q(a, v) for a, v in zip(x.entries(), qs, strict=True))

    @staticmethod
    def _contains_q(a: arb, v: gmpy2.mpq) -> bool:
        """``|v - mid(a)| <= rad(a)``, decided in exact rationals (midpoint and radius of a
        ball are dyadic): enclosing a non-dyadic ``v`` in a ball first would make a ball
        narrower than that enclosure fail to "contain" it."""
        if not a.is_finite():  # infinite or NaN: flint's own rule (nothing is lost here)
            return bool(a.contains(mpq_to_arb(v)))
        return abs(v - arb_to_mpq(a)) <= arb_to_mpq(a.rad())

    def overlaps(self, x: Vec, y: Vec) -> bool:
        """Whether the boxes ``x`` and ``y`` intersect (entrywise overlap)."""
        self._check_same_size(x, y, "overlaps")
        if isinstance(x, acb_mat) or isinstance(y, acb_mat):
            x, y = self.to_complex(x), self.to_complex(y)
        return all(a.overlaps(b) for a, b in zip(x.entries(), y.entries(), strict=True))

    # -------------------------------------------------------------- linear algebra
    def matvec(self, A: CtxMatrix, x: Vec) -> Vec:
        self._check_matvec(A, x, False)
        with flint_prec(self.prec):
            return A.data * x

    def rmatvec(self, A: CtxMatrix, v: Vec) -> Vec:
        self._check_matvec(A, v, True)
        with flint_prec(self.prec):
            return A.tdata * v

    def add(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "add")
        with flint_prec(self.prec):
            return x + y

    def sub(self, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "sub")
        with flint_prec(self.prec):
            return x - y

    def scale(self, a: object, x: Vec) -> Vec:
        a = self._coerce(a)
        with flint_prec(self.prec):
            return x * a

    def axpy(self, a: object, x: Vec, y: Vec) -> Vec:
        self._check_same_size(x, y, "axpy")
        a = self._coerce(a)
        with flint_prec(self.prec):
            return x * a + y

    def concat(self, parts: Sequence[Vec]) -> Vec:
        entries: list[arb] = []
        for p in parts:
            entries.extend(p.entries())
        if any(isinstance(p, acb_mat) for p in parts):
            return acb_mat(len(entries), 1, entries) if entries else acb_mat(0, 1)
        return arb_mat(len(entries), 1, entries) if entries else arb_mat(0, 1)

    def dot(self, x: Vec, y: Vec) -> arb | acb:
        self._check_same_size(x, y, "dot")
        if isinstance(x, acb_mat) or isinstance(y, acb_mat):
            if not x.nrows():
                return acb(0)
            with flint_prec(self.prec):
                xh = x.conjugate().transpose() if isinstance(x, acb_mat) else x.transpose()
                return acb((xh * y)[0, 0])
        if not x.nrows():
            return arb(0)
        with flint_prec(self.prec):
            return (x.transpose() * y)[0, 0]

    def norm2_squared(self, x: Vec) -> arb:
        if isinstance(x, acb_mat):
            if not x.nrows():
                return arb(0)
            with flint_prec(self.prec):
                re, im = x.real, x.imag
                return (re.transpose() * re)[0, 0] + (im.transpose() * im)[0, 0]
        return self.dot(x, x)

    def norm2(self, x: Vec) -> arb:
        s = self.norm2_squared(x) if isinstance(x, acb_mat) else self.dot(x, x)
        with flint_prec(self.prec):
            return s.nonnegative_part().sqrt()

    def norm1(self, x: Vec) -> arb:
        with flint_prec(self.prec):
            total = arb(0)
            for a in x.entries():
                total += abs(a)
            return total

    def sum(self, x: Vec) -> arb | acb:
        with flint_prec(self.prec):
            total = acb(0) if isinstance(x, acb_mat) else arb(0)
            for a in x.entries():
                total += a
            return total

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        n = self.size(x)
        if isinstance(t, np.ndarray):
            if t.shape != (n,):
                raise InvalidArgument(f"t has shape {t.shape}; a scalar or length {n} is required")
            t = self._vector_from_mpq(as_mpq_vector(t, "t"))
        if isinstance(t, arb_mat):
            if t.nrows() != n or t.ncols() != 1:
                raise InvalidArgument(
                    f"t has shape ({t.nrows()}, {t.ncols()}); a scalar or ({n}, 1) is required")
            ts = t.entries()
            for i, b in enumerate(ts):
                if b < 0:
                    raise InvalidArgument(f"t[{i}]={b} must be >= 0 (a threshold)")
        else:
            t1 = self._coerce_real(t, "t")
            if t1 < 0:
                raise InvalidArgument(f"t={t1} must be >= 0 (a threshold)")
            ts = [t1] * n
        with flint_prec(self.prec):
            if isinstance(x, acb_mat):
                return complex_soft_threshold_balls(x, ts)
            return soft_threshold_balls(x, ts, [-b for b in ts])

    def relu(self, x: Vec) -> Vec:
        self._refuse_complex(x, "relu")
        with flint_prec(self.prec):
            out = []
            for a in x.entries():
                if a >= 0:
                    out.append(a)
                elif a <= 0:
                    out.append(arb(0))
                else:
                    out.append(a.nonnegative_part())
            return arb_mat(len(out), 1, out)

    def square(self, x: Vec) -> Vec:
        self._refuse_complex(x, "square")
        with flint_prec(self.prec):
            return arb_mat(x.nrows(), 1, [a * a for a in x.entries()])

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._coerce_real(t, "t")
        with flint_prec(self.prec):
            return x * t.max(_ONE).rsqrt()

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._coerce_real(r, "r")
        if r < 0:
            raise InvalidArgument(f"r={r} must be >= 0")
        if r == 0:
            return w
        nrm = self.norm2(w)
        with flint_prec(self.prec):
            # max(0, 1 - r/||w||) = 1 - r / max(||w||, r): one formula, no case split
            return w * (_ONE - r / nrm.max(r))


def soft_threshold_balls(zb: arb_mat, th: Sequence[arb], nth: Sequence[arb]) -> arb_mat:
    """Balls containing ``soft(z0, t0)`` for all ``z0`` in ``zb``, ``t0`` in ``th`` (``nth = -th``).

    Soft-thresholding is monotone, so a ball certainly inside one of its three pieces maps
    through that piece; a ball touching a kink maps to the union of the adjacent pieces.  Call
    inside ``flint_prec``.
    """
    out = []
    for z, t, nt in zip(zb.entries(), th, nth, strict=True):
        if nt < z < t:
            out.append(_ZERO)
        elif z > t:
            out.append(z - t)
        elif z < nt:
            out.append(z + t)
        elif z + t > 0:
            out.append(arb.union(z - t, _ZERO))
        elif z - t < 0:
            out.append(arb.union(z + t, _ZERO))
        else:
            out.append(arb.union(arb.union(z - t, z + t), _ZERO))
    return arb_mat(len(out), 1, out)


def complex_soft_threshold_balls(zb: acb_mat, th: Sequence[arb]) -> acb_mat:
    """Rectangles containing ``S_t0(z0) = z0 max(0, 1 - t0/|z0|)`` for all ``z0`` in ``zb`` and
    ``t0`` in ``th`` (``t >= 0``).  Call inside ``flint_prec``.

    ``S_t`` is 1-Lipschitz in ``z`` and in ``t``, so ``S_t0(z0)`` lies within
    ``sqrt(r1^2 + r2^2) + rad(t)`` of ``S_tm(m)``, ``m`` the exact midpoint of the rectangle and
    ``tm`` that of ``t``; ``S_tm(m) = m (1 - tm / max(|m|, tm))`` is itself enclosed in ball
    arithmetic (for ``m = 0``, ``max(|m|, tm) = tm``; when also ``tm = 0`` the result is 0).
    """
    out = []
    for z, t in zip(zb.entries(), th, strict=True):
        m = z.mid()
        tm = t.mid()
        if tm == 0:
            s = m
        else:
            s = m * (_ONE - tm / abs(m).max(tm))
        r1, r2, rt = z.real.rad(), z.imag.rad(), t.rad()      # exact (radius-free) numbers
        if r1 != 0 or r2 != 0 or rt != 0:
            # an exact upper bound: the ball of sqrt(r1^2 + r2^2) + rt may contain 0 at a low
            # precision (Ball(2): [+/- 3.02]), so no test on the ball itself decides the widening
            e = arb(0, ((r1 * r1 + r2 * r2).sqrt() + rt).upper())
            s = acb(s.real + e, s.imag + e)
        out.append(s)
    return acb_mat(len(out), 1, out)
