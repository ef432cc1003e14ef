"""tinygrad release sdists from PyPI: the offline source of upstream trees, verified against recorded sha256s."""
import gzip, hashlib, shutil, subprocess, sys, tarfile, tempfile
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
  msg = f"tinygrad {rel.version}, from the PyPI release sdist\n\nSdist-SHA256: {rel.sdist_sha256}\n" + (f"Upstream-Commit: {pin}\n" if pin else "")
  return tree_commit(repo, sdist, f"tinygrad-{rel.version}", msg, NOT_UPSTREAM)

def verified_archive(rel: Release, pin: str) -> Path | None:
  """The release's `git archive`, if one is at hand: checked against the sha256 recorded for it and the commit id git embedded in it,
  which must be the pin."""
  if (archive := rel.archive()) is None: return None
  if not archive.is_file(): raise WorkbenchError(f"no source archive at {archive}: fix WORKBENCH_ARCHIVE, or set it empty to use the sdist")
  check(archive, rel.archive_sha256 or "", f'archive-sha256 of [tool.workbench.releases."{rel.version}"]')
  with gzip.open(archive) as f: head = f.read(1 << 16)  # the pax header git writes first
  embedded = subprocess.run(["git", "get-tar-commit-id"], input=head, capture_output=True).stdout.decode().strip()
  if embedded != pin:
    raise WorkbenchError(f"{archive} was made from commit {embedded or '(none recorded)'}, not the pin {pin[:12]}: make it with "
                         f"`git archive --format=tar.gz --prefix=tinygrad-v{rel.version}/ {pin[:12]}`")
  return archive

def archive_commit(repo: Path, archive: Path, rel: Release, pin: str) -> str:
  """As release_commit, from a verified `git archive` of the release's tag: upstream's whole tree, test/ and sz.py included."""
  msg = f"tinygrad {rel.version}, from upstream's source archive\n\nArchive-SHA256: {rel.archive_sha256}\nUpstream-Commit: {pin}\n"
  return tree_commit(repo, archive, f"tinygrad-v{rel.version}", msg, set())

def tree_commit(repo: Path, tarball: Path, top_dir: str, msg: str, drop: set[str]) -> str:
  with tempfile.TemporaryDirectory() as tmp:
    with tarfile.open(tarball) as tar: tar.extractall(tmp, filter="data")
    top = Path(tmp) / top_dir
    for name in drop:
      if (top / name).is_dir(): shutil.rmtree(top / name)
      elif (top / name).exists(): (top / name).unlink()
    index = Path(tmp) / "index"
    env = {"GIT_INDEX_FILE": str(index), "GIT_WORK_TREE": str(top)}
    git("add", "-A", "-f", ".", cwd=top, env={**env, "GIT_DIR": str(git_dir(repo))})  # -f: tracked upstream, whatever its .gitignore says
    tree = git("write-tree", cwd=repo, env={"GIT_INDEX_FILE": str(index)})
  stamp = {"GIT_AUTHOR_NAME": "tinygrad release", "GIT_AUTHOR_EMAIL": "release@tinygrad.org", "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
           "GIT_COMMITTER_NAME": "tinygrad release", "GIT_COMMITTER_EMAIL": "release@tinygrad.org", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z"}
  return git("commit-tree", tree, "-m", msg, cwd=repo, env=stamp)

def git_dir(repo: Path) -> Path:
  return Path(git("rev-parse", "--absolute-git-dir", cwd=repo))
