"""extra/models/x_transformers.py against x-transformers' TransformerWrapper(attn_layers=Decoder(rotary_pos_emb, use_rmsnorm, ff_glu,
attn_kv_heads)) with its weights: logits of a right-padded batch, one training step (loss and every gradient), and greedy
generation of 32 tokens with the KV cache against the reference's AutoregressiveWrapper.generate(temperature=0, cache_kv=True).
The reference has max_seq_len=128: with max_seq_len=0 its cached generation departs from its own uncached one."""
import numpy as np
import pytest
import torch
from x_transformers import AutoregressiveWrapper, Decoder
from x_transformers import TransformerWrapper as TorchTransformerWrapper
from tools.parity.profile import full
from tinygrad import Tensor, nn
from extra.models.x_transformers import TransformerWrapper, load_state_dict

VOCAB, DIM, DEPTH, HEADS, DIM_HEAD = 64, 32, 2, 4, 16

def models(kv_heads: int) -> tuple[TorchTransformerWrapper, TransformerWrapper]:
  torch.manual_seed(kv_heads)
  ref = TorchTransformerWrapper(num_tokens=VOCAB, max_seq_len=128, attn_layers=Decoder(dim=DIM, depth=DEPTH, heads=HEADS, attn_dim_head=DIM_HEAD,
                                rotary_pos_emb=True, use_rmsnorm=True, ff_glu=True, attn_kv_heads=kv_heads, verbose=False)).eval()
  with torch.no_grad():  # the unit-offset norm gains start at 0; move them so that a wrong offset or a missing gain shows
    for name, p in ref.named_parameters():
      if name.endswith(".g"): p.normal_(0, 0.5)
  tiny = TransformerWrapper(VOCAB, DIM, DEPTH, heads=HEADS, dim_head=DIM_HEAD, kv_heads=kv_heads)
  load_state_dict(tiny, ref.state_dict())
  return ref, tiny

@pytest.mark.parametrize("kv_heads", [full(4), 2, full(1)])  # multi-head, grouped-query, multi-query
def test_logits_with_padding(kv_heads, compare):
  ref, tiny = models(kv_heads)
  tokens = np.random.default_rng(kv_heads).integers(0, VOCAB, (3, 12))
  mask = np.arange(12)[None] < np.array([12, 9, 5])[:, None]
  want = ref(torch.from_numpy(tokens), mask=torch.from_numpy(mask))
  got = tiny(Tensor(tokens), Tensor(mask))
  # a padded position's own output is not defined by the mask; the valid ones must not depend on the padding
  valid = mask[..., None]
  compare(f"x-transformers/logits/kv_heads {kv_heads}", Tensor(valid).where(got, 0), want * torch.from_numpy(valid), atol=2e-5, rtol=1e-5)

def test_training_step(compare):
  ref, tiny = models(2)
  tokens = np.random.default_rng(5).integers(0, VOCAB, (2, 10))
  inp, labels = tokens[:, :-1], tokens[:, 1:].copy()
  labels[1, 6:] = -100  # ignored positions, as padding (tinygrad takes ignore_index=-1 as "none")
  want = torch.nn.functional.cross_entropy(ref(torch.from_numpy(inp)).flatten(0, 1), torch.from_numpy(labels).flatten(), ignore_index=-100)
  want.backward()
  with Tensor.train():
    got = tiny(Tensor(inp)).flatten(0, 1).sparse_categorical_crossentropy(Tensor(labels).flatten(), ignore_index=-100)
    got.backward()
  params = {k: v for k, v in nn.state.get_state_dict(tiny).items() if v.is_param}
  Tensor.realize(got, *[t.grad for t in params.values()])
  compare("x-transformers/loss", got, want, atol=1e-5, rtol=1e-5)
  grads = dict(ref.named_parameters())
  for name, t in params.items():
    compare(f"x-transformers/grad {name}", t.grad, grads[name].grad, atol=1e-5, rtol=1e-3)

@pytest.mark.full  # 32 decoding steps compile about 60 s of kernels on DEV=CPU; it runs in PARITY=full, which CI runs
def test_greedy_generation_with_kv_cache():
  ref, tiny = models(2)
  prompt = torch.from_numpy(np.random.default_rng(7).integers(0, VOCAB, (2, 5)))
  want = AutoregressiveWrapper(ref).generate(prompt, 32, temperature=0.0, cache_kv=True)
  got = tiny.generate(Tensor(prompt.numpy()), 32, use_cache=True).numpy()
  assert len(set(want[0].tolist())) > 2, "the reference's generation is degenerate: the check would be weak"
  np.testing.assert_array_equal(got, want.numpy(), err_msg="greedy tokens with the KV cache differ from x-transformers'")
