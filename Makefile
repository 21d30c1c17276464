# The two commands of the README quick start: `make demo` (the main job) and `make test`.
# Each sets up what it needs: the virtualenv, the local Kafka + Elasticsearch (fetched once, cached).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv system-demo system-test demo test fuzz chaos lint stack-up stack-down bench lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet --no-binary tesserocr -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Debian packages (Java/Maven for the stack, Tesseract for OCR; Chromium for the browser tests): installed
# when missing and run as root, otherwise one line naming the command.
system-demo:
	scripts/system-packages demo

system-test:
	scripts/system-packages test

stack-up: venv
	$(BIN)/dozor stack up

stack-down: venv
	$(BIN)/dozor stack down

demo: system-demo stack-up
	$(BIN)/dozor demo

test: system-test stack-up
	$(BIN)/pytest -q tests

# The property and API-schema tests with many more examples than `make test` runs (hypothesis profile `deep`).
fuzz: stack-up
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest -q tests/property tests/integration/test_prop_query_es.py \
		tests/integration/test_api_schemathesis.py

# The full chaos run (tests/chaos/run.py): 20,000 posts while services are killed, Elasticsearch is down
# a minute and the broker restarts, on a private Kafka + Elasticsearch of its own; prints the table.
chaos: system-demo venv
	$(BIN)/python -m tests.chaos.run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layering: pyproject.toml [tool.importlinter]

bench: stack-up
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Re-pin every dependency after changing pyproject.toml (commit constraints.txt).
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt
