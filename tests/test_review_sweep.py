"""Review of the sweep library: hostile records, foreign databases, huge grids, rich markup in
``sweep show``, non-UTF-8 grid files and numeric parameter types (each test failed before its
fix)."""

from __future__ import annotations

import io
import json
import sqlite3
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import gmpy2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from theorems.sweep import Grid, Store, make_executor, run_sweep
from theorems.sweep import experiments as E
from theorems.sweep.errors import GridError, StoreError
from theorems.sweep.grid import MAX_CELLS, Cell, cell_id
from theorems.sweep.report import store_table
from theorems.sweep.store import Row


# ------------------------------------------------------------ records an experiment returns
def _mixed_keys() -> dict:
    return {1: "a", "b": 2}


def _a_list() -> list:
    return [1, 2]


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two throw-away experiments of this module: mixed int/str keys, and a list record."""
    for name, attr in (("mixed", "_mixed_keys"), ("alist", "_a_list")):
        monkeypatch.setitem(E.EXPERIMENTS, name,
                            E.Experiment(name, f"{__name__}:{attr}", "test", ()))


def test_records_the_store_cannot_write_fail_the_cell_not_the_driver(hostile: None,
                                                                     tmp_path: Path) -> None:
    # before: a dict with int and str keys passed json.dumps in the worker and then raised
    # TypeError in the driver's json.dumps(sort_keys=True), ending the sweep; a list record
    # was stored and broke to_pandas/show, which read records as dicts
    cells = [Cell("mixed", {}, "v"), Cell("alist", {}, "v")]
    with Store(tmp_path / "s.sqlite") as store, make_executor("serial") as ex:
        summary = run_sweep(cells, store, ex)
        rows = {r.experiment: r for r in store.rows()}
    assert (summary.ran, summary.failed) == (2, 2)
    assert rows["mixed"].status == rows["alist"].status == "failed"
    assert "TypeError" in rows["mixed"].error
    assert "returned a list, not a dict" in rows["alist"].error


# ------------------------------------------------------------ the store
def test_a_foreign_sqlite_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (name TEXT)")
    con.execute("INSERT INTO users VALUES ('ada')")
    con.commit()
    con.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="not a sweep database.*users"):
            Store(path, readonly=readonly)
    # before: Store(path) added 'meta' and 'cells' tables to the other program's database
    assert path.read_bytes() == before
    con = sqlite3.connect(path)
    assert con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall() == [
        ("users",)]
    con.close()


def test_an_empty_file_is_a_new_store_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with Store(path) as s:
        assert s.declare([Cell("selftest", {"x": 1}, "v")]) == 1
    with Store(path, readonly=True) as s:
        assert s.counts()["pending"] == 1


# ------------------------------------------------------------ grids
def test_a_huge_grid_is_refused_before_building_cells() -> None:
    axes = {"x": list(range(1000)), "sleep": list(range(1000)),
            "log": [str(i) for i in range(1000)]}
    # before: cells() started building 10**9 cells (memory and time without end)
    with pytest.raises(GridError, match=r"x \(1000\) x sleep \(1000\) x log \(1000\) make "
                                        r"1000000000 cells.*MAX_CELLS"):
        Grid("selftest", axes).cells(version="v")
    # the limit itself is allowed
    assert MAX_CELLS >= 1000


def test_a_grid_file_that_is_not_text_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g.toml"
    path.write_bytes(b"\xff\xfe\x00experiment")
    # before: UnicodeDecodeError from pathlib
    with pytest.raises(GridError, match=r"g\.toml: is not UTF-8 text"):
        Grid.from_toml(path)


@pytest.mark.parametrize("value, want", [
    (np.int64(3), "3"), (np.int32(-2), "-2"), (np.float64(0.99), "99/100"),
    (np.float32(0.5), "1/2"), (Fraction(2, 6), "1/3"), (gmpy2.mpq(2, 6), "1/3"),
    (gmpy2.mpz(7), "7"), (Decimal("0.125"), "1/8"), (0.1, "1/10"), (3, "3"), ("2/4", "1/2"),
])
def test_numeric_types_give_the_exact_canonical_rational(value: object, want: str) -> None:
    # before: numpy and gmpy2 numbers and Decimal were refused ('must be a rational number')
    cell = Grid("selftest", {"sleep": [value]}).cells(version="v")[0]
    assert cell.params["sleep"] == want
    assert cell.id == Grid("selftest", {"sleep": [want]}).cells(version="v")[0].id


@pytest.mark.parametrize("value", [np.int64(4), np.uint8(4), gmpy2.mpz(4), 4, "4"])
def test_numpy_and_gmpy2_integers_are_integers(value: object) -> None:
    assert Grid("selftest", {"x": [value]}).cells(version="v")[0].params["x"] == 4


@pytest.mark.parametrize("value", [True, np.bool_(True), 2.5, np.float64(3.0), Fraction(1, 2),
                                   Decimal(4)])
def test_non_integers_and_booleans_are_refused_by_name(value: object) -> None:
    with pytest.raises(GridError, match=r"command line: x=.*must be an integer"):
        Grid("selftest", {"x": [value]}).cells(version="v")


@pytest.mark.parametrize("value", [True, np.bool_(False), float("nan"), float("inf"),
                                   np.float64("inf"), Decimal("NaN"), Decimal("-Infinity"),
                                   "1/0", "abc", None, [1]])
def test_non_rationals_are_refused_by_name(value: object) -> None:
    with pytest.raises(GridError, match=r"command line: sleep=.*must be a rational"):
        Grid("selftest", {"sleep": [value]}).cells(version="v")


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["x", "sleep", "log"]),
                       st.one_of(st.integers(0, 10**6), st.text(max_size=5)), max_size=3),
       st.randoms())
def test_cell_id_ignores_dict_order(params: dict, rnd) -> None:
    items = list(params.items())
    rnd.shuffle(items)
    assert cell_id("selftest", dict(items), "v") == cell_id("selftest", params, "v")
    # and it is the documented SHA-256 of the sorted canonical JSON
    import hashlib

    text = json.dumps({"experiment": "selftest", "params": params, "version": "v"},
                      sort_keys=True, separators=(",", ":"))
    assert cell_id("selftest", params, "v") == hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------ sweep show
def test_sweep_show_prints_errors_and_parameters_literally() -> None:
    rows = [Row("a1", "selftest", {"log": "/tmp/[bold]x"}, "v", "failed", 1, None, None, None,
                None, None, None, "ValueError: bad [/x] thing\ntraceback"),
            Row("a2", "selftest", {"log": ""}, "v", "failed", 1, None, None, None, None, None,
                None, "")]
    out = io.StringIO()
    # before: rich read '[/x]' as a closing tag (MarkupError) and '[bold]' vanished
    Console(file=out, width=400, color_system=None).print(store_table(rows, "t"))
    text = out.getvalue()
    assert "ValueError: bad [/x] thing" in text
    assert "log=/tmp/[bold]x" in text
