"""Packaging (issue 12): every subpackage is found for the wheel, the licence and citation are
declared, the version has one source, and the top-level names import lazily.

The wheel itself is built, installed into a fresh venv and run by ``.ci/wheel-check`` (part of
``make test`` and ``.ci/run``); these tests check what can be checked without building."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
TOPS = ("oracle", "algorithms", "theorems")


def test_package_discovery_finds_every_subpackage():
    from setuptools import find_packages

    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(str(ROOT), include=find["include"]))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for top in TOPS for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= found, sorted(on_disk - found)
    assert "algorithms.arithmetic" in found and "theorems.table1" in found
    assert not {p for p in found if p.split(".")[0] not in TOPS}


def test_package_data_and_typing_markers():
    data = PYPROJECT["tool"]["setuptools"]["package-data"]["*"]
    assert "py.typed" in data and "*.md" in data
    for top in TOPS:
        assert (ROOT / top / "py.typed").is_file()


def test_license_and_citation():
    project = PYPROJECT["project"]
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text()
    citation = (ROOT / "CITATION.cff").read_text()
    assert "10.1073/pnas.2107151119" in citation and "Colbrook" in citation
    assert "e2107151119" in citation
    # SPDX strings need setuptools >= 77 (older ones warn about the licence table)
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in PYPROJECT["build-system"]["requires"])


def test_one_version_everywhere():
    import algorithms
    import theorems
    from theorems.cli import version

    assert theorems.__version__ == algorithms.__version__ == version()
    assert theorems.__version__ == PYPROJECT["project"]["version"], (
        "the installed metadata is stale: reinstall (make does it when pyproject changes)")
    assert PYPROJECT["project"]["version"] in (ROOT / "CITATION.cff").read_text()


def test_top_level_names():
    import algorithms
    import theorems
    from algorithms import FIRENET, NeuralNetwork, context  # noqa: F401
    from theorems import Omega, challenge, paradox  # noqa: F401

    for module in (algorithms, theorems):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
        assert set(module.__all__) <= set(dir(module))
    assert paradox.run is theorems.paradox.run
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        theorems.nope  # noqa: B018


def test_top_level_imports_are_lazy():
    code = ("import sys, algorithms, theorems; "
            "heavy = [m for m in ('numpy', 'sympy', 'flint', 'matplotlib', 'theorems.paradox') "
            "if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_table1_profile_names_match_the_harness():
    from theorems.table1.cli import PROFILE_NAMES
    from theorems.table1.setup import PROFILES

    assert sorted(PROFILE_NAMES) == sorted(PROFILES)
