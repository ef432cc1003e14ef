"""Runs one sample of one op on tinygrad and on torch from the same inputs, forward and backward, and judges the results."""
import time
from dataclasses import dataclass, field
import numpy as np, torch
from tinygrad import Tensor
from tools.parity.judge import Verdict, internal_error, judge
from tools.parity.inputs import A, Sample, rng_for
from tools.parity.opinfo import Op

@dataclass
class Outcome:
  verdicts: list[Verdict] = field(default_factory=list)
  tiny_s: float = 0.0
  torch_s: float = 0.0
  @property
  def failures(self) -> list[str]: return [v.message for v in self.verdicts if not v.ok]

def run(op: Op, sample: Sample, test_id: str, timed: bool = False) -> Outcome:
  rng = rng_for(test_id)
  data = [a.make(rng) if isinstance(a, A) else None for a in sample.args]
  out = Outcome()

  pt_args, pt_leaves = _inputs(op, sample, data, lambda x, g: torch.tensor(x, requires_grad=g))
  st = time.perf_counter()
  try: pt_out = _outputs(op.torch(*pt_args, **sample.kwargs))
  except Exception as e: pt_out = e
  out.torch_s = time.perf_counter() - st

  tg_args, tg_leaves = _inputs(op, sample, data, lambda x, g: Tensor(x))
  try:
    tg_out = _outputs(op.tiny(*tg_args, **sample.kwargs))
    # the backward graph is built before anything is realized, as in training: realizing a sibling output first (sort's indices)
    # silently zeroes tinygrad's gradient, a bug of its own
    cots = _cotangents(pt_out, rng) if op.grad and pt_leaves and not isinstance(pt_out, Exception) else None
    tg_grads = _tiny_gradients(tg_out, tg_leaves, cots) if cots is not None else None
    tg_np = [o.numpy() for o in tg_out]
  except Exception as e: tg_out = e
  if isinstance(pt_out, Exception) or isinstance(tg_out, Exception):
    if not (isinstance(pt_out, Exception) and isinstance(tg_out, Exception)): out.verdicts.append(_exception_mismatch(pt_out, tg_out))
    elif internal_error(tg_out):
      out.verdicts.append(Verdict(False, f"tinygrad fails inside itself with {type(tg_out).__name__}: {_first_line(tg_out)} (torch rejects this "
                                         f"input too, with {type(pt_out).__name__}: a refusal must be a clear error from tinygrad's API)"))
    return out

  if len(tg_np) != len(pt_out):
    out.verdicts.append(Verdict(False, f"tinygrad returns {len(tg_np)} outputs, torch {len(pt_out)}"))
    return out
  ref = _reference(op, sample, data) if op.reference and any(o.dtype.is_floating_point for o in pt_out) else None
  for i, (t, p) in enumerate(zip(tg_np, pt_out)):
    p = p.detach().numpy()
    out.verdicts.append(judge(f"out{i}" if len(pt_out) > 1 else "out", t, p, ref[i] if ref is not None else None, int32_for_int64=op.int32_for_int64))

  if cots is not None and all(v.ok for v in out.verdicts): out.verdicts += _judge_gradients(op, sample, data, pt_out, pt_leaves, tg_grads, cots)
  # time a second tinygrad call, the first one built and compiled the kernels. It runs last: realizing an identical graph
  # can cut the gradient path of the first call's outputs (tinygrad dedups equal UOps, and 0-d inputs become CONSTs). It
  # schedules the forward graph again, a fifth of the suite's time: only PARITY=full takes it
  if not timed: return out
  st = time.perf_counter()
  for o in _outputs(op.tiny(*_inputs(op, sample, data, lambda x, g: Tensor(x))[0], **sample.kwargs)): o.realize()
  out.tiny_s = time.perf_counter() - st
  return out

def _inputs(op: Op, sample: Sample, data: list, make) -> tuple[list, list]:
  """The call's arguments, with each A spec replaced by a leaf tensor seen through its view; and the leaves to differentiate."""
  args, leaves = [], []
  for spec, x in zip(sample.args, data):
    if not isinstance(spec, A):
      args.append(spec)
      continue
    wants_grad = op.grad and spec.grad and spec.is_float
    leaf = make(x, wants_grad)
    if wants_grad: leaves.append(leaf)
    args.append(spec.view_of(leaf))
  return args, leaves

