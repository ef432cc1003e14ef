"""Coverage guidance (make fuzz GUIDED=1): the lines of tinygrad/ that a program reaches and no earlier program in this worker
process did, measured by coverage.py around the program's evaluation. tools/fuzz/search.py hands their count to Hypothesis's
target(), which then steers generation towards programs that do something new in tinygrad's rewrite rules, scheduler and
renderers. (HypoFuzz does this for Hypothesis tests, but its licence forbids use for commercial software, which tinygrad is.)"""
from pathlib import Path
import coverage, tinygrad

class Reach:
  def __init__(self):
    tree = Path(tinygrad.__file__).parent  # the tinygrad this worker imported: the synced tree, or another one
    self.cov = coverage.Coverage(data_file=None, config_file=False, include=[f"{tree}/*"])
    self.seen: set[tuple[str, int]] = set()

  def new_lines(self, evaluate, program: dict) -> tuple[dict, int]:
    """evaluate(program), and how many lines of tinygrad it reached for the first time."""
    self.cov.erase()
    self.cov.start()
    try: res = evaluate(program)
    finally: self.cov.stop()
    data = self.cov.get_data()
    lines = {(f, n) for f in data.measured_files() for n in data.lines(f) or ()}
    # the first program imports most of tinygrad, whose module-level lines would make it the best program by far
    new, self.seen = len(lines - self.seen) if self.seen else 0, self.seen | lines
    return res, new
