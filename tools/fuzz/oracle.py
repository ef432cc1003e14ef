"""Runs one fuzz program on tinygrad and torch (in a worker process) and judges it with the parity harness's rule."""
import functools, math, time, zlib
from collections import Counter
from contextlib import contextmanager
import numpy as np, torch
import torch.nn.functional as F
from tinygrad import Device, Tensor, TinyJit, dtypes
from tinygrad.device import Compiler
from tinygrad.engine.jit import JitError
from tools.parity.judge import TOLERANCE, internal_error, judge
from tools.fuzz.programs import NAMESPACE, array, function_source, kind, leaf, scalar_class, source

# what a program's source sees, in tinygrad and in torch (a copy each run)
NAMES = {"tiny": {**NAMESPACE, "np": np, "Tensor": Tensor, "dtypes": dtypes}, "torch": {**NAMESPACE, "np": np, "torch": torch, "F": F}}

TIMES: Counter = Counter()  # seconds per phase of the program being evaluated, each phase's own: the campaign's profile
_open: list[list] = []  # the phases being timed, innermost last: [start, seconds of the phases nested in it, whole]

@contextmanager
def timed(phase: str, whole: bool = False):
  """Counts the block's time under `phase`, less that of the phases nested in it; a `whole` phase keeps theirs too."""
  if _open and _open[-1][2]:
    yield
    return
  _open.append(t := [time.perf_counter(), 0.0, whole])
  try: yield
  finally:
    _open.pop()
    TIMES[phase] += (dt := time.perf_counter() - t[0]) - t[1]
    if _open: _open[-1][1] += dt

_compile_cached = Compiler.compile_cached
def _timed_compile(self, src: str) -> bytes:
  with timed("tinygrad compile"): return _compile_cached(self, src)
Compiler.compile_cached = _timed_compile  # every renderer's compiler (the X86 backend assembles in Python, without one)

def run(program: dict, lib: str, float64: bool = False) -> tuple[dict, object]:
  ns = dict(NAMES[lib])
  exec(source(program, lib, float64), ns)
  return ns, ns["out"]

@functools.cache
def compiles(dtype: str) -> bool:
  """Whether this backend compiles `dtype` at all: clang before 17 has no __bf16 on x86, so DEV=CPU may have no bfloat16 here."""
  try: (Tensor([1.0]).cast(getattr(dtypes, dtype)) + 1).realize()
  except Exception: return False
  return True

def host(t) -> np.ndarray:
  """A tinygrad or torch tensor's values in numpy, a bfloat16 one's in float32 (numpy has no bfloat16; the judge is told)."""
  if isinstance(t, torch.Tensor): return t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
  return t.float().numpy() if t.dtype == dtypes.bfloat16 else t.numpy()

def evaluate(program: dict) -> dict:
  """{"status": ok | discard | fail, "kind": ..., "message": ..., "step": index of the first step that goes wrong, "times": TIMES}"""
  TIMES.clear()
  res = _judged(program)
  return {**res, "times": dict(TIMES)}

def _judged(program: dict) -> dict:
  if any(t["dtype"] == "bfloat16" for t in program["inputs"]) and not compiles("bfloat16"): return {"status": "discard"}
  # DEV=PYTHON runs every element of every kernel in Python: 4097 elements take seconds there, the large tier's 65537 over a minute
  if Device.DEFAULT == "PYTHON" and any(math.prod(t["shape"]) > 4097 for t in program["inputs"]): return {"status": "discard"}
  res = _evaluate(program)
  if res["status"] == "fail":
    # the culprit is the first step feeding the output that goes wrong at all, even below atol (sinh(-1e-20) = 0 is fine
    # alone, not under floor); a step whose result the output never uses cannot be it, nor one whose only fault is the 0-d
    # constant alias below, a cause of its own, nor one that fails by a result where the program fails by an error, or the other
    # way round (an int sum's dtype, uint32 where torch gives int64, is not why gelu of it raises in torch); a TinyJit replay takes
    # part only in the search for a TinyJit failure
    plain = program if res["kind"].startswith("jit") else {k: v for k, v in program.items() if k != "jit"}
    with timed("culprit search", whole=True):
      res["step"] = next((k for k in sorted(feeding(program)) if (r := _evaluate(prefix(plain, k + 1), True))["status"] == "fail"
                          and r["kind"] != "grad-0d-const-alias" and _by_result(r["kind"]) == _by_result(res["kind"])), len(program["steps"]) - 1)
    res["operands"] = operand_classes(program, res["step"])
  return res

