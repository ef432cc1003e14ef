"""Elementwise unary, binary and ternary ops, casts, and activations."""
import math, operator
import torch
import torch.nn.functional as F
from tinygrad import dtypes
from tools.parity.inputs import A, S
from tools.parity.opinfo import Op, method

INF, NAN = math.inf, math.nan
EDGE = (0.0, -0.0, INF, -INF, NAN, 1e-40, -1e-40, 3.4e38, -3.4e38, 0.5, -1.5, 2.0)  # signed zeros, specials, subnormals, near-max

def ints(lo, hi, shape=(3, 4)) -> A: return A(shape, "int32", lo, hi)
def floats(lo, hi, shape=(3, 4)) -> A: return A(shape, "float32", lo, hi)

def unary_samples(lo=-2.0, hi=2.0, edge=True, dtype="float32", kinks=()):
  """Random values in [lo, hi) in several shapes and views; the edge values and, for a piecewise op, the points where its pieces meet
  (with their neighbours), both with gradients: there torch's choice of subgradient is the reference."""
  s = [S(A((3, 4), dtype, lo, hi)), S(A((), dtype, lo, hi)), S(A((1,), dtype, lo, hi)), S(A((2, 0, 3), dtype, lo, hi)),
       S(A((4, 3), dtype, lo, hi, view="T")), S(A((2, 5), dtype, lo, hi, view="step"))]
  if edge: s.append(S(A((len(EDGE),), dtype, values=EDGE), name="edge-values"))
  if kinks: s.append(S(A((3 * len(kinks),), dtype, values=tuple(k + d for k in kinks for d in (-0.25, 0.0, 0.25))), name="kinks"))
  return s

def unary(name, torch_fn=None, lo=-2.0, hi=2.0, edge=True, kinks=(), **kw) -> Op:
  tiny, pt = method(name)
  return Op(name, "elementwise", tiny, torch_fn or pt, unary_samples(lo, hi, edge, kinks=kinks), **kw)

UNARY = [
  unary("abs", kinks=(0,)), unary("neg", covers=("__neg__",)), unary("exp"), unary("exp2"), unary("log", lo=0.1), unary("log2", lo=0.1),
  unary("log10", lo=0.1), unary("sqrt", lo=0.1), unary("rsqrt", lo=0.1), unary("sin"), unary("cos"), unary("tan", lo=-1.2, hi=1.2),
  unary("asin", lo=-0.95, hi=0.95), unary("acos", lo=-0.95, hi=0.95), unary("atan"), unary("sinh"), unary("cosh"), unary("tanh"),
  unary("asinh"), unary("acosh", lo=1.1, hi=3.0), unary("atanh", lo=-0.95, hi=0.95), unary("sigmoid"), unary("relu", kinks=(0,)),
  unary("relu6", F.relu6, kinks=(0, 6)), unary("erf"), unary("reciprocal", lo=0.25), unary("square"), unary("sign", kinks=(0,)),
  unary("ceil", kinks=(-1, 0, 1)), unary("floor", kinks=(-1, 0, 1)), unary("round", kinks=(-1.5, -0.5, 0.5, 1.5, 2.5)),
  unary("trunc", kinks=(-1, 0, 1)), unary("softplus", F.softplus), unary("softsign", F.softsign), unary("silu", F.silu),
  unary("swish", F.silu), unary("mish", F.mish), unary("quick_gelu", lambda x: x * torch.sigmoid(1.702 * x)),
  unary("elu", F.elu, kinks=(0,)), unary("celu", F.celu, kinks=(0,)), unary("selu", F.selu, kinks=(0,)),
  unary("leaky_relu", F.leaky_relu, kinks=(0,)), unary("hardswish", F.hardswish, kinks=(-3, 3)), unary("hardtanh", F.hardtanh, kinks=(-1, 1)),
  unary("logsigmoid", F.logsigmoid), unary("hardsigmoid", F.hardsigmoid, kinks=(-3, 3)),
  Op("gelu", "elementwise", lambda x, **k: x.gelu(**k), lambda x, **k: F.gelu(x, **k),
     [S(A((3, 4)), approximate="tanh"), S(A((3, 4)), approximate="none"), S(A((4, 3), view="T"), approximate="tanh")]),
  Op("isnan", "elementwise", *method("isnan"), [S(A((len(EDGE),), values=EDGE)), S(A((2, 0)))], grad=False),
  Op("isinf", "elementwise", lambda x, **k: x.isinf(**k), lambda x, detect_positive=True, detect_negative=True:
     torch.isinf(x) & ((x > 0) if not detect_negative else True) & ((x < 0) if not detect_positive else True),
     [S(A((len(EDGE),), values=EDGE)), S(A((len(EDGE),), values=EDGE), detect_negative=False)], grad=False),
  Op("isfinite", "elementwise", *method("isfinite"), [S(A((len(EDGE),), values=EDGE))], grad=False),
  Op("logical_not", "elementwise", *method("logical_not"), [S(A((3, 4), "bool")), S(ints(-2, 2))], grad=False),
  Op("bitwise_not", "elementwise", *method("bitwise_not"), [S(ints(-100, 100)), S(A((3, 4), "bool")),
     S(A((3, 4), "uint8", 0, 255))], grad=False, covers=("__invert__",)),
]

