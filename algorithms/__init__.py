"""``algorithms``: arithmetic contexts, explicit neural networks, and the algorithms that see a
problem only through an oracle and return a network.

The main names are available at the top, imported on first use (so ``import algorithms`` stays
cheap)::

    from algorithms import FIRENET, NeuralNetwork, context

    ctx = context("ball", 256)          # Exact(), Ball(prec), MP(prec), Float64()
    alg = FIRENET(level=20, lam=1)      # a training algorithm: alg.train(oracle) -> network

An *algorithm* is any object with a ``name`` and a method ``train(oracle) -> network``; the
network is a :class:`NeuralNetwork` (or any object with ``depth`` and ``__call__(y, ctx)``).
See the README section "Bring your own algorithm" and ``examples/byo_algorithm.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algorithms._compat import lazy_exports

#: public name -> the module that defines it (imported lazily by :func:`__getattr__`)
_EXPORTS: dict[str, str] = {
    # arithmetic contexts
    "context": "algorithms.arithmetic",
    "Context": "algorithms.arithmetic",
    "Exact": "algorithms.arithmetic",
    "Ball": "algorithms.arithmetic",
    "MP": "algorithms.arithmetic",
    "Float64": "algorithms.arithmetic",
    # explicit networks
    "NeuralNetwork": "algorithms.networks",
    # solvers and training algorithms
    "FIRENET": "algorithms.solvers.firenet",
    "firenet_solve": "algorithms.solvers.firenet",
    "firenet_network": "algorithms.solvers.firenet",
    "ista": "algorithms.solvers.ista",
    "fista": "algorithms.solvers.ista",
    "pdhg_bpdn": "algorithms.solvers.pdhg",
    "LISTA": "algorithms.learned.lista",
    # the paradox's own algorithms
    "Barycentre": "algorithms.paradox_algorithms",
    "Search": "algorithms.paradox_algorithms",
    "ExactSolveAtLevel": "algorithms.paradox_algorithms",
    "RandomVertex": "algorithms.paradox_algorithms",
    # certified norms and errors
    "spectral_norm_bounds": "algorithms.linalg",
    "AlgorithmError": "algorithms.errors",
}

__all__ = [
    "AlgorithmError",
    "Ball",
    "Barycentre",
    "Context",
    "Exact",
    "ExactSolveAtLevel",
    "FIRENET",
    "Float64",
    "LISTA",
    "MP",
    "NeuralNetwork",
    "RandomVertex",
    "Search",
    "context",
    "firenet_network",
    "firenet_solve",
    "fista",
    "ista",
    "pdhg_bpdn",
    "spectral_norm_bounds",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from algorithms.arithmetic import MP, Ball, Context, Exact, Float64, context
    from algorithms.errors import AlgorithmError
    from algorithms.learned.lista import LISTA
    from algorithms.linalg import spectral_norm_bounds
    from algorithms.networks import NeuralNetwork
    from algorithms.paradox_algorithms import Barycentre, ExactSolveAtLevel, RandomVertex, Search
    from algorithms.solvers.firenet import FIRENET, firenet_network, firenet_solve
    from algorithms.solvers.ista import fista, ista
    from algorithms.solvers.pdhg import pdhg_bpdn

    __version__: str


__getattr__ = lazy_exports("algorithms", globals(), _EXPORTS)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
