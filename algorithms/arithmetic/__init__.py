"""Arithmetic contexts: one protocol, four number systems.

``Exact()`` (``gmpy2.mpq``), ``Ball(prec)`` (python-flint ``arb``, rigorous), ``MP(prec)``
(a private mpmath context) and ``Float64()`` (numpy).  :func:`context` builds one by name.
The protocol is documented in :mod:`algorithms.arithmetic.base`.
"""

from __future__ import annotations

from algorithms.arithmetic.ball import Ball, flint_prec
from algorithms.arithmetic.base import Context, CtxMatrix
from algorithms.arithmetic.exact import Exact
from algorithms.arithmetic.float64 import Float64
from algorithms.arithmetic.mp import MP
from algorithms.errors import InvalidArgument, InvalidType
from algorithms.rationals import as_positive_int

__all__ = ["Context", "CtxMatrix", "Exact", "Ball", "MP", "Float64", "context", "flint_prec"]

KINDS = ("exact", "ball", "mp", "float64")


def context(kind: str, prec: int | None = None) -> Context:
    """Build a context by name.

    ``kind`` is ``"exact"``, ``"ball"``, ``"mp"`` or ``"float64"``; ``prec`` (bits, an integer
    ``>= 2``) is required for ``"ball"`` and ``"mp"``, must be omitted for ``"exact"`` and may
    only be ``None`` or ``53`` for ``"float64"``.

    >>> context("ball", 256).name
    'ball-256'
    """
    if not isinstance(kind, str):
        raise InvalidType(f"kind={kind!r} must be one of {', '.join(KINDS)}")
    k = kind.strip().lower()
    if k == "exact":
        if prec is not None:
            raise InvalidArgument(f"prec={prec!r} must be None for kind='exact' (it is exact)")
        return Exact()
    if k == "float64":
        if prec is not None and prec != 53:
            raise InvalidArgument(f"prec={prec!r} must be None or 53 for kind='float64'")
        return Float64()
    if k in ("ball", "mp"):
        if prec is None:
            raise InvalidArgument(f"prec=None: kind={kind!r} needs a precision, e.g. prec=256")
        p = as_positive_int(prec, "prec", 2)
        return Ball(p) if k == "ball" else MP(p)
    raise InvalidArgument(f"kind={kind!r} must be one of {', '.join(KINDS)}")
