"""The command line never loses work (issue 12): every bad path, flag or value ends before any
computation with exit status 2, the usage line and a one-line message on stderr; figures go
only where asked; progress goes to stderr; BLAS runs single-threaded unless asked otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from theorems import cli
from theorems.commands import Stages, UsageError, blas_threads, resolve_figure

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--problem", "P2", "--levels", "4", "--seeds", "2", "--no-firenet",
         "--no-solver-networks"]


@pytest.fixture
def no_compute(monkeypatch):
    """Make any harness call fail loudly: the errors below must come before computing.  (The
    modules a check imports are imported here first, so the timings measure the checks.)"""
    import matplotlib.backend_bases  # noqa: F401 - what figure_formats() imports

    import theorems.convergence.harness as conv
    import theorems.paradox.harness as par
    import theorems.table1.harness as t1

    def boom(*args, **kwargs):
        raise AssertionError("computation started before the flags were checked")

    monkeypatch.setattr(par, "run", boom)
    monkeypatch.setattr(t1, "run", boom)
    monkeypatch.setattr(conv, "run", boom)


def _fails(argv: list[str], capsys, *, words: str) -> str:
    """Run ``argv``; it must end with status 2, print nothing on stdout and the usage line plus
    ONE error line naming ``words`` on stderr.  That it ends before any computation is proven
    by the ``no_compute`` fixture (every harness ``run`` raises), not by a clock, which
    would depend on the machine's load."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("usage: python -m theorems"), err
    assert "error:" in lines[-1] and words in lines[-1], err
    assert "Traceback" not in err
    return lines[-1]


