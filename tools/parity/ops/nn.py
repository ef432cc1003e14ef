"""Normalisation, attention and losses as Tensor methods, and the nn layers with their weights copied from torch's modules."""
import torch
import torch.nn.functional as F
from tinygrad import nn
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def labels(shape, classes, values=None) -> A: return A(shape, "int64", 0, classes - 1, values=values)
def probs(shape) -> A: return A(shape, low=0.05, high=0.95)

def layernorm_ref(x, axis=-1, eps=1e-5):
  """tinygrad normalises over the one axis given; torch's layer_norm over trailing dims, so that axis is moved last."""
  return F.layer_norm(x.movedim(axis, -1), x.shape[axis:axis + 1] if axis != -1 else x.shape[-1:], eps=eps).movedim(-1, axis)

def batchnorm_ref(x, w, b, mean, invstd):
  return F.batch_norm(x, mean, invstd.pow(-2), w, b, training=False, eps=0.0)

FUNCTIONAL = [
  Op("layernorm", "nn", lambda x, **k: x.layernorm(**k), layernorm_ref,
     [S(A((3, 8))), S(A((2, 3, 4)), axis=-2), S(A((3, 8)), eps=1e-2), S(A((8, 3), view="T"))]),
  Op("batchnorm", "nn", lambda x, *a: x.batchnorm(*a), batchnorm_ref,
     [S(A((4, 3, 5, 5)), A((3,)), A((3,)), A((3,), grad=False), A((3,), low=0.5, high=2, grad=False)),
      S(A((4, 3)), A((3,)), A((3,)), A((3,), grad=False), A((3,), low=0.5, high=2, grad=False))]),
  Op("normalize", "nn", lambda x, **k: x.normalize(**k), F.normalize, [S(A((3, 4))), S(A((3, 4)), p=1.0, dim=0), S(A((2, 3, 4)), dim=-1)]),
  Op("scaled_dot_product_attention", "nn", lambda q, k, v, *a, **kw: q.scaled_dot_product_attention(k, v, *a, **kw), F.scaled_dot_product_attention,
     [S(A((2, 2, 5, 8)), A((2, 2, 5, 8)), A((2, 2, 5, 8))), S(A((2, 2, 5, 8)), A((2, 2, 5, 8)), A((2, 2, 5, 8)), is_causal=True),
      S(A((1, 2, 4, 8)), A((1, 2, 6, 8)), A((1, 2, 6, 8)), A((4, 6), "bool", values=[True] * 20 + [False] * 4), name="bool-mask"),
      S(A((1, 2, 4, 8)), A((1, 2, 6, 8)), A((1, 2, 6, 8)), A((4, 6)), name="float-mask"),
      S(A((1, 4, 5, 8)), A((1, 2, 5, 8)), A((1, 2, 5, 8)), enable_gqa=True, name="gqa"), S(A((3, 8)), A((6, 8)), A((6, 4)), name="2d")]),
  Op("dropout", "nn", lambda x, p: x.dropout(p), lambda x, p: F.dropout(x, p, training=False), [S(A((3, 4)), 0.5)], covers=()),
  Op("cross_entropy", "nn", lambda x, y, **k: x.cross_entropy(y, **k), F.cross_entropy,
     [S(A((4, 5)), labels((4,), 5)), S(A((4, 5)), labels((4,), 5), reduction="sum"), S(A((4, 5)), labels((4,), 5), reduction="none"),
      S(A((4, 5)), labels((4,), 5), label_smoothing=0.1), S(A((4, 5)), probs((4, 5)), name="probabilities"),
      S(A((5,)), labels((), 5), name="unbatched"),
      S(A((2, 5, 3)), labels((2, 3), 5), name="spatial")]),
  Op("sparse_categorical_crossentropy", "nn", lambda x, y, **k: x.sparse_categorical_crossentropy(y, **k),
     lambda x, y, ignore_index=-1, **k: F.cross_entropy(x, y, ignore_index=ignore_index, **k),
     [S(A((4, 5)), labels((4,), 5)), S(A((4, 5)), labels((4,), 5, [0, 2, 2, 4]), ignore_index=2), S(A((4, 5)), labels((4,), 5), label_smoothing=0.2),
      S(A((4, 5)), labels((4,), 5), reduction="sum"), S(A((4, 5)), labels((4,), 5), reduction="none")]),
  Op("nll_loss", "nn", lambda x, y, *a, **k: x.nll_loss(y, *a, **k), F.nll_loss,
     [S(A((4, 5)), labels((4,), 5)), S(A((4, 5)), labels((4,), 5), A((5,), low=0.1, high=1, grad=False)),
      S(A((4, 5)), labels((4,), 5, [0, 2, 2, 4]), ignore_index=2),
      S(A((4, 5)), labels((4,), 5), reduction="sum"), S(A((4, 5)), labels((4,), 5), reduction="none"),
      S(A((2, 5, 3)), labels((2, 3), 5), name="spatial")]),
  Op("binary_crossentropy", "nn", lambda x, y, **k: x.binary_crossentropy(y, **k), F.binary_cross_entropy,
     [S(probs((3, 4)), probs((3, 4))), S(probs((3, 4)), A((3, 4), values=[0.0, 1.0] * 6), reduction="sum"),
      S(probs((5,)), probs((5,)), reduction="none")]),
  Op("binary_crossentropy_logits", "nn", lambda x, y, **k: x.binary_crossentropy_logits(y, **k), F.binary_cross_entropy_with_logits,
     [S(A((3, 4)), probs((3, 4))), S(A((3, 4), low=-30, high=30), probs((3, 4)), reduction="sum"),
      S(A((3, 4)), probs((3, 4)), pos_weight=None, reduction="none")]),
  Op("binary_crossentropy_logits:pos_weight", "nn", lambda x, y, w: x.binary_crossentropy_logits(y, pos_weight=w),
     lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, pos_weight=w), [S(A((3, 4)), probs((3, 4)), A((4,), low=0.5, high=2, grad=False))]),
]

