"""Where a bug went along upstream's history: `git bisect run` drives a repro to the commit that fixed it upstream, or to the one that
introduced it. A repro is a shell command run at the top of a checkout, with that checkout first on PYTHONPATH: it exits 0 where
tinygrad is right, 1 to 124 while the bug is there, and 125 where the commit cannot be tested (bisect skips those)."""
import os, re, subprocess
from dataclasses import dataclass
from pathlib import Path
from tools.stack import patches
from tools.stack.checkout import is_online
from tools.workbench import git

@dataclass(frozen=True)
class Verdict:
  kind: str  # fixed (upstream has the fix), introduced (a regression, still upstream), present, passes, untestable
  text: str
  commit: str | None = None  # the fixing or the introducing commit

  def __str__(self) -> str: return self.text

def run(wt: Path, cmd: str, env: dict[str, str] | None = None) -> int:
  return subprocess.run(["sh", "-c", cmd], cwd=wt, capture_output=True, env={**(env or os.environ), "PYTHONPATH": str(wt)}).returncode

def passes(repo: Path, rev: str, cmd: str, env: dict[str, str] | None = None) -> bool | None:
  """Whether the repro passes at `rev`; None when that commit cannot be tested."""
  with patches.worktree(repo, rev) as wt: rc = run(wt, cmd, env)
  return None if rc == 125 else rc == 0

def first(repo: Path, old: str, new: str, cmd: str, fixed: bool = False, env: dict[str, str] | None = None) -> str | None:
  """The first commit of old..new where the repro turns: from passing to failing, or with `fixed`, from failing to passing.
  None when bisect cannot name a single commit."""
  # bisect run reads 0 as old, 1-124 as new, 125 as skip; a crash's signal would abort it, so each outcome is mapped to one of those
  on_pass, on_fail = ("1", "0") if fixed else ("0", "1")
  script = f'({cmd}) >/dev/null 2>&1; rc=$?; [ $rc -eq 125 ] && exit 125; [ $rc -eq 0 ] && exit {on_pass}; exit {on_fail}'
  with patches.worktree(repo, new) as wt:
    git("bisect", "start", "--term-old=old", "--term-new=new", new, old, cwd=wt)
    out = git("bisect", "run", "sh", "-c", script, cwd=wt, env={**(env or {}), "PYTHONPATH": str(wt)}, check=False)
    git("bisect", "reset", cwd=wt, check=False)
  hit = re.search(r"^(\w+) is the first new commit", out, re.M)
  return git("rev-parse", hit.group(1), cwd=repo) if hit else None

def title(repo: Path, commit: str) -> str: return f"{commit[:12]} ({git('log', '-1', '--format=%s', commit, cwd=repo)})"

def older_releases(repo: Path, pin: str, n: int = 3) -> list[str]:
  """Up to n release tags (v*) before the pin, newest first: where a regression's search for a good commit starts."""
  pin = git("rev-parse", f"{pin}^{{commit}}", cwd=repo)
  tags = git("tag", "--merged", pin, "--sort=-v:refname", "--list", "v*", cwd=repo).split()
  return [t for t in tags if git("rev-parse", f"{t}^{{commit}}", cwd=repo) != pin][:n]

def trace(repo: Path, pin: str, head: str, cmd: str, env: dict[str, str] | None = None) -> Verdict:
  """What upstream's history says of a bug the repro shows at the pin: fixed upstream by a commit after the pin, or still there, and
  then introduced by a commit after the last release where the repro passed."""
  at_pin = passes(repo, pin, cmd, env)
  if at_pin is None: return Verdict("untestable", "the repro cannot run at the pin")
  if at_pin: return Verdict("passes", "the repro passes at the pin: no bug to trace")
  if (at_head := passes(repo, head, cmd, env)) is None: return Verdict("untestable", "the repro cannot run at upstream's HEAD")
  if at_head:
    c = first(repo, pin, head, cmd, fixed=True, env=env)
    return Verdict("fixed", f"fixed upstream by {title(repo, c)}" if c else "fixed upstream after the pin (bisect found no single commit)", c)
  for tag in older_releases(repo, pin):
    if passes(repo, tag, cmd, env):
      c = first(repo, tag, pin, cmd, env=env)
      return Verdict("introduced", f"introduced by {title(repo, c)}, still present upstream" if c else
                     f"introduced after {tag} (bisect found no single commit), still present upstream", c)
  return Verdict("present", "still present upstream, and in the releases before the pin that were checked")

UPSTREAM = "refs/remotes/upstream/HEAD"

def upstream_head(repo: Path, url: str) -> str | None:
  """Online, fetches upstream's HEAD and its tags into tinygrad/ and returns the ref to trace to; offline, None."""
  if not (url and is_online(url)): return None
  git("fetch", "-q", "--tags", url, f"+HEAD:{UPSTREAM}", cwd=repo)
  return UPSTREAM
