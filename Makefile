# Thin entry points: each target calls one tool. PYTHON only bootstraps .venv; everything else runs inside it.
PYTHON ?= python3
VENV := .venv/bin/python
PYTEST := $(VENV) -m pytest -q -n 2
DEV ?= CPU
export DEV

.PHONY: fuzz fuzz-harvest fuzz-smoke fuzz-stack fuzz-triage fuzz-export sync test test-tools test-parity test-parity-backends parity-coverage lint patches-export patch-new patches-status patches-check pr pr-check mnist test-cluster bench-fuzz bench-guidance bench-models explain

# UPSTREAM=<branch or commit> moves the pin (online); DROP_MERGED=1 then drops patches upstream already has
sync:
	$(PYTHON) -m tools.stack.sync $(if $(UPSTREAM),--upstream $(UPSTREAM)) $(if $(DROP_MERGED),--drop-merged)

# everything CI runs: lint, the workbench's own tests, the full parity profile on every CPU backend, fuzz smoke runs
test: test-tools test-parity-backends fuzz-smoke fuzz-stack

test-tools: lint
	DEV=CPU:LLVM $(PYTHON) -m tools.stack.sync --if-needed  # tests/ run CPU:LLVM too: this installs libllvm19 where it is missing
	$(PYTEST) tests
	$(VENV) -m tools.stack.pr --all --fast

# PARITY=default (the main job: every named, edge-value and zero-size sample, 3 others per op, the models' main cases),
# full (everything, and tinygrad's time per op) or smoke (the first samples of each op)
test-parity:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(PYTEST) parity_tests --junitxml=build/parity/junit.xml

# the full parity profile on every CPU backend (PYTHON, which emulates every op in Python, on the ops: the models would take
# hours there), then build/parity/backends.md: every backend side by side, with any GPU run's samples-<DEV>.json copied into build/parity/
test-parity-backends:
	DEV=CPU:LLVM $(PYTHON) -m tools.stack.sync --if-needed
	@rc=0; for dev in CPU CPU:LLVM CPU:X86; do echo "== parity on DEV=$$dev, PARITY=full"; PARITY=full DEV=$$dev $(PYTEST) parity_tests || rc=1; done; \
	echo "== parity on DEV=PYTHON, PARITY=full, the ops"; PARITY=full DEV=PYTHON $(PYTEST) parity_tests/test_ops.py || rc=1; \
	$(VENV) -m tools.parity.backends; exit $$rc

# ruff with pyproject.toml's config over the workbench's own code (tinygrad/ has upstream's config, which `make pr` applies)
lint:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m ruff check tools tests parity_tests

parity-coverage:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.parity.coverage

# the patch queue (see patches/README.md)
patches-export:
	$(VENV) -m tools.stack.queue export

patch-new:
	$(VENV) -m tools.stack.queue new "$(NAME)"

patches-status:
	$(VENV) -m tools.stack.queue status $(if $(RELEASE),--release $(RELEASE))

patches-check:
	$(VENV) -m tools.stack.queue check $(if $(RELEASE),--release $(RELEASE))

# upstream pull requests (tools/pr.py): PATCH= names a patch in patches/series; FAST=1 skips the newest-release check and benchmarks
pr:
	$(VENV) -m tools.stack.pr "$(PATCH)"

pr-check:
	$(VENV) -m tools.stack.pr --all $(if $(FAST),--fast)

# the differential fuzzer (tools/fuzz/): TIME= seconds, SEED=, OPS=exp,add,..., JOBS= campaigns side by side (default: one per core),
# BACKENDS=CPU,PYTHON, EVERY=1 (each program on every backend, not on one in turn), FANOUT=1 (each program on every backend at once),
# GUIDED=1 (coverage guidance, tools/fuzz/reach.py), CLUSTER= a Ray cluster's address (or local; tools/fuzz/cluster.py);
# the report goes to build/fuzz/report.md
fuzz:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.fuzz.campaign --time $(or $(TIME),600) --seed $(or $(SEED),0) $(if $(OPS),--ops $(OPS)) $(if $(BACKENDS),--backends $(BACKENDS)) $(if $(JOBS),--jobs $(JOBS)) $(if $(CLUSTER),--cluster $(CLUSTER)) $(if $(GUIDED),--guided) $(if $(FANOUT),--fan-out) $(if $(EVERY),--every-backend)

# the cluster path on this machine: a local Ray instance with two jobs (installs pyproject.toml's cluster extra into .venv first)
test-cluster:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m pip install -q --disable-pip-version-check "$$($(VENV) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["cluster"])')"
	$(PYTEST) tests/test_cluster.py

fuzz-smoke:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.fuzz.campaign --smoke --time 110

# a live repro for each signature tools/parity/known.py suppresses that it meets (tools/parity/known_repros.json): TIME= SEED= OPS=
fuzz-harvest:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.fuzz.campaign --harvest --time $(or $(TIME),300) --seed $(or $(SEED),0) $(if $(OPS),--ops $(OPS))

fuzz-triage:
	$(VENV) -m tools.fuzz.triage $(RELEASE)

# programs over the ops the patch stack touches, on the plain pin and with the stack: fails on any the stack makes worse
fuzz-stack:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.fuzz.regressions --examples $(or $(EXAMPLES),300)

fuzz-export:
	$(VENV) -m tools.fuzz.export $(ID)

# MNIST offline (tools/mnist.py) with the conv net example from the patch stack: EPOCHS= BS= LR= SEED=; curve in build/mnist/
mnist:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.mnist.train

# how tinygrad lowers one expression (tools/explain/): EXPR="(x @ w).relu().sum(1)" SHAPES="x=4x8,w=8x3" VARS="n:1..8=3" BACKENDS=CPU,CPU:LLVM
explain:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.explain "$(EXPR)" --shapes "$(SHAPES)" --vars "$(VARS)" --backends "$(BACKENDS)"

# the campaign's programs/s and findings per hour at JOBS=1, at JOBS= (default: one per core) and at one job with the backends
# fanned out (FANOUT=1 of make fuzz), TIME= seconds each, and where a program's time goes
bench-fuzz:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.bench.fuzz --time $(or $(TIME),120) $(if $(JOBS),--jobs $(JOBS)) $(if $(BACKENDS),--backends $(BACKENDS))

# JOBS= jobs unguided and coverage-guided (GUIDED=1 of make fuzz), TIME= seconds each from one seed, as findings per hour
bench-guidance:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.bench.fuzz --guidance --time $(or $(TIME),600) $(if $(JOBS),--jobs $(JOBS)) $(if $(BACKENDS),--backends $(BACKENDS))

# per example model: tinygrad (plain, TinyJit) vs torch forward and training-step times, and flash vs naive attention memory
bench-models:
	$(PYTHON) -m tools.stack.sync --if-needed
	$(VENV) -m tools.bench.models
