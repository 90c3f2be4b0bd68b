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
# pip shows what the build backend warns; setuptools' "Editable installation." is a note, not a
# warning: it says an editable install of this layout (layers/ installed as gisplan._layers) goes
# through an import finder. Hidden unless V=1.
PIPENV := $(if $(V),,PYTHONWARNINGS="ignore:Editable installation")
# recipe lines are not echoed unless V=1
Q := $(if $(V),,@)

.PHONY: demo test venv notebooks install-demo install-test test-tools lint bench clean catalogs

# the CLI's message catalogs (po/<lang>.po) compiled for gettext; `pip install` compiles them too
CATALOGS := $(patsubst po/%.po,gisplan/cli/locale/%/LC_MESSAGES/gisplan.mo,$(wildcard po/*.po))

$(VENV)/bin/python:
	@bash scripts/ensure_python_venv.sh $(PYTHON)
	@echo "creating $(VENV)"
	$(Q)$(PYTHON) -m venv $(VENV)
	$(Q)$(PIP) install $(PIPFLAGS) --upgrade pip

# Installs are re-run when pyproject.toml (the extras) or this file (which extras) changes
# (stamp files). The test extra includes everything the demo extra installs.
$(VENV)/.stamp-demo: pyproject.toml Makefile | $(VENV)/bin/python
	@echo "installing gisplan with the demo's extras (maps, reports, hazard, notebooks) into $(VENV)"
	$(Q)$(PIPENV) $(PIP) install $(PIPFLAGS) -e ".[demo]"
	$(Q)touch $@

$(VENV)/.stamp-test: pyproject.toml Makefile | $(VENV)/bin/python
	@echo "installing gisplan with the test extras into $(VENV)"
	$(Q)$(PIPENV) $(PIP) install $(PIPFLAGS) -e ".[test]"
	$(Q)touch $@ $(VENV)/.stamp-demo

venv: $(VENV)/.stamp-demo

gisplan/cli/locale/%/LC_MESSAGES/gisplan.mo: po/%.po gisplan/cli/_po.py | $(VENV)/bin/python
	$(Q)$(PY) gisplan/cli/_po.py $< $@

catalogs: $(CATALOGS)

demo: $(VENV)/.stamp-demo $(CATALOGS)
	$(Q)$(VENV)/bin/gisplan demo

# every notebook of notebooks/ run top to bottom on the demo data (after `make demo`); the
# notebooks stay unchanged, their files go to reports/notebooks/
notebooks: $(VENV)/.stamp-demo
	$(Q)mkdir -p reports/notebooks && cd notebooks && for nb in *.ipynb; do echo "running $$nb"; \
	  log=../reports/notebooks/$${nb%.ipynb}.log; \
	  ../$(VENV)/bin/jupyter-execute --timeout=1800 "$$nb" >"$$log" 2>&1 || { cat "$$log"; exit 1; }; done

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
