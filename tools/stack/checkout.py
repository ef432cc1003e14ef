"""tinygrad/ as a checkout of the pin with patches/ on top: fetching the pinned tree (git, upstream's source archive or the release
sdist), restacking the patches, and the stamp that says a second sync has nothing to do. `make sync` (tools/stack/sync.py) and the
queue build on it."""
import json, os, re, subprocess
from pathlib import Path
from tools.stack import patches, sdist
from tools.workbench import BASE_TAG, ROOT, WorkbenchError, git, gitlink, pinned_release, submodule_url, write_atomic

def is_online(url: str) -> bool:
  if os.environ.get("WORKBENCH_OFFLINE"): return False
  try: return subprocess.run(["git", "ls-remote", "--exit-code", url, "HEAD"], capture_output=True, timeout=20,
                             env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}).returncode == 0
  except subprocess.TimeoutExpired: return False

def base_matches(repo: Path, pin: str) -> bool:
  """Whether tinygrad/'s base tag is the pinned commit itself (git) or the release tree built from a tarball of it (offline)."""
  base = git("rev-parse", "-q", "--verify", f"{BASE_TAG}^{{commit}}", cwd=repo, check=False)
  return bool(base) and (built_from(repo, base) or base) == pin

def built_from(repo: Path, commit: str) -> str | None:
  """The upstream commit a locally built release commit (from the sdist or the archive) stands for, or None for any other commit."""
  up = re.search(r"^Upstream-Commit: (\w+)$", git("log", "-1", "--format=%B", commit, cwd=repo, check=False), re.M)
  return up.group(1) if up else None

def fetch_base(root: Path, repo: Path, pin: str) -> str:
  """Puts the pinned upstream tree into tinygrad/ as a commit, tags it, and returns the source it came from."""
  if (repo / ".git").exists() and (up := built_from(repo, pin)):
    raise WorkbenchError(f"the tinygrad/ gitlink is staged at the local sdist commit {pin[:12]} instead of the pin: restore it with "
                         f"`git update-index --cacheinfo 160000,{up},tinygrad`")
  url = submodule_url(root)
  if is_online(url):
    print(f"fetching tinygrad {pin[:12]} from {url}", flush=True)
    if not (repo / ".git").exists(): git("submodule", "update", "--init", "--", "tinygrad", cwd=root)
    else: git("fetch", "-q", "--tags", url, "+refs/heads/*:refs/remotes/origin/*", cwd=repo)
    if not git("cat-file", "-t", pin, cwd=repo, check=False):
      raise WorkbenchError(f"the pin {pin} is not on {url}: move the pin with `make sync UPSTREAM=<ref>`")
    base, source = pin, "git"
  else:
    if (rel := pinned_release(pin, root)) is None:
      raise WorkbenchError(f"offline, and the pin {pin[:12]} is not a known release: offline sync builds only releases listed under "
                           "[tool.workbench.releases]; connect to the network or pin a release")
    archive = sdist.verified_archive(rel, pin)  # both are checked before tinygrad/ is touched
    tarball = None if archive else sdist.fetch(rel)
    if not (repo / ".git").exists(): git("init", "-q", str(repo), cwd=root)
    if archive: base, source = sdist.archive_commit(repo, archive, rel, pin), f"archive {archive.name}"
    else: base, source = sdist.release_commit(repo, tarball, rel, pin), f"sdist {tarball.name}"
  exclude = sdist.git_dir(repo) / "info" / "exclude"
  exclude.parent.mkdir(exist_ok=True)
  exclude.write_text("# written by make sync: build leftovers of the editable install\n*.egg-info/\n__pycache__/\n/build/\n")
  git("tag", "-f", "-m", f"workbench base: {source}", BASE_TAG, base, cwd=repo)
  return source

def sync_tinygrad(root: Path = ROOT, if_needed: bool = False) -> dict:
  """Brings tinygrad/ to the pin plus patches/. With if_needed, local work in tinygrad/ is left alone and tested as it is."""
  paths, pin, repo = patches.series(root), gitlink(root), root / "tinygrad"
  if not (repo / ".git").exists() and repo.exists() and any(repo.iterdir()):
    raise WorkbenchError("tinygrad/ holds files but is not a git repo: move them out of the way, then `make sync`")
  state = {"pin": pin, "patches": len(paths)}
  if (repo / ".git").exists():
    if lost := patches.local_work(repo, root / "patches"):
      if if_needed: return {**state, "source": "local work, left as it is"}
      raise WorkbenchError(lost)
  want = wanted(pin, paths)
  if (repo / ".git").exists() and base_matches(repo, pin) and not archive_now(root, repo, pin):
    stamp = json.loads(stamp_file(repo).read_text()) if stamp_file(repo).exists() else {}
    if stamp.get("want") == want and stamp.get("head") == git("rev-parse", "HEAD", cwd=repo): return {**state, "source": "up to date"}
    source = "restacked"
  else: source = fetch_base(root, repo, pin)
  merged = patches.apply(repo, BASE_TAG, paths)
  write_stamp(repo, pin, paths)
  protect_pin(root)
  return {**state, "source": source, "merged": merged}

def archive_now(root: Path, repo: Path, pin: str) -> bool:
  """Whether tinygrad/'s base was built from the sdist while upstream's source archive of the pin is now at hand: then the base is
  rebuilt from the archive, which has the whole tree (test/, extra/, sz.py), and the stack goes on top of it again."""
  rel = pinned_release(pin, root)
  return bool(rel and rel.archive()) and "from the PyPI release sdist" in git("log", "-1", "--format=%s", BASE_TAG, cwd=repo, check=False)

def wanted(pin: str, paths: list[Path]) -> dict: return {"pin": pin, "stack": patches.stack_digest(paths)}

def write_stamp(repo: Path, pin: str, paths: list[Path]):
  write_atomic(stamp_file(repo), json.dumps({"want": wanted(pin, paths), "head": git("rev-parse", "HEAD", cwd=repo)}))

def protect_pin(root: Path):
  """tinygrad/'s HEAD is the patched stack (offline, on a locally built base), never the pin: without this, a plain
  `git add -A` in the workbench would stage that local commit as the new pin. Moving the pin goes through update-index."""
  git("update-index", "--skip-worktree", "--", "tinygrad", cwd=root)

def stamp_file(repo: Path) -> Path:
  """What the last sync built, kept inside tinygrad/'s git dir: if it still matches, there is nothing to do."""
  return sdist.git_dir(repo) / "workbench-sync.json"

