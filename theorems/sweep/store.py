"""The results store: one SQLite file (standard library), WAL mode, one row per cell.

Table ``cells``, one row per cell:

* ``id``: the cell's content hash (:attr:`theorems.sweep.grid.Cell.id`), primary key;
* ``experiment``: the experiment's name;
* ``params``: the canonical parameters, JSON (sorted keys);
* ``version``: the package version the cell was declared with (part of the hash);
* ``status``: ``pending`` (declared, never finished), ``running`` (handed to a worker),
  ``done`` (record stored) or ``failed`` (the experiment raised);
* ``attempts``: how many times the cell was handed to a worker;
* ``submitted``, ``started``, ``finished``: epoch seconds of the last hand-over, of the
  worker's start, and of storing the result;
* ``seconds``: the worker's wall time for the cell; ``worker``: its ``host:pid``;
* ``record``: the experiment's JSON record (``done`` only); ``error``: the error and a short
  traceback (``failed`` only).

Only the sweep's driver writes (workers return data, they never open the file), so one
writer at a time; WAL mode lets ``sweep show`` or a notebook read while a sweep runs.  A cell
left ``running`` by an interrupted driver is simply handed out again by the next run.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theorems.sweep.errors import StoreError
from theorems.sweep.grid import Cell

__all__ = ["Store", "Row", "SCHEMA_VERSION", "STATUSES"]

#: bumped when the table layout changes
SCHEMA_VERSION = 1

STATUSES = ("pending", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    id TEXT PRIMARY KEY,
    experiment TEXT NOT NULL,
    params TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    submitted REAL,
    started REAL,
    finished REAL,
    seconds REAL,
    worker TEXT,
    record TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS cells_status ON cells (experiment, status);
"""


@dataclass(frozen=True)
class Row:
    """One stored cell (``params`` and ``record`` decoded from JSON)."""

    id: str
    experiment: str
    params: dict[str, Any]
    version: str
    status: str
    attempts: int
    submitted: float | None
    started: float | None
    finished: float | None
    seconds: float | None
    worker: str | None
    record: dict[str, Any] | None
    error: str | None


