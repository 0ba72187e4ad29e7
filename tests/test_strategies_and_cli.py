"""The public hypothesis strategies and the command line."""

import subprocess
import sys

import sympy
from hypothesis import given

from oracle import BaseOracle
from oracle.strategies import exact_matrices, exact_reals, levels, oracles
from theorems.cli import main


@given(x=exact_reals())
def test_exact_reals_are_exact_real_numbers(x):
    assert isinstance(x, sympy.Expr) and not x.free_symbols and not x.has(sympy.Float)


@given(A=exact_matrices(shape=(2, 3)))
def test_exact_matrices_have_the_requested_shape(A):
    assert A.shape == (2, 3)


@given(o=oracles(num_samples=1), n=levels(40))
def test_generated_oracles_serve(o, n):
    assert isinstance(o, BaseOracle)
    assert o.matrix(n).shape == o.shape
    assert o.sample(0, n).shape == (o.shape[0],)


def test_cli_help_and_tour(capsys):
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    assert "level n = 100" in out and "samples_read = 6" in out


def test_module_entry_point_runs():
    done = subprocess.run(
        [sys.executable, "-m", "theorems", "--help"], capture_output=True, text=True, check=True
    )
    assert "python -m theorems" in done.stdout
