# Two entry points: `make demo` and `make test`. Both create .venv if needed and
# install the project (with its dev extra) into it first.  `make demo` writes its figure to
# out/; `make test` runs the test suite and then checks the built wheel (.ci/wheel-check).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.smale18-installed

.PHONY: demo test pytest wheel-check lint bench clean docs docs-quick doctest

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m theorems demo

# the test suite, then the wheel: built from a clean copy, installed into a fresh venv
# outside the checkout, demo run from an empty folder (.ci/wheel-check)
test: pytest wheel-check

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

wheel-check: $(STAMP)
	.ci/wheel-check $(PYTHON)

lint: $(STAMP)
	$(BIN)/ruff check .

# every benchmark script, each printing one table of ratios measured in the same run
bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

# the documentation site (docs/_build/html/index.html): warnings are errors, the gallery runs
DOCS_STAMP := $(VENV)/.smale18-docs-installed
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b html -W --keep-going docs docs/_build/html
	$(BIN)/python -m sphinx -b doctest -W docs docs/_build/doctest

# CI's quick build: only the fast gallery examples (plot_0*) run, the others are shown as code
docs-quick: $(DOCS_STAMP)
	SMALE18_GALLERY=quick $(BIN)/python -m sphinx -b html -W --keep-going docs docs/_build/html
	$(BIN)/python -m sphinx -b doctest -W -D plot_gallery=0 docs docs/_build/doctest

doctest: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -b doctest -W -D plot_gallery=0 docs docs/_build/doctest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis out docs/_build docs/api docs/auto_examples
