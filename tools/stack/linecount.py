"""Lines of code the way upstream's sz.py counts them, for a tree that has no sz.py (the release sdists): lines of .py files under
tinygrad/ (not runtime/autogen) that hold at least one code token, where blank lines, comments and docstrings do not count, and
the lines of its .js files (not viz/assets) that are not blank or // comments. Where sz.py is in the tree, queue.deltas runs it."""
import io, tokenize

CODE = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING, tokenize.OP}

def counted(path: str) -> bool:
  return path.startswith("tinygrad/") and path.endswith((".py", ".js")) and not path.startswith(("tinygrad/runtime/autogen/", "tinygrad/viz/assets/"))

def code_lines(source: str, path: str = "x.py") -> int:
  if path.endswith(".js"): return sum(1 for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("//"))
  lines: set[int] = set()
  prev = tokenize.NEWLINE
  try: toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
  except (tokenize.TokenError, SyntaxError): return sum(1 for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#"))
  for i, t in enumerate(toks):
    nxt = next((n.type for n in toks[i + 1:] if n.type not in (tokenize.COMMENT, tokenize.NL)), tokenize.NEWLINE)
    # a string that is a whole statement on its own is a docstring (or dead literal): not code
    docstring = t.type == tokenize.STRING and prev in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) and nxt == tokenize.NEWLINE
    if t.type in CODE and not docstring: lines.update(range(t.start[0], t.end[0] + 1))
    if t.type not in (tokenize.COMMENT, tokenize.NL): prev = t.type
  return len(lines)
