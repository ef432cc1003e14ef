"""What the fuzzer has already told us. A finding whose signature (op:kind:dtype class:input class) matches an entry here
(shell-style wildcards) is not reported again, so the CI smoke run stays green on it while a new finding turns it red."""

# judged noise, or a difference upstream keeps on purpose: each with the reason
SUPPRESSED = {
  "gelu:exception:int:*": "tinygrad computes gelu of an int tensor (in float); torch has no int kernel. tinygrad is lenient on purpose",
  "cumsum:dtype:int:*": "int sums accumulate in tinygrad's default int (int32), unsigned ones in uint32; torch uses int64. By design",
  "sum:dtype:int:*": "as cumsum: tinygrad's int sums are int32/uint32, torch's int64, by design",
  "any:dtype:int:*": "torch's any/all of uint8 return uint8 (a legacy quirk); tinygrad returns bool, as numpy does",
  "all:dtype:int:*": "torch's any/all of uint8 return uint8 (a legacy quirk); tinygrad returns bool, as numpy does",
  "erf:grad-value:float:*": "erf is the A&S 7.1.26 approximation (1.5e-7 absolute): its slope is off by ~6e-6 relative, above float32's tolerance",
  "max_pool2d:nan-inf:*": "max ignores nan where torch propagates it (also in max/sort-style ops): a long-standing tinygrad choice",
  "conv2d:nan-inf:float:special": "an inf weight over zero padding: torch computes 0 * inf = nan, tinygrad's padding contributes nothing",
  "softmax:nan-inf:float:special": "softmax of a row holding inf: tinygrad gives 1 at the inf, torch nan (inf - inf); tinygrad's answer is the limit",
  "log_softmax:nan-inf:float:special": "as softmax: log_softmax with an inf in the row gives 0 there in tinygrad, nan in torch",
}

# real bugs already found: each with its finding id, and the patch that fixes it once one exists
KNOWN = {
  "gradient:grad-0d-const-alias:float:scalar": "the gradient w.r.t. a 0-d tensor counts every equal constant: Tensor(2.0) is a CONST UOp and "
                                               "equal UOps are one node, so d(x*2)/dx at x=2 is 4 (softplus-930688eb)",
  "prod:dtype:int:*": "prod of int8 stays int8 (and overflows); torch, and tinygrad's own sum, accumulate ints wider",
  "celu:*": "celu's gradient is off for negative x (1.5x torch's) and nan where the unused branch overflows; exp(x)-1 loses tiny x",
  "selu:grad-*:float:*": "selu's gradient is nan where exp overflows in the branch where() does not take (0 * inf in the backward pass)",
  "log*:*:float:*": "asin(x) for tiny |x| is off by ~1.2e-7 absolute (A&S 4.4.46 polynomial), so asin(1e-20) is 1.19e-7; log magnifies it",
  "max:exception:*:zero-size": "max over an empty axis returns -inf; torch raises (also a parity xfail)",
  "min:exception:*:zero-size": "min over an empty axis returns inf; torch raises",
  "arg*:exception:*:scalar": "argmax/argmin(dim=0) of a 0-d tensor raises IndexError; torch returns 0",
  "flip:exception:*:scalar": "flip(0) of a 0-d tensor raises AssertionError; torch returns the tensor",
  "erf:value:float:*": "erf(0) in float16 is -0.00073, not 0: the approximation runs in half precision, where 1 - t*p(t) cancels",
  "mod:nan-inf:*:*": "x % inf is nan; torch, like Python, gives x for finite x >= 0",
  "sin:*:float:special": "sin/cos/tan of large arguments (65504, 3.4e38) lose accuracy: no exact range reduction (also parity xfails)",
  "cos:*:float:special": "sin/cos/tan of large arguments (65504, 3.4e38) lose accuracy: no exact range reduction (also parity xfails)",
  "tan:*:float:special": "sin/cos/tan of large arguments (65504, 3.4e38) lose accuracy: no exact range reduction (also parity xfails)",
  "sign:*:float:special": "sign(nan) is 1; torch gives 0 (also a parity xfail)",
  "sqrt:nan-inf:float:*": "exp-based formulas (sinh, celu) return 0 for tiny negative x where torch keeps -1e-20, so sqrt of it is 0, not nan",
  "rsqrt:nan-inf:float:*": "as sqrt: a tiny negative value lost to 0 upstream of rsqrt gives inf, not nan",
  "reciprocal:*:float:*": "1/x magnifies tiny upstream errors: asin(x) for small |x| is ~5e-8 off (polynomial), sinh(1e-20) is 0 (exp-exp cancels)",
  "pow:nan-inf:float:special": "inf ** 0 is nan; torch gives 1 (0.14.0's xpow handles x ** 0 = 1 for every x)",
  "max_pool2d:dtype:*": "max_pool2d of float16 returns float32; torch keeps float16",
  "avg_pool2d:nan-inf:float:*": "avg_pool2d of float16 sums the window in float16 and overflows to inf; torch accumulates in float32",
  "arg*:exception:*:zero-size": "argmax/argmin over an empty axis return a value; torch raises",
  "mod:crash:int:*": "integer % 0 kills the process with SIGFPE; torch raises ZeroDivisionError",
}