# x == y in half the places: maximum and minimum must split (or not) the gradient at a tie as torch does
TIES = S(A((2, 3), values=(1.0, -2, 0, 3, 0.5, -1)), A((2, 3), values=(1.0, 0, 0, 2, 0.5, -1)), name="ties")

def binary_samples(lo=-2.0, hi=2.0, lo2=None, hi2=None, ints=True):
  lo2, hi2 = lo if lo2 is None else lo2, hi if hi2 is None else hi2
  s = [S(A((3, 4), low=lo, high=hi), A((3, 4), low=lo2, high=hi2)), S(A((3, 1), low=lo, high=hi), A((1, 4), low=lo2, high=hi2)),
       S(A((), low=lo, high=hi), A((2, 3), low=lo2, high=hi2)), S(A((2, 3, 4), low=lo, high=hi), A((4,), low=lo2, high=hi2)),
       S(A((0, 4), low=lo, high=hi), A((1, 4), low=lo2, high=hi2)),
       S(A((4, 3), low=lo, high=hi, view="T"), A((3, 4), low=lo2, high=hi2, view="step")),
       S(A((3, 4), low=lo, high=hi), (lo2 + hi2) / 2 + 0.25, name="tensor,python-float"),
       S(A((3, 4), "float16", lo, hi), A((3, 4), low=lo2, high=hi2), name="float16,float32")]
  if ints: s += [S(A((3, 4), "int32", lo, hi), A((3, 4), "int32", lo2, hi2)), S(A((3, 4), "int32", lo, hi), A((3, 4), low=lo2, high=hi2)),
                 S(A((3, 4), "int8", lo, hi), A((3, 4), "int64", lo2, hi2)), S(A((3, 4), "bool"), A((3, 4), low=lo2, high=hi2))]
  return s

def binary(name, fn, family="elementwise", samples=None, covers=(), **kw) -> Op:
  return Op(name, family, fn, fn, samples or binary_samples(), covers=covers, **kw)

def rev(fn, value):
  """The reflected form, python scalar on the left: 2.5 - x calls Tensor.__rsub__."""
  return lambda x: fn(value, x)

# nan against numbers, infinities and itself, on either side: every comparison with nan is False, except !=
CMP_NAN = S(A((6,), values=[math.nan, 1.0, math.nan, -math.inf, math.nan, 0.0]), A((6,), values=[1.0, math.nan, math.nan, math.nan, math.inf, -0.0]),
            name="nan")

