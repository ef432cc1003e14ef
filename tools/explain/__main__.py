"""`make explain`: how tinygrad lowers one Tensor expression, told by tinygrad's own machinery. The expression runs with rewrite tracking
on (TRACK_MATCH_STATS=2, what VIZ records); the report has the tensor graph, the schedule, each kernel's UOps at the main stages of
codegen, the rendered code on each backend asked for, every rewrite rule that fired (file:line) and the counts. The terminal gets a
summary, build/explain/<name>.md everything.

  python -m tools.explain "(x @ w).relu().sum(1)" --shapes x=4x8,w=8x3 [--vars n:1..8=3] [--backends CPU,CPU:LLVM]"""
import os
os.environ["TRACK_MATCH_STATS"] = "2"  # read when tinygrad is imported
os.environ.setdefault("PRINT_MATCH_STATS", "0")
import argparse, ast, builtins, json, re, subprocess, sys
from collections import Counter
from tinygrad import Device, Tensor, Variable, dtypes, nn
from tinygrad.dtype import DType
from tinygrad.engine.realize import compile_linear
from tinygrad.helpers import ansistrip, printable
from tinygrad.uop import ops as uops
from tinygrad.uop.ops import GroupOp, Ops, UOp
from tinygrad.uop.render import pyrender
from tinygrad.viz.serve import VizData, _reconstruct
from tools.explain.count import count
from tools.toolchain import backends as cpu_backends
from tools.workbench import DEV, ROOT, WorkbenchError, cli, write_atomic

OUT = ROOT / "build" / "explain"
# the codegen rewrites whose input is worth showing, and what that input is (tinygrad/codegen/__init__.py names them)
STAGES = {"early movement ops": "the kernel's AST, as the scheduler made it", "expander": "after optimization: ranges split, upcast, unrolled",
          "add gpudims": "after the reduce became an accumulator", "decompositions": "after indexing was lowered to int arithmetic"}
HIDDEN = {Ops.DEVICE, Ops.UNIQUE, Ops.LUNIQUE}

def parse_shapes(spec: str) -> dict[str, tuple[tuple[int, ...], str]]:
  out = {}
  for item in filter(None, spec.split(",")):
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(\d+(?:x\d+)*)?(?::(\w+))?\s*", item)
    if not m or (m.group(3) and not isinstance(getattr(dtypes, m.group(3), None), DType)):
      raise WorkbenchError(f"cannot read the shape {item!r}: write name=AxBxC, optionally :dtype (x=4x8,w=8x3:float16; x= for a 0-d tensor)")
    out[m.group(1)] = (tuple(int(d) for d in m.group(2).split("x")) if m.group(2) else (), m.group(3) or "float32")
  return out

def parse_vars(spec: str) -> dict[str, UOp]:
  out = {}
  for item in filter(None, spec.split(",")):
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*:\s*(\d+)\.\.(\d+)\s*=\s*(\d+)\s*", item)
    if not m or not int(m.group(2)) <= int(m.group(4)) <= int(m.group(3)):
      raise WorkbenchError(f"cannot read the variable {item!r}: write name:min..max=value, with min <= value <= max (n:1..8=3)")
    out[m.group(1)] = Variable(m.group(1), int(m.group(2)), int(m.group(3))).bind(int(m.group(4)))
  return out

def evaluate(expr: str, shapes: dict, variables: dict) -> tuple[list[Tensor], dict[UOp, str]]:
  """The expression's output tensors, and the input buffers by name."""
  try: tree = ast.parse(expr, mode="eval")
  except SyntaxError as e: raise WorkbenchError(f"the expression does not parse: {e.msg} at column {e.offset}: {expr}") from None
  Tensor.manual_seed(0)
  names = {"Tensor": Tensor, "dtypes": dtypes, "nn": nn, **variables}
  for name, (shape, dtype) in shapes.items():
    t = Tensor.randn(*shape) if dtypes.is_float(getattr(dtypes, dtype)) else Tensor.randint(*shape, low=-8, high=8)
    names[name] = t.cast(getattr(dtypes, dtype)).realize()
  if unknown := sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(names) - set(dir(builtins))):
    raise WorkbenchError(f"unknown name {', '.join(unknown)} in the expression: give it a shape in SHAPES= (or a range in VARS=)")
  try: out = eval(compile(tree, "<expr>", "eval"), names)
  except Exception as e:
    raise WorkbenchError(f"the expression fails on these shapes ({', '.join(f'{k}={v[0]}' for k, v in shapes.items())}): "
                         f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:200]}") from None
  outs = list(out) if isinstance(out, (tuple, list)) else [out]
  if not outs or not all(isinstance(t, Tensor) for t in outs): raise WorkbenchError(f"the expression gives {type(out).__name__}, not a Tensor")
  return outs, {names[n].uop.base: n for n in shapes}

