"""Every known difference between tinygrad at the pin and torch, in one place. The parity suite marks the samples an entry names
as strict xfails, and the fuzzer (campaign and triage alike, through `explains`) does not report a finding whose signature an entry
matches. When a patch fixes a bug, its entry leaves this list: a strict xfail that starts passing fails the suite until it does."""
from dataclasses import dataclass
from fnmatch import fnmatchcase

@dataclass(frozen=True)
class Known:
  reason: str
  parity: tuple[str, ...] = ()  # parity samples that fail for this reason, as "op/sample id"
  fuzz: tuple[str, ...] = ()    # fuzz signatures it explains, op:kind:dtype class:input class, with shell-style wildcards
  intended: bool = False        # a difference upstream keeps on purpose, not a bug to fix
  backends: tuple[str, ...] = ()  # the DEVs it fails on, where that is not every backend: a backend bug

NEG_SUBNORMAL = "a negative subnormal is taken as zero"
RANGE = "no exact range reduction for huge arguments"
UNUSED_INF = "0 * inf in its backward pass: a branch or factor the value does not use overflows"
TIES = "with tied values the gradient does not follow the returned indices, torch's does"
INT_SUM = "tinygrad's int sums accumulate in its default int (int32, unsigned ones in uint32); torch uses int64"
CPUS = ("CPU", "CPU:LLVM", "CPU:X86")  # where a bug of the shared CPU path shows; PYTHON and CUDA compute it right
ANY_ALL = "torch's any/all of uint8 return uint8 (a legacy quirk); tinygrad returns bool, as numpy does"

