"""make fuzz-triage: runs every finding's repro.py on three trees (the plain pin, the pin with the stack as tinygrad/ holds it, and
the newest release from its sha256-checked sdist) and labels it. A finding that fails only with the stack is bisected over the
stack's commits with `git bisect run`, to the patch that introduced it. Online, a finding still there at the pin is traced along
upstream's history too (tools/stack/history.py): fixed upstream by a commit, or introduced by one. The labels go to build/fuzz/triage.json too, where
`make pr-check` looks for patches that introduce a finding."""
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tools.fuzz import findings, report
from tools.parity import known
from tools.stack import history, patches, sdist
from tools.stack.queue import newest_release
from tools.workbench import BASE_TAG, ROOT, WorkbenchError, cli, git, gitlink, release, submodule_url, write_atomic

def record(root: Path = ROOT) -> Path: return root / "build" / "fuzz" / "triage.json"

def release_site(version: str) -> Path:
  """tinygrad `version` installed (no deps) into its own folder, put first on PYTHONPATH to run a repro against it."""
  site = ROOT / "build" / "fuzz" / f"tinygrad-{version}"
  if not (site / "tinygrad" / "__init__.py").exists():
    tarball = sdist.fetch(release(version))
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(tarball)], capture_output=True,
                       text=True)
    if p.returncode: raise WorkbenchError(f"cannot install tinygrad {version} into {site}: {p.stderr.strip().splitlines()[-1]}")
  return site

def present(repro: Path, tinygrad: Path | None = None) -> str:
  """How the repro ends with the tinygrad package found under `tinygrad` (default: the synced tinygrad/): fixed or present."""
  env = {**os.environ, "PYTHONPATH": str(tinygrad)} if tinygrad else dict(os.environ)
  try: p = subprocess.run([sys.executable, str(repro)], capture_output=True, text=True, timeout=120, env=env, cwd=repro.parent)
  except subprocess.TimeoutExpired: return "present (hang)"
  return "fixed" if p.returncode == 0 else "present" if p.returncode == 1 else f"present (crash, exit {p.returncode})"

def bisect(repo: Path, repro: Path, stack: list[Path]) -> str:
  """The patch of the stack whose commit first makes the repro fail, found by `git bisect run` between the pin and HEAD."""
  bad = history.first(repo, BASE_TAG, "HEAD", f'"{sys.executable}" "{repro}"')
  if not bad: return "the stack (bisect found no single commit)"
  subject = git("log", "-1", "--format=%s", bad, cwd=repo)
  return next((p.name for p in stack if patches.message(p).split("\n", 1)[0] == subject), f"commit {bad[:12]} {subject!r}")

def label(sig: str, pin: str, stack: str, rel: str, version: str, culprit: str | None) -> str:
  if k := known.explains(sig): return ("by design: " if k.intended else "known: ") + k.reason
  if stack == "fixed": return "does not reproduce with the stack"
  if pin == "fixed": return f"introduced by {culprit}"
  return f"fixed in {version}" if rel == "fixed" else f"still present in {version}"

def triage(version: str, head: str | None = None) -> list[dict]:
  """Each finding at the pin, with the stack, and in tinygrad `version`; with `head` (online: upstream's HEAD), a bug at the pin is
  also traced along upstream's history, to the commit that fixed it or the one that introduced it."""
  repo, stack, site = ROOT / "tinygrad", patches.series(ROOT), release_site(version)
  def one(f: dict, pin_tree: Path) -> dict:
    repro = findings.FINDINGS / f["id"] / "repro.py"
    pin, with_stack, rel = present(repro, pin_tree), present(repro), present(repro, site)
    culprit = bisect(repo, repro, stack) if pin == "fixed" and with_stack != "fixed" and not known.explains(f["signature"]) else None
    row = {"id": f["id"], "signature": f["signature"], "pin": pin, "stack": with_stack, version: rel, "introduced_by": culprit,
           "label": label(f["signature"], pin, with_stack, rel, version, culprit)}
    if head and pin != "fixed" and not known.explains(f["signature"]):
      v = history.trace(repo, gitlink(ROOT), head, f'"{sys.executable}" "{repro}"')
      row["upstream"] = str(v)
      if v.kind in ("fixed", "introduced"): row["label"] = str(v)
    return row
  with patches.worktree(repo, BASE_TAG) as pin_tree, ThreadPoolExecutor(os.cpu_count()) as pool:
    rows = list(pool.map(lambda f: one(f, pin_tree), findings.load()))
  record().parent.mkdir(parents=True, exist_ok=True)
  write_atomic(record(), json.dumps(rows, indent=1))
  return rows

def introduced(root: Path = ROOT) -> dict[str, list[str]]:
  """patch name -> the findings it introduced, as the last triage recorded them."""
  out: dict[str, list[str]] = {}
  for r in json.loads(record(root).read_text()) if record(root).exists() else []:
    if r.get("introduced_by"): out.setdefault(r["introduced_by"], []).append(r["id"])
  return out

def main():
  version = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else newest_release()
  head = history.upstream_head(ROOT / "tinygrad", submodule_url(ROOT))
  if not head: print(f"offline: upstream's history is out of reach, so each finding is checked at the pin and in tinygrad {version} only\n")
  print(f"| finding | signature | plain pin | pin + stack | tinygrad {version} | label |\n|---|---|---|---|---|---|")
  for r in triage(version, head): print(f"| {r['id']} | {r['signature']} | {r['pin']} | {r['stack']} | {r[version]} | {r['label']} |")
  print(f"\nwritten to {record().relative_to(ROOT)}" + (", and into the last campaign's build/fuzz/report.md" if report.refresh() else ""))

if __name__ == "__main__": cli(main)
