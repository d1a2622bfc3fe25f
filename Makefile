# Two commands do all the set-up on a fresh clone:
#   make serve   build the site and serve it on http://127.0.0.1:$(PORT)
#   make test    install everything from the pins, then run every check
# Both need only python3 (3.11+), pip and make.
#
# Where things live (see README.md): doctests/runner and doctests/spec run the
# examples and check implementations; doctests/sitegen builds the generated
# parts of the pages; doctests/measure makes the figures they show, each into
# one build/*.json file owned by doctests/builddata.py; tests/ only tests.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
ORACLE := .venv-oracle
PY := $(VENV)/bin/python
ORACLE_PY := $(ORACLE)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check --no-input
SHELL := bash
.SHELLFLAGS := -eo pipefail -c

.DEFAULT_GOAL := help
# Material's end-of-life banner cannot be turned off from mkdocs.yml.
export NO_MKDOCS_2_WARNING := 1
.PHONY: help env test inputs lint typecheck unit tooling servers load deploy package stress browser oracle fuzz bench docs doctest spec spec-oracle compat pyodide history serve lock clean distclean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

# What each generated input measures. Editing one of these remakes exactly
# the inputs that list it, and the site.
REFERENCE := $(wildcard reference_impl/*.py)
PAGES := $(shell find docs -name '*.md')
EXAMPLE_APPS := $(shell find docs/examples -name '*.py')
RUNNER := doctests/__main__.py doctests/builddata.py $(wildcard doctests/runner/*.py doctests/spec/*.py)
SITEGEN := $(shell find doctests/sitegen -type f) mkdocs.yml $(shell find docs/overrides docs/assets -type f)

# Each environment is rebuilt when its pins or the project metadata change.
$(VENV)/.installed: requirements/main.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) -r requirements/main.txt
	$(PY) -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e .
	$(PY) -c "import reference_impl, mkdocs, sybil, pytest_asyncio, starlette, fastapi"
	touch $@

# Starlette 0.29.0 cannot live beside today's FastAPI (it needs Starlette
# >= 0.46), so it gets an environment of its own.
$(ORACLE)/.installed: requirements/oracle.txt pyproject.toml
	$(PYTHON) -m venv $(ORACLE)
	$(ORACLE_PY) -m pip install $(PIP_QUIET) -r requirements/oracle.txt
	$(ORACLE_PY) -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e .
	$(ORACLE_PY) -c "import starlette, reference_impl; assert starlette.__version__ == '0.29.0', starlette.__version__"
	touch $@

env: $(VENV)/.installed $(ORACLE)/.installed  ## Create or refresh both environments

test: env lint typecheck unit inputs servers load package oracle doctest tooling deploy browser  ## Everything CI runs
	@echo "make test: all checks passed"

lint: $(VENV)/.installed  ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed  ## mypy --strict over reference_impl and the tooling (doctests, asgi_ws_spec)
	$(VENV)/bin/mypy

unit: $(VENV)/.installed  ## Unit tests of reference_impl, with the 100 % line and branch coverage gate
	$(PY) -m pytest tests/unit -p no:cacheprovider \
		--cov=reference_impl --cov-branch --cov-report=term-missing --cov-fail-under=100

# The page generators' tests read the generated inputs, so those come first.
tooling: docs  ## Tests of the example runner, the spec check and the page generators
	$(PY) -m pytest tests/docs -p no:cacheprovider

# The probe's test checks the figures this build measured.
servers: build/servers.json  ## The example apps on uvicorn, Hypercorn, Daphne and Granian; the five-server probe's figures
	$(PY) -m pytest tests/servers -p no:cacheprovider

load: $(VENV)/.installed  ## Scaled-down load and fault tests against the real examples
	$(PY) -m pytest tests/load -p no:cacheprovider

browser: docs  ## Browser tests of the built site (headless Chromium; skipped without it)
	BROWSER_TESTS_SITE_DIR=site $(PY) -m pytest tests/browser -p no:cacheprovider

# The deployment tests check the figures this build measured.
deploy: build/keepalive.json build/shutdown.json build/server-messages.json  ## Deployment: chat across processes (redis-server), nginx, keepalive, shutdown, server messages
	$(PY) -m pytest tests/deploy -p no:cacheprovider

package: $(VENV)/.installed  ## The install commands of README and the tutorial, run in a fresh venv outside the repository
	$(PY) -m pytest tests/package -p no:cacheprovider

oracle: $(ORACLE)/.installed  ## Differential test against Starlette 0.29.0
	$(ORACLE_PY) -m pytest tests/oracle -p no:cacheprovider

fuzz: $(ORACLE)/.installed  ## Differential fuzzing against Starlette 0.29, many more examples
	HYPOTHESIS_PROFILE=fuzz $(ORACLE_PY) -m pytest tests/oracle/test_fuzz_differential.py -p no:cacheprovider --timeout=0

# The generated inputs of the site. Each rule's command is the `command` its
# file has in doctests/builddata.py.
build/servers.json: doctests/measure/probe.py doctests/measure/probe_app.py doctests/builddata.py | $(VENV)/.installed
	$(PY) -m doctests.measure.probe

build/reliability.json: doctests/measure/reliability.py doctests/measure/load.py doctests/measure/load_server.py \
		docs/examples/echo.py docs/examples/chat.py $(REFERENCE) doctests/builddata.py | $(VENV)/.installed
	$(PY) -m doctests.measure.reliability --quick

build/bench.json: $(wildcard doctests/measure/bench*.py) docs/examples/echo.py $(REFERENCE) doctests/builddata.py \
		| $(VENV)/.installed $(ORACLE)/.installed
	$(PY) -m doctests.measure.bench --quick

build/compat-%.json: $(REFERENCE) $(PAGES) $(EXAMPLE_APPS) $(RUNNER) | $(VENV)/.installed
	$(PY) -m doctests --impl $*.websockets --quiet --exit-zero --report $@ > $@.log 2>&1 || { cat $@.log; exit 1; }

# Starlette 0.29.0 must pass every example tagged as its behaviour.
build/compat-starlette-0.29.json: $(REFERENCE) $(PAGES) $(EXAMPLE_APPS) $(RUNNER) | $(ORACLE)/.installed
	$(ORACLE_PY) -m doctests --impl starlette.websockets --require-tag starlette-0.29 --quiet --report $@

stress: $(VENV)/.installed  ## Load and fault tests at full scale (200 clients x 500 messages; about 30 min on 2 cores)
	$(PY) -m doctests.measure.reliability

bench: $(VENV)/.installed $(ORACLE)/.installed  ## Full benchmarks (also times the spec check and a docs build) -> build/bench.json
	$(PY) -m doctests.measure.bench

# `make spec IMPL=package.module` (or IMPL=path/to/file.py) checks any implementation.
IMPL ?= reference_impl.websockets
SPEC_FLAGS ?= --exclude-tag reference-only
spec: $(VENV)/.installed  ## Check IMPL=package.module against every docs example
	$(PY) -m doctests --impl $(IMPL) $(SPEC_FLAGS)

spec-oracle: build/compat-starlette-0.29.json  ## Starlette 0.29.0 passes every example of its behaviour

COMPAT := build/compat-starlette.json build/compat-fastapi.json
compat: $(COMPAT)  ## Run today's Starlette and FastAPI through the docs examples
	$(PY) -m doctests.spec.report $(COMPAT)

# What uvicorn does when a peer vanishes, when it shuts down, and the messages it prints.
build/keepalive.json: doctests/measure/keepalive.py doctests/measure/probe.py doctests/builddata.py | $(VENV)/.installed
	$(PY) -m doctests.measure.keepalive

build/shutdown.json: doctests/measure/shutdown.py doctests/measure/shutdown_app.py doctests/measure/probe.py \
		doctests/builddata.py | $(VENV)/.installed
	$(PY) -m doctests.measure.shutdown

build/server-messages.json: doctests/measure/server_messages.py doctests/measure/probe.py docs/examples/auth.py \
		$(REFERENCE) doctests/builddata.py | $(VENV)/.installed
	$(PY) -m doctests.measure.server_messages

# Starlette, release by release: a documented subset in every build, all of it with `make history`.
build/starlette-history.json: doctests/measure/history.py $(REFERENCE) $(PAGES) $(EXAMPLE_APPS) $(RUNNER) \
		| $(VENV)/.installed
	$(PY) -m doctests.measure.history --subset

history: $(VENV)/.installed  ## Every Starlette minor since 0.27 through the docs examples (needs PyPI) -> build/starlette-history.json
	$(PY) -m doctests.measure.history

# The in-browser Python runtime: fetched from the npm registry, sha512-checked.
PYODIDE := build/pyodide/0.29.5/SOURCE.json
$(PYODIDE): doctests/sitegen/pyodide.py | $(VENV)/.installed
	$(PY) -m doctests.sitegen.pyodide

pyodide: $(PYODIDE)  ## Fetch the pinned Pyodide from npm (sha512-checked) into build/pyodide/

GENERATED := $(PYODIDE) build/servers.json build/starlette-history.json \
	build/keepalive.json build/shutdown.json build/server-messages.json build/reliability.json build/bench.json $(COMPAT) build/compat-starlette-0.29.json
# Two at a time: much of their time is spent waiting on servers and timeouts,
# and two jobs on two cores leave the timing measurements undisturbed. The
# benchmark runs alone afterwards, so that nothing competes with it.
inputs: $(VENV)/.installed $(ORACLE)/.installed  ## Make every generated input of the site under build/
	$(MAKE) -j2 $(filter-out build/bench.json,$(GENERATED))
	$(MAKE) build/bench.json

site/.built: $(GENERATED) $(PAGES) $(EXAMPLE_APPS) $(REFERENCE) $(SITEGEN) | $(VENV)/.installed
	$(VENV)/bin/mkdocs build --strict --quiet
	touch $@

docs: site/.built  ## Build the site strictly into site/

# The one coverage-checked run of every example: rows, public names, the
# rendered reference (so the site comes first) and branches.
doctest: docs  ## Run every docs and docstring example; check what they cover
	$(PY) -m doctests.sitegen.inventory --check
	$(PY) -m doctests

serve: docs  ## Serve the built site on http://127.0.0.1:$(PORT)
	@echo "Serving the site on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory site

lock:  ## Re-resolve requirements/*.in into the pinned requirements/*.txt
	rm -rf /tmp/lock-main /tmp/lock-oracle
	$(PYTHON) -m venv /tmp/lock-main && /tmp/lock-main/bin/pip install $(PIP_QUIET) -r requirements/main.in
	(echo "# Generated by \`make lock\` from main.in: the exact versions CI uses."; /tmp/lock-main/bin/pip freeze --all | grep -v "^pip==") > requirements/main.txt
	$(PYTHON) -m venv /tmp/lock-oracle && /tmp/lock-oracle/bin/pip install $(PIP_QUIET) -r requirements/oracle.in
	(echo "# Generated by \`make lock\` from oracle.in: the exact versions CI uses."; /tmp/lock-oracle/bin/pip freeze --all | grep -v "^pip==") > requirements/oracle.txt

clean:  ## Remove everything generated except the two environments
	rm -rf site build artifacts .coverage .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -path ./$(ORACLE) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean  ## Remove the environments too
	rm -rf $(VENV) $(ORACLE)
