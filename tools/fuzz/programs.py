"""Random tinygrad programs for the differential fuzzer: an op table with both spellings of each op (the parity registry's, see the
end), Hypothesis strategies that draw programs of 1 to N ops over random shapes, dtypes, values and parameters, and the Python source
of a program."""
import ast, math
from dataclasses import dataclass
import numpy as np
from hypothesis import strategies as st
from tools.parity.inputs import A
from tools.parity.ops import OPS as REGISTRY

@dataclass(frozen=True)
class FuzzOp:
  name: str
  arity: int       # tensor operands
  tiny: str        # templates over {x} (and {y}, {c}) and {p} for the drawn parameters
  torch: str
  takes: str = "fi"  # which dtype kinds the first operand may have: f float, i int, b bool
  params: str = ""   # "axis": an axis (or None) and keepdim; "dim": one axis; "pad", "conv", "pool", "gather": see _params;
                     # "view", "state": drawn by tools/fuzz/structure.py; "registry": a parity registry entry (below)
  scalar: bool = False  # a python scalar may stand on either side of it (x + 2**32, 2.5 < x)
  stmt: bool = False    # a statement that updates {x} in place (x[1:] += 2); its step's value is {x} afterwards

def u(name, torch=None, takes="f"): return FuzzOp(name, 1, f"{{x}}.{name}()", torch or f"torch.{name}({{x}})", takes)
def b(name, sym, takes="fi"): return FuzzOp(name, 2, f"({{x}} {sym} {{y}})", f"({{x}} {sym} {{y}})", takes, scalar=True)

