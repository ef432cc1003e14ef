"""extra/models/local_attention.py against local-attention's LocalAttention (its rotary embedding off: dim is not given),
causal and not, with look-backward and look-forward windows, exact windows, key masks, and lengths that are and are not a
multiple of the window. For the latter the reference pads (autopad) and is given an all-true mask, or it would attend to
the zero-padded keys; the port always masks them. Outputs at masked query positions are left out: a query whose keys are
all masked averages whatever fills the neighbourhood (the reference pads look-around windows with -1, the port with 0)."""
import numpy as np
import pytest
from tools.parity.profile import full
import torch
from local_attention import LocalAttention as TorchLocalAttention
from tinygrad import Tensor
from extra.models.local_attention import LocalAttention

CASES = {"causal": dict(causal=True, look_backward=1), "causal back 2 exact": dict(causal=True, look_backward=2, exact_windowsize=True),
         "both ways": dict(look_backward=1, look_forward=1), "back 2 forward 1 exact": dict(look_backward=2, look_forward=1, exact_windowsize=True),
         "forward only": dict(look_backward=0, look_forward=2)}

# every case on a length that is a multiple of the window (64) and one that is not (50), each once with a key mask
@pytest.mark.parametrize("case,n,masked", [(c, 50, i % 2 == 1) for i, c in enumerate(CASES)] + [full(c, 64, i % 2 == 0) for i, c in enumerate(CASES)])
def test_local_attention(case, n, masked, compare):
  ref, tiny = TorchLocalAttention(window_size=16, autopad=True, **CASES[case]), LocalAttention(16, **CASES[case])
  q, k, v = np.random.default_rng(n).standard_normal((3, 2, 4, n, 32), dtype=np.float32)
  real = np.arange(n)[None] < np.array([[n], [n - 21]]) if masked else np.ones((2, n), bool)
  want = ref(*map(torch.from_numpy, (q, k, v)), mask=torch.from_numpy(real) if masked or n % 16 else None)
  got = tiny(Tensor(q), Tensor(k), Tensor(v), mask=Tensor(real) if masked else None)
  query = torch.from_numpy(real)[:, None, :, None]  # (batch, 1, n, 1) against (batch, heads, n, d)
  compare(f"local attention/{case}/n={n}/{'masked' if masked else 'unmasked'}", got * Tensor(query.numpy()), want * query, atol=1e-5, rtol=1e-5)
