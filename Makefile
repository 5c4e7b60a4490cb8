# Almanac: the two commands a new user needs are `make serve` and `make test`.
# Both create (once) and reuse a virtual environment in .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_SIZE ?= 10000
BENCH_ARGS ?=
BENCH_STAMP := $(VENV)/.bench-installed
POSTGRES_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
SOAK_SCALE ?= 5
SOAK_TIMEOUT ?= 1800
SOAK_TESTS := tests/reliability/test_crash_safety.py tests/reliability/test_many_processes.py

.PHONY: serve test test-postgres soak fuzz lint typecheck check messages bench caldav-compat clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Start the server on the embedded SQLite default (created and migrated automatically).
serve: $(STAMP)
	$(BIN)/almanac serve --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite; set ALMANAC_TEST_DATABASE_URL for another backend), then the linters.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
	$(MAKE) --no-print-directory check

## The same suite against the local PostgreSQL.
test-postgres: $(STAMP)
	ALMANAC_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## A longer run of the crash-safety and many-process tests, on SQLite then on the local PostgreSQL: SOAK_SCALE
## times their counts (SIGKILL rounds, writes, cross-process reads), each backend bounded by SOAK_TIMEOUT seconds.
## Servers listen on 127.0.0.1 only. Prints the figures the README quotes.
soak: $(STAMP)
	ALMANAC_SOAK_SCALE=$(SOAK_SCALE) timeout $(SOAK_TIMEOUT) $(BIN)/python -m pytest -p no:randomly -p no:xdist -s -q $(SOAK_TESTS)
	ALMANAC_SOAK_SCALE=$(SOAK_SCALE) ALMANAC_TEST_DATABASE_URL=$(POSTGRES_TEST_URL) timeout $(SOAK_TIMEOUT) \
		$(BIN)/python -m pytest -p no:randomly -p no:xdist -s -q $(SOAK_TESTS)

## A long, randomized schemathesis run of both REST faces: FUZZ_EXAMPLES examples per operation and mode
## (CI runs 24, derandomized). Prints the cases tried; each run appends a JSON line to fuzz-report.jsonl.
FUZZ_EXAMPLES ?= 500
fuzz: $(STAMP)
	ALMANAC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ALMANAC_FUZZ_RANDOM=1 ALMANAC_FUZZ_REPORT=fuzz-report.jsonl \
		$(BIN)/python -m pytest -n 2 -s -p no:randomly $(PYTEST_ARGS) tests/reliability/test_openapi_fuzz.py

check: lint typecheck
	$(BIN)/lint-imports --no-cache

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy bench

## The bench-only extras (psutil, the CalDAV peers) go into the same .venv, on top of the test tools.
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

## Generate a BENCH_SIZE-event store, start Almanac, the floors and the peers on 127.0.0.1, print the table
## and write bench/results/latest.json (see bench/README.md).
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --size $(BENCH_SIZE) $(BENCH_ARGS)

## Run caldav-server-tester against Almanac (fresh SQLite store, one user), Radicale and Xandikos, each on a
## free 127.0.0.1 port; print the verdict table and write bench/results/caldav-compat.json (≈ 4 min per server).
## CALDAV_COMPAT_ARGS=--peer-verdicts=tests/data/caldav_peer_verdicts.json renews the record make test holds
## Almanac's own verdict against (tests/dav/test_caldav_server_tester.py).
caldav-compat: $(BENCH_STAMP)
	$(BIN)/python -m bench.caldav_compat $(CALDAV_COMPAT_ARGS)

## Re-extract translatable messages and merge them into the catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k N_ --no-location --sort-output -o src/almanac/api/locales/messages.pot src/almanac
	$(BIN)/pybabel update -i src/almanac/api/locales/messages.pot -d src/almanac/api/locales --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
