"""make bench-models: each example model's forward and training-step time, tinygrad (plain and TinyJit) against the torch
reference on the same input; where each step's time goes, per kernel (tools/bench/profile.py); flash_attention_steps against
SDPA at growing n; the structured operators against dense (tools/bench/structured.py); FFT against direct convolution
(tools/bench/fft_crossover.py); greedy and speculative decoding's tokens/s (tools/bench/decoding.py); and the
peak buffer memory and kernels compiled of each attention form at long sequences.
Writes build/bench/models.md, profile.md, ratios.png (TinyJit time over torch's, goal line at 3x), structured.png,
fft-conv.png and attention-memory.png, and ends with the worst TinyJit ratio. SEQ= (default 1024,2048,4096) sets the memory
table's lengths, FLASH_SEQ= (default 1024,2048,4096,8192) the flash table's, STRUCTURED_N= (256,1024,4096,16384) the operators'
sizes, KERNELS= (3,7,11,15,23,31) the convolution kernel sizes, SPEC_K= (2,4,8) the drafted tokens per target call;
REPEAT= (default 5) the timed runs per number (the median, after 2 warm-ups; a row's torch and tinygrad runs taken in turns,
each right after an untimed one of its own).
BEAM=2 searches each kernel's optimizations first (about 10 minutes per model with weights on 2 cores, once: cached on disk)."""
import functools, itertools, os, statistics, sys, time, types
from collections.abc import Callable
from contextlib import contextmanager
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from tinygrad import Device, Tensor, TinyJit, nn
from tinygrad.codegen import to_program_cache
from tinygrad.device import Buffer
from tinygrad.helpers import BEAM, GlobalCounters
from tinygrad.tensor import all_tensors
from tools.bench import decoding, fft_crossover, png_bytes, profile, structured
from tools.workbench import ROOT, WorkbenchError, cli, import_tinygrad_tree, import_vit_pytorch, import_without_torchvision, write_atomic

REPEAT = int(os.environ.get("REPEAT", 5))
CALLS = 2 + 2 * REPEAT  # interleaved_ms makes 2 warm-ups, then an untimed and a timed call per run
OUT = ROOT / "build" / "bench"

def models():
  import_tinygrad_tree()
  try:
    from extra.models import (fft_conv, flash_attention, linear_operators, local_attention, rotary_embedding, seq2seq_transformer,
                              speculative_decoding, torch_weights, vit_pytorch, x_clip, x_transformers)
  except ImportError as e: raise WorkbenchError(f"{e}: the models come from the patch stack, run `make sync`") from e
  return types.SimpleNamespace(fft=fft_conv, flash=flash_attention, lo=linear_operators, local=local_attention, rope=rotary_embedding,
                               s2s=seq2seq_transformer, xt=x_transformers, sd=speculative_decoding, clip=x_clip,
                               load=torch_weights.load_torch_state_dict, vit=vit_pytorch, vit_ref=import_vit_pytorch())

def interleaved_ms(*calls: tuple[Callable, Callable]) -> list[float]:
  """The median ms of each (call, sync), after 2 warm-ups, timed in turns: a slow spell of a shared machine (times here move 2x
  between runs) then slows torch and tinygrad alike, and their ratio holds. Each turn times a call made right after an untimed one
  of its own, as a step follows a step in a loop: torch's OpenMP threads spin for a few ms after its call, and a tinygrad call
  made in that time shared the 2 cores with them (lazy flash attention: 11-13 ms after itself, 19-22 ms right after SDPA)."""
  for call, sync in calls:
    for _ in range(2): call()
    sync()
  times: list[list[float]] = [[] for _ in calls]
  for _ in range(REPEAT):
    for (call, sync), ts in zip(calls, times):
      call()
      sync()
      start = time.perf_counter()
      call()
      sync()
      ts.append(time.perf_counter() - start)
  return [statistics.median(ts) * 1e3 for ts in times]

