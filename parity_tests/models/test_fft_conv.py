"""extra/models/fft_conv.py against fft-conv-pytorch's fft_conv and torch's own conv1d/conv2d: forward and the gradients of
the signal, kernel and bias (of the output's squares summed), float32, 1D and 2D with padding, stride, dilation and groups.
The tolerance is float32 FFT rounding, which grows with the transform size."""
import numpy as np
import pytest
import torch
from tools.parity.profile import full
from fft_conv_pytorch import fft_conv as reference
from tinygrad import Tensor
from extra.models.fft_conv import fft_conv

# small on purpose: the backward of an FFT graph compiles many kernels, and CI runs the default cases on three backends
CASES = {"1d": ((2, 2, 13), (3, 2, 4), dict(padding=2)),
         "1d long": ((1, 2, 50), (2, 2, 5), dict(padding=2)),  # padded to 64: two factors of 8, not one DFT matrix
         "2d groups stride dilation": ((1, 4, 7, 6), (4, 2, 2, 3), dict(padding=(1, 2), stride=(2, 3), dilation=(2, 1), groups=2))}

@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")  # inside fft_conv_pytorch, on torch 2.x
@pytest.mark.parametrize("case", ["1d", "1d long", full("2d groups stride dilation")])  # the 2d case (45 s) in PARITY=full, which CI runs
def test_fft_conv(case, compare):
  signal_shape, kernel_shape, kw = CASES[case]
  rng = np.random.default_rng(len(case))
  s, k, b = (rng.standard_normal(shape, dtype=np.float32) for shape in (signal_shape, kernel_shape, kernel_shape[:1]))
  ts, tk, tb = (Tensor(x) for x in (s, k, b))
  got = fft_conv(ts, tk, tb, **kw)
  grads = got.square().sum().gradient(ts, tk, tb)
  rs, rk, rb = (torch.from_numpy(x).requires_grad_() for x in (s, k, b))
  want = reference(rs, rk, rb, **kw)
  want.square().sum().backward()
  direct = (torch.nn.functional.conv1d if len(signal_shape) == 3 else torch.nn.functional.conv2d)(*(torch.from_numpy(x) for x in (s, k, b)), **kw)
  compare(f"fft conv/{case}/forward", got, want, atol=1e-4, rtol=1e-4)
  compare(f"fft conv/{case}/forward against torch's conv", got, direct, atol=1e-4, rtol=1e-4)
  for name, g, w in zip(("signal", "kernel", "bias"), grads, (rs.grad, rk.grad, rb.grad)):
    compare(f"fft conv/{case}/gradient of the {name}", g, w, atol=1e-3, rtol=1e-3)
