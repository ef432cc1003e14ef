"""make fuzz: a Hypothesis-driven differential fuzzing campaign of tinygrad against torch.

Programs are drawn from tools/fuzz/programs.py and tools/fuzz/structure.py, run in a worker process per backend (crashes and
hangs are findings), each program on one backend in turn and on all of them when it fails there (--every-backend: always on
all), judged by the parity rule, shrunk by Hypothesis and deduplicated by signature. The backends share tinygrad's
decompositions, so a program that fails on some of them only is a codegen bug: its signature ends in @<those backends>. A
finding is written to build/fuzz/findings/ only when its repro.py fails again in a fresh process; one that does not is flaky,
kept in build/fuzz/flaky/ with the worker's recent programs."""
import argparse, os
from tools.fuzz import cluster, findings, jobs, report
from tools.fuzz.programs import OPS
from tools.fuzz.search import search
from tools import toolchain
from tools.workbench import ROOT, WorkbenchError, cli

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
  ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="campaigns side by side, one process each (default: one per core)")
  ap.add_argument("--guided", action="store_true", help="coverage guidance: steer towards programs that reach new lines of tinygrad")
  ap.add_argument("--fan-out", action="store_true", help="run each program on every backend at once, not one backend after the other")
  ap.add_argument("--every-backend", action="store_true", help="run each program on every backend, not on one in turn (and the rest if it fails)")
  ap.add_argument("--cluster", default="", help="a Ray cluster's address to run the jobs on, or 'local' (tools/fuzz/cluster.py)")
  args = ap.parse_args()
  ops = [o for o in args.ops.split(",") if o] or None
  if ops and (bad := [o for o in ops if o not in OPS]): raise WorkbenchError(f"unknown op(s) {', '.join(bad)}: choose from {', '.join(sorted(OPS))}")
  if args.jobs < 1: raise WorkbenchError(f"--jobs {args.jobs}: give 1 or more")
  kw = dict(base_seed=args.seed, ops=ops, max_ops=args.max_ops, backends=[b for b in args.backends.split(",") if b], guided=args.guided,
            fan_out=args.fan_out, every_backend=args.every_backend)
  if args.smoke or args.harvest or args.jobs == 1:  # one process, as CI's smoke run has always been
    tally = search(args.time, per_round=120 if args.smoke else 50, smoke=args.smoke, harvest=args.harvest, **kw)
  elif args.cluster: tally = cluster.run(args.cluster, args.jobs, args.time, **kw)
  else: tally = jobs.run(args.jobs, args.time, **kw)
  if not args.smoke: print(report.write(tally, kw["backends"]))
  print(f"findings under {findings.FINDINGS.relative_to(ROOT)}: " + (", ".join(tally.new) or "nothing new"))
  if args.smoke and tally.new: raise WorkbenchError("the fuzz smoke test found something new: triage it (make fuzz-triage), then fix it, or "
                                                     "add its signature to tools/parity/known.py with the reason")

if __name__ == "__main__": cli(main)
