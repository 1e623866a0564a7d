# Two commands on a fresh machine: `make serve` and `make test`. Everything else is installed
# from this repository's own files (pyproject.toml + uv.lock) into .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
STAMP := $(VENV)/.synced
# `make serve PORT=8001 HOST=0.0.0.0` (or the same names in the environment).
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs pytest on two processes (pytest-xdist), each taking whole files, since this
# kind of machine has two cores; `make test PYTEST_ARGS=` runs it on one, and PYTEST_ARGS
# passes anything else to pytest (`make test PYTEST_ARGS="-n 2 --dist loadfile tests/sql"`).
PYTEST_ARGS ?= -n 2 --dist loadfile
# `make serve` loads the demo people and their conversation into the database first (once:
# `mentorat demo` adds nothing when they are there). `make serve DEMO=0` serves the data as it is.
DEMO ?= 1

.PHONY: serve demo test lint format bench bench-quick clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet 'uv>=0.5'

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $(STAMP)

serve: $(STAMP)
ifeq ($(DEMO),1)
	$(VENV)/bin/mentorat demo
endif
	$(VENV)/bin/mentorat serve --host $(HOST) --port $(PORT)

demo: $(STAMP) ## example data (mentee owner, mentor Mentor_2, password Pass123!@); once is enough
	$(VENV)/bin/mentorat demo

test: $(STAMP) ## the whole suite: lint gates, types, architecture, then every test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest --durations=25 $(PYTEST_ARGS)

bench: $(STAMP) ## the full benchmark beside the DRF reference (about 10 minutes)
	$(VENV)/bin/python -m bench.run --write

bench-quick: $(STAMP) ## checks that the benchmarks still run end to end, on tiny datasets
	$(VENV)/bin/python -m bench.run --quick
	$(VENV)/bin/python -m bench.run --quick --directory
	$(VENV)/bin/python -m bench.run --quick --streams

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench && $(VENV)/bin/ruff format --check src tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format src tests bench && $(VENV)/bin/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache
