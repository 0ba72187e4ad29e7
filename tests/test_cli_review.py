"""Review of the command line (round 3): hostile flags end with exit status 2, the command's
usage line and one line naming the flag and its value, before any computation; contradictory
flags are refused; every sub-command takes the common options; Ctrl-C is one line and 130;
``--help`` states every default and how long a run takes."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from theorems import cli


@pytest.fixture
def no_compute(monkeypatch):
    """Every harness entry point the commands below call raises: an error must come first."""
    import theorems.convergence.harness as conv
    import theorems.imaging.harness as img
    import theorems.paradox.harness as par
    import theorems.sweep.cells as cells
    import theorems.table1.harness as t1
    import theorems.tradeoff.harness as trade

    def boom(*args, **kwargs):
        raise AssertionError("computation started before the flags were checked")

    for module, name in [(par, "run"), (t1, "run"), (conv, "run"), (img, "run_float"),
                         (img, "run_certified"), (trade, "run"), (cells, "run_table1")]:
        monkeypatch.setattr(module, name, boom)


def _fails(argv: list[str], capsys, *, usage: str, words: list[str]) -> str:
    """``argv`` must exit with 2, nothing on stdout, the usage line of ``usage`` first on
    stderr and one last line ``<usage>: error: ...`` containing every item of ``words``."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (argv, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"usage: {usage} "), err
    assert lines[-1].startswith(f"{usage}: error: "), err
    for word in words:
        assert word in lines[-1], (word, err)
    assert "Traceback" not in err
    return lines[-1]


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("command", ["imaging", "convergence"])
def test_negative_seed_is_a_usage_error(command, capsys, no_compute):
    # imaging used to hand -1 to numpy (a traceback, exit status 1); convergence printed
    # "seed=-1 ..." without the usage line or the flag's name
    _fails([command, "--seed", "-1"], capsys, usage=f"python -m theorems {command}",
           words=["--seed", "-1", ">= 0"])
    _fails([command, "--seed", "one"], capsys, usage=f"python -m theorems {command}",
           words=["--seed", "'one'"])


# ------------------------------------------------------------------ contradictions
@pytest.mark.parametrize(("argv", "words"), [
    (["imaging", "--quick", "--size", "512"], ["--quick", "--size 512"]),
    (["imaging", "--quick", "--prec", "128", "--restarts-b", "3"],
     ["--quick", "--prec 128", "--restarts-b 3"]),
    (["imaging", "--restarts-b", "0"], ["--restarts-b", "0", "1..1000"]),
    (["imaging", "--part", "a", "--prec", "512"], ["--part a", "--prec 512"]),
    (["imaging", "--part", "b", "--size", "512"], ["--part b", "--size 512"]),
    (["table1", "--workers", "3"], ["--workers 3", "--executor serial"]),
    (["tradeoff", "--no-cache", "--cache-dir", "somewhere"], ["--no-cache", "somewhere"]),
])
def test_contradictory_flags_are_refused(argv, words, capsys, no_compute):
    _fails(argv, capsys, usage=f"python -m theorems {argv[0]}", words=words)


def test_imaging_without_quick_keeps_its_defaults(monkeypatch, capsys):
    import theorems.imaging.harness as img

    seen = {}

    class Stop(Exception):
        pass

    def fake_float(**kwargs):
        seen["a"] = kwargs
        raise Stop  # only the arguments matter

    monkeypatch.setattr(img, "run_float", fake_float)
    with pytest.raises(Stop):
        cli.main(["imaging", "--no-plot", "--part", "a"])
    assert seen["a"]["size"] == 256 and seen["a"]["seed"] == 0
    capsys.readouterr()


# ------------------------------------------------------------------ tradeoff's cache folder
def test_cache_dir_must_be_a_usable_folder(tmp_path, capsys, no_compute):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    # used to start JAX and end in NotADirectoryError from pathlib (exit status 1)
    _fails(["tradeoff", "--cache-dir", str(a_file), "--no-plot"], capsys,
           usage="python -m theorems tradeoff", words=[f"--cache-dir {a_file}", "is a file"])
    _fails(["tradeoff", "--cache-dir", str(a_file / "sub"), "--no-plot"], capsys,
           usage="python -m theorems tradeoff", words=[f"{a_file} is a file"])
    assert [p.name for p in tmp_path.iterdir()] == ["file"]  # nothing created


def test_cache_folder_from_the_environment_is_checked_too(tmp_path, monkeypatch, capsys,
                                                           no_compute):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    monkeypatch.setenv("SMALE18_CACHE", str(a_file))
    _fails(["tradeoff", "--no-plot"], capsys, usage="python -m theorems tradeoff",
           words=[str(a_file), "--cache-dir", "is a file"])


# ------------------------------------------------------------------ sweep sub-commands
def test_sweep_subcommand_errors_show_their_own_usage(tmp_path, capsys, no_compute):
    _fails(["sweep", "phase", "--N", "3", "--m", "3"], capsys,
           usage="python -m theorems sweep phase", words=["--m 3", "m < N = 3"])
    _fails(["sweep", "phase", "--executor", "serial", "--workers", "2", "--no-plot"], capsys,
           usage="python -m theorems sweep phase", words=["--workers 2", "serial"])
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("not sqlite")
    for argv in (["sweep", "phase", "--db", str(not_a_db), "--no-plot", "--executor",
                  "serial", "--K", "2"],
                 ["sweep", "run", "--experiment", "selftest", "--db", str(not_a_db),
                  "--executor", "serial"]):
        # used to end without the usage line, naming "DB=" instead of the flag
        _fails(argv, capsys, usage=f"python -m theorems sweep {argv[1]}",
               words=[f"--db {not_a_db}", "not a sweep database"])
    assert not_a_db.read_text() == "not sqlite"


