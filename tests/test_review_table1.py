"""Review of Table 1 and the convergence experiment (library side): hostile and edge-case
inputs to the public functions, records rendered with infinities and empty rows."""

from __future__ import annotations

import json
import math
import time
from decimal import Decimal
from fractions import Fraction

import gmpy2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from theorems.convergence import harness as conv_harness
from theorems.convergence.records import ConvergenceResult, RateFit, StabilityRow
from theorems.convergence.report import plot as conv_plot
from theorems.convergence.report import render as conv_render
from theorems.convergence.report import to_json as conv_to_json
from theorems.convergence.restarts import convergence_runs, fit_rate, prepare
from theorems.errors import InvalidArgument, InvalidType
from theorems.instances.levels import small_instance
from theorems.table1.harness import Table1Result, run
from theorems.table1.report import decimal_string, plot, render, to_json
from theorems.table1.setup import PROFILES

Q = gmpy2.mpq


@pytest.fixture(scope="module")
def small_setup():
    return prepare(small_instance())


# ------------------------------------------------------------------ fit_rate
def test_fit_rate_of_no_points_is_no_fit_and_mismatched_lengths_are_named():
    assert fit_rate([], []) == RateFit(None, None, None)
    with pytest.raises(InvalidArgument, match="restarts has 3 entries but errors has 1"):
        fit_rate([1, 2, 3], [Q(1)])
    with pytest.raises(InvalidType, match="k_min='a'"):
        fit_rate(range(1, 21), [Q(1, 2**k) for k in range(1, 21)], k_min="a")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(2, 9))
def test_fit_rate_recovers_an_exact_geometric_rate(num, den_extra):
    """errors q^k (q = num/(num+den_extra) < 1) fall by the same factor every restart, so the
    least-squares slope is log q up to float rounding of the 20 logarithms (rel. 1e-9)."""
    q = Fraction(num, num + den_extra)
    errs = [q**k for k in range(1, 21)]
    fit = fit_rate(range(1, 21), errs)
    assert fit.first == 5 and fit.last == 20
    assert math.isclose(fit.rate, float(q), rel_tol=1e-9)


# ------------------------------------------------------------------ prepare / runs
def test_prepare_names_bad_step_strings_and_bad_instances(small_setup):
    with pytest.raises(InvalidArgument, match="step='abc'"):
        prepare(small_instance(), step="abc")
    with pytest.raises(InvalidType, match="inst=3"):
        prepare(3)
    # a decimal string is still accepted (exact), and gives tau = step / L
    s = prepare(small_instance(), step="0.25")
    assert s.tau == Q(1, 4) / s.L


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"floor_noise": "abc"}, InvalidArgument, "floor_noise='abc'"),
    ({"floor_delta": "x/y"}, InvalidArgument, "floor_delta='x/y'"),
    ({"floor_noise": Fraction(-1, 10)}, InvalidArgument, "floor_noise="),
    ({"floor_restarts": 0}, InvalidArgument, "floor_restarts=0"),
    ({"floor_prec": "256"}, InvalidType, "floor_prec='256'"),
    ({"precisions": 256}, InvalidType, "precisions=256"),
    ({"k_min": 2.5}, InvalidType, "k_min=2.5"),
    ({"setup": None}, InvalidType, "setup=None"),
])
def test_convergence_runs_checks_every_argument_before_running(small_setup, kwargs, error,
                                                               fragment):
    args = {"setup": small_setup, "n_outer": 2, "p_inner": 2, "precisions": (),
            **kwargs}
    calls = []
    with pytest.raises(error, match=fragment):
        convergence_runs(**args, progress=calls.append)
    assert calls == []  # refused before the first run started


def test_run_names_a_bad_n_outer_before_preparing():
    t0 = time.perf_counter()
    with pytest.raises(InvalidType, match="n_outer='5'"):
        conv_harness.run(n_outer="5")
    with pytest.raises(InvalidArgument, match="n_outer=0"):
        conv_harness.run(n_outer=0)
    assert time.perf_counter() - t0 < 30


# ------------------------------------------------------------------ convergence report
def _fake_result(amplification: float) -> ConvergenceResult:
    inst = {"kind": "walsh-haar", "m": 4, "N": 8, "levels": (4, 8), "sparsities": (1, 1),
            "rows_per_level": (2, 2), "weights": (Q(1), Q(1)), "seed": 0}
    firenet = {"lam": Q(1, 2), "lam_max": Q(1), "tau": Q(1, 4), "L": Q(2), "p_inner": 3,
               "n_outer": 2, "depth": 19, "level": 400, "C_x": Q(3), "c": Q(5), "p_x": 9}
    row = StabilityRow("LISTA", Q(1, 100), 5, 3, amplification, Q(1), Q(2), "estimate",
                       float("nan"), float("inf"), False, 0.5)
    return ConvergenceResult(inst, firenet, None, (), (row,), None,
                             {"LISTA amplification above FIRENET's": {"1/100": True}}, 0.1)


