"""Indexing: getitem and setitem, gather, scatter, scatter_reduce, masked_select, nonzero, one_hot."""
import torch
import torch.nn.functional as F
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def idx(shape, values=None, lo=0, hi=2) -> A:
  """An int64 index tensor (torch's gather and scatter take no other index dtype)."""
  return A(shape, "int64", lo, hi, values=values)

# basic and advanced indexing, each key a readable name for the index it applies
GETITEM = {"int": lambda x: x[1], "negative": lambda x: x[-1, ::2], "newaxis": lambda x: x[None, 1:3], "ellipsis": lambda x: x[..., 0],
           "step": lambda x: x[::2, 1::2], "empty-slice": lambda x: x[2:1], "int-and-slice": lambda x: x[1:, -2]}

def setitem(index):
  """x[index] = v on a fresh copy: tinygrad assigns into a realized buffer, torch into a clone."""
  def f(x, v):
    y = x.clone() if isinstance(x, torch.Tensor) else x.contiguous().realize()
    y[index] = v
    return y
  return f

def delitem(x, i):
  del x[i]
  return x

OPS = [
  Op("__delitem__", "indexing", delitem, delitem, [S(A((3, 4)), 1)], grad=False),  # both must refuse
  *[Op("__getitem__", "indexing", f, f, [S(A((3, 4, 5)), name=n)]) for n, f in GETITEM.items()],
  Op("__getitem__:tensor", "indexing", lambda x, i: x[i], lambda x, i: x[i],
     [S(A((4, 5)), idx((3,), [0, 3, 3])), S(A((4, 5)), idx((2, 2), [1, -1, 0, 2])), S(A((4, 5), view="T"), idx((3,), [0, 3, 1])),
      S(A((4, 5)), idx((2,), [1, 4]), name="out-of-bounds")], covers=("__getitem__",)),
  Op("__getitem__:tensors", "indexing", lambda x, i, j: x[i, j], lambda x, i, j: x[i, j],
     [S(A((4, 5)), idx((3,), [0, 3, 1]), idx((3,), [4, 0, 2])), S(A((4, 5)), idx((2, 1), [0, 3]), idx((3,), [4, 0, 2]))], covers=("__getitem__",)),
  Op("__getitem__:slice-and-tensor", "indexing", lambda x, i: x[1:3, i], lambda x, i: x[1:3, i], [S(A((4, 5)), idx((3,), [0, 4, 4]))]),
  *[Op("__setitem__", "indexing", setitem(index), setitem(index), [S(A((4, 5)), v, name=n)], grad=False) for n, index, v in [
     ("slice,scalar", (slice(1, 3),), 7.5), ("int,row", 2, A((5,))), ("step,broadcast", (slice(None), slice(None, None, 2)), A((1, 3)))]],
  Op("gather", "indexing", lambda x, d, i: x.gather(d, i), torch.gather,
     [S(A((3, 4)), 1, idx((3, 2), hi=3)), S(A((3, 4)), 0, idx((2, 4), hi=2)), S(A((3, 4)), -1, idx((3, 6), hi=3)), S(A((3, 4)), 1, idx((0, 2))),
      S(A((4, 3), view="T"), 0, idx((2, 3), hi=2)), S(A((3, 4)), 1, idx((3, 1), [0, -1, 2]), name="negative-index")]),
  Op("scatter", "indexing", lambda x, d, i, s, **k: x.scatter(d, i, s, **k), lambda x, d, i, s, **k: x.scatter(d, i, s, **k),
     [S(A((3, 5)), 1, idx((3, 2), [0, 4, 1, 2, 3, 0]), A((3, 2))), S(A((3, 5)), 0, idx((2, 5), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]), A((2, 5))),
      S(A((3, 5)), 1, idx((3, 2), [0, 4, 1, 2, 3, 0]), 2.5), S(A((3, 5)), 1, idx((3, 2), [0, 0, 1, 1, 2, 2]), 2.0, reduce="add", name="dup,add"),
      S(A((3, 5)), 1, idx((3, 2), [0, 0, 1, 1, 2, 2]), 2.0, reduce="multiply", name="dup,multiply"),
      S(A((3, 5)), 1, idx((3, 2), [0, 0, 1, 1, 2, 2]), A((3, 2)), reduce="add", name="tensor-src,add")]),
  *[Op("scatter_reduce", "indexing", lambda x, d, i, s, **k: x.scatter_reduce(d, i, s, **k), lambda x, d, i, s, **k: x.scatter_reduce(d, i, s, **k),
       [S(A((3, 5)), 1, idx((3, 4), [0, 0, 4, 1, 2, 2, 2, 3, 1, 1, 0, 4]), A((3, 4)), reduce=r, name=f"{r}"),
        S(A((3, 5)), 1, idx((3, 4), [0, 0, 4, 1, 2, 2, 2, 3, 1, 1, 0, 4]), A((3, 4)), reduce=r, include_self=False, name=f"{r},exclude-self")]
       # self tied with three src values: torch gives each of the four a quarter of the gradient
       + ([S(A((3, 5), values=(0,) * 15), 1, idx((3, 4), [0, 0, 4, 1, 2, 2, 2, 3, 1, 1, 0, 4]), A((3, 4), values=(0,) * 12), reduce=r,
             name=f"{r},ties")] if r in ("amax", "amin") else []))
    for r in ("sum", "prod", "mean", "amax", "amin")],
  Op("masked_select", "indexing", lambda x, m: x.masked_select(m), torch.masked_select,
     [S(A((3, 4)), A((3, 4), "bool")), S(A((3, 4)), A((1, 4), "bool"))]),
  Op("nonzero", "indexing", lambda x: x.nonzero(), torch.nonzero,
     [S(A((3, 4), "bool")), S(A((3, 4), "int32", -1, 1)), S(A((5,), values=[0.0, 1, 0, -2, 0]))],
     grad=False, int32_for_int64=True),
  Op("one_hot", "indexing", lambda x, n: x.one_hot(n), F.one_hot, [S(idx((4,), hi=4), 5), S(idx((2, 3), hi=2), 3)], grad=False, int32_for_int64=True),
]
