"""Every registry entry, every sample: tinygrad against torch, forward and backward."""
import pytest
from tools.parity.profile import PROFILE, samples
from tools.parity.run import run
from tools.parity.ops import OPS
from tools.workbench import DEV

def cases():
  for op in OPS:
    for sample in samples(op):
      reason, skip = op.xfail.get(sample.id) or op.xfail.get("*"), op.skip.get(DEV)
      marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
      yield pytest.param(op, sample, id=f"{op.family}/{op.name}/{sample.id}", marks=marks + ([pytest.mark.skip(reason=skip)] if skip else []))

@pytest.mark.parametrize("op, sample", list(cases()))
def test_parity(op, sample, request):
  out = run(op, sample, request.node.nodeid, timed=PROFILE == "full")
  worst = max(out.verdicts, key=lambda v: v.ulp_err, default=None)
  request.node.user_properties.append(("parity", {"family": op.family, "op": op.name, "tiny_s": out.tiny_s, "torch_s": out.torch_s,
    "abs": worst.abs_err if worst else 0.0, "rel": worst.rel_err if worst else 0.0, "ulp": worst.ulp_err if worst else 0.0,
    "tolerance": worst.tolerance if worst else "", "failure": "; ".join(out.failures)}))
  assert not out.failures, f"{op.name}({sample.id}): " + "; ".join(out.failures)
