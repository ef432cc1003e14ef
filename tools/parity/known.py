"""Every known difference between tinygrad at the pin and torch, in one place. The parity suite marks the samples an entry names
as strict xfails, and the fuzzer (campaign and triage alike, through `explains`) does not report a finding whose signature an entry
matches. When a patch fixes a bug, its entry leaves this list: a strict xfail that starts passing fails the suite until it does."""
import json
from dataclasses import dataclass
from pathlib import Path
from tools.workbench import write_atomic

REPROS = Path(__file__).with_name("known_repros.json")  # fuzz signature -> a program that shows it at the pin, kept by `make fuzz-harvest`

@dataclass(frozen=True)
class Known:
  reason: str
  parity: tuple[str, ...] = ()  # parity samples that fail for this reason, as "op/sample id"
  fuzz: tuple[str, ...] = ()    # fuzz signatures it explains, op:kind:dtype class:input class, each with a live repro in REPROS
  intended: bool = False        # a difference upstream keeps on purpose, not a bug to fix
  backends: tuple[str, ...] = ()  # the DEVs it fails on, where that is not every backend: a backend bug

NEG_SUBNORMAL = "a negative subnormal is taken as zero"
RANGE = "no exact range reduction for huge arguments"
UNUSED_INF = "0 * inf in its backward pass: a branch or factor the value does not use overflows"
TIES = "with tied values the gradient does not follow the returned indices, torch's does"
INT_SUM = "tinygrad's int sums and products accumulate in its default int (int32, unsigned ones in uint32); torch uses int64"
CPUS = ("CPU", "CPU:LLVM", "CPU:X86")  # where a bug of the shared CPU path shows; PYTHON and CUDA compute it right
ANY_ALL = "torch's any/all of uint8 return uint8 (a legacy quirk); tinygrad returns bool, as numpy does"

