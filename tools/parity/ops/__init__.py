"""The op registry: every family's entries in one list, with the known differences from torch (tools/parity/known.py) as xfails."""
from tools.parity.known import KNOWN, parity_xfails
from tools.parity.ops import conv, creation, elementwise, host, indexing, linalg, movement, nn, reduce, state
from tools.workbench import DEV

FAMILIES = [elementwise, reduce, movement, indexing, linalg, conv, nn, creation, host, state]
OPS = [op for fam in FAMILIES for op in fam.OPS]

def _attach_known_failures():
  by_name = {op.name: op for op in OPS}
  # a stale entry (renamed op or sample) must not silently stop marking anything, on any backend
  for name, sample in (s.split("/", 1) for k in KNOWN for s in k.parity):
    ok = name in by_name and (sample == "*" or sample in {s.id for s in by_name[name].samples})
    assert ok, f"tools/parity/known.py names no sample {name}/{sample}"
  for (name, sample), reason in parity_xfails(DEV).items(): by_name[name].xfail[sample] = reason

_attach_known_failures()