# ------------------------------------------------------------------ output paths
def test_bad_output_paths_fail_before_computing(tmp_path, capsys, no_compute):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    cases = [
        (["paradox", "--plot", str(tmp_path / "missing" / "x.png")], "does not exist"),
        (["paradox", "--plot", str(tmp_path / "x.foo")], "cannot write .foo"),
        (["paradox", "--plot", str(tmp_path / "figure")], "has no extension"),
        (["paradox", "--plot", str(tmp_path)], "is a folder"),
        (["paradox", "--plot", str(tmp_path) + "/"], "is a folder"),
        (["paradox", "--out-dir", str(a_file)], "is a file"),
        (["paradox", "--out-dir", str(tmp_path / "a" / "b")], "does not exist"),
        (["paradox", "--plot", "x.png", "--no-plot"], "contradict"),
        (["paradox", "--plot", "/proc/x.png"], "cannot write in /proc"),
        (["demo", "--out-dir", str(a_file)], "is a file"),
        (["table1", "--plot", str(tmp_path / "t.doc")], "cannot write .doc"),
        (["table1", "--full", "--profile", "tiny"], "conflicts"),
        (["convergence", "--plot", str(tmp_path)], "is a folder"),
        (["convergence", "--out-dir", str(tmp_path), "--plot", "sub/c.png"], "does not exist"),
    ]
    for argv, words in cases:
        _fails(argv, capsys, words=words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # nothing created


def test_folder_misuse_suggests_a_file_name(tmp_path, capsys, no_compute):
    line = _fails(["paradox", "--plot", str(tmp_path)], capsys, words="is a folder")
    assert f"{tmp_path}/paradox.png" in line and "--out-dir" in line


def test_resolve_figure_rules(tmp_path):
    from argparse import Namespace

    def ns(**kw):
        return Namespace(**{"out_dir": None, "plot": None, "no_plot": False, **kw})

    assert resolve_figure(ns(), "f.png") is None
    assert resolve_figure(ns(plot=str(tmp_path / "a.svg")), "f.png") == tmp_path / "a.svg"
    new = tmp_path / "new"
    assert resolve_figure(ns(out_dir=str(new)), "f.png") == new / "f.png"
    assert new.is_dir()  # created, one level
    assert resolve_figure(ns(out_dir=str(new), plot="g.pdf"), "f.png") == new / "g.pdf"
    assert resolve_figure(ns(out_dir=str(new), no_plot=True), "f.png") is None
    with pytest.raises(UsageError, match="has no extension"):
        resolve_figure(ns(out_dir=str(new), plot="g"), "f.png")


# ------------------------------------------------------------------ values and flags
@pytest.mark.parametrize(("argv", "words"), [
    (["paradox", "--K", "500"], "1..100"),
    (["paradox", "--K", "0"], "1..100"),
    (["paradox", "--N", "1000"], "2..64"),
    (["paradox", "--levels", "5000"], "1..1000"),
    (["paradox", "--seeds", "0"], "1..10000"),
    (["paradox", "--seeds", "many"], "not an integer"),
    (["paradox", "--R", "100"], "1..8"),
    (["paradox", "--N", "3", "--m", "3"], "m < N = 3"),
    (["paradox", "--levels", *[str(n) for n in range(1, 22)]], "at most 20"),
    (["paradox", "--problem", "P4"], "invalid choice"),
    (["paradox", "--no-such-flag"], "unrecognized arguments"),
    (["convergence", "--restarts", "100000"], "1..2000"),
    (["convergence", "--precisions", "8"], "16..4096"),
    (["convergence", "--precisions", *["64"] * 7], "at most 6"),
    (["table1", "--profile", "huge"], "invalid choice"),
    (["paradox", "--blas-threads", "-1"], "0..256"),
])
def test_bad_values_fail_before_computing(argv, words, capsys, no_compute):
    _fails(argv, capsys, words=words)


def test_impossible_settings_give_one_line(capsys):
    # K = 1: the class has no closed form for P2 (a mathematical limit, found while building)
    assert cli.main(["paradox", "--problem", "P2", "--K", "1", "--no-plot"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("python -m theorems paradox: error:")
    assert "require_claims" not in err[-1]


def test_version_on_every_command(capsys):
    import theorems

    for argv in (["--version"], ["paradox", "--version"], ["demo", "--version"],
                 ["table1", "--version"], ["convergence", "--version"], ["tour", "--version"]):
        with pytest.raises(SystemExit) as exc:
            cli.main(argv)
        assert exc.value.code == 0
        assert capsys.readouterr().out.strip() == f"smale18 {theorems.__version__}"


def test_every_command_documents_its_ranges_and_blas(capsys):
    for name in ("paradox", "convergence"):
        with pytest.raises(SystemExit):
            cli.main([name, "--help"])
        text = capsys.readouterr().out
        assert "Ranges:" in text and "--blas-threads" in text and "--out-dir" in text


# ------------------------------------------------------------------ runs that work
def test_json_stdout_stays_clean_and_stages_go_to_stderr(tmp_path, capsys):
    code = cli.main(["paradox", *QUICK, "--json", "--out-dir", str(tmp_path / "o"),
                     "--plot", "p.svg"])
    assert code == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["problem"] == "P2"
    lines = err.strip().splitlines()
    assert lines[0].startswith("[") and "paradox 1/14: P2: Barycentre" in lines[0]
    assert any(line.endswith("paradox done") for line in lines)
    assert (tmp_path / "o" / "p.svg").stat().st_size > 1000
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["p.svg"]


def test_out_dir_gets_the_default_figure(tmp_path, capsys):
    assert cli.main(["paradox", *QUICK, "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "paradox.png").stat().st_size > 10_000
    assert "figure written to" in capsys.readouterr().err


def test_demo_writes_its_figure_into_out_only(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    for problem in ("P1", "P2", "P3"):
        assert f"{problem}: the panel against Omega" in out
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "paradox.png").stat().st_size > 10_000


def test_demo_no_plot_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--no-plot"]) == 0
    assert "P3: the panel against Omega" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_stages_log_lines_when_not_a_terminal():
    import io

    stream = io.StringIO()
    with Stages("job", 2, stream=stream) as stages:
        stages("first")
        stages("second")
        stages("third")  # more stages than announced: the total grows
    lines = stream.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "job 1/2: first", "job 2/2: second", "job 3/3: third", "job done"]
    with Stages("job", 1, quiet=True, stream=stream) as stages:
        stages("silent")
    assert len(stream.getvalue().splitlines()) == 4


# ------------------------------------------------------------------ BLAS threads
def _blas_threads() -> int:
    from threadpoolctl import threadpool_info

    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def test_blas_is_single_threaded_unless_asked(monkeypatch):
    import numpy  # noqa: F401

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    before = _blas_threads()
    with blas_threads(None):
        assert _blas_threads() == 1
    with blas_threads(2):
        assert _blas_threads() == 2
    with blas_threads(0):
        assert _blas_threads() == before
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with blas_threads(None):  # the user's environment wins over the default
        assert _blas_threads() == before
    assert _blas_threads() == before


def test_blas_threads_flag_reaches_the_command(monkeypatch, capsys):
    seen = []
    import theorems.paradox.cli as pcli

    monkeypatch.setattr(pcli, "run_paradox", lambda args: seen.append(_blas_threads()) or [])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(["paradox", "--json"]) == 0
    assert cli.main(["paradox", "--json", "--blas-threads", "2"]) == 0
    assert cli.main(["--blas-threads", "2", "paradox", "--json"]) == 0
    assert seen == [1, 2, 2]
    capsys.readouterr()


# ------------------------------------------------------------------ as a user types it
def test_subprocess_error_is_on_stderr(tmp_path):
    done = subprocess.run([sys.executable, "-m", "theorems", "paradox", "--K", "500"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: python -m theorems paradox")
    assert "--K: 500 is outside 1..100" in done.stderr


def test_example_byo_algorithm_runs(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "byo_algorithm.py")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "ScaledAdjoint(level=12)" in done.stdout and "consistent: True" in done.stdout
    assert "K-2: True" in done.stdout
