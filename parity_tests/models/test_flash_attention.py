"""extra/models/flash_attention.py against torch.nn.functional.scaled_dot_product_attention: forward and the gradients of
q, k and v, with no mask, causal, a key padding mask, and both (torch takes the last as one combined mask). Lengths are not
multiples of the block, and queries and keys differ in length (causal masks are top-left aligned, as in torch). Both forms:
flash_attention (autograd through the loop) and flash_attention_steps (realized block by block, with its own FlashAttention-2
backward, whose steps share one set of kernels)."""
import numpy as np
import pytest
from tools.parity.profile import full
import torch
import torch.nn.functional as F
from tinygrad import Tensor
from extra.models.flash_attention import flash_attention, flash_attention_steps

@pytest.mark.parametrize("masks", [full("none"), full("causal"), full("padding"), "causal+padding"])
def test_flash_attention(masks, compare):
  rng = np.random.default_rng(len(masks))
  nq, nk = 90, 150
  q, k, v = (rng.standard_normal((2, 3, n, 32), dtype=np.float32) * 2 for n in (nq, nk, nk))
  seed = rng.standard_normal((2, 3, nq, 32), dtype=np.float32)  # d(loss)/d(out)
  keep = np.broadcast_to((np.arange(nk) < np.array([nk, 97])[:, None])[:, None, None], (2, 1, nq, nk))  # the second sequence is padded
  if masks == "causal+padding": keep = keep & np.tril(np.ones((nq, nk), bool))
  mask = keep if "padding" in masks else None
  tq, tk, tv = (torch.from_numpy(x).requires_grad_() for x in (q, k, v))
  want = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=None if mask is None else torch.from_numpy(mask.copy()), is_causal=masks == "causal")
  (want * torch.from_numpy(seed)).sum().backward()
  gq, gk, gv = Tensor(q), Tensor(k), Tensor(v)
  got = flash_attention(gq, gk, gv, attn_mask=None if mask is None else Tensor(mask.copy()), is_causal="causal" in masks, block=64)
  grads = (got * Tensor(seed)).sum().gradient(gq, gk, gv)
  Tensor.realize(got, *grads)
  compare(f"flash attention/{masks}/forward", got, want, atol=1e-5, rtol=1e-4)
  for name, g, t in zip("qkv", grads, (tq, tk, tv)): compare(f"flash attention/{masks}/d{name}", g, t.grad, atol=1e-4, rtol=1e-3)
  out, *grads = flash_attention_steps(gq, gk, gv, attn_mask=None if mask is None else Tensor(mask.copy()), is_causal="causal" in masks, block=64,
                                      grad_out=Tensor(seed))
  compare(f"flash attention steps/{masks}/forward", out, want, atol=1e-5, rtol=1e-4)
  for name, g, t in zip("qkv", grads, (tq, tk, tv)): compare(f"flash attention steps/{masks}/d{name}", g, t.grad, atol=1e-4, rtol=1e-3)
