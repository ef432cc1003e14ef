# Thin entry points: each target calls one tool. PYTHON only bootstraps .venv; everything else runs inside it.
PYTHON ?= python3
VENV := .venv/bin/python
PYTEST := $(VENV) -m pytest -q -n 2
DEV ?= CPU
export DEV

.PHONY: sync test test-tools test-parity test-parity-backends parity-coverage lint

sync:
	$(PYTHON) -m tools.sync

# everything CI runs: the workbench's own tests, the parity suite, and a smoke subset on the other CPU backends
test: test-tools test-parity test-parity-backends

test-tools:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m ruff check tools tests parity_tests
	$(PYTEST) tests

test-parity:
	$(PYTHON) -m tools.sync --if-needed
	$(PYTEST) parity_tests --junitxml=build/parity/junit.xml

test-parity-backends:
	$(PYTHON) -m tools.sync --if-needed
	DEV=PYTHON PARITY=smoke $(PYTEST) parity_tests --junitxml=build/parity/junit-python.xml
	DEV=CPU:LLVM PARITY=smoke $(PYTEST) parity_tests --junitxml=build/parity/junit-llvm.xml

parity-coverage:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m tools.parity_coverage
