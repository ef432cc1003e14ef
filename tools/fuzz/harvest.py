"""make fuzz-harvest: a live repro for each signature tools/parity/known.py suppresses. A campaign run with --harvest collects the
programs that showed each one; the shortest that shows it again in a fresh worker, on the backends it failed on, becomes its repro
in tools/parity/known_repros.json, which tests/test_known.py replays."""
import json
from tools.fuzz import findings
from tools.fuzz.worker import Worker
from tools.parity import known
from tools.workbench import DEV

def collect(candidates: dict[str, list[dict]], sig: str, program: dict, most: int = 5):
  """Keeps the `most` shortest programs seen for a signature (op:kind:dtype:class@backends)."""
  candidates[sig] = sorted([*candidates.get(sig, []), program], key=lambda p: len(json.dumps(p)))[:most]

def shows(program: dict, sig: str) -> bool:
  base, _, devs = sig.partition("@")
  for dev in devs.split(",") if devs else [DEV]:
    w = Worker(60, dev=dev)
    try:
      if (r := w.run(program))["status"] != "fail" or findings.signature(program, r) != base: return False
    finally: w.stop()
  return True

def harvest(candidates: dict[str, list[dict]]) -> dict[str, dict]:
  """The repros on record, each replaced by a shorter candidate that shows its signature again."""
  repros = known.repros()
  for sig, programs in candidates.items():
    base = sig.split("@")[0]
    for p in programs:
      if base in repros and len(json.dumps(p)) >= len(json.dumps(repros[base])): break
      if shows(p, sig):
        repros[base] = p
        break
  return repros