KNOWN = [
  # differences upstream keeps on purpose
  Known("torch lets a 0-d tensor's dtype give way to a dimensioned tensor's of the same kind (an int32 tensor + an int64 0-d tensor is int32); "
        "tinygrad promotes by dtype alone (int64)", intended=True,
        fuzz=("add:dtype:int:zero-size", "and:dtype:int:zero-size", "or:dtype:int:zero-size", "sub:dtype:int:zero-size",
              "where:dtype:int:finite", "xor:dtype:int:zero-size")),
  Known("torch refuses a python scalar that overflows float16 in a float16 op (x ** 1e5: value cannot be converted to Half); tinygrad computes "
        "with it", intended=True, fuzz=("pow:exception:float:python-float", "pow:exception:float:python-int", "pow:exception:float:python-wide-int")),
  Known("tinygrad computes gelu of an int tensor (in float); torch has no int kernel: tinygrad is lenient on purpose",
        fuzz=("gelu:exception:int:finite", "gelu:exception:int:scalar", "gelu:exception:int:zero-size"),
        intended=True),
  Known(INT_SUM,
        fuzz=("cumsum:dtype:int:finite", "cumsum:dtype:int:scalar", "cumsum:dtype:int:zero-size", "sum:dtype:int:finite", "sum:dtype:int:scalar",
              "sum:dtype:int:zero-size", "sum:value:int:finite", "prod:dtype:int:finite",
              "prod:value:int:finite"), intended=True),
  Known(ANY_ALL, fuzz=("all:dtype:int:finite", "any:dtype:int:finite", "any:dtype:int:scalar"), intended=True),
  Known("max ignores nan where torch propagates it (also in max/sort-style ops): a long-standing tinygrad choice",
        fuzz=("cummax:nan-inf:float:special", "cummin:nan-inf:float:special", "max_pool2d:nan-inf:float:special"),
        intended=True),
  Known("an inf weight over zero padding: torch computes 0 * inf = nan, tinygrad's padding contributes nothing once the reduce is "
        "upcast or unrolled (a plain loop, as DEV=CPU leaves a conv followed by gelu, multiplies the 0 by inf too)",
        fuzz=("conv2d:nan-inf:float:special",), intended=True),
  Known("softmax of a row holding inf: tinygrad gives 1 at the inf, torch nan (inf - inf); tinygrad's answer is the limit",
        fuzz=("softmax:nan-inf:float:special",), intended=True),
  Known("DEV=CPU:LLVM renders float ops with nsz (no signed zeros), so sqrt(-0.0) is +0 and rsqrt(-0.0), like sqrt's gradient there, is +inf; "
        "torch gives -inf: a speed flag tinygrad chose", parity=("sqrt/edge-values", "rsqrt/edge-values"), backends=("CPU:LLVM",), intended=True,
        fuzz=("rsqrt:nan-inf:float:finite",)),
  # bugs: one backend's codegen
  Known("DEV=CPU:X86 cannot encode a shift by a tensor, only by a constant: x86 takes a variable count in cl, the isel gave it any register "
        "(fixed in 0.14.0's x86 renderer; patches/dropped/)", backends=("CPU:X86",),
        parity=("__rlshift__/int32[3,4]", "__rlshift__/uint8[3,4]", "__rrshift__/int32[3,4]", "__rrshift__/uint8[3,4]"),
        fuzz=("__rlshift__:exception:int:finite",)),
  Known("hardtanh(nan) is -1 on DEV=CPU:X86: its isel turns (a < b).where(b, a) into vmaxss a, b, which returns b when a is nan (fixed in "
        "0.14.0; patches/dropped/)", parity=("hardtanh/edge-values",), backends=("CPU:X86",)),
  Known("DEV=CPU:X86 takes a float32 subnormal as 0 in log, log2, sqrt and rsqrt: log(1e-40) is -inf and rsqrt(1e-40) inf (torch -92.1 and "
        "1.04e20)", backends=("CPU:X86",), fuzz=("log:nan-inf:float:special", "log2:nan-inf:float:special", "rsqrt:nan-inf:float:special",
                                                 "sqrt:grad-nan-inf:float:special")),
  Known("mish's float16 gradient is off by more than float16's tolerance on every CPU backend (~7 ulp on DEV=CPU and CPU:X86, which round its "
        "intermediates to half)", fuzz=("mish:grad-value:float:finite",)),
  Known("float16 exp2, and sigmoid, tanh, silu, gelu and mish built on it, crash the process on DEV=CPU:X86 (SIGSEGV or SIGILL; fixed in "
        "0.14.0's x86 renderer)", backends=("CPU:X86",),
        fuzz=("exp2:crash:float:finite", "exp2:crash:float:special", "gelu:crash:float:finite", "sigmoid:crash:float:finite",
              "silu:crash:float:finite", "tanh:crash:float:finite", "tanh:crash:float:special")),
  Known("the float16 matmul gradient is 3 ulp off on DEV=CPU:X86 and CUDA (2.5 tolerances): the kernel multiplies in half and sums in float, "
        "so each product is rounded to half first; clang's __fp16 multiplies in float, as torch does", parity=("matmul/float16[3,4],float16[4,5]",),
        backends=("CPU:X86", "CUDA")),
  Known("floor, ceil, round and trunc of nan or inf raise ValueError/OverflowError on DEV=PYTHON: its TRUNC is math.trunc (so does constant "
        "folding, Tensor(nan).floor(); fixed in 0.14.0, which keeps non-finite values)", backends=("PYTHON",),
        parity=("floor/edge-values", "ceil/edge-values", "round/edge-values", "trunc/edge-values")),
  Known("a cast of inf to an int raises OverflowError on DEV=PYTHON, whose CAST is Python's int(): x.long() of inf, and x ** inf, whose "
        "decomposition casts the exponent (still in 0.14.0)", backends=("PYTHON",),
        fuzz=("__ipow__:exception:float:finite", "long:exception:float:special")),
  Known("a float outside an int dtype's range cast to it is undefined behaviour in C, and the backends give their own values (torch gives "
        "x86's)", intended=True, backends=("CPU:LLVM", "PYTHON"),
        fuzz=("long:value:float:special", "short:value:float:special")),
  # bugs: elementwise
  Known("asin loses accuracy in float16, asin(0.0625) is 0.063 (torch 0.06256), and in bfloat16 (fixed in 0.14.0)",
        fuzz=("asin:value:float:scalar",)),
  Known("asin and atan of bfloat16 are off by more than its tolerance (asin(0.0156) is 0.0161, 3%), and so is asin of float16 on DEV=CPU:X86; "
        "fixed in 0.14.0", backends=("CPU:LLVM", "CPU:X86", "PYTHON"),
        fuzz=("asin:value:float:finite", "atan:value:float:finite", "atan:value:float:scalar")),
  Known("constant folding of floor, ceil or % on a nan or inf constant (Tensor(nan).floor(), the mean of an empty tensor then ceil, a 0-d "
        "x % 0) raises ValueError or OverflowError: the folder's TRUNC is Python's int() (fixed in 0.14.0)",
        fuzz=("ceil:exception:float:scalar", "ceil:exception:float:special", "floor:exception:float:scalar", "max:internal-error:float:zero-size",
              "min:internal-error:float:zero-size", "mod:exception:float:python-float", "mod:exception:float:python-int")),
  Known(f"log(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log/edge-values",), backends=CPUS),
  Known(f"log2(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log2/edge-values",)),
  Known(f"log10(-1e-40) is -inf, torch gives nan: {NEG_SUBNORMAL}", parity=("log10/edge-values",), fuzz=("log10:nan-inf:float:special",),
        backends=CPUS),
  Known(f"tan(3.4e38) is -1.0, torch gives 0.2517: {RANGE}", parity=("tan/edge-values",), fuzz=("tan:value:float:special",)),
  Known(f"cos(3.4e38) is -0.244, torch gives 0.970: {RANGE}", parity=("cos/edge-values",), fuzz=("cos:value:float:special",)),
  Known(f"sin of large arguments (65504, 3.4e38) loses accuracy, and so does its gradient cos(-3.4e38): {RANGE}", parity=("sin/edge-values",),
        fuzz=("sin:grad-value:float:special",)),
  Known("atan(inf) is nan and atan(1e20) is 0, torch gives pi/2: atan is asin(x/sqrt(1+x*x)), and x*x overflows (patches/dropped/ has a fix)",
        parity=("atan/edge-values",), fuzz=("atan:nan-inf:float:scalar", "atan:nan-inf:float:special")),
  Known("acosh(3.4e38) is inf, torch gives 89.415: x*x overflows", parity=("acosh/edge-values",),
        fuzz=("acosh:nan-inf:float:scalar", "acosh:nan-inf:float:special")),
  Known("asinh(3.4e38) is inf and asinh(-inf) nan, torch gives 89.415 and -inf: x*x overflows", parity=("asinh/edge-values",),
        fuzz=("asinh:nan-inf:float:scalar", "asinh:nan-inf:float:special")),
  Known("relu(nan) is 0, torch gives nan (on DEV=CPU:X86 the vmaxss that breaks hardtanh gives nan)", parity=("relu/edge-values",),
        backends=("CPU", "CPU:LLVM", "PYTHON", "CUDA")),
  Known("relu of a nan constant (a 0-d input is one) folds to 0 on every backend; torch gives nan", fuzz=("relu:nan-inf:float:scalar",)),
  Known("x / c for a python float c whose reciprocal overflows (1e-40 in float32) is x * inf: 0 / 1e-40 is nan, torch's 0 (fixed in 0.14.0)",
        fuzz=("truediv:nan-inf:float:python-float",)),
  # bugs: gradients at edge values and kinks
  Known("the gradient of asin and acos at 0 is 0, torch's is 1 and -1: asin is sign(x) * asin(|x|), so its slope at 0 is sign's (fixed upstream by "
        "#17862; patches/dropped/); atan, computed through asin, too", parity=("asin/edge-values", "acos/edge-values"),
        fuzz=("acos:grad-value:float:finite", "acos:grad-value:float:scalar", "acos:grad-value:float:special", "asin:grad-value:float:finite",
              "asin:grad-value:float:scalar", "asin:grad-value:float:special", "atan:grad-value:float:finite", "atan:grad-value:float:scalar",
              "atan:grad-value:float:special")),
  Known("the gradient of erf at 0 is 0, torch's is 2/sqrt(pi): erf is sign(x) * erf(|x|) too (fixed upstream by #17861; patches/dropped/)",
        fuzz=("erf:grad-value:float:finite", "erf:grad-value:float:scalar", "erf:grad-value:float:special")),
  Known("erf of float16 is 1 minus a value rounded to half near 1: erf(1e-3) is -7.3e-4 and erf(0) is -0 (torch: 1.1e-3 and 0), "
        "so rsqrt(erf(0)) is -inf, and elsewhere it is off by up to 3.4 tolerances (0.308 for 0.309); still in 0.14.0",
        fuzz=("erf:nan-inf:float:special", "erf:value:float:scalar", "erf:value:float:special")),
  Known(f"the gradient of erf at inf is nan, torch's is 0: {UNUSED_INF}", parity=("erf/edge-values",)),
  Known("the gradient of atanh at inf is nan, torch's is -0.0", parity=("atanh/edge-values",)),
  Known(f"the gradient of softplus at inf and of logsigmoid at -inf is nan, torch's finite: {UNUSED_INF}",
        parity=("softplus/edge-values", "logsigmoid/edge-values")),
  Known(f"the gradient of silu, swish and mish at 3.4e38 is nan, torch's finite: {UNUSED_INF}",
        parity=("silu/edge-values", "swish/edge-values", "mish/edge-values")),
  Known(f"the gradient of celu and selu at inf is nan, torch's finite: {UNUSED_INF}", parity=("celu/edge-values", "selu/edge-values")),
  Known("elu(nan) is 0, its gradient at 0 is 0 (torch's 1) and nan past x = 88: relu(x) - alpha * relu(1 - exp(x)) takes relu's slope at the "
        "kink, and exp overflows in the piece it does not use (fixed upstream by #17852; patches/dropped/)", parity=("elu/edge-values", "elu/kinks"),
        fuzz=("elu:grad-value:float:finite", "elu:grad-value:float:scalar", "elu:grad-value:float:special")),
  Known("the gradient of softsign at 3.4e38 is inf, torch's 1e-45: (1 + |x|) ** 2 overflows", parity=("softsign/edge-values",)),
  Known("leaky_relu's gradient at 0 is 1, torch's is the negative slope (0.01): tinygrad takes the positive piece at the kink",
        parity=("leaky_relu/edge-values", "leaky_relu/kinks"), fuzz=("leaky_relu:grad-value:float:finite", "leaky_relu:grad-value:float:scalar",
                                                                     "leaky_relu:grad-value:float:special")),
  Known("selu's gradient at 0 is scale (1.05), torch's scale * alpha (1.76): tinygrad takes the positive piece at the kink", parity=("selu/kinks",)),
  Known("relu6(inf), hardsigmoid(inf) and hardswish(inf) are nan, torch gives 6, 1 and inf: relu(x) - relu(x - 6) is inf - inf (fixed "
        "upstream by #18028 and #18063)", parity=("relu6/edge-values", "hardsigmoid/edge-values", "hardswish/edge-values"),
        fuzz=("hardsigmoid:nan-inf:float:special", "hardswish:nan-inf:float:special", "relu6:nan-inf:float:special")),
  Known("the gradient of relu6 at 6 is 1 and of hardswish at 3 is 1.5; torch's are 0 and 1: relu(x) - relu(x - 6) takes relu's slope at "
        "the top bound (fixed upstream by #18029 and #18063)", parity=("relu6/kinks", "hardswish/kinks")),
  Known("the gradient of hardsigmoid at 3 is 1/6, torch's 0: relu(x) - relu(x - 6) takes relu's slope at the top bound (fixed upstream by "
        "#18029 and #18063); on CUDA x/6 + 0.5 rounds so that the kink is missed", parity=("hardsigmoid/kinks",), backends=(*CPUS, "PYTHON")),
  Known("hardtanh's gradient at its bounds (-1, 1) is 1, torch's 0: tinygrad's hardtanh is clip, whose gradient at a bound is 1 as torch.clamp's "
        "is, but torch's hardtanh leaves the bounds out", parity=("hardtanh/kinks",)),
  Known("sign(nan) is 1, torch gives 0", parity=("sign/edge-values",), fuzz=("sign:value:float:scalar", "sign:value:float:special")),
  Known("x >= y and x <= y are True where either side is nan: they are (x < y).logical_not() and (x > y).logical_not(); torch gives "
        "False. Still in 0.14.0 (upstream's _test_cmp leaves nan out with a TODO)", parity=("__ge__/nan", "__le__/nan"),
        fuzz=("le:value:int:python-float",)),
  Known("torch rejects bool - float (use ~ or logical_not), tinygrad computes it", parity=("sub/bool[3,4],float32[3,4]",)),
  Known("the gradient w.r.t. a 0-d tensor counts every equal constant: Tensor(2.0) is a CONST UOp and equal UOps are one node, so d(x*2)/dx "
        "at x=2 is 4 (softplus-930688eb)", fuzz=('gradient:grad-0d-const-alias:float:scalar',)),
  Known("celu's gradient is off for negative x (1.5x torch's) and nan where the unused branch overflows; exp(x)-1 loses tiny x",
        fuzz=("celu:grad-value:float:scalar", "celu:value:float:special")),
  Known("selu's gradient is nan where exp overflows in the branch where() does not take (0 * inf in the backward pass)",
        fuzz=("selu:grad-value:float:finite", "selu:grad-value:float:scalar")),
  Known("float x % y is x - floor(x / y) * y: for y = 0 the folding of z * 0 to 0 makes it x (torch: nan), for y = inf 0 * inf makes it "
        "nan (torch, like Python: x for finite x >= 0)",
        fuzz=("mod:nan-inf:float:finite", "mod:nan-inf:float:python-int", "mod:nan-inf:int:python-float")),
  Known("integer % 0 has no error in tinygrad, where torch raises ZeroDivisionError: a compiled kernel dies of SIGFPE, a constant-folded one "
        "returns a value", fuzz=("mod:crash:int:finite",), backends=CPUS),
  # python scalars as operands (the fuzzer's python-* input classes)
  Known("an int or bool tensor and a python float under & | ^: tinygrad checks only the tensor's dtype, promotes both to float and emits a float "
        "bitwise op that clang cannot compile (with zero-size inputs nothing compiles and an empty float tensor comes back); torch refuses "
        "it. 0.14.0 refuses it too, in UOp verification",
        fuzz=("and:exception:int:python-float", "and:exception:int:zero-size", "or:exception:int:zero-size")),
  Known("the same (int32 & 0.5), judged as internal errors where they happen: clang rejects the float op, CPU:LLVM raises KeyError and "
        "CPU:X86 IndexError", backends=CPUS, parity=tuple(f"bitwise_{op}/int32,float-scalar" for op in ("and", "or", "xor")),
        fuzz=("and:internal-error:bool:python-float", "and:internal-error:int:python-float",
              "or:internal-error:bool:python-float", "xor:internal-error:bool:python-float")),
  Known("a bool tensor with a python int past int32 (mask | 2**31) computes in tinygrad's default int, int32, and wraps silently "
        "(-2147483647); torch computes in int64. Still in 0.14.0", fuzz=("or:value:bool:python-wide-int", "xor:value:bool:python-wide-int")),
  Known("a python int outside an int tensor's dtype is compared by its value, as numpy 2 does (int8 < 300 is True); torch first wraps it "
        "into the dtype (300 is 44 in int8)", fuzz=("gt:value:int:python-wide-int", "lt:value:int:python-wide-int")),
  Known("maximum and minimum with nan depend on the side: maximum(nan, 1) is nan but maximum(1, nan) is 1 (MAX renders as a compare and "
        "select; on DEV=CPU:X86 vmaxss); torch gives nan both ways",
        fuzz=("maximum:nan-inf:float:finite", "maximum:nan-inf:float:special", "minimum:nan-inf:float:finite", "minimum:nan-inf:float:special")),
  Known("symbolic folding treats float arithmetic as exact: x - x is 0, (x + x) - x is x and x * 0 is 0, so inf and nan give 0 or inf "
        "where IEEE (and torch) give nan; still in 0.14.0", fuzz=("lerp:nan-inf:float:special", "mul:nan-inf:float:python-int")),
  # state: in-place updates, realize order, TinyJit
  Known("tinygrad refuses a setitem on a buffer that an unrealized value still reads (\"can't setitem on a tensor with other uses\"): on "
        "purpose, since the lazy graph would diverge from eager; torch has no such rule", intended=True,
        fuzz=("iadd_view:exception:float:python-float", "setitem:exception:bool:python-bool", "setitem:exception:float:python-float",
              "setitem:exception:int:python-int")),
  Known("a zero-size value read from a buffer still counts as a use of it after it is realized, so a later setitem on the buffer is refused "
        "with \"can't setitem on a tensor with other uses\"; torch accepts it",
        fuzz=("iadd_view:exception:float:zero-size", "iadd_view:exception:int:zero-size", "setitem:exception:bool:zero-size",
              "setitem:exception:float:zero-size", "setitem:exception:int:zero-size")),
  Known("tinygrad refuses to realize a value read from a buffer before an assign together with the buffer after it (\"cycle detected\"): "
        "on purpose, upstream's test_assign_diamond_cycle", intended=True, fuzz=("collect:exception:float:finite", "collect:exception:int:finite")),
  Known("x[:] += v on a tensor not realized yet adds v twice, silently (fixed in 0.14.0)", parity=("__iadd__:view/slice,+=,scalar,lazy",),
        fuzz=("iadd_view:value:float:python-float",)),
  Known("in-place updates of a zero-size tensor fail UOp verification (an AFTER of an ADD) when it is realized (fixed in 0.14.0)",
        fuzz=("realize:exception:float:zero-size",)),
  Known("a value read from a buffer before an in-place update (t = a * 2; a += 2) and realized in one schedule with the updated buffer is "
        "computed from the update (12, not 8) where the buffer was not realized before; realized, tinygrad raises its cycle error instead. "
        "Still in 0.14.0", fuzz=("collect:value:float:finite", "collect:value:float:scalar", "collect:value:float:special",
                                     "collect:value:int:finite")),
  Known("reads of a buffer between in-place updates of it (t = a * 2; a += 2; u = a * 3; a *= 0.5), realized together in an order that puts "
        "the buffer before them (Tensor.realize(a, u, t)), are computed from its final value: t is 2 * (a + 2) * 0.5, not 2 * a; silent. "
        "Fixed in 0.14.0", parity=tuple(f"__iadd__:realize-order/{r},{o}" for r in ("realized", "lazy") for o in ("a,u,t", "u,a,t")),
        fuzz=("__iadd__:realize-order:value:float:finite", "__iadd__:realize-order:value:float:special")),
  Known("a permuted, flipped or expanded view copied to another device (x.T.to('CPU:1')) arrives without the view, in the buffer's own "
        "order; a slice or a stride arrives right; silent. Fixed in 0.14.0", parity=("to:views/T", "to:views/flip", "to:views/expand"),
        fuzz=("to:views:value:float:finite", "to:views:value:float:special", "to:views:nan-inf:float:special")),
  Known("a TinyJit function that returns one of its inputs unchanged (x.T, x.reshape(x.shape) or x.pad(((0, 0),)) of a 1-D x, and "
        "x.to(x.device), are x) returns the second call's input from the third call on, silently (0.14.0 returns x.to(x.device) right and "
        "raises IndexError in the jit for the others)",
        fuzz=("T:jit-value:float:finite", "pad:jit-value:float:finite", "reshape:jit-value:float:finite", "squeeze:jit-nan-inf:float:finite",
              "squeeze:jit-value:float:finite", "to:jit-nan-inf:float:finite", "to:jit-value:float:finite")),
  # bugs: reductions, sorting, pooling
  Known("the gradient of prod where a value is 0 is nan, torch's is the product of the others: its backward divides the product by each value; "
        "asin or atan before it pass the nan on (fixed in 0.14.0)",
        fuzz=("asin:grad-nan-inf:float:finite", "asin:grad-nan-inf:float:special", "atan:grad-nan-inf:float:finite",
              "atan:grad-nan-inf:float:special", "cumprod:grad-nan-inf:float:special", "prod:grad-nan-inf:float:finite",
              "prod:grad-nan-inf:float:special")),
  Known("logsumexp of a slice holding inf is nan, torch's inf: shifting by the max takes inf - inf (upstream's #17822 shifts by 0 where the "
        "max is not finite)", fuzz=("logsumexp:nan-inf:float:scalar",)),
  Known("the gradient of std (and std_mean) of a constant slice is nan, torch's 0: sqrt's gradient at 0 is inf, times a zero deviation; "
        "torch masks it. Still in 0.14.0", parity=("std/constant",),
        fuzz=("std_mean:grad-nan-inf:float:finite", "std_mean:grad-nan-inf:float:special")),
  Known("the gradient of scatter_reduce(reduce='prod') where a scattered value is 0 is nan, torch's is finite: it divides the product by "
        "each value (fixed in 0.14.0)", fuzz=("scatter_reduce[prod]:grad-nan-inf:float:finite", "scatter_reduce[prod]:grad-nan-inf:float:special")),
  Known("conv2d and pooling with a kernel larger than the (padded) input fail an assert in _pool, not an error of the API; torch raises a "
        "RuntimeError", parity=("conv2d/kernel-larger-than-input",),
        fuzz=("avg_pool2d:internal-error:float:finite", "avg_pool2d:internal-error:float:special",
              "conv2d:internal-error:float:special", "max_pool2d:internal-error:float:finite", "max_pool2d:internal-error:float:special")),
  Known("max over an empty axis returns -inf; torch raises (no identity for max)", parity=("max/empty-reduction",),
        fuzz=("max:exception:float:zero-size", "max:exception:int:zero-size")),
  Known("min over an empty axis returns inf; torch raises", fuzz=("min:exception:float:zero-size", "min:exception:int:zero-size")),
  Known("argmax/argmin over an empty axis return a value; torch raises", fuzz=("argmax:exception:float:zero-size", "argmax:exception:int:zero-size",
                                                                               "argmin:exception:float:zero-size", "argmin:exception:int:zero-size")),
  Known(f"sort: {TIES}", parity=("sort/ties",), fuzz=("sort:grad-value:float:finite",)),
  Known("sort, argsort and topk with nan: torch orders nan above every number, tinygrad's compare-and-swap network compares it false with "
        "everything, so it stays where it was",
        fuzz=("argsort:value:float:special", "sort:nan-inf:float:special", "topk:nan-inf:float:special", "topk:value:float:special")),
  Known(f"topk: {TIES}", parity=("topk/ties",), fuzz=("topk:grad-value:float:finite",)),
  Known("a python scalar pad value widens the tensor (least_upper_dtype with dtypes.from_py), and max_pool2d, sort, topk, cummax, cummin "
        "and cumprod pad with the dtype's min, max or identity: float16 and bfloat16 come back float32, int8 and int16 int32; torch keeps "
        "the dtype (fixed in 0.14.0, where a pad value takes the tensor's dtype like any python scalar)",
        fuzz=("cummax:dtype:float:finite", "cummax:dtype:float:special", "cummin:dtype:float:special", "cumprod:dtype:float:special",
              "max_pool2d:dtype:float:finite", "max_pool2d:dtype:float:special", "sort:dtype:float:special",
              "topk:dtype:float:special")),
  Known(f"cummax, cummin and max_pool2d: {TIES} (still in 0.14.0)",
        fuzz=("cummax:grad-value:float:finite", "cummin:grad-value:float:finite", "cummin:grad-value:float:special",
              "max_pool2d:grad-value:float:finite")),
  # bugs: movement and indexing
  Known("cat of tensors whose other dims differ fails an assert inside tinygrad (torch raises a RuntimeError naming the sizes)",
        parity=("cat/float32[3,2]permuted,float32[2,3],dim=-1",)),
  Known("size(-1) of a 0-d tensor raises IndexError (tuple index out of range) from inside tinygrad; torch says it has no dimensions",
        parity=("shape/float32[]",)),
  Known("no bounds check on tensor indices (tinygrad has no data-dependent errors); torch raises IndexError",
        parity=("__getitem__:tensor/out-of-bounds",),
        fuzz=("__getitem__:tensor:exception:float:finite", "__getitem__:tensor:exception:float:special")),
  Known("a negative gather index is read as from the end; torch raises (gather indices must be in [0, size))", parity=("gather/negative-index",)),
  Known("scatter(reduce=) takes only a scalar src, pointing to scatter_reduce; torch still accepts a tensor src", parity=("scatter/tensor-src,add",)),
]

def explains(signature: str) -> Known | None:
  """The entry that accounts for a fuzz finding's signature (op:kind:dtype class:input class@the backends it fails on), if any: the
  one rule the campaign and triage both apply. An entry of some backends explains a failure on those backends only."""
  base, _, devs = signature.partition("@")
  return next((k for k in KNOWN if base in k.fuzz and (not k.backends or (devs and set(devs.split(",")) <= set(k.backends)))), None)

def parity_xfails(dev: str) -> dict[tuple[str, str], str]:
  """(op, sample id) -> reason, for every parity sample a known difference makes fail on backend `dev`."""
  return {tuple(s.split("/", 1)): k.reason + (f" (DEV={dev} only)" if len(k.backends) == 1 else "")
          for k in KNOWN if not k.backends or dev in k.backends for s in k.parity}

def repros() -> dict[str, dict]: return json.loads(REPROS.read_text()) if REPROS.exists() else {}

def save_repros(repros: dict[str, dict]):
  """Keeps the repros of the signatures some entry lists, one line each, so that a diff shows which repros changed."""
  listed = {s for k in KNOWN for s in k.fuzz}
  write_atomic(REPROS, "{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(repros.items()) if k in listed) + "\n}\n")
