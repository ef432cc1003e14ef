"""The patch queue: export the workbench branch back into patches/, start a new patch, and report how each patch applies.

  python -m tools.stack.queue export | new NAME | status [--release V] | check --release V"""
import argparse, json, re, shutil, subprocess, sys, tempfile
from dataclasses import dataclass, field
from pathlib import Path
from tools.stack import patches, sdist
from tools.stack.linecount import code_lines, counted
from tools.stack.checkout import write_stamp
from tools.workbench import BASE_TAG, BRANCH, CACHE, ROOT, GitError, WorkbenchError, cli, git, gitlink, release, releases

KINDS = ("bugfix", "feature", "model", "test", "refactor", "perf")
# byte-stable: no diffstat, no signature, zero commit id, full blob ids (so 3-way merges find the preimage)
FORMAT = ["format-patch", "--no-stat", "--no-signature", "--zero-commit", "--full-index", "--no-numbered", "--no-renames"]

def export(root: Path = ROOT) -> list[str]:
  """Writes base..HEAD of tinygrad/ as patches/ and patches/series. The new folder is built aside and swapped in whole."""
  repo = root / "tinygrad"
  if why := patches.uncommitted(repo): raise WorkbenchError(why)
  commits = git("rev-list", "--reverse", f"{BASE_TAG}..HEAD", cwd=repo).split()
  for c in commits:
    if not git("diff-tree", "--no-commit-id", "-r", "--name-only", c, cwd=repo):
      raise WorkbenchError(f"commit {c[:12]} {git('log', '-1', '--format=%s', c, cwd=repo)!r} is empty: amend your change into it "
                           "(`git -C tinygrad commit --amend -a`) or drop it")
  old = root / "patches"
  new = Path(tempfile.mkdtemp(prefix=".patches-new-", dir=root))
  try:
    for f in old.iterdir() if old.exists() else []:
      if f.is_dir(): shutil.copytree(f, new / f.name)  # ports/ and anything else kept beside the stack
      elif f.suffix != ".patch" and f.name != "series": shutil.copy2(f, new / f.name)
    names = []
    for c in commits:
      out = Path(git(*FORMAT, "-1", "-o", str(new), c, cwd=repo))
      name = re.sub(r"^\d{4}-", "", out.name)
      while name in names: name = name.removesuffix(".patch") + "-1.patch"
      out.rename(new / name)
      names.append(name)
    header = [ln for ln in (old / "series").read_text().splitlines() if ln.startswith("#")] if (old / "series").exists() else []
    (new / "series").write_text("".join(ln + "\n" for ln in header + names))
    for n in names: patches.validate(new / n)
    stale = old.with_name(".patches-old")
    if old.exists(): old.rename(stale)
    new.rename(old)
    shutil.rmtree(stale, ignore_errors=True)
  finally: shutil.rmtree(new, ignore_errors=True)
  # the exported stack is what tinygrad/ holds now, so the next `make sync` has nothing to do
  write_stamp(repo, gitlink(root), patches.series(root))
  return names

def new_patch(name: str, root: Path = ROOT):
  repo = root / "tinygrad"
  if why := patches.local_work(repo, root / "patches"): raise WorkbenchError(why)
  if git("branch", "--show-current", cwd=repo) != BRANCH: raise WorkbenchError(f"tinygrad/ is not on the {BRANCH} branch: run `make sync` first")
  body = "Kind: bugfix\nUpstream-Status: pending\nTests: test/\n"
  me = {} if git("config", "user.name", cwd=repo, check=False) else {"GIT_AUTHOR_NAME": "tinygrad workbench",
                                                                     "GIT_AUTHOR_EMAIL": "workbench@localhost"}
  git("commit", "-q", "--allow-empty", "-m", name, "-m", body, cwd=repo, env=me)
  print(f"started {name!r} on top of the stack. Edit tinygrad/, then `git -C tinygrad commit --amend -a` (fix the trailers: Kind is one of "
        f"{', '.join(KINDS)}), then `make patches-export`.")

