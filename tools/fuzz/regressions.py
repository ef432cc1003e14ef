"""make fuzz-stack: does the patch stack make any program worse? Draws programs over the ops the stack's patches touch, runs each on
the plain pin and on the pin with the stack (each in its own worker process), and fails on any program that passes at the pin but
fails with the stack. Known differences are not excused here: a patch must not add a failure of any kind."""
import argparse, time
from pathlib import Path
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from tools.fuzz.programs import OPS, programs, source
from tools.fuzz.structure import dag_programs, state_programs
from tools.fuzz.worker import Worker
from tools.stack import patches
from tools.stack.queue import parity_ids, trailers
from tools.workbench import BASE_TAG, ROOT, WorkbenchError, cli

def touched_ops(repo: Path, rev_range: str, stack: list[Path]) -> list[str]:
  """Fuzz ops the stack changes: the functions its hunks in tinygrad/ fall in and the ops its Parity: ("family/op/sample") and
  Fixes: ("op-<hash>") trailers name."""
  names = {f.rsplit('.', 1)[-1] for fns in patches.changed_functions(repo, rev_range).values() for f in fns}
  for meta in (trailers(patches.message(p)) for p in stack):
    names |= {e.split("/")[1] for e in parity_ids(meta)}
    names |= {e.strip().rsplit("-", 1)[0] for e in meta.get("Fixes", "").split(",") if e.strip()}
  return sorted(names & OPS.keys())

def strategy(ops: list[str]) -> st.SearchStrategy:
  """Chains of the touched ops, and DAG or state programs where the stack touches a view or an in-place update (assign, say)."""
  chain = [o for o in ops if OPS[o].params not in ("view", "state")]
  return st.one_of(*([programs(chain, max_ops=2)] if chain else []), *([dag_programs()] if any(OPS[o].params == "view" for o in ops) else []),
                   *([state_programs()] if any(OPS[o].params == "state" for o in ops) else []))

def check(ops: list[str], examples: int, pin_tree: Path) -> tuple[int, list[tuple[dict, dict]]]:
  """(programs run, [(program, result with the stack)] for each program that passes at the pin and fails with the stack)."""
  stacked, plain, worse, start = Worker(timeout=60), Worker(timeout=60, tinygrad=pin_tree), [], time.perf_counter()
  ran = 0
  @settings(max_examples=examples, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck),
            phases=[Phase.generate])
  @given(strategy(ops))
  def prop(program):
    nonlocal ran
    ran += 1
    if ran % 20 == 0: print(f"\r{time.perf_counter() - start:5.0f}s  {ran} programs, {len(worse)} worse with the stack", end="", flush=True)
    if (res := stacked.run(program))["status"] == "fail" and plain.run(program)["status"] == "ok": worse.append((program, res))
  try: prop()
  finally: stacked.stop(); plain.stop()
  print()
  return ran, worse

def main():
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--examples", type=int, default=300)
  args = ap.parse_args()
  repo, stack = ROOT / "tinygrad", patches.series(ROOT)
  ops = touched_ops(repo, f"{BASE_TAG}..HEAD", stack)
  if not ops: return print("the stack touches no op the fuzzer draws: nothing to compare")
  print(f"ops the stack touches: {', '.join(ops)}")
  with patches.worktree(repo, BASE_TAG) as pin_tree: ran, worse = check(ops, args.examples, pin_tree)
  for program, res in worse: print(f"\nworse with the stack: {res['kind']}: {res['message'][:300]}\n{source(program, 'tiny')}")
  print(f"{ran} programs on the plain pin and with the stack: {len(worse)} pass at the pin and fail with the stack")
  if worse: raise WorkbenchError("the stack makes programs fail that pass without it: `make fuzz-triage` bisects a finding to its patch")

if __name__ == "__main__": cli(main)
