"""extra/models/speculative_decoding.py with the x-transformers port (weights from x-transformers) as target and draft:
greedy output against x-transformers' own greedy generation of the target, the sampled next token against the target's
softmax (chi-square, 1% level), and the acceptance count against speculative-decoding's find_first_true_index rule."""
import numpy as np
import pytest
import torch
from scipy.stats import chisquare
from speculative_decoding.speculative_decoding import find_first_true_index
from x_transformers import AutoregressiveWrapper, Decoder, TransformerWrapper
from tinygrad import Tensor
from extra.models import x_transformers
from extra.models.speculative_decoding import speculative_generate, verify

def pair(vocab: int) -> tuple[TransformerWrapper, x_transformers.TransformerWrapper, x_transformers.TransformerWrapper]:
  """The reference target, and ports of it and of a draft: the target's weights with 20% noise, so that it agrees often, not always."""
  torch.manual_seed(0)
  ref = TransformerWrapper(num_tokens=vocab, max_seq_len=128, attn_layers=Decoder(dim=32, depth=2, heads=4, attn_dim_head=16, rotary_pos_emb=True,
                           use_rmsnorm=True, ff_glu=True, attn_kv_heads=2, verbose=False)).eval()
  target, draft = (x_transformers.TransformerWrapper(vocab, 32, 2, heads=4, dim_head=16, kv_heads=2) for _ in range(2))
  x_transformers.load_state_dict(target, ref.state_dict())
  x_transformers.load_state_dict(draft, {k: v + 0.2 * v.std() * torch.randn_like(v) if v.numel() > 16 else v for k, v in ref.state_dict().items()})
  return ref, target, draft

# each test but the last compiles a few hundred kernels (minutes on DEV=CPU): they run in PARITY=full, which CI runs
@pytest.mark.full
def test_greedy_is_the_targets_greedy_generation(k=4):
  ref, target, draft = pair(64)
  prompt = np.random.default_rng(0).integers(0, 64, (1, 5))
  want = AutoregressiveWrapper(ref).generate(torch.from_numpy(prompt), 16, temperature=0.0, cache_kv=True).numpy()[0]
  got, calls = speculative_generate(target, draft, Tensor(prompt), 16, k)
  assert calls < 16, f"the draft was never kept ({calls} target calls for 16 tokens): the check says nothing about acceptance"
  np.testing.assert_array_equal(got, want, err_msg=f"speculative greedy tokens (k={k}) differ from x-transformers' greedy generation")

@pytest.mark.full
def test_sampled_token_follows_the_target():
  ref, target, draft = pair(8)
  prompt = np.random.default_rng(1).integers(0, 8, (1, 4))
  with torch.no_grad(): p = torch.softmax(ref(torch.from_numpy(prompt))[0, -1].double(), -1).numpy()
  runs = 200
  first = [speculative_generate(target, draft, Tensor(prompt), 1, 2, temperature=1.0, seed=s)[0][0] for s in range(runs)]
  counts, expected = np.bincount(first, minlength=8), p * runs
  big = expected >= 5  # pool the rare tokens into one bin, as the test needs expected counts of 5 or more
  if not big.all(): counts, expected = np.append(counts[big], counts[~big].sum()), np.append(expected[big], expected[~big].sum())
  stat, pvalue = chisquare(counts, expected)
  print(f"speculative sampling, {runs} runs: chi-square {stat:.2f} on {len(counts) - 1} degrees of freedom, p = {pvalue:.3f}")
  assert pvalue > 0.01, f"next-token counts do not follow the target's softmax: chi-square {stat:.1f}, p = {pvalue:.4f}"

def test_acceptance_count_matches_the_reference_rule():
  rng, k = np.random.default_rng(2), 5
  p, q = rng.dirichlet(np.ones(8), (64, k + 1)).astype(np.float32), rng.dirichlet(np.ones(8), (64, k)).astype(np.float32)
  drafted, u = rng.integers(0, 8, (64, k)), rng.random((64, k), dtype=np.float32)
  ratio = np.take_along_axis(p[:, :k], drafted[..., None], -1)[..., 0] / np.take_along_axis(q, drafted[..., None], -1)[..., 0]
  want = find_first_true_index(torch.from_numpy(u >= ratio))  # the reference rejects where r > p/q; u == p/q has probability 0
  kept, _ = verify(Tensor(p), Tensor(q), Tensor(drafted), Tensor(u))
  np.testing.assert_array_equal(kept.numpy(), want.numpy())
