"""make pr and make pr-check on fixture repos: a patch that passes every check, and patches that trip each one."""
import json, os
import pytest
from tests.helpers import Workbench
from tools.stack import github, history, pr, queue
from tools.stack.patches import series
from tools.stack.checkout import sync_tinygrad
from tools import toolchain
from tools.workbench import DEV, ROOT, WorkbenchError, git

CODE = "def double(x): return x * 2\n\ndef half(x): return x / 3\n\ndef work():\n  import time\n  time.sleep(0.3)\n"
RUFF = '[tool.ruff]\nline-length = 150\nindent-width = 2\n\n[tool.ruff.lint]\nselect = ["F", "W291", "E501"]\n'
FIX = {"tinygrad/__init__.py": CODE.replace("x / 3", "x / 2"),
       "test/test_half.py": "from tinygrad import half\n\ndef test_half(): assert half(4) == 2\n"}
BUGFIX = "\n\nKind: bugfix\nUpstream-Status: pending"

@pytest.fixture(autouse=True)
def one_backend(request, monkeypatch):
  """Upstream's tests run on DEV only, but in the test of that rule: every other backend would triple these tests' time."""
  if request.node.name != "test_a_good_bugfix_passes_and_becomes_a_pr":
    monkeypatch.setattr(pr.toolchain, "backends", lambda: {DEV: None})

@pytest.fixture
def wb(tmp_path, upstream):
  pin = upstream.commit({"tinygrad/__init__.py": CODE, "pyproject.toml": RUFF, "README.md": "upstream\n"})
  wb = Workbench(tmp_path, str(upstream.bare), pin, pyproject='[project]\nname = "fixture"\n')  # no releases: upstream is the bare repo
  sync_tinygrad(wb.root)
  return wb

def stack(wb, *changes: tuple[dict[str, str], str]):
  for files, msg in changes: wb.commit(files, msg)
  queue.export(wb.root)
  return series(wb.root)

def checks(rep) -> dict[str, str]: return {c.name: c.result for c in rep.checks}

def test_a_good_bugfix_passes_and_becomes_a_pr(wb, upstream):
  [fix] = stack(wb, (FIX, "fix half" + BUGFIX + "\nParity: elementwise/half/int"))
  rep = pr.check(fix, [fix], wb.root)
  # a fixture tinygrad has no Tensor to count kernels with: the cost is a warning, every other check passes
  assert {n: r for n, r in checks(rep).items() if r != "pass"} == {"cost": "warn"}, rep.checks
  assert rep.tests == [("test/test_half.py", "1 failed", "1 passed")]
  # the files it changes are upstream's tests for it here, run on DEV and on every other CPU backend that runs here
  others = [b for b in toolchain.runnable() if b != DEV]
  # nothing fails with the fix, so they are not run again without it
  assert rep.upstream == [(f"test/test_half.py{f' on DEV={d}' if d else ''}", pr.NOT_RUN, "1 passed") for d in [None, *others]]
  assert rep.delta == [("test/test_half.py", None, None), ("tinygrad/__init__.py", 5, 5)]
  git("config", "user.name", "Ada Author", cwd=wb.repo)
  git("config", "user.email", "ada@example.com", cwd=wb.repo)
  out = pr.prepare("fix-half", wb.root)
  facts = (out / "facts.md").read_text()
  assert "| test/test_half.py | 1 failed | 1 passed |" in facts and "elementwise/half/int" in facts
  # the tool writes no prose for the author, and gives no gh command until the author has
  assert (out / "body.md").read_text() == pr.BODY.format(title="fix half") and not (out / "gh-command.sh").exists()
  # what goes upstream: the author's name on the commit, and none of the workbench's trailers
  assert git("log", "-1", "--format=%an|%B", "pr/fix-half", cwd=wb.repo).strip() == "Ada Author|fix half"
  assert [p.name for p in out.glob("*.patch")] == ["0001-fix-half.patch"]
  assert git("branch", "--show-current", cwd=wb.repo) == "workbench" and not git("status", "--porcelain", cwd=wb.repo)
  (out / "body.md").write_text("# fix half\n\nhalf divided by 3.\nNow by 2, and test_half checks half(4).\n\nAI use: none\n")
  out = pr.prepare("fix-half", wb.root)
  assert "--title 'fix half' --body-file build/pr/fix-half/body.md" in (out / "gh-command.sh").read_text()
  assert "half divided by 3" in (out / "body.md").read_text()  # kept across runs
  # once upstream has the fix, the check says so
  upstream.commit(FIX, "upstream fixes half")
  assert checks(pr.check(fix, [fix], wb.root))["applies to upstream HEAD"] == "warn"

