"""Where cells run: ``serial`` (this process), ``local`` (a process pool on this machine, the
default) and ``dask`` (``dask.distributed``: a ``LocalCluster`` by default, or an existing
scheduler given as ``tcp://host:port``).

Every executor runs a module-level function on plain arguments (for sweeps
:func:`theorems.sweep.experiments.execute_cell` on ``(experiment, params)``) and yields
``(key, result)`` pairs as jobs finish.

Sealed runs inside workers.  The paradox harness runs every algorithm in a sealed child forked
from a zygote that it starts with :func:`subprocess.Popen` (:mod:`theorems.sealed.runner`).
Python forbids *daemonic* processes only to start ``multiprocessing`` children; ``Popen`` is
allowed.  So sealed runs work unchanged in Dask's (daemonic) worker processes and in the
process pool, and no ``distributed.worker.daemon: False`` setting is needed; the tests check
it on a real 2-worker ``LocalCluster``.  Each worker has ONE thread (the sealed runner is one
per process, not shared between threads).  The pool starts its workers with ``spawn`` (a fresh
interpreter: no inherited JAX or BLAS threads, no copied exact data).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from theorems.sweep.errors import ExecutorError

__all__ = ["EXECUTORS", "Task", "make_executor", "SerialExecutor", "LocalExecutor",
           "DaskExecutor", "default_workers", "restore_environ"]

#: names accepted by ``--executor``
EXECUTORS = ("serial", "local", "dask")

#: ``(key, arguments)``: the function is called as ``function(*arguments)``
Task = tuple[str, tuple[Any, ...]]


def default_workers() -> int:
    """Workers when none are asked for: the CPUs this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """Cells one after the other in this process (debugging; also what ``--workers 1``
    would do without a pool)."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, function: Callable[..., Any], tasks: Sequence[Task]
            ) -> Iterator[tuple[str, Any]]:
        """``(key, function(*arguments))`` for each task, in order."""
        for key, arguments in tasks:
            yield key, function(*arguments)

    def describe(self) -> str:
        """One line saying where the cells run."""
        return "serial (this process)"


class LocalExecutor:
    """A :class:`concurrent.futures.ProcessPoolExecutor` of ``workers`` spawned processes.

    On an interruption (Ctrl-C, or any exception in the driver) queued cells are cancelled and
    the workers are terminated at once: running cells are abandoned (the store still has them
    as ``running`` and the next run hands them out again).  A worker that dies (killed, out of
    memory) breaks the pool: :class:`ExecutorError`, and a rerun resumes."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 1:
            raise ExecutorError(f"workers={workers} must be >= 1")
        self._pool: Any = None

    def __enter__(self) -> LocalExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(self.workers,
                                         mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kind is not None:
            # Python < 3.14 has no public way to stop running tasks: terminate the processes
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown(wait=True)

    def run(self, function: Callable[..., Any], tasks: Sequence[Task]
            ) -> Iterator[tuple[str, Any]]:
        """``(key, function(*arguments))`` as the workers finish them."""
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        futures = {self._pool.submit(function, *arguments): key for key, arguments in tasks}
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except BrokenProcessPool:
                raise ExecutorError("a worker process of the local pool died (killed, e.g. "
                                    "out of memory); finished cells are stored, run the same "
                                    "command again to resume") from None
            yield futures[fut], result

    def describe(self) -> str:
        """One line saying where the cells run."""
        return f"local process pool, {self.workers} worker(s)"


class DaskExecutor:
    """``dask.distributed``: a ``LocalCluster`` of ``workers`` processes with one thread each,
    or the existing scheduler at ``scheduler`` (``tcp://host:port``), whose workers must have
    this package installed (the same version, since it is part of every cell's hash)."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.scheduler = scheduler
        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 1:
            raise ExecutorError(f"workers={workers} must be >= 1")
        self._cluster: Any = None
        self._client: Any = None
        self._environ: dict[str, str] | None = None

    def __enter__(self) -> DaskExecutor:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("--executor dask needs dask.distributed: pip install "
                                "'dask[distributed]'") from None
        try:
            if self.scheduler is None:
                # a LocalCluster's nannies write OMP/MKL/OPENBLAS_NUM_THREADS, PYTHONHASHSEED,
                # MALLOC_TRIM_THRESHOLD_ into THIS process's environment; undone on exit
                self._environ = dict(os.environ)
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler, timeout="10s")
        except OSError as exc:
            self.__exit__(None)
            raise ExecutorError(f"--scheduler {self.scheduler}: cannot connect ({exc})"
                                ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        if self._environ is not None:
            restore_environ(self._environ)
            self._environ = None

    def run(self, function: Callable[..., Any], tasks: Sequence[Task]
            ) -> Iterator[tuple[str, Any]]:
        """``(key, function(*arguments))`` as the workers finish them (Dask keys
        ``<key>-<random tag>``, so a resumed sweep never collides with a lost one)."""
        import uuid

        from dask.distributed import as_completed

        tag = uuid.uuid4().hex[:8]
        futures = {self._client.submit(function, *arguments, key=f"{key}-{tag}",
                                       pure=False): key
                   for key, arguments in tasks}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def describe(self) -> str:
        """One line saying where the cells run (with a scheduler: its current workers)."""
        if self.scheduler is not None:
            info = self._client.scheduler_info() if self._client is not None else {}
            return f"dask scheduler {self.scheduler}, {len(info.get('workers', {}))} worker(s)"
        return f"dask LocalCluster, {self.workers} worker process(es), 1 thread each"


def restore_environ(saved: dict[str, str]) -> None:
    """Make ``os.environ`` equal to ``saved`` again (variables added since are removed)."""
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def make_executor(name: str, *, workers: int | None = None, scheduler: str | None = None
                  ) -> SerialExecutor | LocalExecutor | DaskExecutor:
    """The executor called ``name`` (one of :data:`EXECUTORS`)."""
    if scheduler is not None and name != "dask":
        raise ExecutorError(f"scheduler={scheduler!r} needs executor 'dask', not {name!r}")
    if name == "serial":
        return SerialExecutor()
    if name == "local":
        return LocalExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise ExecutorError(f"executor={name!r} must be one of {', '.join(EXECUTORS)}")
