"""make fuzz-export ID=...: turns a finding into a new patch on top of the stack, an upstream-style regression test marked
@unittest.expectedFailure in tinygrad's test/unit/, holding torch's answer as literal values (upstream's unit tests need no torch)."""
import json, sys
import numpy as np
from tools import queue
from tools.fuzz import findings
from tools.fuzz.oracle import run
from tools.fuzz.programs import source
from tools.workbench import ROOT, WorkbenchError, git

TEST = '''import unittest
import numpy as np
from tinygrad import Tensor

class TestFuzz{cls}(unittest.TestCase):
  # found by the workbench's differential fuzzer against torch: {summary}
  @unittest.expectedFailure
  def test_matches_torch(self):
{program}
    np.testing.assert_allclose(out.numpy(), np.array({want}, dtype=np.{dtype}).reshape({shape}), rtol=1e-5, atol=1e-6)

if __name__ == '__main__':
  unittest.main()
'''

def export(fid: str) -> str:
  d = findings.FINDINGS / fid
  if not (d / "finding.json").exists():
    raise WorkbenchError(f"no finding {fid} under {findings.FINDINGS.relative_to(ROOT)}: `ls build/fuzz/findings`")
  f = json.loads((d / "finding.json").read_text())
  if f["result"]["kind"] in ("exception", "crash", "hang") or f["result"]["kind"].startswith("grad"):
    raise WorkbenchError(f"{fid} is a {f['result']['kind']} finding: only wrong forward values export as a test so far; "
                         f"its repro is {d / 'repro.py'}")
  test = f"test/unit/test_fuzz_{fid.replace('-', '_')}.py"
  repo = ROOT / "tinygrad"
  if why := queue.patches.local_work(repo, ROOT / "patches"): raise WorkbenchError(why)
  (repo / test).write_text(render_test(fid, f["program"], (d / "summary.txt").read_text().strip()))
  git("add", test, cwd=repo)
  git("commit", "-q", "-m", f"Add a failing test for fuzz finding {fid}", "-m",
      f"Kind: test\nUpstream-Status: pending\nTests: {test}\nFixes: {fid}", cwd=repo)
  queue.export(ROOT)
  return test

def render_test(fid: str, program: dict, summary: str) -> str:
  """The regression test's source: the program in tinygrad, checked against torch's answer written out as literals."""
  _, want = run(program, "torch")
  want = want.detach().numpy()
  literal = np.array2string(want.ravel(), separator=", ", threshold=10**6).replace("nan", "np.nan").replace("inf", "np.inf")
  return TEST.format(cls="".join(w.capitalize() for w in fid.replace("-", "_").split("_")), summary=summary[:200],
                     program="\n".join("    " + ln for ln in source(program, "tiny").splitlines()), want=literal, dtype=want.dtype,
                     shape=tuple(want.shape))

if __name__ == "__main__":
  try: print(f"added {export(sys.argv[1])} as a new patch on top of the stack and exported it")
  except (WorkbenchError, IndexError) as e: sys.exit(f"error: {e or 'name the finding: make fuzz-export ID=<id>'}")
