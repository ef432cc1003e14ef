"""What a change costs, counted by tinygrad itself: the kernels an expression compiles to, the uops in each, and the ops and
bytes of tinygrad's own estimates. Measured in a tree (the pin, or the pin with a patch) in a fresh process.

The expression sees `Tensor`, `dtypes` and `x`, a 16x16 float32 tensor that requires grad; where the result is a float
tensor that depends on `x`, its backward is counted too, since most op fixes change the gradient as well."""
import json, os, subprocess, sys
from dataclasses import dataclass
from pathlib import Path
from tools.workbench import ROOT, WorkbenchError

COUNT = """
import json, sys
from tinygrad import Tensor, dtypes
from tinygrad.engine.realize import compile_linear
from tools.explain.count import count
Tensor.manual_seed(0)
x = Tensor.rand(16, 16).realize()
x.requires_grad = True
out = eval(sys.argv[1])
out = out() if callable(out) else out  # a method named by the op alone, like x.elu
outs = [out]
if dtypes.is_float(out.dtype):
  out.sum().backward()
  if x.grad is not None: outs.append(x.grad)
rows = count(compile_linear(Tensor.schedule_linear(*outs)))
print(json.dumps({"kernels": [(r["name"], r["uops"]) for r in rows if r["kernel"]], "ops": sum(r["ops"] for r in rows),
                  "mem": sum(r["mem"] for r in rows)}))
"""

@dataclass
class Cost:
  kernels: list[tuple[str, int]]  # (name, uops)
  ops: int
  mem: int

  @property
  def uops(self) -> int: return sum(n for _, n in self.kernels)

def measure(expr: str, tree: Path, env: dict[str, str]) -> Cost:
  """Counts `expr` with the tinygrad in `tree` (put first on sys.path), as `make explain` counts (tools/explain/count.py)."""
  p = subprocess.run([sys.executable, "-c", COUNT, expr], cwd=tree, capture_output=True, text=True,
                     env={**env, "PYTHONPATH": os.pathsep.join((str(tree), str(ROOT)))})
  if p.returncode != 0:
    last = (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1]
    raise WorkbenchError(f"cannot count the cost of `{expr}`: {last}; name an expression that runs in a `Cost:` trailer")
  return Cost(**json.loads(p.stdout.strip().splitlines()[-1]))

def line(before: Cost, after: Cost) -> str:
  """One line, as merged PRs put it: '16 uops to 11, same 2 kernels'."""
  n0, n1 = len(before.kernels), len(after.kernels)
  uops = f"same {after.uops} uops" if before.uops == after.uops else f"{before.uops} uops to {after.uops}"
  kernels = f"same {n1} kernel{'s' * (n1 != 1)}" if n0 == n1 else f"{n0} kernels to {n1}"
  ops = f"same {after.ops} ops" if before.ops == after.ops else f"{before.ops} ops to {after.ops}"
  mem = f"same {after.mem} bytes" if before.mem == after.mem else f"{before.mem} bytes to {after.mem}"
  more = [k for k, a, b in (("uops", before.uops, after.uops), ("kernels", n0, n1), ("ops", before.ops, after.ops),
                            ("bytes", before.mem, after.mem)) if b > a]
  return f"{uops}, {kernels}; {ops}, {mem}" + (f": costs more {', '.join(more)}" if more else "")
