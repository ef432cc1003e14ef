"""extra/models/seq2seq_transformer.py against torch.nn.Transformer: forward with causal and padding masks, and one
training step of the full sequence-to-sequence model (loss and every gradient). Dropout is off on both sides."""
import math
import numpy as np
import pytest
from tools.parity.profile import full
import torch
from tinygrad import Tensor, nn
from extra.models.seq2seq_transformer import Seq2Seq, Transformer
from extra.models.torch_weights import load_torch_state_dict

CONFIG = dict(d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=64, dropout=0.0)
PAD = 0

def reference() -> torch.nn.Transformer:
  torch.manual_seed(0)
  return torch.nn.Transformer(**CONFIG, batch_first=True)

def padding(lengths: list[int], n: int) -> np.ndarray: return np.arange(n)[None] >= np.array(lengths)[:, None]

@pytest.mark.parametrize("masks", [full("none"), full("causal"), "causal+padding", "float"])
def test_forward(masks, compare):
  ref, rng = reference(), np.random.default_rng(0)
  tiny = Transformer(**CONFIG)
  load_torch_state_dict(tiny, ref.state_dict())
  src, tgt = rng.standard_normal((2, 7, 32), dtype=np.float32), rng.standard_normal((2, 5, 32), dtype=np.float32)
  kw: dict = {}
  if masks != "none": kw["tgt_mask"] = torch.nn.Transformer.generate_square_subsequent_mask(5)
  if masks == "causal+padding":
    kw |= {"src_key_padding_mask": torch.from_numpy(padding([7, 4], 7)), "tgt_key_padding_mask": torch.from_numpy(padding([5, 3], 5))}
    kw["memory_key_padding_mask"] = kw["src_key_padding_mask"]
  if masks == "float": kw["memory_mask"] = torch.from_numpy(rng.standard_normal((5, 7), dtype=np.float32))
  want = ref(torch.from_numpy(src), torch.from_numpy(tgt), **kw)
  got = tiny(Tensor(src), Tensor(tgt), **{k: Tensor(v.numpy()) for k, v in kw.items()})
  compare(f"transformer/{masks}", got, want, atol=1e-4, rtol=1e-4)

class TorchSeq2Seq(torch.nn.Module):
  """The reference for Seq2Seq, from torch parts with the same names."""
  def __init__(self, src_vocab: int, tgt_vocab: int):
    super().__init__()
    self.transformer, d = reference(), CONFIG["d_model"]
    self.src_embed, self.tgt_embed, self.generator = torch.nn.Embedding(src_vocab, d), torch.nn.Embedding(tgt_vocab, d), torch.nn.Linear(d, tgt_vocab)

  def embed(self, emb, ids):
    pos, i = torch.arange(ids.shape[1])[:, None], torch.arange(0, emb.embedding_dim, 2)
    angle = pos * torch.exp(-math.log(10000.0) * i / emb.embedding_dim)
    return emb(ids) * math.sqrt(emb.embedding_dim) + torch.stack((angle.sin(), angle.cos()), -1).reshape(ids.shape[1], -1)

  def forward(self, src, tgt):
    causal = torch.nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
    out = self.transformer(self.embed(self.src_embed, src), self.embed(self.tgt_embed, tgt), tgt_mask=causal, src_key_padding_mask=src == PAD,
                           tgt_key_padding_mask=tgt == PAD, memory_key_padding_mask=src == PAD)
    return self.generator(out)

def test_training_step(compare):
  ref, rng = TorchSeq2Seq(11, 13), np.random.default_rng(1)
  tiny = Seq2Seq(11, 13, pad=PAD, **CONFIG)
  load_torch_state_dict(tiny, ref.state_dict())
  src, tgt = rng.integers(1, 11, (3, 6)), rng.integers(1, 13, (3, 6))
  src[1, 4:], tgt[2, 3:] = PAD, PAD  # padded sequences
  inp, out = tgt[:, :-1], tgt[:, 1:]
  logits = ref(torch.from_numpy(src), torch.from_numpy(inp))
  want = torch.nn.functional.cross_entropy(logits.flatten(0, 1), torch.from_numpy(out).flatten(), ignore_index=PAD)
  want.backward()
  with Tensor.train():
    got = tiny(Tensor(src), Tensor(inp)).flatten(0, 1).sparse_categorical_crossentropy(Tensor(out).flatten(), ignore_index=PAD)
    got.backward()
  params = nn.state.get_state_dict(tiny)
  Tensor.realize(got, *[t.grad for t in params.values()])  # one schedule for all: realized one by one, each gradient recompiles the graph
  compare("seq2seq/loss", got, want, atol=1e-5, rtol=1e-5)
  grads = dict(ref.named_parameters())
  for name, t in params.items():
    compare(f"seq2seq/grad {name}", t.grad, grads[name].grad, atol=1e-4, rtol=1e-3)
