"""The registry must cover every public op of the installed tinygrad that has a torch counterpart; the rest carry a reason."""
from tools.parity.coverage import report

def test_every_public_op_is_covered_or_explained():
  _, missing, _, stale = report()
  assert not missing, f"public tinygrad ops with no parity test and no reason in tools/parity/no_counterpart.py: {missing}"
  assert not stale, f"tools/parity/no_counterpart.py lists names that are gone from the API or covered after all: {stale}"
