"""make bench-fuzz: the campaign's programs/s and findings per hour with 1 job, with JOBS (default: one per core), with JOBS whose
every program runs on every backend (not on one in turn), and with 1 job whose programs run on every backend at once (one
generator feeding all the workers, against N generators), each for TIME seconds from the same seed into a scratch findings
folder (every finding is new there, as in a first campaign), and where a program's time goes.
Writes build/bench/fuzz.md. The kernel cache is what it is: run it twice to see the warm figure.
make bench-guidance: JOBS jobs unguided and coverage-guided, TIME seconds each from the same seed, side by side as findings per
hour (build/bench/guidance.md)."""
import argparse, os, tempfile
from pathlib import Path
from tools.fuzz import findings, jobs, report
from tools import toolchain
from tools.workbench import ROOT, cli, write_atomic

OUT = ROOT / "build" / "bench"

def measure(n: int, budget_s: float, seed: int, backends: list[str], guided: bool = False, fan_out: bool = False,
            every_backend: bool = False) -> dict:
  with tempfile.TemporaryDirectory() as tmp:
    findings.FINDINGS = Path(tmp) / "findings"  # and the Hypothesis example database beside it: nothing carried over
    tally = jobs.run(n, budget_s, base_seed=seed, ops=None, backends=backends, guided=guided, fan_out=fan_out,
                     every_backend=every_backend)
  # programs/s within the budget (job start-up included): after it, the jobs only finish shrinking and checking their findings
  within = sum(t <= budget_s for t in tally.program_times)
  return {"programs": tally.programs, "times": dict(tally.times), "new": len(tally.new), "within": within, "rate": within / budget_s,
          "found in time": sum(f["t"] <= budget_s for f in tally.found), "lines": tally.reached[-1][1] if tally.reached else None}

def guidance(args, backends: list[str]) -> list[str]:
  runs = {g: measure(args.jobs, args.time, args.seed, backends, guided=g) for g in (False, True)}
  lines = [f"# Coverage guidance: {args.jobs} job(s), {args.time:.0f} s each, seed {args.seed}, backends {', '.join(backends)}", "",
           "| run | programs in the budget | programs/s | findings in the budget | findings per hour | tinygrad lines reached |",
           "|---|---|---|---|---|---|"]
  lines += [f"| {'guided' if g else 'unguided'} | {r['within']} | {r['rate']:.1f} | {r['found in time']} | "
            f"{r['found in time'] * 3600 / args.time:.0f} | {r['lines'] if g else '(not measured)'} |" for g, r in runs.items()]
  return lines

def main():
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--time", type=float, default=120)
  ap.add_argument("--seed", type=int, default=1)
  ap.add_argument("--jobs", type=int, default=os.cpu_count())
  ap.add_argument("--backends", default=",".join(toolchain.runnable()))
  ap.add_argument("--guidance", action="store_true", help="unguided against coverage-guided instead")
  args = ap.parse_args()
  backends = [b for b in args.backends.split(",") if b]
  if args.guidance: return write("guidance.md", guidance(args, backends))
  # N generators (jobs) against one generator whose every program runs on all the backends' workers at once
  runs = {f"JOBS={n}": measure(n, args.time, args.seed, backends) for n in sorted({1, args.jobs})}
  if len(backends) > 1:  # a program on one backend in turn (the default) against every program on all of them
    runs[f"JOBS={args.jobs}, every program on every backend"] = measure(args.jobs, args.time, args.seed, backends, every_backend=True)
    runs["JOBS=1, backends fanned out"] = measure(1, args.time, args.seed, backends, fan_out=True)
  one = runs["JOBS=1"]["rate"]
  lines = [f"# Fuzz throughput: {args.time:.0f} s per run, seed {args.seed}, backends {', '.join(backends)}", "",
           "| run | programs in the budget | programs/s | speed-up | findings in the budget | findings per hour | programs in all |",
           "|---|---|---|---|---|---|---|"]
  lines += [f"| {name} | {r['within']} | {r['rate']:.1f} | {r['rate'] / max(one, 1e-9):.2f}x | {r['found in time']} | "
            f"{r['found in time'] * 3600 / args.time:.0f} | {r['programs']} |" for name, r in runs.items()]
  lines += ["", "Where a program's time goes with 1 job (each phase's own time, summed over the backends it ran on):", "",
            "| phase | ms per program | share |", "|---|---|---|"]
  lines += [f"| {p} | {ms:.1f} | {share:.0%} |" for p, ms, share in report.profile(runs["JOBS=1"])]
  write("fuzz.md", lines)
  for name, r in runs.items(): print(f"programs/s at {name}: {r['rate']:.1f}")

def write(name: str, lines: list[str]):
  OUT.mkdir(parents=True, exist_ok=True)
  write_atomic(OUT / name, "\n".join(lines) + "\n")
  print("\n".join(lines) + f"\n\nwritten to {(OUT / name).relative_to(ROOT)}")

if __name__ == "__main__": cli(main)
