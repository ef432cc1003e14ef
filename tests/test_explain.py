"""`make explain` on real tinygrad: what it reports for a fused matmul-relu-sum and a symbolic shrink, and its one-line errors."""
import os, subprocess, sys
import pytest
from tools.workbench import ROOT

def explain(*args: str, dev: str = "CPU") -> subprocess.CompletedProcess:
  return subprocess.run([sys.executable, "-m", "tools.explain", *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "DEV": dev})

def test_fused_elementwise_and_reduce():
  p = explain("(x @ w).relu().sum(1)", "--shapes", "x=4x8,w=8x3")
  assert p.returncode == 0, p.stderr
  assert p.stdout.startswith("1 kernel, ")  # matmul, relu and the sum fuse into one kernel
  assert "reads buf1 (x): float x32, buf2 (w): float x24" in p.stdout
  report = (ROOT / "build" / "explain" / "x_w_relu_sum_1.md").read_text()
  for stage in ("early movement ops", "expander", "add gpudims", "decompositions", "rendered for DEV=CPU"): assert f"### {stage}" in report
  # each rule that fired, by file:line inside tinygrad, with its source line
  assert "| r_4_8_3 | expander | tinygrad/codegen/late/expander.py:" in report

def test_symbolic_shrink_shows_the_variable_in_uops_and_code():
  p = explain("x.shrink(((0, n), None)).sum(0)", "--shapes", "x=8x4", "--vars", "n:1..8=3", "--backends", "CPU:LLVM")
  assert p.returncode == 0, p.stderr
  assert "| 12 ((n*4)) |" in p.stdout  # ops as a formula in n, and its value at n=3
  assert "const int n)" in p.stdout and "for (int Ridx0 = 0; Ridx0 < n; Ridx0++)" in p.stdout
  report = (ROOT / "build" / "explain" / "x_shrink_0_n_None_sum_0.md").read_text()
  assert "DEFINE_VAR" in report and "i32 %n" in report  # the LLVM IR takes n as an argument too

@pytest.mark.parametrize("args, message", [
  (("x +", "--shapes", "x=4"), "error: the expression does not parse: invalid syntax"),
  (("x + z", "--shapes", "x=4"), "error: unknown name z in the expression"),
  (("x @ w", "--shapes", "x=4x8,w=3x3"), "error: the expression fails on these shapes (x=(4, 8), w=(3, 3)): RuntimeError: cannot dot"),
  (("x", "--shapes", "x=4q"), "error: cannot read the shape 'x=4q'"),
  (("x.exp()", "--shapes", "x=4", "--backends", "NOSUCH"), "error: backend NOSUCH cannot run here: ModuleNotFoundError"),
])
def test_bad_input_is_one_line(args, message):
  p = explain(*args)
  assert p.returncode == 1 and p.stderr.startswith(message) and p.stderr.count("\n") == 1, p.stderr
