"""make parity-coverage: which public ops of the installed tinygrad the parity registry covers, which it does not, and which
have no torch counterpart (with the reason)."""
import inspect, operator, sys
from tinygrad import Tensor, nn
from tools.parity.no_counterpart import NO_COUNTERPART
from tools.parity.ops import OPS

def public_api() -> set[str]:
  """Tensor's public names, the Python operators it defines (+, [], @, ...), and the nn layer classes."""
  ops = {n for n in dir(operator) if n.startswith("__") and n.endswith("__") and callable(getattr(operator, n))}
  ops |= {f"__r{n[2:]}" for n in ops} | {f"__i{n[2:]}" for n in ops}
  names = {n for n in dir(Tensor) if not n.startswith("_") or (n in ops and getattr(Tensor, n, None) is not getattr(object, n, None))}
  return names | {f"nn.{n}" for n, c in vars(nn).items() if inspect.isclass(c) and c.__module__ == nn.__name__}

def covered() -> set[str]:
  return {n.split(":")[0] for op in OPS for n in op.names}

def report() -> tuple[list[str], list[str], list[str], list[str]]:
  """(covered, uncovered, no counterpart, stale list entries) for the installed tinygrad."""
  api, cov = public_api(), covered()
  return (sorted(api & cov), sorted(api - cov - NO_COUNTERPART.keys()), sorted(api & NO_COUNTERPART.keys()),
          sorted((NO_COUNTERPART.keys() - api) | (NO_COUNTERPART.keys() & cov)))

def main():
  cov, missing, none, stale = report()
  total = len(cov) + len(missing) + len(none)
  print("| | names |\n|---|---|")
  for what, n in [("covered by a parity test", len(cov)), ("not covered", len(missing)), ("no torch counterpart", len(none)),
                  ("public API of the installed tinygrad", total)]: print(f"| {what} | {n} |")
  print()
  if missing: print("not covered: " + ", ".join(missing) + "\n")
  print("no torch counterpart:")
  for n in none: print(f"- {n}: {NO_COUNTERPART[n]}")
  if stale: print("\nstale entries in tools/parity/no_counterpart.py (not in the API, or covered after all): " + ", ".join(stale))
  sys.exit(1 if missing or stale else 0)

if __name__ == "__main__": main()
