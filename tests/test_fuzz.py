"""The differential fuzzer's parts against real tinygrad and torch: program source, oracle, process isolation, repros."""
import subprocess, sys, unittest
import pytest
from tools.fuzz import campaign, findings
from tools.fuzz.export import render_test
from tools.fuzz.oracle import evaluate
from tools.fuzz.worker import Worker

def prog(*steps, inputs=None):
  inputs = inputs or [{"shape": [3], "dtype": "float32", "values": [0.5, -1.0, 2.0]}]
  return {"inputs": inputs, "steps": [{"op": op, "operands": ops, "p": p} for op, ops, p in steps]}

NAN_RELU = prog(("relu", {"x": "a0"}, ""), inputs=[{"shape": [2], "dtype": "float32", "values": [float("nan"), 1.0]}])
INT_MOD_ZERO = prog(("mod", {"x": "a0", "y": "a1"}, ""),
                    inputs=[{"shape": [2], "dtype": "int32", "values": [7, 3]}, {"shape": [2], "dtype": "int32", "values": [0, 0]}])

def test_agreeing_program_passes_forward_and_backward():
  assert evaluate(prog(("exp", {"x": "a0"}, ""), ("add", {"x": "t0", "y": "a0"}, ""), ("sum", {"x": "t1"}, "0"))) == {"status": "ok"}

def test_oracle_reports_a_real_difference_with_its_culprit():
  res = evaluate(prog(("abs", {"x": "a0"}, ""), ("relu", {"x": "t0"}, ""), inputs=NAN_RELU["inputs"]))
  assert res["status"] == "fail" and res["kind"] == "nan-inf" and res["step"] == 1  # abs(nan) is fine, relu(nan) is 0 in tinygrad

def test_exception_parity():
  empty = [{"shape": [0, 2], "dtype": "float32", "values": []}]
  assert evaluate(prog(("max", {"x": "a0"}, "0"), inputs=empty))["kind"] == "exception"  # torch raises, tinygrad gives -inf

def test_worker_survives_crashes_and_hangs():
  w = Worker(timeout=60)
  try:
    assert w.run(INT_MOD_ZERO)["kind"] == "crash"  # SIGFPE kills the worker, not the campaign
    assert w.run(NAN_RELU)["status"] == "fail"  # a fresh worker took over
  finally: w.stop()
  slow = Worker(timeout=0.01)  # importing tinygrad alone takes longer than this
  assert slow.run(NAN_RELU)["kind"] == "hang" and slow.proc is None

def test_repro_exits_1_while_the_bug_is_present(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  res = evaluate(NAN_RELU)
  d = findings.write(NAN_RELU, res, findings.signature(NAN_RELU, res))
  assert d.name.startswith("relu-") and "nan-inf" in (d / "summary.txt").read_text()
  assert subprocess.run([sys.executable, str(d / "repro.py")], capture_output=True).returncode == 1
  fixed = prog(("pow", {"x": "a0", "y": "a1"}, ""),
               inputs=[{"shape": [1], "dtype": "int32", "values": [5]}, {"shape": [1], "dtype": "int32", "values": [2]}])
  (d / "repro.py").write_text(findings.repro(fixed, {"kind": "value"}, "5**2, fixed by a patch of the stack"))
  assert subprocess.run([sys.executable, str(d / "repro.py")], capture_output=True).returncode == 0

SELU_AT_100 = prog(("selu", {"x": "a0"}, ""), inputs=[{"shape": [1], "dtype": "float32", "values": [100.0]}])  # grad nan: 0 * exp(100)
MAX_EMPTY = prog(("max", {"x": "a0"}, "0"), inputs=[{"shape": [0, 2], "dtype": "float32", "values": []}])

@pytest.mark.parametrize("program, kind", [(NAN_RELU, "nan-inf"), (SELU_AT_100, "grad-value"), (MAX_EMPTY, "exception")])
def test_exported_regression_test_is_an_expected_failure(tmp_path, program, kind):
  path = tmp_path / f"test_fuzz_{kind.replace('-', '_')}.py"
  path.write_text(render_test("x-0000", program, {"kind": kind}, "a finding"))
  sys.path.insert(0, str(tmp_path))
  try: result = unittest.TextTestRunner(stream=open("/dev/null", "w")).run(unittest.defaultTestLoader.loadTestsFromName(path.stem))
  finally: sys.path.remove(str(tmp_path))
  assert len(result.expectedFailures) == 1 and result.wasSuccessful()

def test_campaign_shrinks_and_deduplicates(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  monkeypatch.setattr(campaign, "KNOWN", {})
  monkeypatch.setattr(campaign, "SUPPRESSED", {})
  stats = campaign.campaign(90, 3, ["relu"], max_ops=1, per_round=300, smoke=True)
  assert stats["new"], "relu(nan) is 0 in tinygrad: the fuzzer must find it"
  sigs = [f["signature"] for f in findings.load()]
  assert len(sigs) == len(set(sigs)) and any(s.startswith("relu:nan-inf") for s in sigs)
  shrunk = next(f for f in findings.load() if f["signature"].startswith("relu:nan-inf"))["program"]
  assert len(shrunk["steps"]) == 1 and sum(len(t["values"]) for t in shrunk["inputs"]) <= 2
