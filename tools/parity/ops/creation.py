"""Creation ops with a deterministic torch counterpart (random ones draw from another generator, see the coverage list)."""
import torch
from tinygrad import Tensor, dtypes
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def static(name, torch_fn, samples, **kw) -> Op:
  return Op(name, "creation", lambda *a, **k: getattr(Tensor, name)(*a, **k), torch_fn, samples, grad=False, **kw)

# tinygrad's default int is int32 where torch's is int64: int32_for_int64 compares the values
OPS = [
  static("arange", torch.arange, [S(5), S(2, 9), S(1, 10, 3), S(5, 0, -2), S(0.5, 2.5, 0.25), S(0), S(1, 2, 0.3)], int32_for_int64=True),
  static("linspace", torch.linspace, [S(0, 1, 5), S(-2.5, 3, 7), S(1, 1, 1), S(3, -3, 4), S(0, 1, 0)]),
  static("eye", torch.eye, [S(3), S(2, 4), S(4, 2), S(0)]),
  static("full", lambda shape, v, **k: torch.full(shape, v, **k), [S((2, 3), 1.5), S((2, 3), 7), S((), True), S((0, 2), 1.0)], int32_for_int64=True),
  static("zeros", torch.zeros, [S(2, 3), S((2, 3)), S(0)]), static("ones", torch.ones, [S(2, 3), S((4,)), S(())]),
  # empty's values are undefined: zeroing both sides compares shape and dtype only
  Op("empty", "creation", lambda *s: Tensor.empty(*s).zeros_like(), lambda *s: torch.empty(*s).zero_(), [S(2, 3), S(0)], grad=False),
  Op("full_like", "creation", lambda x, v: x.full_like(v), torch.full_like, [S(A((2, 3)), 2.5), S(A((2, 3), "int32", 0, 3), 4)], grad=False),
  Op("zeros_like", "creation", lambda x: x.zeros_like(), torch.zeros_like, [S(A((2, 3))), S(A((2, 3), "bool"))], grad=False),
  Op("ones_like", "creation", lambda x: x.ones_like(), torch.ones_like, [S(A((2, 3))), S(A((0, 3), "int32", 0, 3))], grad=False),
  Op("empty_like", "creation", lambda x: x.empty_like().zeros_like(), lambda x: torch.empty_like(x).zero_(), [S(A((2, 3)))], grad=False),
  Op("Tensor", "creation", lambda v: Tensor(v), torch.tensor, [S([1.5, 2.0]), S([[1, 2], [3, 4]]), S([True, False]), S(2.5), S([])],
     grad=False, int32_for_int64=True),
  Op("cast:default-float", "creation", lambda v: Tensor(v, dtype=dtypes.default_float), lambda v: torch.tensor(v, dtype=torch.float32), [S([1, 2])],
     grad=False),
]
