"""make pr / make pr-check: a patch as an upstream pull request, checked against tinygrad's contributing rules.

  python -m tools.stack.pr PATCH          builds branch pr/<name> in tinygrad/ (pin + dependencies + the patch) and build/pr/<name>/
  python -m tools.stack.pr --all [--fast] checks every patch in patches/series and prints one table; --fast skips the slow checks"""
import argparse, os, re, shlex, shutil, statistics, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from tools.fuzz.triage import introduced
from tools.stack import patches
from tools.stack.queue import deltas, newest_release, release_tree, replay, trailers
from tools.stack.checkout import built_from, is_online
from tools.workbench import BASE_TAG, DEV, ROOT, GitError, WorkbenchError, cli, git, releases, submodule_url

NEEDS_TEST = ("bugfix", "feature", "model", "perf")
MAX_DELTA = 50  # sz.py lines; upstream asks for bigger changes to be split into small clear wins
FETCH = threading.Lock()
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

  @property
  def pr_title(self) -> str:  # upstream marks refactors with no behaviour change with [pr]
    return "[pr] " + self.title if self.meta.get("Kind") == "refactor" and not self.title.startswith("[pr]") else self.title
  @property
  def failed(self) -> bool: return any(c.result == "fail" for c in self.checks)

def touched(patch: Path) -> set[str]:
  out = subprocess.run(["git", "apply", "--numstat", str(patch)], capture_output=True, text=True).stdout
  return {ln.split("\t")[2] for ln in out.splitlines() if ln.count("\t") >= 2}

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
      earlier = [q.stem for q in stack[:stack.index(p)] if q not in links and touched(q) & touched(p)]
      hint = f"it touches the same files as {', '.join(earlier)}: name them in a Depends-On: trailer" if earlier else "refresh it"
      return Check("stands alone", "fail", f"{p.name} does not apply to the pin without the patches before it; {hint}")
    if how == "already upstream": return Check("stands alone", "fail", f"{p.name} changes nothing on the pin: it is already there")
  deps = [p.stem for p in links[:-1]]
  return Check("stands alone", "pass", f"with its dependencies {', '.join(deps)}" if deps else "applies to the pin by itself")

