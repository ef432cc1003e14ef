"""The structured operators' speed-up over dense (extra/models/linear_operators.py against the same matrix as a dense one), a
matrix-vector product at growing n, in tinygrad (TinyJit) and in torch (cola-ml's operators against torch's dense matmul)."""
import math, sys
import cola
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from tinygrad import Tensor, TinyJit
from tools.bench import png_bytes

def operators(lo, n: int, rng) -> dict[str, tuple]:
  """Each structure at size n as (tinygrad operator, cola operator): Kronecker of two sqrt(n) factors, 64-wide blocks, rank 16,
  and a diagonal."""
  side, blocks = math.isqrt(n), [rng.standard_normal((64, 64), dtype=np.float32) for _ in range(n // 64)]
  f = [rng.standard_normal((side, side), dtype=np.float32) for _ in range(2)]
  u, d = rng.standard_normal((n, 16), dtype=np.float32), rng.random(n, dtype=np.float32)
  ref = lambda a: cola.ops.Dense(torch.from_numpy(np.ascontiguousarray(a)))
  return {"Kronecker": (lo.Kronecker(*(lo.Dense(Tensor(a)) for a in f)), cola.ops.Kronecker(*map(ref, f))),
          "block diagonal (64)": (lo.BlockDiag(*(lo.Dense(Tensor(a)) for a in blocks)), cola.ops.BlockDiag(*map(ref, blocks))),
          "low rank (16)": (lo.LowRank(Tensor(u), Tensor(u)), cola.ops.Product(ref(u), ref(u.T))),
          "diagonal": (lo.Diagonal(Tensor(d)), cola.ops.Diagonal(torch.from_numpy(d)))}

def matvec(a, x):
  out = a @ x
  return out.realize() if isinstance(out, Tensor) else out

def speedups(lo, lengths: list[int], median_ms, tiny_sync) -> tuple[list[str], bytes]:
  rng, rows, curves = np.random.default_rng(0), [], {}
  for n in lengths:
    print(f"  structured operators, n={n}", file=sys.stderr, flush=True)
    a = rng.standard_normal((n, n), dtype=np.float32)
    x = rng.standard_normal((n, 1), dtype=np.float32)
    tx, ta, ref_x, ref_a = Tensor(x).realize(), Tensor(a).realize(), torch.from_numpy(x), torch.from_numpy(a)
    tiny_dense, torch_dense = median_ms(TinyJit(matvec), tiny_sync, ta, tx), median_ms(matvec, lambda: None, ref_a, ref_x)
    del a, ta, ref_a
    for name, (tiny, ref) in operators(lo, n, rng).items():
      t, r = median_ms(TinyJit(matvec), tiny_sync, tiny, tx), median_ms(matvec, lambda: None, ref, ref_x)
      rows.append(f"| {name} | {n} | {tiny_dense:.2f} | {t:.3f} | {tiny_dense / t:.1f}x | {torch_dense:.2f} | {r:.3f} | {torch_dense / r:.1f}x |")
      curves.setdefault(name, []).append((tiny_dense / t, torch_dense / r))
  lines = ["## Structured operators against dense", "", "A matrix-vector product, median ms: tinygrad (TinyJit) with the dense (n, n) matrix "
           "and with extra/models/linear_operators.py's operator, torch's dense matmul and cola-ml's operator.", "",
           "| structure | n | tinygrad dense | tinygrad structured | speed-up | torch dense | cola-ml structured | speed-up |",
           "|---|---|---|---|---|---|---|---|"]
  fig, ax = plt.subplots(figsize=(7, 4.5))
  for i, (name, points) in enumerate(curves.items()):
    ax.plot(lengths, [p[0] for p in points], marker="o", color=f"C{i}", label=f"{name}, tinygrad")
    ax.plot(lengths, [p[1] for p in points], marker="x", linestyle="--", color=f"C{i}", label=f"{name}, cola-ml (torch)")
  ax.set(xlabel="n", ylabel="speed-up over the dense matmul", title="Structured matrix-vector products", xscale="log", yscale="log")
  ax.legend(fontsize=7)
  return lines + rows, png_bytes(fig)