def test_sweep_subcommands_take_the_common_options(monkeypatch, capsys):
    import theorems
    import theorems.sweep.cli as scli

    for sub in ("run", "show", "phase", "experiments"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["sweep", sub, "--version"])
        assert exc.value.code == 0
        assert capsys.readouterr().out.strip() == f"smale18 {theorems.__version__}"
    seen = []
    monkeypatch.setattr(scli, "_experiments", lambda args: seen.append(args.blas_threads) or 0)
    assert cli.main(["sweep", "experiments", "--blas-threads", "2"]) == 0
    assert cli.main(["--blas-threads", "3", "sweep", "experiments"]) == 0
    assert cli.main(["sweep", "--blas-threads", "3", "experiments", "--blas-threads", "2"]) == 0
    assert seen == [2, 3, 2]


# ------------------------------------------------------------------ Ctrl-C
def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    import theorems.paradox.cli as pcli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(pcli, "run_paradox", interrupted)
    try:
        code = cli.main(["paradox", "--no-plot"])
    except KeyboardInterrupt:  # would stop the whole pytest session
        pytest.fail("Ctrl-C escaped the command line as a traceback")
    assert code == 130
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == "python -m theorems paradox: interrupted"


# ------------------------------------------------------------------ --help teaches
def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    found = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        found.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    walk(child, f"{name} {sub}")

    walk(cli.build_parser(), "")
    return found


def test_help_states_every_default():
    missing = []
    for name, parser in _parsers():
        for action in parser._actions:
            if (action.option_strings and action.default not in (None, False, [])
                    and action.default is not argparse.SUPPRESS
                    and "default" not in (action.help or "")):
                missing.append((name, action.option_strings[0], action.default))
    assert missing == []


@pytest.mark.parametrize("command", ["demo", "paradox", "table1", "convergence", "imaging",
                                     "tradeoff", "sweep phase"])
def test_help_says_how_long_a_run_takes(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([*command.split(), "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert any(word in text for word in ("Time", "Takes a few seconds")), text
    assert any(unit in text for unit in (" s ", " s,", " s;", "min", "seconds")), text


def test_top_help_lists_every_exit_status(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for status in ("0 success", "2 a bad flag", "1 `sweep` cells failed", "130 interrupted"):
        assert status in text


# ------------------------------------------------------------------ figures and ranges
def test_pgf_without_tex_is_refused_before_computing(tmp_path, monkeypatch, capsys,
                                                      no_compute):
    import matplotlib

    from theorems.commands import figure_formats

    # .pgf is in matplotlib's list, but saving runs the TeX program: without it the figure
    # failed with a RuntimeError traceback AFTER the whole computation
    monkeypatch.setitem(matplotlib.rcParams, "pgf.texsystem", "lualatex")
    monkeypatch.setattr("shutil.which", lambda name, *args, **kwargs: None)  # no TeX here
    assert "pgf" not in figure_formats() and "png" in figure_formats()
    _fails(["paradox", "--plot", str(tmp_path / "fig.pgf")], capsys,
           usage="python -m theorems paradox", words=["--plot", "fig.pgf", "lualatex"])


def test_range_errors_say_why_the_range_stops(capsys, no_compute):
    from theorems.paradox.cli import LIMITS

    for flag, value in (("--K", "101"), ("--levels", "1001"), ("--seeds", "10001")):
        line = _fails(["paradox", flag, value], capsys, usage="python -m theorems paradox",
                      words=[flag, value])
        assert line.endswith(f"({LIMITS[flag][2]})")


# ------------------------------------------------------------------ any value out of range
def _ranged_flags() -> list[tuple[list[str], str, int, int]]:
    """(command, flag, low, high) of every bounded integer flag, read from the commands'
    ``LIMITS`` tables where they have one."""
    from theorems.convergence.cli import LIMITS as CONVERGENCE
    from theorems.paradox.cli import LIMITS as PARADOX

    found = [(["paradox"], flag, low, high) for flag, (low, high, _w) in PARADOX.items()
             if flag.startswith("--") and flag != "--m"]
    found += [(["convergence"], flag, low, high)
              for flag, (low, high, _w) in CONVERGENCE.items() if flag.startswith("--")]
    found += [(["imaging"], "--restarts-b", 1, 1000), (["sweep", "phase"], "--K", 2, 30),
              (["sweep", "phase"], "--seeds", 1, 10_000), (["table1"], "--workers", 1, 1024),
              (["paradox"], "--blas-threads", 0, 256)]
    return found


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(_ranged_flags()), data=st.data())
def test_any_value_out_of_range_names_flag_and_value(case, data, capsys, no_compute):
    command, flag, low, high = case
    value = data.draw(st.one_of(st.integers(max_value=low - 1),
                                st.integers(min_value=high + 1)), label="value")
    _fails([*command, flag, str(value)], capsys, usage=f"python -m theorems {' '.join(command)}",
           words=[flag, f"{value} is outside {low}..{high}"])
