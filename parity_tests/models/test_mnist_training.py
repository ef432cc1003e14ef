"""Training parity on real MNIST: the same MLP and conv net in tinygrad and torch, from identical weights, on identical
batches, with SGD (momentum) and Adam. Losses must agree at every step and the weights at the end.

Tolerance: |loss_tiny - loss_torch| <= 1e-3 + 1e-2 * |loss_torch| at each step; final weights within atol 1e-3, rtol 1e-3
(SGD) or atol 5e-3 (Adam scales every update to about lr = 1e-3, so a weight whose gradient is nearly zero moves on float32
noise). Measured: SGD runs agree to about 1e-6, Adam to about 1e-3; a wrong gradient or update breaks the bounds at once.
The conv net pools with averages: with max pooling, saturated pixels give exactly tied maxima, tinygrad splits the gradient
among ties where torch gives it to one, and the runs part after about 40 steps (both are valid subgradients). SGD uses
lr 0.01: at 0.05 the conv net's training is chaotic and float32 rounding alone separates the runs.
MNIST_STEPS= (default 100) and MNIST_BATCH= (default 32) set the run; the table goes to build/parity/mnist-training.md."""
import os
import numpy as np
import pytest
from tools.parity.profile import full
import torch
from tinygrad import Tensor, TinyJit, nn
from tools.mnist import data as mnist
from tools.workbench import ROOT

STEPS, BATCH = int(os.environ.get("MNIST_STEPS", 100)), int(os.environ.get("MNIST_BATCH", 32))
# the smoke profile is for the other backends (DEV=PYTHON emulates every op in Python): 100 training steps would take hours
pytestmark = pytest.mark.skipif(os.environ.get("PARITY") == "smoke", reason="training parity runs in the default profile only")

def torch_model(kind: str) -> torch.nn.Module:
  torch.manual_seed(0)
  if kind == "mlp": return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
  return torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.AvgPool2d(2), torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU(),
                             torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16 * 5 * 5, 10))

class TinyModel:
  """The same layers in tinygrad, weights copied from the torch module."""
  def __init__(self, ref: torch.nn.Module):
    self.layers = []
    for m in ref:
      if isinstance(m, torch.nn.Linear): layer = nn.Linear(m.in_features, m.out_features)
      elif isinstance(m, torch.nn.Conv2d): layer = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size)
      else:
        self.layers.append({torch.nn.Flatten: lambda x: x.flatten(1), torch.nn.ReLU: Tensor.relu, torch.nn.AvgPool2d: Tensor.avg_pool2d}[type(m)])
        continue
      layer.weight.assign(Tensor(m.weight.detach().numpy().copy())).realize()
      layer.bias.assign(Tensor(m.bias.detach().numpy().copy())).realize()
      self.layers.append(layer)
  def __call__(self, x: Tensor) -> Tensor: return x.sequential(self.layers)

@pytest.fixture(scope="module")
def batches() -> list[tuple[np.ndarray, np.ndarray]]:
  data = mnist.load()
  rng = np.random.default_rng(0)
  idx = rng.permutation(len(data["x_train"]))[:STEPS * BATCH].reshape(STEPS, BATCH)
  return [(((data["x_train"][i] / 255 - 0.1307) / 0.3081).astype(np.float32)[:, None], data["y_train"][i].astype(np.int64)) for i in idx]

@pytest.mark.parametrize("kind,opt", [("mlp", "sgd"), full("mlp", "adam"), full("conv", "sgd"), ("conv", "adam")])
def test_training_matches_torch(kind, opt, batches):
  ref = torch_model(kind)
  tiny = TinyModel(ref)
  params = nn.state.get_parameters(tiny)
  if opt == "sgd": topt, gopt = torch.optim.SGD(ref.parameters(), lr=0.01, momentum=0.9), nn.optim.SGD(params, lr=0.01, momentum=0.9)
  else: topt, gopt = torch.optim.Adam(ref.parameters(), lr=1e-3), nn.optim.Adam(params, lr=1e-3)

  @TinyJit
  @Tensor.train()
  def step(x: Tensor, y: Tensor) -> Tensor:
    gopt.zero_grad()
    loss = tiny(x).sparse_categorical_crossentropy(y).backward()
    # realized together with the update: realized after it, the lazy loss would read the updated weights
    return loss.realize(*gopt.schedule_step())

  worst = 0.0
  for i, (x, y) in enumerate(batches):
    topt.zero_grad()
    want = torch.nn.functional.cross_entropy(ref(torch.from_numpy(x)), torch.from_numpy(y))
    want.backward()
    topt.step()
    got = step(Tensor(x), Tensor(y.astype(np.int32))).item()
    worst = max(worst, abs(got - want.item()) / (1e-3 + 1e-2 * abs(want.item())))
    assert abs(got - want.item()) <= 1e-3 + 1e-2 * abs(want.item()), f"step {i}: tinygrad loss {got}, torch {want.item()}"
  errs = []
  for (name, w), p in zip(ref.named_parameters(), params):
    np.testing.assert_allclose(p.numpy(), w.detach().numpy(), atol=1e-3 if opt == "sgd" else 5e-3, rtol=1e-3,
                               err_msg=f"{kind}/{opt}: {name} after {len(batches)} steps")
    errs.append(np.abs(p.numpy() - w.detach().numpy()).max())
  # one row file per case (tests may run in several processes), then the table from all rows there
  rows = ROOT / "build" / "parity" / "mnist-training"
  rows.mkdir(parents=True, exist_ok=True)
  (rows / f"{kind}-{opt}.row").write_text(f"| {kind}/{opt} | {STEPS} | {BATCH} | {want.item():.4f} | {worst:.3f} | {max(errs):.2e} |\n")
  head = "| model/optimizer | steps | batch | final loss (torch) | worst loss gap (in tolerances) | max weight diff |\n|---|---|---|---|---|---|\n"
  (rows.parent / "mnist-training.md").write_text(head + "".join(f.read_text() for f in sorted(rows.glob("*.row"))))
