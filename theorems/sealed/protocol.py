"""What crosses the process boundary, and how it is decoded without running the sender's code.

Messages are pickles of PLAIN data only: tuples, lists, dicts, ``int``, ``str``, ``bytes``,
``None`` and ``bool``.  The parent decodes the child's messages with :func:`safe_loads`, an
unpickler whose ``find_class`` refuses every class and function, so a message cannot name (and
so cannot construct or call) anything: a hostile child can send wrong data, never code.

Child -> parent::

    ("matrix", n)                      a query for A_n
    ("sample", k, n)                   a query for y_{k,n}
    ("done", network data)             the trained network (see below)
    ("failed", type name, message)     train raised

Parent -> child::

    ("ok", (shape, ((p, q), ...)))     the answer, exact dyadic rationals as int pairs
    ("error", type name, message, limit, attempted)   the oracle refused (budget, bad level)

Networks travel as data.  A plain :class:`~algorithms.networks.NeuralNetwork` is sent as its
:meth:`~algorithms.networks.NeuralNetwork.to_data` (layer kinds, exact rational weights).  A
FIRENET network is sent as the inputs of
:func:`~algorithms.solvers.firenet.parameters.firenet_parameters` (the matrix, ``lam``, the
schedule's settings, ``L``, ``tau``, ``sigma``, ``eps0``, the weights); the parent recomputes
every derived parameter itself (so ``tau sigma L^2 < 1`` and ``L >= ||A||_2`` are re-proved
in the parent) and rebuilds it with the public constructor
:class:`~algorithms.solvers.firenet.FirenetNetwork`, which keeps FIRENET's fast certified
evaluation.  Both are decoded through validating constructors, and the parent checks the
input and output sizes against the problem.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
from typing import Any

import gmpy2
import numpy as np

from algorithms.errors import AlgorithmError
from algorithms.layers import rationals_from_data, rationals_to_data
from algorithms.networks import NeuralNetwork
from theorems.sealed.errors import ProtocolError

__all__ = [
    "FIRENET_FORMAT",
    "MAX_FIRENET_STEPS",
    "dumps",
    "safe_loads",
    "encode_answer",
    "decode_answer",
    "network_to_data",
    "network_from_data",
    "network_digest",
    "answer_digest",
]

#: the ``format`` field of a FIRENET network sent as its parameters
FIRENET_FORMAT = "smale18.firenet/1"
#: the largest number of primal-dual steps (``n_outer * p_inner``) the parent will evaluate
MAX_FIRENET_STEPS = 100_000

_PICKLE_PROTOCOL = 4


def dumps(message: object) -> bytes:
    """A message as bytes (a pickle of plain data)."""
    return pickle.dumps(message, protocol=_PICKLE_PROTOCOL)


class _PlainUnpickler(pickle.Unpickler):
    """Builds only the built-in containers and scalars a pickle encodes without a class
    lookup; any global (class, function) is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise ProtocolError(
            f"message names {module[:60]}.{name[:60]}: only plain data (tuples, lists, dicts, "
            f"ints, strs, bytes, None, bools) may cross the process boundary")

    def persistent_load(self, pid: object) -> Any:
        raise ProtocolError("message uses a persistent id: only plain data may cross")


def safe_loads(raw: bytes) -> object:
    """Decode a message without running any code of its sender.

    Raises :class:`~theorems.sealed.errors.ProtocolError` for a message that is not a pickle
    of plain data."""
    try:
        return _PlainUnpickler(io.BytesIO(raw)).load()
    except ProtocolError:
        raise
    except Exception as exc:  # a malformed pickle: any of several built-in errors
        raise ProtocolError(f"message is not a pickle of plain data "
                            f"({type(exc).__name__})") from None


#: first element of an encoded complex answer (a real answer starts with its shape, a tuple)
_COMPLEX = "complex"


def encode_answer(values: Any) -> tuple:
    """An oracle answer as plain data: an object array of ``gmpy2.mpq`` as
    ``(shape, ((p, q), ...))``; an :class:`oracle.ComplexAnswer` as
    ``("complex", real part, imaginary part)``, each part encoded the same way."""
    if hasattr(values, "real") and hasattr(values, "imag") and not isinstance(values, np.ndarray):
        return (_COMPLEX, rationals_to_data(values.real), rationals_to_data(values.imag))
    return rationals_to_data(values)


def _decode_part(data: object) -> np.ndarray:
    shape = data[0] if isinstance(data, tuple) and data else None
    arr = rationals_from_data(data, "answer", len(shape) if isinstance(shape, tuple) else 1)
    arr.flags.writeable = False
    return arr


def decode_answer(data: object) -> Any:
    """The child's copy of an answer: a read-only object array of ``gmpy2.mpq``, or an
    :class:`oracle.ComplexAnswer` (imported only when a complex answer arrives)."""
    if isinstance(data, tuple) and len(data) == 3 and data[0] == _COMPLEX:
        from oracle.answers import ComplexAnswer

        return ComplexAnswer(_decode_part(data[1]), _decode_part(data[2]))
    return _decode_part(data)


