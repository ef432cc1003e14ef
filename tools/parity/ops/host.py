"""The tensor as an object: metadata, conversion to host values, device moves, assignment, and the autograd entry points."""
import numpy as np, torch
from tinygrad import Tensor
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def metadata(x):
  """Every size-like property as one int tensor, spelled in the framework's own API."""
  if isinstance(x, torch.Tensor): vals = [x.ndim, x.numel(), x.nbytes, x.element_size(), int(x.is_floating_point()), *x.shape, *x.size(), x.size(-1)]
  else: vals = [x.ndim, x.numel(), x.nbytes(), x.element_size(), int(x.is_floating_point()), *x.shape, *x.size(), x.size(-1)]
  return (torch.tensor if isinstance(x, torch.Tensor) else Tensor)(np.array(vals, dtype=np.int64))

def host(fn):
  """Round-trips through a host value: the values tinygrad hands to Python must be the ones torch hands over."""
  def f(x):
    if isinstance(x, torch.Tensor): return torch.from_numpy(np.asarray(fn(x), dtype=x.detach().numpy().dtype))
    return Tensor(np.asarray(fn(x), dtype=x.numpy().dtype))
  return f

def grad_via_backward(fn):
  """d(sum(fn(x) * w))/dx through .backward() and .grad, in each framework's own spelling."""
  def f(x, w):
    if isinstance(x, torch.Tensor):
      x = x.detach().requires_grad_()
      (fn(x) * w).sum().backward()
      return x.grad
    (fn(x) * w).sum().backward()
    return x.grad
  return f

OPS = [
  Op("shape", "host", metadata, metadata, [S(A((2, 3, 4))), S(A((5,), "int32", 0, 3)), S(A(())), S(A((0, 2), "bool")), S(A((3, 2), "float16"))],
     grad=False,
     covers=("ndim", "numel", "nbytes", "element_size", "is_floating_point", "size", "dtype")),
  Op("tolist", "host", host(lambda x: x.tolist()), host(lambda x: x.tolist()), [S(A((2, 3))), S(A((3,), "int32", -5, 5)), S(A((2,), "bool"))],
     grad=False),
  Op("item", "host", host(lambda x: x.item()), host(lambda x: x.item()), [S(A((1,))), S(A((), "int32", -5, 5))], grad=False),
  Op("numpy", "host", host(lambda x: x.numpy()), host(lambda x: x.numpy()), [S(A((2, 3))), S(A((4, 3), "int32", -5, 5, view="T"))], grad=False),
  Op("data", "host", host(lambda x: np.asarray(x.data().tolist())), host(lambda x: x.numpy()), [S(A((2, 3))), S(A((3,), "int32", -5, 5))],
     grad=False),
  Op("to", "host", lambda x: x.to(x.device), lambda x: x.to("cpu"), [S(A((2, 3)))], covers=("clone",)),
  Op("assign", "host", lambda x, y: x.contiguous().realize().assign(y), lambda x, y: x.clone().copy_(y), [S(A((2, 3)), A((2, 3)))], grad=False),
  Op("sequential", "host", lambda x: x.sequential([Tensor.relu, Tensor.exp]), lambda x: torch.exp(torch.relu(x)), [S(A((2, 3)))]),
  Op("backward", "host", grad_via_backward(lambda x: x.exp()), grad_via_backward(lambda x: x.exp()),
     [S(A((3, 4), grad=False), A((3, 4), grad=False))],
     grad=False, covers=("grad",)),
  Op("gradient", "host", lambda x, w: (x.exp() * w).sum().gradient(x)[0],
     lambda x, w: (lambda leaf: torch.autograd.grad((leaf.exp() * w).sum(), leaf)[0])(x.detach().requires_grad_()),
     [S(A((3, 4)), A((3, 4)))], grad=False),
  Op("contiguous_backward", "host", lambda x: x.contiguous_backward(), lambda x: x.contiguous(), [S(A((4, 3), view="T"))]),
]
