"""make sync: .venv with the pinned dependencies, tinygrad/ at the pin with patches/ applied, installed editable, toolchain checked.

Everything is checked before anything is changed, and a second run with nothing changed does nothing."""
import sys
if sys.version_info < (3, 11):  # noqa: UP036 -- checked before any import that needs a newer Python
  sys.exit(f"error: the workbench needs Python 3.11 or newer, but {sys.executable} is {'.'.join(map(str, sys.version_info[:3]))}: "
           "run `make sync PYTHON=python3.11`")
import argparse, ctypes.util, json, os, re, shutil, subprocess, time, tomllib
from pathlib import Path
from tools import patches, sdist
from tools.workbench import BASE_TAG, ROOT, WorkbenchError, git, gitlink, releases, submodule_url

def is_online(url: str) -> bool:
  if os.environ.get("WORKBENCH_OFFLINE"): return False
  try: return subprocess.run(["git", "ls-remote", "--exit-code", url, "HEAD"], capture_output=True, timeout=20,
                             env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}).returncode == 0
  except subprocess.TimeoutExpired: return False

def base_matches(repo: Path, pin: str) -> bool:
  """Whether tinygrad/'s base tag is the pinned commit itself (git) or the release tree built from its sdist (offline)."""
  base = git("rev-parse", "-q", "--verify", f"{BASE_TAG}^{{commit}}", cwd=repo, check=False)
  return bool(base) and (built_from(repo, base) or base) == pin

def built_from(repo: Path, commit: str) -> str | None:
  """The upstream commit a locally built sdist commit stands for, or None for any other commit."""
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
    rel = next((r for r in releases(root).values() if r.commit == pin), None)
    if rel is None:
      raise WorkbenchError(f"offline, and the pin {pin[:12]} is not a known release: offline sync builds only releases listed under "
                           "[tool.workbench.releases]; connect to the network or pin a release")
    tarball = sdist.fetch(rel)
    if not (repo / ".git").exists(): git("init", "-q", str(repo), cwd=root)
    base, source = sdist.release_commit(repo, tarball, rel, pin), f"sdist {tarball.name}"
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
  if (repo / ".git").exists() and base_matches(repo, pin):
    stamp = json.loads(stamp_file(repo).read_text()) if stamp_file(repo).exists() else {}
    if stamp.get("want") == want and stamp.get("head") == git("rev-parse", "HEAD", cwd=repo): return {**state, "source": "up to date"}
    source = "restacked"
  else: source = fetch_base(root, repo, pin)
  merged = patches.apply(repo, BASE_TAG, paths)
  write_stamp(repo, pin, paths)
  protect_pin(root)
  return {**state, "source": source, "merged": merged}

def wanted(pin: str, paths: list[Path]) -> dict: return {"pin": pin, "stack": patches.stack_digest(paths)}

def write_stamp(repo: Path, pin: str, paths: list[Path]):
  tmp = stamp_file(repo).with_suffix(".tmp")
  tmp.write_text(json.dumps({"want": wanted(pin, paths), "head": git("rev-parse", "HEAD", cwd=repo)}))
  tmp.replace(stamp_file(repo))

def protect_pin(root: Path):
  """tinygrad/'s HEAD is the patched stack (offline, on a locally built base), never the pin: without this, a plain
  `git add -A` in the workbench would stage that local commit as the new pin. Moving the pin goes through update-index."""
  git("update-index", "--skip-worktree", "--", "tinygrad", cwd=root)

def stamp_file(repo: Path) -> Path:
  """What the last sync built, kept inside tinygrad/'s git dir: if it still matches, there is nothing to do."""
  return sdist.git_dir(repo) / "workbench-sync.json"

