"""One registry entry per op, in the spirit of torch's OpInfo: the two implementations, sample inputs, and known failures."""
from collections.abc import Callable
from dataclasses import dataclass, field
from tools.parity.inputs import Sample

@dataclass
class Op:
  name: str                    # the tinygrad Tensor API name this entry covers
  family: str
  tiny: Callable               # called with tinygrad Tensors in place of the sample's A specs
  torch: Callable              # called with torch tensors in the same places
  samples: list[Sample]
  grad: bool = True            # compare gradients of float inputs
  covers: tuple[str, ...] = ()  # further API names exercised by this entry (aliases, dunder forms)
  int32_for_int64: bool = False  # tinygrad gives int32 (its default int) where torch gives int64, by design; values still compared
  reference: bool = True       # whether running torch in float64 gives a meaningful reference
  xfail: dict[str, str] = field(default_factory=dict)  # sample id ("*" for all) -> why it fails at the pin (and the fixing patch)
  skip: dict[str, str] = field(default_factory=dict)  # DEV -> why the op cannot run on that backend here
  samples_fast: int = 2        # how many samples the smoke profile keeps

  @property
  def names(self) -> tuple[str, ...]: return (self.name, *self.covers)

def method(name: str, torch_name: str | None = None) -> tuple[Callable, Callable]:
  """Both sides as the same method call, which is how most ops are spelled in both APIs."""
  return (lambda x, *a, **k: getattr(x, name)(*a, **k)), (lambda x, *a, **k: getattr(x, torch_name or name)(*a, **k))

