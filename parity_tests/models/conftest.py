"""Model parity: the ports under tinygrad/extra/models (added by the patch stack) against the real PyTorch packages.
Each test records its worst error, which goes into build/parity/report.md under the family `models`."""
from pathlib import Path
import numpy as np
import pytest
import torch
from tools.parity.profile import PROFILE
from tools.workbench import DEV, import_tinygrad_tree

import_tinygrad_tree()

@pytest.fixture
def compare(request):
  """compare(what, tiny, ref, atol, rtol): assert_allclose of a tinygrad tensor against a torch one, recorded for the report."""
  worst: dict[str, float] = {}
  def check(what: str, tiny, ref: torch.Tensor, atol: float, rtol: float):
    got, want = tiny.numpy(), ref.detach().numpy()
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=what)
    worst[what] = float(np.abs(got - want).max())
    request.node.user_properties.append(("parity", {"family": "models", "op": request.module.__name__.split(".")[-1][5:],
                                                    "abs": max(worst.values()), "tolerance": f"atol {atol:g} rtol {rtol:g}"}))
  return check

def pytest_collection_modifyitems(config, items):
  # the smoke profile is for the other backends, where these models would take hours (DEV=PYTHON emulates every op in Python)
  if PROFILE == "smoke":
    for item in items:
      if item.path.parent == Path(__file__).parent: item.add_marker(pytest.mark.skip(reason="model parity runs in the default profile only"))
  # the repeats test the port, not the backend: on CPU's other renderers (CPU:LLVM, CPU:X86), which CI runs after DEV=CPU, they would
  # take 13-15 minutes a renderer (measured in a fresh-clone `make test`) to check again what DEV=CPU checked
  elif (PROFILE == "default" or DEV.startswith("CPU:")) and (repeats := [i for i in items if i.get_closest_marker("full")]):
    config.hook.pytest_deselected(items=repeats)
    items[:] = [i for i in items if not i.get_closest_marker("full")]
