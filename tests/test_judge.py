"""The judge's own tests (tools/parity/judge.py): the rule that parity and the fuzzer both apply must itself be right."""
import subprocess
import numpy as np
import pytest
from tools.parity.judge import SLACK, TOLERANCE, judge

f32 = lambda *v: np.array(v, dtype=np.float32)

def test_equal_results_pass_and_tolerance_is_torch_testing_default():
  assert judge("out", f32(1, 2), f32(1, 2), None).ok
  rtol, atol = TOLERANCE["float32"]
  assert judge("out", f32(1 + 0.9 * rtol), f32(1), None).ok
  assert not judge("out", f32(1 + 2 * rtol + atol), f32(1), None).ok

@pytest.mark.parametrize("tg, pt", [((np.nan, 1), (1, np.nan)), ((np.nan, 1), (1, 1)), ((1, 1), (np.nan, 1))])
def test_nan_must_sit_where_torch_puts_it(tg, pt):
  v = judge("out", f32(*tg), f32(*pt), None)
  assert not v.ok and "NaN and infinities must match torch" in v.message
  assert judge("out", f32(np.nan, 1), f32(np.nan, 1), None).ok

def test_infinities_must_match_in_sign():
  assert judge("out", f32(np.inf, -np.inf), f32(np.inf, -np.inf), None).ok
  assert not judge("out", f32(-np.inf), f32(np.inf), None).ok
  assert not judge("out", f32(3.4e38), f32(np.inf), None).ok  # a huge finite value is not inf

def test_float64_rule_forgives_what_torch_gets_wrong_too():
  # torch is 1e-3 off the exact answer; tinygrad 2e-3 off on the other side: outside the tolerance of torch, within SLACK x torch's error
  ref, pt = np.array([1.0]), f32(1 + 1e-3)
  assert not judge("out", f32(1 - 1e-3), pt, None).ok
  v = judge("out", f32(1 - 1e-3), pt, ref)
  assert v.ok and f"{SLACK:g}x torch's own error" in v.tolerance
  # but not when tinygrad is far worse than torch's own error
  v = judge("out", f32(1 - 1e-2), pt, ref)
  assert not v.ok and "float64 gives" in v.message and "tinygrad is off by" in v.message

def test_ints_and_bools_must_be_exact():
  assert not judge("out", np.array([1, 2], np.int32), np.array([1, 3], np.int32), None).ok
  v = judge("out", np.array([True, False]), np.array([True, True]), None)
  assert not v.ok and "out[1]" in v.message and "exact match required" in v.message

def test_dtype_and_shape_must_match():
  assert "dtype float32, but torch gives float64" in judge("out", f32(1), np.array([1.0]), None).message
  assert "shape (2,), but torch gives (1, 2)" in judge("out", f32(1, 2), f32(1, 2).reshape(1, 2), None).message

def test_int32_stands_for_int64_only_where_the_caller_allows():
  tg, pt = np.array([5], np.int32), np.array([5], np.int64)
  assert not judge("out", tg, pt, None).ok
  assert judge("out", tg, pt, None, int32_for_int64=True).ok
  assert not judge("out", np.array([6], np.int32), pt, None, int32_for_int64=True).ok

def test_relative_only_drops_atol():
  # sinh(-1e-20) = 0 is within atol, but the fuzzer's culprit search must see the lost value
  assert judge("out", f32(0), f32(-1e-20), None).ok
  assert not judge("out", f32(0), f32(-1e-20), None, relative_only=True).ok

def test_message_reads_as_the_math():
  v = judge("grad0", f32(1, 2.5), f32(1, 2), None)
  assert v.message.startswith("grad0[1] = np.float32(2.5), but torch gives np.float32(2.0)")

def raised(fn) -> BaseException:
  try: fn()
  except Exception as e: return e
  raise AssertionError("no exception")

def test_internal_errors_are_told_from_refusals():
  from tinygrad import Tensor
  from tools.parity.judge import internal_error
  # an assert inside tinygrad (_pool's): internal, though torch rejects the input too
  assert internal_error(raised(lambda: Tensor.ones(1, 1, 2, 2).max_pool2d(3)))
  assert internal_error(raised(lambda: Tensor(1.0).shape[0])) is False  # IndexError from the test's own code, not from tinygrad
  assert not internal_error(raised(lambda: Tensor.ones(4, 3) + Tensor.ones(3, 4)))  # tinygrad's own broadcast error, raised on purpose
  assert not internal_error(ValueError("not raised at all"))
  # clang rejecting code tinygrad rendered: internal, whatever the command's text
  from tinygrad.runtime.support.compiler_cpu import ClangJITCompiler
  assert internal_error(raised(lambda: ClangJITCompiler(["x86_64", "native"]).compile_to_obj("float f(float a) { return a | 0.5f; }")))
  assert not internal_error(raised(lambda: subprocess.run(["false"], check=True)))  # not from inside tinygrad

KINK = """import sys
sys.path.insert(0, sys.argv[1])
from tools.parity.inputs import A, S
from tools.parity.ops import OPS
from tools.parity.run import run
op = next(o for o in OPS if o.name == sys.argv[2])
print("; ".join(run(op, S(A((3,), values=tuple(map(float, sys.argv[3].split(","))))), "kink").failures))
"""

def test_the_judge_sees_a_patch_move_boundary_gradients_away_from_torch():
  """patches/dropped/Clip-relu6-... made relu6 and hardsigmoid a plain clip: right values, but relu6'(0) = 1 and hardsigmoid'(-3) = 1/6,
  where the pin, like torch, has 0. The parity run at those kinks passes at the pin and fails with the patch, on the gradient."""
  import subprocess, sys
  from tools.stack import patches
  from tools.workbench import BASE_TAG, ROOT
  kinks = {"relu6": "-0.25,0,0.25", "hardsigmoid": "-3.25,-3,-2.75"}
  def failures(tree):
    return {op: subprocess.run([sys.executable, "-c", KINK, str(tree), op, vals], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
            for op, vals in kinks.items()}
  with patches.worktree(ROOT / "tinygrad", BASE_TAG) as pin:
    assert failures(pin) == {"relu6": "", "hardsigmoid": ""}
    patches.am(pin, ROOT / "patches" / "dropped" / "Clip-relu6-and-hardsigmoid-instead-of-subtracting-tw.patch")
    got = failures(pin)
  assert got["relu6"].startswith("grad0[1] = ") and "but torch gives np.float32(0.0)" in got["relu6"]
  assert got["hardsigmoid"].startswith("grad0[1] = ") and "but torch gives np.float32(0.0)" in got["hardsigmoid"]
