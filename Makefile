# The two commands of the README: `make demo` and `make test`. Each installs what it needs
# into .venv (pinned by requirements.lock) and re-installs only when the pins change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PINS := $(shell cat requirements.lock pyproject.toml Makefile | sha1sum | cut -c1-12)
STAMP := $(VENV)/.installed-$(PINS)

export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
export PYTHAINLP_OFFLINE := 1

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	# Bytecode now, once: where PYTHONDONTWRITEBYTECODE is set (CI images often do), every
	# process (muban, dbt, the validate runs) would otherwise compile dagster, dbt and GE
	# from source at each start, ~5 s apiece.
	$(BIN)/python -m compileall -q -j 0 $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP)
	$(BIN)/muban demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The dbt templater opens the profile's database: give it a scratch one, not the warehouse,
	# and its own target folder (the project's keeps the parse state `muban validate` reuses).
	cd dbt_project && MUBAN_WORK_DB=$(CURDIR)/.venv/sqlfluff.duckdb \
		DBT_TARGET_PATH=$(CURDIR)/.venv/sqlfluff-target ../$(BIN)/sqlfluff lint models --processes 2

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) warehouse/landing warehouse/simulated_api warehouse/truth
