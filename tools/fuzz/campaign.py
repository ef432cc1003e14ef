"""make fuzz: a Hypothesis-driven differential fuzzing campaign of tinygrad against torch.

Programs are drawn from tools/fuzz/programs.py and tools/fuzz/structure.py, run in a worker process per backend (crashes and
hangs are findings), judged by the parity rule, shrunk by Hypothesis and deduplicated by signature. The backends share
tinygrad's decompositions, so a program that fails on some of them only is a codegen bug: its signature ends in @<those
backends>. A finding is written to build/fuzz/findings/ only when its repro.py fails again in a fresh process; one that does
not is flaky, kept in build/fuzz/flaky/ with the worker's recent programs."""
import argparse, json, shutil, time
from collections import Counter
from pathlib import Path
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from tools.fuzz import findings
from tools.fuzz.harvest import collect, harvest as harvest_repros
from tools.fuzz.programs import OPS, classes
from tools.fuzz.structure import any_program
from tools.fuzz.worker import Worker
from tools.parity import known
from tools import toolchain
from tools.workbench import DEV, ROOT, WorkbenchError, cli, write_atomic

FLAKY = ROOT / "build" / "fuzz" / "flaky"

class Found(Exception):
  def __init__(self, program, result, sig):
    super().__init__(sig)
    self.program, self.result, self.sig = program, result, sig

def leak(history: list[dict], program: dict, timeout: float, tinygrad: Path | None = None, dev: str | None = None) -> dict | None:
  """The earlier program after which `program` fails in a fresh worker (on the tinygrad in that tree, if given): state one program
  leaves in tinygrad for the next."""
  w = Worker(timeout, tinygrad, dev)
  try:
    for h in history[:-1]:
      w.run(h)
      if w.run(program)["status"] == "fail": return h
    return None
  finally: w.stop()

