"""build/fuzz/report.md and report.png: the last campaign at a glance. Findings over time by kind, programs/s over time,
programs and findings per class, and each finding with its triage label (from the last `make fuzz-triage`, which renders the
report again) and the path to its repro. The campaign's events stay in build/fuzz/campaign.json for that."""
import json
from collections import Counter
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from tools.fuzz import findings
from tools.fuzz.tally import Tally
from tools.workbench import ROOT, write_atomic

OUT = ROOT / "build" / "fuzz"

def write(tally: Tally, backends: list[str]) -> str:
  """Saves the campaign, renders the report, and returns the terminal's few lines about it."""
  data = {"elapsed": tally.elapsed(), "jobs": tally.jobs, "backends": backends, "programs": tally.programs, "discarded": tally.discarded,
          "flaky": tally.flaky, "by_class": dict(tally.by_class), "found_by_class": dict(tally.found_by_class),
          "program_times": [round(t, 2) for t in tally.program_times], "found": tally.found, "times": dict(tally.times),
          "reached": tally.reached[::max(len(tally.reached) // 400, 1)] + tally.reached[-1:]}
  OUT.mkdir(parents=True, exist_ok=True)
  write_atomic(OUT / "campaign.json", json.dumps(data))
  render(data)
  kinds = Counter(f["kind"] for f in data["found"])
  return "\n".join([f"{data['programs']} programs in {data['elapsed']:.0f} s ({rate(data):.1f}/s, {data['jobs']} job(s), {', '.join(backends)}); "
                    f"{data['discarded']} discarded, {data['flaky']} flaky",
                    f"{len(data['found'])} new findings" + (": " + ", ".join(f"{n} {k}" for k, n in kinds.most_common()) if kinds else ""),
                    "by class (programs/findings): " + ", ".join(f"{c} {n}/{data['found_by_class'].get(c, 0)}" for c, n in
                                                                Counter(data["by_class"]).most_common()),
                    *([f"coverage guided: {data['reached'][-1][1]} lines of tinygrad reached (summed over worker processes)"]
                      if data["reached"] else []),
                    "per program: " + ", ".join(f"{phase} {ms:.1f} ms" for phase, ms, _ in profile(data)[:4]),
                    f"report: {shown(OUT / 'report.md')}, chart: {shown(OUT / 'report.png')}"])

def shown(path: Path) -> Path: return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

def rate(data: dict) -> float: return data["programs"] / max(data["elapsed"], 1e-9)

def profile(data: dict) -> list[tuple[str, float, float]]:
  """(phase, ms per program, share) over the campaign's programs, the costliest first: each phase's own time, summed over the
  backends the program ran on."""
  times, total = data.get("times", {}), sum(data.get("times", {}).values()) or 1e-9
  return [(p, 1e3 * t / max(data["programs"], 1), t / total) for p, t in sorted(times.items(), key=lambda kv: -kv[1])]

def labels() -> dict[str, str]:
  f = OUT / "triage.json"
  return {r["id"]: r["label"] for r in json.loads(f.read_text())} if f.exists() else {}

def render(data: dict):
  lab, found = labels(), data["found"]
  lines = ["# Fuzz campaign", "", "| time | jobs | backends | programs | programs/s | discarded | new findings | flaky |",
           "|---|---|---|---|---|---|---|---|", f"| {data['elapsed']:.0f} s | {data['jobs']} | {', '.join(data['backends'])} | {data['programs']} | "
           f"{rate(data):.1f} | {data['discarded']} | {len(found)} | {data['flaky']} |", "", "![findings and programs over time](report.png)", "",
           "| class | programs | new findings |", "|---|---|---|"]
  lines += [f"| {c} | {n} | {data['found_by_class'].get(c, 0)} |" for c, n in Counter(data["by_class"]).most_common()]
  lines += ["", "Where a program's time goes (each phase's own time, summed over the backends it ran on; tools/fuzz/oracle.py times "
            "them):", "",
            "| phase | ms per program | share |", "|---|---|---|"]
  lines += [f"| {p} | {ms:.1f} | {share:.0%} |" for p, ms, share in profile(data)]
  lines += ["", "| found at | finding | kind | signature | classes | triage | repro |", "|---|---|---|---|---|---|---|"]
  for f in found:
    repro = findings.FINDINGS / f["id"] / "repro.py"
    lines.append(f"| {f['t']:.0f} s | {f['id']} | {f['kind']} | `{f['signature']}` | {', '.join(f['classes'])} | "
                 f"{lab.get(f['id'], 'not triaged yet: make fuzz-triage')} | {shown(repro) if repro.exists() else '(gone)'} |")
  write_atomic(OUT / "report.md", "\n".join(lines) + "\n")
  chart(data)

def chart(data: dict):
  guided = bool(data.get("reached"))
  fig, axes = plt.subplots(3 if guided else 2, 1, figsize=(9, 9 if guided else 6.5), sharex=True)
  top, bottom = axes[0], axes[-1]
  for kind in sorted({f["kind"] for f in data["found"]}):
    ts = sorted(f["t"] for f in data["found"] if f["kind"] == kind)
    top.step([0, *ts, data["elapsed"]], [0, *range(1, len(ts) + 1), len(ts)], where="post", label=kind)
  top.set_ylabel("new findings (cumulative)")
  if data["found"]: top.legend(fontsize=8)
  width = max(data["elapsed"] / 40, 1.0)  # seconds per bar
  counts = Counter(int(t // width) for t in data["program_times"])
  bins = range(int(data["elapsed"] // width) + 1)
  bottom.bar([b * width for b in bins], [counts[b] / width for b in bins], width=width, align="edge")
  bottom.set_ylabel("programs/s")
  if guided:
    axes[1].plot([t for t, _ in data["reached"]], [n for _, n in data["reached"]])
    axes[1].set_ylabel("tinygrad lines reached\n(summed over workers)")
  bottom.set_xlabel("seconds into the campaign")
  top.set_title(f"fuzz campaign: {data['programs']} programs, {len(data['found'])} new findings, {data['jobs']} job(s)")
  fig.tight_layout()
  tmp = OUT / "report.png.tmp"
  fig.savefig(tmp, format="png", dpi=100)
  plt.close(fig)
  tmp.replace(OUT / "report.png")

def refresh() -> bool:
  """Renders the last campaign's report again, with the triage labels as they are now (make fuzz-triage calls it)."""
  if not (OUT / "campaign.json").exists(): return False
  render(json.loads((OUT / "campaign.json").read_text()))
  return True