def answer_digest(data: object) -> str:
    """A fingerprint of one answer's plain data (identical answers, identical digests)."""
    return hashlib.blake2b(dumps(data), digest_size=16).hexdigest()


# ============================================================================ networks
def _pair(q: object) -> tuple[int, int]:
    q = gmpy2.mpq(q)
    return int(q.numerator), int(q.denominator)


def network_to_data(net: object) -> dict:
    """The network an algorithm returned, as plain data (run in the CHILD).

    Raises :class:`~theorems.sealed.errors.ProtocolError` when ``net`` is not a
    :class:`~algorithms.networks.NeuralNetwork`."""
    firenet = sys.modules.get("algorithms.solvers.firenet.network")
    if firenet is not None and isinstance(net, firenet.FirenetNetwork):
        P = net.parameters
        return {
            "format": FIRENET_FORMAT,
            "name": str(net.name),
            "info": {str(k): str(v) for k, v in net.info.items()},
            "parameters": {
                "A": rationals_to_data(P.A), "lam": _pair(P.lam), "n_outer": int(P.n_outer),
                "p_inner": int(P.p_inner), "delta": _pair(P.delta), "eps0": _pair(P.eps0),
                "weights": rationals_to_data(P.weights), "L": _pair(P.L), "tau": _pair(P.tau),
                "sigma": _pair(P.sigma),
            },
        }
    if isinstance(net, NeuralNetwork):
        return net.to_data()
    raise ProtocolError(f"train returned {type(net).__name__[:60]}; it must return an "
                        f"algorithms.networks.NeuralNetwork")


def _firenet_from_data(data: dict) -> NeuralNetwork:
    from algorithms.layers import _pair as pair
    from algorithms.solvers.firenet import FirenetNetwork
    from algorithms.solvers.firenet.parameters import firenet_parameters

    keys = {"format", "name", "info", "parameters"}
    if set(data) != keys:
        raise ProtocolError(f"FIRENET data must have keys {sorted(keys)}")
    raw = data["parameters"]
    fields = {"A", "lam", "n_outer", "p_inner", "delta", "eps0", "weights", "L", "tau", "sigma"}
    if not isinstance(raw, dict) or set(raw) != fields:
        raise ProtocolError(f"FIRENET parameters must have keys {sorted(fields)}")
    n_outer, p_inner = raw["n_outer"], raw["p_inner"]
    for name, v in (("n_outer", n_outer), ("p_inner", p_inner)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ProtocolError(f"FIRENET {name}={str(v)[:40]} must be an int >= 1")
    if n_outer * p_inner > MAX_FIRENET_STEPS:
        raise ProtocolError(
            f"FIRENET n_outer*p_inner={n_outer * p_inner} exceeds MAX_FIRENET_STEPS="
            f"{MAX_FIRENET_STEPS}")
    A = rationals_from_data(raw["A"], "parameters.A", 2)
    P = firenet_parameters(
        A, lam=pair(raw["lam"], "lam"), n_outer=n_outer, p_inner=p_inner,
        delta=pair(raw["delta"], "delta"), eps0=pair(raw["eps0"], "eps0"),
        weights=rationals_from_data(raw["weights"], "parameters.weights", 1),
        L=pair(raw["L"], "L"), tau=pair(raw["tau"], "tau"), sigma=pair(raw["sigma"], "sigma"))
    name, info = data["name"], data["info"]
    if not isinstance(name, str) or not isinstance(info, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in info.items()):
        raise ProtocolError("FIRENET name must be a str and info a dict of str to str")
    return FirenetNetwork(P, name=name[:200], info=dict(info))


def network_from_data(data: object, input_size: int, output_size: int) -> NeuralNetwork:
    """Rebuild the child's network in the PARENT and check its sizes.

    ``input_size`` is ``m`` (the network is evaluated at samples of length m) and
    ``output_size`` is ``N``.  Raises :class:`~theorems.sealed.errors.ProtocolError` naming
    the field that is wrong."""
    if not isinstance(data, dict) or "format" not in data:
        raise ProtocolError("the network must be a dict with a format field")
    try:
        if data["format"] == FIRENET_FORMAT:
            net = _firenet_from_data(data)
        else:
            net = NeuralNetwork.from_data(data)
    except AlgorithmError as exc:
        raise ProtocolError(f"the network's data are invalid: {str(exc)[:300]}") from None
    if net.input_size != input_size:
        raise ProtocolError(f"the network takes input of length {net.input_size}; the "
                            f"samples have length m={input_size}")
    if net.output_size != output_size:
        raise ProtocolError(f"the network's output has length {net.output_size}; the "
                            f"problem has N={output_size} unknowns")
    return net


def network_digest(data: dict) -> str:
    """A fingerprint of what a network computes: its data without ``name`` and ``info``."""
    core = {k: v for k, v in data.items() if k not in ("name", "info")}
    return hashlib.blake2b(dumps(core), digest_size=16).hexdigest()