def _outputs(result) -> list:
  return list(result) if isinstance(result, (tuple, list)) else [result]

def _reference(op: Op, sample: Sample, data: list) -> list[np.ndarray] | None:
  """torch on float64 copies of the float inputs: the best available estimate of the exact answer."""
  args = [spec.view_of(torch.tensor(x.astype(np.float64) if spec.is_float else x)) if isinstance(spec, A) else spec
          for spec, x in zip(sample.args, data)]
  try: return [o.detach().numpy() for o in _outputs(op.torch(*args, **sample.kwargs))]
  except Exception: return None

def _cotangents(pt_out: list, rng) -> list | None:
  """One random cotangent per float output, shared by both sides: the scalar differentiated is sum(out * cotangent)."""
  cots = [rng.standard_normal(o.shape).astype(o.detach().numpy().dtype) if o.dtype.is_floating_point and o.requires_grad else None for o in pt_out]
  return cots if any(c is not None for c in cots) else None

def _tiny_gradients(tg_out, tg_leaves, cots):
  try: return tg_leaves and sum((o * Tensor(c)).sum() for o, c in zip(tg_out, cots) if c is not None).gradient(*tg_leaves)
  except Exception as e: return e

def _judge_gradients(op, sample, data, pt_out, pt_leaves, tg_grads, cots) -> list[Verdict]:
  pt_loss = sum((o * torch.tensor(c)).sum() for o, c in zip(pt_out, cots) if c is not None)
  try: pt_grads = torch.autograd.grad(pt_loss, pt_leaves, allow_unused=True)
  except RuntimeError: return []  # torch has no derivative here (scatter with reduce=), so there is nothing to compare against
  try:
    if isinstance(tg_grads, Exception): raise tg_grads
    tg_grads = [g.numpy() for g in tg_grads]
  except Exception as e:
    return [Verdict(False, f"backward: tinygrad raised {type(e).__name__}: {_first_line(e)}, torch computed gradients")]
  ref = _reference_grads(op, sample, data, cots)
  # a gradient at a NaN input is no reference (torch's is whatever its backward formula happens to give there), so it is not compared
  nan_in = [np.isnan(x) for spec, x in zip(sample.args, data) if isinstance(spec, A) and op.grad and spec.grad and spec.is_float]
  verdicts = []
  for i, (t, p) in enumerate(zip(tg_grads, pt_grads)):
    p = torch.zeros(pt_leaves[i].shape, dtype=pt_leaves[i].dtype) if p is None else p.detach()
    t, p, r = (np.where(nan_in[i], 0, g) if g is not None else None for g in (t, p.numpy(), ref[i] if ref is not None else None))
    verdicts.append(judge(f"grad{i}", t, p, r))
  return verdicts

def _reference_grads(op, sample, data, cots) -> list[np.ndarray] | None:
  if not op.reference: return None
  try:
    args, leaves = _inputs(op, sample, [x.astype(np.float64) if x is not None and x.dtype.kind == "f" else x for x in data],
                           lambda x, g: torch.tensor(x, requires_grad=g))
    outs = _outputs(op.torch(*args, **sample.kwargs))
    loss = sum((o * torch.tensor(c.astype(np.float64))).sum() for o, c in zip(outs, cots) if c is not None)
    return [g.numpy() if g is not None else np.zeros(leaf.shape) for g, leaf in zip(torch.autograd.grad(loss, leaves, allow_unused=True), leaves)]
  except Exception: return None

def _exception_mismatch(pt_out, tg_out) -> Verdict:
  if isinstance(pt_out, Exception):
    return Verdict(False, f"torch rejects this input ({type(pt_out).__name__}: {_first_line(pt_out)}), but tinygrad accepts it")
  return Verdict(False, f"tinygrad raised {type(tg_out).__name__}: {_first_line(tg_out)}, but torch accepts this input")

def _first_line(e: Exception) -> str: return (str(e).strip().splitlines() or [""])[0][:200] or type(e).__name__
