"""Sphinx configuration of the smale18 documentation site.

``make docs`` builds it with warnings as errors and executes every gallery example;
``make docs-quick`` (used by ``.ci/run``) executes only the examples whose file name starts
with ``plot_0`` (the fast ones) by setting ``SMALE18_GALLERY=quick``.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "agg")

# importing a deprecated 0.1 path (the API reference walks every module) warns by design
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(algorithms|theorems)")

from theorems import __version__ as release  # noqa: E402

project = "smale18"
author = "smale18 contributors"
copyright = "smale18 contributors, BSD-3-Clause"  # noqa: A001
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]

html_theme = "furo"
html_title = f"smale18 {release}"
html_static_path: list[str] = []

autosummary_generate = True
autosummary_imported_members = False
# members defined in each module only (a package's re-exports are documented where they live)
autodoc_default_options = {"members": True, "show-inheritance": True,
                           "ignore-module-all": True}
# the 0.1 import paths (forwarding stubs until 0.3) and ``__main__`` modules get no page
DEPRECATED_MODULES = [
    "algorithms.firenet", "algorithms.ista", "algorithms.pdhg", "algorithms.lista",
    "algorithms.theorem_algorithms", "theorems.problems", "theorems.gadget", "theorems.omega",
    "theorems.solutions", "theorems.distance", "theorems.levels", "theorems.strategies",
    "theorems.paradox_report", "theorems.convergence_report",
]
autosummary_context = {"deprecated_modules": DEPRECATED_MODULES}
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
nitpicky = False

# only the ``.. doctest::`` blocks of the guide pages run as doctests; ``>>>`` lines in library
# docstrings are illustrations that assume their surrounding text (they are not self-contained)
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
"""

suppress_warnings = ["ref.python"]  # ``InvalidType`` exists in each package's errors module

sys.path.insert(0, str(Path(__file__).resolve().parent))
from known_docstring_problems import KNOWN_BROKEN  # noqa: E402


def _verbatim_if_known_broken(app, what, name, obj, options, lines):
    """Show a docstring listed in ``known_docstring_problems`` as a literal block."""
    if name in KNOWN_BROKEN and lines:
        text = list(lines)
        lines[:] = [text[0].split("``")[0].replace("|", "\\|").rstrip(" :") or name, "",
                    ".. note:: This docstring's markup does not parse ("
                    + KNOWN_BROKEN[name] + "); it is shown verbatim.", "", "::", ""]
        lines.extend("    " + line for line in text)
        lines.append("")


def setup(app):
    app.connect("autodoc-process-docstring", _verbatim_if_known_broken)


QUICK = os.environ.get("SMALE18_GALLERY", "") == "quick"

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # quick mode (CI): run only the fast examples (file names plot_0*), show the others' code
    "filename_pattern": r"/plot_0" if QUICK else r"/plot_",
    # examples/byo_algorithm.py is the test suite's command-line example, not a gallery page
    "ignore_pattern": r"byo_algorithm\.py|__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": True,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "min_reported_time": 1,
}
