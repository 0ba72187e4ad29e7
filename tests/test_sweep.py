"""Sweeps: grids, content-hashed cells, the SQLite store, executors (process pool and a real
2-worker Dask LocalCluster), kill-and-resume, and the phase transition's measurements."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from theorems.sweep import Grid, Store, make_executor, run_sweep
from theorems.sweep.errors import ExecutorError, GridError, StoreError
from theorems.sweep.experiments import execute_cell
from theorems.sweep.grid import cell_id

ROOT = Path(__file__).resolve().parents[1]


# ============================================================================ grids and cells
def test_grid_file_and_command_line_give_the_same_cells(tmp_path: Path) -> None:
    toml = tmp_path / "g.toml"
    toml.write_text('experiment = "selftest"\n[grid]\nx = [1, 2, 3]\n[fixed]\nsleep = 0.25\n')
    a = Grid.from_toml(toml).cells(version="9")
    b = Grid.from_args("selftest", ["x=1,2,3"], ["sleep=1/4"]).cells(version="9")
    assert [c.id for c in a] == [c.id for c in b]
    assert [c.params for c in a] == [{"x": x, "sleep": "1/4", "log": ""} for x in (1, 2, 3)]
    # the version is part of the hash; the parameters are canonical (0.25 is 1/4 exactly)
    assert a[0].id != Grid.from_toml(toml).cells(version="10")[0].id
    assert a[0].id == cell_id("selftest", {"log": "", "sleep": "1/4", "x": 1}, "9")


def test_decimal_floats_in_grid_files_are_the_decimals_written(tmp_path: Path) -> None:
    toml = tmp_path / "p.toml"
    toml.write_text('experiment = "phase"\n[grid]\nK = [2]\n[fixed]\ncs = [0.99, "1/2", 1]\n')
    (cell,) = Grid.from_toml(toml).cells()
    assert cell.params["cs"] == ["99/100", "1/2", "1"]


@pytest.mark.parametrize(("grid", "fixed", "message"), [
    (["y=1"], [], "has no parameter(s) ['y']"),
    (["x=a"], [], "x='a' must be an integer"),
    (["x"], [], "--grid 'x' must look like NAME=VALUE"),
    (["x=1"], ["x=2"], "given both as an axis and as a fixed value"),
])
def test_bad_grids_name_the_parameter(grid: list[str], fixed: list[str], message: str) -> None:
    with pytest.raises(GridError, match=None) as info:
        Grid.from_args("selftest", grid, fixed).cells()
    assert message in str(info.value)


def test_unknown_experiment_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(GridError, match="experiment='nope' is not an experiment"):
        Grid.from_args("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text("experiment = \n")
    with pytest.raises(GridError, match="is not valid TOML"):
        Grid.from_toml(bad)


# ============================================================================ store
def test_store_is_wal_and_skips_finished_cells(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    cells = Grid.from_args("selftest", ["x=1,2,3"]).cells()
    with Store(db) as store, make_executor("serial") as ex:
        first = run_sweep(cells, store, ex)
        again = run_sweep(cells, store, ex)
        rows = store.rows()
    assert (first.ran, first.skipped, again.ran, again.skipped) == (3, 0, 0, 3)
    assert [r.record for r in rows] == [{"x": x, "square": x * x} for x in (1, 2, 3)]
    assert all(r.status == "done" and r.attempts == 1 for r in rows)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failing_cell_is_stored_as_failed_and_retried_only_on_request(tmp_path: Path) -> None:
    cells = Grid.from_args("selftest", ["x=1"], ["sleep=-1"]).cells()  # sleep(-1) raises
    with Store(tmp_path / "f.sqlite") as store, make_executor("serial") as ex:
        s1 = run_sweep(cells, store, ex)
        s2 = run_sweep(cells, store, ex)
        s3 = run_sweep(cells, store, ex, retry_failed=True)
        (row,) = store.rows()
    assert (s1.failed, s2.ran, s3.ran) == (1, 0, 1)
    assert row.status == "failed" and "ValueError" in row.error and row.attempts == 2


def test_store_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such file"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database" * 100)
    with pytest.raises(StoreError, match="not a sweep database"):
        Store(junk)


def test_to_pandas_is_optional(tmp_path: Path) -> None:
    cells = Grid.from_args("selftest", ["x=2"]).cells()
    with Store(tmp_path / "p.sqlite") as store, make_executor("serial") as ex:
        run_sweep(cells, store, ex)
        try:
            import pandas  # noqa: F401
        except ImportError:
            with pytest.raises(StoreError, match="pip install pandas"):
                store.to_pandas()
        else:  # pragma: no cover - pandas is not a dependency
            frame = store.to_pandas()
            assert frame["record.square"].tolist() == [4]


def test_a_dask_local_cluster_leaves_the_environment_as_it_was() -> None:
    pytest.importorskip("distributed")
    before = dict(os.environ)
    with make_executor("dask", workers=1) as ex:
        assert next(ex.run(execute_cell, [("a", ("selftest", {"x": 2, "sleep": "0",
                                                              "log": ""}))]))[1]["record"] == {
            "x": 2, "square": 4}
    assert dict(os.environ) == before


def test_executor_names_are_checked() -> None:
    with pytest.raises(ExecutorError, match="executor='threads' must be one of"):
        make_executor("threads")
    with pytest.raises(ExecutorError, match="needs executor 'dask'"):
        make_executor("local", scheduler="tcp://127.0.0.1:1")


def test_execute_cell_reports_instead_of_raising() -> None:
    out = execute_cell("selftest", {"x": 3, "sleep": "-1", "log": ""})
    assert out["record"] is None and out["error"].startswith("ValueError")
    assert execute_cell("selftest", {"x": 3, "sleep": "0", "log": ""})["record"] == {
        "x": 3, "square": 9}


# ============================================================================ the phase cell
def test_phase_cell_measures_the_threshold_at_eps0() -> None:
    """K = 2, N1 = 2: eps_0 = 3/200 exactly; the panel's transition lies within 1e-6 of it,
    the Barycentre-type algorithms are accurate from c = 1 on, the randomized success below 1
    respects the adversarial bound, and nothing is accurate at c = 0.99."""
    from theorems.sweep.phase import phase_cell

    r = phase_cell(2, seeds=6, levels=[20, 40], cs=["99/100", "1", "3/2"])
    assert r["eps_0_formula"] == "3/200" and r["isolation"] == "process"
    t = r["thresholds"]
    assert t["match_1_percent"]
    assert abs(t["eps_up_ratio"] - 1) < 1e-6 and abs(t["eps_fail_ratio"] - 1) < 1e-6
    assert Fraction(t["eps_fail"]) <= Fraction(t["eps_up"])
    assert r["panel_respects_bound"] and r["randomized"]["consistent"]
    below, at, above = r["per_eps"]
    assert below["accurate"] == [] and below["success"] <= below["success_bound"] + 1e-12
    assert "Barycentre" in at["accurate"] and at["success"] == 1.0
    assert above["success"] == 1.0 and above["success_bound"] is None


# ============================================================================ Dask
@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201 - a dask LocalCluster
    distributed = pytest.importorskip("distributed")
    import logging

    from theorems.sweep.executors import restore_environ

    saved = dict(os.environ)  # the nannies write thread counts and PYTHONHASHSEED into it
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None,
                                      silence_logs=logging.ERROR) as cl:
            yield cl
    finally:
        restore_environ(saved)


def test_phase_records_are_identical_on_dask_and_in_process(cluster, tmp_path: Path) -> None:
    """Sealed runs (a zygote started with subprocess) work inside daemonic Dask workers, and
    the records do not depend on where a cell ran."""
    grid = Grid("phase", {"K": [2, 3]}, {"seeds": 4, "levels": [20, 40],
                                         "cs": ["1/2", "1", "2"]})
    cells = grid.cells()
    records = {}
    for name, kwargs in (("serial", {}), ("dask", {"scheduler": cluster.scheduler_address})):
        with Store(tmp_path / f"{name}.sqlite") as store, make_executor(name, **kwargs) as ex:
            summary = run_sweep(cells, store, ex)
            assert summary.failed == 0, store.rows()
            records[name] = {r.id: r.record for r in store.rows()}
    assert records["serial"] == records["dask"]
    assert all(rec["isolation"] == "process" for rec in records["dask"].values())


def test_a_killed_sweep_resumes_without_losing_or_rerunning_cells(cluster, tmp_path: Path
                                                                  ) -> None:
    """The driver (a separate process, on the 2-worker cluster) is killed with SIGKILL once
    some cells are stored; a second run finishes the sweep.  Every cell ends ``done`` exactly
    once, and no cell stored before the kill is started again."""
    db, log = tmp_path / "k.sqlite", tmp_path / "runs.log"
    argv = [sys.executable, "-m", "theorems", "sweep", "run", "--experiment", "selftest",
            "--grid", "x=" + ",".join(map(str, range(10))), "--set", "sleep=0.4",
            "--set", f"log={log}", "--db", str(db), "--executor", "dask",
            "--scheduler", cluster.scheduler_address]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    driver = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    done_before: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists():
                with sqlite3.connect(db) as raw:
                    try:
                        rows = raw.execute("SELECT params FROM cells WHERE status='done'"
                                           ).fetchall()
                    except sqlite3.OperationalError:  # schema not created yet
                        rows = []
                if len(rows) >= 3:
                    break
            time.sleep(0.05)
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
    with sqlite3.connect(db) as raw:
        done_before = {json.loads(p)["x"] for (p,) in raw.execute(
            "SELECT params FROM cells WHERE status='done'")}
    assert 3 <= len(done_before) < 10, "the kill came too late to test resumption"
    killed_at = log.read_text().count("\n")
    time.sleep(1.0)  # cells still running on the workers for the dead driver finish now
    resumed = subprocess.run(argv + ["--json"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    rows = json.loads(resumed.stdout)
    assert sorted(r["params"]["x"] for r in rows) == list(range(10))
    assert all(r["status"] == "done" and r["record"]["square"] == r["params"]["x"] ** 2
               for r in rows)
    after = log.read_text().splitlines()[killed_at:]
    started_after = [int(line.split()[1]) for line in after if line.startswith("start")]
    assert not set(started_after) & done_before  # nothing finished was run again
    assert len(started_after) == len(set(started_after)) == 10 - len(done_before)


# ============================================================================ command line
def test_cli_sweep_run_show_and_usage_errors(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    db = tmp_path / "c.sqlite"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "theorems", "sweep", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)

    ok = cli("run", "--experiment", "selftest", "--grid", "x=1,2", "--db", str(db),
             "--executor", "local", "--workers", "2", "--json")
    assert ok.returncode == 0, ok.stderr
    assert sorted(r["record"]["square"] for r in json.loads(ok.stdout)) == [1, 4]
    assert "2/2" in ok.stderr  # progress over cells on stderr
    shown = cli("show", str(db))
    assert shown.returncode == 0 and "selftest" in shown.stdout and "done" in shown.stdout
    bad = cli("run", "--experiment", "selftest", "--scheduler", "tcp://h:1", "--db", str(db))
    assert bad.returncode == 2 and "--scheduler tcp://h:1: needs --executor dask" in bad.stderr
    missing = cli("show", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_table1_on_an_executor_assembles_the_same_result_as_the_harness() -> None:
    """``table1 --executor ...`` goes through :func:`theorems.sweep.cells.run_table1`: the same
    cells (``run_cell``), the same replica and collapse levels, the same JSON."""
    from theorems.sweep.cells import run_table1
    from theorems.table1 import harness
    from theorems.table1.report import to_json

    with make_executor("serial") as ex:
        spread = run_table1(ex, profile="tiny", beyond=False, Ks=(1,), ns=(10,))
    serial = harness.run(profile="tiny", beyond=False, Ks=(1,), ns=(10,))
    assert to_json(spread) == to_json(serial)
    assert spread.beyond_profile is None and spread.profile == serial.profile
