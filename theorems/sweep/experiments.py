"""The experiments a sweep can run, and the worker's entry point :func:`execute_cell`.

An experiment is a function of plain parameters (ints, strings, lists of exact rationals
written ``"p/q"``) that returns a JSON-able record.  It rebuilds its instances, oracles and
algorithms from the parameters inside the worker, so nothing but parameters travels to a
worker and nothing but the JSON record travels back.

Experiments (``python -m theorems sweep experiments`` lists them with their parameters):

* ``phase``: one K of the phase-transition sweep (:mod:`theorems.sweep.phase`);
* ``paradox``: one run of the paradox harness, summarised (worst certified errors per family,
  digit verdicts, consistency);
* ``table1``: one (K, n) cell of Table 1 (:func:`theorems.table1.harness.run_cell`);
* ``selftest``: a trivial cell (``x`` squared, optionally sleeping and logging its start and
  end to a file) for testing executors and stores.
"""

from __future__ import annotations

import importlib
import json
import numbers
import os
import socket
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from theorems.sweep.errors import GridError

__all__ = ["Parameter", "Experiment", "EXPERIMENTS", "get", "execute_cell", "selftest",
           "PHASE_CS"]

#: the default grid of ``c = eps/eps_0`` of the phase sweep (dense near the threshold 1)
PHASE_CS: tuple[str, ...] = ("1/2", "3/5", "7/10", "4/5", "9/10", "19/20", "99/100",
                             "999/1000", "1", "1001/1000", "101/100", "21/20", "11/10", "5/4",
                             "3/2", "7/4", "2")


def _is_bool(value: Any) -> bool:
    """Python's and numpy's booleans (numpy is not imported for this)."""
    return isinstance(value, bool) or (type(value).__module__ == "numpy"
                                       and type(value).__name__ in ("bool", "bool_"))


def _rational(value: Any, where: str) -> str:
    """Canonical exact rational text (``"99/100"``, ``"2"``) of an int (numpy's too), a
    ``Fraction``/``gmpy2.mpq``/``Decimal`` (exactly), a ``"p/q"`` or decimal string, or a float
    read as the decimal it prints as (``0.99`` -> ``"99/100"``)."""
    if _is_bool(value):
        raise GridError(f"{where}={value!r} must be a rational number, not a boolean")
    if isinstance(value, numbers.Integral):  # int, numpy integers, gmpy2.mpz
        value = int(value)
    elif isinstance(value, numbers.Rational):  # Fraction, gmpy2.mpq
        value = Fraction(int(value.numerator), int(value.denominator))
    elif isinstance(value, Decimal):
        value = Fraction(value) if value.is_finite() else str(value)
    elif isinstance(value, numbers.Real):
        # the decimal a TOML file or a user wrote, never the binary value; numpy's float64
        # and float32 print their own shortest decimal with str
        value = repr(value) if type(value) is float else str(value)
    if isinstance(value, (int, str, Fraction)):
        try:
            return str(Fraction(value))
        except (ValueError, ZeroDivisionError):
            pass
    raise GridError(f"{where}={value!r} must be a rational number: an integer, 'p/q' or a "
                    f"decimal such as 0.99")


def _integer(value: Any, where: str) -> int:
    if _is_bool(value):
        raise GridError(f"{where}={value!r} must be an integer, not a boolean")
    if isinstance(value, numbers.Integral):  # int, numpy integers, gmpy2.mpz
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise GridError(f"{where}={value!r} must be an integer")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an experiment.

    ``kind``: ``"int"``, ``"str"``, ``"rational"``, ``"ints"`` or ``"rationals"`` (the last two
    are lists); ``low``/``high`` bound ints (and every entry of ``ints``); ``choices`` restrict
    strings."""

    name: str
    kind: str
    default: Any
    help: str
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] | None = None

    def canonical(self, value: Any, where: str) -> Any:
        """The canonical JSON form of ``value``; :class:`GridError` names ``where`` and the
        value."""
        where = f"{where}: {self.name}"
        if self.kind in ("ints", "rationals"):
            items = value if isinstance(value, (list, tuple)) else [value]
            if not items:
                raise GridError(f"{where}={value!r} must hold at least one value")
            one = "int" if self.kind == "ints" else "rational"
            return [Parameter(self.name, one, None, "", self.low, self.high).canonical(v, where)
                    for v in items]
        if self.kind == "int":
            out = _integer(value, where)
            if (self.low is not None and out < self.low) or (self.high is not None
                                                             and out > self.high):
                raise GridError(f"{where}={out} is outside {self.low}..{self.high}")
            return out
        if self.kind == "rational":
            return _rational(value, where)
        if not isinstance(value, str):
            raise GridError(f"{where}={value!r} must be a string")
        if self.choices is not None and value not in self.choices:
            raise GridError(f"{where}={value!r} must be one of {', '.join(self.choices)}")
        return value


@dataclass(frozen=True)
class Experiment:
    """An experiment: its ``name``, the function ``target`` (``"module:function"``, imported in
    the worker), its parameters and a one-line description."""

    name: str
    target: str
    help: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def canonical(self, raw: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Defaults filled in, every value canonical, unknown names refused."""
        known = {p.name: p for p in self.parameters}
        unknown = set(raw) - set(known)
        if unknown:
            raise GridError(f"{where}: experiment {self.name!r} has no parameter(s) "
                            f"{sorted(unknown)}; it takes {', '.join(known)}")
        return {name: p.canonical(raw.get(name, p.default), where) for name, p in known.items()}

    def function(self) -> Callable[..., dict]:
        """The experiment's function, imported now (in the worker that runs the cell)."""
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


