# The two commands of the README: `make run` and `make test`. Both build their own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit serve bench clean system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## Open the desktop app in solo mode (embedded Postgres and broker, demo data on first run).
run: $(STAMP)
	$(BIN)/salesos

## Lint, type-check, architecture contracts, then the whole test suite.
test: system-deps lint typecheck unit

## Debian packages the tests run for real: dovecot (the IMAP server of the email tests).
## Installed when missing and we are root; otherwise the exact command is printed.
SYSTEM_PACKAGES := dovecot-imapd
system-deps:
	@if ! command -v dovecot >/dev/null 2>&1 && ! test -x /usr/sbin/dovecot; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing $(SYSTEM_PACKAGES) (the tests start a real IMAP server)"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES); \
		else \
			echo "dovecot is missing; the email tests need it. Install it with:" >&2; \
			echo "    sudo apt-get install $(SYSTEM_PACKAGES)" >&2; \
			exit 1; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

serve: $(STAMP)
	$(BIN)/salesos serve --all

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
