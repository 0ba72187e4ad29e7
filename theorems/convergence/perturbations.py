"""Stability of FIRENET against a LISTA network trained on the same class: worst perturbations
found by gradient ascent, certified amplification witnesses and Lipschitz bounds
(:func:`stability_experiment`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import gmpy2
import numpy as np

from algorithms.arithmetic import Ball
from theorems.convergence.records import LEVEL, Progress, Setup, StabilityRow, say
from theorems.convergence.restarts import _exact_arg, build_firenet, exact_float
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances._exact import integer
from theorems.instances.levels import (
    LevelsInstance,
    class_samples,
    norm_upper,
)
from theorems.stability import (
    PerturbationSearch,
    certified_amplification,
    firenet_lipschitz_bound,
    lista_lipschitz_bound,
    worst_perturbation,
)

__all__ = [
    "stability_experiment",
]


# =============================================================================== stability
def _train_lista(inst: LevelsInstance, xs: list, ys: list, *, train: int, validation: int,
                 layers: int, epochs: int, batch: int, lr: float, seed: int) -> Any:
    """Adapter to :class:`algorithms.learned.lista.LISTA`: an oracle of ``(A, ys)`` (read at
    :data:`LEVEL`, where it is exact) and the labels ``xs`` as floats."""
    from algorithms.learned.lista import LISTA, LISTASettings

    X = np.array([[float(v) for v in x] for x in xs])
    oracle = inst.oracle(ys)
    settings = LISTASettings(layers=layers, epochs=epochs, batch_size=batch, learning_rate=lr,
                             seed=seed)
    algo = LISTA(lambda k: X[k], train=range(train), validation=range(train, train + validation),
                 level=LEVEL, settings=settings)
    return algo.fit(oracle)


def _ball_eval(net: Any, prec: int) -> Callable[[np.ndarray], tuple[np.ndarray, gmpy2.mpq]]:
    ctx = Ball(prec)

    def evaluate(v: np.ndarray) -> tuple[np.ndarray, gmpy2.mpq]:
        out = net(v, ctx)
        return ctx.to_rationals(out), ctx.radius(out)

    return evaluate


def stability_experiment(
    setup: Setup,
    *,
    n_outer: int = 10,
    p_inner: int = 30,
    etas: Sequence[object] = ("1/10000", "1/100", "1/10"),
    inputs: int = 4,
    starts: int = 6,
    iterations: int = 25,
    lista_train: int = 1000,
    lista_validation: int = 100,
    lista_layers: int = 10,
    lista_epochs: int = 80,
    lista_batch: int = 100,
    lista_lr: float = 5e-4,
    certify_prec: int = 128,
    seed: int = 7,
    progress: Progress = None,
) -> list[StabilityRow]:
    """Worst-case amplification of FIRENET (``n_outer`` restarts of ``p_inner`` steps) and of a
    LISTA network trained on the same class, on the same ``inputs`` held-out class members,
    for each perturbation size in ``etas`` (module docstring, item 3)."""
    if not isinstance(setup, Setup):
        raise InvalidType(f"setup={setup!r} must be a Setup (from prepare)")
    inst = setup.instance
    n_outer = integer(n_outer, "n_outer", 1)
    inputs = integer(inputs, "inputs", 1)
    p_inner = integer(p_inner, "p_inner", 1)
    for name, value in (("starts", starts), ("iterations", iterations),
                        ("lista_train", lista_train), ("lista_validation", lista_validation),
                        ("lista_layers", lista_layers), ("lista_epochs", lista_epochs),
                        ("lista_batch", lista_batch), ("certify_prec", certify_prec)):
        integer(value, name, 1)
    eta_q = [_exact_arg(e, "etas[]") for e in etas]
    if any(e <= 0 for e in eta_q):
        raise InvalidArgument(f"etas={tuple(etas)} must all be > 0")
    total = lista_train + lista_validation + inputs
    say(progress, f"stability: drawing {total} class members")
    xs, ys = class_samples(inst, total, seed)
    test = range(lista_train + lista_validation, total)
    say(progress, f"stability: training LISTA ({lista_layers} layers, {lista_epochs} epochs)")
    t0 = time.perf_counter()
    fit = _train_lista(inst, xs, ys, train=lista_train, validation=lista_validation,
                       layers=lista_layers, epochs=lista_epochs, batch=lista_batch, lr=lista_lr,
                       seed=seed)
    lista_seconds = time.perf_counter() - t0
    P = fit.parameters
    lista_bound = exact_float(lista_lipschitz_bound(P.W, P.A, P.scale))
    eps0 = max(norm_upper(ys[j]) for j in test)
    fnet = build_firenet(inst.oracle([ys[j] for j in test]), setup, n_outer=n_outer,
                    p_inner=p_inner, delta=gmpy2.mpq(0), eps0=eps0)
    fire_bound = firenet_lipschitz_bound(fnet.parameters)
    rows = []
    nets = [("FIRENET", fnet, fire_bound, "rigorous", 0.0),
            ("LISTA", fit.network, lista_bound, "estimate", lista_seconds)]
    Yf = [np.array([float(v) for v in ys[j]]) for j in test]
    Xf = [np.array([float(v) for v in xs[j]]) for j in test]
    for name, net, bound, kind, extra in nets:
        t1 = time.perf_counter()
        prog = PerturbationSearch(net)
        outs = prog.forward(np.stack(Yf, axis=1))
        err = float(np.mean([np.linalg.norm(outs[:, i] - Xf[i]) / np.linalg.norm(Xf[i])
                             for i in range(inputs)]))
        for eta in eta_q:
            say(progress, f"stability: {name}, eta = {float(eta):.0e}")
            best, best_j = None, 0
            for i in range(inputs):
                r = worst_perturbation(prog, Yf[i], float(eta), starts=starts,
                                       iterations=iterations, seed=seed + i)
                if best is None or r.amplification > best.amplification:
                    best, best_j = r, i
            j = list(test)[best_j]
            wit = certified_amplification(_ball_eval(net, certify_prec), ys[j], best.e, eta)
            xnorm = float(norm_upper(xs[j]))
            perturbed = float(wit.distance_upper(xs[j])) / xnorm
            rows.append(StabilityRow(name, eta, net.depth, inputs, best.amplification,
                                     wit.bound, bound, kind, err, perturbed,
                                     best.amplification <= float(bound),
                                     time.perf_counter() - t1 + extra))
            extra = 0.0
    return rows


