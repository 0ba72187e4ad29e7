"""The process that starts sealed runs (a small fork server of our own).

The parent starts it with ``subprocess`` (a new interpreter, exec'd: it inherits no memory of
the parent, so no exact data), hands it one end of a Unix socket pair, and sends commands:

``("path", sys_path)``
    use the parent's module search path (so algorithms defined in importable modules load);
``("load", key, blob)``
    unpickle an algorithm ONCE (``blob`` is its cloudpickle, made once before any run), keep it
    pristine, reply ``("loaded", key, name, randomized)`` or ``("load-failed", key, reason)``;
``("run", key, shape, R, entropy, seconds, memory)``
    fork; the grandchild runs ``train`` on its copy-on-write copy of the pristine algorithm, so
    every run starts from the state it had when pickled and nothing carries over between runs.
    The zygote replies ``("forked", pid)`` and passes the parent its end of a new socket pair
    (``SCM_RIGHTS``); the grandchild talks to the parent over that socket only;
``("batch", key, memory)``
    fork one child that serves many runs of a TRUSTED algorithm (the project's own), each on a
    fresh unpickled copy (see :func:`_batch_child`);
``("kill", pid)``, ``("unload", key)``
    end a run that exceeded its time limit (its whole process group) / forget an algorithm.

The grandchild closes the control socket before any user code runs, moves into its own process
group, lowers ``RLIMIT_AS`` to its current size plus ``memory`` bytes and ``RLIMIT_CPU`` to
``ceil(seconds) + 1`` (a backstop: the parent's wall-clock limit is the rule), and always ends
with ``os._exit``.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import resource
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from theorems.sealed.client import OracleClient
from theorems.sealed.protocol import dumps, network_to_data

__all__ = ["main", "PRELOAD"]

#: modules imported once in the zygote, so runs do not pay for them
#: (``oracle`` is NOT among them: it imports SymPy, which would double the memory every fork
#: copies; the client imports its error classes only when it must raise one)
PRELOAD = ("numpy", "numpy.random", "gmpy2", "cloudpickle", "algorithms.networks",
           "algorithms.paradox_algorithms",
           "theorems.sealed.client", "theorems.sealed.protocol")


def _address_space() -> int | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def _apply_limits(seconds: float | None, address_space: int | None) -> None:
    try:
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    except (ValueError, OSError):  # not supported (macOS) or not allowed
        pass
    if seconds is None:
        return
    try:
        cpu = math.ceil(seconds) + 1
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard == resource.RLIM_INFINITY or cpu <= hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))
    except (ValueError, OSError):
        pass


def _short(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _train_and_report(conn: Connection, alg: Any, shape: tuple[int, int], R: int,
                      rng: np.random.Generator | None) -> None:
    """Run ``alg.train`` on a fresh oracle client and send the parent ``("done", network as
    data)`` or ``("failed", exception name, message)``; any exception is reported, none
    escapes."""
    try:
        if alg is None:
            raise LookupError("no algorithm is loaded under this key")
        client = OracleClient(conn, shape, R)
        net = alg.train(client) if rng is None else alg.train(client, rng)
        message = ("done", network_to_data(net))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        message = ("failed", type(exc).__name__, _short(str(exc)))
    try:
        payload = dumps(message)
    except BaseException as exc:  # noqa: BLE001
        payload = dumps(("failed", type(exc).__name__, _short(str(exc))))
    conn.send_bytes(payload)


def _grandchild(sock: socket.socket, alg: Any, shape: tuple[int, int], R: int,
                rng: np.random.Generator | None, seconds: float,
                address_space: int | None) -> None:
    """Run ``train`` once and report; never returns."""
    status = 0
    try:
        os.setpgid(0, 0)
        _apply_limits(seconds, address_space)
        _train_and_report(Connection(sock.detach()), alg, shape, R, rng)
    except BaseException:  # noqa: BLE001
        status = 1
    finally:
        os._exit(status)


def _batch_child(sock: socket.socket, blob: bytes | None, address_space: int | None) -> None:
    """Serve runs of one TRUSTED algorithm, one after the other; never returns.

    Each ``("run", shape, R, entropy)`` unpickles a fresh copy of the algorithm from its pickle
    and runs ``train`` on it.  Used only for the project's own algorithms, whose code keeps no
    state outside the object, so a fresh copy is a fresh start; any other algorithm gets one
    fork per run."""
    status = 0
    try:
        os.setpgid(0, 0)
        _apply_limits(None, address_space)
        conn = Connection(sock.detach())
        while True:
            try:
                _, shape, R, entropy = pickle.loads(conn.recv_bytes())
            except EOFError:
                break
            try:
                alg = None if blob is None else pickle.loads(blob)
            except BaseException as exc:  # noqa: BLE001 - reported like a failed run
                conn.send_bytes(dumps(("failed", type(exc).__name__, _short(str(exc)))))
                continue
            rng = None if entropy is None else np.random.default_rng(
                np.random.SeedSequence(entropy))
            _train_and_report(conn, alg, shape, R, rng)
    except BaseException:  # noqa: BLE001
        status = 1
    finally:
        os._exit(status)


def _spawn(conn: Connection, control: socket.socket, live: set[int],
           body: Callable[..., object], *args: object) -> socket.socket:
    """Fork a run's process, which calls ``body(its end of a new socket pair, *args)`` and
    never returns into the command loop; tell the parent its pid and hand it the other end (over
    ``control``).  Returns that end: the zygote closes it once the parent has it."""
    parent_end, child_end = socket.socketpair()
    gc.freeze()  # keep the collector from touching (and so copying) inherited pages
    pid = os.fork()
    if pid == 0:
        try:
            conn.close()
            control.close()
            parent_end.close()
            body(child_end, *args)
        finally:
            os._exit(1)
    child_end.close()
    live.add(pid)
    conn.send_bytes(pickle.dumps(("forked", pid)))
    socket.send_fds(control, [b"s"], [parent_end.fileno()])
    return parent_end


def main(fd: int) -> None:
    """Serve commands on the inherited socket ``fd`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when runs end
    control = socket.socket(fileno=fd)
    conn = Connection(os.dup(fd))
    for name in PRELOAD:
        __import__(name)
    algorithms: dict[str, Any] = {}
    blobs: dict[str, bytes] = {}
    live: set[int] = set()
    handed: socket.socket | None = None
    while True:
        try:
            msg = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            break
        if handed is not None:  # the parent has received the previous run's socket
            handed.close()
            handed = None
        while live:  # reap finished runs (pids stay reserved until reaped here)
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                live.clear()
                break
            if pid == 0:
                break
            live.discard(pid)
        op = msg[0]
        if op == "path":
            sys.path[:] = list(msg[1])
        elif op == "load":
            _, key, blob = msg
            try:
                alg = pickle.loads(blob)
                algorithms[key] = alg
                blobs[key] = blob
                reply = ("loaded", key, str(getattr(alg, "name", type(alg).__name__))[:200],
                         bool(getattr(alg, "randomized", False) is True))
            except BaseException as exc:  # noqa: BLE001
                reply = ("load-failed", key, f"{type(exc).__name__}: {_short(str(exc))}")
            conn.send_bytes(pickle.dumps(reply))
        elif op == "unload":
            algorithms.pop(msg[1], None)
            blobs.pop(msg[1], None)
        elif op == "kill":
            pid = msg[1]
            if pid in live:
                for kill in (os.killpg, os.kill):  # the run's process group, then the run
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                os.waitpid(pid, 0)
                live.discard(pid)
            conn.send_bytes(pickle.dumps(("killed", pid)))
        elif op == "batch":
            _, key, memory = msg
            current = _address_space()
            address_space = None if current is None else current + memory
            handed = _spawn(conn, control, live, _batch_child, blobs.get(key), address_space)
        elif op == "run":
            _, key, shape, R, entropy, seconds, memory = msg
            current = _address_space()  # the child starts as large as this process
            address_space = None if current is None else current + memory
            # the run's generator is made here, before the fork: made in the child it would
            # touch (and so copy) the pages of numpy.random
            rng = None if entropy is None else np.random.default_rng(
                np.random.SeedSequence(entropy))
            handed = _spawn(conn, control, live, _grandchild, algorithms.get(key), shape, R,
                            rng, seconds, address_space)
    for pid in live:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


if __name__ == "__main__":
    main(int(sys.argv[1]))