class Store:
    """A sweep database at ``path`` (created if missing; its folder must exist).

    ``readonly=True`` opens an existing file without creating or changing anything (for
    ``sweep show``).  An SQLite file of another program (tables but no ``meta``) is refused
    with :class:`StoreError` and left unchanged; so is a file that is not SQLite."""

    def __init__(self, path: str | Path, *, readonly: bool = False):
        self.path = Path(path)
        if readonly and not self.path.is_file():
            raise StoreError(f"DB={self.path}: no such file")
        if not readonly and not self.path.parent.is_dir():
            raise StoreError(f"DB={self.path}: folder {self.path.parent} does not exist")
        try:
            uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
            self._db = sqlite3.connect(uri, uri=readonly, timeout=30, isolation_level=None)
            tables = {t for (t,) in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                # another program's database: never add our tables to it
                self._db.close()
                raise StoreError(f"DB={self.path}: not a sweep database (it holds table(s) "
                                 f"{', '.join(sorted(tables))} and no 'meta' table); refusing "
                                 f"to change it")
            if not readonly:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                                 (str(SCHEMA_VERSION),))
            schema = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"DB={self.path}: not a sweep database ({exc})") from None
        if schema is None or schema[0] != str(SCHEMA_VERSION):
            self._db.close()
            raise StoreError(f"DB={self.path}: schema version {schema and schema[0]!r}, this "
                             f"code reads {SCHEMA_VERSION}")

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ writing
    def declare(self, cells: Iterable[Cell]) -> int:
        """Insert the cells not stored yet (status ``pending``); returns how many were new."""
        rows = [(c.id, c.experiment, json.dumps(c.params, sort_keys=True), c.version)
                for c in cells]
        with self._transaction() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO cells (id, experiment, params, version, "
                           "status) VALUES (?, ?, ?, ?, 'pending')", rows)
            return db.total_changes - before

    def submitted(self, cell_id: str) -> None:
        """The cell was handed to a worker: ``running``, one more attempt."""
        with self._transaction() as db:
            db.execute("UPDATE cells SET status='running', attempts=attempts+1, submitted=? "
                       "WHERE id=?", (time.time(), cell_id))

    def finish(self, cell_id: str, outcome: dict[str, Any]) -> str:
        """Store a worker's outcome (:func:`theorems.sweep.experiments.execute_cell`); returns
        the new status, ``done`` or ``failed``."""
        status = "done" if outcome.get("error") is None else "failed"
        record = None if status == "failed" else json.dumps(outcome["record"], sort_keys=True)
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE cells SET status=?, started=?, finished=?, seconds=?, worker=?, "
                "record=?, error=? WHERE id=?",
                (status, outcome.get("started"), time.time(), outcome.get("seconds"),
                 outcome.get("worker"), record, outcome.get("error"), cell_id))
            if cur.rowcount != 1:
                raise StoreError(f"cell id={cell_id!r} is not in {self.path}")
        return status

    # ------------------------------------------------------------------ reading
    def status_of(self, ids: Sequence[str]) -> dict[str, str]:
        """``id -> status`` for the given cells (missing ids are left out)."""
        out: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT id, status FROM cells WHERE id IN ({marks})",
                                        chunk).fetchall())
        return out

    def rows(self, experiment: str | None = None, status: str | None = None,
             ids: Sequence[str] | None = None) -> list[Row]:
        """Stored cells (optionally one experiment, one status, or these ids), oldest first."""
        query, args = "SELECT * FROM cells WHERE 1=1", []
        if experiment is not None:
            query += " AND experiment=?"
            args.append(experiment)
        if status is not None:
            if status not in STATUSES:
                raise StoreError(f"status={status!r} must be one of {', '.join(STATUSES)}")
            query += " AND status=?"
            args.append(status)
        out = [self._row(r) for r in self._db.execute(query + " ORDER BY rowid", args)]
        if ids is not None:
            wanted = set(ids)
            out = [r for r in out if r.id in wanted]
        return out

    @staticmethod
    def _row(r: tuple) -> Row:
        (id_, experiment, params, version, status, attempts, submitted, started, finished,
         seconds, worker, record, error) = r
        return Row(id_, experiment, json.loads(params), version, status, attempts, submitted,
                   started, finished, seconds, worker,
                   None if record is None else json.loads(record), error)

    def counts(self) -> dict[str, int]:
        """Cells per status."""
        found = dict(self._db.execute("SELECT status, COUNT(*) FROM cells GROUP BY status"))
        return {s: found.get(s, 0) for s in STATUSES}

    def to_pandas(self, experiment: str | None = None, *, flatten: bool = True) -> Any:
        """The cells as a ``pandas.DataFrame`` (pandas is NOT a dependency of this project:
        it is imported here, and only here; ``pip install pandas`` first).

        One row per cell: ``id``, ``experiment``, ``status``, ``attempts``, timings,
        ``worker``, then every parameter as a column (``flatten``; else one ``params`` column)
        and the ``record`` (a dict; with ``flatten`` its top-level scalar fields become
        ``record.<field>`` columns too)."""
        try:
            import pandas as pd
        except ImportError:
            raise StoreError("Store.to_pandas needs pandas, which smale18 does not install: "
                             "pip install pandas") from None
        table = []
        for r in self.rows(experiment):
            row: dict[str, Any] = {"id": r.id, "experiment": r.experiment, "status": r.status,
                                   "attempts": r.attempts, "seconds": r.seconds,
                                   "started": r.started, "finished": r.finished,
                                   "worker": r.worker, "version": r.version}
            if flatten:
                row.update(r.params)
                for key, value in (r.record or {}).items():
                    if isinstance(value, (int, float, str, bool)) or value is None:
                        row[f"record.{key}"] = value
            else:
                row["params"] = r.params
            row["record"] = r.record
            row["error"] = r.error
            table.append(row)
        return pd.DataFrame(table)
