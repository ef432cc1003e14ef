"""The parity registry's ops as fuzz steps: every op tools/parity/ops covers that the hand-written table in programs.py does not spell,
called through the registry's own two implementations with one of its samples' argument lists. The fuzzer draws the values (edge
values and all), the float dtypes and the float parameters (fill values, bounds, exponents); the shapes, index values and other
parameters are the sample's. So there is one list of ops: the registry, of which programs.py spells some by hand for its repros."""
import ast, math
from hypothesis import strategies as st
from tools.fuzz.programs import DTYPES, FLOAT_EDGES, FuzzOp, kind, literal, values
from tools.parity.inputs import A
from tools.parity.ops import OPS as REGISTRY

def _literal_ok(v) -> bool:
  """Whether the source of a plain argument evaluates back to it (dtypes, callables and slices do not)."""
  if isinstance(v, float) and not math.isfinite(v): return True
  if isinstance(v, (list, tuple)): return all(_literal_ok(x) for x in v)
  try: return ast.literal_eval(repr(v)) == v
  except (ValueError, SyntaxError): return False

def _usable(sample) -> bool: return all(isinstance(a, A) or _literal_ok(a) for a in (*sample.args, *sample.kwargs.values()))

def _key(op) -> str:
  """The entry's name, and its first sample's where several entries share a name (the __getitem__ forms, say)."""
  return op.name if sum(o.name == op.name for o in REGISTRY) == 1 else f"{op.name}[{op.samples[0].id}]"

def steps(spelled: set[str]) -> dict[str, tuple]:
  """key -> (registry entry, its usable samples), for every entry none of whose names the hand-written table spells (and that runs on
  every CPU backend)."""
  out = {}
  for op in REGISTRY:
    if set(op.names) & spelled or op.skip or not (samples := [s for s in op.samples if _usable(s)]): continue
    out[_key(op)] = (op, samples)
  return out

def fuzz_op(key: str) -> FuzzOp:
  # first(): an op with several outputs (sort's values and indices) is judged by its first, like the rest of a chain
  return FuzzOp(key, 1, f"first(REG[{key!r}].tiny({{p}}))", f"first(REG[{key!r}].torch({{p}}))", "fib", "registry")

def first(r): return r[0] if isinstance(r, (tuple, list)) else r

@st.composite
def call(draw, key: str, entry: tuple, inputs: list) -> tuple[str, dict]:
  """The argument list of one drawn sample of entry `key`, with fresh inputs appended to `inputs`; returns it and the operands."""
  op, samples = entry
  sample, args, operands, fdt = draw(st.sampled_from(samples)), [], {}, draw(st.sampled_from(DTYPES["f"]))  # one float dtype, as torch wants
  for a in sample.args:
    if not isinstance(a, A):
      args.append(literal(draw(st.sampled_from(FLOAT_EDGES))) if isinstance(a, float) and draw(st.booleans()) else repr(a))
      continue
    dtype = fdt if a.is_float else a.dtype
    shape, n = a.base_shape(), math.prod(a.base_shape())
    if a.values is not None: vals = list(a.values)
    elif kind(dtype) == "i": vals = draw(st.lists(st.integers(int(a.low), int(a.high)), min_size=n, max_size=n))
    else: vals = draw(values(dtype, n))
    inputs.append({"shape": list(shape), "dtype": dtype, "values": vals, **({} if op.grad and a.grad else {"grad": False})})
    name = f"a{len(inputs) - 1}"
    operands["x" if not operands else f"x{len(operands)}"] = name
    view = {"T": f".permute{tuple(range(len(a.shape) - 1, -1, -1))}", "step": "[..., ::2]"}.get(a.view or "", "")
    args.append(name + view)
  args += [f"{k}={literal(v) if isinstance(v, float) else repr(v)}" for k, v in sample.kwargs.items()]
  return ", ".join(args), operands