SPECIAL = (3.4e38, 1e-40, 65504.0)
# torch has no kernel (most of uint16/32/64's, linalg's in float16) or no promotion (wide unsigned ones): no reference. Other dtypes
# torch refuses (int gelu, float bitwise ops) are refusals tinygrad should make too, or lenience it chose
NO_REFERENCE = ("implemented for 'UInt", "Promotion for uint16, uint32, uint64", "linalg_svd_cpu\" not implemented for 'Half'")

def operand_classes(program: dict, k: int) -> dict[str, list[str]]:
  """The dtype kind and input class of step k's own operands (not the program's inputs): what a finding is deduplicated by."""
  step, ns = program["steps"][k], dict(NAMES["torch"])
  try: exec(source(prefix(program, k), "torch", out=False), ns)  # up to the culprit, which torch may reject
  except Exception: return {}
  out = {}
  for role, name in step["operands"].items():
    if name == "s": out[role] = ["b" if isinstance(v := step["scalar"], bool) else "f" if isinstance(v, float) else "i", scalar_class(v)]
    elif isinstance(t := ns.get(name), torch.Tensor):
      # the special values as this dtype holds them: float32's 3.4e38 is not the double 3.4e38
      vals, held = t.detach().double().abs(), torch.tensor(SPECIAL, dtype=torch.float64).to(t.dtype).double() if t.is_floating_point() else None
      special = t.is_floating_point() and bool((~torch.isfinite(vals)).any() or torch.isin(vals, held).any())
      out[role] = [kind(str(t.dtype).removeprefix("torch.")), "zero-size" if t.numel() == 0 else "scalar" if t.ndim == 0 else
                   "special" if special else "finite"]
  return out

def feeding(program: dict) -> set[int]:
  """The earlier steps whose results flow into the last step: all of them where steps update buffers in place."""
  steps, todo, seen = program["steps"], [len(program["steps"]) - 1], set()
  if program.get("state"): return set(range(len(steps) - 1))
  while todo:
    for v in steps[todo.pop()]["operands"].values():
      if v.startswith("t") and int(v[1:]) not in seen: seen.add(int(v[1:])); todo.append(int(v[1:]))
  return seen

def prefix(program: dict, n: int) -> dict: return {**program, "steps": program["steps"][:n]}

