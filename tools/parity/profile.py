"""Which samples each parity profile runs (PARITY=): smoke, the first samples of each op, for slow backends; default, the main job's;
full, everything, which CI runs on every CPU backend that compiles (the models' repeats on DEV=CPU only)."""
import os
import pytest
from tools.parity.inputs import A

PROFILE = os.environ.get("PARITY", "default")
PLAIN = 3  # random-value samples of an op the default profile keeps

def samples(op) -> list:
  """default: every named sample (edge values, kinks, ties, empty reductions), every zero-size one, and the first PLAIN others; the rest
  repeat a class (another shape or view of random values)."""
  if PROFILE == "smoke": return op.samples[:op.samples_fast]
  if PROFILE == "full": return op.samples
  named = lambda s: s.name or any(isinstance(a, A) and 0 in a.shape for a in s.args)
  plain = [s for s in op.samples if not named(s)][:PLAIN]
  return [s for s in op.samples if named(s) or any(s is p for p in plain)]

def full(*values):
  """A model test's parametrized case that repeats a class the default profile runs (another mask, length or optimizer)."""
  return pytest.param(*values, marks=pytest.mark.full)
