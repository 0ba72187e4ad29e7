"""Old import paths of 0.1 keep working for one release, with a DeprecationWarning that names
the new path (see the README's changelog)."""

from __future__ import annotations

import importlib

import pytest

MOVED = [
    ("algorithms.firenet", "firenet_solve", "algorithms.solvers.firenet"),
    ("algorithms.ista", "fista", "algorithms.solvers.ista"),
    ("algorithms.pdhg", "pdhg_bpdn", "algorithms.solvers.pdhg"),
    ("algorithms.lista", "LISTA", "algorithms.learned.lista"),
    ("algorithms.theorem_algorithms", "Search", "algorithms.paradox_algorithms"),
    ("theorems.problems", "P3", "theorems.instances.problems"),
    ("theorems.gadget", "member", "theorems.instances.gadget"),
    ("theorems.omega", "Omega", "theorems.instances.omega"),
    ("theorems.solutions", "solution_set", "theorems.instances.solutions"),
    ("theorems.distance", "distance", "theorems.instances.distance"),
    ("theorems.levels", "make_instance", "theorems.instances.levels"),
    ("theorems.strategies", "members", "theorems.instances.strategies"),
    ("theorems.paradox_report", "render", "theorems.paradox.report"),
    ("theorems.paradox_report", "plot", "theorems.paradox.figure"),
    ("theorems.convergence_report", "to_json", "theorems.convergence.report"),
    ("theorems.table1", "to_json", "theorems.table1.report"),
    ("theorems.table1", "main", "theorems.table1.cli"),
    ("theorems.convergence", "add_arguments", "theorems.convergence.cli"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_old_path_warns_and_gives_the_same_object(old, name, new):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)


def test_unknown_names_still_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        importlib.import_module("theorems.gadget").no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        importlib.import_module("theorems.table1").no_such_name  # noqa: B018


@pytest.mark.parametrize("package", ["theorems.paradox", "theorems.table1",
                                     "theorems.convergence"])
def test_experiment_packages_expose_run(package):
    assert callable(importlib.import_module(package).run)
