# Thin entry points: each target calls one tool. PYTHON only bootstraps .venv; everything else runs inside it.
PYTHON ?= python3
VENV := .venv/bin/python
PYTEST := $(VENV) -m pytest -q -n 2
DEV ?= CPU
export DEV

.PHONY: fuzz fuzz-smoke fuzz-triage fuzz-export sync test test-tools test-parity test-parity-backends parity-coverage lint patches-export patch-new patches-status patches-check pr pr-check mnist bench-models

# UPSTREAM=<branch or commit> moves the pin (online); DROP_MERGED=1 then drops patches upstream already has
sync:
	$(PYTHON) -m tools.sync $(if $(UPSTREAM),--upstream $(UPSTREAM)) $(if $(DROP_MERGED),--drop-merged)

# everything CI runs: the workbench's own tests, the parity suite, a smoke subset on the other CPU backends, a fuzz smoke run
test: test-tools test-parity test-parity-backends fuzz-smoke

test-tools:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m ruff check tools tests parity_tests
	$(PYTEST) tests
	$(VENV) -m tools.pr --all --fast

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

# the patch queue (see patches/README.md)
patches-export:
	$(VENV) -m tools.queue export

patch-new:
	$(VENV) -m tools.queue new "$(NAME)"

patches-status:
	$(VENV) -m tools.queue status $(if $(RELEASE),--release $(RELEASE))

patches-check:
	$(VENV) -m tools.queue check $(if $(RELEASE),--release $(RELEASE))

# upstream pull requests (tools/pr.py): PATCH= names a patch in patches/series; FAST=1 skips the newest-release check and benchmarks
pr:
	$(VENV) -m tools.pr "$(PATCH)"

pr-check:
	$(VENV) -m tools.pr --all $(if $(FAST),--fast)

# the differential fuzzer (tools/fuzz/): TIME= seconds, SEED=, OPS=exp,add,..., DEV= as everywhere
fuzz:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m tools.fuzz.campaign --time $(or $(TIME),600) --seed $(or $(SEED),0) $(if $(OPS),--ops $(OPS))

fuzz-smoke:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m tools.fuzz.campaign --smoke --time 110

fuzz-triage:
	$(VENV) -m tools.fuzz.triage $(RELEASE)

fuzz-export:
	$(VENV) -m tools.fuzz.export $(ID)

# MNIST offline (tools/mnist.py) with the conv net example from the patch stack: EPOCHS= BS= LR= SEED=; curve in build/mnist/
mnist:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m tools.mnist_best

# per example model: tinygrad (plain, TinyJit) vs torch forward and training-step times, and flash vs naive attention memory
bench-models:
	$(PYTHON) -m tools.sync --if-needed
	$(VENV) -m tools.bench_models
