# Two commands do all set-up on a machine with Python 3.11 and pip:
#   make run   installs (from uv.lock) and runs the main job on the bundled sample
#   make test  installs the same way, lints and runs the test suite
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(or $(shell command -v python3.11 2>/dev/null),python3)
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
# uv from PATH, else a private copy bootstrapped with pip into .tools/
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

# Offline and private: no telemetry, no interpreter downloads, project-local caches.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export DAGSTER_DISABLE_TELEMETRY := true
export GX_ANALYTICS_ENABLED := false
export UV_PYTHON_DOWNLOADS := never

DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: help install run test lint format dev clean bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	@echo "uv not found: installing uv $(UV_VERSION) into .tools/ with pip"
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

$(MANIFEST): $(BIN)/.installed $(DBT_SOURCES)
	$(BIN)/egov prepare

install: $(BIN)/.installed $(MANIFEST) ## create .venv from uv.lock and prepare the dbt manifest

run: install ## install, then run the main job on what is in landing/ (the sample on a fresh checkout)
	$(BIN)/egov run

test: install lint ## install, lint, run the test suite
	$(BIN)/pytest

bench: install ## speed benchmark P1-P3 + ~14.7 M dossiers (long, ~15 min; BENCH_ARGS="--only p1,p3")
	$(BIN)/python tests/benchmarks/bench.py $(BENCH_ARGS)

lint: install ## ruff (format check + lint) and sqlfluff
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	cd dbt_project && EGOV_BUILD_DB=$$(mktemp -d)/lint.duckdb ../$(BIN)/sqlfluff lint models tests macros

format: install ## apply ruff format and sqlfluff fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	cd dbt_project && EGOV_BUILD_DB=$$(mktemp -d)/lint.duckdb ../$(BIN)/sqlfluff fix models tests macros

dev: install ## start the Dagster UI (http://127.0.0.1:3000) on the same code location
	$(BIN)/egov dev

clean: ## remove the virtualenv, tools and dbt artefacts (keeps ./data)
	rm -rf $(VENV) .tools dbt_project/target dbt_project/logs