KNOWN = [
  # differences upstream keeps on purpose
  Known("tinygrad computes gelu of an int tensor (in float); torch has no int kernel: tinygrad is lenient on purpose", fuzz=("gelu:exception:int:*",),
        intended=True),
  Known(INT_SUM, fuzz=("cumsum:dtype:int:*", "sum:dtype:int:*", "sum:value:int:*"), intended=True),
  Known(ANY_ALL, fuzz=("any:dtype:int:*", "all:dtype:int:*"), intended=True),
  Known("erf is the A&S 7.1.26 approximation (1.5e-7 absolute): its slope is off by ~6e-6 relative, above float32's tolerance",
        fuzz=("erf:grad-value:float:*",), intended=True),
  Known("max ignores nan where torch propagates it (also in max/sort-style ops): a long-standing tinygrad choice", fuzz=("max_pool2d:nan-inf:*",),
        intended=True),
  Known("an inf weight over zero padding: torch computes 0 * inf = nan, tinygrad's padding contributes nothing",
        fuzz=("conv2d:nan-inf:float:special",), intended=True),
  Known("softmax of a row holding inf: tinygrad gives 1 at the inf, torch nan (inf - inf); tinygrad's answer is the limit",
        fuzz=("softmax:nan-inf:float:special",), intended=True),
  Known("as softmax: log_softmax with an inf in the row gives 0 there in tinygrad, nan in torch", fuzz=("log_softmax:nan-inf:float:special",),
        intended=True),
  Known("DEV=CPU:LLVM renders float ops with nsz (no signed zeros), so sqrt(-0.0) is +0 and rsqrt(-0.0), like sqrt's gradient there, is +inf; "
        "torch gives -inf: a speed flag tinygrad chose", parity=("sqrt/edge-values", "rsqrt/edge-values"), backends=("CPU:LLVM",), intended=True),
  # bugs: one backend's codegen
  Known("DEV=CPU:X86 cannot encode a shift by a tensor, only by a constant: x86 takes a variable count in cl, the isel gave it any register "
        "(fixed in 0.14.0's x86 renderer; patches/dropped/)", backends=("CPU:X86",),
        parity=("__rlshift__/int32[3,4]", "__rlshift__/uint8[3,4]", "__rrshift__/int32[3,4]", "__rrshift__/uint8[3,4]")),
  Known("hardtanh(nan) is -1 on DEV=CPU:X86: its isel turns (a < b).where(b, a) into vmaxss a, b, which returns b when a is nan (fixed in "
        "0.14.0; patches/dropped/)", parity=("hardtanh/edge-values",), backends=("CPU:X86",)),
  Known("mish's float16 gradient is ~7 ulp off on DEV=CPU and CPU:X86, which round its intermediates to half; LLVM and PYTHON keep them in "
        "float", fuzz=("mish:grad-value:float:*@CPU,CPU:X86", "mish:grad-value:float:*@CPU", "mish:grad-value:float:*@CPU:X86")),
  Known("float16 exp2, and sigmoid, tanh, silu, gelu and mish built on it, crash the process on DEV=CPU:X86 (SIGSEGV or SIGILL; fixed in "
        "0.14.0's x86 renderer)", backends=("CPU:X86",),
        fuzz=tuple(f"{op}:crash:float:*@CPU:X86" for op in ("exp2", "sigmoid", "tanh", "silu", "gelu", "mish"))),
  Known("the float16 matmul gradient is 3 ulp off on DEV=CPU:X86 and CUDA (2.5 tolerances): the kernel multiplies in half and sums in float, "
        "so each product is rounded to half first; clang's __fp16 multiplies in float, as torch does", parity=("matmul/float16[3,4],float16[4,5]",),
        backends=("CPU:X86", "CUDA")),
  Known("floor, ceil, round and trunc of nan or inf raise ValueError/OverflowError on DEV=PYTHON: its TRUNC is math.trunc (so does constant "
        "folding, Tensor(nan).floor(); fixed in 0.14.0, which keeps non-finite values)", backends=("PYTHON",),
        parity=("floor/edge-values", "ceil/edge-values", "round/edge-values", "trunc/edge-values")),
  Known("the negation of a 0-d unsigned tensor folds to a negative constant (the constant-folding patch leaves negative unsigned constants "
        "alone), which DEV=PYTHON's memoryview cannot store: ValueError (fixed in 0.14.0)", fuzz=("neg:exception:int:scalar@PYTHON",)),
  # bugs: elementwise
  Known(f"log(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log/edge-values",), backends=CPUS),
  Known(f"log2(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log2/edge-values",)),
  Known(f"log10(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log10/edge-values",), backends=CPUS),
  Known(f"tan(3.4e38) is -1.0, torch gives 0.2517: {RANGE}", parity=("tan/edge-values",), fuzz=("tan:*:float:special",)),
  Known(f"cos(3.4e38) is -0.244, torch gives 0.970: {RANGE}", parity=("cos/edge-values",), fuzz=("cos:*:float:special",)),
  Known(f"sin of large arguments (65504, 3.4e38) loses accuracy, and so does its gradient cos(-3.4e38): {RANGE}", parity=("sin/edge-values",),
        fuzz=("sin:*:float:special",)),
  Known("atan(inf) is nan and atan(1e20) is 0, torch gives pi/2: atan is asin(x/sqrt(1+x*x)), and x*x overflows (patches/dropped/ has a fix)",
        parity=("atan/edge-values",), fuzz=("atan:nan-inf:float:special", "atan:nan-inf:float:scalar")),
  Known("acosh(3.4e38) is inf, torch gives 89.415: x*x overflows", parity=("acosh/edge-values",)),
  Known("asinh(3.4e38) is inf, torch gives 89.415: x*x overflows", parity=("asinh/edge-values",)),
  Known("relu(nan) is 0, torch gives nan (on DEV=CPU:X86 the vmaxss that breaks hardtanh gives nan)", parity=("relu/edge-values",),
        backends=("CPU", "CPU:LLVM", "PYTHON", "CUDA")),
  # bugs: gradients at edge values and kinks
  Known("the gradient of asin and acos at 0 is 0, torch's is 1 and -1: asin is sign(x) * asin(|x|), so its slope at 0 is sign's (fixed upstream by "
        "#17862; patches/dropped/); atan, computed through asin, too", parity=("asin/edge-values", "acos/edge-values"),
        fuzz=("asin:grad-value:float:*", "acos:grad-value:float:*", "atan:grad-value:float:*")),
  Known(f"the gradient of erf at inf is nan, torch's is 0: {UNUSED_INF}", parity=("erf/edge-values",)),
  Known("the gradient of atanh at inf is nan, torch's is -0.0", parity=("atanh/edge-values",)),
  Known(f"the gradient of softplus at inf and of logsigmoid at -inf is nan, torch's finite: {UNUSED_INF}",
        parity=("softplus/edge-values", "logsigmoid/edge-values")),
  Known(f"the gradient of silu, swish and mish at 3.4e38 is nan, torch's finite: {UNUSED_INF}",
        parity=("silu/edge-values", "swish/edge-values", "mish/edge-values")),
  Known(f"the gradient of quick_gelu at 3.4e38 is nan, torch's finite: {UNUSED_INF} (LLVM and X86 order the product so that it does not)",
        parity=("quick_gelu/edge-values",), backends=("CPU", "CUDA")),
  Known(f"the gradient of celu and selu at inf is nan, torch's finite: {UNUSED_INF}", parity=("celu/edge-values", "selu/edge-values")),
  Known("elu(nan) is 0, its gradient at 0 is 0 (torch's 1) and nan past x = 88: relu(x) - alpha * relu(1 - exp(x)) takes relu's slope at the "
        "kink, and exp overflows in the piece it does not use (fixed upstream by #17852; patches/dropped/)", parity=("elu/edge-values", "elu/kinks"),
        fuzz=("elu:grad-*:float:*", "elu:nan-inf:float:special")),
  Known("the gradient of softsign at 3.4e38 is inf, torch's 1e-45: (1 + |x|) ** 2 overflows", parity=("softsign/edge-values",)),
  Known("leaky_relu's gradient at 0 is 1, torch's is the negative slope (0.01): tinygrad takes the positive piece at the kink",
        parity=("leaky_relu/edge-values", "leaky_relu/kinks"), fuzz=("leaky_relu:grad-value:float:*",)),
  Known("selu's gradient at 0 is scale (1.05), torch's scale * alpha (1.76): tinygrad takes the positive piece at the kink", parity=("selu/kinks",)),
  Known("relu6(inf), hardsigmoid(inf) and hardswish(inf) are nan, torch gives 6, 1 and inf: relu(x) - relu(x - 6) is inf - inf (fixed "
        "upstream by #18028 and #18063)", parity=("relu6/edge-values", "hardsigmoid/edge-values", "hardswish/edge-values"),
        fuzz=("relu6:nan-inf:float:special", "hardsigmoid:nan-inf:float:special", "hardswish:nan-inf:float:special")),
  Known("the gradient of relu6 at 6 is 1 and of hardswish at 3 is 1.5; torch's are 0 and 1: relu(x) - relu(x - 6) takes relu's slope at "
        "the top bound (fixed upstream by #18029 and #18063)", parity=("relu6/kinks", "hardswish/kinks"),
        fuzz=("relu6:grad-value:float:*", "hardsigmoid:grad-value:float:*", "hardswish:grad-value:float:*")),
  Known("the gradient of hardsigmoid at 3 is 1/6, torch's 0: relu(x) - relu(x - 6) takes relu's slope at the top bound (fixed upstream by "
        "#18029 and #18063); on CUDA x/6 + 0.5 rounds so that the kink is missed", parity=("hardsigmoid/kinks",), backends=(*CPUS, "PYTHON")),
  Known("hardtanh's gradient at its bounds (-1, 1) is 1, torch's 0: tinygrad's hardtanh is clip, whose gradient at a bound is 1 as torch.clamp's "
        "is, but torch's hardtanh leaves the bounds out", parity=("hardtanh/kinks",)),
  Known("sign(nan) is 1, torch gives 0", parity=("sign/edge-values",), fuzz=("sign:*:float:special",)),
  Known("torch rejects bool - float (use ~ or logical_not), tinygrad computes it", parity=("sub/bool[3,4],float32[3,4]",)),
  Known("the gradient w.r.t. a 0-d tensor counts every equal constant: Tensor(2.0) is a CONST UOp and equal UOps are one node, so d(x*2)/dx "
        "at x=2 is 4 (softplus-930688eb)", fuzz=("gradient:grad-0d-const-alias:float:scalar",)),
  Known("celu's gradient is off for negative x (1.5x torch's) and nan where the unused branch overflows; exp(x)-1 loses tiny x", fuzz=("celu:*",)),
  Known("selu's gradient is nan where exp overflows in the branch where() does not take (0 * inf in the backward pass)",
        fuzz=("selu:grad-*:float:*",)),
  Known("asin(x) for tiny |x| is off by ~1.2e-7 absolute (A&S 4.4.46 polynomial), so asin(1e-20) is 1.19e-7; log magnifies it",
        fuzz=("log*:*:float:*",)),
  Known("erf(0) in float16 is -0.00073, not 0: the approximation runs in half precision, where 1 - t*p(t) cancels", fuzz=("erf:value:float:*",)),
  Known("x % inf is nan; torch, like Python, gives x for finite x >= 0", fuzz=("mod:nan-inf:*:*",)),
  Known("integer % 0 has no error in tinygrad, where torch raises ZeroDivisionError: a compiled kernel dies of SIGFPE, a constant-folded one "
        "returns a value", fuzz=("mod:crash:int:*", "mod:exception:int:*")),
  Known("exp-based formulas (sinh, celu) return 0 for tiny negative x where torch keeps -1e-20, so sqrt of it is 0, not nan",
        fuzz=("sqrt:nan-inf:float:*",)),
  Known("as sqrt: a tiny negative value lost to 0 upstream of rsqrt gives inf, not nan", fuzz=("rsqrt:nan-inf:float:*",)),
  Known("1/x magnifies tiny upstream errors: asin(x) for small |x| is ~5e-8 off (polynomial), sinh(1e-20) is 0 (exp-exp cancels)",
        fuzz=("reciprocal:*:float:*",)),
  Known("inf ** 0 is nan; torch gives 1 (0.14.0's xpow handles x ** 0 = 1 for every x)", fuzz=("pow:nan-inf:float:special",)),
  # python scalars as operands (the fuzzer's python-* input classes)
  Known("an int or bool tensor and a python float under & | ^: tinygrad checks only the tensor's dtype, promotes both to float and emits a float "
        "bitwise op that clang cannot compile (with zero-size inputs nothing compiles and an empty float tensor comes back); torch refuses "
        "it. 0.14.0 refuses it too, in UOp verification", fuzz=tuple(f"{op}:exception:{dt}:python-float" for op in ("and", "or", "xor")
                                                                          for dt in ("int", "bool"))),
  Known("a python int outside an int tensor's dtype is compared by its value, as numpy 2 does (int8 < 300 is True); torch first wraps it "
        "into the dtype (300 is 44 in int8)", fuzz=tuple(f"{op}:value:int:{c}" for op in ("lt", "gt", "le", "ge", "eq", "ne")
                                                          for c in ("python-int", "python-wide-int"))),
  Known("a python int past 2**31 with a bool tensor takes tinygrad's documented default int, int32, and wraps there; torch takes int64",
        fuzz=tuple(f"{op}:value:bool:python-wide-int" for op in ("add", "sub", "mul", "and", "or", "xor")), intended=True),
  Known("x % 0, x % inf or nan % x with x a 0-d float tensor raises ValueError or OverflowError in constant folding (python_alu converts "
        "to int); torch gives nan (fixed in 0.14.0)", fuzz=("mod:exception:float:python-int", "mod:exception:float:python-float")),
  Known(f"the gradient of 0 / x at x = 0 is nan, torch's 0: {UNUSED_INF}", fuzz=("truediv:grad-nan-inf:float:python-int",)),
  Known("maximum and minimum with nan depend on the side: maximum(nan, 1) is nan but maximum(1, nan) is 1 (MAX renders as a compare and "
        "select); torch gives nan both ways", fuzz=("maximum:nan-inf:float:*", "minimum:nan-inf:float:*")),
  Known("symbolic folding treats float arithmetic as exact: x - x is 0, (x + x) - x is x and x * 0 is 0, so inf and nan give 0 or inf "
        "where IEEE (and torch) give nan; still in 0.14.0", fuzz=("sub:nan-inf:float:special", "add:nan-inf:float:special",
                                                                   "mul:nan-inf:float:python-int", "mul:nan-inf:float:python-bool")),
  # state: in-place updates, realize order, TinyJit
  Known("tinygrad refuses a setitem on a buffer that an unrealized value still reads (\"can't setitem on a tensor with other uses\"): on "
        "purpose, since the lazy graph would diverge from eager; torch has no such rule", intended=True,
        fuzz=tuple(f"{op}:exception:{dt}:{c}" for op in ("setitem", "iadd_view") for dt in ("int", "float", "bool")
                   for c in ("python-int", "python-float", "python-bool"))),
  Known("a zero-size value read from a buffer still counts as a use of it after it is realized, so a later setitem on the buffer is refused "
        "with \"can't setitem on a tensor with other uses\"; torch accepts it",
        fuzz=("setitem:exception:*:zero-size", "iadd_view:exception:*:zero-size")),
  Known("tinygrad refuses to realize a value read from a buffer before an assign together with the buffer after it (\"cycle detected\"): "
        "on purpose, upstream's test_assign_diamond_cycle", intended=True,
        fuzz=tuple(f"collect:exception:{dt}:{c}" for dt in ("int", "float", "bool") for c in ("finite", "special", "scalar"))),
  Known("in-place updates of a zero-size tensor fail UOp verification (an AFTER of an ADD) when it is realized (fixed in 0.14.0)",
        fuzz=("realize:exception:*:zero-size", "collect:exception:*:zero-size")),
  Known("a value read from a buffer before an in-place update (t = a * 2; a += 2) and realized in one schedule with the updated buffer is "
        "computed from the update (12, not 8) where the buffer was not realized before; realized, tinygrad raises its cycle error instead. "
        "Still in 0.14.0", fuzz=("collect:value:*",)),
  Known("x[:] += 2 on a tensor not realized yet adds 4: the update is applied twice (fixed in 0.14.0)", fuzz=("iadd_view:value:*",)),
  Known("a TinyJit function that returns one of its inputs unchanged (x.reshape(-1), x.T or x.pad((0, 0)) of a 1-D x is x itself) returns, "
        "from the third call on, the tensor of the second (on CUDA its freed memory); the stack's jit patch copies returned views of inputs, "
        "not the inputs themselves", fuzz=("reshape:jit-*", "T:jit-*", "pad:jit-*")),
  Known("a realized tensor forgets how it was computed, so its gradient is silently 0 (t = a * 2; t.realize(); t.sum().gradient(a)); on "
        "DEV=PYTHON .numpy() of a value copied to another device realizes it in place, so the oracle's gradient after it is 0. Still in 0.14.0",
        fuzz=("copy:grad-value:float:*@PYTHON",)),
  # bugs: reductions, sorting, pooling
  Known("conv2d and pooling with a kernel larger than the (padded) input fail an assert in _pool, not an error of the API; torch raises a "
        "RuntimeError", parity=("conv2d/kernel-larger-than-input",),
        fuzz=("conv2d:internal-error:*", "max_pool2d:internal-error:*", "avg_pool2d:internal-error:*")),
  Known("max over an empty axis returns -inf; torch raises (no identity for max)", parity=("max/empty-reduction",),
        fuzz=("max:exception:*:zero-size",)),
  Known("min over an empty axis returns inf; torch raises", fuzz=("min:exception:*:zero-size",)),
  Known("argmax/argmin over an empty axis return a value; torch raises", fuzz=("arg*:exception:*:zero-size",)),
  Known("prod of int8 stays int8 (and overflows); torch, and tinygrad's own sum, accumulate ints wider", fuzz=("prod:dtype:int:*",)),
  Known(f"sort: {TIES}", parity=("sort/ties",)),
  Known(f"topk: {TIES}", parity=("topk/ties",)),
  Known("max_pool2d of float16 returns float32; torch keeps float16", fuzz=("max_pool2d:dtype:*",)),
  Known("avg_pool2d of float16 sums the window in float16 and overflows to inf; torch accumulates in float32", fuzz=("avg_pool2d:nan-inf:float:*",)),
  # bugs: movement and indexing
  Known("cat of tensors whose other dims differ fails an assert inside tinygrad (torch raises a RuntimeError naming the sizes)",
        parity=("cat/float32[3,2]permuted,float32[2,3],dim=-1",)),
  Known("size(-1) of a 0-d tensor raises IndexError (tuple index out of range) from inside tinygrad; torch says it has no dimensions",
        parity=("shape/float32[]",)),
  Known("no bounds check on tensor indices (tinygrad has no data-dependent errors); torch raises IndexError",
        parity=("__getitem__:tensor/out-of-bounds",)),
  Known("a negative gather index is read as from the end; torch raises (gather indices must be in [0, size))", parity=("gather/negative-index",)),
  Known("scatter(reduce=) takes only a scalar src, pointing to scatter_reduce; torch still accepts a tensor src", parity=("scatter/tensor-src,add",)),
]

def explains(signature: str) -> Known | None:
  """The entry that accounts for a fuzz finding's signature, if any: the one rule the campaign and triage both apply."""
  return next((k for k in KNOWN if any(fnmatchcase(signature, pat) for pat in k.fuzz)), None)

def parity_xfails(dev: str) -> dict[tuple[str, str], str]:
  """(op, sample id) -> reason, for every parity sample a known difference makes fail on backend `dev`."""
  return {tuple(s.split("/", 1)): k.reason + (f" (DEV={dev} only)" if len(k.backends) == 1 else "")
          for k in KNOWN if not k.backends or dev in k.backends for s in k.parity}