def _evaluate(program: dict, relative_only: bool = False) -> dict:
  try:
    with timed("torch"): pt_ns, pt = run(program, "torch")
  except Exception as e: pt = e
  grad = None if isinstance(pt, Exception) else _cotangent(program, pt)
  try:
    with timed("tinygrad graph"):
      tg_ns, tg = run(program, "tiny")
      # the backward graph is built before anything is realized, as in training: realizing an output first can cut its gradient path
      # (.numpy() realizes a contiguous() or sort's values in place, and the gradient through them is silently 0)
      tgs = _tiny_gradients(tg_ns, tg, *grad) if grad else None
    with timed("tinygrad schedule and run"): tg_np = host(tg)
  except Exception as e: tg = e
  if isinstance(pt, Exception) and any(m in str(pt) for m in NO_REFERENCE): return {"status": "discard"}
  if isinstance(pt, Exception) or isinstance(tg, Exception):
    if isinstance(pt, Exception) and isinstance(tg, Exception):
      if not internal_error(tg): return {"status": "ok"}
      return {"status": "fail", "kind": "internal-error", "message": f"tinygrad fails inside itself with {_line(tg)}; torch rejects it too"}
    who = "tinygrad raised " + _line(tg) if isinstance(tg, Exception) else "torch rejects it (" + _line(pt) + ") but tinygrad accepts it"
    return {"status": "fail", "kind": "exception", "message": who}
  if pt.dtype.is_floating_point:
    # an ill-conditioned program (non-finite intermediates from finite inputs, or torch far from float64) is no evidence
    try:
      with timed("float64 reference"): ref_ns, ref = run(program, "torch", float64=True)
    except Exception: return {"status": "discard"}
    finite_in = all(np.isfinite(np.asarray(t["values"], dtype=np.float64)).all() for t in program["inputs"] if kind(t["dtype"]) == "f")
    inter = [ref_ns[f"t{i}"] for i in range(len(program["steps"]) - 1)]
    if finite_in and any(t.dtype.is_floating_point and not torch.isfinite(t).all() for t in inter): return {"status": "discard"}
    ref = ref.detach().numpy()
    p64 = host(pt).astype(np.float64)
    with np.errstate(invalid="ignore"):
      rel = np.abs(p64 - ref) / np.maximum(np.abs(ref), 1e-30)
    # a few units in the last place of float16, of bfloat16 (8 bits of mantissa)
    if np.nan_to_num(rel, nan=0.0).max(initial=0) > (1e-2 if pt.dtype == torch.bfloat16 else 1e-3) and np.isfinite(ref).all():
      return {"status": "discard"}
  else: ref = None
  if (pt.dtype == torch.bfloat16) != (tg.dtype == dtypes.bfloat16):
    return {"status": "fail", "kind": "dtype", "message": f"out: dtype {tg.dtype.name}, but torch gives {str(pt.dtype).removeprefix('torch.')}"}
  v = judge("out", tg_np, host(pt), ref, relative_only, int32_for_int64=True, tolerance_of=_loosest(program, pt_ns, pt))
  if not v.ok: return {"status": "fail", "kind": _kind(v.message), "message": v.message}
  res = _gradients(program, pt_ns, pt, tgs, grad)
  if res["status"] == "fail" and any(not t["shape"] for t in program["inputs"]) and _evaluate(as_1d(program))["status"] == "ok":
    # the same program on 1-element 1-D inputs is fine: 0-d inputs become CONST UOps, and tinygrad merges equal constants,
    # so the gradient w.r.t. Tensor(2.0) also counts every other 2.0 in the graph (d(x*2)/dx at x=2 is 4)
    res["kind"] = "grad-0d-const-alias"
  if res["status"] != "ok" or "jit" not in program: return res
  with timed("TinyJit replay"): return replay(program)

def replay(program: dict) -> dict:
  """TinyJit: the program as a function of its inputs (forward and gradients), called once per set of input values, jitted and
  eagerly; the two must agree at every call. It runs the first call eagerly itself, captures on the second, replays from the third."""
  ns = dict(NAMES["tiny"])
  exec(function_source(program), ns)
  jitted = TinyJit(ns["step"])
  eager = lambda vals: [host(t) for t in ns["step"](*fresh(program, vals))]
  for call, vals in enumerate([[t["values"] for t in program["inputs"]], *program["jit"]]):
    # TinyJit's first call runs the function eagerly: an eager twin of it would only run the same code again
    try: want = eager(vals) if call else None
    except Exception: return {"status": "ok"}  # eager fails too: the plain oracle's business
    try: got = [host(t) for t in jitted(*fresh(program, vals))]
    except JitError: return {"status": "ok"}  # refused on purpose, with its reason (no kernels to capture, say)
    except Exception as e:
      if not call:
        try: eager(vals)
        except Exception: return {"status": "ok"}
      return {"status": "fail", "kind": "jit-exception", "message": f"TinyJit call {call + 1}: tinygrad raised {_line(e)}"}
    if not call: continue
    for name, g, w in zip(["out", *(f"grad a{i}" for i, t in enumerate(program["inputs"]) if leaf(t))], got, want):
      v = judge(f"TinyJit call {call + 1}: {name}", g, w, None)
      if not v.ok: return {"status": "fail", "kind": "jit-" + _kind(v.message), "message": v.message + " (eager tinygrad's)"}
  return {"status": "ok"}

def fresh(program: dict, vals: list) -> list[Tensor]:
  """The inputs in new buffers, realized in one schedule (each its own is the replay's most costly part): a 0-d tensor from numpy
  is a constant, which TinyJit refuses as an input on purpose."""
  ts = [Tensor(array(t, v)).cast(getattr(dtypes, t["dtype"])).clone() for t, v in zip(program["inputs"], vals)]
  if ts: Tensor.realize(*ts)
  return ts

