# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make run   - start the local host on the embedded backends: the storefront at
#                http://127.0.0.1:7071/, the API at http://127.0.0.1:7071/api
#   make test  - ruff, mypy and the whole test suite (also needs Node.js 20 and npm, for the
#                Cosmos DB stand-in of the contract suite and axe-core; as root with apt it
#                installs Debian's Chromium for the browser tests when it is missing)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 7071
# The Cosmos DB stand-in (npm), pinned by its package-lock.json and patched by patch-package.
COSMOSDB_STAND_IN := tests/stand_ins/cosmosdb
COSMOSDB_STAMP := $(COSMOSDB_STAND_IN)/node_modules/.installed
# The function folders are type-checked with the code they call.
FUNCTION_FOLDERS := $(patsubst %/function.json,%,$(wildcard */function.json))
TYPED := shared local_host local_platform tools tests/stand_ins $(FUNCTION_FOLDERS)
# checkov (scans infra/) in a virtualenv of its own: it pins about a hundred packages. uv installs
# it, and our own virtualenv, in seconds where pip takes about a minute.
IAC_VENV := .venv-iac
IAC_STAMP := $(IAC_VENV)/.installed
UV_VERSION := 0.13.9

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here)
# and inject axe-core from npm (pinned in tests/browser/package-lock.json).
CHROMIUM := /usr/bin/chromium
AXE_STAMP := tests/browser/node_modules/.installed

.PHONY: run run-web run-worker test check lint format types pytest stand-ins browser-deps \
	test-azure chaos fuzz bench dead-letters clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	touch $(STAMP)

# npm ci installs exactly the locked versions, then applies the patches (postinstall).
$(COSMOSDB_STAMP): $(COSMOSDB_STAND_IN)/package.json $(COSMOSDB_STAND_IN)/package-lock.json \
		$(wildcard $(COSMOSDB_STAND_IN)/patches/*.patch)
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed for the Cosmos DB stand-in"; exit 1; }
	cd $(COSMOSDB_STAND_IN) && npm ci --no-audit --no-fund --loglevel=error
	touch $(COSMOSDB_STAMP)

stand-ins: $(COSMOSDB_STAMP)

$(IAC_STAMP): requirements-iac.txt
	test -x $(IAC_VENV)/bin/python || $(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	$(IAC_VENV)/bin/uv pip install --quiet --python $(IAC_VENV)/bin/python -r requirements-iac.txt
	touch $(IAC_STAMP)

run: $(STAMP)
	$(BIN)/python -m local_host --port $(PORT)

run-web: $(STAMP)
	$(BIN)/python -m local_host --port $(PORT) --role web

run-worker: $(STAMP)
	$(BIN)/python -m local_host --role worker

test: check pytest

check: lint types

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: $(STAMP)
	$(BIN)/mypy $(TYPED)

# tests/infra runs checkov from $(IAC_VENV).
# Two workers (pytest-xdist), a test file each at a time: most tests wait on subprocess hosts and
# stand-in servers, so the two cores overlap that waiting. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2
pytest: $(STAMP) stand-ins browser-deps $(IAC_STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

browser-deps: $(CHROMIUM) $(AXE_STAMP)

# On a fresh Debian machine (as root) apt installs Chromium, about two minutes once; elsewhere
# this stops with the command to run.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "$(CHROMIUM) is missing; install it with: sudo apt-get update && sudo apt-get install -y chromium"; \
		exit 1; \
	fi

$(AXE_STAMP): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for axe-core: apt-get install -y npm"; exit 1; }
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $(AXE_STAMP)

# The contract suite against Cosmos DB and Service Bus - the emulators of docker-compose.yml or
# Azure - configured by environment variables named like the app settings (CosmosDbConnection,
# ServiceBusConnection, ...; see docs/functions-host.md). Only the Azure variants run (-m azure);
# a backend whose settings are missing is skipped, and -rs prints the setting it lacks.
test-azure: $(STAMP)
	$(BIN)/pytest tests/contract -m azure -rs

# The reliability proof: 500 orders per fault mode through separate web and worker processes,
# then a table of accepted / placed / lost / duplicated counts (see docs/reliability.md).
chaos: $(STAMP)
	$(BIN)/python -m tests.chaos --orders 500

# A longer Schemathesis campaign than make test's against a fresh local host, every check on;
# prints its totals (see docs/api.md). FUZZ_EXAMPLES per operation and phase.
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz --max-examples $(FUZZ_EXAMPLES)

# The app against the machine's raw limits, one table (see docs/performance.md); under 3 minutes.
# BASELINE=<git ref> measures that ref's app side by side. wrk comes from Debian when missing
# (without it the bench falls back to its Python client, and says so).
bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y -q -o DPkg::Lock::Timeout=120 wrk >/dev/null \
		|| echo "wrk could not be installed; measuring with the Python client"
	$(BIN)/python -m tests.bench $(if $(BASELINE),--baseline $(BASELINE))

# Poison messages and dead letters of the SubmitOrder queue (see docs/reliability.md).
dead-letters: $(STAMP)
	$(BIN)/python -m tools.dead_letters list

clean:
	rm -rf $(VENV) $(IAC_VENV) .data .pytest_cache .mypy_cache .ruff_cache .artifacts \
		$(COSMOSDB_STAND_IN)/node_modules tests/browser/node_modules