def median_ms(fn, sync, *args) -> float: return interleaved_ms((functools.partial(fn, *args), sync))[0]

def tiny_sync(): Device[Device.DEFAULT].synchronize()

def new_batches(fn, arrays: list[np.ndarray]):
  """fn called on a new batch each time, as a TinyJit'd step is, each batch already on the device as torch's inputs are: the copy
  from numpy is the data loader's work, which neither side's time includes."""
  batches = itertools.cycle([[Tensor(x).realize() for x in arrays] for _ in range(CALLS)])  # interleaved_ms' calls, none reused
  return lambda: fn(*next(batches))

class Case:
  """A model on one input: the torch reference and the tinygrad port, weights shared. `train` is (torch module, tinygrad
  model, tinygrad loss, torch loss) for a training step (SGD); models without weights show only the forward."""
  def __init__(self, name, ref, tiny, inputs, train=None):
    self.name, self.ref, self.tiny, self.inputs, self.train = name, ref, tiny, inputs, train

  def steps(self) -> list[tuple[str, Callable, Callable]]:
    """(step, torch's call, tinygrad's call taking the inputs) for the forward and, with weights, the training step."""
    tref = [torch.from_numpy(x) for x in self.inputs]
    def torch_fwd():
      with torch.no_grad(): self.ref(*tref)
    out = [("forward", torch_fwd, lambda *xs: self.tiny(*xs).realize())]
    if self.train is None: return out
    ref_model, tiny_model, tiny_loss, torch_loss = self.train
    topt = torch.optim.SGD(ref_model.parameters(), lr=1e-3)
    def torch_step():
      topt.zero_grad()
      torch_loss(*tref).backward()
      topt.step()
    state = nn.state.get_parameters(tiny_model)
    opt = nn.optim.SGD(state, lr=1e-3)
    @Tensor.train()
    def step(*xs):
      loss = tiny_loss(*xs).backward()
      loss.realize(*opt.schedule_step())
      # backward gives every live float tensor in the graph a lazy .grad and adds to it at every step: the constants a model keeps
      # too (SimpleViT's cached sin-cos positions: 13,486 UOps after this row), not the optimizer's to clear. Kept, they would be
      # walked by every later realize in the process (flash_attention_steps at n = 1,024: 17 ms alone, 30 ms after the rows)
      for ref in list(all_tensors):
        if (t := ref()) is not None: t.grad = None
      return loss
    return out + [("train step", torch_step, step)]

  def row(self, ratios: dict[tuple[str, str], float]) -> list[str]:
    """Times in ms for torch, tinygrad and tinygrad with TinyJit per step; the TinyJit ratios go into `ratios`."""
    tin, cells = [Tensor(x).realize() for x in self.inputs], [self.name]
    for step, torch_call, tiny_call in self.steps():
      ref, plain, jitted = interleaved_ms((torch_call, lambda: None), (functools.partial(tiny_call, *tin), tiny_sync),
                                          (new_batches(TinyJit(tiny_call), self.inputs), tiny_sync))
      ratios[(self.short, step)] = jitted / ref
      cells += [f"{ref:.1f}", f"{plain:.1f} ({plain / ref:.1f}x)", f"{jitted:.1f} ({jitted / ref:.1f}x)"]
    return cells + ["-", "-", "-"] * (2 - len(cells) // 3)

  @property
  def short(self) -> str: return self.name.split(" (")[0]

def cases(m) -> list[Case]:
  rng = np.random.default_rng(0)
  torch.manual_seed(0)
  out = []
  cfg = dict(d_model=128, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=256, dropout=0.0)
  ref = torch.nn.Transformer(**cfg, batch_first=True)
  tiny = m.s2s.Transformer(**cfg)
  m.load(tiny, ref.state_dict())
  causal = torch.nn.Transformer.generate_square_subsequent_mask(32)
  src, tgt = rng.standard_normal((8, 32, 128), dtype=np.float32), rng.standard_normal((8, 32, 128), dtype=np.float32)
  out.append(Case("seq2seq Transformer (2+2 layers, d 128, batch 8 x 32 tokens)", lambda s, t: ref(s, t, tgt_mask=causal),
                  lambda s, t: tiny(s, t, tgt_mask=m.s2s.Transformer.causal_mask(32)), [src, tgt],
                  (ref, tiny, lambda s, t: tiny(s, t, tgt_mask=m.s2s.Transformer.causal_mask(32)).square().mean(),
                   lambda s, t: ref(s, t, tgt_mask=causal).square().mean())))
  vit_cfg = dict(image_size=32, patch_size=4, num_classes=10, dim=128, depth=4, heads=4, mlp_dim=256, dim_head=32)
  img, labels = rng.standard_normal((16, 3, 32, 32), dtype=np.float32), rng.integers(0, 10, 16).astype(np.int32)
  for ref_cls, tiny_cls in (("ViT", m.vit.ViT), ("SimpleViT", m.vit.SimpleViT)):
    vref, vtiny = getattr(m.vit_ref, ref_cls)(**vit_cfg), tiny_cls(**vit_cfg)
    m.load(vtiny, vref.state_dict())
    tl = torch.from_numpy(labels.astype(np.int64))
    out.append(Case(f"{ref_cls} (depth 4, dim 128, 16 images 32x32, 64 patches)", vref, vtiny, [img],
                    (vref, vtiny, lambda x, vtiny=vtiny: vtiny(x).sparse_categorical_crossentropy(Tensor(labels)),
                     lambda x, vref=vref, tl=tl: torch.nn.functional.cross_entropy(vref(x), tl))))
  xref, xtiny = decoding.reference(), m.xt.TransformerWrapper(**decoding.CONFIG)
  m.xt.load_state_dict(xtiny, xref.state_dict())
  tokens = rng.integers(0, decoding.CONFIG["num_tokens"], (8, 65))
  inp, tl = tokens[:, :-1], torch.from_numpy(tokens[:, 1:].flatten())
  out.append(Case("x-transformers decoder (depth 2, dim 128, 4 heads, 2 kv heads, batch 8 x 64 tokens)", xref, xtiny, [inp],
                  (xref, xtiny, lambda x: xtiny(x).flatten(0, 1).sparse_categorical_crossentropy(Tensor(tokens[:, 1:].flatten())),
                   lambda x: torch.nn.functional.cross_entropy(xref(x).flatten(0, 1), tl))))
  clip_cfg = dict(dim_text=128, dim_image=128, dim_latent=128, num_text_tokens=1000, text_enc_depth=2, text_seq_len=32, text_heads=4,
                  text_dim_head=32, visual_enc_depth=2, visual_heads=4, visual_dim_head=32, visual_image_size=32, visual_patch_size=4,
                  visual_patch_dropout=0.0)
  cref, ctiny = import_without_torchvision("x_clip").CLIP(**clip_cfg), m.clip.CLIP(**clip_cfg)
  m.clip.load_state_dict(ctiny, cref.state_dict())
  text = rng.integers(1, 1000, (16, 32))
  out.append(Case("x-clip CLIP (2+2 layers, dim 128, 16 texts x 32 tokens and 16 images 32x32)", cref, ctiny, [text, img],
                  (cref, ctiny, lambda t, i: ctiny(t, i, return_loss=True), lambda t, i: cref(t, i, return_loss=True))))
  from rotary_embedding_torch import RotaryEmbedding
  rref, rtiny = RotaryEmbedding(64), m.rope.RotaryEmbedding(64)
  out.append(Case("rotary embedding (8 x 8 heads x 512 x 64)", rref.rotate_queries_or_keys, rtiny.rotate_queries_or_keys,
                  [rng.standard_normal((8, 8, 512, 64), dtype=np.float32)]))
  from local_attention import LocalAttention
  lref, ltiny = LocalAttention(window_size=64, causal=True), m.local.LocalAttention(64, causal=True)
  out.append(Case("local attention (causal, window 64, 2 x 8 heads x 1024 x 64)", lref, ltiny,
                  list(rng.standard_normal((3, 2, 8, 1024, 64), dtype=np.float32))))
  out.append(Case("flash attention (causal, block 256, 1 x 4 heads x 1024 x 64) vs F.scaled_dot_product_attention",
                  lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
                  lambda q, k, v: m.flash.flash_attention(q, k, v, is_causal=True), list(rng.standard_normal((3, 1, 4, 1024, 64), dtype=np.float32))))
  from fft_conv_pytorch import fft_conv
  kernel = rng.standard_normal((4, 4, 15, 15), dtype=np.float32)
  tkernel, rkernel = Tensor(kernel).realize(), torch.from_numpy(kernel)
  out.append(Case("FFT convolution (1 x 4 x 64 x 64, kernel 15 x 15) vs fft-conv-pytorch", lambda s: fft_conv(s, rkernel, padding=7),
                  lambda s: m.fft.fft_conv(s, tkernel, padding=7), [rng.standard_normal((1, 4, 64, 64), dtype=np.float32)]))
  import cola
  f = rng.standard_normal((2, 64, 64), dtype=np.float32)
  kron, cola_kron = m.lo.Kronecker(*(m.lo.Dense(Tensor(a)) for a in f)), cola.ops.Kronecker(*(cola.ops.Dense(torch.from_numpy(a)) for a in f))
  out.append(Case("linear operators (Kronecker of two 64 x 64, n 4096, times 4096 x 8) vs cola-ml", lambda x: cola_kron @ x, lambda x: kron @ x,
                  [rng.standard_normal((4096, 8), dtype=np.float32)]))
  # the ports' random initial weights, replaced by the references', were never realized, but each one chained an update of
  # tinygrad's RNG counter (~2,000 UOps), which every later realize walked; a new seed drops the chain
  Tensor.manual_seed(0)
  return out

@contextmanager
def peak_buffer_memory():
  """Tracks the most bytes tinygrad's buffers held at once (GlobalCounters.mem_used after each allocation) above the start."""
  base, alloc, peak = GlobalCounters.mem_used, Buffer.allocate, [GlobalCounters.mem_used]
  def allocate(self, *args, **kwargs):
    ret = alloc(self, *args, **kwargs)
    peak[0] = max(peak[0], GlobalCounters.mem_used)
    return ret
  Buffer.allocate = allocate
  try: yield lambda: (peak[0] - base) / 2**20
  finally: Buffer.allocate = alloc

def attention_memory(m, lengths: list[int]) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
  """MiB per length for naive attention and both flash forms, forward and forward+backward (1 x 4 heads x n x 64, causal), and the
  kernels each compiled (after the forward at the same length, so the backward's row counts what the backward adds)."""
  def naive(q, k, v, grad):
    out = q.scaled_dot_product_attention(k, v, is_causal=True)
    Tensor.realize(out, *((out * grad).sum().gradient(q, k, v) if grad is not None else ()))
  def lazy(q, k, v, grad):
    out = m.flash.flash_attention(q, k, v, is_causal=True, block=256)
    Tensor.realize(out, *((out * grad).sum().gradient(q, k, v) if grad is not None else ()))
  def steps(q, k, v, grad): m.flash.flash_attention_steps(q, k, v, is_causal=True, block=256, grad_out=grad)
  res: dict[str, list[float]] = {}
  compiled: dict[str, list[int]] = {}
  for label, fn in (("naive (Tensor.scaled_dot_product_attention)", naive), ("flash_attention (one lazy graph)", lazy),
                    ("flash_attention_steps", steps)):
    for backward in (False, True):
      name = f"{label}, {'forward+backward' if backward else 'forward'}"
      row, kernels = res.setdefault(name, []), compiled.setdefault(name, [])
      for n in lengths:
        q, k, v, grad = (Tensor(np.random.default_rng(i).standard_normal((1, 4, n, 64), dtype=np.float32)).realize() for i in range(4))
        print(f"  memory: {label}, n={n}, {'fwd+bwd' if backward else 'fwd'}", file=sys.stderr, flush=True)
        before = len(to_program_cache)
        with peak_buffer_memory() as peak:
          fn(q, k, v, grad if backward else None)
          row.append(peak())
        kernels.append(len(to_program_cache) - before)
  return res, compiled

def flash_scaling(m, lengths: list[int]) -> list[str]:
  """flash_attention_steps (forward, realized block by block) against torch's SDPA at growing n: time, and kernels compiled."""
  lines = ["## Flash attention against n", "", "flash_attention_steps, causal, block 256, 1 x 4 heads x n x 64, forward: median ms, "
           "its time over F.scaled_dot_product_attention's, and the kernels each length compiled.", "",
           "| n | SDPA ms | flash_attention_steps ms | ratio | kernels compiled |", "|---|---|---|---|---|"]
  for n in lengths:
    q, k, v = (np.random.default_rng(i).standard_normal((1, 4, n, 64), dtype=np.float32) for i in range(3))
    print(f"  flash attention steps, n={n}", file=sys.stderr, flush=True)
    tq, tk, tv = (torch.from_numpy(x) for x in (q, k, v))
    before, (q, k, v) = len(to_program_cache), (Tensor(x).realize() for x in (q, k, v))
    ref, ms = interleaved_ms((functools.partial(torch.nn.functional.scaled_dot_product_attention, tq, tk, tv, is_causal=True), lambda: None),
                             (functools.partial(m.flash.flash_attention_steps, q, k, v, is_causal=True, block=256), tiny_sync))
    lines.append(f"| {n} | {ref:.1f} | {ms:.1f} | {ms / ref:.1f}x | {len(to_program_cache) - before} |")
  return lines

def profiles(all_cases: list[Case]) -> list[str]:
  """build/bench/profile.md: each step's kernels, plain (no TinyJit, so the host's scheduling shows), beside torch's ops."""
  peak = profile.measure_peak()
  lines = [f"# Where the time goes: tinygrad (DEV={Device.DEFAULT}) per kernel, torch per op", "",
           f"Peak measured here: {peak.flops / 1e9:.0f} GFLOP/s (torch float32 2048x2048 matmul), {peak.bandwidth / 1e9:.1f} GB/s "
           f"(numpy copy, read plus write); a kernel above {peak.balance:.1f} FLOP per byte is counted compute-bound. One warm "
           "step each, every kernel waited for; FLOPs and bytes are tinygrad's estimates.", ""]
  for case in all_cases:
    tin = [Tensor(x).realize() for x in case.inputs]
    for step, torch_call, tiny_call in case.steps():
      print(f"profiling {case.short}, {step}", file=sys.stderr, flush=True)
      wall, found = profile.tinygrad_profile(tiny_call, tiny_sync, *tin)
      lines += profile.table(f"{case.short}, {step}", wall, found, peak, profile.torch_profile(torch_call, 5), top=6)
  return lines

def ratio_chart(ratios: dict[tuple[str, str], float]) -> bytes:
  fig, ax = plt.subplots(figsize=(8, 4.5))
  names = list(dict.fromkeys(model for model, _ in ratios))
  for i, step in enumerate(("forward", "train step")):
    xs = [j + (i - 0.5) * 0.4 for j, name in enumerate(names) if (name, step) in ratios]
    ax.bar(xs, [ratios[(name, step)] for name in names if (name, step) in ratios], width=0.4, label=f"TinyJit {step}")
  ax.axhline(3, color="red", linestyle="--", label="goal: 3x")
  ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
  ax.set(ylabel="tinygrad time / torch time", title=f"Example models, tinygrad (DEV={Device.DEFAULT}) over torch", yscale="log")
  ax.legend(fontsize=8)
  return png_bytes(fig)

def main():
  m = models()
  lengths = [int(x) for x in os.environ.get("SEQ", "1024,2048,4096").split(",")]
  lines = [f"# Example models: tinygrad (DEV={Device.DEFAULT}, BEAM={BEAM.value}) against the torch reference", "",
           f"Median of {REPEAT} runs after 2 warm-ups, torch's and tinygrad's taken in turns, each right after an untimed run of its own, "
           "in ms; in brackets the time over torch's (above 1 is slower than torch). Training step: forward, loss, backward and an SGD update.", "",
           "| model | torch fwd | tinygrad fwd | tinygrad TinyJit fwd | torch train step | tinygrad train step | tinygrad TinyJit train step |",
           "|---|---|---|---|---|---|---|"]
  ratios: dict[tuple[str, str], float] = {}
  all_cases = cases(m)
  for case in all_cases:
    print(f"timing {case.name}", file=sys.stderr, flush=True)
    lines.append("| " + " | ".join(case.row(ratios)) + " |")
  lines += [""] + flash_scaling(m, [int(x) for x in os.environ.get("FLASH_SEQ", "1024,2048,4096,8192").split(",")])
  structured_lines, structured_png = structured.speedups(m.lo, [int(x) for x in os.environ.get("STRUCTURED_N", "256,1024,4096,16384").split(",")],
                                                        median_ms, tiny_sync)
  fft_lines, fft_png = fft_crossover.crossover(m.fft, [int(x) for x in os.environ.get("KERNELS", "3,7,11,15,23,31").split(",")], median_ms, tiny_sync)
  lines += [""] + structured_lines + [""] + fft_lines + [""] + decoding.tokens_per_second(m.xt)
  lines += [""] + decoding.speculative(m.xt, m.sd, [int(x) for x in os.environ.get("SPEC_K", "2,4,8").split(",")])
  mem, compiled = attention_memory(m, lengths)
  lines += ["", "## Attention: peak buffer memory (MiB above the inputs)", "",
            "1 x 4 heads x n x 64, float32, causal, block 256. Measured as the most bytes tinygrad's buffers held at once.", "",
            "| attention | " + " | ".join(f"n={n}" for n in lengths) + " |", "|---|" + "---|" * len(lengths)]
  lines += [f"| {label} | " + " | ".join(f"{x:.0f}" for x in row) + " |" for label, row in mem.items()]
  lines += ["", "## Attention: kernels compiled", "", "The same runs: kernels compiled for each (a backward after the forward at the same length).",
            "", "| attention | " + " | ".join(f"n={n}" for n in lengths) + " |", "|---|" + "---|" * len(lengths)]
  lines += [f"| {label} | " + " | ".join(str(x) for x in row) + " |" for label, row in compiled.items()]
  OUT.mkdir(parents=True, exist_ok=True)
  write_atomic(OUT / "profile.md", "\n".join(profiles(all_cases)) + "\n")
  write_atomic(OUT / "models.md", "\n".join(lines) + "\n")
  write_atomic(OUT / "ratios.png", ratio_chart(ratios))
  write_atomic(OUT / "structured.png", structured_png)
  write_atomic(OUT / "fft-conv.png", fft_png)
  fig, ax = plt.subplots(figsize=(7, 4.5))
  for label, row in mem.items(): ax.plot(lengths, row, marker="o", linestyle="--" if "backward" in label else "-", label=label)
  ax.set(xlabel="sequence length", ylabel="peak buffer memory (MiB)", title="Attention memory in tinygrad", xscale="log", yscale="log")
  ax.legend(fontsize=7)
  write_atomic(OUT / "attention-memory.png", png_bytes(fig))
  print("\n".join(lines))
  print("\nwrote build/bench/models.md, profile.md, ratios.png, structured.png, fft-conv.png and attention-memory.png")
  (model, step), worst = max(ratios.items(), key=lambda kv: kv[1])
  print(f"worst TinyJit ratio: {worst:.1f}x ({model}, {step})")

if __name__ == "__main__": cli(main)