def trailers(message: str) -> dict[str, str]:
  out = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True).stdout
  return {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in out.splitlines())}

def parity_ids(meta: dict[str, str]) -> list[str]:
  """The Parity: trailer's sample ids (family/op/sample), separated by ", " or spaces: an id may hold a comma (float32[3,4])."""
  return [e for e in re.split(r",?\s+", meta.get("Parity", "").strip()) if e.count("/") >= 2]

@dataclass
class Applied:
  name: str
  how: str  # clean, 3-way, already upstream, conflict
  files: list[str] = field(default_factory=list)
  delta: int | None = None
  tests: list[str] = field(default_factory=list)
  meta: dict[str, str] = field(default_factory=dict)

def replay(repo: Path, base: str, paths: list[Path]) -> list[Applied]:
  """Applies the patches one by one onto `base` in a scratch worktree of `repo`, and says how each went. A patch that
  conflicts is skipped, so the ones after it are still tried. The repo's own work tree and branches are not touched."""
  results = []
  with patches.worktree(repo, base) as wt:
    for p in paths:
      before = git("rev-parse", "HEAD", cwd=wt)
      # a release built from its sdist has no test suite (only test/test_tiny.py): a test added to one of its files is left out there
      code_only = tuple(f for f in patches.edited(p) if f.startswith("test/") and not (wt / f).exists())
      try: how = patches.am(wt, p, code_only)
      except GitError:
        git("am", "--abort", cwd=wt, check=False)
        how = "conflict"
      notes = [f"port for {p.parent.name}"] * (p.parent.parent.name == "ports")
      if code_only: notes.append(f"code only: this tree has no {', '.join(code_only)}")
      if notes: how += f" ({'; '.join(notes)})"
      if how.startswith(("conflict", "already upstream")):
        results.append(Applied(p.name, how))
        continue
      files = deltas(wt, before, "HEAD")
      delta = sum(b - a for _, a, b in files if a is not None)
      results.append(Applied(p.name, how, [f for f, _, _ in files], delta, [f for f, _, _ in files if f.startswith("test/")],
                             trailers(git("log", "-1", "--format=%B", "HEAD", cwd=wt))))
  return results

def deltas(repo: Path, before: str, after: str) -> list[tuple[str, int | None, int | None]]:
  """Each file changed between two commits, with its sz.py line count before and after (None for files sz.py skips). The counts come
  from upstream's own sz.py where the tree has it, as upstream's bot counts them; from tools/stack/linecount.py where it does not."""
  files = git("diff", "--name-only", before, after, cwd=repo).splitlines()
  if git("cat-file", "-t", f"{after}:sz.py", cwd=repo, check=False) == "blob":
    old, new = sz_stats(repo, before), sz_stats(repo, after)
    return [(f, old.get(f, 0), new.get(f, 0)) if counted(f) else (f, None, None) for f in files]
  show = lambda rev, f: git("show", f"{rev}:{f}", cwd=repo, check=False)
  return [(f, code_lines(show(before, f), f), code_lines(show(after, f), f)) if counted(f) else (f, None, None) for f in files]

def sz_stats(repo: Path, rev: str) -> dict[str, int]:
  """file -> lines, from gen_stats() of the sz.py in `rev`'s tree, run on that tree (it imports tinygrad and tabulate)."""
  code = "import json, runpy; print(json.dumps({f: n for f, n, _ in runpy.run_path('sz.py')['gen_stats']('.')}))"
  with patches.worktree(repo, rev) as wt:
    p = subprocess.run([sys.executable, "-c", code], cwd=wt, capture_output=True, text=True)
  if p.returncode: raise WorkbenchError(f"upstream's sz.py failed on {rev[:12]}: {(p.stderr.strip().splitlines() or ['no output'])[-1]}")
  return json.loads(p.stdout)

