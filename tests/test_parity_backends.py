"""The backend matrix (tools/parity/backends.py) from real parity runs: a slice of the suite on two backends, then the report."""
import json, os, subprocess, sys
from tools.workbench import ROOT

def parity(dev: str, out, select: str):
  cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "parity_tests/test_ops.py", "-k", select]
  subprocess.run(cmd, cwd=ROOT, env={**os.environ, "DEV": dev, "PARITY_OUT": str(out)}, capture_output=True)

def matrix(out) -> subprocess.CompletedProcess:
  env = {**os.environ, "PARITY_OUT": str(out)}
  return subprocess.run([sys.executable, "-m", "tools.parity.backends"], cwd=ROOT, env=env, capture_output=True, text=True)

def test_matrix_sets_backends_side_by_side(tmp_path):
  for dev in ("CPU", "PYTHON"): parity(dev, tmp_path, "elementwise and (exp2 or log/)")
  runs = {dev: json.loads((tmp_path / f"samples-{dev}.json").read_text()) for dev in ("CPU", "PYTHON")}
  assert {s["id"] for s in runs["CPU"]["samples"]} == {s["id"] for s in runs["PYTHON"]["samples"]} and runs["CPU"]["samples"]
  p = matrix(tmp_path)
  assert p.returncode == 0, p.stderr
  md = (tmp_path / "backends.md").read_text()
  assert "| family | CPU | PYTHON |" in md and (tmp_path / "backends.png").read_bytes()[:4] == b"\x89PNG"
  cell = lambda r: " / ".join(str(sum(s["status"] in sts for s in r["samples"])) for sts in (("passed",), ("xfail",), ("failed", "xpass")))
  assert f"| elementwise | {cell(runs['CPU'])} | {cell(runs['PYTHON'])} |" in md
  # every sample whose outcome differs is listed, with both outcomes
  differ = [s["id"] for s in runs["CPU"]["samples"] if s["status"] != next(t["status"] for t in runs["PYTHON"]["samples"] if t["id"] == s["id"])]
  assert f"## Samples whose outcome differs between backends ({len(differ)})" in md
  for sid in differ: assert f"| {sid} |" in md

def test_no_runs_is_one_line(tmp_path):
  p = matrix(tmp_path)
  assert p.returncode == 1 and p.stderr == f"error: no parity results in {tmp_path}: run `make test-parity-backends` first\n"
