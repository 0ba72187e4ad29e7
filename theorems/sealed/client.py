"""The oracle a sealed child sees: a thin client that forwards queries over a pipe.

It holds a connection, the public shape ``(m, N)`` and the number of samples ``R``: nothing
else exists in the child's process that knows the problem.  Asking for anything other than
``matrix``, ``sample``, ``shape`` and ``num_samples`` (``exact_data``, ``cover``, ``_data``,
``fresh``, ``reads``, ...) raises :class:`AttributeError`: ``'OracleClient' object has no
attribute 'exact_data'``.
"""

from __future__ import annotations

import numbers
from multiprocessing.connection import Connection

import numpy as np

from theorems.sealed.protocol import decode_answer, dumps

__all__ = ["OracleClient"]

_ERRORS = ("BudgetExceeded", "InvalidArgument", "InvalidType", "LimitExceeded",
           "PrecisionError")


def _oracle_error(name: str) -> type[Exception]:
    """The oracle's error class called ``name`` (imported on first use: ``oracle`` pulls in
    SymPy, which a child should not load unless it must raise one of these)."""
    from oracle import errors

    return getattr(errors, name) if name in _ERRORS else errors.OracleError


def _int(value: object, name: str) -> int:
    """``value`` as an ``int`` when it is an integer of any integral type (``int``, numpy
    integers, ``gmpy2.mpz``, ``sympy.Integer``), as the oracle itself accepts; ``bool`` and
    floats raise its ``InvalidType`` (the sign is the parent oracle's to check)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _oracle_error("InvalidType")(f"{name}={value!r:.60} must be a non-negative "
                                           f"integer")
    return int(value)


class OracleClient:
    """``matrix(n)``, ``sample(k, n)``, ``shape``, ``num_samples``; answers come from the
    parent's oracle (the same read-only arrays of dyadic ``gmpy2.mpq`` an oracle serves), its
    refusals are raised here as the oracle's named errors (``BudgetExceeded``, ...)."""

    __slots__ = ("_conn", "_shape", "_R")

    def __init__(self, conn: Connection, shape: tuple[int, int], num_samples: int):
        self._conn = conn
        self._shape = (int(shape[0]), int(shape[1]))
        self._R = int(num_samples)

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, N)``: public knowledge, not a read."""
        return self._shape

    @property
    def num_samples(self) -> int:
        """``R``: public knowledge, not a read."""
        return self._R

    def matrix(self, n: int) -> np.ndarray:
        """``A_n`` within ``2^-n`` of ``A`` (operator 2-norm), asked of the parent."""
        return self._ask(("matrix", _int(n, "n")))

    def sample(self, k: int, n: int) -> np.ndarray:
        """``y_{k,n}`` within ``2^-n`` of ``y_k``, asked of the parent."""
        return self._ask(("sample", _int(k, "k"), _int(n, "n")))

    def _ask(self, query: tuple) -> np.ndarray:
        self._conn.send_bytes(dumps(query))
        import pickle

        reply = pickle.loads(self._conn.recv_bytes())
        if reply[0] == "ok":
            return decode_answer(reply[1])
        _, name, message, limit, attempted = reply
        cls = _oracle_error(name)
        if name == "BudgetExceeded":
            raise cls(message, limit=limit, attempted=attempted)
        raise cls(message)

    def __repr__(self) -> str:
        return f"OracleClient(shape={self._shape}, R={self._R}) [sealed]"