def layer(name: str, make_tiny, make_torch, params: list[str], samples: list) -> Op:
  """An nn layer built in both frameworks with the same weights: each param is an input of the sample, after the layer's inputs."""
  def tiny(*xs):
    m = make_tiny()
    for n, p in zip(params, xs[-len(params):]): setattr(m, n, p)
    return m(*_call_args(xs[:-len(params)]))
  def reference(*xs):
    return torch.func.functional_call(make_torch().eval(), dict(zip(params, xs[-len(params):])), _call_args(xs[:-len(params)]))
  return Op(f"nn.{name}", "nn", tiny, reference, samples)

def _call_args(xs: tuple) -> tuple:
  """LSTMCell takes (x, (h, c)); every other layer takes x."""
  return (xs[0], tuple(xs[1:])) if len(xs) > 1 else xs

def nchw_layernorm(c):
  """tinygrad's LayerNorm2d normalises NCHW over channels, as torch's LayerNorm does over the last dim of NHWC."""
  class LN(torch.nn.LayerNorm):
    def forward(self, x): return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
  return LN(c)

LAYERS = [
  layer("Linear", lambda: nn.Linear(4, 3), lambda: torch.nn.Linear(4, 3), ["weight", "bias"],
        [S(A((2, 4)), A((3, 4)), A((3,))), S(A((2, 5, 4)), A((3, 4)), A((3,)))]),
  layer("Conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1, stride=2), lambda: torch.nn.Conv2d(2, 3, 3, padding=1, stride=2), ["weight", "bias"],
        [S(A((1, 2, 7, 7)), A((3, 2, 3, 3)), A((3,)))]),
  layer("Conv1d", lambda: nn.Conv1d(2, 3, 3, padding="same"), lambda: torch.nn.Conv1d(2, 3, 3, padding="same"), ["weight", "bias"],
        [S(A((2, 2, 9)), A((3, 2, 3)), A((3,)))]),
  layer("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), lambda: torch.nn.ConvTranspose2d(2, 3, 3, stride=2), ["weight", "bias"],
        [S(A((1, 2, 4, 4)), A((2, 3, 3, 3)), A((3,)))]),
  layer("BatchNorm2d", lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), ["weight", "bias", "running_mean", "running_var"],
        [S(A((4, 3, 5, 5)), A((3,)), A((3,)), A((3,), grad=False), A((3,), low=0.5, high=2, grad=False))]),
  layer("BatchNorm", lambda: nn.BatchNorm(3), lambda: torch.nn.BatchNorm1d(3), ["weight", "bias", "running_mean", "running_var"],
        [S(A((4, 3)), A((3,)), A((3,)), A((3,), grad=False), A((3,), low=0.5, high=2, grad=False))]),
  layer("BatchNorm3d", lambda: nn.BatchNorm3d(2), lambda: torch.nn.BatchNorm3d(2), ["weight", "bias", "running_mean", "running_var"],
        [S(A((2, 2, 3, 3, 3)), A((2,)), A((2,)), A((2,), grad=False), A((2,), low=0.5, high=2, grad=False))]),
  layer("LayerNorm2d", lambda: nn.LayerNorm2d(3), lambda: nchw_layernorm(3), ["weight", "bias"], [S(A((2, 3, 4, 4)), A((3,)), A((3,)))]),
  layer("LSTMCell", lambda: nn.LSTMCell(4, 3), lambda: torch.nn.LSTMCell(4, 3), ["weight_ih", "weight_hh", "bias_ih", "bias_hh"],
        [S(A((2, 4)), A((2, 3)), A((2, 3)), A((12, 4)), A((12, 3)), A((12,)), A((12,)))]),
  layer("LayerNorm", lambda: nn.LayerNorm(8), lambda: torch.nn.LayerNorm(8), ["weight", "bias"], [S(A((3, 8)), A((8,)), A((8,)))]),
  layer("GroupNorm", lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), ["weight", "bias"], [S(A((2, 4, 3, 3)), A((4,)), A((4,)))]),
  layer("InstanceNorm", lambda: nn.InstanceNorm(3), lambda: torch.nn.InstanceNorm2d(3, affine=True), ["weight", "bias"],
        [S(A((2, 3, 4, 4)), A((3,)), A((3,)))]),
  layer("RMSNorm", lambda: nn.RMSNorm(8), lambda: torch.nn.RMSNorm(8, eps=1e-6), ["weight"], [S(A((3, 8)), A((8,)))]),
  layer("Embedding", lambda: nn.Embedding(10, 4), lambda: torch.nn.Embedding(10, 4), ["weight"],
        [S(labels((2, 3), 10), A((10, 4))), S(labels((5,), 10), A((10, 4)))]),
]

OPS = FUNCTIONAL + LAYERS
