# gisplan — two commands for a fresh machine:
#   make demo   set up, build the demo dataset, run the main job on it
#   make test   set up, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# pip flags for the package installs (quiet by default; `make V=1` shows everything)
PIPFLAGS := $(if $(V),,-q) --disable-pip-version-check

.PHONY: demo test venv install-demo install-test test-tools lint bench clean catalogs

# the CLI's message catalogs (po/<lang>.po) compiled for gettext; `pip install` compiles them too
CATALOGS := $(patsubst po/%.po,gisplan/cli/locale/%/LC_MESSAGES/gisplan.mo,$(wildcard po/*.po))

$(VENV)/bin/python:
	@bash scripts/ensure_python_venv.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(PIP) install $(PIPFLAGS) --upgrade pip

# Installs are re-run when pyproject.toml changes (stamp files).
$(VENV)/.stamp-demo: pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -e ".[maps,reports]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -e ".[test]"
	touch $@ $(VENV)/.stamp-demo

venv: $(VENV)/.stamp-demo

gisplan/cli/locale/%/LC_MESSAGES/gisplan.mo: po/%.po gisplan/cli/_po.py | $(VENV)/bin/python
	$(PY) gisplan/cli/_po.py $< $@

catalogs: $(CATALOGS)

demo: $(VENV)/.stamp-demo $(CATALOGS)
	$(VENV)/bin/gisplan demo

# Debian programs the tests drive: chromium (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own), QGIS (python3-qgis) and pdftotext.
test-tools:
	@bash scripts/install_test_tools.sh

test: $(VENV)/.stamp-test test-tools $(CATALOGS)
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: $(VENV)/.stamp-test
	$(PIP) install $(PIPFLAGS) ruff
	$(VENV)/bin/ruff check gisplan tests scripts benchmarks

bench: $(VENV)/.stamp-test test-tools
	$(PIP) install $(PIPFLAGS) -e ".[bench]"
	$(PY) benchmarks/run.py

clean:
	rm -rf data/demo reports maps/*.html maps/assets build *.egg-info gisplan/cli/locale
