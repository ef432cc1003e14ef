"""Sample inputs: array specs turned into the same numpy data for both frameworks, optionally seen through a non-contiguous view."""
import zlib
from dataclasses import dataclass, field
import numpy as np

@dataclass(frozen=True)
class A:
  """An input array: its shape as the op sees it, dtype, value range, and how it is viewed.
  view='T' builds the reversed shape and permutes it back; view='step' builds a doubled last dim and slices [..., ::2]."""
  shape: tuple[int, ...]
  dtype: str = "float32"
  low: float = -2.0   # upstream test_ops draws floats uniform in [-2, 2)
  high: float = 2.0
  view: str | None = None
  grad: bool = True   # whether gradients w.r.t. this input are compared (float inputs only)
  values: tuple | None = None  # fixed values instead of random ones (index tensors, edge cases)

  def __repr__(self):
    v = {"T": " permuted", "step": " strided"}.get(self.view or "", "")
    return f"{self.dtype}{list(self.shape)}{v}"

  @property
  def is_float(self): return np.dtype(self.dtype).kind == "f"

  def base_shape(self) -> tuple[int, ...]:
    if self.view == "T": return self.shape[::-1]
    if self.view == "step": return (*self.shape[:-1], self.shape[-1] * 2)
    return self.shape

  def make(self, rng: np.random.Generator) -> np.ndarray:
    shape, dt = self.base_shape(), np.dtype(self.dtype)
    if self.values is not None: return np.asarray(self.values, dtype=dt).reshape(shape)
    if dt == np.bool_: return rng.random(shape) < 0.5
    if dt.kind in "iu": return rng.integers(int(self.low), int(self.high), shape, endpoint=True).astype(dt)
    return rng.uniform(self.low, self.high, shape).astype(dt)

  def view_of(self, x):
    """Applies the view to a torch or tinygrad tensor: both spell permute and basic slicing the same way."""
    if self.view == "T": return x.permute(*range(len(self.shape) - 1, -1, -1))
    if self.view == "step": return x[..., ::2]
    return x

@dataclass
class Sample:
  """One call of an op: positional args (A specs or plain values), keyword args, and an optional name for its test id."""
  args: tuple
  kwargs: dict = field(default_factory=dict)
  name: str | None = None

  @property
  def id(self) -> str:
    if self.name: return self.name
    parts = [repr(a) if isinstance(a, A) else _short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
    return ",".join(parts).replace(" ", "")

def S(*args, name: str | None = None, **kwargs) -> Sample: return Sample(args, kwargs, name)

def _short(v) -> str:
  if isinstance(v, (list, tuple)): return "(" + ",".join(_short(x) for x in v) + ")"
  if isinstance(v, A): return repr(v)
  return repr(v)

def rng_for(test_id: str) -> np.random.Generator:
  """Seeded by the test id, so a test sees the same data whatever order or worker runs it."""
  return np.random.default_rng(zlib.crc32(test_id.encode()))
