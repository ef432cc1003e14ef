"""make sync: .venv with the pinned dependencies, tinygrad/ at the pin with patches/ applied, installed editable, toolchain checked.

Everything is checked before anything is changed, and a second run with nothing changed does nothing."""
import sys
if sys.version_info < (3, 11):  # noqa: UP036 -- checked before any import that needs a newer Python
  sys.exit(f"error: the workbench needs Python 3.11 or newer, but {sys.executable} is {'.'.join(map(str, sys.version_info[:3]))}: "
           "run `make sync PYTHON=python3.11`")
import argparse, os, subprocess, time, tomllib
from pathlib import Path
from tools import toolchain
from tools.stack.checkout import sync_tinygrad
from tools.stack.upstream import move
from tools.workbench import ROOT, WorkbenchError, cli, pinned_release

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

def main():
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--if-needed", action="store_true", help="leave local work in tinygrad/ alone instead of refusing (make test-parity)")
  ap.add_argument("--upstream", metavar="REF", help="move the pin to this upstream branch or commit and carry the stack over")
  ap.add_argument("--drop-merged", action="store_true", help="with --upstream: remove patches already upstream from patches/series")
  ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # tests sync scratch workbenches
  args = ap.parse_args()
  st = time.perf_counter()
  found = toolchain.ensure()  # first: a missing compiler stops the sync before anything is downloaded
  if args.upstream: move(args.root, args.upstream, args.drop_merged)
  state = sync_tinygrad(args.root, args.if_needed)
  install_editable(ensure_venv(args.root), args.root)
  rel = rel.version if (rel := pinned_release(state["pin"], args.root)) else "not a release"
  merged = f" ({len(state['merged'])} already upstream, skipped: {', '.join(state['merged'])})" if state.get("merged") else ""
  print(f"tinygrad pin {state['pin'][:12]} ({rel}); tinygrad/: {state['source']}; patches: {state['patches']} from patches/series{merged}")
  print("backends: " + ", ".join(f"DEV={k} " + ("ok" if v is None else f"unusable ({v})") for k, v in found.items()))
  print(f"sync done in {time.perf_counter() - st:.1f}s")

if __name__ == "__main__": cli(main)
