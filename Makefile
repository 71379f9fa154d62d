# Every target bootstraps its own virtual environment, so a fresh machine needs only
# Python >= 3.11 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_DIR ?= .comity/demo
HOST ?= 127.0.0.1
# Node i of the demo network serves officers on BASE_PORT+i and other nodes on BASE_PORT+100+i.
BASE_PORT ?= 8401

.PHONY: run scenario scenario-all test test-faults load soak check lint bench clean venv catalogues

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,case]'
	rm -f $(VENV)/.installed-*
	touch $@

## Start three demo nodes XA, XB, XC (own SQLite, keys, blobs each) with a signed directory and
## demo users of every role; reuses $(DEMO_DIR); Ctrl-C stops them all.
run: venv
	$(BIN)/comity demo up --dir $(DEMO_DIR) --base-port $(BASE_PORT) --host $(HOST)

## In another terminal while `make run` runs: an MLA and an emergency preservation XA -> XB.
scenario: venv
	$(BIN)/comity demo scenario --dir $(DEMO_DIR)

## The scenario, then every practice life cycle walked to its end (moves the demo clock forward).
scenario-all: venv
	$(BIN)/comity demo scenario --all --dir $(DEMO_DIR)

## Run the fast tiers (unit, integration, e2e, browser) with coverage gates (90 % overall,
## 100 % on the domain). The hardening tier has its own target, test-faults.
test: venv
	$(BIN)/python -m pytest -n 2 --ignore=tests/faults --cov --cov-report=term --cov-fail-under=90 $(PYTEST_ARGS)
	$(BIN)/python -m coverage report --include='src/comity/domain/*' --fail-under=100

## The hardening tier (issue 9): crash points, partitions, duplication, PostgreSQL restarts,
## disk full, clock, fuzzing, byte flips, stateful models, schemathesis as every role, XSS,
## the access matrix and sessions; then the figures reached against security-test-plan §7
## tier C (the report prints even when a test fails; either failing fails the target).
FIGURES_DIR ?= build/figures
test-faults: venv
	rm -rf $(FIGURES_DIR)
	@status=0; COMITY_FIGURES_DIR=$(FIGURES_DIR) $(BIN)/python -m pytest -n 2 tests/faults --junitxml=$(FIGURES_DIR)/junit.xml $(PYTEST_ARGS) || status=$$?; \
	echo "== Figures reached (security-test-plan §7, tier C)"; \
	COMITY_FIGURES_DIR=$(FIGURES_DIR) $(BIN)/python -m tests.figures || status=1; \
	exit $$status

## Load: a three-node demo network on loopback under a mixed locust load (officers' pages, API,
## inter-node messages) for COMITY_LOAD_SECONDS; prints p50/p95/p99 per operation.
load: venv
	$(BIN)/python -m loadtest.run

## Soak (not in CI): the same load for COMITY_SOAK_MINUTES, watching the nodes' memory.
soak: venv
	$(BIN)/python -m loadtest.soak

## Static checks: formatting, lint, strict typing, layer contracts.
check: venv
	$(BIN)/ruff format --check src tests benchmarks loadtest
	$(BIN)/ruff check src tests benchmarks loadtest
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

## Benchmarks: figures and ratios against a baseline measured in the same run.
bench: venv
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## Translation catalogues: extract the pages' strings and the catalogue's text, then add the
## new ones (untranslated) to every language's .po file. Translate them before committing:
## tests/unit/test_ui_catalogues.py and test_catalogue_text.py fail on a missing translation.
catalogues: venv
	$(BIN)/pybabel extract -F babel.cfg -o src/comity/web/locale/messages.pot --no-location --omit-header --sort-output -k N_ .
	$(BIN)/pybabel update -i src/comity/web/locale/messages.pot -d src/comity/web/locale -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m comity.web.ui.catalogue_text

## Reformat and autofix what ruff can.
lint: venv
	$(BIN)/ruff format src tests benchmarks loadtest
	$(BIN)/ruff check --fix src tests benchmarks loadtest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
