"""A campaign's events as they come (each program run, each finding, each flaky one), from one job or several: the progress line,
the summary and what tools/fuzz/report.py draws."""
import time
from collections import Counter

class Tally:
  def __init__(self, jobs: int = 1):
    self.start, self.jobs, self.last = time.time(), jobs, 0.0
    self.programs = self.discarded = self.flaky = 0
    self.by_class, self.found_by_class, self.kinds, self.times = Counter(), Counter(), Counter(), Counter()
    self.program_times: list[float] = []  # seconds from the start, one per program
    self.reached: list[tuple[float, int]] = []  # (seconds from the start, lines of tinygrad reached so far), where guided
    self.found: list[dict] = []  # each finding's event, its time made relative to the start

  @property
  def new(self) -> list[str]: return [f["id"] for f in self.found]

  def add(self, event: dict):
    t = event["t"] - self.start
    if event["event"] == "program":
      self.programs += 1
      self.discarded += event["status"] == "discard"
      self.by_class.update(event["classes"])
      self.times.update(event.get("times", {}))  # seconds per phase, over the programs' backends (tools/fuzz/oracle.py)
      self.program_times.append(t)
      if event.get("new lines"): self.reached.append((t, event["new lines"] + (self.reached[-1][1] if self.reached else 0)))
    elif event["event"] == "finding":
      self.found.append({**event, "t": t})
      self.kinds[event["kind"]] += 1
      self.found_by_class.update(event["classes"])
    elif event["event"] == "flaky": self.flaky += 1
    self.progress()

  def elapsed(self) -> float: return time.time() - self.start

  def progress(self, final: bool = False):
    if not final and time.time() - self.last < 2: return
    self.last, el = time.time(), max(self.elapsed(), 1e-9)
    print(f"\r{el:6.0f}s  {self.programs} programs ({self.programs / el:.1f}/s{f' on {self.jobs} jobs' if self.jobs > 1 else ''}), "
          f"{self.discarded} discarded, {len(self.found)} new findings, {self.kinds['crash']} crashes, {self.kinds['hang']} hangs, "
          f"{self.flaky} flaky", end="\n" if final else "", flush=True)
