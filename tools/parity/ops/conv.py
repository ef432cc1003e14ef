"""Convolutions, transposed convolutions, pools and interpolation, over strides, dilations, padding, groups and ceil_mode."""
import torch.nn.functional as F
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def conv_ref(x, w, b=None, **k):
  return {3: F.conv1d, 4: F.conv2d, 5: F.conv3d}[x.ndim](x, w, b, **k)

def conv_t_ref(x, w, b=None, **k):
  return {3: F.conv_transpose1d, 4: F.conv_transpose2d, 5: F.conv_transpose3d}[x.ndim](x, w, b, **k)

def pool_ref(f2d):
  """torch's pools want stride=None spelled as the kernel size, and an int or tuple kernel."""
  return lambda x, kernel_size=(2, 2), stride=None, **k: f2d(x, kernel_size, stride if stride is not None else kernel_size, **k)

MULTILINEAR = {"bilinear": "linear", "trilinear": "linear"}  # tinygrad's "linear" is multi-linear in any number of dims

OPS = [
  Op("conv2d", "conv", lambda x, w, b=None, **k: x.conv2d(w, b, **k), conv_ref,
     [S(A((2, 3, 6, 6)), A((4, 3, 3, 3)), A((4,))), S(A((1, 2, 7, 7)), A((3, 2, 3, 3)), stride=2), S(A((1, 2, 7, 7)), A((3, 2, 3, 3)), padding=1),
      S(A((1, 2, 9, 9)), A((3, 2, 3, 3)), dilation=2), S(A((1, 4, 6, 6)), A((6, 2, 3, 3)), groups=2),
      S(A((1, 2, 6, 8)), A((3, 2, 2, 3)), padding=(1, 2)),
      S(A((1, 4, 5, 5)), A((4, 1, 3, 3)), A((4,)), groups=4, padding=1, name="depthwise"), S(A((2, 3, 8)), A((4, 3, 3)), stride=2, name="1d"),
      S(A((1, 2, 4, 4, 4)), A((2, 2, 2, 2, 2)), name="3d"), S(A((1, 2, 6, 6)), A((3, 2, 7, 7)), name="kernel-larger-than-input")]),
  Op("conv_transpose2d", "conv", lambda x, w, b=None, **k: x.conv_transpose2d(w, b, **k), conv_t_ref,
     [S(A((1, 3, 4, 4)), A((3, 2, 3, 3)), A((2,))), S(A((1, 2, 4, 4)), A((2, 3, 3, 3)), stride=2),
      S(A((1, 2, 4, 4)), A((2, 3, 3, 3)), stride=2, padding=1),
      S(A((1, 2, 4, 4)), A((2, 3, 3, 3)), stride=2, output_padding=1), S(A((1, 4, 3, 3)), A((4, 1, 3, 3)), groups=2),
      S(A((1, 2, 4, 4)), A((2, 2, 3, 3)), dilation=2), S(A((2, 2, 5)), A((2, 3, 3)), stride=2, name="1d")]),
  Op("avg_pool2d", "conv", lambda x, **k: x.avg_pool2d(**k), pool_ref(F.avg_pool2d),
     [S(A((1, 2, 6, 6))), S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2), S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2, padding=1),
      S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2, padding=1, count_include_pad=False),
      S(A((1, 2, 7, 7)), kernel_size=(2, 2), stride=2, ceil_mode=True),
      S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2, padding=1, ceil_mode=True, count_include_pad=False), S(A((1, 2, 5, 8)), kernel_size=(2, 3))]),
  Op("max_pool2d", "conv", lambda x, **k: x.max_pool2d(**k), pool_ref(F.max_pool2d),
     [S(A((1, 2, 6, 6))), S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2), S(A((1, 2, 7, 7)), kernel_size=(3, 3), stride=2, padding=1),
      S(A((1, 2, 9, 9)), kernel_size=(3, 3), dilation=2), S(A((1, 2, 7, 7)), kernel_size=(2, 2), stride=2, ceil_mode=True),
      S(A((1, 2, 6, 6)), kernel_size=(2, 2), return_indices=True), S(A((1, 2, 5, 8)), kernel_size=(2, 3))], int32_for_int64=True),
  Op("max_unpool2d", "conv", lambda x, i, **k: x.max_unpool2d(i, **k), lambda x, i, kernel_size=(2, 2), **k: F.max_unpool2d(x, i, kernel_size, **k),
     [S(A((1, 1, 2, 2)), A((1, 1, 2, 2), "int64", values=[0, 3, 9, 14]))]),
  Op("interpolate", "conv", lambda x, size, mode="linear", **k: x.interpolate(size, MULTILINEAR.get(mode, mode), **k), lambda x, size,
     **k: F.interpolate(x, size, **k),
     [S(A((1, 2, 4, 4)), (8, 8), mode="nearest"), S(A((1, 2, 4, 4)), (6, 7), mode="bilinear"),
      S(A((1, 2, 4, 4)), (6, 7), mode="bilinear", align_corners=True),
      S(A((1, 2, 5)), (9,), mode="linear"), S(A((1, 2, 4, 4)), (3, 3), mode="nearest-exact"), S(A((1, 2, 8, 8)), (3, 5), mode="bilinear"),
      S(A((1, 1, 2, 3, 4)), (3, 4, 5), mode="trilinear")]),
]
