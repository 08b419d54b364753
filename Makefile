# evgw developer commands. `make help` lists them. CI runs `make test` (see .ci/run).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export PYO3_PYTHON := $(abspath $(PY))
RUST_SOURCES := $(shell find rust benches -name '*.rs' 2>/dev/null) Cargo.toml build.rs

.PHONY: help install build run test lint lint-rust lint-python test-rust test-python bench loadtest clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps -e examples/evgw-fleet-plugin
	touch $@

install: $(VENV)/.installed ## create .venv and install evgw with its dev tools

$(VENV)/.built: $(VENV)/.installed $(RUST_SOURCES)
	$(VENV)/bin/maturin develop --release --quiet
	touch $@

build: $(VENV)/.built ## build the Rust extension (release) into the venv

run: build ## start the demo: gateway on embedded SQLite plus a simulated fleet
	$(VENV)/bin/evgw demo

lint-rust: install ## cargo fmt --check and clippy -D warnings
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings

lint-python: install ## ruff and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

lint: lint-rust lint-python ## all static checks

test-rust: ## Rust unit and property tests
	cargo test --quiet

test-python: build ## pytest (unit, integration, interop; PostgreSQL when EVGW_TEST_PG_URL is set)
	$(VENV)/bin/pytest -q

test: lint test-rust test-python ## everything CI runs

bench: build ## codec benchmarks (Rust criterion, and the binding vs the ocpp package)
	cargo bench --bench codec
	$(PY) tests/benchmarks/bench_codec.py

loadtest: build ## short version of every load-test scenario (a few minutes; reports in loadtests/out)
	$(PY) -m loadtests --short loadtests/scenarios/steady.toml loadtests/scenarios/throughput.toml \
		loadtests/scenarios/bootstorm.toml loadtests/scenarios/capacity.toml \
		loadtests/scenarios/chaos.toml loadtests/scenarios/mixed201.toml \
		loadtests/scenarios/mixed201_tls.toml

clean: ## remove build outputs and the venv
	rm -rf target $(VENV) python/evgw/_core*.so
