"""The memory probe and the timer behind `make bench-models`, on real tinygrad buffers and real calls."""
from tinygrad import Tensor
from tools.bench.models import REPEAT, interleaved_ms, peak_buffer_memory

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
  assert order[5:] == ["torch", "tiny", "sync"] * REPEAT
  assert len(ms) == 2 and all(t >= 0 for t in ms)
