# The two commands in the README are `make demo` and `make test`; CI runs `make check` (lint, typecheck, test).
.PHONY: setup demo test test-fast lint typecheck check

VENV := .venv/bin

setup:
	@scripts/setup.sh

demo: setup
	$(VENV)/sanctiongraph demo

test:
	@scripts/setup.sh --browser
	$(VENV)/pytest

test-fast: setup
	$(VENV)/pytest -m "not slow"

# lint and typecheck set up first, so `make check` (CI's `.ci/run`) works on a clean clone.
lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

typecheck: setup
	$(VENV)/mypy

check: lint typecheck test
