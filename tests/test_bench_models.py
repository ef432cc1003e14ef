"""The memory probe and the timer behind `make bench-models`, on real tinygrad buffers and real calls."""
import types
import numpy as np, torch
from tinygrad import Tensor
from tools.bench.models import REPEAT, Case, interleaved_ms, peak_buffer_memory

def test_peak_counts_buffers_alive_at_once():
  with peak_buffer_memory() as peak:
    a = Tensor.ones(1024, 1024).contiguous().realize()  # 4 MiB
    b = (a + 1).realize()  # 4 MiB more, with a still alive
    del a, b
    c = Tensor.ones(512, 1024).contiguous().realize()  # 2 MiB, into the room they left
  assert 8 <= peak() < 9
  assert c.shape == (512, 1024)

def test_interleaved_takes_turns():
  order: list[str] = []
  ms = interleaved_ms((lambda: order.append("torch"), lambda: None), (lambda: order.append("tiny"), lambda: order.append("sync")))
  assert order[:5] == ["torch", "torch", "tiny", "tiny", "sync"]  # warm-ups, then each run synced before the clock stops
  assert order[5:] == ["torch", "torch", "tiny", "sync", "tiny", "sync"] * REPEAT  # each timed call right after one of its own
  assert len(ms) == 2 and all(t >= 0 for t in ms)

def test_a_train_step_leaves_no_gradient_on_the_constants_a_model_keeps():
  """backward gives every live float tensor in the graph a .grad, a cached constant too, and adds to it at every step."""
  positions = Tensor.arange(4).float().realize()
  model = types.SimpleNamespace(w=Tensor.ones(4).contiguous().realize())
  case = Case("toy", None, None, [np.ones(4, np.float32)], (torch.nn.Linear(1, 1), model, lambda x: (model.w * x * positions).sum(), None))
  train_step = dict((name, call) for name, _, call in case.steps())["train step"]
  for _ in range(2): train_step(Tensor.ones(4))
  assert positions.grad is None and model.w.grad is None
  np.testing.assert_allclose(model.w.numpy(), 1 - 2e-3 * np.arange(4), rtol=1e-6)  # it ran: two SGD steps (lr 1e-3), grad = positions
