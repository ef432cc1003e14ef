"""One job of a campaign (tools/fuzz/campaign.py): rounds of Hypothesis examples run on a worker per backend, each new finding
shrunk, checked in a fresh process and written, or kept apart as flaky."""
import itertools, json, shutil, time
from collections import Counter
from pathlib import Path
from hypothesis import HealthCheck, Phase, given, seed, settings, target
from hypothesis.database import DirectoryBasedExampleDatabase
from tools.fuzz import findings
from tools.fuzz.harvest import collect, harvest as harvest_repros
from tools.fuzz.programs import classes
from tools.fuzz.structure import any_program
from tools.fuzz.tally import Tally
from tools.fuzz.worker import Worker
from tools.parity import known
from tools.workbench import DEV, ROOT, write_atomic

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

def search(budget_s: float, base_seed: int, ops: list[str] | None, max_ops: int = 3, per_round: int = 50, smoke: bool = False,
           backends: list[str] | None = None, harvest: bool = False, job: int = 0, emit=None, guided: bool = False,
           fan_out: bool = False, every_backend: bool = False) -> Tally:
  """Rounds of `per_round` Hypothesis examples until the budget is spent. A smoke run is one derandomized round, as in CI.
  A harvest run collects the programs that show signatures a known entry explains, for tools/fuzz/harvest.py to pick repros from.
  Job `job` of several (tools/fuzz/jobs.py) draws from its own seeds and sends its events to `emit` instead of counting them.
  A guided search steers Hypothesis (its target phase) towards programs that reach lines of tinygrad no earlier one did.
  fan_out: each program goes to every backend's worker at once, and runs on them side by side (one generator feeding them all),
  instead of one backend after the other.
  A program runs on one backend, each in turn, unless it fails there: then on the others too, so its signature names every backend
  it fails on. Most bugs are in what the backends share (everything before the renderer): a new program on each one tries more
  of them than one program on all of them (0.9-1.4x the programs/s of a campaign here, as many findings: `make bench-fuzz`).
  every_backend (and fan_out, and a smoke run) runs every program on every backend."""
  # a smoke run knows only what is committed, so it gives the same answer on every machine
  seen = set() if smoke else {f["signature"] for f in findings.load()}
  tally, start, own = Tally(), time.perf_counter(), emit is None
  emit = emit or tally.add
  workers = {b: Worker(timeout=60, dev=b, guided=guided) for b in backends or [DEV]}
  db = DirectoryBasedExampleDatabase(str(findings.FINDINGS.parent / "hypothesis-db"))  # shared by every job
  def record(f: Found):
    seen.add(f.sig)
    worker = workers[f.result.get("dev") or next(iter(workers))]
    d = findings.write(f.program, f.result, f.sig)
    if not findings.reproduces(d, worker.timeout * 2):
      keep = FLAKY / d.name
      shutil.rmtree(keep, ignore_errors=True)
      FLAKY.mkdir(parents=True, exist_ok=True)
      d.rename(keep)
      write_atomic(keep / "history.json", json.dumps(worker.history, indent=1))
      if before := leak(worker.history, f.program, worker.timeout, dev=worker.dev):
        write_atomic(keep / "leak.json", json.dumps({"first": before, "then": f.program}, indent=1))
      why = "after an earlier program in one process (leak.json)" if before else "in the worker, and after none of its history alone"
      print(f"\nflaky {d.name}: fails {why}, not in a fresh process: {keep}", flush=True)
      return emit({"event": "flaky", "t": time.time()})
    emit({"event": "finding", "t": time.time(), "id": d.name, "kind": f.result["kind"], "signature": f.sig, "classes": classes(f.program),
          "folder": str(d), "finding": {"program": f.program, "result": f.result}})
    print(f"\nfinding {d.name}: {(d / 'summary.txt').read_text().strip()[:200]}", flush=True)
  every_backend = every_backend or fan_out or smoke
  turn = itertools.cycle(workers)  # the backend of the next program that runs on one
  rnd, candidates, shrinking = 0, {}, None  # known signature -> programs that showed it, for a harvest run; the signature being shrunk
  drawn = time.perf_counter()  # when Hypothesis last got control back: the time until the next program is its own
  def run(program, backends: list[str], results: dict, times: Counter):
    sent, took = {}, {}
    for b in backends:
      sent[b] = time.perf_counter(), not workers[b].alive()
      workers[b].send(program)
      if not fan_out: results[b], took[b] = workers[b].result(), time.perf_counter() - sent[b][0]
    for b, (t, fresh) in sent.items():
      if fan_out: results[b], took[b] = workers[b].result(), time.perf_counter() - t
      times.update(results[b].get("times", {}))
      # what the worker did not time: the pipe and the oracle's own work, and a worker's start (a fork, or the server's imports);
      # fanned out, also the wait for a core and for the backends before it
      times["worker start" if fresh else "pipe and worker process"] += took[b] - sum(results[b].get("times", {}).values())
  if harvest:  # findings on disk that an entry now explains: the repro of an entry just added for one
    for f in findings.load():
      if known.explains(f["signature"]): collect(candidates, f["signature"], f["program"])
  try:
    while time.perf_counter() - start < budget_s and not (smoke and rnd):
      @settings(max_examples=per_round, deadline=None, database=None if smoke else db, suppress_health_check=list(HealthCheck),
                derandomize=smoke,
                phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.target] if guided else []), Phase.shrink], print_blob=False,
                report_multiple_bugs=False)
      @seed(base_seed * 1000 + rnd if job == 0 else f"{base_seed}/{job}/{rnd}")
      @given(any_program(ops, max_ops))
      def prop(program):
        nonlocal shrinking, drawn
        if time.perf_counter() - start > budget_s and not shrinking: return  # a finding found in time is shrunk all the same
        times, results = Counter(generation=time.perf_counter() - drawn), {}
        # while a finding is shrunk, every smaller program runs everywhere: one that passes on a single backend is not one that passes
        run(program, list(workers) if every_backend or shrinking else [next(turn)], results, times)
        if len(results) < len(workers) and any(r["status"] == "fail" for r in results.values()):
          run(program, [b for b in workers if b not in results], results, times)
        failing = [b for b in workers if b in results and results[b]["status"] == "fail"]  # in one order: it goes into the signature
        res = results[failing[0]] if failing else next(iter(results.values()))
        new_lines = sum(r.get("new lines", 0) for r in results.values())
        if guided: target(float(new_lines), label="tinygrad lines reached first")
        emit({"event": "program", "t": time.time(), "status": res["status"], "classes": classes(program), "times": times, "new lines": new_lines,
              "backends": list(results)})
        drawn = time.perf_counter()
        if res["status"] != "fail": return
        sig = findings.signature(program, res)
        # the backends it fails on, where that is not every one run (or one alone): what an entry's backends are matched against
        if len(failing) < len(workers) or len(workers) == 1: sig, res = f"{sig}@{','.join(failing)}", {**res, "dev": failing[0]}
        if harvest and known.explains(sig): return collect(candidates, sig, program)
        if sig in seen or known.explains(sig): return
        if smoke: return record(Found(program, res, sig))  # the smoke goes on, to report every new finding of its programs in one run
        # a finding is claimed before it is shrunk, so no other job shrinks it too, and shrinking keeps to its signature
        if shrinking is None:
          if not findings.claim(sig): return seen.add(sig)  # another job found it first
          shrinking = sig
        if sig == shrinking: raise Found(program, res, sig)  # Hypothesis shrinks it
      drawn = time.perf_counter()  # not the last round's shrinking and repro checks
      try: prop()
      except BaseExceptionGroup as eg:  # a flaky failure (a crash that did not repeat, say) still names the program
        found = [e for e in eg.exceptions if isinstance(e, Found)]
        if not found: raise
        record(found[0])
      except Found as f: record(f)
      rnd, shrinking = rnd + 1, None
  finally:
    for w in workers.values(): w.stop()
  if own: tally.progress(final=True)
  if harvest: known.save_repros(harvest_repros(candidates))
  return tally
