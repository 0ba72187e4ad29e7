"""LISTA (SPEC section 6): a learned, unrolled ISTA and the algorithm that trains it.

Modules: ``settings`` (:class:`LISTASettings`, :class:`LISTAParameters`), ``training``
(forward pass, loss and gradient, Adam, epoch records), ``network`` (the trained network with
exact rational weights), ``algorithm`` (:class:`LISTA`, which reads its data through an oracle;
the architecture is described in its docstring).
"""

from algorithms.learned.lista.algorithm import LISTA
from algorithms.learned.lista.network import build_lista_network, lista_network
from algorithms.learned.lista.settings import LISTAParameters, LISTASettings
from algorithms.learned.lista.training import (
    Adam,
    EpochRecord,
    LISTAFit,
    lista_forward,
    lista_loss_and_gradient,
)

__all__ = [
    "LISTASettings",
    "LISTAParameters",
    "EpochRecord",
    "LISTAFit",
    "LISTA",
    "lista_forward",
    "lista_loss_and_gradient",
    "lista_network",
    "build_lista_network",
    "Adam",
]
