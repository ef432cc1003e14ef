"""extra/models/linear_operators.py against cola-ml's operators on its torch backend, float64, the same matrices on both sides:
products with every structure and with sums and products of them, conjugate-gradient solves, log-determinants (by a
structure's rule and by Lanczos) and the top eigenvalues. cola-ml 0.0.7 has no low-rank operator: U @ V.T is its Product of two
Dense; its `+` is ambiguous under plum's dispatch, so sums are built with cola.ops.Sum."""
import cola
import numpy as np
import pytest
import torch
from tools.parity.profile import full
from tinygrad import Tensor, dtypes
from extra.models import linear_operators as lo

def spd(rng, n): return (a := rng.standard_normal((n, n))) @ a.T / n + np.eye(n)

def pair(name: str):
  """(tinygrad operator, cola operator) for one structure, from the same float64 arrays."""
  rng = np.random.default_rng(sum(map(ord, name)))
  a, b, d, u, v = spd(rng, 6), spd(rng, 5), rng.random(7) + 0.5, rng.standard_normal((13, 2)), rng.standard_normal((13, 2))
  tiny = lambda x: Tensor(x, dtype=dtypes.float64)
  ca, cb, cd = cola.ops.Dense(torch.from_numpy(a)), cola.ops.Dense(torch.from_numpy(b)), cola.ops.Diagonal(torch.from_numpy(d))
  ta, tb, td = lo.Dense(tiny(a)), lo.Dense(tiny(b)), lo.Diagonal(tiny(d))
  kron, ckron = lo.Kronecker(ta, tb), cola.ops.Kronecker(ca, cb)
  blocks, cblocks = lo.BlockDiag(ta, td), cola.ops.BlockDiag(ca, cd)
  low, clow = lo.LowRank(tiny(u), tiny(u)), cola.ops.Product(cola.ops.Dense(torch.from_numpy(u)), cola.ops.Dense(torch.from_numpy(u.T)))
  return {"dense": (ta, ca), "diagonal": (td, cd), "identity": (lo.Identity(6, dtypes.float64), cola.ops.I_like(ca)),
          "kronecker": (kron, ckron), "kronecker of three": (lo.Kronecker(tb, td, tb), cola.ops.Kronecker(cb, cd, cb)),
          "block diagonal": (blocks, cblocks), "block diagonal of equal blocks": (lo.BlockDiag(ta, ta, ta), cola.ops.BlockDiag(ca, ca, ca)),
          "low rank": (lo.LowRank(tiny(u), tiny(v)), cola.ops.Product(
            cola.ops.Dense(torch.from_numpy(u)), cola.ops.Dense(torch.from_numpy(v.T)))),
          "kronecker + identity": (kron + lo.Identity(30, dtypes.float64), cola.ops.Sum(ckron, cola.ops.I_like(ckron))),
          "block diagonal + low rank": (blocks + low, cola.ops.Sum(cblocks, clow)),
          "block diagonal @ block diagonal": (blocks @ blocks, cola.ops.Product(cblocks, cblocks))}[name]

MATMUL = ["dense", "diagonal", "identity", "kronecker", "kronecker of three", "block diagonal", "block diagonal of equal blocks", "low rank",
          "kronecker + identity", "block diagonal + low rank", "block diagonal @ block diagonal"]
# the default profile solves two: one by structure rules, one through Lanczos and a sum; PARITY=full (CI) all six
SPD = ["kronecker", "kronecker + identity"] + [full(n) for n in ("block diagonal", "block diagonal of equal blocks", "block diagonal + low rank",
                                                                 "diagonal")]

@pytest.mark.parametrize("name", MATMUL)
def test_matmul(name, compare):
  tiny, ref = pair(name)
  x = np.random.default_rng(0).standard_normal((tiny.shape[1], 3))
  compare(f"linear operators/matmul/{name}", tiny @ Tensor(x, dtype=dtypes.float64), ref @ torch.from_numpy(x), atol=1e-10, rtol=1e-10)

@pytest.mark.parametrize("name", SPD)
def test_solve(name, compare):
  tiny, ref = pair(name)
  b = np.random.default_rng(1).standard_normal((tiny.shape[0], 2))
  want = cola.solve(cola.PSD(ref), torch.from_numpy(b))  # its own rule per structure (CG would lose PSD in Kronecker's factors)
  compare(f"linear operators/solve/{name}", lo.solve(tiny, Tensor(b, dtype=dtypes.float64), tol=1e-12), want, atol=1e-8, rtol=1e-8)

@pytest.mark.parametrize("name", SPD)
def test_logdet(name, compare):
  tiny, ref = pair(name)
  compare(f"linear operators/logdet/{name}", tiny.logdet().reshape(1), cola.logdet(cola.PSD(ref)).reshape(1), atol=1e-8, rtol=1e-8)

@pytest.mark.parametrize("name", SPD)
def test_top_eigenvalues(name, compare):
  tiny, ref = pair(name)
  want = cola.eig(cola.SelfAdjoint(ref), 3, which="LM")[0]
  compare(f"linear operators/top eigenvalues/{name}", lo.top_eigenvalues(tiny, 3), want.flip(0), atol=1e-8, rtol=1e-8)
