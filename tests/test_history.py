"""Tracing a bug along upstream's history with git bisect run, on a scratch repo whose history introduces a bug and later fixes it."""
import pytest
from tools.stack import history
from tools.workbench import git

REPRO = "python3 -c 'import half, sys; sys.exit(half.half(4) != 2)'"

@pytest.fixture
def repo(tmp_path):
  """v0.1.0 right, then a commit that breaks half, two more, the pin, two more, the fix, one more: returns (repo, commits by title)."""
  repo = tmp_path / "upstream"
  git("init", "-q", str(repo), cwd=tmp_path)
  commits = {}
  for i, (title, body) in enumerate([("add half", "x / 2"), ("speed up half", "x / 3"), ("docs", None), ("more docs", None), ("pin", None),
                                     ("tidy", None), ("tidy more", None), ("fix half", "x / 2"), ("after", None)]):
    if body: (repo / "half.py").write_text(f"def half(x): return {body}\n")
    (repo / "log.txt").write_text(f"{i}\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", title, cwd=repo)
    commits[title] = git("rev-parse", "HEAD", cwd=repo)
    if title == "add half": git("tag", "v0.1.0", cwd=repo)
  return repo, commits

def test_a_bug_fixed_after_the_pin_is_traced_to_the_fix(repo):
  repo, c = repo
  v = history.trace(repo, c["pin"], c["after"], REPRO)
  assert (v.kind, v.commit, str(v)) == ("fixed", c["fix half"], f"fixed upstream by {c['fix half'][:12]} (fix half)")

def test_a_regression_still_upstream_is_traced_to_the_commit_that_introduced_it(repo):
  repo, c = repo
  v = history.trace(repo, c["pin"], c["tidy more"], REPRO)
  assert (v.kind, v.commit) == ("introduced", c["speed up half"])
  assert str(v) == f"introduced by {c['speed up half'][:12]} (speed up half), still present upstream"

def test_a_bug_with_no_good_release_before_it_is_present(repo):
  repo, c = repo
  git("tag", "-d", "v0.1.0", cwd=repo)
  assert history.trace(repo, c["pin"], c["tidy more"], REPRO).kind == "present"

def test_commits_the_repro_cannot_test_are_skipped(repo):
  repo, c = repo
  # "tidy" cannot be tested: bisect skips it and still finds the fix; with "tidy more" skipped too, the fix could be any of three
  skip = lambda logs: f"grep -qx '[{logs}]' log.txt && exit 125; {REPRO}"
  assert history.trace(repo, c["pin"], c["after"], skip("5")).commit == c["fix half"]
  assert str(history.trace(repo, c["pin"], c["after"], skip("56"))) == "fixed upstream after the pin (bisect found no single commit)"
  assert history.trace(repo, c["pin"], c["after"], "exit 125").kind == "untestable"