OPS = {o.name: o for o in [
  *(u(n) for n in ("exp", "exp2", "log", "log2", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                   "asinh", "acosh", "atanh", "sigmoid", "erf", "reciprocal", "ceil", "floor", "round", "trunc")),
  u("abs", takes="fi"), u("neg", takes="fi"), u("square", takes="fi"), u("sign", takes="fi"), u("relu", takes="fi"),
  u("isnan", takes="fib"), u("isinf", takes="fib"), u("isfinite", takes="fib"), u("logical_not", takes="fib"),
  *(u(n, f"F.{n}({{x}})") for n in ("softplus", "silu", "elu", "leaky_relu", "hardswish", "hardsigmoid", "logsigmoid", "mish", "relu6",
                                    "softsign", "selu", "celu", "hardtanh")),
  FuzzOp("gelu", 1, "{x}.gelu()", "F.gelu({x}, approximate='tanh')"),
  FuzzOp("bitwise_not", 1, "(~{x})", "(~{x})", "ib"),
  b("add", "+"), b("sub", "-"), b("mul", "*"), b("truediv", "/"), b("pow", "**", "f"), b("mod", "%"), b("eq", "==", "fib"), b("ne", "!=", "fib"),
  b("lt", "<"), b("gt", ">"), b("le", "<="), b("ge", ">="), b("and", "&", "ib"), b("or", "|", "ib"), b("xor", "^", "ib"),
  FuzzOp("maximum", 2, "{x}.maximum({y})", "torch.maximum({x}, {y})"), FuzzOp("minimum", 2, "{x}.minimum({y})", "torch.minimum({x}, {y})"),
  FuzzOp("logaddexp", 2, "{x}.logaddexp({y})", "torch.logaddexp({x}, {y})", "f"),
  FuzzOp("copysign", 2, "{x}.copysign({y})", "torch.copysign({x}, {y})", "f"),
  FuzzOp("where", 3, "{c}.where({x}, {y})", "torch.where({c}, {x}, {y})", "fi"),
  FuzzOp("sum", 1, "{x}.sum({p})", "{x}.sum({p})", "fib", "axis"), FuzzOp("mean", 1, "{x}.mean({p})", "{x}.mean({p})", "f", "axis"),
  FuzzOp("max", 1, "{x}.max({p})", "{x}.amax({p})", "fi", "axis"), FuzzOp("min", 1, "{x}.min({p})", "{x}.amin({p})", "fi", "axis"),
  FuzzOp("prod", 1, "{x}.prod({p})", "{x}.prod({p})", "fi", "dim"), FuzzOp("logsumexp", 1, "{x}.logsumexp({p})", "{x}.logsumexp({p})", "f", "dim"),
  FuzzOp("std", 1, "{x}.std({p})", "{x}.std({p})", "f", "axis"), FuzzOp("var", 1, "{x}.var({p})", "{x}.var({p})", "f", "axis"),
  FuzzOp("argmax", 1, "{x}.argmax({p})", "{x}.argmax({p})", "fi", "dim"), FuzzOp("argmin", 1, "{x}.argmin({p})", "{x}.argmin({p})", "fi", "dim"),
  FuzzOp("cumsum", 1, "{x}.cumsum({p})", "{x}.cumsum({p})", "fi", "dim"), FuzzOp("softmax", 1, "{x}.softmax({p})", "{x}.softmax({p})", "f", "dim"),
  FuzzOp("log_softmax", 1, "{x}.log_softmax({p})", "{x}.log_softmax({p})", "f", "dim"),
  FuzzOp("any", 1, "{x}.any({p})", "{x}.any({p})", "fib", "axis"), FuzzOp("all", 1, "{x}.all({p})", "{x}.all({p})", "fib", "axis"),
  FuzzOp("flip", 1, "{x}.flip({p})", "{x}.flip({p})", "fib", "dim"), FuzzOp("reshape", 1, "{x}.reshape(-1)", "{x}.reshape(-1)", "fib"),
  FuzzOp("T", 1, "{x}.T", "({x}.permute(*reversed(range({x}.ndim))) if {x}.ndim else {x})", "fib"),
  FuzzOp("pad", 1, "{x}.pad({p})", "F.pad({x}, {p})", "fi", "pad"), FuzzOp("unsqueeze", 1, "{x}.unsqueeze(0)", "{x}.unsqueeze(0)", "fib"),
  # these draw fresh inputs of the shapes they need (NCHW images, weights, index tensors) instead of taking the last value
  FuzzOp("conv2d", 1, "{x}.conv2d({y}, {p})", "F.conv2d({x}, {y}, {p})", "fib", "conv"),
  FuzzOp("max_pool2d", 1, "{x}.max_pool2d({p})", "F.max_pool2d({x}, {p})", "fib", "pool"),
  FuzzOp("avg_pool2d", 1, "{x}.avg_pool2d({p})", "F.avg_pool2d({x}, {p})", "fib", "pool"),
  FuzzOp("gather", 1, "{x}.gather({p}, {y})", "torch.gather({x}, {p}, {y})", "fib", "gather"),
  FuzzOp("getitem", 1, "{x}[{y}]", "{x}[{y}]", "fib", "gather"),
  FuzzOp("float", 1, "{x}.float()", "{x}.float()", "fib"), FuzzOp("half", 1, "{x}.half()", "{x}.half()", "fib"),
  FuzzOp("int", 1, "{x}.int()", "{x}.int()", "ib"), FuzzOp("bool", 1, "{x}.bool()", "{x}.bool()", "fib"),
  FuzzOp("copy", 1, "{x}.to('CPU:1').to({x}.device)", "{x}.clone()", "fib"),  # a lazy view copied to another device and back
  # views that keep the shape, for DAG programs: a shrink then a pad and the other way round, a permute read back in the old
  # shape, a size-1 slice expanded, a reversal through the flat view
  FuzzOp("shift", 1, "{x}[{p}].pad({q})", "F.pad({x}[{p}], {q})", "fib", "view"),
  FuzzOp("unshift", 1, "{x}.pad({q})[{p}]", "F.pad({x}, {q})[{p}]", "fib", "view"),
  FuzzOp("permute", 1, "{x}.permute({p}).reshape({q})", "{x}.permute({p}).reshape({q})", "fib", "view"),
  FuzzOp("broadcast", 1, "{x}[{p}].expand({q})", "{x}[{p}].expand({q})", "fib", "view"),
  FuzzOp("reverse", 1, "{x}.reshape(-1).flip(0).reshape({q})", "{x}.reshape(-1).flip(0).reshape({q})", "fib", "view"),
  # state: reads that copy (torch's x[1:] would alias), in-place updates, realizing some values before others, and a last step
  # that reads them all
  FuzzOp("read", 1, "({x}[{p}] {q})", "({x}[{p}] {q})", "fib", "state"),
  FuzzOp("iadd", 2, "{x} += {y}", "{x} += {y}", "fi", "state", stmt=True),
  FuzzOp("iadd_view", 2, "{x}[{p}] += {y}", "{x}[{p}] += {y}", "fi", "state", stmt=True),
  FuzzOp("setitem", 2, "{x}[{p}] = {y}", "{x}[{p}] = {y}", "fib", "state", stmt=True),
  FuzzOp("assign", 2, "{x}.assign({y})", "{x}.copy_({y})", "fib", "state"),
  FuzzOp("realize", 1, "{x}.realize({p})", "{x}", "fib", "state"),
  FuzzOp("collect", 1, "Tensor.cat({p})", "torch.cat([{p}])", "fib", "state"),
]}