BINARY = [
  binary("add", operator.add, covers=("__add__",)), binary("sub", operator.sub, covers=("__sub__",)),
  # a python int at or past an int dtype's width wraps to 0 in it, as in torch (x*2**v becomes a shift by v)
  binary("mul", operator.mul, covers=("__mul__",), samples=[*binary_samples(), S(ints(-100, 100), 2**32, name="int32*2**32"),
         S(A((3, 4), "int8", -100, 100), 256, name="int8*256"), S(A((3, 4), "float64"), 1e-05, name="float64,1e-05")]),
  binary("div", operator.truediv, samples=binary_samples(lo2=0.25, hi2=2.0), covers=("__truediv__",)),
  Op("__radd__", "elementwise", rev(operator.add, 2.5), rev(operator.add, 2.5), unary_samples(edge=False)),
  Op("__rsub__", "elementwise", rev(operator.sub, 2.5), rev(operator.sub, 2.5), unary_samples(edge=False)),
  Op("__rmul__", "elementwise", rev(operator.mul, 2.5), rev(operator.mul, 2.5), unary_samples(edge=False)),
  Op("__rtruediv__", "elementwise", rev(operator.truediv, 2.5), rev(operator.truediv, 2.5), unary_samples(lo=0.25, edge=False)),
  Op("__rpow__", "elementwise", rev(operator.pow, 2.5), rev(operator.pow, 2.5), unary_samples(edge=False)),
  binary("pow", operator.pow, samples=[*binary_samples(lo=0.25, hi=2.0, ints=False), S(A((3, 4)), 3, name="negative-base,int-exponent"),
         S(ints(0, 5), ints(0, 3), name="int32**int32"),  # exponents past int32's range, even integers all
         S(A((4,), values=(-1.5, -0.5, -2.0, -0.5), grad=False), A((4,), values=(-3.4e38, 3.4e38, 3e9, -3e9), grad=False),
           name="negative-base,huge-exponent"),
         S(A((6,), values=(-1.5, -1.0, -0.5, 0.0, 0.5, 1.5), grad=False), 1e20, name="const-exponent-past-2**53")],
         covers=("__pow__",)),
  Op("maximum", "elementwise", lambda x, y: x.maximum(y), torch.maximum, binary_samples()[:6] + [TIES]),
  Op("minimum", "elementwise", lambda x, y: x.minimum(y), torch.minimum, binary_samples()[:6] + [TIES]),
  *(binary(name, fn, covers=cov, grad=False, samples=[*binary_samples(), CMP_NAN]) for name, fn, cov in
    [("eq", operator.eq, ("__eq__",)), ("ne", operator.ne, ("__ne__",)), ("__lt__", operator.lt, ()), ("__gt__", operator.gt, ()),
     ("__le__", operator.le, ()), ("__ge__", operator.ge, ())]),
  binary("mod", operator.mod, samples=[S(ints(-10, 10), ints(1, 5)), S(ints(-10, 10), ints(-5, -1)),
         S(floats(-5, 5), floats(0.5, 2)), S(floats(-5, 5), floats(-2, -0.5))], covers=("__mod__",)),
  binary("fmod", lambda x, y: x.fmod(y), samples=[S(ints(-10, 10), ints(1, 5)), S(floats(-5, 5), floats(0.5, 2)),
         S(floats(-5, 5), floats(-2, -0.5))]),
  binary("copysign", lambda x, y: x.copysign(y), samples=[S(A((3, 4)), A((3, 4))), S(A((len(EDGE),), values=EDGE, grad=False),
         A((len(EDGE),), values=EDGE[::-1], grad=False))]),
  binary("logaddexp", lambda x, y: x.logaddexp(y), samples=binary_samples()[:6]),
  Op("div:rounding_mode", "elementwise", lambda x, y, **k: x.div(y, **k), lambda x, y, **k: torch.div(x, y, **k),
     [S(floats(-5, 5), floats(0.5, 2), rounding_mode="trunc"), S(floats(-5, 5), floats(-2, -0.5), rounding_mode="floor"),
      S(ints(-10, 10), ints(1, 4), rounding_mode="floor"), S(ints(-10, 10), ints(-4, -1), rounding_mode="trunc")],
     covers=("__floordiv__",)),
  Op("__floordiv__", "elementwise", operator.floordiv, operator.floordiv, [S(ints(-10, 10), ints(1, 4)),
     S(floats(-5, 5), floats(0.5, 2))], grad=False),
  *[Op(n, "elementwise", f, f, [S(ints(-100, 100), ints(-100, 100)), S(A((3, 4), "bool"), A((3, 4), "bool")),
       S(A((3, 4), "uint8", 0, 255), A((1, 4), "uint8", 0, 255)), S(ints(-100, 100), 7),
       S(ints(-100, 100), 0.5, name="int32,float-scalar")], grad=False, covers=(d,))  # torch refuses an int with a float
    for n, f, d in [("bitwise_and", operator.and_, "__and__"), ("bitwise_or", operator.or_, "__or__"), ("bitwise_xor", operator.xor, "__xor__")]],
  *[Op(n, "elementwise", f, f, [S(ints(0, 1000), 3), S(A((3, 4), "uint8", 0, 255), 2), S(A((3, 4), "int64", -1000, 1000), 4)],
       grad=False, covers=(d,))
    for n, f, d in [("lshift", operator.lshift, "__lshift__"), ("rshift", operator.rshift, "__rshift__")]],
  Op("isclose", "elementwise", lambda x, y, **k: x.isclose(y, **k), torch.isclose,
     [S(A((3, 4)), A((3, 4))), S(A((len(EDGE),), values=EDGE), A((len(EDGE),), values=EDGE), equal_nan=True)], grad=False),
  Op("allclose", "elementwise", lambda x, y: x.allclose(y), lambda x, y: torch.tensor(torch.allclose(x, y)),
     [S(A((3, 4)), A((3, 4))), S(A((3, 4), values=[1.0] * 12), A((3, 4), values=[1.0 + 1e-9] * 12))], grad=False),
]

