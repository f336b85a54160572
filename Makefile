# `make demo` and `make test` each build .venv from nothing but python3, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (log: $(VENV)/install.log)"
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(BIN)/python -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@mkdir -p build/demo
	$(BIN)/clusterer dedup samples/feed.jsonl --output build/demo/dedup.jsonl --groups build/demo/groups.json
	$(BIN)/clusterer storylines samples/feed.jsonl --json build/demo/storylines.json
	$(BIN)/clusterer report build/demo/storylines.json --output build/demo/report.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check clusterer tests scripts
	$(BIN)/mypy clusterer

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