def graph(outs: list[Tensor], inputs: dict[UOp, str]) -> list[str]:
  """The tensor graph before scheduling: one line per UOp, its sources by number. Shape operands of movement ops show as their args."""
  shape_operand = lambda u: u.op in (Ops.CONST, Ops.STACK) and u.dtype.scalar() == dtypes.weakint
  nodes = [u for u in UOp.sink(*[t.uop for t in outs]).toposort() if u.op not in HIDDEN and not shape_operand(u)]
  num = {u: i for i, u in enumerate(nodes)}
  lines = []
  for u in nodes:
    srcs = ", ".join(f"%{num[s]}" for s in u.src if s in num)
    shape = f" {tuple(u.shape)}" if u._shape is not None else ""
    arg = u.marg if u.op in GroupOp.Movement else inputs.get(u, u.arg) if u.op is not Ops.SINK else None
    arg = f" arg={ansistrip(str(arg))[:60]}" if arg is not None else ""
    lines.append(f"%{num[u]:<3} {u.op.name:<12} {u.dtype!s:<20}{shape}{arg}" + (f" <- {srcs}" if srcs else ""))
  return lines

def schedule(linear: UOp, names: list[str], inputs: dict[UOp, str]) -> list[str]:
  """Each call of the schedule with the buffers it writes and reads."""
  lines = []
  for i, (call, name) in enumerate(zip(linear.src, names)):
    body, bufs = call.src[0], call.src[1:]
    desc = lambda j, bufs=bufs: f"buf{j}" + (f" ({inputs[bufs[j]]})" if bufs[j] in inputs else "") + f": {bufs[j].dtype.name} x{bufs[j].arg}"
    if body.op is Ops.SINK:
      written = {u.src[0].src[0].arg for u in body.toposort() if u.op is Ops.STORE and u.src[0].op is Ops.INDEX and u.src[0].src[0].op is Ops.PARAM}
      params = sorted({u.arg for u in body.toposort() if u.op is Ops.PARAM})
      writes, reads = [desc(j) for j in params if j in written], [desc(j) for j in params if j not in written and j < len(bufs)]
    else: writes, reads = [desc(0)], [desc(j) for j in range(1, len(bufs))]
    lines.append(f"{i}. {name} ({body.op.name.lower()}): writes {', '.join(writes) or 'nothing'}; reads {', '.join(reads) or 'nothing'}")
  return lines

def render(u: UOp) -> str:
  try: return pyrender(u)
  except Exception: return str(u)  # pyrender cannot show every op (CALLs)

def lowering(first_group: int) -> tuple[dict[str, list[tuple[str, str]]], list[tuple]]:
  """Per kernel, its UOps at each stage in STAGES; and every rule that fired since `first_group`: (where, rewrite, file:line, source, count)."""
  data = VizData(trace=uops.RewriteTrace(uops.tracked_keys, uops.tracked_ctxs, uops.uop_fields))
  stages: dict[str, list[tuple[str, str]]] = {}
  fired: Counter = Counter()
  for key, rewrites in zip(uops.tracked_keys[first_group:], uops.tracked_ctxs[first_group:]):
    where = ansistrip(key.display_name)
    if any(r.name in STAGES for r in rewrites):
      stages[where] = [(f"{r.name}: {STAGES[r.name]}", render(_reconstruct(data, r.sink))) for r in rewrites if r.name in STAGES]
    for r in rewrites:
      for _, _, loc, _ in r.matches: fired[(where, r.name, loc)] += 1
  rules = [(where, name, f"{os.path.relpath(loc[0], ROOT / 'tinygrad')}:{loc[1]}", printable(loc), n) for (where, name, loc), n in fired.items()]
  return stages, rules

def code_on(dev: str, args) -> dict[str, str]:
  """The rendered code of each kernel on another backend: this tool again in a process of its own with DEV=dev."""
  if why := cpu_backends().get(dev): raise WorkbenchError(f"backend {dev} cannot run here: {why}")
  cmd = [sys.executable, "-m", "tools.explain", args.expr, "--shapes", args.shapes, "--vars", args.vars, "--code-json"]
  p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "DEV": dev}, cwd=ROOT)
  if p.returncode != 0:
    last = (p.stderr.strip().splitlines() or ["?"])[-1]
    raise WorkbenchError(last.removeprefix("error: ") if last.startswith("error: ") else f"backend {dev} cannot run this expression: {last}")
  return json.loads(p.stdout)

def source(prg: UOp) -> str:
  """A kernel's rendered code; for backends that emit machine code (CPU:X86), their assembly listing of it."""
  ren = Device[Device.DEFAULT].renderer
  if hasattr(ren, "asm_str"):
    try: return ren.asm_str(list(prg.src[2].src), prg.arg.function_name)
    except NotImplementedError: pass
  return prg.src[3].arg