def campaign(budget_s: float, base_seed: int, ops: list[str] | None, max_ops: int = 3, per_round: int = 50, smoke: bool = False,
             backends: list[str] | None = None, harvest: bool = False) -> dict:
  """Rounds of `per_round` Hypothesis examples until the budget is spent. A smoke run is one derandomized round, as in CI.
  A harvest run collects the programs that show signatures a known entry explains, for tools/fuzz/harvest.py to pick repros from."""
  # a smoke run knows only what is committed, so it gives the same answer on every machine
  seen = set() if smoke else {f["signature"] for f in findings.load()}
  stats = {"programs": 0, "discarded": 0, "findings": 0, "crashes": 0, "hangs": 0, "flaky": 0, "new": [], "by class": Counter(),
           "found by class": Counter()}
  workers, start, last = {b: Worker(timeout=60, dev=b) for b in backends or [DEV]}, time.perf_counter(), 0.0
  db = DirectoryBasedExampleDatabase(str(ROOT / "build" / "fuzz" / "hypothesis-db"))
  def progress(final=False):
    nonlocal last
    if not final and time.perf_counter() - last < 2: return
    last, el = time.perf_counter(), time.perf_counter() - start
    print(f"\r{el:6.0f}s  {stats['programs']} programs ({stats['programs'] / el:.1f}/s), {stats['discarded']} discarded, "
          f"{stats['findings']} new findings, {stats['crashes']} crashes, {stats['hangs']} hangs, {stats['flaky']} flaky",
          end="\n" if final else "", flush=True)
  def record(f: Found):
    seen.add(f.sig)
    worker = workers[f.result.get("dev") or next(iter(workers))]
    d = findings.write(f.program, f.result, f.sig)
    if not findings.reproduces(d, worker.timeout * 2):
      stats["flaky"] += 1
      keep = FLAKY / d.name
      shutil.rmtree(keep, ignore_errors=True)
      FLAKY.mkdir(parents=True, exist_ok=True)
      d.rename(keep)
      write_atomic(keep / "history.json", json.dumps(worker.history, indent=1))
      if before := leak(worker.history, f.program, worker.timeout, dev=worker.dev):
        write_atomic(keep / "leak.json", json.dumps({"first": before, "then": f.program}, indent=1))
      why = "after an earlier program in one process (leak.json)" if before else "in the worker, and after none of its history alone"
      print(f"\nflaky {d.name}: fails {why}, not in a fresh process: {keep}", flush=True)
      return
    stats["findings"] += 1
    stats["crashes"] += f.result["kind"] == "crash"
    stats["hangs"] += f.result["kind"] == "hang"
    stats["new"].append(d.name)
    stats["found by class"].update(classes(f.program))
    print(f"\nfinding {d.name}: {(d / 'summary.txt').read_text().strip()[:200]}", flush=True)
  rnd, candidates = 0, {}  # known signature -> programs that showed it, for a harvest run
  if harvest:  # findings on disk that an entry now explains: the repro of an entry just added for one
    for f in findings.load():
      if known.explains(f["signature"]): collect(candidates, f["signature"], f["program"])
  try:
    while time.perf_counter() - start < budget_s and not (smoke and rnd):
      @settings(max_examples=per_round, deadline=None, database=None if smoke else db, suppress_health_check=list(HealthCheck),
                derandomize=smoke,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], print_blob=False, report_multiple_bugs=False)
      @seed(base_seed * 1000 + rnd)
      @given(any_program(ops, max_ops))
      def prop(program):
        if time.perf_counter() - start > budget_s: return
        results = {b: w.run(program) for b, w in workers.items()}
        failing = [b for b, r in results.items() if r["status"] == "fail"]
        res = results[failing[0]] if failing else next(iter(results.values()))
        stats["programs"] += 1
        stats["by class"].update(classes(program))
        stats["discarded"] += res["status"] == "discard"
        progress()
        if res["status"] != "fail": return
        sig = findings.signature(program, res)
        # the backends it fails on, where that is not every one run (or one alone): what an entry's backends are matched against
        if len(failing) < len(workers) or len(workers) == 1: sig, res = f"{sig}@{','.join(failing)}", {**res, "dev": failing[0]}
        if harvest and known.explains(sig): return collect(candidates, sig, program)
        if sig not in seen and not known.explains(sig):
          if not smoke: raise Found(program, res, sig)  # Hypothesis shrinks it
          record(Found(program, res, sig))  # the smoke goes on, to report every new finding of its programs in one run
      try: prop()
      except BaseExceptionGroup as eg:  # a flaky failure (a crash that did not repeat, say) still names the program
        found = [e for e in eg.exceptions if isinstance(e, Found)]
        if not found: raise
        record(found[0])
      except Found as f: record(f)
      rnd += 1
  finally:
    for w in workers.values(): w.stop()
  progress(final=True)
  if harvest: known.save_repros(harvest_repros(candidates))
  return stats

def main():
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("--time", type=float, default=600, help="budget in seconds (default 600)")
  ap.add_argument("--seed", type=int, default=0)
  ap.add_argument("--ops", default="", help="comma-separated op names from tools/fuzz/programs.py (default: all)")
  ap.add_argument("--max-ops", type=int, default=3)
  ap.add_argument("--backends", default=",".join(toolchain.runnable()),
                  help="comma-separated DEVs to run each program on (default: every CPU backend that runs here)")
  ap.add_argument("--smoke", action="store_true", help="one derandomized round (CI): fails on any finding not known or suppressed")
  ap.add_argument("--harvest", action="store_true", help="keep a live repro for each known signature met (tools/parity/known_repros.json)")
  args = ap.parse_args()
  ops = [o for o in args.ops.split(",") if o] or None
  if ops and (bad := [o for o in ops if o not in OPS]): raise WorkbenchError(f"unknown op(s) {', '.join(bad)}: choose from {', '.join(sorted(OPS))}")
  stats = campaign(args.time, args.seed, ops, args.max_ops, per_round=120 if args.smoke else 50, smoke=args.smoke, harvest=args.harvest,
                   backends=[b for b in args.backends.split(",") if b])
  print("\n| class | programs | new findings |\n|---|---|---|")
  for c, n in stats["by class"].most_common(): print(f"| {c} | {n} | {stats['found by class'][c]} |")
  print(f"findings under {findings.FINDINGS.relative_to(ROOT)}: " + (", ".join(stats["new"]) or "nothing new"))
  if args.smoke and stats["new"]: raise WorkbenchError("the fuzz smoke test found something new: triage it (make fuzz-triage), then fix it, or "
                                                        "add its signature to tools/parity/known.py with the reason")

if __name__ == "__main__": cli(main)
