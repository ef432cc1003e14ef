"""Findings on disk: build/fuzz/findings/<id>/ holds finding.json, a one-line summary.txt and a standalone repro.py."""
import hashlib, json
from pathlib import Path
from tools.fuzz.programs import kind, source
from tools.workbench import ROOT

FINDINGS = ROOT / "build" / "fuzz" / "findings"

def signature(program: dict, result: dict) -> str:
  """op : failure kind : dtype class : input class, for the first step that goes wrong."""
  if result["kind"] == "grad-0d-const-alias": return "gradient:grad-0d-const-alias:float:scalar"  # one root cause, whatever the op
  step = program["steps"][result.get("step", len(program["steps"]) - 1)]
  x = program["inputs"][int(step["operands"]["x"][1:]) if step["operands"]["x"].startswith("a") else 0]
  vals = [v for t in program["inputs"] for v in t["values"] if isinstance(v, float)]
  inputs = "zero-size" if 0 in x["shape"] else "scalar" if not x["shape"] else \
    "special" if any(v != v or abs(v) in (float("inf"), 3.4e38, 1e-40, 65504.0) for v in vals) else "finite"
  return f"{step['op']}:{result['kind']}:{ {'f': 'float', 'i': 'int', 'b': 'bool'}[kind(x['dtype'])]}:{inputs}"

def finding_id(sig: str) -> str: return sig.split(":")[0] + "-" + hashlib.sha256(sig.encode()).hexdigest()[:8]

def write(program: dict, result: dict, sig: str) -> Path:
  d = FINDINGS / finding_id(sig)
  d.mkdir(parents=True, exist_ok=True)
  ops = " -> ".join(s["op"] for s in program["steps"])
  summary = f"{finding_id(sig)}: {ops}: {result['kind']}: {result['message'][:300]}"
  for name, text in [("finding.json", json.dumps({"signature": sig, "program": program, "result": result}, indent=1)),
                     ("summary.txt", summary + "\n"), ("repro.py", repro(program, result, summary))]:
    tmp = d / (name + ".tmp")
    tmp.write_text(text)
    tmp.replace(d / name)
  return d

def load() -> list[dict]:
  return [json.loads(f.read_text()) | {"id": f.parent.name} for f in sorted(FINDINGS.glob("*/finding.json"))]

REPRO = '''"""{summary}

Standalone: tinygrad and torch only. Exits 1 while tinygrad disagrees with torch, 0 once it agrees."""
import sys
import numpy as np, torch
import torch.nn.functional as F
from tinygrad import Tensor

def tinygrad_program():
{tiny}
  return out

def torch_program():
{torch}
  return out

def close(a, b):
  if a.dtype == np.int32 and b.dtype == np.int64: a = a.astype(np.int64)  # tinygrad's default int is int32, by design
  if a.shape != b.shape or a.dtype != b.dtype: return False
  if a.dtype.kind not in "fc": return bool(np.array_equal(a, b))
  rtol, atol = {{"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}}[str(a.dtype)]
  return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))

def outcome(fn):
  try: return fn()
  except Exception as e: return e

tg, pt = outcome(tinygrad_program), outcome(torch_program)
if isinstance(tg, Exception) or isinstance(pt, Exception):
  print("tinygrad:", repr(tg)[:300], "\\ntorch:", repr(pt)[:300])
  sys.exit(1 if isinstance(tg, Exception) != isinstance(pt, Exception) else 0)
tg, pt = outcome(tg.numpy), pt.detach().numpy()
if isinstance(tg, Exception): print("tinygrad failed to realize:", repr(tg)[:300]); sys.exit(1)
{grad}print("tinygrad:", tg.dtype, tg.shape, tg.ravel()[:8], "\\ntorch:   ", pt.dtype, pt.shape, pt.ravel()[:8])
sys.exit(0 if close(tg, pt) else 1)
'''

def repro(program: dict, result: dict, summary: str) -> str:
  return REPRO.format(summary=summary.replace('"""', "'''"), tiny=_indent(source(program, "tiny")), torch=_indent(source(program, "torch")),
                      grad=_grad(program) if result["kind"].startswith("grad") else "")

def _indent(src: str) -> str: return "\n".join("  " + ln for ln in src.splitlines())

def _grad(program: dict) -> str:
  """For gradient findings: compare d(sum(out))/d(first float input) as well."""
  i = next(i for i, t in enumerate(program["inputs"]) if kind(t["dtype"]) == "f")
  tiny = _indent(source(program, "tiny") + f"\nreturn out.sum().gradient(a{i})[0]")
  torch_src = _indent(source(program, "torch") + f"\nreturn torch.autograd.grad(out.sum(), a{i})[0]")
  return (f"def tinygrad_grad():\n{tiny}\n\ndef torch_grad():\n{torch_src}\n\n"
          "g_tg, g_pt = outcome(lambda: tinygrad_grad().numpy()), torch_grad().numpy()\n"
          "if isinstance(g_tg, Exception) or not close(g_tg, g_pt):\n"
          "  print('gradient differs:', repr(g_tg)[:300], g_pt.ravel()[:8]); sys.exit(1)\n")
