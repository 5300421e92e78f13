# Two commands do everything: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test conformance venv lint format bench clean system-deps browser-deps \
  office-deps virtuoso-deps editor-deps

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "cokg needs Python 3.11 or later: make PYTHON=python3.11 ..." >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# cokg's own modules byte-compiled: an editable install leaves that to Python on first import,
# which never happens where PYTHONDONTWRITEBYTECODE is set (as in many container images), and
# then every command compiled them again (~50 ms). Quick when nothing changed.
venv: $(STAMP)
	@$(BIN)/python -m compileall -q src/cokg

# Java runs the HermiT reasoner; installed from the distribution when the machine lacks it.
system-deps:
	@PYTHON=$(PYTHON) bash scripts/system-deps.sh

demo: system-deps editor-deps venv
	$(BIN)/python -m cokg.demo

# Headless Chromium drives the browser tests; installed from the distribution when missing.
browser-deps:
	@bash scripts/browser-deps.sh

# The query editor `cokg serve` shows at /editor (YASGUI): npm installs the version pinned in
# editor/package-lock.json and the bundle is copied into the package, from where cokg serves it.
# Node.js and npm are installed from the distribution when missing.
editor-deps:
	@bash scripts/editor-deps.sh

# OpenLink Virtuoso: the remote-mode tests run against it as well as Oxigraph (each test file
# starts its own private server). Installed from the distribution when missing.
virtuoso-deps:
	@bash scripts/virtuoso-deps.sh

# Headless LibreOffice Calc re-saves filled templates (tests/test_template_office.py): a real
# spreadsheet program must keep the dates' precision. Installed from the distribution when missing.
office-deps:
	@bash scripts/office-deps.sh

# The suite runs on every core (pytest-xdist), one test file per worker at a time, so that a
# file's module-scoped fixtures and servers are set up once; the slowest files go first
# (SLOWEST_FILES in tests/conftest.py). `make test PYTEST_WORKERS=0` runs it in one process.
PYTEST_WORKERS ?= auto
test: system-deps browser-deps editor-deps office-deps virtuoso-deps venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

# The W3C RDF syntax suites (905 files) are not ours to ship: they are read from
# $$COKG_W3C_SUITE or ../shared/w3c-syntax, and this target fails when they are absent.
# Third-party reference tools check cokg's exports here too (the `oracles` extra: the SSSOM
# toolkit pulls in some 80 packages, too many for every `make test`).
conformance: venv
	$(BIN)/python -m pip install --quiet -e '.[test,oracles]'
	$(BIN)/python -m pytest -m conformance tests/test_w3c_syntax.py tests/test_sssom.py

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format:
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf .cokg build dist
