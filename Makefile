# Everything runs in a project-local virtual environment made on first use, so a fresh machine
# needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: install demo test lint typecheck unit bench bench-lookup clean

# The bot alone (what the demo needs): the development tools (a learning record store for the
# xAPI tests, the browser driver, the linters) come with the first `make test` or `make install`.
$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME)

install: $(STAMP)

demo: $(RUNTIME)
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
