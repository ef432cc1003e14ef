"""make fuzz-export ID=...: turns a finding into a new patch on top of the stack, an upstream-style regression test marked
@unittest.expectedFailure in tinygrad's test/unit/, holding torch's answer as literal values (upstream's unit tests need no torch)."""
import json, sys
from pathlib import Path
import numpy as np, torch
from tools.stack import patches, queue
from tools.fuzz import findings
from tools.fuzz.oracle import run
from tools.fuzz.programs import OPS, kind, source
from tools.workbench import ROOT, WorkbenchError, cli, git

TEST = '''import unittest
import numpy as np
from tinygrad import Tensor

class TestFuzz{cls}(unittest.TestCase):
  # found by the workbench's differential fuzzer against torch: {summary}
  @unittest.expectedFailure
  def test_matches_torch(self):
{program}
{check}

if __name__ == '__main__':
  unittest.main()
'''

def _literal(a: np.ndarray) -> str:
  body = np.array2string(a.ravel(), separator=", ", threshold=10**6).replace("nan", "np.nan").replace("inf", "np.inf")
  return f"np.array({body}, dtype=np.{a.dtype}).reshape({tuple(a.shape)})"

def export(fid: str, root: Path = ROOT) -> str:
  d = findings.FINDINGS / fid
  if not (d / "finding.json").exists():
    raise WorkbenchError(f"no finding {fid} under {findings.FINDINGS.relative_to(ROOT)}: `ls build/fuzz/findings`")
  f = json.loads((d / "finding.json").read_text())
  if f["result"]["kind"] in ("crash", "hang"):
    raise WorkbenchError(f"{fid} is a {f['result']['kind']} finding, which would take the test run down with it: its repro is {d / 'repro.py'}")
  if "jit" in f["program"]:
    raise WorkbenchError(f"{fid} is a TinyJit finding; its test needs the jitted function, written by hand from {d / 'repro.py'}")
  if any(t["dtype"] == "bfloat16" for t in f["program"]["inputs"]):
    raise WorkbenchError(f"{fid} has a bfloat16 input, which numpy lacks for the test's expected values: write its test by hand from "
                         f"{d / 'repro.py'}")
  if any(OPS[s["op"]].params == "registry" for s in f["program"]["steps"]):
    raise WorkbenchError(f"{fid} calls an op through the parity registry (tools/parity/ops), whose spelling upstream lacks: write its test by "
                         f"hand from {d / 'repro.py'}")
  test = f"test/unit/test_fuzz_{fid.replace('-', '_')}.py"
  repo = root / "tinygrad"
  if why := patches.local_work(repo, root / "patches"): raise WorkbenchError(why)
  (repo / test).write_text(render_test(fid, f["program"], f["result"], (d / "summary.txt").read_text().strip()))
  git("add", test, cwd=repo)
  git("commit", "-q", "-m", f"Add a failing test for fuzz finding {fid}", "-m",
      f"Kind: test\nUpstream-Status: pending\nTests: {test}\nFixes: {fid}", cwd=repo)
  queue.export(root)
  return test

def render_test(fid: str, program: dict, result: dict, summary: str) -> str:
  """The regression test's source: the program in tinygrad, checked against torch's answer (values, gradient, or a refusal)
  written out as literals, since upstream's unit tests do not need torch."""
  try: ns, want = run(program, "torch")
  except Exception: want = None
  if want is None: check = "    with self.assertRaises(Exception): out.numpy()  # torch rejects this program"
  elif result["kind"].startswith("grad"):
    i = next(i for i, t in enumerate(program["inputs"]) if kind(t["dtype"]) == "f")
    g = torch.autograd.grad(want.sum(), ns[f"a{i}"])[0].numpy()
    check = f"    np.testing.assert_allclose(out.sum().gradient(a{i})[0].numpy(), {_literal(g)}, rtol=1e-5, atol=1e-6)"
  else: check = f"    np.testing.assert_allclose(out.numpy(), {_literal(want.detach().numpy())}, rtol=1e-5, atol=1e-6)"
  return TEST.format(cls="".join(w.capitalize() for w in fid.replace("-", "_").split("_")), summary=summary[:200],
                     program="\n".join("    " + ln for ln in source(program, "tiny").splitlines()), check=check)

def main():
  if len(sys.argv) < 2 or not sys.argv[1]: raise WorkbenchError("name the finding: `make fuzz-export ID=<id>` (`ls build/fuzz/findings`)")
  print(f"added {export(sys.argv[1])} as a new patch on top of the stack and exported it")

if __name__ == "__main__": cli(main)
