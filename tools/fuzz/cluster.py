"""make fuzz CLUSTER=<address>: the campaign's jobs as Ray tasks, on as many machines as the Ray cluster has.

Ray, because a job is a long-lived stateful process (its own worker processes, its own Hypothesis generator) that streams
events back while it runs: Ray's tasks and its actor-backed queue give exactly that, with placement by CPU count and a dead task
reported to the driver. Dask is built around task graphs of short functions and returned values, and a pool (multiprocessing
over SSH, say) would leave scheduling and failure detection to us. Ray is not installed by `make sync`: it is the `cluster`
extra of pyproject.toml (`make test-cluster` installs it). Every machine of the cluster needs this workbench synced at the same
path (`make sync`, then `ray start --address=<head>` from `.venv`). A job writes its findings to a temporary folder of its own
machine, and each finding event carries the finding, which tools/fuzz/jobs.py writes under build/fuzz/findings/ once.
CLUSTER=local starts a Ray instance on this machine, with one CPU per job: what the test of this path runs."""
import tempfile
from pathlib import Path
from tools.fuzz import jobs
from tools.workbench import ROOT, WorkbenchError

def remote_job(events, n: int, kw: dict):
  with tempfile.TemporaryDirectory() as tmp: jobs.job(events, n, kw, Path(tmp) / "findings")

class RayJobs:
  def __init__(self, address: str, n: int):
    try: import ray
    except ImportError: raise WorkbenchError("CLUSTER= needs Ray, which make sync does not install: run `.venv/bin/pip install ray==2.60.0` "
                                             "(pyproject.toml's cluster extra) or `make test-cluster`") from None
    from ray.util.queue import Empty, Queue
    env = {"env_vars": {"PYTHONPATH": str(ROOT)}}  # the workbench, where every machine has it
    if address == "local": ray.init(num_cpus=n, runtime_env=env, include_dashboard=False, logging_level="ERROR")
    else: ray.init(address=address, runtime_env=env, logging_level="ERROR")
    self.ray, self.empty, self.events, self.task = ray, Empty, Queue(), ray.remote(num_cpus=1, max_retries=0)(remote_job)

  def start(self, n: int, kw: dict): return self.task.remote(self.events, n, kw)
  def get(self, timeout: float) -> dict | None:
    try: return self.events.get(timeout=timeout)
    except self.empty: return None
  def died(self, ref) -> bool:
    if not self.ray.wait([ref], timeout=0)[0]: return False
    try: self.ray.get(ref)
    except Exception: return True
    return False
  def join(self, ref): self.ray.get(ref)
  def kill(self, ref): self.ray.cancel(ref, force=True)
  def close(self): self.ray.shutdown()

def run(address: str, n: int, budget_s: float, **kw):
  engine = RayJobs(address, n)
  try: return jobs.run(n, budget_s, engine=engine, **kw)
  finally: engine.close()
