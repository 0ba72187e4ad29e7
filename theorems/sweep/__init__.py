"""Sweeps: grids of experiment cells on a process pool or ``dask.distributed``, with a
resumable SQLite results store (see ``README.md`` in this folder).

* :mod:`~theorems.sweep.grid`: :class:`Grid` (TOML file or command line) and content-hashed
  :class:`Cell`;
* :mod:`~theorems.sweep.experiments`: the experiments a cell can run, the worker entry point;
* :mod:`~theorems.sweep.executors`: ``serial``, ``local`` (process pool), ``dask``;
* :mod:`~theorems.sweep.store`: :class:`Store` (SQLite, WAL), ``to_pandas``;
* :mod:`~theorems.sweep.engine`: :func:`run_sweep` (skip finished, resume, progress);
* :mod:`~theorems.sweep.phase`: the phase transition at ``eps_0``;
* :mod:`~theorems.sweep.cells`: paradox and Table-1 cells, Table 1 on an executor;
* :mod:`~theorems.sweep.report`, :mod:`~theorems.sweep.cli`: tables, figure, commands.
"""

from __future__ import annotations

from theorems.sweep.engine import SweepSummary, run_sweep
from theorems.sweep.errors import ExecutorError, GridError, StoreError, SweepError
from theorems.sweep.executors import make_executor
from theorems.sweep.grid import Cell, Grid
from theorems.sweep.store import Store

__all__ = ["Cell", "Grid", "Store", "SweepSummary", "run_sweep", "make_executor",
           "SweepError", "GridError", "StoreError", "ExecutorError"]