def run_tests(wt: Path, tests: list[str]) -> tuple[bool, str]:
  """Runs test files in the checkout at `wt` (its tinygrad/ shadows the installed one); returns (passed, pytest's summary)."""
  # the workbench's editable install puts its own tinygrad/ checkout on sys.path: drop it, or a file the patch adds (and the
  # tree without the patch lacks) would still be found there
  only_wt = ("import os, sys, pytest; wt = os.getcwd(); sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') == wt or "
             "not os.path.exists(os.path.join(p, 'tinygrad', '__init__.py'))]; sys.exit(pytest.main(sys.argv[1:]))")
  p = subprocess.run([sys.executable, "-c", only_wt, "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests], cwd=wt,
                     capture_output=True, text=True, env={**_env(), "PYTHONPATH": str(wt)})
  lines = [ln.strip("= ") for ln in p.stdout.splitlines() if ln.strip()]
  summary = lines[-1] if lines else p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
  return p.returncode == 0, re.sub(r" in [\d.]+s.*", "", summary)

def _env() -> dict[str, str]:
  # the workbench's Python (with pytest and torch) comes first on PATH, for benchmark commands that say `python`
  return {**os.environ, "DEV": DEV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

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

def check(patch: Path, stack: list[Path], root: Path = ROOT, fast: bool = False) -> Report:
  repo = root / "tinygrad"
  meta = trailers(msg := patches.message(patch))
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
    tests = [f for f in files if f.startswith("test/") and Path(f).name.startswith("test_") and f.endswith(".py") and (wt / f).exists()]
    rep.checks.append(has_test(tests, kind))
    cmd = meta.get("Benchmark") if kind == "perf" and not fast else None
    ok_after, after = run_tests(wt, tests) if tests else (False, "")
    with_s = timed(cmd, wt) if cmd else None
    if tests or cmd: without_fix(wt, tests)
    without_s = timed(cmd, wt) if cmd else None
    if tests:
      ok_before, before = run_tests(wt, tests)
      rep.tests.append((", ".join(tests), before, after))
      rep.checks.append(regression(kind, ok_before, before, ok_after, after))
    if kind == "perf":
      if with_s is not None: rep.bench.append((cmd, without_s, with_s))
      rep.checks.append(benchmark(meta.get("Benchmark"), without_s, with_s))
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
    url = submodule_url(root)
    if url and is_online(url):
      git("fetch", "-q", url, "+HEAD:refs/remotes/upstream/HEAD", cwd=repo)
      targets.append(("upstream HEAD", repo, "refs/remotes/upstream/HEAD"))
  for label, where, rev in targets:
    how, _, port = replay(where, rev, patches.ported(links, version) if version else links)[-1].how.partition(" (")
    result = {"clean": "pass", "3-way": "pass", "already upstream": "warn", "conflict": "warn"}[how]
    why = {"already upstream": f"{label} already contains it: drop it",
           "conflict": f"conflicts with {label}: port it (patches/README.md, Ports) before opening the PR"}
    via = f", as patches/ports/{version}/{links[-1].name}" if port else ""
    out.append(Check(f"applies to {label}", result, why.get(how, f"{how} on {label}") + via))
  return out

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

def body(rep: Report, root: Path = ROOT) -> str:
  text = patches.message(rep.patch).split("\n", 1)[1]
  what = "\n".join(ln for ln in text.strip().splitlines() if not re.match(r"^[A-Z][\w-]*: ", ln)).strip()
  out = [f"# {rep.pr_title}", "", "## Why", "", "<!-- One or two sentences in your own words: why should this be merged? -->", "",
         "## What changed", "", what, ""]
  if len(rep.chain) > 1: out += [f"Depends on {', '.join(p.stem for p in rep.chain[:-1])}: open that first; this branch carries it.", ""]
  out += ["| file | sz.py lines before | after | delta |", "|---|---|---|---|"]
  out += [f"| {f} | {a} | {b} | {b - a:+d} |" if a is not None else f"| {f} | - | - | not counted |" for f, a, b in rep.delta]
  out += [f"| **total** | | | **{sum(b - a for _, a, b in rep.delta if a is not None):+d}** |", "", "## Tests", ""]
  tests = ["| test | without the fix | with the fix |", "|---|---|---|", *(f"| {t} | {b} | {a} |" for t, b, a in rep.tests)]
  out += tests if rep.tests else ["No test."]
  out += ["", f"Run with `DEV={DEV} python -m pytest` on the pin plus this branch, and with its non-test changes reverted.", "",
          "## Parity evidence", ""]
  ev = [f"- parity_tests entries that fail at the pin and pass with this change: {rep.meta['Parity']}"] if "Parity" in rep.meta else []
  for fid in filter(None, (f.strip() for f in rep.meta.get("Fixes", "").split(","))):
    found = root / "build" / "fuzz" / "findings" / fid / "summary.txt"  # the fuzzer's own words, where this machine found it
    ev.append(f"- differential fuzzing against torch: {found.read_text().strip() if found.exists() else fid}")
  out += ev or ["None recorded (add a `Parity:` trailer naming the parity entries this changes)."]
  out += ["", "## Benchmark", ""]
  bench = ["| command | before (s) | after (s) | speedup |", "|---|---|---|---|"]
  bench += [f"| `{c}` | {b:.3f} | {a:.3f} | {b / a:.2f}x |" for c, b, a in rep.bench]
  out += bench if rep.bench else ["Not a perf change: no speedup is claimed."]
  out += ["", "## Checks", "", "| check | result | detail |", "|---|---|---|", *(f"| {c.name} | {c.result} | {c.why} |" for c in rep.checks)]
  out += ["", "## AI use", "", "<!-- Say whether and how AI tools were used for this change: upstream asks every PR to. -->", "AI use: ", ""]
  return "\n".join(out)

def prepare(name: str, root: Path = ROOT) -> Path:
  """Branch pr/<name> in tinygrad/ and build/pr/<name>/ (body.md, the format-patch, the gh command); returns the folder."""
  repo, stack = root / "tinygrad", patches.series(root)
  rep = check(find(name, stack), stack, root)
  for c in rep.checks: print(f"{c.result:>4}  {c.name}: {c.why}")
  if not rep.commits: raise WorkbenchError(f"{rep.patch.name} does not stand alone, so there is no branch to open a PR from")
  branch, rel = f"pr/{rep.patch.stem}", f"build/pr/{rep.patch.stem}"
  out = root / rel
  old = git("rev-parse", "-q", "--verify", f"refs/heads/{branch}", cwd=repo, check=False)
  if old and old != rep.commits[-1]:
    ids = lambda rng: [pid for _, pid, _ in patches.commits(repo, rng)]
    if ids(f"{BASE_TAG}..{old}") != ids(f"{BASE_TAG}..{rep.commits[-1]}"):
      raise WorkbenchError(f"tinygrad/ already has a branch {branch} with other changes: keep them in a patch (`make patches-export`) or delete it "
                           f"with `git -C tinygrad branch -D {branch}`")
  git("branch", "-f", branch, rep.commits[-1], cwd=repo)
  out.parent.mkdir(parents=True, exist_ok=True)
  tmp = Path(tempfile.mkdtemp(prefix=".pr-", dir=out.parent))  # built aside, then swapped in whole
  try:
    (tmp / "body.md").write_text(body(rep, root))
    git("format-patch", "-q", "--no-signature", "-o", str(tmp), f"{BASE_TAG}..{branch}", cwd=repo)
    gh = (f"git -C tinygrad push <your-fork> {branch}\ngh pr create --repo tinygrad/tinygrad --base master --head <your-github-user>:{branch} "
          f"--title {shlex.quote(rep.pr_title)} --body-file {rel}/body.md\n")
    (tmp / "gh-command.sh").write_text(gh)
    ports = list((root / "patches" / "ports").glob(f"*/{rep.patch.name}"))  # upstream is past the pin: the PR is the port
    for p in ports: shutil.copy2(p, tmp / f"port-{p.parent.name}.patch")
    if out.exists(): shutil.rmtree(out)
    tmp.rename(out)
  finally: shutil.rmtree(tmp, ignore_errors=True)
  print(f"\nbranch {branch} in tinygrad/: the pin + {len(rep.commits)} commit(s); wrote {rel}/ (body.md, format-patch, gh-command.sh)")
  if note := offline_base(repo): print(f"note: {note}")
  for p in ports: print(f"note: upstream moved the code this patch touches; open the PR from {rel}/port-{p.parent.name}.patch (am it onto master)")
  print("fill in the Why and AI use sections of body.md, then:\n" + gh)
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