def test_convergence_report_writes_overflowed_floats_and_renders_them():
    res = _fake_result(float("inf"))
    data = json.loads(json.dumps(conv_to_json(res)))
    row = data["stability"][0]
    assert (row["amplification"], row["test_error"], row["perturbed_error_upper"]) == (
        "inf", "nan", "inf")
    assert data["runs"] == [] and data["sharpness"] is None
    console = Console(record=True, width=200)
    conv_render(res, console)
    text = console.export_text()
    assert "inf" in text and "LISTA" in text
    # a finite amplification is still a decimal string
    assert conv_to_json(_fake_result(2.5))["stability"][0]["amplification"] == "2.5"


@pytest.mark.parametrize("fn", [conv_to_json, conv_render, lambda r: conv_plot(r, "x.png")])
def test_convergence_report_refuses_a_non_result(fn):
    with pytest.raises(InvalidType, match="result=3 must be a ConvergenceResult"):
        fn(3)


# ------------------------------------------------------------------ Table 1 report
def test_decimal_string_names_non_numbers_and_infinities_and_takes_numpy_scalars():
    with pytest.raises(InvalidArgument, match="q=inf"):
        decimal_string(float("inf"))
    with pytest.raises(InvalidArgument, match="q='abc'"):
        decimal_string("abc")
    with pytest.raises(InvalidType, match="q has type NoneType"):
        decimal_string(None)
    assert decimal_string(np.float32(0.5), digits=np.int64(3)) == "0.5"
    assert decimal_string(np.int64(-7), digits=2, rounding="up") == "-7"


@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=-10**6, max_value=10**6), st.integers(1, 12))
def test_decimal_string_down_and_up_bracket_the_rational(q, digits):
    lo = Fraction(Decimal(decimal_string(q, digits=digits, rounding="down")))
    hi = Fraction(Decimal(decimal_string(q, digits=digits, rounding="up")))
    assert lo <= q <= hi
    assert (lo == hi) == (lo == q)


def _empty_table() -> Table1Result:
    return Table1Result(PROFILES["tiny"], (), (), (), {}, {"total": 0.0})


def test_table1_report_of_an_empty_result(tmp_path):
    res = _empty_table()
    assert to_json(res) == {"cells": [], "beyond_float64": [], "replica": []}
    console = Console(record=True, width=160)
    render(res, console)
    assert "Table 1" in console.export_text()
    assert "0 cells" in repr(res)
    with pytest.raises(InvalidArgument, match="no cells"):
        plot(res, str(tmp_path / "f.png"))


@pytest.mark.parametrize("fn", [render, lambda r: plot(r, "x.png")])
def test_table1_report_refuses_a_non_result(fn):
    with pytest.raises(InvalidType, match="result=3 must be a Table1Result"):
        fn(3)


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"Ks": 1}, InvalidType, "Ks=1"),
    ({"ns": "10"}, InvalidType, "ns='10'"),
    ({"Ks": (), "ns": (), "beyond_ns": (0,)}, InvalidArgument, r"beyond_ns\[\]=0"),
    ({"Ks": (), "ns": (), "beyond_Ks": (1.0,)}, InvalidType, r"beyond_Ks\[\]=1.0"),
    ({"Ks": (), "ns": (), "beyond_profile": "huge"}, InvalidArgument, "beyond_profile='huge'"),
])
def test_table1_run_checks_its_grids_before_building_anything(kwargs, error, fragment):
    calls = []
    with pytest.raises(error, match=fragment):
        run(profile="tiny", progress=calls.append, **kwargs)
    assert calls == []


# ------------------------------------------------------------------ second pass
def test_fit_rate_names_a_bad_floor_factor():
    # a run that reached a floor (the last restart did not reduce the error), so the cut
    # log(min) + log(floor_factor) is used
    errs = [Q(1, 2**k) for k in range(1, 41)] + [Q(1, 2**40)] * 10
    fit = fit_rate(range(1, 51), errs)
    assert fit.first == 5 and fit.last == 26 and math.isclose(fit.rate, 0.5, rel_tol=1e-9)
    with pytest.raises(InvalidArgument, match="floor_factor=0"):
        fit_rate(range(1, 51), errs, floor_factor=0)
    with pytest.raises(InvalidType, match="floor_factor='a'"):
        fit_rate(range(1, 51), errs, floor_factor="a")


