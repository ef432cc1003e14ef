"""make fuzz-triage: runs every finding's repro.py against the pinned (patched) tinygrad and against the newest release,
installed from its sha256-checked sdist into build/fuzz/, and labels it still present upstream or fixed upstream."""
import os, subprocess, sys
from pathlib import Path
from tools import sdist
from tools.fuzz import findings
from tools.fuzz.suppressions import SUPPRESSED
from tools.queue import newest_release
from tools.workbench import ROOT, release

def release_site(version: str) -> Path:
  """tinygrad `version` installed (no deps) into its own folder, put first on PYTHONPATH to run a repro against it."""
  site = ROOT / "build" / "fuzz" / f"tinygrad-{version}"
  if not (site / "tinygrad" / "__init__.py").exists():
    tarball = sdist.fetch(release(version))
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(tarball)], capture_output=True,
                       text=True)
    if p.returncode: raise SystemExit(f"error: cannot install tinygrad {version} into {site}: {p.stderr.strip().splitlines()[-1]}")
  return site

def present(repro: Path, site: Path | None = None) -> str:
  env = {**os.environ, "PYTHONPATH": str(site)} if site else dict(os.environ)
  try: p = subprocess.run([sys.executable, str(repro)], capture_output=True, text=True, timeout=120, env=env, cwd=repro.parent)
  except subprocess.TimeoutExpired: return "present (hang)"
  return "fixed" if p.returncode == 0 else "present" if p.returncode == 1 else f"present (crash, exit {p.returncode})"

def main():
  version = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else newest_release()
  site = release_site(version)
  print(f"| finding | signature | at the pin (with patches/) | tinygrad {version} | label |\n|---|---|---|---|---|")
  for f in findings.load():
    at_pin, upstream = present(findings.FINDINGS / f["id"] / "repro.py"), present(findings.FINDINGS / f["id"] / "repro.py", site)
    label = "suppressed: " + SUPPRESSED[f["signature"]] if f["signature"] in SUPPRESSED else \
      "fixed upstream" if upstream == "fixed" else "still present upstream"
    print(f"| {f['id']} | {f['signature']} | {at_pin} | {upstream} | {label} |", flush=True)

if __name__ == "__main__": main()
