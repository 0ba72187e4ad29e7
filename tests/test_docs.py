"""The documentation: every public name has a docstring that renders, the gallery's
notebooks run top to bottom in a fresh kernel, the README links the site.

The notebook test runs the fast examples (``plot_0*``) by default and every example with
``-m slow``.  It needs the ``docs`` extra (``pip install -e '.[docs]'``; sphinx-gallery
converts the scripts, nbclient runs them) and is skipped without it.
"""

from __future__ import annotations

import importlib
import inspect
import io
import os
import pkgutil
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(DOCS))
from known_docstring_problems import KNOWN_BROKEN, KNOWN_UNDOCUMENTED  # noqa: E402

sys.path.remove(str(DOCS))

PACKAGES = ("oracle", "algorithms", "theorems")
DEPRECATED = {
    "algorithms.firenet", "algorithms.ista", "algorithms.pdhg", "algorithms.lista",
    "algorithms.theorem_algorithms", "theorems.problems", "theorems.gadget", "theorems.omega",
    "theorems.solutions", "theorems.distance", "theorems.levels", "theorems.strategies",
    "theorems.paradox_report", "theorems.convergence_report",
}


def _public_modules() -> list[str]:
    names = []
    for top in PACKAGES:
        pkg = importlib.import_module(top)
        names.append(top)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=top + "."):
            parts = info.name.split(".")
            if any(p.startswith("_") for p in parts) or info.name in DEPRECATED:
                continue
            names.append(info.name)
    return sorted(names)


