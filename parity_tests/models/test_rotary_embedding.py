"""extra/models/rotary_embedding.py against rotary-embedding-torch's RotaryEmbedding.rotate_queries_or_keys. The package
has one layout (interleaved); the half layout is checked through it on features permuted to interleaved order and back."""
import numpy as np
import pytest
import torch
from rotary_embedding_torch import RotaryEmbedding as TorchRotaryEmbedding
from tinygrad import Tensor
from extra.models.rotary_embedding import RotaryEmbedding
from extra.models.torch_weights import load_torch_state_dict

@pytest.mark.parametrize("layout", ["interleaved", "half"])
@pytest.mark.parametrize("offset", [0, 7])
@pytest.mark.parametrize("dim,head_dim,seq_dim", [(32, 32, -2), (16, 24, -2), (32, 32, -3)])
def test_rotate(layout, offset, dim, head_dim, seq_dim, compare):
  ref = TorchRotaryEmbedding(dim, theta=10000)
  tiny = RotaryEmbedding(dim, theta=10000, interleaved=layout == "interleaved")
  load_torch_state_dict(tiny, ref.state_dict())
  t = np.random.default_rng(offset + dim).standard_normal((2, 3, 50, head_dim) if seq_dim == -2 else (2, 50, 3, head_dim), dtype=np.float32) * 4
  # half layout: feature i pairs with i + dim/2; in interleaved order they sit at 2i and 2i + 1
  order = np.concatenate([np.stack([np.arange(dim // 2), np.arange(dim // 2) + dim // 2], -1).flatten(), np.arange(dim, head_dim)])
  if layout == "interleaved": order = np.arange(head_dim)
  want = ref.rotate_queries_or_keys(torch.from_numpy(t[..., order]), seq_dim=seq_dim, offset=offset)[..., np.argsort(order)]
  got = tiny.rotate_queries_or_keys(Tensor(t), seq_dim=seq_dim, offset=offset)
  compare(f"rope/{layout}/offset {offset}/dim {dim} of {head_dim}/seq_dim {seq_dim}", got, want, atol=2e-5, rtol=1e-5)
