"""make pr / make pr-check: a patch as an upstream pull request, checked against tinygrad's contributing rules.

  python -m tools.stack.pr PATCH          builds branch pr/<name> in tinygrad/ (pin + dependencies + the patch) and build/pr/<name>/
  python -m tools.stack.pr --all [--fast] checks every patch in patches/series and prints one table; --fast skips the slow checks"""
import argparse, ast, os, re, shlex, shutil, statistics, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path
from tools.fuzz.triage import introduced, release_site
from tools import toolchain
from tools.stack import github, history, patches
from tools.stack.cost import Cost, line, measure
from tools.stack.queue import deltas, newest_release, parity_ids, release_tree, replay, trailers
from tools.stack.checkout import built_from
from tools.workbench import BASE_TAG, DEV, ROOT, GitError, WorkbenchError, cli, git, gitlink, releases, submodule_url

NEEDS_TEST = ("bugfix", "feature", "model", "perf")
MAX_DELTA = 50  # sz.py lines; upstream asks for bigger changes to be split into small clear wins
FETCH = threading.Lock()
NOT_RUN = "not run: nothing fails with the patch"
DOCS = re.compile(r"(^docs/|\.md$|\.rst$|\.txt$)")

@dataclass
class Check:
  name: str
  result: str  # pass, warn, fail
  why: str = ""

@dataclass
class Report:
  patch: Path
  meta: dict[str, str]
  title: str
  chain: list[Path]
  checks: list[Check]
  delta: list[tuple[str, int | None, int | None]]  # file, sz.py lines before, after (None: not counted by sz.py)
  tests: list[tuple[str, str, str]]  # test files, result without the fix, with it
  bench: list[tuple[str, float, float]]  # command, seconds before, after
  commits: list[str]
  upstream: list[tuple[str, str, str]] = field(default_factory=list)  # upstream's own tests for what the patch touches: which, without, with
  torch: list[tuple[str, str, str]] = field(default_factory=list)  # parity sample, tinygrad against torch without the fix, with it
  cost: tuple[str, Cost, Cost] | None = None  # the expression counted, before, after
  own: list[str] = field(default_factory=list)  # the patch's own tests (pytest ids)
  ops: list[str] = field(default_factory=list)  # the Tensor ops it touches
  trace: history.Verdict | str = ""  # what upstream's history says of the bug (make pr only)
  mentions: list[github.Mention] | str = field(default_factory=list)  # upstream PRs and issues on the same ops (make pr only)

  @property
  def pr_title(self) -> str:  # upstream marks refactors with no behaviour change with [pr]
    return "[pr] " + self.title if self.meta.get("Kind") == "refactor" and not self.title.startswith("[pr]") else self.title
  @property
  def failed(self) -> bool: return any(c.result == "fail" for c in self.checks)

def find(name: str, stack: list[Path]) -> Path:
  """A patch by file name, with or without .patch, or by a unique prefix of it."""
  hits = [p for p in stack if name in (p.name, p.stem)] or [p for p in stack if p.name.lower().startswith(name.lower())]
  if len(hits) == 1: return hits[0]
  names = ", ".join(p.stem for p in stack) or "(patches/series is empty)"
  raise WorkbenchError(f"{'no' if not hits else 'more than one'} patch in patches/series matches {name!r}: pick one of {names}")

def chain(patch: Path, stack: list[Path]) -> list[Path]:
  """The patch after everything it names in Depends-On (recursively), in series order."""
  need, todo = {patch}, [patch]
  while todo:
    for dep in filter(None, (d.strip() for d in trailers(patches.message(todo.pop())).get("Depends-On", "").split(","))):
      p = find(dep, stack)
      if stack.index(p) >= stack.index(patch): raise WorkbenchError(f"{patch.name} depends on {p.name}, which comes later in patches/series: reorder")
      if p not in need: need.add(p); todo.append(p)
  return [p for p in stack if p in need]

def apply_chain(wt: Path, links: list[Path], stack: list[Path]) -> Check:
  for p in links:
    try: how = patches.am(wt, p)
    except GitError:
      git("am", "--abort", cwd=wt, check=False)
      earlier = [q.stem for q in stack[:stack.index(p)] if q not in links and patches.touched(q) & patches.touched(p)]
      hint = f"it touches the same files as {', '.join(earlier)}: name them in a Depends-On: trailer" if earlier else "refresh it"
      return Check("stands alone", "fail", f"{p.name} does not apply to the pin without the patches before it; {hint}")
    if how == "already upstream": return Check("stands alone", "fail", f"{p.name} changes nothing on the pin: it is already there")
  deps = [p.stem for p in links[:-1]]
  return Check("stands alone", "pass", f"with its dependencies {', '.join(deps)}" if deps else "applies to the pin by itself")

# pytest in the checkout that is the cwd: the workbench's editable install puts its own tinygrad/ checkout on sys.path, so it is dropped,
# or a file the patch adds (and the tree without the patch lacks) would still be found there
PYTEST_HERE = ("import os, sys, pytest; wt = os.getcwd(); sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') == wt or "
               "not os.path.exists(os.path.join(p, 'tinygrad', '__init__.py'))]; sys.exit(pytest.main(sys.argv[1:]))")

