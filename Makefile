# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make run HOST=0.0.0.0 PORT=8080` (on make's command line: some shells export HOST as the machine's name)
HOST = 127.0.0.1
PORT = 8000
# Accounts registered on a local `make run` get this tier, so that a first session is not throttled
# (the server's own default is free, as on the hosted API): `make run SIGNUP_TIER=free` for that.
SIGNUP_TIER ?= pro

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> Creating the virtual environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Updating pip"
	@$(BIN)/pip install --quiet --upgrade pip wheel
	@$(BIN)/python -c 'import llama_cpp' 2>/dev/null || echo "==> Installing dependencies. llama-cpp-python is compiled \
	from source on the first install: about 4 minutes on 2 cores, then pip reuses the wheel it built."
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)
	@echo "==> Installed"

run: $(STAMP)
	AVATARIUM_SIGNUP_TIER=$${AVATARIUM_SIGNUP_TIER:-$(SIGNUP_TIER)} $(BIN)/avatarium serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

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
