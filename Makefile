# Two commands set up everything: `make demo` and `make test`.
# Each creates .venv on first use and installs only from the package registries.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo

.PHONY: demo test lint clean bench chromium postgresql

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# The Spark parity test runs where Java is: `make test` installs pyspark then (and tries
# Debian's JRE when Java is missing); without either the test skips and says why.
SPARK_STAMP := $(VENV)/.spark
$(SPARK_STAMP): $(STAMP)
	@command -v java >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null 2>&1 \
	  || echo "warning: no Java and none could be installed; the Spark test will be skipped"; }
	@if command -v java >/dev/null 2>&1; then $(BIN)/python -m pip install --quiet -e ".[test,spark]" && touch $(SPARK_STAMP); fi

demo: $(STAMP)
	$(BIN)/python -m wholepop.cli.demo --out $(DEMO)
	@echo "open the demo provider in the browser (wholepop serve, http://127.0.0.1:8050/):"
	@echo "  $(BIN)/wholepop serve --data $(DEMO)/data --ledger $(DEMO)/wholepop.duckdb"

test: $(STAMP) $(SPARK_STAMP) chromium postgresql
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# ruff over the tree under pyproject.toml's [tool.ruff] (tests/test_lint.py runs the same in `make test`).
# `$(BIN)/ruff check --fix src tests benchmarks` applies the safe fixes; review anything else by hand.
lint: $(STAMP)
	$(BIN)/python -m ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/stage_ratio.py --data $(DEMO) --year 2027

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

# Headless Chromium for the real-browser tests: Debian's package, installed when missing
# (no browser download by Playwright); if it cannot be installed the report's browser test
# skips and says why, and the web app's (tests/web/test_browser.py) fails.
APT_CHROMIUM = DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  ( $(APT_CHROMIUM) || ( $$SUDO apt-get update -qq && $(APT_CHROMIUM) ) ) \
	  || echo "warning: could not install chromium; the browser test will be skipped"; }

# A real PostgreSQL server for the shared-ledger tests: Debian's package, installed when
# missing (the tests run its initdb/pg_ctl in a temporary folder, as the postgres user when
# run as root). Unlike the browser, it is not optional: without it the ledger tests fail.
APT_POSTGRESQL = DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends postgresql
postgresql:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  ( $(APT_POSTGRESQL) || ( $$SUDO apt-get update -qq && $(APT_POSTGRESQL) ) ) \
	  || { echo "error: could not install postgresql; the ledger tests need it" >&2; exit 1; }; }
