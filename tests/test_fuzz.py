"""The differential fuzzer's parts against real tinygrad and torch: program source, oracle, process isolation, repros."""
import math, shutil, subprocess, sys, unittest
from collections import Counter
from pathlib import Path
import numpy as np, pytest, torch
import torch.nn.functional as F
from hypothesis import HealthCheck, find, given, settings
from tools.fuzz import findings, jobs, report, search, triage
from tools.fuzz.export import export, render_test
from tools.fuzz.oracle import NO_REFERENCE, evaluate, feeding
from tools.fuzz.programs import OPS, REGISTRY_STEPS, classes, programs, source
from tools.fuzz.structure import dag_programs, state_programs
from tools.fuzz.worker import Worker
from tools.parity import known
from tools.parity.ops import OPS as REGISTRY
from tools.stack import patches
from tools.workbench import BASE_TAG, ROOT, git, gitlink

def prog(*steps, inputs=None):
  inputs = inputs or [{"shape": [3], "dtype": "float32", "values": [0.5, -1.0, 2.0]}]
  return {"inputs": inputs, "steps": [{"op": op, "operands": ops, "p": p} for op, ops, p in steps]}

NAN_RELU = prog(("relu", {"x": "a0"}, ""), inputs=[{"shape": [2], "dtype": "float32", "values": [float("nan"), 1.0]}])
INT_MOD_ZERO = prog(("mod", {"x": "a0", "y": "a1"}, ""),
                    inputs=[{"shape": [2], "dtype": "int32", "values": [7, 3]}, {"shape": [2], "dtype": "int32", "values": [0, 0]}])

def test_agreeing_program_passes_forward_and_backward():
  assert evaluate(prog(("exp", {"x": "a0"}, ""), ("add", {"x": "t0", "y": "a0"}, ""), ("sum", {"x": "t1"}, "0")))["status"] == "ok"

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
  slow = Worker(timeout=0.001)  # no program comes back from a new process this fast
  assert slow.run(NAN_RELU)["kind"] == "hang" and slow.proc is None