_PROBLEMS = ("P1", "P2", "P3")

EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    Experiment("phase", "theorems.sweep.phase:phase_cell",
               "one K of the phase transition: the panel and the randomized experiment on "
               "family I, success at eps = c*eps_0 for every c", (
                   Parameter("K", "int", 3, "digit scale of family I (alpha = sqrt(2) 10^K/3)",
                             2, 30),
                   Parameter("problem", "str", "P3", "the problem", choices=_PROBLEMS),
                   Parameter("N", "int", 3, "unknowns (N1 = N + 1 - m switch coordinates)", 2,
                             16),
                   Parameter("m", "int", 2, "measurements, 1 <= m < N", 1, 15),
                   Parameter("seeds", "int", 100, "seeds of the randomized experiment", 1,
                             10_000),
                   Parameter("levels", "ints", [20, 40, 80],
                             "adversarial levels n of the randomized experiment", 1, 1000),
                   Parameter("cs", "rationals", list(PHASE_CS),
                             "the accuracies eps = c * eps_0 evaluated"),
                   Parameter("seed", "int", 0, "seed of the class, run order and draws", 0),
               )),
    Experiment("paradox", "theorems.sweep.cells:paradox_cell",
               "one run of the paradox harness (python -m theorems paradox), summarised", (
                   Parameter("problem", "str", "P3", "the problem", choices=_PROBLEMS),
                   Parameter("K", "int", 3, "digit target", 1, 100),
                   Parameter("N", "int", 3, "unknowns", 2, 64),
                   Parameter("m", "int", 2, "measurements, m < N", 1, 63),
                   Parameter("D", "str", "identity", "orthogonal matrix",
                             choices=("identity", "cayley", "dct")),
                   Parameter("seeds", "int", 40, "seeds of the randomized guesser", 1, 10_000),
                   Parameter("seed", "int", 0, "seed of the class", 0),
               )),
    Experiment("table1", "theorems.sweep.cells:table1_cell",
               "one (K, n) cell of Table 1 (theorems.table1.harness.run_cell)", (
                   Parameter("K", "int", 3, "digits", 1, 100),
                   Parameter("n", "int", 10, "level", 1, 1000),
                   Parameter("profile", "str", "fast", "training budget",
                             choices=("tiny", "fast", "full")),
               )),
    Experiment("selftest", "theorems.sweep.experiments:selftest",
               "a trivial cell (x squared) for testing executors and stores", (
                   Parameter("x", "int", 0, "the number squared"),
                   Parameter("sleep", "rational", "0", "seconds to sleep first"),
                   Parameter("log", "str", "", "file to append 'start ID' and 'end ID' lines "
                                               "to (empty: none)"),
               )),
)}


def get(name: str, where: str = "experiment") -> Experiment:
    """The experiment called ``name``; :class:`GridError` lists the known ones."""
    if name not in EXPERIMENTS:
        raise GridError(f"{where}={name!r} is not an experiment; known: "
                        f"{', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[name]


def selftest(x: int, sleep: str = "0", log: str = "") -> dict:
    """``{"x": x, "square": x*x}`` after sleeping ``sleep`` seconds; with ``log``, appends
    ``start x`` before and ``end x`` after (one ``write`` each, so lines of concurrent workers
    do not interleave)."""
    def note(word: str) -> None:
        if log:
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, f"{word} {x} {os.getpid()}\n".encode())
            finally:
                os.close(fd)

    note("start")
    time.sleep(float(Fraction(sleep)))
    note("end")
    return {"x": x, "square": x * x}


def execute_cell(experiment: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run one cell in THIS process (a worker) and report.

    Returns ``{"record": <JSON-able dict> or None, "error": None or a short traceback,
    "started": epoch seconds, "seconds": wall time, "worker": "host:pid"}``; never raises, so
    a failed cell comes back as data through every executor.  numpy's BLAS is limited to one
    thread unless the environment says otherwise (:func:`theorems.commands.blas_threads`)."""
    from theorems.commands import blas_threads

    started = time.time()
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        with blas_threads(None):
            record = get(experiment).function()(**params)
        if not isinstance(record, dict):
            raise TypeError(f"experiment {experiment!r} returned a {type(record).__name__}, "
                            f"not a dict (its record must be a JSON object)")
        # JSON-able as the store writes it (sorted keys: mixed int/str keys would raise in
        # the driver), or this is a bug of the experiment and the cell fails here
        json.dumps(record, sort_keys=True)
        error = None
    except BaseException as exc:  # noqa: BLE001 - reported as the cell's failure
        if isinstance(exc, KeyboardInterrupt):
            raise
        record = None
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-2000:]
        tb = traceback.format_exc(limit=6)
        error = f"{error}\n{tb[-3000:]}"
    return {"record": record, "error": error, "started": started,
            "seconds": time.perf_counter() - t0, "worker": worker}
