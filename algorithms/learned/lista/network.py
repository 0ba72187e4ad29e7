"""Trained LISTA as an explicit network with exact rational weights.
"""

from __future__ import annotations

import math

import gmpy2
import numpy as np

from algorithms.errors import InvalidArgument
from algorithms.learned.lista.settings import LISTAParameters
from algorithms.networks import (
    Activation,
    Block,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
    RationalMatrix,
)
from algorithms.rationals import MPQ, as_mpq


def _exact(value: object, where: str) -> gmpy2.mpq:
    """A parameter as an exact rational: doubles at their exact binary value (an explicit,
    documented conversion: the network IS the function of the doubles training produced)."""
    if isinstance(value, MPQ):
        return value
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise InvalidArgument(f"{where}={value!r} is not finite")
        return gmpy2.mpq(float(value))
    return as_mpq(value, where)


def _exact_array(values: object, where: str, ndim: int) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != ndim:
        raise InvalidArgument(f"{where} has shape {arr.shape}; {ndim} dimensions are required")
    flat = [_exact(v, f"{where}[{i}]") for i, v in enumerate(arr.reshape(-1))]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def build_lista_network(W: object, theta: object, A: object, scale: object, *,
                        name: str = "LISTA", info: dict | None = None) -> NeuralNetwork:
    """The LISTA network with the given parameters, exactly.

    ``W``: (L, m, N); ``theta``: (L,), ``>= 0``; ``A``: (m, N); ``scale``: ``c > 0``.  Entries
    may be exact rationals or doubles (taken at their exact binary value).  Layer ``i`` has one
    block of N neurons:

        z = x - P_i (x / c) + W_i^T y,   P_i = W_i^T A (exact),    x_{i+1} = soft_{theta_i}(z)

    (the first layer has no ``x`` terms since ``x_0 = 0``), which is
    ``x + W_i^T (y - A x / c)`` rearranged.  ``depth = L`` and ``widths = (m, N, ..., N)``.
    """
    Wq = _exact_array(W, "W", 3)
    thq = _exact_array(theta, "theta", 1)
    Aq = _exact_array(A, "A", 2)
    c = _exact(scale, "scale")
    L, m, N = Wq.shape
    if Aq.shape != (m, N):
        raise InvalidArgument(f"A has shape {Aq.shape}; ({m}, {N}) is required by W")
    if thq.shape != (L,):
        raise InvalidArgument(f"theta has shape {thq.shape}; ({L},) is required by W")
    if c <= 0:
        raise InvalidArgument(f"scale={c} must be > 0")
    for i, t in enumerate(thq):
        if t < 0:
            raise InvalidArgument(f"theta[{i}]={t} must be >= 0")
    minus_inv_c = -1 / c
    A_cols = Aq  # (m, N)
    layers = []
    for i in range(L):
        Wt = Wq[i].T  # (N, m): the input weights W_i^T
        act = Activation.soft_threshold([thq[i]] * N)
        inputs = (Dense.of(0, RationalMatrix(Wt, f"W[{i}]^T")),)
        if i == 0:
            block = Block(N, input_terms=inputs, activation=act)
            layers.append(Layer((m,), [block], m))
        else:
            P = RationalMatrix(Wt.dot(A_cols), f"W[{i}]^T A")
            terms = (Identity.of(0), Dense.of(0, P, minus_inv_c))
            block = Block(N, terms=terms, input_terms=inputs, activation=act)
            layers.append(Layer((N,), [block], m))
    return NeuralNetwork(layers, input_size=m, name=name, info=info)


def lista_network(params: LISTAParameters, *, name: str = "LISTA") -> NeuralNetwork:
    """The network of trained ``params`` (see :func:`build_lista_network`), on the exact
    rational matrix the algorithm read (``params.A_exact``) when it is known."""
    A = params.A if params.A_exact is None else params.A_exact
    L, m, N = params.W.shape
    info = {"layers": L, "trainable": params.count, "scale_c": repr(params.scale)}
    return build_lista_network(params.W, params.theta, A, params.scale, name=name, info=info)
