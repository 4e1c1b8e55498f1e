# Kokemuspankki: `make run` serves the app locally, `make test` runs the whole
# test suite on SQLite and on a throwaway PostgreSQL server.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
# Arguments for pytest, e.g. `make test PYTEST_ARGS="-x -k login"`; by default two
# workers (one per core), each with its own databases and browser server.
PYTEST_ARGS ?= -n 2
export PYTEST_ARGS

.PHONY: run test test-sqlite test-postgres lint translations system-deps

# The virtualenv and the pinned packages; the stamp files are newer than the
# requirements they installed, so pip runs again only when those change.
$(PY):
	PYTHON3=$(PYTHON3) tests/support/system-deps.sh venv
	rm -rf $(VENV)
	$(PYTHON3) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

## run: set up the database (DATABASE_URL, default SQLite in instance/) and serve on PORT (5000)
run: $(VENV)/.installed-runtime translations
	$(FLASK) db upgrade
	$(FLASK) load-reference
	$(FLASK) seed-demo --if-empty
	BANK_IBAN=$${BANK_IBAN:-FI2112345600000785} BANK_BIC=$${BANK_BIC:-NDEAFIHH} \
		$(FLASK) run --host 127.0.0.1 --port $${PORT:-5000}

# Compile the message catalogs, if there are any yet.
translations: $(VENV)/.installed-runtime
	@if compgen -G "app/translations/*/LC_MESSAGES/*.po" >/dev/null; then \
		$(VENV)/bin/pybabel compile -d app/translations; \
	fi

# PostgreSQL and Chromium from Debian packages (installed only when root).
system-deps:
	tests/support/system-deps.sh tests

## test: the whole suite on SQLite, then on a throwaway PostgreSQL, then the backup drill
test: $(VENV)/.installed-dev system-deps translations
	PYTHON=$(PY) tests/support/run-suite.sh all
	PYTHON=$(PY) tests/support/backup-drill.sh

test-sqlite: $(VENV)/.installed-dev system-deps translations
	PYTHON=$(PY) tests/support/run-suite.sh sqlite

test-postgres: $(VENV)/.installed-dev system-deps translations
	PYTHON=$(PY) tests/support/run-suite.sh postgres

## backup-drill: pg_dump a database with demo data, restore it into a fresh one, upgrade, smoke test
.PHONY: backup-drill
backup-drill: $(VENV)/.installed-dev system-deps translations
	PYTHON=$(PY) tests/support/backup-drill.sh

## screenshots: every page of every role at 1280 and 390 px into docs/screenshots/ (see its README)
.PHONY: screenshots
SCREENSHOTS_ARGS ?= -n 2
screenshots: $(VENV)/.installed-dev system-deps translations
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q -p no:cacheprovider \
		tests/browser/screenshots.py $(SCREENSHOTS_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check app tests

## bench-batch: make payment batches of 50, 500 and 5,000 approved payouts on a throwaway PostgreSQL
.PHONY: bench-batch
bench-batch: $(VENV)/.installed-dev system-deps
	state=$$(tests/support/pg-server.sh start); eval "$$state"; \
		trap 'tests/support/pg-server.sh stop "$$PG_DIR"' EXIT; \
		$(PY) -m tests.bench.bench_batch --database postgres --url "$$PG_URL"

## bench-matching: time matching with 10,000 experts and 200,000 assignments on SQLite and a throwaway PostgreSQL
.PHONY: bench-matching
bench-matching: $(VENV)/.installed-dev system-deps
	@echo "=== Matching benchmark on SQLite ==="
	$(PY) -m tests.bench.bench_matching --database sqlite
	@echo "=== Matching benchmark on PostgreSQL ==="
	state=$$(tests/support/pg-server.sh start); eval "$$state"; \
		trap 'tests/support/pg-server.sh stop "$$PG_DIR"' EXIT; \
		$(PY) -m tests.bench.bench_matching --database postgres --url "$$PG_URL"

## bench-cluster: requests per second of one and of two gunicorn instances behind HAProxy (throwaway PostgreSQL and Redis)
.PHONY: bench-cluster
bench-cluster: $(VENV)/.installed-dev system-deps translations
	state=$$(tests/support/pg-server.sh start); eval "$$state"; \
		trap 'tests/support/pg-server.sh stop "$$PG_DIR"' EXIT; \
		$(PY) -m tests.bench.bench_cluster --url "$$PG_URL" $(BENCH_ARGS)

## bench-pages: key pages at 1×, 10× and 100× data under gunicorn next to a bare Flask endpoint; writes docs/benchmarks.md
.PHONY: bench-pages
bench-pages: $(VENV)/.installed-dev system-deps translations
	state=$$(tests/support/pg-server.sh start); eval "$$state"; \
		trap 'tests/support/pg-server.sh stop "$$PG_DIR"' EXIT; \
		$(PY) -m tests.bench.bench_pages --url "$$PG_URL" $(BENCH_ARGS)
