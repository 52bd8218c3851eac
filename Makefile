# Two commands matter: `make run` and `make test`. Everything else is listed by `make help`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= city
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/dangjian
PYTEST_ARGS ?=
STAMP := $(VENV)/.installed

.PHONY: help setup run test test-sqlite test-postgres browser-deps bench lint migrate demo clean

help:
	@echo "make run            set up, migrate, load demo data, serve on $(HOST):$(PORT)"
	@echo "make test           set up and run the whole suite on SQLite and PostgreSQL"
	@echo "make test-sqlite    the suite on SQLite only"
	@echo "make test-postgres  the suite on PostgreSQL only (PG_TEST_URL=$(PG_TEST_URL))"
	@echo "make bench          benchmarks at SCALE=$(SCALE) (small|city), JSON in bench/out/"
	@echo "make lint           ruff"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 $(PYTHON)（Python 3.11）: apt-get install python3.11"; exit 1; }
	@# Debian splits venv out of the interpreter's package.
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3.11-venv >/dev/null; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/pip install --disable-pip-version-check -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/dangjian migrate --noinput

demo: migrate
	$(BIN)/dangjian demo

# The worker (reminders and other scheduled and background work) runs beside the server and
# stops with it.
run: demo
	$(BIN)/dangjian worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null; wait $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/dangjian runserver $(HOST):$(PORT) --noreload

# Debian's Chromium drives the browser tests; install it where it is missing.
browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: setup browser-deps test-sqlite test-postgres

test-sqlite: setup browser-deps
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: setup browser-deps
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: setup
	mkdir -p bench/out
	$(BIN)/dangjian bench --scale $(SCALE) --json bench/out/$(SCALE).json

lint: setup
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var bench/out