def _public_objects() -> list[tuple[str, object]]:
    """Modules, and the classes and functions they define (not re-export), with the public
    methods and properties those classes define."""
    found: list[tuple[str, object]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for modname in _public_modules():
            mod = importlib.import_module(modname)
            found.append((modname, mod))
            for name, obj in vars(mod).items():
                if name.startswith("_") or getattr(obj, "__module__", None) != modname:
                    continue
                if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                    continue
                found.append((f"{modname}.{name}", obj))
                if inspect.isclass(obj):
                    for attr, member in vars(obj).items():
                        if attr.startswith("_"):
                            continue
                        if isinstance(member, (staticmethod, classmethod)):
                            member = member.__func__
                        if inspect.isfunction(member) or isinstance(member, property):
                            found.append((f"{modname}.{name}.{attr}", member))
    return found


OBJECTS = _public_objects()


def _render_problems(text: str, what: str) -> list[str]:
    """Warnings and errors docutils reports for ``text`` after Napoleon's conversion, with
    Sphinx's roles and directives accepted as plain text."""
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Directive, directives, roles
    from docutils.utils import unescape
    from sphinx.ext.napoleon import Config
    from sphinx.ext.napoleon.docstring import NumpyDocstring

    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        from docutils import nodes
        return [nodes.literal(rawtext, unescape(text))], []

    class Anything(Directive):
        has_content = True
        optional_arguments = 10
        final_argument_whitespace = True
        option_spec = None

        def run(self):
            return []

    for r in ("class", "func", "meth", "mod", "data", "attr", "exc", "obj", "ref", "doc",
              "math", "py:class", "py:func", "py:meth", "py:mod", "py:data", "py:attr",
              "py:exc", "py:obj", "term"):
        roles.register_local_role(r, role)
    for d in ("attribute", "method", "function", "data", "seealso", "versionadded",
              "versionchanged", "deprecated", "autosummary", "py:attribute", "rubric"):
        directives.register_directive(d, Anything)
    converted = str(NumpyDocstring(inspect.cleandoc(text), Config(napoleon_use_ivar=False),
                                   what=what))
    stream = io.StringIO()
    publish_doctree(converted, settings_overrides={"report_level": 2, "halt_level": 5,
                                                   "warning_stream": stream})
    return [line for line in stream.getvalue().splitlines() if "(WARNING" in line
            or "(ERROR" in line or "(SEVERE" in line]


def _params():
    for name, obj in OBJECTS:
        marks = []
        if name in KNOWN_BROKEN:
            marks.append(pytest.mark.xfail(strict=False, reason=KNOWN_BROKEN[name]))
        yield pytest.param(name, obj, id=name, marks=marks)


def _documented(name: str, obj: object) -> bool:
    """Its own docstring, or, for a method or property, the docstring of the attribute it
    overrides (a context's ``matvec`` is documented once, on the protocol)."""
    if (getattr(obj, "__doc__", None) or "").strip():
        return True
    owner, _, attr = name.rpartition(".")
    cls = dict(OBJECTS).get(owner)
    if not inspect.isclass(cls):
        return False
    return any((getattr(vars(base).get(attr), "__doc__", None) or "").strip()
               for base in cls.__mro__[1:])


def test_every_public_name_has_a_docstring():
    missing = [name for name, obj in OBJECTS
               if not _documented(name, obj) and name not in KNOWN_UNDOCUMENTED]
    assert not missing, f"{len(missing)} public names without a docstring: {missing}"


@pytest.mark.parametrize(("name", "obj"), list(_params()))
def test_docstring_renders(name, obj):
    doc = obj.__doc__ or ""
    if not doc.strip():
        pytest.skip("no docstring (test_every_public_name_has_a_docstring reports it)")
    what = "module" if inspect.ismodule(obj) else "class" if inspect.isclass(obj) else "function"
    problems = _render_problems(doc, what)
    assert not problems, "\n".join(problems)


# --- the gallery's notebooks ------------------------------------------------------------------

GALLERY = sorted(EXAMPLES.glob("plot_*.py"))
FAST = [p for p in GALLERY if p.name.startswith("plot_0")]


def _notebook_params():
    for path in GALLERY:
        marks = [] if path in FAST else [pytest.mark.slow]
        yield pytest.param(path, id=path.stem, marks=marks)


def test_gallery_has_the_teaching_examples():
    assert len(GALLERY) >= 10
    assert (EXAMPLES / "README.rst").is_file()
    for path in GALLERY:
        text = path.read_text()
        assert text.startswith('"""'), f"{path.name}: a gallery script opens with its title"
        assert "plt.subplots" in text or "plt.figure" in text, f"{path.name}: no figure"


@pytest.mark.parametrize("path", list(_notebook_params()))
def test_example_notebook_runs_in_a_fresh_kernel(path, tmp_path, request):
    """Convert the script to the notebook the gallery page offers (sphinx-gallery's own
    converter) and run it top to bottom with nbclient in a fresh kernel."""
    if path not in FAST and "slow" not in (request.config.getoption("-m") or ""):
        pytest.skip("a slow example (run with -m slow)")
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    notebook = pytest.importorskip("sphinx_gallery.notebook")
    parser = pytest.importorskip("sphinx_gallery.py_source_parser")
    from sphinx_gallery.gen_gallery import DEFAULT_GALLERY_CONF

    _, blocks = parser.split_code_and_text_blocks(str(path))[:2]
    conf = dict(DEFAULT_GALLERY_CONF)
    conf.update(first_notebook_cell=None, last_notebook_cell=None, notebook_images=False,
                pypandoc=False, src_dir=str(EXAMPLES), notebook_extensions={".ipynb"},
                promote_jupyter_magic=False)
    data = notebook.jupyter_notebook(blocks, conf, str(tmp_path))
    ipynb = tmp_path / (path.stem + ".ipynb")
    notebook.save_notebook(data, ipynb)
    nb = nbformat.read(ipynb, as_version=4)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MPLBACKEND="agg", PYTHONPATH=os.pathsep.join(
                   [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits the environment
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert len([c for c in nb.cells if c.cell_type == "code"]) >= 2


def test_readme_links_the_site_and_keeps_its_two_commands_first():
    readme = (ROOT / "README.md").read_text()
    first = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first[0].startswith("make demo") and first[1].startswith("make test")
    assert "## Documentation" in readme
    assert "docs/_build/html/index.html" in readme and "auto_examples" in readme
    assert readme.index("## Commands") < readme.index("## Documentation")
