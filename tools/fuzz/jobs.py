"""make fuzz JOBS=N: N campaigns side by side, every one with its own seeds and its own worker processes.

On one machine (Processes) they are processes that share the Hypothesis example database (a folder, safe to share) and the
findings folder, where a finding is claimed (its folder created atomically, tools/fuzz/findings.py) by the first job to find it,
before it is shrunk, so none is shrunk or written twice. On a cluster (tools/fuzz/cluster.py) each job writes to a folder of its
own machine, and its finding events carry the finding, which is claimed and written here. Either way the events come back
through one queue into one Tally: one progress line, one summary, one report. A job that dies (killed, out of memory) leaves
its findings behind; another job with fresh seeds takes its place for the rest of the budget."""
import multiprocessing as mp, queue, time
from tools.fuzz import findings, search
from tools.fuzz.tally import Tally

GRACE_S = 300  # past the budget: a job still shrinking a finding, then checking its repro in a fresh process (up to 120 s)

def job(events, n: int, kw: dict, found_dir):
  """One job's campaign, its events put on `events` (a queue with put()), its findings written under `found_dir`."""
  findings.FINDINGS = found_dir
  try: search.search(job=n, emit=events.put, **kw)
  except Exception as e: events.put({"event": "error", "job": n, "t": time.time(), "message": f"{type(e).__name__}: {e}"})
  events.put({"event": "done", "job": n, "t": time.time()})

class Processes:
  """Jobs as processes of this machine."""
  def __init__(self):
    self.ctx = mp.get_context("spawn")
    self.events = self.ctx.Queue()
  def start(self, n: int, kw: dict):
    p = self.ctx.Process(target=job, args=(self.events, n, kw, findings.FINDINGS))  # not a daemon: a job starts workers of its own
    p.start()
    return p
  def get(self, timeout: float) -> dict | None:
    try: return self.events.get(timeout=timeout)
    except queue.Empty: return None
  def died(self, p) -> bool: return p.exitcode not in (None, 0)
  def join(self, p): p.join()
  def kill(self, p): p.kill()

def keep(ev: dict) -> bool:
  """A finding a job wrote elsewhere (on another machine) is written here too, unless another job, or an earlier campaign, has it."""
  if ev["folder"] == str(findings.FINDINGS / ev["id"]): return True  # written here already
  if not findings.claim(ev["signature"]): return False
  findings.write(ev["finding"]["program"], ev["finding"]["result"], ev["signature"])
  return True

def run(jobs: int, budget_s: float, engine=None, **kw) -> Tally:
  engine, tally, end = engine or Processes(), Tally(jobs), time.time() + budget_s
  start = lambda n: engine.start(n, {**kw, "budget_s": end - time.time()})
  running, spawned, duplicates = {n: start(n) for n in range(jobs)}, jobs, 0
  try:
    while running and time.time() < end + GRACE_S:
      ev = engine.get(timeout=1)
      if ev is not None and ev["event"] == "done": engine.join(running.pop(ev["job"]))
      elif ev is not None and ev["event"] == "error": print(f"\njob {ev['job']} stopped: {ev['message']}", flush=True)
      elif ev is not None and ev["event"] == "finding" and not keep(ev): duplicates += 1
      elif ev is not None: tally.add(ev)
      for n, h in list(running.items()):
        if engine.died(h):  # died without a word
          del running[n]
          again = end - time.time() > 10 and spawned < 3 * jobs  # not for ever: a job that cannot start dies at once every time
          print(f"\njob {n} died" + (f": job {spawned} takes its place" if again else ""), flush=True)
          if again: running[spawned], spawned = start(spawned), spawned + 1
  finally:
    for h in running.values(): engine.kill(h)
  tally.progress(final=True)
  if duplicates: print(f"{duplicates} finding(s) found by more than one machine, kept once", flush=True)
  return tally
