"""The parent's side of sealed runs: starting children, answering their queries, rebuilding
their networks, enforcing limits, and recording transcripts.

Two runners share one interface (``load(blob) -> Handle``, ``run(handle, oracle, entropy,
limits) -> RunOutcome``, ``unload``, ``close``):

* :class:`SealedRunner` (``isolation="process"``): every run is a fresh fork of a pristine
  copy of the algorithm inside :mod:`theorems.sealed.zygote`, a process exec'd without any
  exact data.  The child's oracle is :class:`~theorems.sealed.client.OracleClient`; the parent
  owns the real oracle, answers over a socket, decodes the child's messages with
  :func:`~theorems.sealed.protocol.safe_loads` (no class is ever looked up, so no code of the
  child runs here) and rebuilds the network from plain data.
* :class:`InProcessRunner` (``isolation="none"``): for debugging.  Each run unpickles a fresh
  copy of the algorithm and gives it the real oracle (wrapped only to record the transcript),
  so everything reachable from the oracle or the stack is reachable; no limits apply.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import cloudpickle

from algorithms.layers import Dense
from algorithms.networks import NeuralNetwork
from oracle.errors import BudgetExceeded, OracleError
from theorems.sealed.errors import ChildStartError, ProtocolError
from theorems.sealed.limits import Limits
from theorems.sealed.protocol import (
    answer_digest,
    dumps,
    encode_answer,
    network_digest,
    network_from_data,
    network_to_data,
    safe_loads,
)
from theorems.sealed.transcripts import Query, Transcript

#: how long the parent waits for the zygote's reply to a command (it forks and answers at once;
#: a run may stop it with a signal, which would otherwise hang the harness for good)
ZYGOTE_REPLY_SECONDS = 120.0

__all__ = ["Handle", "RunOutcome", "SealedRunner", "InProcessRunner", "network_cost",
           "pickle_algorithm", "shared_runner"]


def pickle_algorithm(algorithm: object) -> bytes:
    """The algorithm's pickle, made ONCE before any run; classes and functions defined in
    ``__main__`` or a notebook travel by value (cloudpickle)."""
    try:
        return cloudpickle.dumps(algorithm)
    except Exception as exc:
        raise ChildStartError(
            f"algorithm={type(algorithm).__name__} cannot be pickled for a sealed run "
            f"({type(exc).__name__}: {str(exc)[:200]}); make it picklable, or pass "
            f"isolation='none' to debug in this process") from None


@dataclass(frozen=True)
class Handle:
    """A loaded algorithm: its key in the runner, its ``name`` and whether it declares
    ``randomized = True`` (then ``train(oracle, rng)`` gets a ``numpy.random.Generator``)."""

    key: str
    name: str
    randomized: bool
    blob: bytes
    #: runs may share one child, each on a fresh unpickled copy (the project's own algorithms)
    batched: bool = False


@dataclass(frozen=True)
class RunOutcome:
    """One ``train`` run seen from the parent.

    ``network`` is the rebuilt network or ``None``; then ``no_answer`` says why ("raised
    AttributeError: ...", "time limit of 5 s exceeded", ...).  ``seconds`` is the child's own
    time (time spent by the parent answering queries excluded), ``budget_exceeded`` whether the
    oracle refused a query for its budget."""

    network: NeuralNetwork | None
    transcript: Transcript
    no_answer: str
    seconds: float
    budget_exceeded: bool


class _Serving:
    """The parent's record of one run: answers queries from ``oracle`` and logs them."""

    def __init__(self, oracle: Any):
        self.oracle = oracle
        self.entries: list[tuple[Query, str]] = []
        self.budget_exceeded = False

    def answer(self, query: Query) -> tuple:
        kind, k, n = query
        try:
            values = self.oracle.matrix(n) if kind == "matrix" else self.oracle.sample(k, n)
        except OracleError as exc:
            if isinstance(exc, BudgetExceeded):
                self.budget_exceeded = True
            self.entries.append((query, f"refused: {type(exc).__name__}"))
            return ("error", type(exc).__name__, str(exc)[:500],
                    getattr(exc, "limit", None), getattr(exc, "attempted", None))
        data = encode_answer(values)
        self.entries.append((query, answer_digest(data)))
        return ("ok", data)

    def outcome(self, network: NeuralNetwork | None, end: str, output: str, no_answer: str,
                seconds: float) -> RunOutcome:
        return RunOutcome(network, Transcript(tuple(self.entries), end, output), no_answer,
                          seconds, self.budget_exceeded)


def _query(msg: object) -> Query | None:
    """``("matrix", n)`` / ``("sample", k, n)`` as a query key, or None if it is not one."""
    def ok(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if isinstance(msg, tuple):
        if len(msg) == 2 and msg[0] == "matrix" and ok(msg[1]):
            return ("matrix", None, msg[1])
        if len(msg) == 3 and msg[0] == "sample" and ok(msg[1]) and ok(msg[2]):
            return ("sample", msg[1], msg[2])
    return None


def _zygote_reply(reply: object) -> bool:
    """Whether ``reply`` (plain data) has the form of a reply the zygote may send."""
    def pid(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    if not isinstance(reply, tuple) or not reply:
        return False
    op = reply[0]
    if op == "loaded":
        return (len(reply) == 4 and isinstance(reply[1], str) and isinstance(reply[2], str)
                and isinstance(reply[3], bool))
    if op == "load-failed":
        return len(reply) == 3 and all(isinstance(v, str) for v in reply[1:])
    if op in ("forked", "killed"):
        return len(reply) == 2 and pid(reply[1])
    return False


def network_cost(net: NeuralNetwork) -> int:
    """What one evaluation of a plain network touches: over its layers and blocks, the entries
    of every dense term's matrix (a matrix shared by several layers counts once per layer),
    the length of every identity term and the block's size.  Computed from shapes alone
    (linear in the number of layers and terms).  A FIRENET network rebuilt from its parameters
    is bounded by :data:`~theorems.sealed.protocol.MAX_FIRENET_STEPS` instead: 0 here."""
    if type(net) is not NeuralNetwork:
        return 0
    cost = 0
    for layer in net.layers:
        for blk in layer.blocks:
            for term in blk.terms + blk.input_terms:
                cost += term.M.shape[0] * term.M.shape[1] if isinstance(term, Dense) else blk.size
            cost += blk.size
    return cost


def _finish(serving: _Serving, data: object, oracle: Any, seconds: float,
            limits: Limits | None = None) -> RunOutcome:
    m, N = oracle.shape
    try:
        net = network_from_data(data, m, N)
    except ProtocolError as exc:
        reason = f"returned an invalid network: {exc}"
        return serving.outcome(None, "raised", "invalid network", reason, seconds)
    if limits is not None and network_cost(net) > limits.network_entries:
        reason = (f"returned a network whose evaluation touches {network_cost(net)} matrix "
                  f"entries, more than Limits.network_entries={limits.network_entries}")
        # what it returned is still its output: the consistency check compares it
        return serving.outcome(None, "network", network_digest(data), reason, seconds)
    return serving.outcome(net, "network", network_digest(data), "", seconds)


# ============================================================================ sealed
class _Active:
    """One run in progress: its child, its socket, its record and its clock."""

    def __init__(self, index: int, pid: int, conn: Connection, serving: _Serving, oracle: Any):
        self.index = index
        self.pid = pid
        self.conn = conn
        self.serving = serving
        self.oracle = oracle
        self.child_time = 0.0
        self.since = time.perf_counter()  # when the child last got the floor

    def remaining(self, now: float, limits: Limits) -> float:
        return limits.seconds - self.child_time - (now - self.since)

    def step(self, limits: Limits, kill: Any) -> RunOutcome | None:
        """Handle one message; the outcome when the run is over, else None."""
        self.child_time += time.perf_counter() - self.since
        serving, t = self.serving, self.child_time
        try:
            try:
                raw = self.conn.recv_bytes(limits.message_bytes)
            except EOFError:
                return serving.outcome(
                    None, "limit", "ended", "the child process ended without an answer "
                    "(killed, e.g. by the memory or CPU limit)", t)
            except OSError:
                kill(self.pid)
                return serving.outcome(None, "limit", "message", f"sent a message longer "
                                       f"than {limits.message_bytes} bytes", t)
            try:
                msg = safe_loads(raw)
            except ProtocolError as exc:
                kill(self.pid)
                return serving.outcome(None, "raised", "protocol", f"protocol violation: {exc}",
                                       t)
            query = _query(msg)
            if query is not None:
                self.conn.send_bytes(dumps(serving.answer(query)))
                return None
            if isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "done":
                return _finish(serving, msg[1], self.oracle, t, limits)
            if (isinstance(msg, tuple) and len(msg) == 3 and msg[0] == "failed"
                    and all(isinstance(v, str) for v in msg[1:])):
                name = msg[1][:80]
                end = "limit" if name == "MemoryError" else "raised"
                return serving.outcome(None, end, name, f"raised {name}: {msg[2][:300]}", t)
            kill(self.pid)
            return serving.outcome(None, "raised", "protocol", "protocol violation: a message "
                                   "that is neither a query nor a result", t)
        finally:
            self.since = time.perf_counter()


class SealedRunner:
    """Runs ``train`` in sealed child processes (see the module docstring)."""

    _ids = itertools.count()

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._sock: socket.socket | None = None
        self._blobs: dict[str, bytes] = {}

    # ------------------------------------------------------------ the zygote
    def _start(self) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if isinstance(p, str))
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        code = "import sys; from theorems.sealed.zygote import main; main(int(sys.argv[1]))"
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", code, str(child.fileno())], pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL, env=env)
        except OSError as exc:
            raise ChildStartError(f"could not start the sealed-run process: {exc}") from None
        finally:
            child.close()
        self._sock = parent
        self._conn = Connection(os.dup(parent.fileno()))
        for key, blob in self._blobs.items():  # after a restart: reload what was loaded
            self._load_in_zygote(key, blob)

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _ensure(self) -> Connection:
        if not self._alive():
            self.close(forget=False)
            self._start()
        assert self._conn is not None
        return self._conn

    def _request(self, message: tuple) -> None:
        try:
            self._ensure().send_bytes(pickle.dumps(message))
        except OSError as exc:
            raise ChildStartError(f"the sealed-run process is gone: {exc}") from None

    def _reply(self) -> tuple:
        """The zygote's next reply, decoded as PLAIN data with
        :func:`~theorems.sealed.protocol.safe_loads` and checked against the replies it may
        send.  The zygote runs an algorithm's unpickling code when it loads it, so its replies
        are no more trusted than a run's messages: a plain ``pickle.loads`` here would let that
        code run in this process, next to the exact data.  A reply that is not one of
        ``("loaded", key, name, randomized)``, ``("load-failed", key, reason)``,
        ``("forked", pid)`` or ``("killed", pid)`` stops the zygote (the next use starts a
        fresh one) and raises :class:`~theorems.sealed.errors.ChildStartError`."""
        assert self._conn is not None
        try:
            if not self._conn.poll(ZYGOTE_REPLY_SECONDS):
                self._abandon()
                raise ChildStartError(
                    f"the sealed-run process did not reply within {ZYGOTE_REPLY_SECONDS:g} s "
                    f"(stopped or hung, e.g. by a run's signal); it was killed")
            raw = self._conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise ChildStartError(f"the sealed-run process ended: {exc!r}") from None
        try:
            reply = safe_loads(raw)
            ok = _zygote_reply(reply)
        except ProtocolError as exc:
            reason, ok = f"is not plain data ({exc})", False
        else:
            reason = f"is not a reply it may send: {str(reply)[:120]}"
        if not ok:
            self._abandon()
            raise ChildStartError(
                f"the sealed-run process sent a reply that {reason}; an algorithm's unpickling "
                f"code may have taken it over, so it was stopped")
        return reply  # type: ignore[return-value]

    def _abandon(self) -> None:
        """Kill the zygote now (it is untrusted or unresponsive) and forget its sockets; the
        next use starts a fresh one and reloads the algorithms still loaded."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self.close(forget=False)

    def _load_in_zygote(self, key: str, blob: bytes) -> tuple:
        assert self._conn is not None
        self._conn.send_bytes(pickle.dumps(("load", key, blob)))
        return self._reply()

    # ------------------------------------------------------------ interface
    def load(self, blob: bytes, batched: bool = False) -> Handle:
        """Unpickle the algorithm once in the zygote (its pristine copy).

        ``batched=True`` (for the project's own algorithms only: their code keeps no state
        outside the object) lets runs share one child, each on a fresh unpickled copy."""
        key = f"alg{next(self._ids)}"
        self._ensure()
        reply = self._load_in_zygote(key, blob)
        if reply[0] != "loaded":
            raise ChildStartError(f"the algorithm could not be loaded in the sealed process: "
                                  f"{reply[2]}")
        self._blobs[key] = blob
        return Handle(key, reply[2], reply[3], blob, batched)

    def unload(self, handle: Handle) -> None:
        if self._blobs.pop(handle.key, None) is not None and self._alive():
            self._request(("unload", handle.key))

    def run(self, handle: Handle, oracle: Any, entropy: tuple[int, ...] | None,
            limits: Limits) -> RunOutcome:
        """One sealed ``train`` run against ``oracle`` (owned by this process)."""
        return self.run_many([(handle, oracle, entropy)], limits)[0]

    def run_many(self, jobs: list[tuple[Handle, Any, tuple[int, ...] | None]], limits: Limits,
                 parallel: int = 4) -> list[RunOutcome]:
        """Independent sealed runs, up to ``parallel`` at a time (each in its own child, each
        from the pristine algorithm); outcomes in the order of ``jobs``.

        Each run's clock counts only the time its child had the floor: from the moment the
        parent answered its last query to the moment its next message arrived."""
        if jobs and all(h.batched and h.key == jobs[0][0].key for h, _, _ in jobs):
            return self._run_batch(jobs, limits)
        results: list[RunOutcome | None] = [None] * len(jobs)
        pending = list(enumerate(jobs))[::-1]
        active: dict[Connection, _Active] = {}
        try:
            while pending or active:
                while pending and len(active) < parallel:
                    index, (handle, oracle, entropy) = pending.pop()
                    act = self._fork(index, handle, oracle, entropy, limits)
                    active[act.conn] = act
                now = time.perf_counter()
                timeout = min(act.remaining(now, limits) for act in active.values())
                ready = wait(list(active), timeout=max(timeout, 0.0))
                for conn in ready:
                    act = active[conn]
                    out = act.step(limits, self._kill)
                    if out is not None:
                        results[act.index] = out
                        del active[conn]
                        conn.close()
                now = time.perf_counter()
                for conn, act in list(active.items()):
                    if conn not in ready and act.remaining(now, limits) <= 0:
                        self._kill(act.pid)
                        results[act.index] = act.serving.outcome(
                            None, "limit", "time", f"time limit of {limits.seconds:g} s "
                            f"exceeded", limits.seconds)
                        del active[conn]
                        conn.close()
        finally:
            for act in active.values():
                self._kill(act.pid)
                act.conn.close()
        return results  # type: ignore[return-value]

    def _run_batch(self, jobs: list[tuple[Handle, Any, tuple[int, ...] | None]],
                   limits: Limits) -> list[RunOutcome]:
        """Runs of one trusted algorithm in one child, one after the other (a new child after
        any run that did not end with a result or an exception of its own)."""
        results: list[RunOutcome] = []
        child: tuple[int, Connection] | None = None
        try:
            for handle, oracle, entropy in jobs:
                if child is None:
                    child = self._fork_batch(handle, limits)
                pid, conn = child
                m, N = oracle.shape
                conn.send_bytes(dumps(("run", (m, N), oracle.num_samples, entropy)))
                act = _Active(len(results), pid, conn, _Serving(oracle), oracle)
                while True:
                    remaining = act.remaining(time.perf_counter(), limits)
                    if remaining <= 0 or not conn.poll(remaining):
                        out = act.serving.outcome(None, "limit", "time", f"time limit of "
                                                  f"{limits.seconds:g} s exceeded",
                                                  limits.seconds)
                        break
                    out = act.step(limits, self._kill)
                    if out is not None:
                        break
                results.append(out)
                own = out.network is not None or out.no_answer.startswith(
                    ("raised ", "returned an invalid network", "returned a network whose"))
                if not own:  # the child is gone, killed or untrustworthy: start another
                    self._kill(pid)
                    conn.close()
                    child = None
        finally:
            if child is not None:
                child[1].close()  # the child sees end-of-file and exits
        return results

    def _fork_batch(self, handle: Handle, limits: Limits) -> tuple[int, Connection]:
        self._request(("batch", handle.key, int(limits.memory)))
        return self._forked()

    def _forked(self) -> tuple[int, Connection]:
        """The zygote's answer to a fork request: the child's pid and the run's socket."""
        reply = self._reply()
        if reply[0] != "forked":
            raise ChildStartError(f"unexpected reply {reply[0]!r} from the sealed process")
        assert self._sock is not None
        _, fds, _, _ = socket.recv_fds(self._sock, 1, 1)
        if len(fds) != 1:
            raise ChildStartError("the sealed process did not pass the run's socket")
        return reply[1], Connection(fds[0])

    def _fork(self, index: int, handle: Handle, oracle: Any, entropy: tuple[int, ...] | None,
              limits: Limits) -> _Active:
        m, N = oracle.shape
        self._request(("run", handle.key, (m, N), oracle.num_samples, entropy,
                       float(limits.seconds), int(limits.memory)))
        pid, conn = self._forked()
        return _Active(index, pid, conn, _Serving(oracle), oracle)

    def _kill(self, pid: int) -> None:
        self._request(("kill", pid))
        self._reply()

    def close(self, forget: bool = True) -> None:
        """Stop the zygote (it kills any run still going)."""
        for closable in (self._conn, self._sock):
            if closable is not None:
                closable.close()
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = self._conn = self._sock = None
        if forget:
            self._blobs.clear()

    def __enter__(self) -> SealedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SHARED: SealedRunner | None = None


def shared_runner() -> SealedRunner:
    """One :class:`SealedRunner` per process, started on first use and stopped at exit (its
    zygote costs about 0.3 s to start; algorithms are loaded and unloaded per experiment)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = SealedRunner()
        atexit.register(_SHARED.close)
    return _SHARED


# ============================================================================ in process
class _RecordingOracle:
    """The real oracle, with its answers recorded (debugging mode: everything else of the
    oracle stays reachable, which is exactly what this mode cannot prevent)."""

    def __init__(self, oracle: Any, serving: _Serving):
        object.__setattr__(self, "_RecordingOracle__oracle", oracle)
        object.__setattr__(self, "_RecordingOracle__serving", serving)

    def matrix(self, n: int) -> Any:
        return self.__call("matrix", None, n)

    def sample(self, k: int, n: int) -> Any:
        return self.__call("sample", k, n)

    def __call(self, kind: str, k: Any, n: Any) -> Any:
        oracle, serving = self.__oracle, self.__serving
        try:
            values = oracle.matrix(n) if kind == "matrix" else oracle.sample(k, n)
        except OracleError as exc:
            if isinstance(exc, BudgetExceeded):
                serving.budget_exceeded = True
            serving.entries.append(((kind, k, n), f"refused: {type(exc).__name__}"))
            raise
        serving.entries.append(((kind, k, n), answer_digest(encode_answer(values))))
        return values

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__oracle, name)


class InProcessRunner:
    """``isolation="none"``: runs in this process, for debugging (no seal, no limits)."""

    _ids = itertools.count()

    def load(self, blob: bytes, batched: bool = False) -> Handle:
        alg = pickle.loads(blob)
        name = str(getattr(alg, "name", type(alg).__name__))[:200]
        return Handle(f"local{next(self._ids)}", name,
                      getattr(alg, "randomized", False) is True, blob)

    def unload(self, handle: Handle) -> None:
        pass

    def run(self, handle: Handle, oracle: Any, entropy: tuple[int, ...] | None,
            limits: Limits) -> RunOutcome:
        import numpy as np

        alg = pickle.loads(handle.blob)  # a fresh copy of the pristine pickle
        serving = _Serving(oracle)
        proxy = _RecordingOracle(oracle, serving)
        started = time.perf_counter()
        try:
            if entropy is None:
                net = alg.train(proxy)
            else:
                net = alg.train(proxy, np.random.default_rng(np.random.SeedSequence(entropy)))
            data = network_to_data(net)
        except Exception as exc:  # noqa: BLE001 - recorded as "no answer"
            seconds = time.perf_counter() - started
            return serving.outcome(None, "raised", type(exc).__name__,
                                   f"raised {type(exc).__name__}: {str(exc)[:300]}", seconds)
        return _finish(serving, data, oracle, time.perf_counter() - started)

    def run_many(self, jobs: list[tuple[Handle, Any, tuple[int, ...] | None]], limits: Limits,
                 parallel: int = 1) -> list[RunOutcome]:
        """The runs one after the other, in the order of ``jobs``."""
        return [self.run(h, o, e, limits) for h, o, e in jobs]

    def close(self) -> None:
        pass