@pytest.mark.parametrize("body, problem", [
  ("# fix half\n\nOne line only.\n\nAI use: none\n", "2-5 lines of your own (it has 1)"),
  ("# fix half\n\nhalf divided by 3.\nNow by 2.\n\nAI use: <!-- say -->\n", "fill in the AI use line"),
  ("# Fix Half By Dividing By Two\n\nhalf divided by 3.\nNow by 2.\n\nAI use: none\n", "short and lowercase"),
  ("# fix half\n\nFound by the fuzzer as half-0123abcd.\nNow by 2.\n\nAI use: none\n", "only this tool knows: half-0123abcd"),
])
def test_a_body_is_refused_until_the_author_wrote_it_for_upstream(body, problem):
  assert any(problem in p for p in pr.unready(body)), pr.unready(body)
  assert pr.unready("# fix half\n\nhalf divided by 3.\nNow by 2.\n\nAI use: none\n") == []

@pytest.mark.parametrize("files, msg, name, result", [
  ({"tinygrad/__init__.py": CODE.replace("x / 3", "x / 2")}, "No test" + BUGFIX, "adds a test", "fail"),
  ({**FIX, "test/test_half.py": "from tinygrad import double\n\ndef test_double(): assert double(2) == 4\n"}, "Test passes anyway" + BUGFIX,
   "fails before, passes after", "fail"),
  ({**FIX, "tinygrad/__init__.py": CODE.replace("x / 3", "x / 4")}, "Wrong fix" + BUGFIX, "fails before, passes after", "fail"),
  ({**FIX, "tinygrad/__init__.py": "import os\n" + FIX["tinygrad/__init__.py"]}, "Unused import" + BUGFIX, "ruff", "fail"),
  ({**FIX, "tinygrad/__init__.py": FIX["tinygrad/__init__.py"] + "x = 1 \n"}, "Trailing space" + BUGFIX, "git diff --check", "fail"),
  ({"README.md": "upstream, better\n"}, "Docs" + BUGFIX, "scope", "fail"),
  ({"tinygrad/__init__.py": CODE.replace("def half", "\n\ndef half")}, "Blank lines\n\nKind: refactor", "scope", "fail"),
  ({**FIX, "setup.py": "print(1)\n"}, "Touches setup" + BUGFIX, "scope", "warn"),
  ({"tinygrad/__init__.py": CODE.replace("x * 2", "x + x")}, "Add instead\n\nKind: refactor", "adds a test", "pass"),
  ({**FIX, "tinygrad/__init__.py": CODE.replace("time.sleep(0.3)", "pass")}, "Faster work\n\nKind: perf", "benchmark", "fail"),
  ({"tinygrad/__init__.py": CODE + "".join(f"v{i} = {i}\n" for i in range(60)), "test/test_v.py": "import tinygrad\n\ndef test_v(): tinygrad.v59\n"},
   "Sixty lines\n\nKind: feature", "line delta", "warn"),
])
def test_each_rule_trips(wb, files, msg, name, result):
  [p] = stack(wb, (files, msg))
  rep = pr.check(p, [p], wb.root, fast=True)
  assert checks(rep)[name] == result, rep.checks
  assert rep.failed == (result == "fail")

def test_a_perf_patch_is_benchmarked_before_and_after(wb):
  [p] = stack(wb, ({**FIX, "tinygrad/__init__.py": CODE.replace("time.sleep(0.3)", "pass").replace("x / 3", "x / 2")},
                   "Faster work\n\nKind: perf\nBenchmark: python -c 'import tinygrad; tinygrad.work()'"))
  rep = pr.check(p, [p], wb.root)
  [(_, before, after)] = rep.bench
  assert checks(rep)["benchmark"] == "pass" and before - after > 0.2

def test_a_refactor_gets_pr_in_its_title(wb):
  [p] = stack(wb, ({"tinygrad/__init__.py": CODE.replace("x * 2", "x + x")}, "add instead of multiply\n\nKind: refactor"))
  assert pr.check(p, [p], wb.root, fast=True).pr_title == "[pr] add instead of multiply"

def test_a_patch_that_needs_another_must_name_it(wb):
  later = {"tinygrad/__init__.py": FIX["tinygrad/__init__.py"].replace("x / 2", "x // 2 if isinstance(x, int) else x / 2"),
           "test/test_int.py": "from tinygrad import half\n\ndef test_int(): assert isinstance(half(4), int)\n"}
  first, second = stack(wb, (FIX, "Fix half" + BUGFIX), (later, "Keep ints int" + BUGFIX))
  alone = pr.check(second, [first, second], wb.root, fast=True)
  assert checks(alone) == {"stands alone": "fail"} and "Fix-half" in alone.checks[0].why
  git("reset", "-q", "--hard", "HEAD~1", cwd=wb.repo)
  wb.commit(later, "Keep ints int" + BUGFIX + "\nDepends-On: Fix-half")
  queue.export(wb.root)
  first, second = series(wb.root)
  rep = pr.check(second, [first, second], wb.root, fast=True)
  assert rep.chain == [first, second] and not rep.failed, rep.checks
  assert rep.tests == [("test/test_int.py", "1 failed", "1 passed")]

