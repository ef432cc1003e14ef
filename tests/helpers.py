"""Helpers for the workbench's tests: scratch git repos, an upstream (a bare repo standing in for GitHub) and a workbench around it."""
import os, subprocess, textwrap
from pathlib import Path
from tools.workbench import ROOT, git

os.environ.update({"GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
                   "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
                   # submodules from file:// URLs are refused by default since git 2.38
                   "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "protocol.file.allow", "GIT_CONFIG_VALUE_0": "always",
                   "GIT_CONFIG_KEY_1": "init.defaultBranch", "GIT_CONFIG_VALUE_1": "master"})

class Upstream:
  """A working clone we commit to, pushed to a bare repo the workbench fetches from."""
  def __init__(self, tmp: Path):
    self.bare, self.work = tmp / "upstream.git", tmp / "upstream-work"
    git("init", "-q", "--bare", str(self.bare), cwd=tmp)
    git("clone", "-q", str(self.bare), str(self.work), cwd=tmp)
  def commit(self, files: dict[str, str], msg: str = "upstream change") -> str:
    for name, text in files.items():
      (self.work / name).parent.mkdir(parents=True, exist_ok=True)
      (self.work / name).write_text(textwrap.dedent(text))
    git("add", "-A", cwd=self.work)
    git("commit", "-q", "-m", msg, cwd=self.work)
    git("push", "-q", "origin", "HEAD", cwd=self.work)
    return git("rev-parse", "HEAD", cwd=self.work)

def make_patch(repo: Path, out: Path, files: dict[str, str], subject: str) -> Path:
  """Commits a change on top of repo's HEAD, exports it as a format-patch file, and drops the commit again."""
  for name, text in files.items(): (repo / name).write_text(textwrap.dedent(text))
  git("commit", "-q", "-am", subject, cwd=repo)
  out.mkdir(parents=True, exist_ok=True)
  name = git("format-patch", "-1", "--zero-commit", "--no-signature", "-o", str(out), "HEAD", cwd=repo).strip()
  git("reset", "-q", "--hard", "HEAD~1", cwd=repo)
  return Path(name)

class Workbench:
  """A superproject with a tinygrad/ gitlink, the real pyproject.toml's release table, and a patches/ folder."""
  def __init__(self, tmp: Path, url: str, pin: str, pyproject: str | None = None):
    self.root = tmp / "workbench"
    self.root.mkdir()
    git("init", "-q", cwd=self.root)
    (self.root / "pyproject.toml").write_text(pyproject or (ROOT / "pyproject.toml").read_text())
    (self.root / ".gitmodules").write_text(f'[submodule "tinygrad"]\n\tpath = tinygrad\n\turl = {url}\n')
    git("update-index", "--add", "--cacheinfo", f"160000,{pin},tinygrad", cwd=self.root)
    (self.root / "tinygrad").mkdir()
    (self.root / "patches").mkdir()
    self.series([])
  @property
  def repo(self) -> Path: return self.root / "tinygrad"
  def commit(self, files: dict[str, str], msg: str):
    """Commits a change to tinygrad/, as a contributor would."""
    for name, text in files.items():
      (self.repo / name).parent.mkdir(parents=True, exist_ok=True)
      (self.repo / name).write_text(text)
    git("add", "-A", cwd=self.repo)
    git("commit", "-q", "-m", msg, cwd=self.repo)
  def series(self, names: list[str]): (self.root / "patches" / "series").write_text("# stack\n" + "".join(n + "\n" for n in names))
  def snapshot(self) -> str:
    """Everything sync may touch in tinygrad/: refs, HEAD and the work tree's status."""
    if not (self.repo / ".git").exists(): return repr(sorted(self.repo.iterdir()))
    return git("show-ref", cwd=self.repo, check=False) + git("rev-parse", "HEAD", cwd=self.repo) + git("status", "--porcelain", cwd=self.repo)

def run_sync(root: Path, *args: str) -> subprocess.CompletedProcess:
  return subprocess.run(["python3", "-m", "tools.stack.sync", "--root", str(root), *args], cwd=ROOT, capture_output=True, text=True)
