# Everything runs in a project-local virtual environment made on first use, so a fresh machine
# needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit bench bench-lookup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/microlearn lessons check lessons
	$(BIN)/microlearn demo --lessons lessons

lint: $(STAMP)
	$(BIN)/ruff check bot scheduler storage tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench.lessons_bench
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.delivery_bench

# Lookup: quality on the real corpora (converted once into the user's cache folder) and the cost
# of lookup by meaning (its first run embeds 5,000 generated lessons: about ten minutes).
bench-lookup: $(STAMP)
	$(BIN)/python -m bench.corpora
	$(BIN)/python -m bench.semantic_bench
	$(BIN)/python -m bench.lookup_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