def ensure_venv(root: Path = ROOT) -> Path:
  cfg = tomllib.loads((root / "pyproject.toml").read_text())
  venv, deps, bare = root / ".venv", cfg["project"]["dependencies"], cfg.get("tool", {}).get("workbench", {}).get("no-deps", [])
  py, stamp = venv / "bin" / "python", venv / ".workbench-deps"
  if not py.exists():
    print("creating .venv", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
  if not stamp.exists() or stamp.read_text() != "\n".join(deps + bare):
    print(f"installing {len(deps) + len(bare)} pinned packages into .venv (torch is the big one; about a minute)", flush=True)
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if subprocess.run(pip + deps).returncode or (bare and subprocess.run(pip + ["--no-deps"] + bare).returncode):
      raise WorkbenchError("pip could not install the dependencies pinned in pyproject.toml (its output is above)")
    stamp.write_text("\n".join(deps + bare))
  return py

def install_editable(py: Path, root: Path = ROOT):
  stamp, src = py.parent.parent / ".workbench-tinygrad", str(root / "tinygrad")
  if not stamp.exists() or stamp.read_text() != src:
    print("installing tinygrad/ editable into .venv", flush=True)
    # compat mode puts tinygrad/ itself on sys.path, so the checkout folder at the workbench root cannot shadow the package
    p = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--no-build-isolation",
                        "--config-settings", "editable_mode=compat", "-e", src])
    if p.returncode: raise WorkbenchError("pip could not install tinygrad/ editable (its output is above)")
    stamp.write_text(src)
  where = subprocess.run([str(py), "-c", "import tinygrad; print(tinygrad.__file__)"], capture_output=True, text=True, cwd=root).stdout.strip()
  if not where.startswith(src + os.sep):
    stamp.unlink(missing_ok=True)
    raise WorkbenchError(f"`import tinygrad` in .venv resolves to {where or 'nothing'}, not to tinygrad/: run `make sync` again")

def llvm_version() -> int | None:
  """Major version of the libLLVM tinygrad's DEV=CPU:LLVM would load (it tries these names in this order)."""
  for name in ["LLVM", *(f"LLVM-{v}" for v in range(21, 13, -1))]:
    if lib := ctypes.util.find_library(name): return int(m.group(1)) if (m := re.search(r"(\d+)", lib.removeprefix("libLLVM"))) else None
  return None

def backends() -> dict[str, str | None]:
  """Each CPU-side backend and why it is unusable (None when it is usable)."""
  llvm = llvm_version()
  return {"CPU": None if shutil.which("clang") else "no clang: `apt-get install clang`",
          "CPU:LLVM": None if llvm and llvm >= 19 else f"needs libLLVM 19 or newer, found {llvm or 'none'}: `apt-get install libllvm19`",
          "PYTHON": None}

def check_toolchain() -> dict[str, str | None]:
  found, dev = backends(), os.environ.get("DEV", "CPU")
  if dev == "CPU" and found["CPU"] and os.environ.get("CI") and os.geteuid() == 0:
    print("installing clang with apt-get (CI, as root)", flush=True)
    subprocess.run("apt-get update -qq && apt-get install -y -qq clang >/dev/null", shell=True, check=True)
    found = backends()
  if found.get(dev): raise WorkbenchError(f"the DEV={dev} backend is unusable: {found[dev]}")
  return found

def main():
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--if-needed", action="store_true", help="leave local work in tinygrad/ alone instead of refusing (make test-parity)")
  ap.add_argument("--upstream", metavar="REF", help="move the pin to this upstream branch or commit and carry the stack over")
  ap.add_argument("--drop-merged", action="store_true", help="with --upstream: remove patches already upstream from patches/series")
  ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # tests sync scratch workbenches
  args = ap.parse_args()
  st = time.perf_counter()
  try:
    if args.upstream:
      from tools.upstream import move
      move(args.root, args.upstream, args.drop_merged)
    state = sync_tinygrad(args.root, args.if_needed)
    install_editable(ensure_venv(args.root), args.root)
    found = check_toolchain()
  except WorkbenchError as e: sys.exit(f"error: {e}")
  rel = next((r.version for r in releases(args.root).values() if r.commit == state["pin"]), "not a release")
  merged = f" ({len(state['merged'])} already upstream, skipped: {', '.join(state['merged'])})" if state.get("merged") else ""
  print(f"tinygrad pin {state['pin'][:12]} ({rel}); tinygrad/: {state['source']}; patches: {state['patches']} from patches/series{merged}")
  print("backends: " + ", ".join(f"DEV={k} " + ("ok" if v is None else f"unusable ({v})") for k, v in found.items()))
  print(f"sync done in {time.perf_counter() - st:.1f}s")

if __name__ == "__main__": main()
