"""Running a sweep: declare the cells in the store, skip the finished ones, hand the rest to an
executor, store each outcome the moment it arrives.

Resumption.  A cell is stored (``done`` or ``failed``) as soon as its worker returns, in its own
transaction, so an interrupted sweep (Ctrl-C, a killed driver, a lost cluster) loses at most the
cells that were running; they are still ``pending`` or ``running`` in the store and the next run
of the same grid hands them out again.  Cells already ``done`` are never handed out again;
``failed`` ones only with ``retry_failed=True``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from theorems.commands import Stages
from theorems.sweep.grid import Cell
from theorems.sweep.store import Store

__all__ = ["SweepSummary", "run_sweep", "CellProgress"]


@dataclass(frozen=True)
class SweepSummary:
    """What one call of :func:`run_sweep` did: ``cells`` in the grid, ``new`` ones declared,
    ``skipped`` (already ``done``, or ``failed`` without ``retry_failed``), ``ran``, of which
    ``failed``; wall ``seconds``; the executor's description."""

    cells: int
    new: int
    skipped: int
    ran: int
    failed: int
    seconds: float
    executor: str


class CellProgress(Stages):
    """Progress over cells on stderr: in a terminal a rich bar (``done/total``, elapsed, ETA);
    otherwise one line per finished cell with elapsed time and ETA (the mean time per finished
    cell so far times the cells left).  ``quiet`` turns it off.

    The bar and the terminal handling are :class:`theorems.commands.Stages`'; the difference is
    what a call means: a cell has FINISHED (a stage call announces a stage that starts)."""

    def __init__(self, name: str, total: int, *, quiet: bool = False, stream: Any = None):
        super().__init__(name, total, quiet=quiet, stream=stream)

    @property
    def done(self) -> int:
        """Cells finished so far."""
        return self.count

    def eta(self) -> float | None:
        """Seconds left, estimated from the cells finished so far (None before the first)."""
        if self.count == 0 or self.total is None:
            return None
        return self.elapsed / self.count * (self.total - self.count)

    def __call__(self, message: str) -> None:
        """One more cell finished (``message`` says which and how)."""
        self.count += 1
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count,
                             description=f"{self.name}: {message}")
            return
        eta = self.eta()
        left = "" if eta is None else f", ETA {eta:.0f} s"
        print(f"[{self.elapsed:7.1f} s] {self.name} {self.count}/{self.total}{left}: {message}",
              file=self.stream, flush=True)


def run_sweep(cells: Sequence[Cell], store: Store, executor: Any, *,
              retry_failed: bool = False, progress: Callable[[str], None] | None = None,
              label_keys: Sequence[str] | None = None) -> SweepSummary:
    """Run every cell of ``cells`` that is not finished in ``store`` on ``executor`` (an entered
    executor of :mod:`theorems.sweep.executors`).

    ``progress(message)`` is called once per finished cell; ``label_keys`` picks the parameters
    shown in its messages.  Returns a :class:`SweepSummary`."""
    t0 = time.perf_counter()
    new = store.declare(cells)
    status = store.status_of([c.id for c in cells])
    finished = ("done",) if retry_failed else ("done", "failed")
    todo = [c for c in cells if status.get(c.id) not in finished]
    by_id = {c.id: c for c in todo}
    for c in todo:
        store.submitted(c.id)
    failed = 0
    from theorems.sweep.experiments import execute_cell

    for cid, outcome in executor.run(execute_cell,
                                     [(c.id, (c.experiment, c.params)) for c in todo]):
        state = store.finish(cid, outcome)
        failed += state == "failed"
        if progress is not None:
            cell = by_id[cid]
            progress(f"{cell.label(label_keys)} {state} in {outcome.get('seconds', 0):.1f} s")
    return SweepSummary(len(cells), new, len(cells) - len(todo), len(todo), failed,
                        time.perf_counter() - t0, executor.describe())