# every dtype torch and tinygrad both have; torch lacks most kernels of the wide unsigned ones, where the oracle has no reference and
# discards the program, as it does a bfloat16 program on a backend that cannot compile bfloat16 (DEV=CPU with a clang before 17)
DTYPES = {"f": ["float32", "float16", "float64", "bfloat16"], "i": ["int32", "int8", "int64", "uint8", "int16", "uint16", "uint32", "uint64"],
          "b": ["bool"]}
any_dtype = st.sampled_from([d for ds in DTYPES.values() for d in ds])
# signed zeros, infinities, nan, subnormals, values near float16/float32 limits and near integers
FLOAT_EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-40, -1e-40, 3.4e38, -3.4e38, 65504.0, 0.5, -0.5, 2.5, -1.0, 1.0]

# python scalars as operands: ints at and past the widths of the int dtypes, float specials, bools
SCALARS = [0, 1, -1, 2, 3, 7, -8, 0.5, -0.0, 2.5, True, False, 127, 128, 255, 256, 65536, 2**31 - 1, 2**31, -2**31 - 1, 2**32, 2**40,
           2**63 - 1, 1e-40, 3.4e38, 1e39, math.inf, -math.inf, math.nan]

def literal(v) -> str: return f"float('{v}')" if isinstance(v, float) and not math.isfinite(v) else repr(v)

def scalar_class(v) -> str:
  """The input class of a python scalar operand: python-int (past int32: python-wide-int), python-float or python-bool."""
  if isinstance(v, bool): return "python-bool"
  return "python-float" if isinstance(v, float) else "python-wide-int" if not -2**31 <= v < 2**31 else "python-int"

def kind(dtype: str) -> str: return "b" if dtype == "bool" else "f" if "float" in dtype else "i"

def leaf(t: dict) -> bool:
  """Whether the gradient w.r.t. input t is compared: a float input, unless a registry sample says not (batchnorm's running mean)."""
  return kind(t["dtype"]) == "f" and t.get("grad", True)

@st.composite
def values(draw, dtype: str, n: int) -> list:
  if dtype == "bool": return draw(st.lists(st.booleans(), min_size=n, max_size=n))
  if kind(dtype) == "i":
    info = np.iinfo(dtype)
    ints = st.one_of(st.integers(-8, 8).filter(lambda v: info.min <= v <= info.max),
                     st.sampled_from([int(info.min), int(info.max), int(info.max) - 1]))
    return draw(st.lists(ints, min_size=n, max_size=n))
  finite = st.floats(-4, 4, width=16 if dtype == "float16" else 32)
  return draw(st.lists(st.one_of(finite, finite, st.sampled_from(FLOAT_EDGES)), min_size=n, max_size=n))

small = st.lists(st.sampled_from([1, 2, 3, 4, 0]), min_size=0, max_size=4).map(tuple)  # scalars, size-1 and zero-size dims
# one program in 10 is large: past cumsum's two-stage split (256), float16's exact integers (2048), the split of long reductions
# (32768) and the largest float16 (65504); its values are a short drawn list, tiled
LARGE = [(257,), (4097,), (65537,), (2, 32769)]
shapes = st.integers(0, 9).flatmap(lambda i: st.sampled_from(LARGE) if i == 9 else small)  # shrinks towards small
TILED = 256  # inputs with more elements than this hold a short list of values, tiled

def broadcastable(shape: tuple) -> st.SearchStrategy:
  """A shape that broadcasts against `shape`: some dims set to 1, some leading dims dropped."""
  return st.tuples(st.integers(0, len(shape)), st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))).map(
    lambda t: tuple(1 if one else d for d, one in zip(shape, t[1]))[t[0]:])

