"""Reductions over all axes or some, with keepdim; scans; softmax-style normalisations; sort, topk and arg-reductions."""
import torch
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op

def reduce_samples(dtype="float32", lo=-2.0, hi=2.0, empty=True):
  a = lambda shape, **k: A(shape, dtype, lo, hi, **k)
  s = [S(a((3, 4, 5))), S(a((3, 4, 5)), axis=1), S(a((3, 4, 5)), axis=-1, keepdim=True), S(a((3, 4, 5)), axis=(0, 2)),
       S(a(())), S(a((5, 4), view="T"), axis=0), S(a((3, 8), view="step"), axis=1, keepdim=True)]
  if empty: s += [S(a((3, 0)), axis=1), S(a((0, 4)))]
  return s

def dim(f):
  """torch spells the axis `dim` and needs a tuple-or-int; None means every axis."""
  return lambda x, axis=None, keepdim=False, **k: f(x, dim=axis, keepdim=keepdim, **k) if axis is not None else f(x, **k) if not keepdim else \
    f(x, dim=tuple(range(x.ndim)), keepdim=True, **k)

def reduction(name, torch_fn, samples=None, **kw) -> Op:
  return Op(name, "reduce", lambda x, **k: getattr(x, name)(**k), dim(torch_fn), samples or reduce_samples(), **kw)

BOOL_SAMPLES = [S(A((3, 4), "bool"), axis=1), S(A((3, 4), "bool")), S(A((3, 4), "int32", 0, 1), axis=0, keepdim=True), S(A((0, 3), "bool"))]

REDUCTIONS = [
  # integer sums accumulate in tinygrad's default int (int32), in torch's int64
  reduction("sum", torch.sum, [*reduce_samples(), *reduce_samples("int32", -50, 50, empty=False)[:3], S(A((3, 4), "bool"), axis=1)],
            int32_for_int64=True),
  reduction("mean", torch.mean),
  # torch.prod takes one dim only, so no tuple-axis sample
  reduction("prod", torch.prod, [s for s in reduce_samples(lo=0.5, hi=1.5) if not isinstance(s.kwargs.get("axis"), tuple)] +
            reduce_samples("int32", -3, 3, empty=False)[:2] + [S(A((3,), "int8", values=(100, 100, 2)), name="int8-overflow")],
            int32_for_int64=True),
  reduction("max", torch.amax, reduce_samples(empty=False) + [S(A((3, 4), "int32", -9, 9), axis=1), S(A((3, 4), values=[1.0] * 12), axis=1),
            S(A((3, 0)), axis=1, name="empty-reduction")]),
  reduction("min", torch.amin, reduce_samples(empty=False) + [S(A((3, 4), "int32", -9, 9), axis=1), S(A((3, 4), values=[1.0] * 12), axis=1)]),
  reduction("all", torch.all, BOOL_SAMPLES, grad=False), reduction("any", torch.any, BOOL_SAMPLES, grad=False),
  reduction("logsumexp", torch.logsumexp, [S(A((3, 4, 5)), axis=1), S(A((3, 4, 5)), axis=-1, keepdim=True), S(A((3, 4), low=80, high=90), axis=1),
                                            S(A((5, 4), view="T"), axis=0)]),
  Op("std", "reduce", lambda x, **k: x.std(**k), dim(torch.std), reduce_samples(empty=False) + [S(A((3, 4)), axis=1, correction=0),
     S(A((2, 3), values=(1.5,) * 3 + (0, 1, 2)), axis=1, name="constant")]),  # a std of 0: a kink whose gradient torch takes as 0
  Op("var", "reduce", lambda x, **k: x.var(**k), dim(torch.var), reduce_samples(empty=False) + [S(A((3, 4)), axis=1, correction=0)]),
  Op("std_mean", "reduce", lambda x, **k: x.std_mean(**k), dim(torch.std_mean), [S(A((3, 4)), axis=1), S(A((3, 4)))]),
  Op("var_mean", "reduce", lambda x, **k: x.var_mean(**k), dim(torch.var_mean), [S(A((3, 4)), axis=1), S(A((3, 4)))]),
  Op("argmax", "reduce", lambda x, **k: x.argmax(**k), lambda x, axis=None, keepdim=False: torch.argmax(x, dim=axis, keepdim=keepdim),
     [S(A((3, 4, 5))), S(A((3, 4, 5)), axis=1), S(A((3, 4)), axis=-1, keepdim=True), S(A((3, 4), values=[1.0, 2, 2, 0] * 3), axis=1, name="ties"),
      S(A((3, 4), "int32", -5, 5), axis=0)], grad=False, int32_for_int64=True),
  Op("argmin", "reduce", lambda x, **k: x.argmin(**k), lambda x, axis=None, keepdim=False: torch.argmin(x, dim=axis, keepdim=keepdim),
     [S(A((3, 4, 5))), S(A((3, 4, 5)), axis=1), S(A((3, 4), values=[1.0, 0, 0, 2] * 3), axis=1, name="ties")], grad=False, int32_for_int64=True),
]