class Run(NamedTuple):
  ok: bool
  summary: str  # pytest's last line
  failed: frozenset[str]  # ids of the tests that failed or errored; the summary itself where pytest listed none (it crashed)

def run_tests(wt: Path, tests: list[str], jobs: bool = False, dev: str | None = None) -> Run:
  """Runs test files in the checkout at `wt` (its tinygrad/ shadows the installed one), on `dev` if given."""
  par = ["-n", str(min(os.cpu_count() or 1, 4))] if jobs else []
  p = subprocess.run([sys.executable, "-c", PYTEST_HERE, "-q", "-rfE", "-p", "no:cacheprovider", "-o", "addopts=", *par, *tests], cwd=wt,
                     capture_output=True, text=True, env={**_env(), "PYTHONPATH": str(wt), **({"DEV": dev} if dev else {})})
  lines = [ln.strip("= ") for ln in p.stdout.splitlines() if ln.strip()]
  summary = re.sub(r" in [\d.]+s.*", "", lines[-1] if lines else p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
  failed = {ln.split(" ", 1)[1].split(" - ", 1)[0] for ln in lines if ln.startswith(("FAILED ", "ERROR "))}
  return Run(p.returncode == 0, summary, frozenset(failed or ({summary} if p.returncode else set())))

def upstream_run(wt: Path, label: str, tests: list[str], dev: str | None, when: str) -> Run:
  """One run of upstream's tests, with a line on stderr when it starts and ends: on PYTHON one takes half an hour."""
  print(f"upstream tests `{label}` {when}: running", file=sys.stderr, flush=True)
  start, run = time.perf_counter(), run_tests(wt, tests, jobs=True, dev=dev)
  print(f"upstream tests `{label}` {when}: {run.summary} ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
  return run

def _env() -> dict[str, str]:
  # the workbench's Python (with pytest and torch) comes first on PATH, for benchmark commands that say `python`
  return {**os.environ, "DEV": backend.get(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

# where a patch's tests, upstream's tests, parity samples and cost run: DEV, or the backend its `Backend:` trailer names (a codegen fix)
backend: ContextVar[str] = ContextVar("backend", default=DEV)

@contextmanager
def on_backend(meta: dict[str, str]):
  token = backend.set(meta.get("Backend", DEV))
  try: yield
  finally: backend.reset(token)

def without_fix(wt: Path, tests: list[str]):
  """Reverts everything but the tests in the checkout, so the tests run against the tree before the fix."""
  diff = subprocess.run(["git", "diff", "--binary", "HEAD~1", "HEAD", "--", ".", *(f":!{t}" for t in tests)], cwd=wt, capture_output=True).stdout
  if diff: subprocess.run(["git", "apply", "-R"], input=diff, cwd=wt, check=True, capture_output=True)

def timed(cmd: str, wt: Path, runs: int = 3) -> float:
  times = []
  for _ in range(runs):
    t = time.perf_counter()
    p = subprocess.run(cmd, shell=True, cwd=wt, capture_output=True, text=True, env={**_env(), "PYTHONPATH": str(wt)})
    if p.returncode != 0:
      raise WorkbenchError(f"the benchmark `{cmd}` failed: {(p.stderr.strip().splitlines() or ['exit ' + str(p.returncode)])[-1]}")
    times.append(time.perf_counter() - t)
  return statistics.median(times)

TENSOR_FILES = re.compile(r"^tinygrad/(tensor\.py|mixin/)")

def tensor_ops(changed: dict[str, set[str]], meta: dict[str, str]) -> list[str]:
  """The Tensor methods the patch changes (`changed`: the functions its hunks in tinygrad/ fall in, by file) and the ops its Parity:
  trailer names."""
  names = {n.rsplit(".", 1)[-1] for f, fns in changed.items() if TENSOR_FILES.match(f) for n in fns}
  names = {n for n in names if not n.startswith("_")}
  names |= {e.split("/")[1] for e in parity_ids(meta)}
  return sorted(names)

def callers(wt: Path, names: set[str]) -> set[str]:
  """The public Tensor methods whose code calls one of `names`: `all` is a prod of bools, so a change to prod needs test_all run too."""
  calls = lambda fn: any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr in names for c in ast.walk(fn))
  return {fn.name for f in [wt / "tinygrad/tensor.py", *sorted((wt / "tinygrad/mixin").glob("*.py"))] if f.exists()
          for fn in ast.walk(ast.parse(f.read_text())) if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_") and calls(fn)} - names

def changed_tests(wt: Path, files: list[str]) -> list[str]:
  """What runs as the patch's own test: a file it adds, whole; in a file it edits (upstream's test_ops.py), the tests it changes, or
  that call a helper it changes (test_ops.py's _test_cmp), also where a subclass in that file inherits them (test_dtype.py's
  TestInt8DType runs TestDType's tests with its DTYPE)."""
  added = set(git("diff", "--name-only", "--diff-filter=A", "HEAD~1", "HEAD", cwd=wt).splitlines())
  changed = patches.changed_functions(wt, "HEAD~1..HEAD", "test/*.py")
  def ids(f: str) -> list[str]:
    classes = [c for c in ast.parse((wt / f).read_text()).body if isinstance(c, ast.ClassDef)]
    def heirs(name: str) -> list[str]:
      return [name] + [h for c in classes if any(isinstance(b, ast.Name) and b.id == name for b in c.bases) for h in heirs(c.name)]
    def tests(cls: str, name: str) -> list[str]:
      if not name.startswith("_"): return [name]  # a test (a function nested in it counts as the test)
      body = next((c.body for c in classes if c.name == cls), [])
      return [t.name for t in body if isinstance(t, ast.FunctionDef) and t.name.startswith("test")
              and any(isinstance(a, ast.Attribute) and a.attr == name for a in ast.walk(t))]
    return sorted({f"{f}::{h}::{t}" if rest else f"{f}::{cls}" for n in changed[f] for cls, *rest in [n.split(".")]
                   for h in (heirs(cls) if rest else [cls]) for t in (tests(cls, rest[0]) if rest else [""])})
  return [t for f in files for t in ([f] if f in added or not changed.get(f) else ids(f))]

def upstream_tests(wt: Path, ops: list[str], own: list[str], changed: dict[str, set[str]]) -> list[tuple[str, list[str]]]:
  """Upstream's own tests for what the patch touches: in test_ops.py the tests of its ops and those it edits; the test files that
  import a module it changes (not tensor.py or mixin/, which every test imports) and the other test files it edits, whole."""
  out, test_ops = [], wt / "test/backend/test_ops.py"
  ids = [t for t in own if t.startswith(f"{test_ops.relative_to(wt)}::")]
  if ops and test_ops.exists():  # test_<op> and test_<op>_<variant>, by exact name: pytest's -k would match any name holding the letters
    tree = ast.parse(test_ops.read_text())
    ids += [f"{test_ops.relative_to(wt)}::{c.name}::{f.name}" for c in tree.body if isinstance(c, ast.ClassDef) for f in c.body
            if isinstance(f, ast.FunctionDef) and any(re.fullmatch(rf"test_{re.escape(op)}(_\w+)?", f.name) for op in ops)]
  if ids := sorted(set(ids)): out.append((f"test/backend/test_ops.py: {', '.join(i.rsplit('::', 1)[1] for i in ids)}", ids))
  modules = [f.removesuffix(".py").replace("/", ".") for f in changed
             if not TENSOR_FILES.match(f) and not f.endswith("__init__.py")]
  users = {str(t.relative_to(wt)) for d in ("test/null", "test/unit", "test/backend") for t in (wt / d).glob("test_*.py")
           if any(re.search(rf"\b{re.escape(m)}\b", t.read_text(errors="replace")) for m in modules)}
  if users := sorted(users | {t.split("::")[0] for t in own} - {"test/backend/test_ops.py"}): out.append((" ".join(users), users))
  return out

def on_every_backend(runs: list[tuple[str, list[str]]], meta: dict[str, str]) -> list[tuple[str, list[str], str | None]]:
  """Upstream's tests on DEV, then on every other CPU backend that runs here: the backends share the patch's code up to codegen, where
  a change can break one of them only (a compare rewritten for nan broke DEV=CPU:X86's isel). A `Backend:` patch runs on its own."""
  others = [] if "Backend" in meta else [b for b in toolchain.runnable() if b != backend.get()]
  return [(label, t, None) for label, t in runs] + [(f"{label} on DEV={dev}", t, dev) for dev in others for label, t in runs]

def upstream_check(runs: list[tuple[str, str, str]], new: dict[str, list[str]]) -> Check:
  """`new`: by run, the tests that fail with the patch and not without it. Counts alone would hide a test the patch breaks behind its own
  test, which fails without it in the same file."""
  if not runs: return Check("upstream tests", "pass", "none found for what the patch touches")
  if new := {label: ids for label, ids in new.items() if ids}:
    return Check("upstream tests", "fail", "fail only with the patch: " + "; ".join(f"{label}: {', '.join(ids)}" for label, ids in new.items()))
  return Check("upstream tests", "pass", "; ".join(f"{label}: {compared(before, after)}" for label, before, after in runs))

def compared(before: str, after: str) -> str: return f"{after} with the patch" + ("" if before == NOT_RUN else f", {before} without")

def counted(expr: str, wt: Path) -> Cost | str:
  try: return measure(expr, wt, _env())
  except WorkbenchError as e: return str(e)

def cost_check(expr: str | None, measured: tuple[str, Cost, Cost] | None, error) -> Check:
  if measured: return Check("cost", "pass", f"`{expr}`: {line(*measured[1:])}")
  return Check("cost", "warn", error if isinstance(error, str) else "no Tensor op touched: name an expression in a `Cost:` trailer")

PARITY = """import sys
sys.path.insert(0, sys.argv[1])
from tools.parity.ops import OPS
from tools.parity.run import run
for sid in sys.argv[2:]:
  family, name, sample = sid.split("/", 2)
  op = next((o for o in OPS if o.name == name and o.family == family), None)
  s = next((s for s in op.samples if s.id == sample), None) if op else None
  out = run(op, s, f"parity_tests/test_ops.py::test_parity[{sid}]") if s else None
  print("not in the registry" if out is None else "; ".join(out.failures)[:200] or "matches torch")
"""

def against_torch(wt: Path, samples: list[str]) -> list[str]:
  """Each parity sample (family/op/sample) run on the tinygrad in `wt`: 'matches torch', or how it differs."""
  if not samples: return []
  p = subprocess.run([sys.executable, "-c", PARITY, str(wt), *samples], cwd=ROOT, capture_output=True, text=True, env=_env())
  return p.stdout.splitlines() if p.returncode == 0 else [f"cannot run: {(p.stderr.strip().splitlines() or ['?'])[-1]}"] * len(samples)

def check(patch: Path, stack: list[Path], root: Path = ROOT, fast: bool = False) -> Report:
  meta = trailers(msg := patches.message(patch))
  with on_backend(meta): return _check(patch, stack, root, fast, msg, meta)

def _check(patch: Path, stack: list[Path], root: Path, fast: bool, msg: str, meta: dict[str, str]) -> Report:
  repo = root / "tinygrad"
  kind, title = meta.get("Kind", "?"), msg.split("\n", 1)[0]
  links = chain(patch, stack)
  rep = Report(patch, meta, title, links, [], [], [], [], [])
  with patches.worktree(repo, BASE_TAG) as wt:
    rep.checks.append(alone := apply_chain(wt, links, stack))
    if alone.result == "fail": return rep
    rep.commits = git("rev-list", "--reverse", f"{BASE_TAG}..HEAD", cwd=wt).split()
    rep.delta = deltas(wt, "HEAD~1", "HEAD")
    files = [f for f, _, _ in rep.delta]
    total = sum(b - a for _, a, b in rep.delta if a is not None)
    rep.checks.append(Check("line delta", "warn" if total > MAX_DELTA else "pass",
                            f"{total:+d} lines (sz.py)" + (f": over {MAX_DELTA}, split it into smaller wins" if total > MAX_DELTA else "")))
    rep.checks.append(lint(wt, files))
    ws = git("diff", "--check", "HEAD~1", "HEAD", cwd=wt, check=False)
    rep.checks.append(Check("git diff --check", "fail" if ws else "pass", ws.splitlines()[0] if ws else "no whitespace errors or conflict markers"))
    rep.checks.append(scope(wt, files, kind))
    test_files = [f for f in files if f.startswith("test/") and Path(f).name.startswith("test_") and f.endswith(".py") and (wt / f).exists()]
    rep.checks.append(has_test(test_files, kind))
    tests = rep.own = changed_tests(wt, test_files)
    cmd = meta.get("Benchmark") if kind == "perf" and not fast else None
    changed = patches.changed_functions(wt, "HEAD~1..HEAD")
    ops, upstream, samples = tensor_ops(changed, meta), [], []
    rep.ops = ops
    expr = meta.get("Cost") or (f"x.{ops[0]}" if ops else None)
    if not fast:
      upstream, samples = on_every_backend(upstream_tests(wt, sorted({*ops, *callers(wt, set(ops))}), tests, changed), meta), parity_ids(meta)
    ok_after, after, _ = run_tests(wt, tests) if tests else (False, "", None)
    with_s = timed(cmd, wt) if cmd else None
    up_after = [upstream_run(wt, label, t, dev, "with the patch") for label, t, dev in upstream]
    torch_after, cost_after = against_torch(wt, samples), counted(expr, wt) if expr and not fast else None
    if tests or cmd or upstream or samples or cost_after: without_fix(wt, test_files)
    without_s = timed(cmd, wt) if cmd else None
    if tests:
      ok_before, before, _ = run_tests(wt, tests)
      rep.tests.append((", ".join(tests), before, after))
      rep.checks.append(regression(kind, ok_before, before, ok_after, after))
    # without the patch only where something fails with it: on every backend, these runs were most of a codegen patch's hour
    up_before = [upstream_run(wt, label, t, dev, "without it") if not a.ok else None for (label, t, dev), a in zip(upstream, up_after)]
    rep.upstream = [(label, b.summary if b else NOT_RUN, a.summary) for (label, _, _), b, a in zip(upstream, up_before, up_after)]
    rep.torch = [(sid, b, a) for sid, b, a in zip(samples, against_torch(wt, samples), torch_after)]
    if not fast: rep.checks.append(upstream_check(rep.upstream, {label: sorted(a.failed - b.failed) for (label, _, _), b, a in
                                                                 zip(upstream, up_before, up_after) if b}))
    if kind == "perf":
      if with_s is not None: rep.bench.append((cmd, without_s, with_s))
      rep.checks.append(benchmark(meta.get("Benchmark"), without_s, with_s))
    cost_before = counted(expr, wt) if isinstance(cost_after, Cost) else cost_after
    if isinstance(cost_before, Cost): rep.cost = (expr, cost_before, cost_after)
    if not fast and kind in ("bugfix", "perf", "refactor"): rep.checks.append(cost_check(expr, rep.cost, cost_before))
  if not fast: rep.checks.extend(newest(links, repo, root))
  rep.checks.append(regressions(patch, root))
  return rep

def regressions(patch: Path, root: Path) -> Check:
  if found := introduced(root).get(patch.name):
    return Check("introduces no finding", "fail", f"`make fuzz-triage` bisected {', '.join(found)} to it: they pass without the stack")
  return Check("introduces no finding", "pass", "no finding of the last `make fuzz-triage` was bisected to it")

def has_test(tests: list[str], kind: str) -> Check:
  if tests: return Check("adds a test", "pass", ", ".join(tests))
  if kind in NEEDS_TEST: return Check("adds a test", "fail", f"a {kind} patch must add or change a test under test/")
  return Check("adds a test", "pass", f"kind {kind}: no test needed")

def regression(kind: str, ok_before: bool, before: str, ok_after: bool, after: str) -> Check:
  name = "fails before, passes after"
  if not ok_after: return Check(name, "fail", f"the test fails with the fix: {after}")
  if ok_before and kind in ("bugfix", "feature", "model"):
    return Check(name, "fail", f"the test passes without the fix too ({before}): it does not catch the bug")
  return Check(name, "pass", f"without the fix: {before}; with it: {after}")

def benchmark(cmd: str | None, without_s: float | None, with_s: float | None) -> Check:
  if not cmd: return Check("benchmark", "fail", "a perf patch must name its benchmark in a `Benchmark: <command>` trailer")
  if with_s is None: return Check("benchmark", "pass", f"`{cmd}` (not run: --fast)")
  return Check("benchmark", "pass" if with_s < without_s else "warn", f"{without_s / with_s:.2f}x ({without_s:.3f}s -> {with_s:.3f}s)")

def lint(wt: Path, files: list[str]) -> Check:
  py = [f for f in files if f.endswith(".py") and (wt / f).exists()]
  if not py: return Check("ruff", "pass", "no Python files changed")
  p = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--force-exclude", "--output-format", "concise", *py], cwd=wt,
                     capture_output=True, text=True)
  errs = [ln for ln in p.stdout.splitlines() if re.match(r"\S+:\d+:\d+: ", ln)]
  return Check("ruff", "fail" if p.returncode else "pass", f"{len(errs)} error(s), first: {errs[0]}" if errs else
               p.stderr.strip()[:200] if p.returncode else "clean with tinygrad's ruff config")

def scope(wt: Path, files: list[str], kind: str) -> Check:
  if all(DOCS.search(f) for f in files): return Check("scope", "fail", "docs-only change: upstream does not take docs or whitespace changes")
  if not git("diff", "-w", "--ignore-blank-lines", "HEAD~1", "HEAD", cwd=wt): return Check("scope", "fail", "whitespace-only change")
  # new example files are what a model or feature patch is for; any other change outside tinygrad/ and test/ is suspect
  examples = {f for f in git("diff", "--name-only", "--diff-filter=A", "HEAD~1", "HEAD", cwd=wt).splitlines()
              if kind in ("model", "feature") and f.startswith(("examples/", "extra/"))}
  outside = [f for f in files if not f.startswith(("tinygrad/", "test/")) and f not in examples]
  if outside: return Check("scope", "warn", f"changes outside tinygrad/ and test/: {', '.join(outside)} (upstream leaves those alone unless broken)")
  return Check("scope", "pass", "tinygrad/, test/ and new example files" if examples else "tinygrad/ and test/ only")

def newest(links: list[Path], repo: Path, root: Path) -> list[Check]:
  """How the patch applies to the newest release (offline stand-in for upstream) and, when reachable, to upstream master.
  A port in patches/ports/<newest release>/ stands in for a patch there, and upstream is newer still, so it does there too."""
  out, version = [], newest_release(root) if releases(root) else None
  with FETCH:  # patches are checked side by side, but they share the release's scratch repo and the upstream ref
    targets = [(f"tinygrad {version}", *release_tree(version, root))] if version else []
    if head := history.upstream_head(repo, submodule_url(root)): targets.append(("upstream HEAD", repo, head))
  for label, where, rev in targets:
    how, _, notes = replay(where, rev, patches.ported(links, version) if version else links)[-1].how.partition(" (")
    result = {"clean": "pass", "3-way": "pass", "already upstream": "warn", "conflict": "warn"}[how]
    why = {"already upstream": f"{label} already contains it: drop it",
           "conflict": f"conflicts with {label}: port it (patches/README.md, Ports) before opening the PR"}
    via = f", as patches/ports/{version}/{links[-1].name}" if "port for" in notes else ""
    code = f", its code only: the sdist of {label} has no {notes.split('has no ')[1].rstrip(')')}" if "code only" in notes else ""
    out.append(Check(f"applies to {label}", result, why.get(how, f"{how} on {label}") + via + code))
  return out

def repro(patch: Path, tests: list[str]) -> str:
  """The patch's own tests as a repro for tools/stack/history.py: its test changes applied to the commit at hand, those tests run, and
  the checkout put back. A commit the test changes do not apply to, or where pytest cannot run them, is skipped (125)."""
  run = shlex.join([sys.executable, "-c", PYTEST_HERE, "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests])
  return (f"git apply --3way --include='test/*' {shlex.quote(str(patch))} >/dev/null 2>&1 || {{ git reset -q --hard; exit 125; }}; {run}; "
          "rc=$?; git reset -q --hard; git clean -qfd -- test; [ $rc -le 1 ] && exit $rc; exit 125")

def along_upstream(rep: Report, root: Path, head: str | None) -> history.Verdict | str:
  """Online, the patch's tests traced along upstream's history (fixed upstream by, or introduced by, a commit). Offline, its Parity:
  samples on the newest release here, which is all there is to check."""
  if head: return history.trace(root / "tinygrad", gitlink(root), head, repro(rep.patch, rep.own), _env()) if rep.own else \
    "it has no test of its own to trace along upstream's history"
  offline = "offline: upstream's history is out of reach, so only the releases here were checked"
  if not releases(root): return f"{offline}, and none is known"
  version, samples = newest_release(root), parity_ids(rep.meta)
  if not samples: return f"{offline}: it names no Parity: samples to run on tinygrad {version}, whose sdist has no tests"
  results = against_torch(release_site(version), samples)
  state = "fixed" if all(r == "matches torch" for r in results) else "still there"
  return f"{offline}: the bug is at the pin and {state} in tinygrad {version} (its {len(samples)} Parity: sample(s) against torch)"

def offline_base(repo: Path) -> str | None:
  """Why pr/ branches cannot be pushed as they are, or None: offline, the base is a local commit built from a release tarball."""
  up = built_from(repo, base := git("rev-parse", f"{BASE_TAG}^{{commit}}", cwd=repo))
  source = git("log", "-1", "--format=%s", base, cwd=repo).split(", from ", 1)[-1]  # "the PyPI release sdist" or "upstream's source archive"
  return (f"tinygrad/ was built offline from {source}, so pr/ branches sit on a local commit that stands for upstream {up[:12]}: "
          "run `make sync` with GitHub reachable, then `make pr` again, before pushing") if up else None

def cell(c: Check | None) -> str: return "-" if c is None else "**fail**" if c.result == "fail" else c.result

def table(reports: list[Report]) -> str:
  names = list(dict.fromkeys(c.name for r in reports for c in r.checks))
  rows = ["| patch | kind | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
  for r in reports:
    by = {c.name: c for c in r.checks}
    rows.append(f"| {r.patch.stem} | {r.meta.get('Kind', '?')} | " + " | ".join(cell(by.get(n)) for n in names) + " |")
  notes = [f"- {r.patch.stem}: {c.name}: {c.result}: {c.why}" for r in reports for c in r.checks if c.result != "pass"]
  return "\n".join(rows + ([""] + notes if notes else []))

def facts(rep: Report, root: Path = ROOT) -> str:
  """The numbers a PR body can quote, kept beside it: the author writes the body, the tool only measures."""
  out = [f"# Facts for: {rep.pr_title}", ""]
  if rep.trace or rep.mentions:
    out += ["## Upstream", "", f"History: {rep.trace}", ""]
    if isinstance(rep.mentions, str): out += [f"PRs and issues: {rep.mentions}", ""]
    else: out += [f"PRs and issues that mention {', '.join(search_terms(rep))}: read them before opening this one", "",
                  *(f"- {m}" for m in rep.mentions or ["none"]), ""]
  if rep.torch:
    out += ["## Against torch, on the pin without and with the change", "", "| sample | without | with |", "|---|---|---|"]
    out += [f"| {sid} | {b} | {a} |" for sid, b, a in rep.torch] + [""]
  if rep.tests:
    out += ["## The patch's test", "", "| test | without the fix | with the fix |", "|---|---|---|"]
    out += [f"| {t} | {b} | {a} |" for t, b, a in rep.tests] + [""]
  if rep.upstream:
    out += ["## Upstream's own tests for what it touches", "", "| tests | without | with |", "|---|---|---|"]
    out += [f"| `{label}` | {b} | {a} |" for label, b, a in rep.upstream] + [""]
  if rep.cost:
    expr, before, after = rep.cost
    out += ["## Cost", "", f"{line(before, after)}, counted for `{expr}` on 16x16 float32 (forward and backward) with "
                           f"DEV={rep.meta.get('Backend', DEV)}.", "",
            "| | kernels | uops per kernel | ops | bytes |", "|---|---|---|---|---|"]
    for n, c in (("before", before), ("after", after)):
      out.append(f"| {n} | {len(c.kernels)} | {', '.join(str(u) for _, u in c.kernels)} | {c.ops} | {c.mem} |")
    out += [""]
  if rep.bench:
    out += ["## Benchmark", "", "| command | before (s) | after (s) | speedup |", "|---|---|---|---|"]
    out += [f"| `{c}` | {b:.3f} | {a:.3f} | {b / a:.2f}x |" for c, b, a in rep.bench] + [""]
  out += ["## Lines (sz.py)", "", "| file | before | after | delta |", "|---|---|---|---|"]
  out += [f"| {f} | {a} | {b} | {b - a:+d} |" if a is not None else f"| {f} | - | - | not counted |" for f, a, b in rep.delta]
  out += ["", "## Checks", "", "| check | result | detail |", "|---|---|---|", *(f"| {c.name} | {c.result} | {c.why} |" for c in rep.checks)]
  return "\n".join(out) + "\n"

BODY = """# {title}

<!-- The why, in 2-5 lines of your own words: the mechanism, the fix, what the old tests missed. Quote numbers from facts.md. -->

AI use: <!-- whether and how AI tools were used for this change; upstream asks every PR to say -->
"""
INTERNAL = re.compile(r"\b[a-z0-9_]+-[0-9a-f]{8}\b|workbench|parity_tests|build/|patches/|\b(Parity|Fixes|Kind|Upstream-Status):", re.I)

def unready(body: str) -> list[str]:
  """What keeps body.md from going upstream: the author's why (2-5 lines), the AI-use line, a short lowercase title, no internal ids."""
  text = re.sub(r"<!--.*?-->", "", body, flags=re.S)
  lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
  title = lines[0].removeprefix("# ").strip() if lines and lines[0].startswith("# ") else ""
  ai = next((ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("ai use:")), "")
  why = [ln for ln in lines[1:] if not ln.lower().startswith("ai use:")]
  out = [] if 2 <= len(why) <= 5 else [f"write the why in 2-5 lines of your own (it has {len(why)})"]
  if not ai: out.append("fill in the AI use line")
  if not title or not re.match(r"^(\[pr\] )?[a-z]", title) or len(title) > 60:
    out.append(f"make the title short and lowercase, like 'fix <op> <what>' (it is {title!r})")
  if leaks := sorted({m.group(0) for m in INTERNAL.finditer(text)}): out.append(f"take out what only this tool knows: {', '.join(leaks)}")
  return out

def cites(body: str, commit: str) -> bool:
  return any(commit.startswith(h) for h in re.findall(r"\b[0-9a-f]{7,40}\b", body))

def search_terms(rep: Report) -> list[str]:
  """What to look for upstream: the Tensor ops the patch touches, or its title when it touches none (a codegen fix)."""
  return rep.ops or [rep.title]

def author(repo: Path) -> dict[str, str] | None:
  """The user's identity from git config, for the PR's commit; None when it is unset."""
  name, email = (git("config", k, cwd=repo, check=False) for k in ("user.name", "user.email"))
  return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email} if name and email else None

def upstream_commit(repo: Path, commit: str, who: dict[str, str] | None) -> str:
  """The patch's commit as it goes upstream: its title and body without the workbench's trailers, authored by the user."""
  msg = git("log", "-1", "--format=%B", commit, cwd=repo)
  msg = "\n".join(ln for ln in msg.splitlines() if not re.match(r"^[A-Z][\w-]*: ", ln)).strip() + "\n"
  keep = {f"GIT_{r}_{k}": git("log", "-1", f"--format=%{c}{f}", commit, cwd=repo) for r, c in (("AUTHOR", "a"), ("COMMITTER", "c"))
          for k, f in (("NAME", "n"), ("EMAIL", "e"))}
  tree, parent = git("rev-parse", f"{commit}^{{tree}}", f"{commit}~1", cwd=repo).split()
  return git("commit-tree", tree, "-p", parent, "-m", msg, cwd=repo, env=who or keep)

def model_only(rep: Report) -> bool:
  return rep.meta.get("Kind") == "model" or (bool(rep.delta) and all(f.startswith(("extra/", "examples/", "test/")) for f, _, _ in rep.delta))

def prepare(name: str, root: Path = ROOT) -> Path:
  """Branch pr/<name> in tinygrad/ and build/pr/<name>/: facts.md, the format-patch, body.md for the author to write, and, once
  body.md is ready, the gh command. Returns the folder."""
  repo, stack = root / "tinygrad", patches.series(root)
  rep = check(find(name, stack), stack, root)
  for c in rep.checks: print(f"{c.result:>4}  {c.name}: {c.why}")
  head = history.upstream_head(repo, submodule_url(root))
  rep.mentions = github.mentions(search_terms(rep), online=head is not None)
  with on_backend(rep.meta): rep.trace = "" if model_only(rep) else along_upstream(rep, root, head)
  if not rep.commits: raise WorkbenchError(f"{rep.patch.name} does not stand alone, so there is no branch to open a PR from")
  branch, rel = f"pr/{rep.patch.stem}", f"build/pr/{rep.patch.stem}"
  out = root / rel
  who = author(repo)
  tip = upstream_commit(repo, rep.commits[-1], who)
  old = git("rev-parse", "-q", "--verify", f"refs/heads/{branch}", cwd=repo, check=False)
  if old and old != tip:
    ids = lambda rng: [pid for _, pid, _ in patches.commits(repo, rng)]
    if ids(f"{BASE_TAG}..{old}") != ids(f"{BASE_TAG}..{tip}"):
      raise WorkbenchError(f"tinygrad/ already has a branch {branch} with other changes: keep them in a patch (`make patches-export`) or delete it "
                           f"with `git -C tinygrad branch -D {branch}`")
  git("branch", "-f", branch, tip, cwd=repo)
  out.parent.mkdir(parents=True, exist_ok=True)
  body = out / "body.md"
  text = body.read_text() if body.exists() else BODY.format(title=rep.pr_title)  # the author's words are never overwritten
  tmp = Path(tempfile.mkdtemp(prefix=".pr-", dir=out.parent))  # built aside, then swapped in whole
  try:
    (tmp / "body.md").write_text(text)
    (tmp / "facts.md").write_text(facts(rep, root))
    git("format-patch", "-q", "--no-signature", "-o", str(tmp), f"{BASE_TAG}..{branch}", cwd=repo)
    ports = list((root / "patches" / "ports").glob(f"*/{rep.patch.name}"))  # upstream is past the pin: the PR is the port
    for p in ports: shutil.copy2(p, tmp / f"port-{p.parent.name}.patch")
    problems = unready(text) + ([] if who else ["set your name for the commit: git config --global user.name 'Your Name' and user.email"])
    if isinstance(rep.trace, history.Verdict) and rep.trace.kind == "introduced" and rep.trace.commit and not cites(text, rep.trace.commit):
      problems.append(f"it fixes a regression: cite the commit that introduced it, {history.title(repo, rep.trace.commit)}")
    title = text.split("\n", 1)[0].removeprefix("# ").strip()
    gh = (f"git -C tinygrad push <your-fork> {branch}\ngh pr create --repo tinygrad/tinygrad --base master --head <your-github-user>:{branch} "
          f"--title {shlex.quote(title)} --body-file {rel}/body.md\n")
    if not problems: (tmp / "gh-command.sh").write_text(gh)
    if out.exists(): shutil.rmtree(out)
    tmp.rename(out)
  finally: shutil.rmtree(tmp, ignore_errors=True)
  print(f"\nbranch {branch} in tinygrad/: the pin + {len(rep.commits)} commit(s), the last by "
        f"{git('log', '-1', '--format=%an <%ae>', branch, cwd=repo)}; wrote {rel}/ (facts.md, body.md, format-patch)")
  if rep.cost: print(f"cost: {line(*rep.cost[1:])}")
  if rep.trace: print(f"upstream history: {rep.trace}")
  if isinstance(rep.mentions, str): print(f"upstream PRs and issues: {rep.mentions}")
  elif rep.mentions:
    print(f"upstream PRs and issues that mention {', '.join(search_terms(rep))}: read them before opening this one")
    for m in rep.mentions: print(f"  {m}")
  for label, b, a in rep.upstream: print(f"upstream tests `{label}`: {compared(b, a)}")
  if not who: print("note: git config user.name/user.email is unset, so the commit keeps the stack's author")
  if note := offline_base(repo): print(f"note: {note}")
  for p in ports: print(f"note: upstream moved the code this patch touches; open the PR from {rel}/port-{p.parent.name}.patch (am it onto master)")
  if model_only(rep):
    fixes = [p.stem for p in stack if trailers(patches.message(p)).get("Kind") == "bugfix"]
    print("note: this patch only adds example code; upstream leaves code outside tinygrad/ alone unless it is broken, so it is unlikely to "
          "take it. The core bugs are what upstream wants: " + (", ".join(f"make pr PATCH={f}" for f in fixes) or "none in the stack yet"))
  if problems:
    print(f"not ready to open: write {rel}/body.md yourself, then run make pr again:\n" + "\n".join(f"- {p}" for p in problems))
  else: print("body.md is ready:\n" + gh)
  return out

def main():
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("patch", nargs="?")
  ap.add_argument("--all", action="store_true", help="check every patch in patches/series")
  ap.add_argument("--fast", action="store_true", help="skip the newest-release check and benchmarks")
  args = ap.parse_args()
  if not args.all:
    if not args.patch: raise WorkbenchError("name a patch: `make pr PATCH=<name>` (see patches/series), or check them all with `make pr-check`")
    return prepare(args.patch)
  stack = patches.series(ROOT)
  def one(p: Path) -> Report:
    rep = check(p, stack, fast=args.fast)
    print(f"checked {p.stem}: {'FAIL' if rep.failed else 'ok'}", file=sys.stderr, flush=True)
    return rep
  # each patch is checked in its own scratch worktree, so they can run side by side
  with ThreadPoolExecutor(os.cpu_count()) as pool: reports = list(pool.map(one, stack))
  print(table(reports))
  if note := offline_base(ROOT / "tinygrad"): print(f"\nnote: {note}")
  if failed := [r.patch.stem for r in reports if r.failed]: raise WorkbenchError(f"{len(failed)} patch(es) fail a hard check: {', '.join(failed)}")

if __name__ == "__main__": cli(main)