def test_prepare_keeps_a_pr_branch_with_other_work(wb):
  stack(wb, (FIX, "Fix half" + BUGFIX))
  git("branch", "pr/Fix-half", "workbench-base", cwd=wb.repo)
  git("commit", "-q", "--allow-empty", "-m", "my own", cwd=wb.repo)
  git("branch", "-f", "pr/Fix-half", "HEAD", cwd=wb.repo)
  git("reset", "-q", "--hard", "HEAD~1", cwd=wb.repo)
  with pytest.raises(WorkbenchError, match="already has a branch pr/Fix-half"): pr.prepare("Fix-half", wb.root)
  with pytest.raises(WorkbenchError, match="no patch in patches/series matches 'nope': pick one of Fix-half"): pr.prepare("nope", wb.root)

def test_a_patch_that_introduces_a_finding_fails(wb):
  [fix] = stack(wb, (FIX, "Fix half" + BUGFIX))
  (wb.root / "build" / "fuzz").mkdir(parents=True)
  (wb.root / "build" / "fuzz" / "triage.json").write_text(json.dumps([{"id": "half-0123abcd", "introduced_by": fix.name}]))
  rep = pr.check(fix, [fix], wb.root, fast=True)
  assert checks(rep)["introduces no finding"] == "fail" and "half-0123abcd" in next(c.why for c in rep.checks if c.result == "fail")

GH = """#!/bin/sh
# a stand-in for GitHub's CLI: `gh search prs|issues <term> ...` answers from the files beside it
cat "$(dirname "$0")/$2.json"
"""

def test_make_pr_traces_the_bug_upstream_and_lists_what_mentions_it(tmp_path, upstream, monkeypatch, capsys):
  """Upstream's history: half right at v0.1.0, broken by a later commit, then the pin; make pr names the commit that broke it, and
  once upstream fixes it, the commit that did. A stand-in gh on PATH answers the search for the op."""
  upstream.commit({"tinygrad/__init__.py": FIX["tinygrad/__init__.py"], "pyproject.toml": RUFF}, "add half")
  git("tag", "v0.1.0", cwd=upstream.work)
  git("push", "-q", "origin", "v0.1.0", cwd=upstream.work)
  bad = upstream.commit({"tinygrad/__init__.py": CODE}, "speed up half")
  wb = Workbench(tmp_path, str(upstream.bare), upstream.commit({"README.md": "upstream\n"}, "readme"), pyproject='[project]\nname = "f"\n')
  sync_tinygrad(wb.root)
  stack(wb, (FIX, "fix half" + BUGFIX))
  for name, text in [("gh", GH), ("prs.json", '[{"number": 17, "title": "half is off", "state": "closed", "url": "https://x/pull/17"}]'),
                     ("issues.json", "[]")]: (tmp_path / "bin" / name).parent.mkdir(exist_ok=True); (tmp_path / "bin" / name).write_text(text)
  (tmp_path / "bin" / "gh").chmod(0o755)
  monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
  for k, v in (("user.name", "Ada Author"), ("user.email", "ada@example.com")): git("config", k, v, cwd=wb.repo)
  (out := wb.root / "build" / "pr" / "fix-half").mkdir(parents=True)
  (out / "body.md").write_text("# fix half\n\nhalf divided by 3.\nNow by 2.\n\nAI use: none\n")
  pr.prepare("fix-half", wb.root)
  facts = (out / "facts.md").read_text()
  assert f"History: introduced by {bad[:12]} (speed up half), still present upstream" in facts
  assert "- PR #17 (closed): half is off https://x/pull/17" in facts
  # a regression's body must cite the commit that introduced it before the gh command is given
  said = capsys.readouterr().out
  assert not (out / "gh-command.sh").exists() and said.endswith(f"- it fixes a regression: cite the commit that introduced it, {bad[:12]} "
                                                                 "(speed up half)\n")
  (out / "body.md").write_text(f"# fix half\n\nhalf divides by 3 since {bad[:10]}.\nNow by 2.\n\nAI use: none\n")
  fix = upstream.commit({"tinygrad/__init__.py": FIX["tinygrad/__init__.py"]}, "upstream fixes half")
  upstream.commit({"README.md": "later\n"}, "readme again")
  pr.prepare("fix-half", wb.root)
  assert f"History: fixed upstream by {fix[:12]} (upstream fixes half)" in (out / "facts.md").read_text()
  assert (out / "gh-command.sh").exists()
  # offline, neither GitHub nor upstream's history is searched, and make pr says so
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  assert history.upstream_head(wb.repo, str(upstream.bare)) is None
  assert github.mentions(["half"], online=False) == "offline: could not search upstream's pull requests and issues"
  rep = pr.Report(series(wb.root)[0], {}, "fix half", [], [], [], [], [], [])
  assert pr.along_upstream(rep, wb.root, None) == \
    "offline: upstream's history is out of reach, so only the releases here were checked, and none is known"

