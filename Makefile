# `make demo` and `make test` each build .venv from nothing but python3, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

FUZZ_EXAMPLES ?= 2000

.PHONY: setup install demo test fuzz lint bench clean

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV) (log: $(VENV)/install.log)"
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --upgrade pip > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(BIN)/python -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@touch $(STAMP)

setup: $(STAMP)

# The `clusterer` command for daily use: a wheel of this checkout, with its dependencies
# (no dev tools), installed into the environment of $(PYTHON), e.g. the active venv.
install:
	$(PYTHON) -m pip install .

demo: $(STAMP)
	@mkdir -p build/demo
	$(BIN)/clusterer dedup samples/feed.jsonl --output build/demo/dedup.jsonl --groups build/demo/groups.json
	$(BIN)/clusterer storylines samples/feed.jsonl --json build/demo/storylines.json --similarity 0.1
	$(BIN)/clusterer report build/demo/storylines.json --output build/demo/report.html

# The ci hypothesis profile: derandomized, the same examples on every run (tests/conftest.py).
# -n auto: one pytest worker per core (pytest-xdist); results do not depend on it.
test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -q -n auto

# Property tests only, random seeds, FUZZ_EXAMPLES examples each (`make fuzz FUZZ_EXAMPLES=500`).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -m fuzz

lint: $(STAMP)
	$(BIN)/ruff check clusterer tests scripts
	$(BIN)/mypy clusterer tests scripts

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
