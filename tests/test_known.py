"""Every fuzz suppression in tools/parity/known.py is live: its repro (tools/parity/known_repros.json) still fails at the pin with the
stack, with exactly that signature, and, for an entry of some backends, on those backends only. A fixed bug fails this test until its
signature leaves the list, as a fixed parity xfail fails the parity suite."""
import pytest
from tools import toolchain
from tools.fuzz import findings
from tools.fuzz.worker import Worker
from tools.parity import known
from tools.workbench import DEV

RUNNABLE = toolchain.runnable()
SIGS = [(k, s) for k in known.KNOWN for s in k.fuzz]
REPROS = known.repros()

def test_each_signature_has_one_repro():
  sigs = [s for _, s in SIGS]
  assert not (missing := [s for s in sigs if s not in REPROS]), f"no repro for {missing}: `make fuzz-harvest OPS=...` finds one"
  assert not (unused := sorted(set(REPROS) - set(sigs))), f"repros of no entry in tools/parity/known.py: {unused}"
  assert not (twice := sorted({s for s in sigs if sigs.count(s) > 1})), f"signatures in more than one entry: {twice}"

@pytest.fixture(scope="module")
def workers():
  ws = {}
  yield lambda dev: ws.setdefault(dev, Worker(timeout=120, dev=dev))
  for w in ws.values(): w.stop()

@pytest.mark.parametrize("entry,sig", SIGS, ids=[s for _, s in SIGS])
def test_repro_still_shows_its_signature(entry, sig, workers):
  if (program := REPROS.get(sig)) is None: pytest.fail(f"no repro for {sig}")
  devs = RUNNABLE if entry.backends else [DEV]
  if entry.backends and not set(entry.backends) & set(devs): pytest.skip(f"none of {', '.join(entry.backends)} runs here")
  results = {d: workers(d).run(program) for d in devs}
  failing = [d for d, r in results.items() if r["status"] == "fail"]
  assert failing, f"{sig} no longer fails ({entry.reason[:80]}...): remove it from tools/parity/known.py"
  got = findings.signature(program, results[failing[0]])
  assert got == sig, f"the repro of {sig} now fails as {got}: {results[failing[0]].get('message', '')[:200]}"
  if entry.backends: assert set(failing) <= set(entry.backends), f"{sig} also fails on {sorted(set(failing) - set(entry.backends))}"
