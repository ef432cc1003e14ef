"""The counts of a compiled schedule as tinygrad itself reports them: per call its name, uops (kernels only), and the ops and bytes
of tinygrad's own estimates. `make explain` prints them and `make pr`'s cost line (tools/stack/cost.py) compares them."""
from tinygrad.engine.realize import estimate_uop
from tinygrad.helpers import ansistrip
from tinygrad.uop.ops import Ops, UOp, ssimplify, sym_infer

def count(compiled: UOp, var_vals: dict[str, int] | None = None) -> list[dict]:
  """One row per call of a compiled LINEAR. With symbolic shapes ops and bytes are formulas: `formula` keeps them, the numbers are
  at the bound values."""
  rows = []
  for call in compiled.src:
    est, prg = estimate_uop(call), call.src[0]
    kernel = prg.op is Ops.PROGRAM
    rows.append({"name": ansistrip(prg.arg.name) if kernel else prg.op.name.lower(), "kernel": kernel, "uops": len(prg.src[2].src) if kernel else 0,
                 "ops": sym_infer(est.ops, var_vals or {}), "mem": sym_infer(est.mem, var_vals or {}),
                 "formula": {k: v.render() for k in ("ops", "mem") if isinstance(v := ssimplify(getattr(est, k)), UOp)}})
  return rows