def inplace(fn):
  """x op= y on a fresh copy: tinygrad assigns into a realized buffer, torch into a clone."""
  return lambda x, y: fn(x.clone() if isinstance(x, torch.Tensor) else x.contiguous().realize(), y)

INT_PAIR, FLOAT_PAIR = S(ints(-20, 20), ints(1, 5)), S(floats(-2, 2), floats(0.5, 2))
REFLECTED_AND_INPLACE = [
  *[Op(n, "elementwise", rev(f, 6), rev(f, 6), [S(ints(1, 20)), S(A((3, 4), "uint8", 1, 5))], grad=False) for n, f in
    [("__rand__", operator.and_), ("__ror__", operator.or_), ("__rxor__", operator.xor), ("__rlshift__", operator.lshift),
     ("__rrshift__", operator.rshift), ("__rfloordiv__", operator.floordiv), ("__rmod__", operator.mod)]],
  *[Op(n, "elementwise", inplace(f), inplace(f), [pair], grad=False) for n, f, pair in
    [("__iadd__", operator.iadd, FLOAT_PAIR), ("__isub__", operator.isub, FLOAT_PAIR), ("__imul__", operator.imul, FLOAT_PAIR),
     ("__itruediv__", operator.itruediv, FLOAT_PAIR), ("__ipow__", operator.ipow, S(floats(0.5, 2), floats(-1, 1))),
     ("__imatmul__", operator.imatmul, S(A((3, 3)), A((3, 3)))), ("__iand__", operator.iand, INT_PAIR), ("__ior__", operator.ior, INT_PAIR),
     ("__ixor__", operator.ixor, INT_PAIR), ("__ilshift__", operator.ilshift, S(ints(0, 20), 2)),
     ("__irshift__", operator.irshift, S(ints(0, 20), 2)),
     ("__ifloordiv__", operator.ifloordiv, INT_PAIR), ("__imod__", operator.imod, INT_PAIR)]],
]

