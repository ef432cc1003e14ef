"""make bench-models: each example model's forward and training-step time, tinygrad (plain and TinyJit) against the torch
reference on the same input, and the peak buffer memory of flash attention against naive attention at long sequences.
Tables go to build/bench/models.md, the memory chart to build/bench/attention-memory.png. SEQ= (default 1024,2048,4096)
sets the memory table's lengths; REPEAT= (default 5) the timed runs per number (the median is shown, after 2 warm-ups)."""
import io, os, statistics, sys, time, types
from contextlib import contextmanager
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from tinygrad import Device, Tensor, TinyJit, nn
from tinygrad.codegen import to_program_cache
from tinygrad.device import Buffer
from tinygrad.helpers import GlobalCounters
from tools.workbench import ROOT, WorkbenchError, cli, import_tinygrad_tree, import_vit_pytorch, write_atomic

REPEAT = int(os.environ.get("REPEAT", 5))
OUT = ROOT / "build" / "bench"

def models():
  import_tinygrad_tree()
  try:
    from extra.models import flash_attention, local_attention, rotary_embedding, seq2seq_transformer, torch_weights, vit_pytorch
  except ImportError as e: raise WorkbenchError(f"{e}: the models come from the patch stack, run `make sync`") from e
  return types.SimpleNamespace(flash=flash_attention, local=local_attention, rope=rotary_embedding, s2s=seq2seq_transformer,
                               load=torch_weights.load_torch_state_dict, vit=vit_pytorch, vit_ref=import_vit_pytorch())

def median_ms(fn, sync) -> float:
  for _ in range(2): fn()
  times = []
  for _ in range(REPEAT):
    start = time.perf_counter()
    fn()
    sync()
    times.append(time.perf_counter() - start)
  return statistics.median(times) * 1e3

def tiny_sync(): Device[Device.DEFAULT].synchronize()

class Case:
  """A model on one input: the torch reference and the tinygrad port, weights shared. `train` is (torch module, tinygrad
  model, tinygrad loss, torch loss) for a training step (SGD); models without weights show only the forward."""
  def __init__(self, name, ref, tiny, inputs, train=None):
    self.name, self.ref, self.tiny, self.inputs, self.train = name, ref, tiny, inputs, train

  def row(self) -> list[str]:
    tin = [Tensor(x).realize() for x in self.inputs]
    tref = [torch.from_numpy(x) for x in self.inputs]
    with torch.no_grad(): torch_fwd = median_ms(lambda: self.ref(*tref), lambda: None)
    fwd = median_ms(lambda: self.tiny(*tin).realize(), tiny_sync)
    jit = TinyJit(lambda *xs: self.tiny(*xs).realize())
    fwd_jit = median_ms(lambda: jit(*[Tensor(x).realize() for x in self.inputs]), tiny_sync)
    cells = [self.name, f"{torch_fwd:.1f}", f"{fwd:.1f} ({fwd / torch_fwd:.1f}x)", f"{fwd_jit:.1f} ({fwd_jit / torch_fwd:.1f}x)"]
    if self.train is None: return cells + ["-", "-", "-"]
    ref_model, tiny_model, tiny_loss, torch_loss = self.train
    topt = torch.optim.SGD(ref_model.parameters(), lr=1e-3)
    def torch_step():
      topt.zero_grad()
      torch_loss(*tref).backward()
      topt.step()
    opt = nn.optim.SGD(nn.state.get_parameters(tiny_model), lr=1e-3)
    @Tensor.train()
    def step(*xs):
      opt.zero_grad()
      loss = tiny_loss(*xs).backward()
      return loss.realize(*opt.schedule_step())
    torch_train, train = median_ms(torch_step, lambda: None), median_ms(lambda: step(*tin), tiny_sync)
    step_jit = TinyJit(step)
    train_jit = median_ms(lambda: step_jit(*[Tensor(x).realize() for x in self.inputs]), tiny_sync)
    return cells + [f"{torch_train:.1f}", f"{train:.1f} ({train / torch_train:.1f}x)", f"{train_jit:.1f} ({train_jit / torch_train:.1f}x)"]

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

def main():
  m = models()
  lengths = [int(x) for x in os.environ.get("SEQ", "1024,2048,4096").split(",")]
  lines = [f"# Example models: tinygrad (DEV={Device.DEFAULT}) against the torch reference", "",
           f"Median of {REPEAT} runs after 2 warm-ups, in ms; in brackets the time over torch's (above 1 is slower than torch). Training "
           "step: forward, loss, backward and an SGD update.", "",
           "| model | torch fwd | tinygrad fwd | tinygrad TinyJit fwd | torch train step | tinygrad train step | tinygrad TinyJit train step |",
           "|---|---|---|---|---|---|---|"]
  for case in cases(m):
    print(f"timing {case.name}", file=sys.stderr, flush=True)
    lines.append("| " + " | ".join(case.row()) + " |")
  mem, compiled = attention_memory(m, lengths)
  lines += ["", "## Attention: peak buffer memory (MiB above the inputs)", "",
            "1 x 4 heads x n x 64, float32, causal, block 256. Measured as the most bytes tinygrad's buffers held at once.", "",
            "| attention | " + " | ".join(f"n={n}" for n in lengths) + " |", "|---|" + "---|" * len(lengths)]
  lines += [f"| {label} | " + " | ".join(f"{x:.0f}" for x in row) + " |" for label, row in mem.items()]
  lines += ["", "## Attention: kernels compiled", "", "The same runs: kernels compiled for each (a backward after the forward at the same length).",
            "", "| attention | " + " | ".join(f"n={n}" for n in lengths) + " |", "|---|" + "---|" * len(lengths)]
  lines += [f"| {label} | " + " | ".join(str(x) for x in row) + " |" for label, row in compiled.items()]
  OUT.mkdir(parents=True, exist_ok=True)
  write_atomic(OUT / "models.md", "\n".join(lines) + "\n")
  fig, ax = plt.subplots(figsize=(7, 4.5))
  for label, row in mem.items(): ax.plot(lengths, row, marker="o", linestyle="--" if "backward" in label else "-", label=label)
  ax.set(xlabel="sequence length", ylabel="peak buffer memory (MiB)", title="Attention memory in tinygrad", xscale="log", yscale="log")
  ax.legend(fontsize=7)
  fig.tight_layout()
  png = io.BytesIO()
  fig.savefig(png, format="png", dpi=120)
  write_atomic(OUT / "attention-memory.png", png.getvalue())
  print("\n".join(lines))
  print("\nwrote build/bench/models.md and build/bench/attention-memory.png")

if __name__ == "__main__": cli(main)
