"""Benchmark: the experiments' wall time against the commit issue 13 was filed on, and
``convergence`` with a CPU hog against the idle machine (issue 13's done-when lines).

Run: ``.venv/bin/python benchmarks/experiments_speed.py [--quick] [--repeats R]
[--skip-table1] [--skip-convergence]``.

Two measurements, each of whole command lines in fresh processes, interleaved, medians:

1. ``python -m theorems table1 --json`` at the baseline commit (:data:`BASELINE`, checked out
   into a temporary ``git worktree`` outside the repository, imported through ``PYTHONPATH``
   with this venv) against ``--head`` (default HEAD, checked out the same way, so that other
   engineers' uncommitted edits in the shared working tree stay out; ``--head .`` measures
   the working tree as it is).  HEAD also
   gets ``--no-plot``: it writes ``table1.png`` by default, the baseline writes no figure
   without ``--plot``.  The ratio ``baseline / HEAD`` is the speed-up (target >= 1.5).  The two
   runs' certified numbers (every key the baseline's JSON has: the grid's cells and the cells
   past float64) are compared and must be identical.
2. ``python -m theorems convergence --json --no-plot`` on the machine as it is, against the
   same run while a pure-Python busy loop (``while True: pass``, not pinned) hogs a core; the
   slowdown ``hog / idle`` is the target (<= 1.5).  Both with the command line's own BLAS
   threading (default: one thread) and with ``--blas-threads 0`` (the library's default,
   what issue 13 measured as 5-7x); ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``/
   ``MKL_NUM_THREADS`` are removed from the children's environment so the flag decides.

Every timed child runs at normal priority in an empty temporary folder (nothing is written
into the repository).  Wall time is the number compared; the children's CPU time (user +
system) and the 1-minute load average before each run are printed beside it, because the
machine is shared: "idle" means "without our hog", not "idle".

``--quick`` (``make bench``, about 1.5 min on a quiet 2-core machine): table1 with
``--profile tiny --no-beyond``, one run per side; convergence with ``--restarts 20
--p-inner 10 --precisions 128 --no-floors --no-stability --no-sharpness``, two runs per
setting, one-thread BLAS only.  The full run (default 5 repeats): table1's default profile
(``fast``, beyond float64 included) and convergence's defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: the last commit before issue 13's work: the session that ended at "stop 8" committed it at
#: 00:51 on 2026-11-27; the next commits (11:25 on) are the following session's, which holds
#: the issue-13 changes (threadpoolctl, shared Program, certified step, lazy layers)
BASELINE = "5bd1dc4"
REPO = Path(__file__).resolve().parent.parent
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass
class Timings:
    """Wall and CPU seconds of repeated runs of one setting, with the load before each."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.wall)

    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    def line(self, name: str) -> str:
        return (f"  {name:<34} median {self.median():7.2f} s wall  {self.cpu_median():7.2f} s CPU"
                f"   runs {' '.join(f'{w:.1f}' for w in self.wall)}"
                f"   load {' '.join(f'{x:.1f}' for x in self.load)}")


def _child_env(pythonpath: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env["PYTHONPATH"] = str(pythonpath)
    return env


def timed(argv: list[str], *, env: dict[str, str], cwd: Path, into: Timings) -> str:
    """Run ``argv``; record wall and CPU seconds; return stdout.  Fails loudly on a non-zero
    exit (a benchmark of a failing command is no benchmark)."""
    into.load.append(os.getloadavg()[0])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {proc.returncode}:\n{proc.stderr[-2000:]}")
    into.wall.append(wall)
    into.cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    print(f"    ... {' '.join(argv[2:])}: {wall:.1f} s (load {into.load[-1]:.1f})",
          file=sys.stderr, flush=True)
    return proc.stdout


class Hog:
    """A pure-Python busy loop in its own process, for the duration of a ``with`` block."""

    def __enter__(self) -> Hog:
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)  # let it start spinning before the timed run
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()


# --------------------------------------------------------------------------- table1


def worktree(commit: str, where: Path, name: str) -> Path:
    """Check ``commit`` out (detached) into ``where/name``; :func:`drop_worktree` undoes it."""
    path = where / name
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(path),
                    commit], check=True)
    return path


def drop_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)],
                   check=False)
    subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False)


def _describe(path: Path) -> str:
    if path == REPO:
        return "the working tree"
    done = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%h"],
                          capture_output=True, text=True, check=True)
    return f"HEAD {done.stdout.strip()}"


def certified_numbers(stdout: str) -> dict:
    return json.loads(stdout)


def compare(base: dict, head: dict) -> list[str]:
    """The baseline's keys whose values differ in HEAD's JSON (HEAD may add keys)."""
    diffs = []
    for key, value in base.items():
        if key not in head:
            diffs.append(f"{key}: missing in HEAD")
        elif head[key] != value:
            if isinstance(value, list) and isinstance(head[key], list):
                for i, (a, b) in enumerate(zip(value, head[key], strict=False)):
                    if a != b:
                        diffs.append(f"{key}[{i}]: baseline {a} != HEAD {b}")
                if len(value) != len(head[key]):
                    diffs.append(f"{key}: {len(value)} rows in baseline, {len(head[key])} in HEAD")
            else:
                diffs.append(f"{key}: differs")
    return diffs


