# Two commands do all the set-up on a fresh clone:
#   make serve   build the site and serve it on http://127.0.0.1:$(PORT)
#   make test    install everything from the pins, then run every check
# Both need only python3 (3.11+), pip and make.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
ORACLE := .venv-oracle
PY := $(VENV)/bin/python
ORACLE_PY := $(ORACLE)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check --no-input
# This machine's pip config names local mirrors that may be absent; drop that
# noise but keep pip's real errors (pipefail makes a failed install fail).
HUSH := 2>&1 | { grep -v "^WARNING: Location" || true; }
SHELL := bash
.SHELLFLAGS := -eo pipefail -c

.DEFAULT_GOAL := help
# Material's end-of-life banner cannot be turned off from mkdocs.yml.
export NO_MKDOCS_2_WARNING := 1
.PHONY: help env test lint typecheck unit load stress browser oracle fuzz bench docs doctest spec spec-oracle compat serve lock clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

# Each environment is rebuilt when its pins or the project metadata change.
$(VENV)/.installed: requirements/main.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) -r requirements/main.txt $(HUSH)
	$(PY) -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . $(HUSH)
	$(PY) -c "import reference_impl, mkdocs, sybil, pytest_asyncio, starlette, fastapi"
	touch $@

# Starlette 0.29.0, the seed's own implementation, cannot live beside today's
# FastAPI (which needs Starlette 1.x), so it gets an environment of its own.
$(ORACLE)/.installed: requirements/oracle.txt pyproject.toml
	$(PYTHON) -m venv $(ORACLE)
	$(ORACLE_PY) -m pip install $(PIP_QUIET) -r requirements/oracle.txt $(HUSH)
	$(ORACLE_PY) -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . $(HUSH)
	$(ORACLE_PY) -c "import starlette, reference_impl; assert starlette.__version__ == '0.29.0', starlette.__version__"
	touch $@

env: $(VENV)/.installed $(ORACLE)/.installed  ## Create or refresh both environments

test: env lint typecheck spec-oracle load docs doctest unit browser oracle  ## Everything CI runs
	@echo "make test: all checks passed"

lint: $(VENV)/.installed  ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed  ## mypy --strict over reference_impl
	$(VENV)/bin/mypy

unit: $(VENV)/.installed  ## Unit tests with the 100 % line and branch coverage gate
	$(PY) -m pytest tests --ignore=tests/oracle --ignore=tests/browser --ignore=tests/load -p no:cacheprovider \
		--cov=reference_impl --cov-branch --cov-report=term-missing --cov-fail-under=100

# The load and fault tests run the examples in uvicorn subprocesses; their
# figures (build/reliability.json) feed the Reliability page.
load: $(VENV)/.installed  ## Scaled-down load and fault tests against the real examples
	$(PY) -m pytest tests/load -p no:cacheprovider

build/reliability.json: | $(VENV)/.installed
	$(MAKE) load

stress: $(VENV)/.installed  ## Load and fault tests at full scale (200 clients x 500 messages; about 30 min on 2 cores)
	$(PY) tests/load/stress.py --clients 200 --messages 500 --out build/reliability-stress.json

browser: docs  ## Browser tests of the built site (headless Chromium; skipped without it)
	BROWSER_TESTS_SITE_DIR=site $(PY) -m pytest tests/browser -p no:cacheprovider

oracle: $(ORACLE)/.installed  ## Differential test against Starlette 0.29.0
	$(ORACLE_PY) -m pytest tests/oracle -p no:cacheprovider

fuzz: $(ORACLE)/.installed  ## Differential fuzzing against Starlette 0.29, many more examples
	HYPOTHESIS_PROFILE=fuzz $(ORACLE_PY) -m pytest tests/oracle/test_fuzz_differential.py -p no:cacheprovider --timeout=0

# Generated pages read measurements made by running code; each is remade
# when the code it measures changes.
build/servers.json: $(VENV)/.installed tests/servers/probe.py
	$(PY) tests/servers/probe.py --out $@

# The spec check (issue 4): the docs examples run against an implementation.
# `make spec IMPL=package.module` checks any importable implementation.
IMPL ?= reference_impl.websockets
SPEC_FLAGS ?= --exclude-tag reference-only
spec: $(VENV)/.installed  ## Check IMPL=package.module against every docs example
	$(PY) -m doctests --impl $(IMPL) $(SPEC_FLAGS)

# Starlette 0.29.0, the seed's own implementation, must pass every seed-spec example.
spec-oracle: $(ORACLE)/.installed  ## Starlette 0.29.0 passes every seed-spec example
	$(ORACLE_PY) -m doctests --impl starlette.websockets --require-tag seed --quiet --report build/compat-starlette-0.29.json

# Today's Starlette and FastAPI diverge from the seed: their reports feed the
# generated Compatibility page, so they are remade before every site build.
compat: $(VENV)/.installed  ## Run today's Starlette and FastAPI through the docs examples
	@mkdir -p build
	@for impl in starlette fastapi; do \
		$(PY) -m doctests --impl $$impl.websockets --quiet --exit-zero --report build/compat-$$impl.json \
			> build/compat-$$impl.log 2>&1 || { cat build/compat-$$impl.log; exit 1; }; \
		echo "compat: $$impl.websockets $$(tail -n 1 build/compat-$$impl.log | sed 's/ passed, / agree, /; s/ failed/ diverge (see the Compatibility page)/')"; \
	done

# A quick benchmark run feeds the Performance page on a fresh clone;
# `make bench` remakes it with the full run.
# It times a strict site build, so the other generated pages' inputs come first.
build/bench.json: | $(VENV)/.installed $(ORACLE)/.installed build/servers.json build/reliability.json compat
	$(PY) tests/benchmarks/run.py --quick --out $@

bench: $(VENV)/.installed $(ORACLE)/.installed  ## Benchmarks -> build/bench.json (Performance page)
	$(PY) tests/benchmarks/run.py --out build/bench.json

docs: $(VENV)/.installed build/servers.json build/bench.json build/reliability.json compat  ## Build the site strictly into site/
	$(VENV)/bin/mkdocs build --strict --quiet

doctest: docs  ## Run every docs and docstring example; check what they cover
	$(PY) -m doctests.inventory --check
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

clean:  ## Remove environments and build output
	rm -rf $(VENV) $(ORACLE) site .coverage .pytest_cache .mypy_cache .ruff_cache
