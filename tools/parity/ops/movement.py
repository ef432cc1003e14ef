"""Movement ops: reshapes, permutes, pads, slices, flips, rolls, repeats, joins and splits."""
import torch
import torch.nn.functional as F
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op, method

def movement(name, samples, torch_fn=None, **kw) -> Op:
  tiny, pt = method(name)
  return Op(name, "movement", tiny, torch_fn or pt, samples, **kw)

# einops-style formulas and the plain torch they mean
REARRANGE = {"a b c -> c a b": lambda x: x.permute(2, 0, 1), "a b c -> a (b c)": lambda x: x.reshape(x.shape[0], -1),
             "(a b) c -> a b c": lambda x: x.reshape(2, -1, x.shape[1]), "a b c -> (c b) a": lambda x: x.permute(2, 1, 0).reshape(-1, x.shape[0])}

def pad_to(x, *shape):
  return F.pad(x, [p for d in reversed(range(x.ndim)) for p in (0, shape[d] - x.shape[d])])

OPS = [
  movement("reshape", [S(A((3, 4)), (4, 3)), S(A((3, 4)), (2, -1)), S(A((3, 4)), (12,)), S(A((1,)), ()), S(A((0, 4)), (4, 0)),
                       S(A((4, 3), view="T"), (2, 6)), S(A((2, 6), view="step"), (6,))], covers=("view",)),
  movement("permute",
           [S(A((2, 3, 4)), 2, 0, 1), S(A((2, 3, 4)), (1, 0, 2)), S(A((2, 3, 4)), -1, 0, 1), S(A((0, 3)), 1, 0), S(A((4, 3), view="T"), 1, 0)]),
  movement("expand", [S(A((1, 4)), 3, 4), S(A((3, 1)), (3, 5)), S(A((4,)), 2, 3, 4), S(A((1, 4)), -1, 4), S(A((1, 3)), 0, 3), S(A(()), 2, 2)]),
  Op("pad", "movement", lambda x, p, **k: x.pad(p, **k), lambda x, p, **k: F.pad(x, p, **k),
     [S(A((3, 4)), (1, 2)), S(A((3, 4)), (1, 2, 0, 1), value=1.5), S(A((3, 4)), (-1, 2, 1, -1)), S(A((2, 3, 4)), (2, 1), mode="reflect"),
      S(A((2, 3, 4)), (2, 3, 1, 0), mode="replicate"), S(A((2, 3, 4)), (1, 2), mode="circular"), S(A((1, 2, 3, 4)), (1, 1, 2, 2), mode="reflect"),
      S(A((4, 3), view="T"), (1, 1, 1, 1)), S(A((0, 4)), (1, 1))]),
  Op("shrink", "movement", lambda x, arg: x.shrink(arg), lambda x, arg: x[tuple(slice(*a) if a else slice(None) for a in arg)],
     [S(A((3, 4)), ((0, 2), (1, 3))), S(A((3, 4)), (None, (2, 4))), S(A((3, 4)), ((1, 1), None)), S(A((4, 3), view="T"), ((1, 3), (0, 2)))]),
  Op("shrink_to", "movement", lambda x, *s: x.shrink_to(*s), lambda x, *s: x[tuple(slice(0, n) for n in s)],
     [S(A((3, 4)), 2, 3), S(A((3, 4)), 3, 0)]),
  Op("pad_to", "movement", lambda x, *s: x.pad_to(*s), pad_to, [S(A((3, 4)), 5, 6), S(A((3, 4)), 3, 7), S(A((0, 2)), 2, 2)]),
  movement("flip", [S(A((3, 4)), 0), S(A((3, 4)), (0, 1)), S(A((2, 3, 4)), -1), S(A((4, 3), view="T"), 1), S(A((0, 3)), 0)]),
  Op("roll", "movement", lambda x, *a, **k: x.roll(*a, **k), torch.roll,
     [S(A((3, 4)), 1, 0), S(A((3, 4)), -5, 1), S(A((3, 4)), (1, 2), (0, 1)), S(A((3, 4)), 3), S(A((4, 3), view="T"), 2, 1)]),
  movement("repeat", [S(A((3, 4)), 2, 1), S(A((3, 4)), (1, 2)), S(A((3,)), 2, 2), S(A((2, 3)), 0, 1), S(A((4, 3), view="T"), 1, 2)]),
  movement("repeat_interleave", [S(A((3, 4)), 2, dim=1), S(A((3, 4)), 3, dim=0), S(A((3, 4)), 2), S(A((4, 3), view="T"), 2, dim=0)]),
  movement("unfold", [S(A((3, 8)), 1, 3, 2), S(A((3, 8)), 0, 2, 1), S(A((10,)), 0, 4, 3), S(A((3, 8)), 1, 8, 1), S(A((8, 3), view="T"), 1, 2, 2)]),
  Op("rearrange", "movement", lambda x, f, **sizes: x.rearrange(f, **sizes), lambda x, f, **sizes: REARRANGE[f](x),
     [*(S(A((2, 3, 4)), f) for f in REARRANGE if f[0] == "a"), S(A((6, 4)), "(a b) c -> a b c", a=2)]),
  Op("cat", "movement", lambda x, *ys, **k: x.cat(*ys, **k), lambda x, *ys, **k: torch.cat([x, *ys], **k),
     [S(A((2, 3)), A((4, 3))), S(A((2, 3)), A((2, 1)), A((2, 2)), dim=1), S(A((2, 3)), A((0, 3))), S(A((2, 3)), A((2, 3), "int32", -3, 3)),
      S(A((3, 2), view="T"), A((2, 3)), dim=-1), S(A((2, 3)), dim=0)]),
  Op("stack", "movement", lambda x, *ys, **k: x.stack(*ys, **k), lambda x, *ys, **k: torch.stack([x, *ys], **k),
     [S(A((2, 3)), A((2, 3))), S(A((2, 3)), A((2, 3)), A((2, 3)), dim=2), S(A((2, 3)), A((2, 3)), dim=-1), S(A(()), A(())),
      S(A((0, 3)), A((0, 3)), dim=1)]),
  movement("split",
           [S(A((6, 4)), 2), S(A((6, 4)), [1, 2, 3]), S(A((6, 4)), 3, dim=1), S(A((5, 4)), 2), S(A((6, 4)), [0, 6]), S(A((4, 6), view="T"), 4)]),
  movement("chunk", [S(A((6, 4)), 3), S(A((6, 4)), 4), S(A((6, 4)), 2, dim=1), S(A((5, 4)), 2), S(A((6, 4)), 7)]),
  movement("squeeze", [S(A((1, 3, 1))), S(A((1, 3, 1)), 0), S(A((1, 3, 1)), -1), S(A((2, 3)), 0), S(A((1,)))]),
  movement("unsqueeze", [S(A((3, 4)), 0), S(A((3, 4)), -1), S(A((3, 4)), 1), S(A(()), 0)]),
  movement("flatten", [S(A((2, 3, 4))), S(A((2, 3, 4)), 1), S(A((2, 3, 4)), 0, 1), S(A(())), S(A((4, 3), view="T"))]),
  movement("unflatten", [S(A((2, 12)), 1, (3, 4)), S(A((6,)), 0, (2, -1)), S(A((2, 12)), -1, (2, 2, 3))]),
  movement("transpose", [S(A((3, 4))), S(A((2, 3, 4)), 0, 2), S(A((2, 3, 4)), -1, -2)], torch_fn=lambda x, *d: x.transpose(*(d or (1, 0)))),
  Op("T", "movement", lambda x: x.T, lambda x: x.permute(*reversed(range(x.ndim))) if x.ndim else x,
     [S(A((3, 4))), S(A((3,))), S(A((2, 3, 4))), S(A(()))]),
  movement("tril", [S(A((4, 5))), S(A((4, 5)), 1), S(A((4, 5)), -2), S(A((2, 3, 3))), S(A((4, 4), "int32", -5, 5))]),
  movement("triu", [S(A((4, 5))), S(A((4, 5)), 1), S(A((4, 5)), -2), S(A((2, 3, 3))), S(A((4, 4), "bool"))]),
  Op("diag", "movement", lambda x: x.diag(), torch.diag, [S(A((4,))), S(A((1,)))]),
  movement("diagonal", [S(A((4, 5))), S(A((4, 5)), 1), S(A((4, 5)), -2), S(A((2, 3, 4)), 0, 1, 2)]),
  movement("contiguous", [S(A((4, 3), view="T")), S(A((3, 4)))]), movement("clone", [S(A((4, 3), view="T")), S(A((3, 4), "int32", -5, 5))]),
  movement("detach", [S(A((3, 4)))], grad=False),
  Op("meshgrid", "movement", lambda x, *ys, **k: x.meshgrid(*ys, **k), lambda x, *ys, **k: torch.meshgrid(x, *ys, **k),
     [S(A((3,)), A((4,))), S(A((3,)), A((4,)), indexing="xy"), S(A((2,)), A((3,)), A((4,)))]),
]