def fmt(row: dict, key: str) -> str: return f"{row[key]:,}" + (f" ({row['formula'][key]})" if key in row["formula"] else "")

def main():
  ap = argparse.ArgumentParser(prog="make explain", description=__doc__.split("\n\n")[0])
  ap.add_argument("expr")
  ap.add_argument("--shapes", default="", help="the tensors the expression names: x=4x8,w=8x3 (random, seeded; :dtype for others)")
  ap.add_argument("--vars", default="", help="symbolic Variables: n:1..8=3 (name:min..max=bound value)")
  ap.add_argument("--backends", default="", help=f"render the kernels for these backends too, comma-separated (this process: {DEV})")
  ap.add_argument("--code-json", action="store_true", help=argparse.SUPPRESS)
  args = ap.parse_args()
  if not args.expr.strip(): raise WorkbenchError('no expression: make explain EXPR="(x @ w).relu().sum(1)" SHAPES="x=4x8,w=8x3"')
  try: Device[Device.DEFAULT]
  except Exception as e: raise WorkbenchError(f"backend {DEV} cannot run here: {type(e).__name__}: {(str(e).splitlines() or [''])[0]}") from None
  outs, inputs = evaluate(args.expr, parse_shapes(args.shapes), parse_vars(args.vars))
  tensor_graph = graph(outs, inputs)
  first_group = len(uops.tracked_keys)
  linear, var_vals = outs[0].linear_with_vars(*outs[1:])
  compiled = compile_linear(linear)
  rows = count(compiled, var_vals)
  code = {r["name"]: source(call.src[0]) for r, call in zip(rows, compiled.src) if r["kernel"]}
  if args.code_json: return print(json.dumps(code))
  others = {dev: code_on(dev, args) for dev in dict.fromkeys(filter(None, args.backends.split(","))) if dev != DEV}
  stages, rules = lowering(first_group)

  kernels = [r for r in rows if r["kernel"]]
  summary = [f"{len(kernels)} kernel{'s' * (len(kernels) != 1)}, {sum(r['uops'] for r in kernels)} uops, "
             f"{sum(r['ops'] for r in rows):,} ops, {sum(r['mem'] for r in rows):,} bytes" + (f" at {var_vals}" if var_vals else ""),
             "", "| call | uops | ops | bytes |", "|---|---|---|---|",
             *(f"| {r['name']} | {r['uops']} | {fmt(r, 'ops')} | {fmt(r, 'mem')} |" for r in rows)]
  sched = schedule(linear, [r["name"] for r in rows], inputs)
  doc = [f"# `{args.expr}`", "", f"shapes: {args.shapes or 'none'}; variables: {args.vars or 'none'}; DEV={DEV}", "", "## Counts", "", *summary,
         "", "## Tensor graph", "", "```", *tensor_graph, "```", "", "## Schedule", "", *sched]
  for name in code:
    doc += ["", f"## Kernel {name}"]
    for title, text in stages.get(name, []): doc += ["", f"### {title}", "", "```python", text, "```"]
    for dev, src in {DEV: code, **others}.items():
      doc += ["", f"### rendered for DEV={dev}", "", "```c", src.get(name, "(no kernel of this name on this backend)"), "```"]
  doc += ["", "## Rewrite rules that fired", "", "| where | rewrite | rule | fired | source |", "|---|---|---|---|---|"]
  doc += [f"| {w} | {n} | {loc} | {k} | `{src.replace('|', '/')[:120]}` |" for w, n, loc, src, k in rules]
  OUT.mkdir(parents=True, exist_ok=True)
  path = OUT / (re.sub(r"\W+", "_", args.expr).strip("_")[:60] + ".md")
  write_atomic(path, "\n".join(doc) + "\n")

  print("\n".join(summary), "", "schedule:", *sched, sep="\n")
  for name, src in code.items(): print(f"\n{name} on DEV={DEV}:\n{src.strip()}")
  top = sorted(rules, key=lambda r: -r[4])[:12]
  print(f"\n{len(rules)} rewrite rules fired, {sum(r[4] for r in rules)} times; the most:")
  for _, n, loc, src, k in top: print(f"  {k:5d}  {loc:<38} {n:<24} {src[:70]}")
  on = f" on {', '.join(others)}" if others else ""
  print(f"\nreport: {path.relative_to(ROOT)} (graph, schedule, UOps per stage, code{on}, every rule)")

if __name__ == "__main__":
  try: cli(main)
  finally: uops.TRACK_MATCH_STATS.value = 0  # tinygrad would pickle every tracked rewrite for VIZ at exit
