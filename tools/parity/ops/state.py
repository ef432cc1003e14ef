"""Programs with structure and state, the classes the fuzzer draws (tools/fuzz/structure.py), as fixed samples: one value read
through several views that are combined again, a fused kernel that reads many inputs, in-place updates through views, several
updates before one realize in either order, TinyJit replays judged at every call, and views copied to a second device and back."""
import torch
import torch.nn.functional as F
from tinygrad import Tensor, TinyJit
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def is_torch(x) -> bool: return isinstance(x, torch.Tensor)

def dag(x, y):
  """x (n, m) read through a shift, a flip, a broadcast row and y (m, n) permuted back into x's shape, combined with x again."""
  shifted = F.pad(x[1:], (0, 0, 0, 1)) if is_torch(x) else x[1:].pad(((0, 1), None))
  return shifted * x.flip(0) + x[:1].expand(*x.shape) - y.permute(1, 0).reshape(x.shape).maximum(x)

def many(*xs):
  """Every input, each weighted differently, summed in one elementwise kernel."""
  return sum(x * (i + 1) for i, x in enumerate(xs))

# the views an in-place update goes through; each writes into the tensor it was taken from, in both frameworks
VIEWS = {"slice": lambda y: y[1:], "step": lambda y: y[:, ::2], "int": lambda y: y[1], "T": lambda y: y.T, "T,slice": lambda y: y.T[1:],
         "flat": lambda y: y.reshape(-1)[2:7], "ellipsis": lambda y: y[..., 1:], "unsqueeze": lambda y: y.unsqueeze(0)[:, 1], "whole": lambda y: y}

def update(x, v, view: str, how: str, realized: bool = True):
  """An update of a copy of x (realized first, or not) through one of VIEWS: `+=`, `*=`, assign (torch's copy_) or a setitem of the
  whole view."""
  y = x.clone() if is_torch(x) else x.contiguous().realize() if realized else x.contiguous()
  z = VIEWS[view](y)
  if how == "+=": z += v
  elif how == "*=": z *= v
  elif how == "assign": z.copy_(v) if is_torch(z) else z.assign(v)
  else: z[...] = v
  return y

def realize_order(x, realized: bool, order: str):
  """Reads of a buffer between two in-place updates of it (t before both, u between them), realized together in `order`; x
  realized first or not. torch is eager: each read sees the updates before it."""
  a = x.clone() if is_torch(x) else x.contiguous()
  if realized and not is_torch(a): a.realize()
  t = a * 2
  a += 2
  u = a * 3
  a *= 0.5
  if not is_torch(a): Tensor.realize(*{"t,u,a": (t, u, a), "a,u,t": (a, u, t), "u,a,t": (u, a, t)}[order])
  return t, u, a

# one forward and backward step each: its output, and the gradient of sum(out * w) w.r.t. w
STEPS = {"relu,flip": lambda x, w: (x.flip(0) * w).relu() + x[:, 1:2], "matmul,softmax": lambda x, w: (x @ w.T).softmax(-1) * 2,
         "returns its input's view": lambda x, w: x.flip(0)}

def jit(x, w, step: str, calls: int = 4):
  """`calls` calls with fresh inputs (x + i, w * (i + 1)); tinygrad's under TinyJit, which captures on the second call and replays
  from the third. Each call's output and gradient are copied out at once: a replay writes into the same buffers."""
  f, outs, grads = STEPS[step], [], []
  if is_torch(x):
    for i in range(calls):
      wi = (w * (i + 1)).detach().requires_grad_()
      out = f(x + i, wi)
      outs.append(out.detach())
      grads.append(torch.autograd.grad((out * wi).sum(), wi)[0])
    return torch.stack(outs), torch.stack(grads)
  @TinyJit
  def run(xi: Tensor, wi: Tensor):
    out = f(xi, wi)
    g = (out * wi).sum().gradient(wi)[0]
    Tensor.realize(out, g)
    return out, g
  for i in range(calls):
    out, g = run((x + i).contiguous().realize(), (w * (i + 1)).contiguous().realize())
    outs.append(Tensor(out.numpy()))
    grads.append(Tensor(g.numpy()))
  return Tensor.stack(*outs), Tensor.stack(*grads)

COPIED = {"step": lambda x: x[:, ::2], "T": lambda x: x.T, "pad": lambda x: F.pad(x, (1, 0)) if is_torch(x) else x.pad((1, 0)),
          "flip": lambda x: x.flip(1), "expand": lambda x: x[:1].expand(3, *x.shape[1:]), "slice": lambda x: x[1:, 1:3]}

def copied(x, view: str):
  """A view of x copied to a second device, computed on there and copied back (torch has one device here: the same, without copies)."""
  if is_torch(x): return COPIED[view](x).exp()
  other = "CPU:1" if x.device.startswith("CPU") else "CPU"
  return COPIED[view](x).to(other).exp().to(x.device)

OPS = [
  Op("views:dag", "state", dag, dag, [S(A((3, 4)), A((4, 3))), S(A((4, 4), view="T"), A((4, 4), view="step")), S(A((3, 0)), A((0, 3))),
                                      S(A((2, 3), "int32", -3, 3), A((3, 2), "int32", -3, 3)),
                                      S(A((3, 2), values=(1, 0, 0, 1, 1, 0)), A((2, 3), values=(0,) * 6), name="ties")]),
  Op("add:many-inputs", "state", many, many, [S(*(A((3, 4), view=("T", "step", None)[i % 3]) for i in range(10))),
                                              S(*(A((3, 4), ("float32", "int32", "float16")[i % 3], -4, 4) for i in range(9)))]),
  Op("__iadd__:view", "state", update, update,
     [S(A((3, 4)), v, view, how, name=f"{view},{how},{'tensor' if isinstance(v, A) else 'scalar'}") for view, how, v in [
       ("slice", "+=", A((2, 4))), ("step", "*=", 2.5), ("int", "assign", A((4,))), ("T", "+=", 2.5), ("T,slice", "setitem", A((3, 3))),
       ("flat", "assign", A((5,))), ("flat", "+=", 2.5), ("ellipsis", "*=", A((3, 3))), ("unsqueeze", "+=", A((1, 4))),
       ("whole", "assign", A((3, 4))), ("step", "setitem", 2.5)]] + [S(A((3, 4)), 2.5, "slice", "+=", False, name="slice,+=,scalar,lazy")],
     grad=False, covers=("__imul__", "assign", "__setitem__")),
  Op("__iadd__:realize-order", "state", realize_order, realize_order,
     [S(A((2, 3)), r, o, name=f"{'realized' if r else 'lazy'},{o}") for r in (True, False) for o in ("t,u,a", "a,u,t", "u,a,t")], grad=False),
  Op("TinyJit", "state", jit, jit,
     [S(A((3, 4)), A((3, 4)), s, name=s) for s in STEPS] + [S(A((3, 4), view="T"), A((3, 4)), "relu,flip", 3, name="relu,flip,permuted,3 calls")],
     grad=False),
  Op("to:views", "state", copied, copied, [S(A((3, 4)), v, name=v) for v in COPIED], covers=("to",)),
]
