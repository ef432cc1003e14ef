"""How a tinygrad result is judged against torch's.

The rule, for floats: tinygrad passes when it is within torch.testing's default tolerance of torch's result. When it is not,
both results are measured against a float64 torch reference, in units of that tolerance: tinygrad still passes when its
worst error is within the tolerance of the reference, or at most SLACK times torch's own worst error. So tinygrad fails only
when it is clearly less accurate than torch. NaN must appear where torch's NaN appears; infinities must match in sign.
Integers and bools must be equal. Shapes and dtypes must be equal everywhere, except that where the caller allows it, tinygrad's
int32 may stand for torch's int64 (tinygrad's default int is int32 by design); the values must still be equal."""
import struct, subprocess, traceback
from dataclasses import dataclass
from pathlib import Path
import numpy as np

# torch.testing.assert_close defaults: dtype -> (rtol, atol)
TOLERANCE = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}
SLACK = 4.0

# Errors by kind. When both sides raise, it is parity only if tinygrad refused the input on purpose, with a message: a `raise` of
# tinygrad's own with some text (a ValueError, TypeError, RuntimeError, or an IndexError such as its broadcast error). An assert that
# fires, or one of the errors below that Python raises by itself inside tinygrad (tuple index out of range, a missing dict key), is an
# internal error: a finding even where torch rejects the input too, since a user deserves a clear error, not a traceback from the
# scheduler. Asserts never count as refusals: they are checks of tinygrad's own invariants, and vanish under python -O. Nor do a
# compiler rejecting the code tinygrad rendered, or tinygrad's UOp verifier rejecting a graph it built itself.
INTERNAL = (AssertionError, IndexError, KeyError, ZeroDivisionError, struct.error, OverflowError, RecursionError)

def internal_error(e: BaseException) -> bool:
  frames = traceback.extract_tb(e.__traceback__)
  if any("tinygrad" in Path(f.filename).parts for f in frames) and \
     (isinstance(e, subprocess.CalledProcessError) or str(e).startswith("UOp verification failed")): return True
  if not isinstance(e, INTERNAL) or not frames or "tinygrad" not in Path(frames[-1].filename).parts: return False
  on_purpose = (frames[-1].line or "").lstrip().startswith("raise ") and bool(str(e))
  return isinstance(e, AssertionError) or not on_purpose

@dataclass
class Verdict:
  ok: bool
  message: str = ""
  abs_err: float = 0.0
  rel_err: float = 0.0
  ulp_err: float = 0.0
  tolerance: str = "exact"

def judge(what: str, tg: np.ndarray, pt: np.ndarray, ref: np.ndarray | None, relative_only: bool = False, int32_for_int64: bool = False,
          tolerance_of: str | None = None) -> Verdict:
  """Judges tinygrad's `tg` against torch's `pt` (and the float64 `ref` when given) for the output named `what`.
  relative_only drops atol, for the fuzzer to tell which step of a program first loses a tiny value. tolerance_of: the dtype whose
  tolerance applies where it is not the result's: bfloat16, which numpy lacks (both sides hand over float32 copies), or a less precise
  dtype the result was computed through (a float32 step promoted to a float64 result carries float32's error)."""
  if int32_for_int64 and tg.dtype == np.int32 and pt.dtype == np.int64: tg = tg.astype(np.int64)
  if tg.shape != pt.shape: return Verdict(False, f"{what}: shape {tg.shape}, but torch gives {pt.shape}")
  if tg.dtype != pt.dtype: return Verdict(False, f"{what}: dtype {tg.dtype}, but torch gives {pt.dtype}")
  if pt.dtype.kind not in "fc":
    if np.array_equal(tg, pt): return Verdict(True)
    i = _index(np.argmax(tg != pt), pt.shape)
    return Verdict(False, f"{what}{list(i)} = {tg[i]!r}, but torch gives {pt[i]!r} (exact match required for {pt.dtype})")
  rtol, atol = TOLERANCE[tolerance_of or str(pt.dtype)]
  if relative_only: atol = np.finfo(pt.dtype).tiny
  tol = f"atol={atol:g} rtol={rtol:g}"
  tg64, pt64 = tg.astype(np.float64), pt.astype(np.float64)
  if (bad := _special_mismatch(tg64, pt64)) is not None:
    i = _index(bad, pt.shape)
    return Verdict(False, f"{what}{list(i)} = {tg[i]!r}, but torch gives {pt[i]!r} (NaN and infinities must match torch)", tolerance=tol)
  excess = _excess(tg64, pt64, rtol, atol)
  worst = int(np.argmax(excess)) if excess.size else 0
  if not excess.size or excess.flat[worst] <= 1: return _stats(True, "", tg, pt64, worst, tol)
  if ref is None:
    i = _index(worst, pt.shape)
    return _stats(False, f"{what}{list(i)} = {tg[i]!r}, but torch gives {pt[i]!r}", tg, pt64, worst, tol)
  ref64 = ref.astype(np.float64)
  e_tg, e_pt = _excess(tg64, ref64, rtol, atol), _excess(pt64, ref64, rtol, atol)
  worst = int(np.argmax(e_tg))
  allowed = max(1.0, SLACK * float(e_pt.max()))
  tol += f", or {SLACK:g}x torch's own error vs float64"
  if e_tg.flat[worst] <= allowed: return _stats(True, "", tg, ref64, worst, tol)
  i = _index(worst, pt.shape)
  return _stats(False, f"{what}{list(i)} = {tg[i]!r}, but torch gives {pt[i]!r} and float64 gives {ref64[i]!r}; tinygrad is off by "
                f"{e_tg.flat[worst]:.3g} tolerances, torch by at most {e_pt.max():.3g}", tg, ref64, worst, tol)

def _excess(x: np.ndarray, y: np.ndarray, rtol: float, atol: float) -> np.ndarray:
  """|x - y| in units of the tolerance at y; 0 where both are the same special value (inf, nan)."""
  with np.errstate(invalid="ignore"):
    d = np.abs(x - y) / (atol + rtol * np.abs(y))
  return np.where((x == y) | (np.isnan(x) & np.isnan(y)), 0.0, np.nan_to_num(d, nan=np.inf))

def _special_mismatch(tg: np.ndarray, pt: np.ndarray) -> int | None:
  bad = (np.isnan(tg) != np.isnan(pt)) | ((np.isinf(pt) | np.isinf(tg)) & (tg != pt) & ~(np.isnan(tg) & np.isnan(pt)))
  return int(np.argmax(bad)) if bad.any() else None

def _stats(ok: bool, message: str, tg: np.ndarray, ref64: np.ndarray, flat: int, tol: str) -> Verdict:
  if not tg.size: return Verdict(ok, message, tolerance=tol)
  t, r = float(tg.flat[flat]), float(ref64.flat[flat])
  a = abs(t - r) if np.isfinite(t - r) else 0.0
  ulp = a / float(np.spacing(np.abs(np.asarray(r, dtype=tg.dtype)))) if np.isfinite(r) else 0.0
  msg = f"{message}: abs err {a:.3g}, rel err {a / abs(r) if r else a:.3g}, {ulp:.3g} ulp; tolerance {tol}" if message else ""
  return Verdict(ok, msg, a, a / abs(r) if r else a, ulp, tol)

def _index(flat, shape) -> tuple:
  return tuple(int(i) for i in np.unravel_index(int(flat), shape)) if shape else ()