def as_1d(program: dict) -> dict:
  return {**program, "inputs": [{**t, "shape": t["shape"] or [1]} for t in program["inputs"]]}

def _cotangent(program: dict, pt) -> tuple[list[int], np.ndarray] | None:
  """The inputs to differentiate and a random cotangent of the output, where gradients are compared: finite float inputs, a float output."""
  leaves = [i for i, t in enumerate(program["inputs"]) if leaf(t)]
  if not leaves or not pt.dtype.is_floating_point or not pt.requires_grad or pt.numel() == 0: return None
  if not all(np.isfinite(np.asarray(program["inputs"][i]["values"], dtype=np.float64)).all() for i in leaves): return None
  rng = np.random.default_rng(zlib.crc32(repr(program).encode()))
  return leaves, rng.standard_normal(tuple(pt.shape)).astype(host(pt).dtype)

def _tiny_gradients(tg_ns, tg, leaves, cot):
  try: return (tg * Tensor(cot)).sum().gradient(*[tg_ns[f"a{i}"] for i in leaves])
  except Exception as e: return e

def _gradients(program, pt_ns, pt, tgs, grad) -> dict:
  """Gradients are compared where torch defines them: finite inputs and finite torch gradients. At a kink (relu at 0, a tie in
  maximum) torch's choice of subgradient is the reference, as it is for everything else."""
  if grad is None: return {"status": "ok"}
  leaves, cot = grad
  try:
    with timed("torch"): pgs = torch.autograd.grad((pt * torch.tensor(cot)).sum(), [pt_ns[f"a{i}"] for i in leaves], allow_unused=True)
  except RuntimeError: return {"status": "ok"}
  try:
    if isinstance(tgs, Exception): raise tgs
    tols = ["bfloat16" if g.dtype == dtypes.bfloat16 else None for g in tgs]
    with timed("tinygrad schedule and run"): tgs = [host(g) for g in tgs]
  except Exception as e: return {"status": "fail", "kind": "grad-exception", "message": "backward: tinygrad raised " + _line(e)}
  try:
    with timed("float64 reference"):
      ref_ns, ref = run(program, "torch", float64=True)
      refs = torch.autograd.grad((ref * torch.tensor(cot.astype(np.float64))).sum(), [ref_ns[f"a{i}"] for i in leaves], allow_unused=True)
  except RuntimeError: refs = [None] * len(leaves)
  for i, t, p, r, tol in zip(leaves, tgs, pgs, refs, tols):
    p = np.zeros(t.shape, t.dtype) if p is None else host(p)
    if not np.isfinite(p).all(): continue  # a non-finite torch gradient is no reference
    v = judge(f"grad a{i}", t, p, None if r is None else r.numpy(), tolerance_of=tol)
    if not v.ok: return {"status": "fail", "kind": "grad-" + _kind(v.message), "message": v.message}
  return {"status": "ok"}

def _loosest(program: dict, pt_ns: dict, pt) -> str | None:
  """The least precise float dtype among the result and torch's values of the steps before it: a float32 step promoted to a float64
  result carries float32's error (and a bfloat16 result, handed over as float32, is judged as bfloat16)."""
  steps = [pt_ns.get(f"t{i}") for i in range(len(program["steps"]) - 1)] + [pt]
  names = [str(t.dtype).removeprefix("torch.") for t in steps if isinstance(t, torch.Tensor) and t.is_floating_point()]
  return max(names, key=lambda d: TOLERANCE[d][0], default=None)

def _by_result(kind: str) -> bool:
  """Whether a failure kind is a wrong result (value, nan-inf, dtype, shape), not an error, crash or hang."""
  return kind.removeprefix("jit-").removeprefix("grad-") in ("value", "nan-inf", "dtype", "shape")

def _kind(message: str) -> str:
  return "dtype" if ": dtype " in message else "shape" if ": shape " in message else "nan-inf" if "NaN and infinities" in message else "value"

def _line(e: Exception) -> str: return f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0][:160]}"