def test_repro_exits_1_while_the_bug_is_present(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  res = evaluate(NAN_RELU)
  d = findings.write(NAN_RELU, res, findings.signature(NAN_RELU, res))
  assert d.name.startswith("relu-") and "nan-inf" in (d / "summary.txt").read_text()
  assert subprocess.run([sys.executable, str(d / "repro.py")], capture_output=True).returncode == 1
  assert findings.reproduces(d)  # the campaign writes a finding only when this holds
  fixed = prog(("pow", {"x": "a0", "y": "a1"}, ""),
               inputs=[{"shape": [1], "dtype": "int32", "values": [5]}, {"shape": [1], "dtype": "int32", "values": [2]}])
  (d / "repro.py").write_text(findings.repro(fixed, "5**2, fixed by a patch of the stack"))
  assert subprocess.run([sys.executable, str(d / "repro.py")], capture_output=True).returncode == 0
  assert not findings.reproduces(d)

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

def test_campaign_jobs_shrink_deduplicate_and_report(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path / "findings")  # and a fresh Hypothesis example database beside it
  monkeypatch.setattr(report, "OUT", tmp_path)
  assert not known.explains("relu:nan-inf:float:special")  # the real registry: relu(nan) is not excused there, other relu findings may be
  tally = jobs.run(2, 40, base_seed=3, ops=["relu"], max_ops=1, backends=["CPU"])  # two jobs that both meet relu(nan)
  assert tally.new, "relu(nan) is 0 in tinygrad: the fuzzer must find it"
  sigs = [f["signature"] for f in findings.load()]
  assert len(sigs) == len(set(sigs)) == len(tally.new) and any(s.startswith("relu:nan-inf") for s in sigs)
  shrunk = next(f for f in findings.load() if f["signature"].startswith("relu:nan-inf"))["program"]
  assert len(shrunk["steps"]) == 1 and sum(len(t["values"]) for t in shrunk["inputs"]) <= 2
  summary = report.write(tally, ["CPU"])
  assert f"{len(tally.new)} new findings" in summary and (tmp_path / "report.png").stat().st_size > 0
  assert all(f"| {i} |" in (tmp_path / "report.md").read_text() for i in tally.new)

def test_a_guided_worker_counts_the_lines_of_tinygrad_a_program_reaches_first():
  w = Worker(timeout=60, dev="CPU", guided=True)
  cumsum = prog(("cumsum", {"x": "a0"}, "0"))
  try: first, new, cached, again = (w.run(p)["new lines"] for p in (prog(("relu", {"x": "a0"}, "")), cumsum, cumsum, cumsum))
  finally: w.stop()
  # the first program's lines are mostly tinygrad's imports, which would outweigh everything after it; the second cumsum finds
  # its kernels cached, a path of its own; the third reaches nothing new
  assert first == 0 and new > 100 and cached < new and again == 0, (first, new, cached, again)

def scratch_workbench(tmp_path):
  """A workbench around a clone of the synced tinygrad/ (pin, stack and tags), with the real patches/."""
  root = tmp_path / "wb"
  git("clone", "-q", "--shared", "--no-checkout", str(ROOT / "tinygrad"), str(root / "tinygrad"), cwd=tmp_path)
  git("fetch", "-q", "origin", "--tags", cwd=root / "tinygrad")
  git("checkout", "-q", "-B", "workbench", git("rev-parse", "HEAD", cwd=ROOT / "tinygrad"), cwd=root / "tinygrad")
  git("init", "-q", cwd=root)
  git("update-index", "--add", "--cacheinfo", f"160000,{gitlink()},tinygrad", cwd=root)
  shutil.copytree(ROOT / "patches", root / "patches")
  return root

def test_export_turns_a_real_finding_into_a_patch(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path / "findings")
  res = evaluate(NAN_RELU)
  d = findings.write(NAN_RELU, res, findings.signature(NAN_RELU, res))
  root = scratch_workbench(tmp_path)
  test = export(d.name, root)
  assert test == f"test/unit/test_fuzz_{d.name.replace('-', '_')}.py"
  name = f"Add-a-failing-test-for-fuzz-finding-{d.name}.patch"
  assert (root / "patches" / "series").read_text().splitlines()[-1] == name
  patch = (root / "patches" / name).read_text()
  assert f"+++ b/{test}" in patch and "@unittest.expectedFailure" in patch and f"Fixes: {d.name}" in patch

def test_triage_bisects_a_regression_to_the_patch_that_brought_it(tmp_path, monkeypatch):
  """A stack of two patches on the real pin, the second of which breaks relu: the finding passes at the pin, fails with the stack."""
  repo = scratch_workbench(tmp_path) / "tinygrad"
  git("checkout", "-q", "-B", "stack", BASE_TAG, cwd=repo)
  stack = []
  for subject, old, new in [("Say why relu uses where", "    # NOTE: if you write", "    # NOTE: (kept) if you write"),
                            ("Break relu", "return (self > 0).where(self, 0)", "return (self > 0).where(self * 1.5, 0)")]:
    f = repo / "tinygrad" / "mixin" / "elementwise.py"
    f.write_text(f.read_text().replace(old, new, 1))
    git("commit", "-q", "-am", subject, cwd=repo)
    stack.append(Path(git("format-patch", "-1", "-o", str(tmp_path / "patches"), "HEAD", cwd=repo)))
  monkeypatch.setattr(findings, "FINDINGS", tmp_path / "findings")
  relu = prog(("relu", {"x": "a0"}, ""))
  d = findings.write(relu, {"kind": "value", "message": "relu(1) is 1.5"}, "relu:value:float:finite")
  assert triage.present(d / "repro.py", repo) == "present"  # HEAD of the scratch repo: the stack
  with patches.worktree(repo, BASE_TAG) as pin: assert triage.present(d / "repro.py", pin) == "fixed"
  assert triage.bisect(repo, d / "repro.py", stack) == stack[1].name
  assert triage.label("relu:value:float:finite", "fixed", "present", "fixed", "0.14.0", stack[1].name) == f"introduced by {stack[1].name}"

# tinygrad's own leak, found as a flaky finding: x * -2**31 squared becomes (x*x) << 62 on int32, undefined in C, and clang leaves the
# output unwritten; a fresh process reads zeroed memory (right by luck), a worker gets a buffer freed by the program before it.
# The stack fixes it (wrap-integer-overflow-when-folding-constants), so this runs on the plain pin, where it is still there.
INT_MIN = prog(("mul", {"x": "a0", "y": "a1"}, ""), ("square", {"x": "t0"}, ""),
               inputs=[{"shape": [2], "dtype": "int32", "values": [0, 0]}, {"shape": [], "dtype": "int32", "values": [-2147483648]}])
BEFORE = prog(("mul", {"x": "a0", "y": "a1"}, ""),
              inputs=[{"shape": [2], "dtype": "int32", "values": [0, 0]}, {"shape": [2], "dtype": "int32", "values": [-2147483648, -7]}])

def test_a_finding_that_needs_an_earlier_program_is_flaky_and_the_earlier_one_is_named(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  with patches.worktree(ROOT / "tinygrad", BASE_TAG) as pin:
    monkeypatch.setenv("PYTHONPATH", str(pin))  # the repro imports the pin's tinygrad
    w = Worker(timeout=60, tinygrad=pin)
    try: assert w.run(BEFORE)["status"] == "ok" and w.run(INT_MIN)["status"] == "fail"
    finally: w.stop()
    d = findings.write(INT_MIN, {"kind": "value", "message": "stale"}, "square:value:int:finite")
    assert not findings.reproduces(d)  # alone, in a fresh process, it passes: the campaign keeps it apart as flaky
    assert search.leak([BEFORE, INT_MIN], INT_MIN, 60, pin) == BEFORE
  w = Worker(timeout=60)  # with the stack, the kernel stores 0
  try: assert w.run(BEFORE)["status"] == "ok" and w.run(INT_MIN)["status"] == "ok"
  finally: w.stop()

def test_a_python_scalar_operand_sits_on_either_side_and_names_the_finding():
  """int8 < 300: torch wraps 300 into int8 (44) first, tinygrad compares with 300. The culprit step's own operands (an int8 tensor
  and a python int) make the signature, not the program's input."""
  ints = [{"shape": [3], "dtype": "int8", "values": [1, 50, -5]}]
  lt = {"op": "lt", "operands": {"x": "t0", "y": "s"}, "p": "", "scalar": 300, "swap": False}
  p = {"inputs": ints, "steps": [{"op": "abs", "operands": {"x": "a0"}, "p": ""}, lt]}
  res = evaluate(p)
  assert (res["status"], res["step"], res["operands"]) == ("fail", 1, {"x": ["i", "finite"], "y": ["i", "python-int"]})
  assert findings.signature(p, res) == "lt:value:int:python-int"
  assert "t1 = (300 < t0)" in source({**p, "steps": [p["steps"][0], {**lt, "swap": True}]}, "tiny")
  drawn = find(programs(["mul"]), lambda q: any(s.get("swap") and s["scalar"] == 2**32 for s in q["steps"]),
              settings=settings(database=None, max_examples=2000))
  assert "(4294967296 * " in source(drawn, "torch")

def test_a_program_failing_on_some_backends_only_is_labelled_with_them(tmp_path, monkeypatch):
  """-Tensor(1, dtype=dtypes.uint8) folds to -1 at the pin, which DEV=PYTHON cannot store; DEV=CPU gives 255, as torch does."""
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  # known.py excuses this one; here it must be found
  monkeypatch.setattr(known, "explains", lambda sig, excuse=known.explains: None if sig.startswith("neg:") else excuse(sig))
  search.search(120, 2, ["neg"], max_ops=1, per_round=200, smoke=True, backends=["CPU", "PYTHON"])
  found = {f["signature"]: f for f in findings.load()}
  assert "neg:exception:int:scalar@PYTHON" in found, list(found)
  d = tmp_path / found["neg:exception:int:scalar@PYTHON"]["id"]
  assert "os.environ['DEV'] = 'PYTHON'" in (d / "repro.py").read_text() and findings.reproduces(d)

def test_a_program_runs_on_one_backend_in_turn_and_on_every_one_when_it_fails(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path)
  monkeypatch.setattr(known, "explains", lambda sig, excuse=known.explains: None if sig.startswith("neg:") else excuse(sig))
  events: list[dict] = []
  search.search(30, 2, ["neg"], max_ops=1, backends=["CPU", "PYTHON"], emit=events.append)
  ran = Counter(tuple(e["backends"]) for e in events if e["event"] == "program")
  assert ran[("CPU",)] and ran[("PYTHON",)], ran
  assert ran[("PYTHON", "CPU")], ran  # failed on PYTHON, its turn, then run on CPU too: where it passes
  assert "neg:exception:int:scalar@PYTHON" in {e["signature"] for e in events if e["event"] == "finding"}

def test_bfloat16_inputs_are_judged_where_the_backend_compiles_them():
  """numpy has no bfloat16: the program's inputs are float32 arrays cast on the tensor side, its outputs come back as float32 and are
  judged with bfloat16's tolerance. DEV=CPU:LLVM compiles bfloat16; DEV=CPU discards the program where clang cannot."""
  relu = lambda vals: {"inputs": [{"shape": [2], "dtype": "bfloat16", "values": vals}], "steps": [{"op": "relu", "operands": {"x": "a0"}, "p": ""}]}
  assert "cast(dtypes.bfloat16)" in source(relu([1.0, 2.0]), "tiny") and ".to(torch.bfloat16)" in source(relu([1.0, 2.0]), "torch")
  llvm, cpu = Worker(timeout=60, dev="CPU:LLVM"), Worker(timeout=60, dev="CPU")
  try:
    assert llvm.run(relu([1.5, -2.25]))["status"] == "ok"
    assert llvm.run(relu([math.nan, 1.0]))["kind"] == "nan-inf"  # relu(nan) is 0 (a known entry), in bfloat16 too
    assert cpu.run(relu([math.nan, 1.0]))["status"] in ("discard", "fail")
  finally: llvm.stop(); cpu.stop()

def test_every_parity_registry_op_is_open_to_the_fuzzer():
  """One op table: programs.py spells some ops by hand (their findings export as plain tinygrad tests), the rest are called through
  the parity registry with its samples' arguments and drawn values. Only the bfloat16 cast is left out: DEV=CPU's clang may not compile
  it (bfloat16 inputs are drawn like every other dtype, and discarded on a backend that cannot compile them)."""
  called = {op.name for op, _ in REGISTRY_STEPS.values()}
  assert [op.name for op in REGISTRY if not set(op.names) & set(OPS) and op.name not in called] == ["bfloat16"]
  drawn = find(programs(["sort"]), lambda q: True, settings=settings(database=None))
  assert source(drawn, "tiny").startswith("a0 = Tensor(") and "first(REG['sort'].tiny(a0" in source(drawn, "tiny")
  sort = lambda vals: {"inputs": [{"shape": [2, 3], "dtype": "float32", "values": vals}], "steps": [{"op": "sort", "operands": {"x": "a0"},
                                                                                                     "p": "a0, dim=1"}]}
  assert evaluate(sort([3.0, 1.0, 2.0, -1.0, 5.0, 0.5]))["status"] == "ok"  # values and the gradient through the permutation
  assert evaluate(sort([math.nan, 1.0, 2.0, -1.0, 5.0, 0.5]))["kind"] == "nan-inf"  # torch sorts nan last (a known entry)

def test_dag_programs_combine_views_of_one_value_and_feed_every_input_into_the_output():
  """Each view op keeps its value's shape (checked by running the drawn programs in torch), so views of one value combine again,
  and every input and step flows into the output: one fused kernel reads them all."""
  seen = []
  @settings(database=None, max_examples=150, derandomize=True, suppress_health_check=list(HealthCheck))
  @given(dag_programs())
  def check(p):
    ns = {"np": np, "torch": torch, "F": F}
    try: exec(source(p, "torch"), ns)
    except (NotImplementedError, RuntimeError) as e:  # torch has no kernel for uint16/32/64 here: the oracle discards these
      assert any(m in str(e) for m in NO_REFERENCE), e
      return
    assert list(ns["out"].shape) == p["inputs"][0]["shape"]
    assert feeding(p) == set(range(len(p["steps"]) - 1))
    assert {f"a{i}" for i in range(len(p["inputs"]))} <= {v for s in p["steps"] for v in s["operands"].values()}
    seen.append(p)
  check()
  assert any("DAG through views" in classes(p) and "many inputs" in classes(p) for p in seen)
  assert {s["op"] for p in seen for s in p["steps"]} >= {o for o, op in OPS.items() if op.params == "view"}

READ_THEN_UPDATE = {"inputs": [{"shape": [1], "dtype": "int32", "values": [4]}], "state": True, "steps": [
  {"op": "read", "operands": {"x": "a0"}, "p": "...", "q": "* 2"}, {"op": "iadd", "operands": {"x": "a0", "y": "s"}, "p": "", "scalar": 2},
  {"op": "collect", "operands": {"x": "t0", "x1": "a0"}, "p": "t0.flatten(), a0.flatten()"}]}

def test_a_read_before_an_in_place_update_realized_with_it_sees_the_old_value():
  """t = a * 2; a += 2; cat(t, a): torch's t is 8. At the pin (and in 0.14.0) tinygrad computes t from the updated buffer, 12, when a
  was not realized before; realized, it raises its "cycle detected" refusal instead."""
  assert "a0 += 2\nt1 = a0" in source(READ_THEN_UPDATE, "tiny") and "requires_grad=False" in source(READ_THEN_UPDATE, "torch")
  res = evaluate(READ_THEN_UPDATE)
  assert (res["status"], res["kind"], res["step"]) == ("fail", "value", 2) and "12" in res["message"], res
  drawn = find(state_programs(), lambda q: {"realize", "iadd_view", "setitem", "assign"} <= {s["op"] for s in q["steps"]},
               settings=settings(database=None, max_examples=3000))
  assert drawn["steps"][-1]["op"] == "collect" and {"in-place", "realize order"} <= set(classes(drawn))

def test_tinyjit_replays_are_compared_with_eager_tinygrad_at_every_call():
  """A jitted function returning a view of its input: at the pin (and in 0.14.0) TinyJit returns, from the third call on, the input
  it captured on the second, while eager tinygrad and torch agree on every call. The stack copies such a view during capture."""
  view = prog(("flip", {"x": "a0"}, "0"), inputs=[{"shape": [2], "dtype": "float32", "values": [0.0, 1.0]}])
  jitted = {**view, "jit": [[[1.0, 2.0]], [[2.0, 3.0]]]}
  with patches.worktree(ROOT / "tinygrad", BASE_TAG) as pin:
    w = Worker(timeout=60, tinygrad=pin)
    try: plain, res = w.run(view), w.run(jitted)
    finally: w.stop()
  assert plain["status"] == "ok" and res["kind"] == "jit-value" and res["message"].startswith("TinyJit call 3: out"), res
  assert evaluate(jitted)["status"] == "ok"