@st.composite
def tensor(draw, shape: tuple, dtype: str) -> dict:
  n = int(np.prod(shape, dtype=np.int64))
  return {"shape": list(shape), "dtype": dtype, "values": draw(values(dtype, n if n <= TILED else draw(st.integers(1, 8))))}

def np_dtype(dtype: str) -> str: return "float32" if dtype == "bfloat16" else dtype  # numpy has no bfloat16: the tensor casts to it

def array(t: dict, vals: list | None = None) -> np.ndarray:
  """An input's values as an array of its shape (a large input's short list tiled), in float32 for a bfloat16 input."""
  return np.resize(np.array(t["values"] if vals is None else vals, dtype=np_dtype(t["dtype"])), t["shape"])

@st.composite
def programs(draw, ops: list[str] | None = None, max_ops: int = 3) -> dict:
  """{"inputs": [...], "steps": [...]}: step i computes t{i} from the previous value, fresh inputs and drawn parameters."""
  table = [OPS[n] for n in (ops or OPS)]
  if (reg := [o for o in table if o.params == "registry"]) and (len(reg) == len(table) or draw(st.integers(0, 3)) == 3):
    # one op of the parity registry, on inputs of its sample's shapes: its result's shape is not known here, so it is the program
    op, inputs = draw(st.sampled_from(reg)), []
    p, operands = draw(call(op.name, REGISTRY_STEPS[op.name], inputs))
    return {"inputs": inputs, "steps": [{"op": op.name, "operands": operands, "p": p}]}
  shape, dtype = draw(shapes), draw(any_dtype)
  inputs, steps, cur = [draw(tensor(shape, dtype))], [], "a0"
  for i in range(draw(st.integers(1, max_ops))):
    usable = [o for o in table if kind(dtype) in o.takes and (o.params != "pad" or shape) and o.params not in ("view", "state", "registry")]
    if not usable: break
    op = draw(st.sampled_from(usable))
    operands, side = {"x": cur}, draw(st.sampled_from(["tensor", "tensor", "right", "left"])) if op.scalar else "tensor"
    if side != "tensor":
      # operand "s" is the step's python scalar; "swap" puts it on the left
      steps.append({"op": op.name, "operands": {"x": cur, "y": "s"}, "p": "", "scalar": draw(st.sampled_from(SCALARS)), "swap": side == "left"})
      cur = f"t{i}"
      shape, dtype = _result(op, shape, dtype, "")
      continue
    for role in ("y", "c")[:op.arity - 1]:
      other = draw(broadcastable(tuple(shape)))
      odt = "bool" if role == "c" else draw(st.sampled_from([dtype, dtype, *DTYPES[draw(st.sampled_from(sorted(op.takes)))]]))
      inputs.append(draw(tensor(other, odt)))
      operands[role] = f"a{len(inputs) - 1}"
    p = "0" if op.params == "dim" else ""  # a 0-d tensor has one valid dim, 0
    if op.params in ("conv", "pool", "gather"):
      p, shape = draw(_fresh(op, inputs, operands))
      steps.append({"op": op.name, "operands": operands, "p": p})
      cur, dtype = f"t{i}", "float32" if op.params != "gather" else inputs[int(operands["x"][1:])]["dtype"]
      continue
    if op.params == "pad":
      nd = draw(st.integers(1, min(2, len(shape))))
      widths = draw(st.lists(st.integers(0, 2), min_size=2 * nd, max_size=2 * nd))
      # torch pads reflect/replicate/circular only for 1 or 2 leading (batch, channel) dims
      modes = ["constant"] + (["reflect", "replicate", "circular"] if len(shape) - nd in (1, 2) and kind(dtype) == "f" else [])
      p = f"{tuple(widths)}, mode={draw(st.sampled_from(modes))!r}"
      # F.pad's widths run from the last dim backwards
      shape = (*shape[:-nd], *(sz + widths[2 * (len(shape) - 1 - d)] + widths[2 * (len(shape) - 1 - d) + 1]
                               for d, sz in enumerate(shape) if d >= len(shape) - nd))
    elif op.params and shape:
      ax = draw(st.integers(-len(shape), len(shape) - 1))
      p = str(ax) if op.params == "dim" else draw(st.sampled_from([str(ax), f"{ax}, keepdim=True", ""]))
    steps.append({"op": op.name, "operands": operands, "p": p})
    cur = f"t{i}"
    shape, dtype = _result(op, shape, dtype, p)
  return {"inputs": inputs, "steps": steps}

