"""Findings on disk: build/fuzz/findings/<id>/ holds finding.json, a one-line summary.txt and a repro.py that runs in a fresh process."""
import hashlib, json, subprocess, sys
from pathlib import Path
from tools.fuzz.programs import kind, source
from tools.workbench import ROOT, write_atomic

FINDINGS = ROOT / "build" / "fuzz" / "findings"

def signature(program: dict, result: dict) -> str:
  """op : failure kind : dtype class : input class, for the first step that goes wrong, by its own operands: its first operand's dtype,
  and the class of its first operand if that is zero-size, else of a python scalar operand if it has one, else of its first operand.
  Old results without operands fall back on the program's inputs."""
  if result["kind"] == "grad-0d-const-alias": return "gradient:grad-0d-const-alias:float:scalar"  # one root cause, whatever the op
  step = program["steps"][result.get("step", len(program["steps"]) - 1)]
  names = {"f": "float", "i": "int", "b": "bool"}
  if ops := result.get("operands"):
    dtype, cls = ops.get("x", next(iter(ops.values())))
    python = next((c for _, c in ops.values() if c.startswith("python")), cls)
    return f"{step['op']}:{result['kind']}:{names[dtype]}:{cls if cls == 'zero-size' else python}"
  x = program["inputs"][int(step["operands"]["x"][1:]) if step["operands"]["x"].startswith("a") else 0]
  vals = [v for t in program["inputs"] for v in t["values"] if isinstance(v, float)]
  inputs = "zero-size" if 0 in x["shape"] else "scalar" if not x["shape"] else \
    "special" if any(v != v or abs(v) in (float("inf"), 3.4e38, 1e-40, 65504.0) for v in vals) else "finite"
  return f"{step['op']}:{result['kind']}:{names[kind(x['dtype'])]}:{inputs}"

def finding_id(sig: str) -> str: return sig.split(":")[0] + "-" + hashlib.sha256(sig.encode()).hexdigest()[:8]

def claim(sig: str) -> bool:
  """Whether this process is the first to find `sig`: the folder's creation is atomic, so jobs running side by side never write one twice."""
  FINDINGS.mkdir(parents=True, exist_ok=True)
  try: (FINDINGS / finding_id(sig)).mkdir()
  except FileExistsError: return False
  return True

def write(program: dict, result: dict, sig: str) -> Path:
  """The finding's folder; a finding of some backends only (result["dev"]) gets a repro that runs on the first of them."""
  d = FINDINGS / finding_id(sig)
  d.mkdir(parents=True, exist_ok=True)
  ops = " -> ".join(s["op"] for s in program["steps"])
  summary = f"{finding_id(sig)}: {ops}: {result['kind']}: {result['message'][:300]}"
  for name, text in [("finding.json", json.dumps({"signature": sig, "program": program, "result": result}, indent=1)),
                     ("summary.txt", summary + "\n"), ("repro.py", repro(program, summary, result.get("dev")))]:
    write_atomic(d / name, text)
  return d

def load() -> list[dict]:
  return [json.loads(f.read_text()) | {"id": f.parent.name} for f in sorted(FINDINGS.glob("*/finding.json"))]

REPRO = '''"""{summary}

Runs the program below on tinygrad and torch and judges it by the campaign's own rule (tools/fuzz/oracle.py of the workbench this
file sits in). Exits 1 while tinygrad disagrees with torch, 0 once it agrees."""
import json, os, sys
{dev}sys.path.append({root!r})  # the workbench, last: a tinygrad put first on PYTHONPATH (another release, say) is the one tested
from tools.fuzz.oracle import evaluate

# in tinygrad:
{tiny}
# in torch:
{torch}
PROGRAM = json.loads({program!r})

res = evaluate(PROGRAM)
print(res.get("message") or "tinygrad agrees with torch")
sys.exit(1 if res["status"] == "fail" else 0)
'''

def repro(program: dict, summary: str, dev: str | None = None) -> str:
  comment = lambda src: "\n".join("#   " + ln for ln in src.splitlines())
  return REPRO.format(summary=summary.replace('"""', "'''"), tiny=comment(source(program, "tiny")), torch=comment(source(program, "torch")),
                      program=json.dumps(program), root=str(ROOT), dev=f"os.environ['DEV'] = {dev!r}  # where it fails\n" if dev else "")

def reproduces(d: Path, timeout: float = 120) -> bool:
  """Whether a finding's repro.py fails in a fresh process: exit 1 (a disagreement), a crash, or a hang."""
  try: return subprocess.run([sys.executable, str(d / "repro.py")], capture_output=True, timeout=timeout, cwd=d).returncode != 0
  except subprocess.TimeoutExpired: return True