def bench_table1(repeats: int, flags: list[str], scratch: Path, head_path: Path) -> None:
    base_path = worktree(BASELINE, scratch, "baseline")
    try:
        base_env, head_env = _child_env(base_path), _child_env(head_path)
        py = [sys.executable, "-m", "theorems", "table1", "--json", *flags]
        base, head = Timings(), Timings()
        base_out = head_out = ""
        for r in range(repeats):  # interleaved, the order alternating
            order = [("base", base), ("head", head)] if r % 2 == 0 else [("head", head),
                                                                          ("base", base)]
            for side, into in order:
                if side == "base":
                    base_out = timed(py, env=base_env, cwd=scratch, into=into)
                else:
                    head_out = timed(py + ["--no-plot"], env=head_env, cwd=scratch, into=into)
        print(f"table1 {' '.join(flags) or '(default profile)'}: baseline {BASELINE} against "
              f"{_describe(head_path)}, {repeats} interleaved runs each")
        print(base.line(f"baseline {BASELINE}"))
        print(head.line("HEAD"))
        print(f"  speed-up baseline / HEAD: {base.median() / head.median():.2f}x wall, "
              f"{base.cpu_median() / head.cpu_median():.2f}x CPU   (target >= 1.5x wall)")
        diffs = compare(certified_numbers(base_out), certified_numbers(head_out))
        if diffs:
            print("  certified numbers DIFFER between baseline and HEAD:")
            for d in diffs:
                print("    " + d)
        else:
            print("  certified numbers: identical (every cell and every cell past float64 of "
                  "the baseline's --json)")
    finally:
        drop_worktree(base_path)


# --------------------------------------------------------------------------- convergence


def bench_convergence(repeats: int, flags: list[str], blas: list[str], scratch: Path,
                      head_path: Path) -> None:
    env = _child_env(head_path)
    print(f"convergence {' '.join(flags) or '(defaults)'} at {_describe(head_path)}: without and "
          f"with a busy-loop hog, {repeats} interleaved runs each")
    for setting in blas:
        py = [sys.executable, "-m", "theorems", "convergence", "--json", "--no-plot", *flags]
        if setting != "default":
            py += ["--blas-threads", setting]
        idle, hogged = Timings(), Timings()
        outs = set()
        for r in range(repeats):
            for with_hog in ((False, True) if r % 2 == 0 else (True, False)):
                if with_hog:
                    with Hog():
                        outs.add(timed(py, env=env, cwd=scratch, into=hogged))
                else:
                    outs.add(timed(py, env=env, cwd=scratch, into=idle))
        label = ("the CLI's choice (1 BLAS thread)" if setting == "default"
                 else f"--blas-threads {setting} (library default)")
        print(f" BLAS: {label}")
        print(idle.line("without hog"))
        print(hogged.line("with hog"))
        print(f"  slowdown hog / idle: {hogged.median() / idle.median():.2f}x wall   "
              f"(target <= 1.5x)")
        same = len({_strip_seconds(o) for o in outs}) == 1
        print(f"  JSON output of all {2 * repeats} runs (seconds fields dropped): "
              f"{'identical' if same else 'DIFFERENT'}")


def _strip_seconds(stdout: str) -> str:
    def clean(v: object) -> object:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if "second" not in k and k != "time"}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(json.loads(stdout)), sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small settings, few runs (make bench)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per setting (default 5; --quick: 1 for table1, 2 for "
                             "convergence)")
    parser.add_argument("--skip-table1", action="store_true")
    parser.add_argument("--skip-convergence", action="store_true")
    parser.add_argument("--head", default="HEAD",
                        help="the commit to measure (checked out into a temporary worktree: "
                             "other engineers' uncommitted edits stay out), or '.' for the "
                             "working tree as it is (default HEAD)")
    parser.add_argument("--blas", nargs="+", choices=("default", "0"), default=None,
                        help="convergence's BLAS settings: 'default' (the CLI's one thread) "
                             "and/or '0' (--blas-threads 0); default both, --quick 'default'")
    args = parser.parse_args()
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats={args.repeats} must be >= 1")
    if args.quick:
        t_reps, c_reps = args.repeats or 1, args.repeats or 2
        t_flags = ["--profile", "tiny", "--no-beyond"]
        c_flags = ["--restarts", "20", "--p-inner", "10", "--precisions", "128", "--no-floors",
                   "--no-stability", "--no-sharpness"]
        blas = ["default"]
    else:
        t_reps = c_reps = args.repeats or 5
        t_flags, c_flags, blas = [], [], ["default", "0"]
    if args.blas is not None:
        blas = list(dict.fromkeys(args.blas))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()} at start")
    scratch = Path(tempfile.mkdtemp(prefix="smale18-bench-"))
    head_path = REPO if args.head == "." else worktree(args.head, scratch, "head")
    try:
        if not args.skip_table1:
            bench_table1(t_reps, t_flags, scratch, head_path)
        if not args.skip_convergence:
            bench_convergence(c_reps, c_flags, blas, scratch, head_path)
    finally:
        if head_path != REPO:
            drop_worktree(head_path)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
