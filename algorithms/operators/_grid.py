"""Private helpers: image shapes and the conversions between flattened context vectors and 2-D
arrays (numpy for ``Exact``/``Float64``, python-flint matrices for ``Ball``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from flint import acb_mat, arb_mat

from algorithms.errors import InvalidArgument, InvalidType

Vec = Any


def as_shape(shape: object, what: str = "shape") -> tuple[int, int]:
    """``(n1, n2)`` with positive integers."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape), int(shape))
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise InvalidType(f"{what}={shape!r} must be a pair (n1, n2) of positive integers")
    out = []
    for v in shape:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidArgument(f"{what}={tuple(shape)!r} must be a pair of positive integers")
        out.append(int(v))
    return out[0], out[1]


def is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def ball_matrix(x: Vec, n1: int, n2: int) -> Vec:
    """The ``(n1*n2, 1)`` Ball vector ``x`` as an ``(n1, n2)`` matrix (row-major)."""
    kind = acb_mat if isinstance(x, acb_mat) else arb_mat
    return kind(n1, n2, x.entries())


def ball_column(M: Vec) -> Vec:
    """The matrix ``M`` flattened row-major into a column."""
    kind = acb_mat if isinstance(M, acb_mat) else arb_mat
    return kind(M.nrows() * M.ncols(), 1, M.entries())


def ball_kind(x: Vec) -> type:
    return acb_mat if isinstance(x, acb_mat) else arb_mat
