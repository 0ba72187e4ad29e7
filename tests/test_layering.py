"""The import graph: layers flow one way (theorems -> algorithms -> oracle) and no package has
an import cycle among its modules (a report never imported back by its harness, and so on).

Every import counts, including those inside functions: a lazy import that closes a cycle is
still a cycle of the design.  Imports of ``X`` that a module gets only because it lives in
package ``X`` (the parent ``__init__`` that Python runs first) are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("oracle", "algorithms", "theorems")
FORBIDDEN = {"oracle": {"algorithms", "theorems"}, "algorithms": {"theorems"}}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """Fully qualified names of the modules ``path`` imports (``from X import Y`` counts as
    ``X.Y`` when that is a module of ``known``, else as ``X``); relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                here = module_name(path, root)
                package = here if path.name == "__init__.py" else here.rpartition(".")[0]
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:
                full = f"{stem}.{alias.name}"
                names.add(full if full in known else stem)
    return names


def imported_top_levels(path: Path, root: Path = ROOT) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path, set(), root)}


def project_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module -> the project modules it imports (edges to a module's own ancestors dropped)."""
    files = {module_name(p, root): p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}
    known = set(files)
    graph = {}
    for name, path in files.items():
        targets = set()
        for imp in imported_modules(path, known, root):
            while imp and imp not in known:  # `import a.b.c` of a name inside a module
                imp = imp.rpartition(".")[0]
            if imp and imp != name and not name.startswith(imp + "."):
                targets.add(imp)
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upper_layers(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources found for {package}"
    for path in files:
        bad = imported_top_levels(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_within_a_package(package):
    graph = project_graph()
    inside = {m: {t for t in ts if t.split(".")[0] == package}
              for m, ts in graph.items() if m.split(".")[0] == package}
    assert len(inside) > 5
    cycle = find_cycle(inside)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_reports_are_imported_only_by_command_lines():
    """A harness returns records; only the command line turns them into reports."""
    graph = project_graph()
    for experiment in ("paradox", "table1", "convergence"):
        report = f"theorems.{experiment}.report"
        assert graph[report], f"{report} imports nothing from the project"
        importers = sorted(m for m, targets in graph.items() if report in targets)
        assert importers and all(m.endswith(".cli") for m in importers), importers


def test_checker_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import theorems.paradox\nfrom algorithms import firenet\n")
    assert imported_top_levels(sample) == {"theorems", "algorithms"}


def test_checker_finds_a_deliberate_cycle_and_an_upward_import(tmp_path):
    """The checks themselves can fail: a scratch tree with a report imported back by its
    harness (inside a function) and an algorithm importing theorems."""
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "theorems" / "exp").mkdir()
    (tmp_path / "theorems" / "exp" / "__init__.py").write_text("")
    (tmp_path / "theorems" / "exp" / "harness.py").write_text(
        "def run():\n    from theorems.exp.report import render\n    return render\n")
    (tmp_path / "theorems" / "exp" / "report.py").write_text(
        "from theorems.exp.harness import run\n")
    (tmp_path / "algorithms" / "bad.py").write_text("from theorems.exp import harness\n")
    graph = project_graph(tmp_path)
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"theorems.exp.harness", "theorems.exp.report"}
    bad = tmp_path / "algorithms" / "bad.py"
    assert imported_top_levels(bad, tmp_path) & FORBIDDEN["algorithms"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
