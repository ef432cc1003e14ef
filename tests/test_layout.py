"""Imports run one way: tests and parity_tests use tools, never the reverse, and no module of the workbench imports itself back."""
import ast
from graphlib import CycleError, TopologicalSorter
from tools.workbench import ROOT

def imports() -> dict[str, set[str]]:
  """module -> the workbench modules it imports (python files under tools/, parity_tests/ and tests/)."""
  files = {".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): f
           for top in ("tools", "parity_tests", "tests") for f in (ROOT / top).rglob("*.py")}
  graph = {}
  for mod, f in files.items():
    names = set()
    for node in ast.walk(ast.parse(f.read_text())):
      if isinstance(node, ast.Import): names |= {a.name for a in node.names}
      elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    graph[mod] = {n for n in names if n in files and n != mod}
  return graph

def test_no_import_cycles():
  try: TopologicalSorter(imports()).prepare()
  except CycleError as e: raise AssertionError(f"import cycle: {' -> '.join(e.args[1])}") from e

def test_tools_never_import_the_tests():
  up = {m: sorted(n for n in deps if n.startswith(("parity_tests", "tests"))) for m, deps in imports().items() if m.startswith("tools")}
  assert not {m: d for m, d in up.items() if d}
