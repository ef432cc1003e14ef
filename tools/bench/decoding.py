"""Greedy decoding speed of the x-transformers port (extra/models/x_transformers.py) against x-transformers itself, same weights:
tokens/s with the KV cache and without it (every step reruns the whole sequence); and speculative decoding
(extra/models/speculative_decoding.py) against plain cached decoding of the same target, for k drafted tokens per target call."""
import sys, time
import numpy as np
import torch
from tinygrad import Tensor
from x_transformers import AutoregressiveWrapper, Decoder, TransformerWrapper

CONFIG = dict(num_tokens=256, dim=128, depth=2, heads=4, dim_head=32, kv_heads=2)

def reference() -> TransformerWrapper:
  torch.manual_seed(0)
  c = CONFIG
  return TransformerWrapper(num_tokens=c["num_tokens"], max_seq_len=1024, attn_layers=Decoder(dim=c["dim"], depth=c["depth"], heads=c["heads"],
                            attn_dim_head=c["dim_head"], attn_kv_heads=c["kv_heads"], rotary_pos_emb=True, use_rmsnorm=True, ff_glu=True))

def timed(fn):
  """fn's result and the seconds its second call took (the first compiles)."""
  fn()
  start = time.perf_counter()
  out = fn()
  return out, time.perf_counter() - start

def tokens_per_second(xt, steps: int = 32, prompt_len: int = 16) -> list[str]:
  ref = reference().eval()
  tiny = xt.TransformerWrapper(**CONFIG)
  xt.load_state_dict(tiny, ref.state_dict())
  prompt = np.random.default_rng(0).integers(0, CONFIG["num_tokens"], (1, prompt_len))
  lines = ["## Greedy decoding: tokens/s", "", f"x-transformers decoder (depth {CONFIG['depth']}, dim {CONFIG['dim']}, {CONFIG['heads']} heads, "
           f"{CONFIG['kv_heads']} kv heads), batch 1, prompt {prompt_len}, {steps} new tokens, plain tinygrad (no TinyJit: the shapes grow "
           "every step). Second run of each, so compiling is left out; the first tinygrad run's time is its own column.", "",
           "| KV cache | torch tokens/s | tinygrad tokens/s | tinygrad first run s | tokens equal |", "|---|---|---|---|---|"]
  wrapper = AutoregressiveWrapper(ref)
  for cache in (True, False):
    print(f"  decoding, cache {cache}", file=sys.stderr, flush=True)
    with torch.no_grad(): want, ref_s = timed(lambda cache=cache: wrapper.generate(torch.from_numpy(prompt), steps, temperature=0.0, cache_kv=cache))
    start = time.perf_counter()
    got, tiny_s = timed(lambda cache=cache: tiny.generate(Tensor(prompt), steps, use_cache=cache).numpy())
    first_s = time.perf_counter() - start - tiny_s
    lines.append(f"| {'yes' if cache else 'no'} | {steps / ref_s:.0f} | {steps / tiny_s:.1f} | {first_s:.1f} | {(got == want.numpy()).all()} |")
  return lines

def speculative(xt, sd, ks: list[int], steps: int = 32, prompt_len: int = 16) -> list[str]:
  """The draft is the target with 20% noise on its weights: it agrees with the target often, not always, as a trained draft would."""
  ref = reference().eval()
  target, draft = xt.TransformerWrapper(**CONFIG), xt.TransformerWrapper(**CONFIG)
  xt.load_state_dict(target, ref.state_dict())
  xt.load_state_dict(draft, {k: v + 0.2 * v.std() * torch.randn_like(v) if v.numel() > 16 else v for k, v in ref.state_dict().items()})
  prompt = Tensor(np.random.default_rng(0).integers(0, CONFIG["num_tokens"], (1, prompt_len)))
  lines = ["## Speculative decoding", "", f"Greedy, {steps} new tokens, the decoder above as target and a noisy copy of it as draft; "
           "second run of each (compiling left out). Plain: the target alone, with its KV cache.", "",
           "| decoding | target calls per token | tokens/s | speed-up over plain | tokens equal plain |", "|---|---|---|---|---|"]
  print("  speculative decoding: plain", file=sys.stderr, flush=True)
  want, plain_s = timed(lambda: target.generate(prompt, steps).numpy()[0])
  lines.append(f"| plain | 1.00 | {steps / plain_s:.1f} | 1.0x | - |")
  for k in ks:
    print(f"  speculative decoding: k={k}", file=sys.stderr, flush=True)
    (got, calls), s = timed(lambda k=k: sd.speculative_generate(target, draft, prompt, steps, k))
    lines.append(f"| k = {k} | {calls / steps:.2f} | {steps / s:.1f} | {plain_s / s:.1f}x | {(got == want).all()} |")
  return lines
