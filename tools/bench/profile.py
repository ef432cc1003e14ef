"""Where a model's time goes in tinygrad: each kernel's time, FLOPs and bytes (tinygrad's own estimates) against this machine's
measured peak, the host time around the kernels (Python scheduling), and torch's busiest ops on the same step."""
import re, time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
import numpy as np
import torch
from tinygrad.helpers import GlobalCounters
from tinygrad.engine import realize
from tinygrad.uop.ops import Ops

@dataclass
class Kernel:
  calls: int = 0
  seconds: float = 0.0
  ops: int = 0
  mem: int = 0

@dataclass
class Peak:
  flops: float  # FLOP/s of torch's float32 matmul on every core: what the cores reach in practice
  bandwidth: float  # bytes/s of a large numpy copy, read plus write
  @property
  def balance(self) -> float: return self.flops / self.bandwidth  # FLOPs per byte above which a kernel is compute-bound

def measure_peak() -> Peak:
  a = torch.randn(2048, 2048)
  flops = max(2 * 2048**3 / _seconds(lambda: a @ a) for _ in range(3))
  src, dst = np.ones(2**26, np.float32), np.empty(2**26, np.float32)
  return Peak(flops, max(2 * src.nbytes / _seconds(lambda: np.copyto(dst, src)) for _ in range(3)))

def _seconds(fn: Callable) -> float:
  start = time.perf_counter()
  fn()
  return time.perf_counter() - start

@contextmanager
def kernels():
  """Records every kernel tinygrad runs, by name, each one waited for so the times are the kernels' own. tinygrad copies the
  globals of its exec functions, so the hooks are where it looks live: the ExecContext run_linear builds, and estimate_uop,
  which track_stats calls just before it adds the kernel's ops, bytes and time to GlobalCounters."""
  found: dict[str, Kernel] = {}
  pending: list[tuple[str, int, int, float]] = []
  context, estimate = realize.ExecContext, realize.estimate_uop
  def settle():
    if not pending: return
    name, ops, mem, seconds = pending.pop()
    k = found.setdefault(name, Kernel())
    k.calls, k.seconds = k.calls + 1, k.seconds + GlobalCounters.time_sum_s - seconds
    k.ops, k.mem = k.ops + int(GlobalCounters.global_ops - ops), k.mem + int(GlobalCounters.global_mem - mem)
  def estimating(call):
    settle()
    name = re.sub(r"\x1b\[[0-9;]*m", "", call.src[0].arg.name) if call.src[0].op is Ops.PROGRAM else call.src[0].op.name.lower()
    pending.append((name, GlobalCounters.global_ops, GlobalCounters.global_mem, GlobalCounters.time_sum_s))
    return estimate(call)
  class Waiting(context):
    def __init__(self, *args, **kwargs):
      super().__init__(*args, **kwargs)
      self.wait = True
  realize.ExecContext, realize.estimate_uop = Waiting, estimating
  try: yield found
  finally:
    settle()
    realize.ExecContext, realize.estimate_uop = context, estimate

def tinygrad_profile(step: Callable, sync: Callable, *args) -> tuple[float, dict[str, Kernel]]:
  """One warm call of `step(*args)`: its wall time in seconds and its kernels."""
  step(*args)
  sync()
  with kernels() as found:
    start = time.perf_counter()
    step(*args)
    sync()
    wall = time.perf_counter() - start
  return wall, found

def torch_profile(step: Callable, top: int) -> list[tuple[str, int, float]]:
  """torch's ops on one warm call of `step` by self time: (name, calls, seconds)."""
  step()
  with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof: step()
  ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
  return [(e.key, e.count, e.self_cpu_time_total / 1e6) for e in ops[:top]]

def verdict(wall: float, found: dict[str, Kernel], peak: Peak) -> str:
  """What dominates one step: the host's scheduling, memory-bound kernels or compute-bound kernels (and how far from peak)."""
  host = wall - (total := sum(k.seconds for k in found.values()))
  memory = sum(k.seconds for k in found.values() if k.ops < peak.balance * k.mem)
  if host >= total: return f"Python scheduling ({host / wall:.0%} of the step outside kernels)"
  if memory >= total - memory: return f"memory-bound kernels ({memory / total:.0%} of kernel time)"
  compute = [k for k in found.values() if k.ops >= peak.balance * k.mem]
  reached = sum(k.ops for k in compute) / sum(k.seconds for k in compute) / peak.flops
  return f"compute-bound kernels at {reached:.0%} of peak ({1 - memory / total:.0%} of kernel time)"

def table(label: str, wall: float, found: dict[str, Kernel], peak: Peak, ref: list[tuple[str, int, float]], top: int) -> list[str]:
  total = sum(k.seconds for k in found.values())
  lines = [f"### {label}", "", f"{wall * 1e3:.1f} ms a step, warm: {sum(k.calls for k in found.values())} kernel runs of "
           f"{len(found)} kernels take {total * 1e3:.1f} ms, the host {max(wall - total, 0) * 1e3:.1f} ms. Dominated by: "
           f"{verdict(wall, found, peak)}.", "",
           "| tinygrad kernel | runs | ms | GFLOP | MB | GFLOP/s (% of peak) | GB/s (% of peak) | bound |", "|---|---|---|---|---|---|---|---|"]
  for name, k in sorted(found.items(), key=lambda kv: -kv[1].seconds)[:top]:
    flops, bw = k.ops / max(k.seconds, 1e-12), k.mem / max(k.seconds, 1e-12)
    lines.append(f"| `{name}` | {k.calls} | {k.seconds * 1e3:.2f} | {k.ops / 1e9:.3f} | {k.mem / 1e6:.1f} | {flops / 1e9:.1f} "
                 f"({flops / peak.flops:.0%}) | {bw / 1e9:.1f} ({bw / peak.bandwidth:.0%}) | "
                 f"{'compute' if k.ops >= peak.balance * k.mem else 'memory'} |")
  lines += ["", "| torch op | calls | self ms |", "|---|---|---|"] + [f"| `{n}` | {c} | {s * 1e3:.2f} |" for n, c, s in ref] + [""]
  return lines