@st.composite
def _fresh(draw, op: FuzzOp, inputs: list, operands: dict) -> tuple[str, tuple]:
  """New inputs for an op that needs its own shapes; returns the parameter string and the result's shape."""
  def add(shape, dtype, vals=None):
    inputs.append({"shape": list(shape), "dtype": dtype, "values": vals if vals is not None else draw(values(dtype, int(np.prod(shape))))})
    return f"a{len(inputs) - 1}"
  n, hw = draw(st.integers(1, 2)), draw(st.tuples(st.integers(1, 6), st.integers(1, 6)))
  k, s, pad, d = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(0, 1)), draw(st.integers(1, 2))
  out = lambda size, kk, pp: max((size + 2 * pp - d * (kk - 1) - 1) // s + 1, 0)  # a kernel past the input: no output (torch refuses it)
  if op.params == "conv":
    g, cin, cout = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    operands["x"] = add((n, g * cin, *hw), "float32")
    operands["y"] = add((g * cout, cin, k, k), "float32")
    return f"stride={s}, padding={pad}, dilation={d}, groups={g}", (n, g * cout, out(hw[0], k, pad), out(hw[1], k, pad))
  if op.params == "pool":
    pad = min(pad, k // 2)  # torch allows padding up to half the kernel
    dil = f", dilation={d}" if op.name == "max_pool2d" else ""  # torch's avg_pool2d has no dilation
    if not dil: d = 1
    ceil = draw(st.booleans())
    operands["x"] = add((n, draw(st.integers(1, 2)), *hw), draw(st.sampled_from(["float32", "float16"])))
    return f"kernel_size=({k}, {k}), stride={s}, padding={pad}{dil}, ceil_mode={ceil}", (n, 1, out(hw[0], k, pad), out(hw[1], k, pad))
  src = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
  operands["x"] = add(src, draw(st.sampled_from(["float32", "int32", "bool"])))
  dim = draw(st.integers(0, len(src) - 1))
  if op.name == "getitem":
    idx = draw(st.lists(st.integers(-src[0], src[0] - 1), min_size=1, max_size=4))
    operands["y"] = add((len(idx),), "int64", idx)
    return "", (len(idx), *src[1:])
  ishape = tuple(draw(st.integers(1, 4)) if i == dim else draw(st.integers(1, sz)) for i, sz in enumerate(src))
  operands["y"] = add(ishape, "int64", draw(st.lists(st.integers(0, src[dim] - 1), min_size=int(np.prod(ishape)), max_size=int(np.prod(ishape)))))
  return str(dim), ishape

def _result(op: FuzzOp, shape: tuple, dtype: str, p: str) -> tuple[tuple, str]:
  """A cheap guess of the result's shape and dtype, good enough to pick the next op (the real ones come from running it)."""
  if op.name in ("isnan", "isinf", "isfinite", "logical_not", "eq", "ne", "lt", "gt", "le", "ge", "any", "all", "bool"): dtype = "bool"
  elif op.name in ("argmax", "argmin", "int"): dtype = "int32"
  elif op.name in ("float", "mean", "std", "var", "softmax", "log_softmax",
                   "logsumexp") or (op.takes == "f" and kind(dtype) != "f"): dtype = "float32"
  elif op.name == "half": dtype = "float16"
  if op.params in ("axis", "dim") and shape and "keepdim" not in p and op.name not in ("cumsum", "softmax", "log_softmax", "flip"):
    shape = () if not p else tuple(s for i, s in enumerate(shape) if i != int(p.split(",")[0]) % len(shape))
  if op.name == "reshape": shape = (int(np.prod(shape, dtype=np.int64)),)
  if op.name == "unsqueeze": shape = (1, *shape)
  if op.name == "T": shape = tuple(reversed(shape))
  return tuple(shape), dtype

def classes(program: dict) -> list[str]:
  """The classes of program a campaign counts programs and findings by."""
  shapes, ops = [t["shape"] for t in program["inputs"]], [OPS[s["op"]] for s in program["steps"]]
  return [c for c, hit in [("python-scalar", any("scalar" in s for s in program["steps"])), ("zero-size", any(0 in sh for sh in shapes)),
                           ("0-d", any(not sh for sh in shapes)), ("several steps", len(program["steps"]) > 1),
                           ("conv, pool, gather", any(o.params in ("conv", "pool", "gather") for o in ops)),
                           ("DAG through views", any(o.params == "view" for o in ops)), ("many inputs", len(shapes) >= 4),
                           ("in-place", any(o.stmt or o.name == "assign" for o in ops)), ("realize order", any(o.name == "realize" for o in ops)),
                           ("TinyJit", "jit" in program), ("device copy", any(o.name == "copy" for o in ops)),
                           ("registry op", any(o.params == "registry" for o in ops))] if hit]

def source(program: dict, lib: str, float64: bool = False, out: bool = True) -> str:
  """Python source computing `out` from the program, in tinygrad ("tiny") or torch; float64 upcasts float inputs. A program that
  updates its inputs in place ("state") has no gradients, and tinygrad realizes the inputs marked "realized" first."""
  lines, grad = [], not program.get("state")
  for i, t in enumerate(program["inputs"]):
    dt, bf16 = "float64" if float64 and kind(t["dtype"]) == "f" else np_dtype(t["dtype"]), t["dtype"] == "bfloat16"
    vals = "[" + ", ".join(f"float('{v}')" if isinstance(v, float) and not math.isfinite(v) else repr(v) for v in t["values"]) + "]"
    arr = f"np.array({vals}, dtype=np.{dt}).reshape({tuple(t['shape'])})" if len(t["values"]) == math.prod(t["shape"]) else \
      f"np.resize(np.array({vals}, dtype=np.{dt}), {tuple(t['shape'])})"
    if lib == "tiny": lines.append(f"a{i} = Tensor({arr})" + ".cast(dtypes.bfloat16)" * bf16 + ".realize()" * bool(t.get("realized")))
    elif bf16:  # the float64 reference starts from the values rounded to bfloat16
      lines.append(f"a{i} = torch.tensor({arr}).to(torch.bfloat16)" + ".double()" * float64 + f".requires_grad_({grad and leaf(t)})")
    else: lines.append(f"a{i} = torch.tensor({arr}, requires_grad={grad and leaf(t)})")
  for i, s in enumerate(program["steps"]):
    op, ops = OPS[s["op"]], {k: literal(s["scalar"]) if v == "s" else v for k, v in s["operands"].items()}
    line = getattr(op, lib).format(p=s["p"], q=s.get("q", ""), **({**ops, "x": ops["y"], "y": ops["x"]} if s.get("swap") else ops))
    lines += [line, f"t{i} = {ops['x']}"] if op.stmt else [f"t{i} = {line}"]
  if out: lines.append(f"out = t{len(program['steps']) - 1}")
  return "\n".join(lines)

def function_source(program: dict) -> str:
  """The program as a tinygrad function of its inputs, `step(a0, a1, ...)`, returning its output and, for a float output, the
  gradients of its sum with respect to its float inputs: what TinyJit captures."""
  body = source(program, "tiny").splitlines()[len(program["inputs"]):]
  leaves = ", ".join(f"a{i}" for i, t in enumerate(program["inputs"]) if leaf(t))
  return "\n  ".join([f"def step({', '.join(f'a{i}' for i in range(len(program['inputs'])))}):", *body,
                      f"grads = out.sum().gradient({leaves}) if out.is_floating_point() else []" if leaves else "grads = []",
                      "Tensor.realize(out, *grads)", "return (out, *grads)"])

# The parity registry's other ops (tools/parity/ops): every entry the table above does not spell, called through the registry's own two
# implementations with one of its samples' argument lists. The fuzzer draws the values, the float dtype and the float parameters (fill
# values, bounds, exponents); the shapes, index values and other parameters are the sample's. So there is one list of ops, the
# registry, of which the table above spells some by hand, for findings that export as plain tinygrad tests.
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

REGISTRY_STEPS = steps(set(OPS))
OPS.update({k: fuzz_op(k) for k in REGISTRY_STEPS})
NAMESPACE = {"REG": {k: op for k, (op, _) in REGISTRY_STEPS.items()}, "first": first}  # what a registry step's source calls
