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
"""

from __future__ import annotations

from collections.abc import Sequence

import gmpy2
import numpy as np
from flint import arb, arb_mat, fmpq
from flint import ctx as _fctx

from algorithms.arithmetic.base import Context, CtxMatrix, Scalar, Vec
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import MPQ, as_mpq, as_positive_int

__all__ = ["Ball", "flint_prec", "arb_to_mpq", "arb_upper_mpq", "mpq_to_arb",
           "soft_threshold_balls"]


class flint_prec:  # noqa: N801 - used like a function: ``with flint_prec(256): ...``
    """Set python-flint's global precision inside a ``with`` block only (restored on exit)."""

    __slots__ = ("prec", "old")

    def __init__(self, prec: int):
        self.prec = prec
        self.old = 0

    def __enter__(self) -> flint_prec:
        self.old = _fctx.prec
        _fctx.prec = self.prec
        return self

    def __exit__(self, *exc: object) -> bool:
        _fctx.prec = self.old
        return False


def arb_to_mpq(a: arb) -> gmpy2.mpq:
    """The midpoint of ``a`` as an exact rational."""
    m, e = a.mid().man_exp()
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

    def vector_from_balls(self, balls: Sequence[arb]) -> Vec:
        """A vector from ``arb`` balls (taken as they are)."""
        with flint_prec(self.prec):
            return arb_mat(len(balls), 1, list(balls))

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

    def scalar(self, q: object) -> arb:
        if isinstance(q, arb):
            return q
        q = q if isinstance(q, MPQ) else as_mpq(q, "q")
        with flint_prec(self.prec):
            return mpq_to_arb(q)

    def zeros(self, n: int) -> Vec:
        return arb_mat(n, 1)

    def _coerce(self, a: object) -> arb:
        return a if isinstance(a, arb) else self.scalar(a)

    # -------------------------------------------------------------- inspection
    def is_vector(self, x: object) -> bool:
        return isinstance(x, arb_mat) and x.ncols() == 1

    def size(self, x: Vec) -> int:
        if not isinstance(x, arb_mat) or x.ncols() != 1:
            raise InvalidType(
                f"x has type {type(x).__name__}; a Ball vector is an arb_mat with one column")
        return x.nrows()

    def entries(self, x: Vec) -> list[Scalar]:
        return x.entries()

    def item(self, x: Vec, i: int) -> Scalar:
        return x[i, 0]

    def to_rationals(self, x: Vec) -> np.ndarray:
        e = x.entries()
        out = np.empty(len(e), dtype=object)
        for i, a in enumerate(e):
            out[i] = arb_to_mpq(a)
        return out

    def scalar_to_rational(self, a: Scalar) -> gmpy2.mpq:
        return arb_to_mpq(self._coerce(a))

    def radius(self, x: Vec) -> gmpy2.mpq:
        with flint_prec(self.prec):
            d = x - x.mid()
            s = (d.transpose() * d)[0, 0] if x.nrows() else _ZERO
            return arb_upper_mpq(s.upper().sqrt())

    def radii(self, x: Vec) -> np.ndarray:
        """Entrywise radii (exact rationals)."""
        e = x.entries()
        out = np.empty(len(e), dtype=object)
        for i, a in enumerate(e):
            out[i] = arb_to_mpq(a.rad())
        return out

    def contains(self, x: Vec, q: object) -> bool:
        """Whether every ball of ``x`` contains the matching rational of ``q``."""
        qs = [as_mpq(v, f"q[{i}]") for i, v in enumerate(q)]  # type: ignore[union-attr]
        if len(qs) != self.size(x):
            raise InvalidArgument(f"q has length {len(qs)}; length {self.size(x)} is required")
        for a, v in zip(x.entries(), qs, strict=True):
            # enclose v at a precision high enough to be exact for dyadics (and tiny otherwise)
            bits = int(v.numerator).bit_length() + int(v.denominator).bit_length() + self.prec
            with flint_prec(max(self.prec, bits)):
                if not a.contains(mpq_to_arb(v)):
                    return False
        return True

    def overlaps(self, x: Vec, y: Vec) -> bool:
        """Whether the boxes ``x`` and ``y`` intersect (entrywise overlap)."""
        self._check_same_size(x, y, "overlaps")
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
        return arb_mat(len(entries), 1, entries) if entries else arb_mat(0, 1)

    def dot(self, x: Vec, y: Vec) -> arb:
        self._check_same_size(x, y, "dot")
        if not x.nrows():
            return arb(0)
        with flint_prec(self.prec):
            return (x.transpose() * y)[0, 0]

    def norm2(self, x: Vec) -> arb:
        s = self.dot(x, x)
        with flint_prec(self.prec):
            return s.nonnegative_part().sqrt()

    def norm1(self, x: Vec) -> arb:
        with flint_prec(self.prec):
            total = arb(0)
            for a in x.entries():
                total += abs(a)
            return total

    def sum(self, x: Vec) -> arb:
        with flint_prec(self.prec):
            total = arb(0)
            for a in x.entries():
                total += a
            return total

    # -------------------------------------------------------------- nonlinearities
    def soft_threshold(self, x: Vec, t: object) -> Vec:
        n = self.size(x)
        if isinstance(t, arb_mat):
            if t.nrows() != n or t.ncols() != 1:
                raise InvalidArgument(
                    f"t has shape ({t.nrows()}, {t.ncols()}); a scalar or ({n}, 1) is required")
            ts = t.entries()
        else:
            ts = [self._coerce(t)] * n
        with flint_prec(self.prec):
            return soft_threshold_balls(x, ts, [-b for b in ts])

    def relu(self, x: Vec) -> Vec:
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
        with flint_prec(self.prec):
            return arb_mat(x.nrows(), 1, [a * a for a in x.entries()])

    def gate(self, x: Vec, t: Scalar) -> Vec:
        t = self._coerce(t)
        with flint_prec(self.prec):
            return x * t.max(_ONE).rsqrt()

    def shrink(self, w: Vec, r: object) -> Vec:
        r = self._coerce(r)
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