def checked(tmp_path, upstream, test: str, fixed: str, code: str = FIX["tinygrad/__init__.py"], fast: bool = True) -> pr.Report:
  """make pr's checks of a fix to half() whose patch changes test/test_half.py from `test` to `fixed`, and the code to `code`."""
  pin = upstream.commit({"tinygrad/__init__.py": CODE, "pyproject.toml": RUFF, "test/test_half.py": test})
  wb = Workbench(tmp_path, str(upstream.bare), pin, pyproject='[project]\nname = "fixture"\n')
  sync_tinygrad(wb.root)
  [fix] = stack(wb, ({"tinygrad/__init__.py": code, "test/test_half.py": fixed}, "fix half" + BUGFIX))
  return pr.check(fix, [fix], wb.root, fast=fast)

def test_a_test_changed_in_a_base_class_runs_in_its_subclasses(tmp_path, upstream):
  """As in upstream's test_dtype.py: TestDType's tests run in TestInt8DType and the rest, with their DTYPE; the base class skips."""
  test = ("import unittest\nfrom tinygrad import half\n\nclass TestHalf(unittest.TestCase):\n  N = None\n  def test_it(self):\n"
          "    if self.N is None: self.skipTest('base')\n    assert half(self.N) > 0\n\nclass TestFour(TestHalf): N = 4\n")
  rep = checked(tmp_path, upstream, test, test.replace("> 0", "== self.N / 2"))
  assert rep.own == ["test/test_half.py::TestFour::test_it", "test/test_half.py::TestHalf::test_it"]
  assert rep.tests == [(", ".join(rep.own), "1 failed, 1 skipped", "1 passed, 1 skipped")]

def test_a_changed_helper_runs_through_the_tests_that_call_it(tmp_path, upstream):
  """As upstream's _test_cmp in test_ops.py: a patch that changes a helper is tested by the tests that call it, not by none."""
  test = ("import unittest\nfrom tinygrad import half\n\nclass TestHalf(unittest.TestCase):\n  def _check(self, n): assert half(n) > 0\n"
          "  def test_two(self): self._check(2)\n  def test_four(self): self._check(4)\n  def test_other(self): assert True\n")
  rep = checked(tmp_path, upstream, test, test.replace("> 0", "== n / 2"))
  assert rep.own == ["test/test_half.py::TestHalf::test_four", "test/test_half.py::TestHalf::test_two"]
  assert rep.tests == [(", ".join(rep.own), "2 failed", "2 passed")]

def test_upstream_tests_cover_the_ops_that_call_a_changed_one():
  # the real tinygrad: all is a prod of bools, so the prod fix broke all and allclose where only test_prod ran
  assert {"all", "scatter_reduce"} <= pr.callers(ROOT / "tinygrad", {"prod"}) and "prod" not in pr.callers(ROOT / "tinygrad", {"prod"})

DOUBLE = "from tinygrad import double, half\n\ndef test_double(): assert double(2) == 4\n"
@pytest.mark.parametrize("test, code, without, with_, result", [
  # the patch breaks test_double, while its own test fails without it: one failure either way, but not the same one
  (DOUBLE, FIX["tinygrad/__init__.py"].replace("x * 2", "x * 3"), "1 failed, 1 passed", "1 failed, 1 passed", "fail"),
  # test_work failed before the patch too
  (DOUBLE + "\ndef test_work(): assert half(1) == 1\n", FIX["tinygrad/__init__.py"], "2 failed, 1 passed", "1 failed, 2 passed", "pass"),
])
def test_upstream_tests_that_fail_with_the_patch_run_again_without_it(tmp_path, upstream, test, code, without, with_, result):
  rep = checked(tmp_path, upstream, test, test + "\ndef test_half(): assert half(4) == 2\n", code, fast=False)
  assert rep.upstream == [("test/test_half.py", without, with_)]
  check = next(c for c in rep.checks if c.name == "upstream tests")
  assert check.result == result and (result == "pass" or check.why.endswith("test/test_half.py: test/test_half.py::test_double")), check
