"""The parity suite on every backend side by side: reads each run's build/parity/samples-<DEV>.json and writes build/parity/backends.md
(pass/xfail/fail per op family and backend, then every sample whose outcome differs between backends) and backends.png (wall time)."""
import json, sys
from collections import defaultdict
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from tools.parity.known import KNOWN
from tools.parity.report import OUT
from tools.workbench import WorkbenchError, cli, write_atomic

ORDER = ["CPU", "CPU:LLVM", "CPU:X86", "PYTHON"]  # then any other backend (a GPU run's file, copied here) in name order
FAILED = {"failed", "xpass"}

def runs() -> list[dict]:
  found = [json.loads(p.read_text()) for p in sorted(OUT.glob("samples-*.json"))]
  if not found: raise WorkbenchError(f"no parity results in {OUT}: run `make test-parity-backends` first")
  return sorted(found, key=lambda r: (ORDER.index(r["dev"]) if r["dev"] in ORDER else len(ORDER), r["dev"]))

def family(sample: dict) -> str: return sample.get("family") or sample["id"].split("/")[0]

def cause(sample_id: str, by_dev: dict[str, dict], runs: list[dict]) -> str:
  """Why the outcome differs, where the runs say: a known backend bug, or torch versions that judge the input differently."""
  op_sample = sample_id.split("/", 1)[-1]
  if k := next((k for k in KNOWN if k.backends and op_sample in k.parity), None): return f"backend bug on {', '.join(k.backends)}: {k.reason}"
  if xpass := [d for d, s in by_dev.items() if s["status"] == "xpass"]:
    return f"known failure passes on {', '.join(xpass)}: name the backends it fails on in tools/parity/known.py ({by_dev[xpass[0]]['reason']})"
  failures = [s.get("failure", "") for s in by_dev.values() if s["status"] in FAILED]
  if any(f.startswith("torch rejects") for f in failures) and len({r["torch"] for r in runs}) > 1:
    versions: dict[str, list[str]] = defaultdict(list)
    for r in runs:
      if r["dev"] in by_dev: versions[r["torch"]].append(r["dev"])
    return "the reference differs: " + "; ".join(f"torch {v} on {', '.join(devs)}" for v, devs in versions.items())
  return next((f for f in failures if f), "")

def matrix(runs: list[dict]) -> str:
  devs = [r["dev"] for r in runs]
  counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
  samples: dict[str, dict[str, dict]] = defaultdict(dict)
  for r in runs:
    for s in r["samples"]:
      counts[family(s)][r["dev"]]["failed" if s["status"] in FAILED else s["status"]] += 1
      samples[s["id"]][r["dev"]] = s
  lines = ["# Parity on each backend", "", "| backend | profile | samples | wall | torch | machine |", "|---|---|---|---|---|---|"]
  lines += [f"| {r['dev']} | {r['profile']} | {len(r['samples'])} | {r['wall_s']:.0f} s | {r['torch']} | {r['machine']} |" for r in runs]
  lines += ["", "Each cell: passed / xfail / failed (skipped, if any).", "", "| family | " + " | ".join(devs) + " |", "|---|" + "---|" * len(devs)]
  for fam in sorted(counts):
    cells = [f"{c['passed']} / {c['xfail']} / {c['failed']}" + (f" ({c['skipped']} skipped)" if c["skipped"] else "") if (c := counts[fam][d])
             else "not run" for d in devs]
    lines.append(f"| {fam} | " + " | ".join(cells) + " |")
  # skipped is no outcome to compare; a sample a smaller profile did not run is not a difference either
  differ = {sid: by for sid, by in samples.items()
            if len({s["status"] for s in by.values() if s["status"] != "skipped"}) > 1}
  lines += ["", f"## Samples whose outcome differs between backends ({len(differ)})", ""]
  if differ:
    lines += ["| sample | " + " | ".join(devs) + " | why |", "|---|" + "---|" * (len(devs) + 1)]
    for sid, by in sorted(differ.items()):
      outcome = [by[d]["status"] if d in by else "" for d in devs]
      lines.append(f"| {sid} | " + " | ".join(outcome) + f" | {cause(sid, by, runs)[:300].replace('|', '/')} |")
  bugs = [k for k in KNOWN if k.backends]
  lines += ["", f"## Backend bugs: known failures on some backends only ({len(bugs)})", ""]
  lines += [f"- {', '.join(k.backends)}: {', '.join(k.parity)}: {k.reason}" for k in bugs]
  return "\n".join(lines) + "\n"

def chart(runs: list[dict]):
  fams = sorted({family(s) for r in runs for s in r["samples"]})
  fig, ax = plt.subplots(figsize=(max(8, len(fams)), 4.5))
  width = 0.8 / len(runs)
  for i, r in enumerate(runs):
    secs = defaultdict(float)
    for s in r["samples"]: secs[family(s)] += s.get("seconds", 0.0)
    ax.bar([j + i * width for j in range(len(fams))], [secs[f] for f in fams], width, label=f"{r['dev']} ({r['profile']})")
  ax.set_xticks([j + 0.4 - width / 2 for j in range(len(fams))], fams, rotation=30, ha="right")
  ax.set_yscale("log")
  ax.set_ylabel("seconds, summed over the family's tests")
  ax.set_title("parity wall time per op family and backend")
  ax.legend(fontsize=8)
  fig.tight_layout()
  fig.savefig(OUT / "backends.png.tmp", format="png", dpi=110)
  (OUT / "backends.png.tmp").replace(OUT / "backends.png")

def main():
  found = runs()
  write_atomic(OUT / "backends.md", matrix(found))
  chart(found)
  print(f"{len(found)} backends ({', '.join(r['dev'] for r in found)}): {OUT / 'backends.md'}, backends.png", file=sys.stderr)

if __name__ == "__main__": cli(main)