def axis_samples(with_empty=True):
  s = [S(A((3, 4)), axis=1), S(A((3, 4)), axis=0), S(A((2, 3, 4)), axis=-1), S(A((5, 4), view="T"), axis=1), S(A((4,)), axis=0)]
  return s + ([S(A((0, 3)), axis=1)] if with_empty else [])

SCANS = [
  Op("cumsum", "reduce", lambda x, **k: x.cumsum(**k), lambda x, axis: torch.cumsum(x, axis), axis_samples() + [S(A((3, 4), "int32", -9, 9), axis=1)],
     int32_for_int64=True),
  Op("cumprod", "reduce", lambda x, **k: x.cumprod(**k), lambda x, axis: torch.cumprod(x, axis), axis_samples()),
  Op("cummax", "reduce", lambda x, **k: x.cummax(**k), lambda x, axis: torch.cummax(x, axis), axis_samples(), int32_for_int64=True),
  Op("cummin", "reduce", lambda x, **k: x.cummin(**k), lambda x, axis: torch.cummin(x, axis), axis_samples(), int32_for_int64=True),
  Op("logcumsumexp", "reduce", lambda x, **k: x.logcumsumexp(**k), lambda x, axis: torch.logcumsumexp(x, axis),
     axis_samples() + [S(A((3, 4), low=80, high=90), axis=1)]),
  Op("softmax", "reduce", lambda x, **k: x.softmax(**k), lambda x, axis: torch.softmax(x, axis),
     axis_samples() + [S(A((3, 4), low=80, high=90), axis=1)]),
  Op("log_softmax", "reduce", lambda x, **k: x.log_softmax(**k), lambda x, axis: torch.log_softmax(x, axis),
     axis_samples() + [S(A((3, 4), low=80, high=90), axis=1)]),
]

SORTING = [
  Op("sort", "reduce", lambda x, **k: x.sort(**k), lambda x, **k: tuple(torch.sort(x, stable=True, **k)),
     [S(A((3, 6))), S(A((3, 6)), dim=0), S(A((3, 6)), descending=True), S(A((2, 5), values=[1.0, 3, 1, 3, 2] * 2), name="ties"),
      S(A((8,), "int32", -4, 4)), S(A((6, 3), view="T"))], int32_for_int64=True),
  Op("argsort", "reduce", lambda x, **k: x.argsort(**k), lambda x, **k: torch.argsort(x, stable=True, **k),
     [S(A((3, 6))), S(A((3, 6)), dim=0, descending=True), S(A((2, 5), values=[1.0, 3, 1, 3, 2] * 2), name="ties")], grad=False, int32_for_int64=True),
  Op("topk", "reduce", lambda x, k, **kw: x.topk(k, **kw), lambda x, k, **kw: tuple(torch.topk(x, k, **kw)),
     [S(A((3, 6)), 2), S(A((3, 6)), 3, dim=0), S(A((3, 6)), 2, largest=False), S(A((4, 5), values=[1.0, 3, 3, 2, 0] * 4), 2, name="ties"),
      S(A((3, 6)), 6)], int32_for_int64=True),
]

OPS = REDUCTIONS + SCANS + SORTING
