"""Grids of experiment cells: declared in a small TOML file or on the command line.

A grid names ONE experiment of :data:`theorems.sweep.experiments.EXPERIMENTS` and gives

* ``axes``: parameter -> list of values; the cells are the cartesian product of the axes;
* ``fixed``: parameter -> one value (which may itself be a list, e.g. the phase sweep's ``cs``);

every other parameter takes the experiment's default.  A TOML grid file looks like::

    experiment = "phase"

    [grid]                 # every value is a LIST of values to sweep
    K = [2, 3, 4, 5, 6, 7, 8]

    [fixed]                # optional: one value each (a list here is ONE value)
    seeds = 100
    cs = ["1/2", "0.99", 1, "1.01", 2]

On the command line the same grid is ``--experiment phase --grid K=2,3,4,5,6,7,8
--set seeds=100 --set cs=1/2,0.99,1,1.01,2``.

Values are exact: integers stay integers, a rational is written ``"p/q"`` or as a decimal
(``0.99`` in TOML is read as the decimal the file shows, 99/100, never as a binary float).

Each :class:`Cell` is identified by a content hash (:attr:`Cell.id`) of the experiment name, ALL
its effective parameters (defaults included, in canonical form) and the package version, so
the same cell computed by another version of the code is a different cell.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from theorems.sweep.errors import GridError

__all__ = ["Cell", "Grid", "cell_id", "parse_assignment", "MAX_CELLS"]

#: the most cells one grid may expand to (the product of the axis lengths): every cell is an
#: experiment run of seconds or more, so a larger product is a typo (or a sweep to split)
MAX_CELLS = 100_000


def cell_id(experiment: str, params: Mapping[str, Any], version: str) -> str:
    """The content hash of a cell: SHA-256 of the canonical JSON of ``experiment``, ``params``
    (sorted keys) and ``version``, first 16 hex digits."""
    text = json.dumps({"experiment": experiment, "params": dict(params), "version": version},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cell:
    """One task of a sweep: an experiment and its canonical parameters (plain JSON values).

    Tasks carry only these parameters; a worker rebuilds every instance from them, so exact
    data and oracles never cross a process or network boundary."""

    experiment: str
    params: dict[str, Any] = field(hash=False)
    version: str

    @property
    def id(self) -> str:
        """The content hash of the experiment, the parameters and the version
        (:func:`cell_id`)."""
        return cell_id(self.experiment, self.params, self.version)

    def label(self, keys: Sequence[str] | None = None) -> str:
        """``phase K=3`` (only ``keys``, by default every parameter)."""
        shown = self.params if keys is None else {k: self.params[k] for k in keys}
        return self.experiment + " " + " ".join(f"{k}={_short(v)}" for k, v in shown.items())


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def parse_assignment(text: str, flag: str) -> tuple[str, list[str]]:
    """``"K=2,3,4"`` -> ``("K", ["2", "3", "4"])``; raises :class:`GridError` naming ``flag``."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise GridError(f"{flag} {text!r} must look like NAME=VALUE[,VALUE...]")
    return name, [v.strip() for v in values.split(",")]


@dataclass(frozen=True)
class Grid:
    """A declared grid: ``experiment``, swept ``axes`` and ``fixed`` parameters (raw values,
    checked and made canonical by :meth:`cells`)."""

    experiment: str
    axes: dict[str, list[Any]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    source: str = "command line"

    def __post_init__(self) -> None:
        from theorems.sweep.experiments import get

        get(self.experiment, where=f"{self.source}: experiment")
        for name, values in self.axes.items():
            if not isinstance(values, list) or not values:
                raise GridError(f"{self.source}: axis {name!r} must be a non-empty list of "
                                f"values, got {values!r}")
        both = set(self.axes) & set(self.fixed)
        if both:
            raise GridError(f"{self.source}: parameter(s) {sorted(both)} given both as an axis "
                            f"and as a fixed value")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_toml(cls, path: str | Path) -> Grid:
        """Read a grid file (see the module docstring); :class:`GridError` names the file and
        the offending key."""
        path = Path(path)
        where = f"grid file {path}"
        try:
            data = tomllib.loads(path.read_text())
        except OSError as exc:
            raise GridError(f"{where}: cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise GridError(f"{where}: is not UTF-8 text, so not a TOML file ({exc.reason} at "
                            f"byte {exc.start})") from None
        except tomllib.TOMLDecodeError as exc:
            raise GridError(f"{where}: is not valid TOML ({exc})") from None
        unknown = set(data) - {"experiment", "grid", "fixed"}
        if unknown:
            raise GridError(f"{where}: unknown top-level key(s) {sorted(unknown)}; use "
                            f"experiment, [grid] and [fixed]")
        experiment = data.get("experiment")
        if not isinstance(experiment, str):
            raise GridError(f"{where}: experiment must be a string naming the experiment, got "
                            f"{experiment!r}")
        axes, fixed = data.get("grid", {}), data.get("fixed", {})
        for key, table in (("grid", axes), ("fixed", fixed)):
            if not isinstance(table, dict):
                raise GridError(f"{where}: [{key}] must be a table, got {table!r}")
        return cls(experiment, {k: list(v) if isinstance(v, list) else v
                                for k, v in axes.items()}, dict(fixed), where)

    @classmethod
    def from_args(cls, experiment: str, grid: Sequence[str] = (), fixed: Sequence[str] = ()
                  ) -> Grid:
        """From ``--grid NAME=V1,V2`` (an axis) and ``--set NAME=V`` or ``NAME=V1,V2`` (one value;
        a comma list is a list value) assignments."""
        axes: dict[str, list[Any]] = {}
        for text in grid:
            name, values = parse_assignment(text, "--grid")
            if name in axes:
                raise GridError(f"--grid {text!r}: {name} is already an axis")
            axes[name] = values
        fix: dict[str, Any] = {}
        for text in fixed:
            name, values = parse_assignment(text, "--set")
            if name in fix:
                raise GridError(f"--set {text!r}: {name} is already set")
            fix[name] = values[0] if len(values) == 1 else values
        return cls(experiment, axes, fix)

    # ------------------------------------------------------------------ cells
    def cells(self, version: str | None = None) -> list[Cell]:
        """Every cell, in the order of the axes (the last axis varies fastest), each with its
        canonical parameters (experiment defaults filled in); duplicates are dropped.
        :class:`GridError` if the product of the axis lengths exceeds :data:`MAX_CELLS`."""
        from theorems.sweep.experiments import get

        if version is None:
            import theorems

            version = str(theorems.__version__)
        exp = get(self.experiment)
        names = list(self.axes)
        total = math.prod(len(self.axes[n]) for n in names)
        if total > MAX_CELLS:
            sizes = " x ".join(f"{n} ({len(self.axes[n])})" for n in names)
            raise GridError(f"{self.source}: the axes {sizes} make {total} cells, more than "
                            f"MAX_CELLS={MAX_CELLS}; split the sweep into several grids")
        out: list[Cell] = []
        seen: set[str] = set()
        for combo in itertools.product(*(self.axes[n] for n in names)):
            raw = dict(self.fixed)
            raw.update(zip(names, combo, strict=True))
            cell = Cell(exp.name, exp.canonical(raw, where=self.source), version)
            if cell.id not in seen:
                seen.add(cell.id)
                out.append(cell)
        return out
