# `make demo` and `make test` each build .venv from nothing but python3, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@mkdir -p build/demo
	$(BIN)/clusterer dedup samples/feed.jsonl --output build/demo/dedup.jsonl --groups build/demo/groups.json
	$(BIN)/clusterer storylines samples/feed.jsonl --json build/demo/storylines.json

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check clusterer tests scripts
	$(BIN)/mypy clusterer

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