def test_headline_shows_bounds_below_the_float_range():
    """A 2048-bit Ball run ends far below 1e-308: the one-line repr must not print 0."""
    from theorems.convergence.records import ConvergenceRun

    tiny = Q(3, 10**400)
    run_ = ConvergenceRun("ball-2048", "main", "noiseless", Q(0), Q(0), (),
                          RateFit(None, None, None), tiny, 2048, "exact network (ball)", 1.0)
    res = ConvergenceResult({}, {}, None, (run_,), (), None, {}, 1.0)
    assert "ball-2048 3e-400" in repr(res)


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"n_outer": 0}, InvalidArgument, "n_outer=0"),
    ({"k_min": "3"}, InvalidType, "k_min='3'"),
    ({"p_values": 5}, InvalidType, "p_values=5"),
    ({"p_values": (3, 0)}, InvalidArgument, r"p_values\[\]=0"),
])
def test_sharpness_checks_its_arguments_before_the_support_enumeration(kwargs, error,
                                                                       fragment):
    from theorems.convergence.sharpness import sharpness_experiment

    calls = []
    with pytest.raises(error, match=fragment):
        sharpness_experiment(small_instance(), progress=calls.append, **kwargs)
    assert calls == []


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"etas": ("abc",)}, InvalidArgument, r"etas\[\]='abc'"),
    ({"lista_train": "10"}, InvalidType, "lista_train='10'"),
    ({"p_inner": 0}, InvalidArgument, "p_inner=0"),
    ({"starts": 0}, InvalidArgument, "starts=0"),
])
def test_stability_checks_its_arguments_before_drawing_samples(small_setup, kwargs, error,
                                                               fragment):
    from theorems.convergence.perturbations import stability_experiment

    calls = []
    with pytest.raises(error, match=fragment):
        stability_experiment(small_setup, progress=calls.append, **kwargs)
    assert calls == []
    with pytest.raises(InvalidType, match="setup=None"):
        stability_experiment(None)


# ------------------------------------------------------------------ Table 1 profiles
def _profile(**kw):
    from theorems.table1.setup import Profile

    return Profile(**{"name": "p", "train": 2, "validation": 1, "epochs": 1, "batch_size": 1,
                      **kw})


def test_profile_takes_any_positive_real_learning_rate_and_checks_delta_up_front():
    assert _profile(lr_base=1).lr_base == 1.0 and type(_profile(lr_base=1).lr_base) is float
    assert _profile(lr_base=np.float32(0.5)).learning_rate(3) == pytest.approx(0.05, rel=1e-6)
    assert _profile(delta=Fraction(1, 10**6)).delta == Fraction(1, 10**6)
    with pytest.raises(InvalidArgument, match="lr_base=-1"):
        _profile(lr_base=-1)
    with pytest.raises(InvalidType, match="lr_base='a'"):
        _profile(lr_base="a")
    with pytest.raises(InvalidArgument, match="delta='abc'"):
        _profile(delta="abc")
    with pytest.raises(InvalidArgument, match="delta='-1e-6' must be >= 0"):
        _profile(delta="-1e-6")
    with pytest.raises(InvalidType, match="delta=0.1 is a float"):
        _profile(delta=0.1)
    with pytest.raises(InvalidType, match="name=3"):
        _profile(name=3)


def test_sample_bank_labels_name_a_non_member():
    from theorems.table1.setup import SampleBank

    with pytest.raises(InvalidType, match="mb=None"):
        SampleBank(2, 1).labels(None)


# ------------------------------------------------------------------ undecided verdicts
def _net(lower, upper, K):
    from theorems.instances.distance import Enclosure
    from theorems.table1.harness import NetworkResult, _verdicts

    enc = Enclosure(lower, upper)
    return NetworkResult(enc, *_verdicts(enc, K), 1, 0.0, "exact")


def test_an_undecided_k_digit_verdict_is_shown_as_undecided_not_as_no():
    """K = 1: LISTA's enclosure [0.09, 0.11] straddles 10^-1, FIRENET is certified at 0.26.
    'K digits' is then undecided (not certainly no), and the cell must not be counted as
    'K-1 but not K digits'."""
    from theorems.instances.distance import Enclosure
    from theorems.table1.harness import Cell

    cell = Cell(1, 10, _net(Fraction(9, 100), Fraction(11, 100), 1),
                _net(Fraction(26, 100), Fraction(27, 100), 1), None,
                Enclosure(0, 1), Enclosure(0, 1))
    assert (cell.lista.verdict_K, cell.firenet.verdict_K) == (None, False)
    assert cell.decided_K is None and cell.decided_K1 is True
    assert cell.correct_K is False and not cell.as_predicted
    res = Table1Result(PROFILES["tiny"], (cell,), (), (), {}, {"total": 0.0})
    assert "(0 with K-1 but not K digits)" in repr(res)
    console = Console(record=True, width=200)
    render(res, console)
    row = next(line for line in console.export_text().splitlines()
               if line.strip().startswith("│") and " 10 " in line)
    assert [c.strip() for c in row.split("│")][-3:-1] == ["yes", "?"], row
    # a decided cell still reads yes / no
    good = Cell(1, 10, _net(Fraction(2, 10), Fraction(3, 10), 1),
                _net(Fraction(26, 100), Fraction(27, 100), 1), None,
                Enclosure(0, 1), Enclosure(0, 1))
    assert good.decided_K is False and good.decided_K1 is True and good.as_predicted
    assert "(1 with K-1 but not K digits)" in repr(
        Table1Result(PROFILES["tiny"], (good,), (), (), {}, {"total": 0.0}))


def test_headline_without_noiseless_runs_says_so():
    res = ConvergenceResult({}, {}, None, (), (), None, {}, 0.0)
    assert repr(res).startswith("<ConvergenceResult 0 runs (no noiseless run), 0 stability")


def test_beyond_table_prints_the_oracle_gap_lower_bound_rounded_down():
    """The K = 1, n = 60 gap's certified lower bound is 6.1388e-19: printed to 3 digits it
    must read 6.13e-19 (a lower bound), not the nearest 6.14e-19 (above the bound)."""
    from theorems.instances.distance import Enclosure
    from theorems.table1.harness import BeyondCell, Cell
    from theorems.table1.replica import Float64Pair

    low = Fraction(6138786186896535, 10**34)
    cell = Cell(1, 60, _net(Fraction(2, 10), Fraction(3, 10), 1),
                _net(Fraction(26, 100), Fraction(27, 100), 1), None,
                Enclosure(0, 1), Enclosure(0, 1))
    pair = Float64Pair(1, 60, True, 0, Enclosure(low, 2 * low), 62, Enclosure(low, 2 * low),
                       True, False)
    res = Table1Result(PROFILES["tiny"], (), (BeyondCell(cell, pair),), (), {}, {})
    console = Console(record=True, width=200)
    render(res, console)
    text = console.export_text()
    assert "6.13e-19" in text and "6.14e-19" not in text


def test_convergence_json_rounds_bounds_outward_as_documented():
    """to_json promises bounds rounded outward: L, C_x, c and the best certified bound up,
    lam_max down (8 digits)."""
    res = _fake_result(1.0)
    res.firenet.update({"L": 1 + Q(1, 10**10), "C_x": Q(1, 3), "c": Q(1, 3),
                        "lam_max": Q(2, 3)})
    res.targets.clear()
    res.targets["ball-256 best certified bound"] = Q(1, 3)
    data = conv_to_json(res)
    assert data["firenet"]["L"] == "1.0000001"
    assert data["firenet"]["C_x"] == data["firenet"]["c"] == "3.3333334e-1"
    assert data["firenet"]["lam_max"] == "6.6666666e-1"
    assert data["firenet"]["tau"] == "2.5e-1" and data["firenet"]["p_x"] == 9
    assert data["targets"]["ball-256 best certified bound"] == "3.3333334e-1"
    console = Console(record=True, width=200)
    conv_render(res, console)
    assert "3.3333334e-1" in console.export_text()


def test_a_non_callable_progress_is_refused_up_front():
    t0 = time.perf_counter()
    with pytest.raises(InvalidType, match="progress=3 must be a callable"):
        run(profile="tiny", Ks=(), ns=(), beyond=False, progress=3)
    with pytest.raises(InvalidType, match="progress=3 must be a callable"):
        conv_harness.run(progress=3)
    assert time.perf_counter() - t0 < 30


def test_run_cell_names_a_bad_profile_or_bank():
    from theorems.table1.harness import run_cell

    with pytest.raises(InvalidArgument, match="profile='huge'"):
        run_cell(1, 10, "huge", None)
    with pytest.raises(InvalidType, match="bank=None"):
        run_cell(1, 10, "tiny", None)