TERNARY = [
  Op("where", "elementwise", lambda c, x, y: c.where(x, y), torch.where,
     [S(A((3, 4), "bool"), A((3, 4)), A((3, 4))), S(A((3, 1), "bool"), A((1, 4)), A(())), S(A((3, 4), "bool"), A((3, 4)), 0.5),
      S(A((3, 4), "bool"), ints(-5, 5), A((3, 4))), S(A((0, 4), "bool"), A((0, 4)), A((0, 4))),
      S(A((2, 3), "bool"), A((2, 3), values=(1.0, -2, 0, 3, 0.5, -1)), A((2, 3), values=(1.0, -2, 0, 3, 0.5, -1)), name="equal-branches")]),
  Op("lerp", "elementwise", lambda x, y, w: x.lerp(y, w), torch.lerp,
     [S(A((3, 4)), A((3, 4)), floats(0, 1)), S(A((3, 4)), A((1, 4)), 0.25)]),
  Op("clamp", "elementwise", lambda x, *a: x.clamp(*a), torch.clamp,
     [S(A((3, 4)), -0.5, 0.5), S(A((3, 4)), None, 0.5), S(A((3, 4)), -0.5), S(ints(-10, 10), -3, 3), S(A((3, 4)), 0.5, -0.5),
      S(A((5,), values=(-1.0, -0.5, 0, 0.5, 1)), -0.5, 0.5, name="at-bounds")], covers=("clip",)),
  Op("masked_fill", "elementwise", lambda x, m, v: x.masked_fill(m, v), lambda x, m, v: x.masked_fill(m, v),
     [S(A((3, 4)), A((3, 4), "bool"), 1.5), S(A((3, 4)), A((1, 4), "bool"), -INF), S(ints(-5, 5), A((3, 4), "bool"), 7)]),
]

def cast(name, torch_dtype, tiny_dtype=None):
  fn_t = (lambda x: x.cast(tiny_dtype)) if tiny_dtype else (lambda x: getattr(x, name)())
  # a float out of the target int type's range, or a float special, is undefined behaviour in C and in torch: floats stay in range
  lo, hi = -300, 300
  if not torch_dtype.is_floating_point and torch_dtype != torch.bool:
    lo, hi = max(lo, torch.iinfo(torch_dtype).min), min(hi, torch.iinfo(torch_dtype).max)
  samples = [S(A((3, 4), low=lo, high=hi)), S(ints(-300, 300)), S(A((3, 4), "bool"))]
  if torch_dtype.is_floating_point: samples.append(S(A((len(EDGE),), values=EDGE, grad=False), name="edge-values"))
  return Op(name if not tiny_dtype else f"cast:{name}", "cast", fn_t, lambda x: x.to(torch_dtype), samples, covers=("cast",) if tiny_dtype else ())

CASTS = [Op("bfloat16", "cast", lambda x: x.bfloat16().float(), lambda x: x.bfloat16().float(), [S(A((3, 4), low=-300, high=300))],
            skip={"CPU": "bfloat16 on DEV=CPU: clang 14 cannot compile __bf16 on x86"}),
         cast("float", torch.float32), cast("half", torch.float16), cast("double", torch.float64), cast("int", torch.int32),
         cast("long", torch.int64), cast("short", torch.int16), cast("bool", torch.bool), cast("uint8", torch.uint8, dtypes.uint8),
         cast("int8", torch.int8, dtypes.int8)]

# bitcast reinterprets the bits: torch spells it view(dtype)
BITCASTS = [Op("bitcast", "cast", lambda x, d: x.bitcast(getattr(dtypes, d)), lambda x, d: x.view(getattr(torch, d)),
               [S(A((3, 4)), "int32"), S(A((3, 4), "int32", -1000, 1000), "float32"), S(A((len(EDGE),), values=EDGE), "uint32"),
                S(A((2, 4), "float16"), "int16")], grad=False)]

OPS = UNARY + BINARY + REFLECTED_AND_INPLACE + TERNARY + CASTS + BITCASTS