def release_tree(version: str, root: Path = ROOT) -> tuple[Path, str]:
  """A scratch repo holding `version`'s release tree (sha256-checked sdist) plus tinygrad/'s objects, so 3-way merges work."""
  rel = release(version, root)
  scratch = CACHE / "trees" / version
  if not (scratch / ".git").exists():
    scratch.mkdir(parents=True, exist_ok=True)
    git("init", "-q", str(scratch), cwd=scratch.parent)
  # the pin's and the stack's blobs: git am --3way needs each patch's preimage to merge it onto the release
  git("fetch", "-q", str(root / "tinygrad"), f"+refs/tags/{BASE_TAG}:refs/tags/pin-base", f"+refs/heads/{BRANCH}:refs/heads/stack", cwd=scratch)
  tip = git("rev-parse", "-q", "--verify", "refs/tags/release^{commit}", cwd=scratch, check=False)
  if not tip:
    tip = sdist.release_commit(scratch, sdist.fetch(rel), rel, rel.commit)
    git("tag", "release", tip, cwd=scratch)
  return scratch, tip

def newest_release(root: Path = ROOT) -> str:
  return max(releases(root), key=lambda v: tuple(int(x) for x in v.split(".")))

def status(root: Path = ROOT, against: str | None = None) -> str:
  repo, paths = root / "tinygrad", patches.series(root)
  if not paths: return "patches/series is empty: start one with `make patch-new NAME=...`"
  at_pin = replay(repo, BASE_TAG, paths)
  at_rel = replay(*release_tree(against, root), patches.ported(paths, against)) if against else []
  rows = ["| patch | kind | upstream status | files | Δ lines (sz.py) | tests added | at pin |" + (f" on {against} |" if against else ""),
          "|---|---|---|---|---|---|---|" + ("---|" if against else "")]
  for i, a in enumerate(at_pin):
    meta = a.meta or trailers(patches.message(paths[i]))
    delta = f"{a.delta:+d}" if a.delta is not None else "-"
    cells = [a.name, meta.get("Kind", "?"), meta.get("Upstream-Status", "?"), str(len(a.files)), delta, ", ".join(a.tests) or "none", a.how]
    rows.append("| " + " | ".join(cells + ([at_rel[i].how] if against else [])) + " |")
  # patches that left the stack, with the reason in their Upstream-Status (patches/README.md, Dropped patches)
  for p in sorted((root / "patches" / "dropped").glob("*.patch")):
    meta = trailers(patches.message(p))
    cells = [f"dropped/{p.name}", meta.get("Kind", "?"), meta.get("Upstream-Status", "?"), "", "", "", "not applied"] + [""] * bool(against)
    rows.append("| " + " | ".join(cells) + " |")
  return "\n".join(rows)

def check(version: str, root: Path = ROOT) -> str:
  """Per patch, how it applies to a release's tree: which candidate fixes are still needed there."""
  scratch, tip = release_tree(version, root)
  res = replay(scratch, tip, patches.ported(patches.series(root), version))
  return "\n".join([f"| patch | tinygrad {version} |", "|---|---|", *(f"| {a.name} | {a.how} |" for a in res)]) if res else "patches/series is empty"

def main():
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  ap.add_argument("command", choices=["export", "new", "status", "check"])
  ap.add_argument("name", nargs="?")
  ap.add_argument("--release", default=None)
  args = ap.parse_args()
  if args.command == "export": print(f"exported {len(names := export())} patch(es) to patches/: " + (", ".join(names) or "(empty stack)"))
  elif args.command == "new":
    if not args.name: raise WorkbenchError("name the patch: `make patch-new NAME=\"fix something\"`")
    new_patch(args.name)
  elif args.command == "status": print(status(against=args.release or newest_release()))
  else: print(check(args.release or newest_release()))

if __name__ == "__main__": cli(main)
