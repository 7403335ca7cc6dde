# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean

# The example provider plugin is installed too: the tests drive it through the API.
$(STAMP): pyproject.toml examples/avatarium-parrot/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet -e examples/avatarium-parrot
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/avatarium serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy src

test: lint typecheck
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.http_throughput
	$(BIN)/python -m bench.tts
	$(BIN)/python -m bench.realtime
	$(BIN)/python -m bench.vendors

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
