"""The memory probe behind `make bench-models`, on real tinygrad buffers."""
from tinygrad import Tensor
from tools.bench.models import peak_buffer_memory

def test_peak_counts_buffers_alive_at_once():
  with peak_buffer_memory() as peak:
    a = Tensor.ones(1024, 1024).contiguous().realize()  # 4 MiB
    b = (a + 1).realize()  # 4 MiB more, with a still alive
    del a, b
    c = Tensor.ones(512, 1024).contiguous().realize()  # 2 MiB, into the room they left
  assert 8 <= peak() < 9
  assert c.shape == (512, 1024)
