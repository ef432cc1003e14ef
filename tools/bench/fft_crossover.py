"""Where FFT convolution overtakes direct convolution: a 2D forward at growing kernel sizes, tinygrad's conv2d against
extra/models/fft_conv.py (both TinyJit), and torch's conv2d against fft-conv-pytorch."""
import sys, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from fft_conv_pytorch import fft_conv as torch_fft_conv
from tinygrad import Tensor, TinyJit
from tools.bench import png_bytes

warnings.filterwarnings("ignore", "Using a non-tuple sequence")  # fft-conv-pytorch's own indexing, on every call with torch 2.x

def direct(s, k): return s.conv2d(k, padding=k.shape[-1] // 2).realize()

def crossover(fft, sizes: list[int], median_ms, tiny_sync) -> tuple[list[str], bytes]:
  rng, times = np.random.default_rng(0), []
  s = rng.standard_normal((1, 4, 64, 64), dtype=np.float32)
  ts, rs = Tensor(s).realize(), torch.from_numpy(s)
  for size in sizes:
    print(f"  fft conv, kernel {size}x{size}", file=sys.stderr, flush=True)
    k = rng.standard_normal((4, 4, size, size), dtype=np.float32)
    tk, rk = Tensor(k).realize(), torch.from_numpy(k)
    times.append((median_ms(TinyJit(direct), tiny_sync, ts, tk),
                  median_ms(TinyJit(lambda s, k: fft.fft_conv(s, k, padding=k.shape[-1] // 2).realize()), tiny_sync, ts, tk),
                  median_ms(torch.nn.functional.conv2d, lambda: None, rs, rk, None, 1, size // 2),
                  median_ms(torch_fft_conv, lambda: None, rs, rk, None, size // 2)))
  def first_win(i):  # the smallest kernel size from which FFT is faster
    return next((f"{size}x{size}" for size, t in zip(sizes, times) if t[i + 1] < t[i]), f"none up to {sizes[-1]}x{sizes[-1]}")
  lines = ["## FFT convolution against direct", "", "conv2d forward, 1 x 4 channels x 64 x 64, 4 output channels, 'same' padding, median ms. "
           f"FFT is faster from a kernel of {first_win(0)} in tinygrad, {first_win(2)} in torch.", "",
           "| kernel | tinygrad conv2d | tinygrad fft_conv | torch conv2d | fft-conv-pytorch |", "|---|---|---|---|---|"]
  lines += [f"| {size}x{size} | " + " | ".join(f"{t:.2f}" for t in row) + " |" for size, row in zip(sizes, times)]
  fig, ax = plt.subplots(figsize=(7, 4.5))
  for i, label in enumerate(("tinygrad conv2d", "tinygrad fft_conv", "torch conv2d", "fft-conv-pytorch")):
    ax.plot(sizes, [t[i] for t in times], marker="o", linestyle="-" if i < 2 else "--", label=label)
  ax.set(xlabel="kernel size", ylabel="ms (median)", title="Direct against FFT convolution, 64x64, 4 channels", yscale="log")
  ax.legend(fontsize=8)
  return lines, png_bytes(fig)
