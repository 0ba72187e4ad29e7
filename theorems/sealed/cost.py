"""What process isolation costs per run: ``python -m theorems.sealed.cost [RUNS]``.

Runs the same ``train`` calls (Barycentre: one read; Search: 13 reads, family II at n = 10)
``RUNS`` times in this process (``isolation="none"``), sealed (one forked child per run, one
at a time and four at a time) and sealed in a batch (one child, a fresh unpickled copy per
run: how the project's own algorithms run), and prints wall-clock and CPU time per run.  CPU time
counts this process, the zygote and every child it forked (read from ``/proc``, so the
sealed CPU column is Linux only).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from algorithms.paradox_algorithms import Barycentre, Search
from theorems.sealed.limits import Limits
from theorems.sealed.runner import InProcessRunner, SealedRunner, pickle_algorithm

__all__ = ["measure", "main"]


def _cpu(runner: Any) -> float:
    """CPU seconds of this process, plus the zygote's and its reaped children's (Linux)."""
    t = os.times()
    total = t.user + t.system
    proc = getattr(runner, "_proc", None)
    if proc is not None:
        try:
            with open(f"/proc/{proc.pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return float("nan")
    return total


def measure(runs: int = 200) -> list[dict]:
    """Per-run wall and CPU milliseconds for each algorithm, runner and parallelism."""
    from theorems.instances.omega import Omega
    from theorems.instances.problems import problem

    om = Omega(problem("P3", 1), 3, 3, 2)
    oracle = om.member("II", 1, 10).oracle()
    rows = []
    for alg in (Barycentre("P3", 1, 3), Search("P3", 1, 3)):
        blob = pickle_algorithm(alg)
        for name, runner, batched in (("in-process", InProcessRunner(), False),
                                      ("sealed", SealedRunner(), False),
                                      ("batched", SealedRunner(), True)):
            handle = runner.load(blob, batched=batched)
            runner.run_many([(handle, oracle, None)] * 5, Limits())  # warm up
            for parallel in ((1, 4) if name == "sealed" else (1,)):
                jobs = [(handle, oracle, None)] * runs
                cpu0, wall0 = _cpu(runner), time.perf_counter()
                runner.run_many(jobs, Limits(), parallel=parallel)
                wall = (time.perf_counter() - wall0) / runs
                if name != "in-process":  # let the zygote reap the children, so they count
                    time.sleep(0.3)
                    runner._request(("unload", "-"))
                    time.sleep(0.05)
                cpu = (_cpu(runner) - cpu0) / runs
                rows.append({"algorithm": alg.name, "runner": name, "parallel": parallel,
                             "wall_ms": 1e3 * wall, "cpu_ms": 1e3 * cpu})
            runner.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    runs = int(argv[0]) if argv else 200
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {runs} runs each")
    for r in measure(runs):
        print(f"{r['algorithm']:<10} {r['runner']:<10} parallel={r['parallel']}: "
              f"wall {r['wall_ms']:6.2f} ms/run, CPU {r['cpu_ms']:6.2f} ms/run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
