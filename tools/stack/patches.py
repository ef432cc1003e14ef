"""The patch stack: patches/series lists git format-patch files, applied in order onto the pinned tree with git am --3way."""
import ast, hashlib, re, shutil, subprocess, tempfile
from contextlib import contextmanager
from pathlib import Path
from tools.workbench import BASE_TAG, BRANCH, GitError, WorkbenchError, git

def series(root: Path) -> list[Path]:
  """The patch files named in patches/series, in order; '#' starts a comment. Every file must exist and parse."""
  listing = root / "patches" / "series"
  if not listing.exists(): return []
  names = [ln.split("#", 1)[0].strip() for ln in listing.read_text().splitlines()]
  paths = [root / "patches" / n for n in names if n]
  for p in paths:
    if not p.is_file(): raise WorkbenchError(f"patches/series names {p.name}, but patches/{p.name} does not exist: add the file or remove the line")
    validate(p)
  return paths

def changed_functions(repo: Path, rev_range: str, paths: str = "tinygrad/*.py") -> dict[str, set[str]]:
  """File -> the functions that hold the lines `rev_range` changes, each as the innermost `def` with its enclosing classes
  ("TestOps.test_elu")."""
  old, new = rev_range.split("..")
  diff = git("diff", "-U0", old, new or "HEAD", "--", paths, cwd=repo)
  out: dict[str, set[str]] = {}
  for f in re.split(r"^diff --git ", diff, flags=re.M)[1:]:
    path = f.split(" b/", 1)[1].split("\n", 1)[0]
    lines = {n for a, b in re.findall(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", f, re.M) for n in range(int(a), int(a) + max(int(b or 1), 1))}
    try: tree = ast.parse(git("show", f"{new or 'HEAD'}:{path}", cwd=repo))
    except (GitError, SyntaxError): continue  # deleted, or not Python this tool can read
    out[path] = {name for n in lines if (name := _enclosing(tree, n))}
  return out

def _enclosing(node: ast.AST, line: int, prefix: str = "") -> str | None:
  for child in ast.iter_child_nodes(node):
    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child.lineno <= line <= (child.end_lineno or child.lineno):
      inner = _enclosing(child, line, prefix + child.name + ".")
      return inner or (prefix + child.name if not isinstance(child, ast.ClassDef) else None)
  return None

def ported(paths: list[Path], version: str) -> list[Path]:
  """The stack as it applies to a release: patches/ports/<version>/<name> stands in for a patch that had to be rebased there."""
  ports = [p.parent / "ports" / version / p.name for p in paths]
  for port in ports:
    if port.is_file(): validate(port)
  return [port if port.is_file() else p for p, port in zip(paths, ports)]

def validate(patch: Path):
  """A patch must be a mail with a subject and a diff git can parse."""
  where = "/".join(patch.parts[-4:] if patch.parent.parent.name == "ports" else ("patches", patch.name))
  with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.run(["git", "mailinfo", f"{tmp}/msg", f"{tmp}/diff"], stdin=open(patch, "rb"), capture_output=True, text=True, cwd=tmp)
    subject = next((ln[len("Subject: "):] for ln in p.stdout.splitlines() if ln.startswith("Subject: ")), "")
    diff = Path(tmp, "diff").read_text() if p.returncode == 0 else ""
    if not subject.strip() or "diff --git " not in diff:
      raise WorkbenchError(f"{where} is not a git format-patch file (no subject or no diff): recreate it with `make patches-export`")
    a = subprocess.run(["git", "apply", "--stat", f"{tmp}/diff"], capture_output=True, text=True, cwd=tmp)
    if a.returncode != 0:
      raise WorkbenchError(f"{where} is malformed: {a.stderr.strip().splitlines()[0]}; recreate it with `make patches-export`")

def message(patch: Path) -> str:
  """The commit message of a patch file: subject, blank line, body with trailers."""
  with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.run(["git", "mailinfo", f"{tmp}/msg", f"{tmp}/diff"], stdin=open(patch, "rb"), capture_output=True, text=True)
    subject = next((ln[9:] for ln in p.stdout.splitlines() if ln.startswith("Subject: ")), patch.stem)
    return subject + "\n\n" + Path(tmp, "msg").read_text()

def touched(patch: Path) -> set[str]:
  """The files a patch changes."""
  out = subprocess.run(["git", "apply", "--numstat", str(patch)], capture_output=True, text=True).stdout
  return {ln.split("\t")[2] for ln in out.splitlines() if ln.count("\t") >= 2}

def edited(patch: Path) -> list[str]:
  """The files a patch changes that it does not create."""
  summary = subprocess.run(["git", "apply", "--summary", str(patch)], capture_output=True, text=True).stdout
  return sorted(touched(patch) - set(re.findall(r"^ create mode \d+ (.+)$", summary, re.M)))

def am(repo: Path, patch: Path, exclude: tuple[str, ...] = ()) -> str:
  """Applies one patch as a commit and says how: clean, 3-way, or already upstream (then nothing is committed). A conflict
  raises GitError with the git am session left in progress, for the caller to abort or hand to the user. `exclude` leaves out
  paths (git apply's globs), as for a release tree without test/."""
  skip = [f"--exclude={e}" for e in exclude]
  applies = lambda *how: subprocess.run(["git", "apply", "--check", *how, *skip, str(patch)], cwd=repo, capture_output=True).returncode == 0
  if applies("--reverse"): return "already upstream"
  clean = applies()
  before = git("rev-parse", "HEAD", cwd=repo)
  try: git("am", "--3way", "--keep-non-patch", "--committer-date-is-author-date", *skip, str(patch), cwd=repo)
  except GitError as e:
    if "No changes" not in e.message: raise
    git("am", "--skip", cwd=repo)
    return "already upstream"
  # a 3-way merge that changes nothing means upstream took the change, with its neighbourhood edited
  if git("diff", "--name-only", before, "HEAD", cwd=repo) == "":
    git("reset", "-q", "--keep", before, cwd=repo)
    return "already upstream"
  return "clean" if clean else "3-way"

def patch_id(text: str) -> str:
  out = subprocess.run(["git", "patch-id", "--stable"], input=text, capture_output=True, text=True).stdout.split()
  return out[0] if out else ""

def commits(repo: Path, rev_range: str) -> list[tuple[str, str, str]]:
  """(commit, patch-id, subject) for each commit in the range, oldest first."""
  shas = git("rev-list", "--reverse", rev_range, cwd=repo).split()
  return [(c, patch_id(git("show", "--format=", c, cwd=repo)), git("log", "-1", "--format=%s", c, cwd=repo)) for c in shas]

def stack_digest(paths: list[Path]) -> str:
  h = hashlib.sha256()
  for p in paths: h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
  return h.hexdigest()

def local_work(repo: Path, patch_dir: Path) -> str | None:
  """Says what a restack of `repo` would lose, or None: uncommitted changes, a git am in progress, or commits that are
  on HEAD or the workbench branch but whose change is in no file of patches/ (listed in series or not)."""
  return uncommitted(repo) or unexported(repo, patch_dir)

def uncommitted(repo: Path) -> str | None:
  gitdir = Path(git("rev-parse", "--absolute-git-dir", cwd=repo))
  if (gitdir / "rebase-apply").exists():
    return "tinygrad/ is in the middle of a git am: finish it with `git -C tinygrad am --continue` or drop it with `git -C tinygrad am --abort`"
  if (gitdir / "rebase-merge").exists():  # HEAD is part of the stack only: exporting now would drop the rest
    return "tinygrad/ is in the middle of a git rebase: finish it with `git -C tinygrad rebase --continue` or drop it with `... rebase --abort`"
  if git("status", "--porcelain", "--untracked-files=all", cwd=repo):
    return "tinygrad/ has uncommitted changes: commit them (then `make patches-export`) or stash them with `git -C tinygrad stash -u`"
  return None

def unexported(repo: Path, patch_dir: Path) -> str | None:
  if not git("tag", "--list", BASE_TAG, cwd=repo): return None
  exported = {patch_id(p.read_text(errors="replace")) for p in patch_dir.rglob("*.patch")}  # ports/ and dropped/ too
  tips = ["HEAD"] + ([BRANCH] if git("branch", "--list", BRANCH, cwd=repo) else [])
  for tip in tips:
    lost = [(c, s) for c, pid, s in commits(repo, f"{BASE_TAG}..{tip}") if pid and pid not in exported]
    if lost:
      return (f"tinygrad/ has {len(lost)} commit(s) not in patches/ (first: {lost[0][0][:12]} {lost[0][1]!r}): "
              "keep them with `make patches-export`, or drop them with `git -C tinygrad reset --hard workbench-base`")
  return None

def apply(repo: Path, base: str, paths: list[Path]) -> list[str]:
  """Builds the workbench branch as base + one commit per patch, skipping (and returning) patches already in the base.
  On failure the repo is put back as it was."""
  before = None
  if git("rev-parse", "-q", "--verify", "HEAD", cwd=repo, check=False):
    before = git("symbolic-ref", "-q", "--short", "HEAD", cwd=repo, check=False) or git("rev-parse", "HEAD", cwd=repo)
  git("checkout", "-q", "-B", "workbench-sync", base, cwd=repo)
  merged = []
  for p in paths:
    try:
      if am(repo, p) == "already upstream": merged.append(p.name)
    except GitError as e:
      git("am", "--abort", cwd=repo, check=False)
      git("checkout", "-q", *([before] if before else ["--detach", base]), cwd=repo)
      git("branch", "-D", "workbench-sync", cwd=repo)
      if missing := [f for f in edited(p) if f.startswith("test/") and git("cat-file", "-t", f"{base}:{f}", cwd=repo, check=False) != "blob"]:
        raise WorkbenchError(f"patches/{p.name} adds its test to upstream's {missing[0]}, and the base has no test suite (a release sdist): "
                             "sync online, or offline with upstream's source archive of the pin (WORKBENCH_ARCHIVE, see README)") from e
      lines = e.message.splitlines()  # a 3-way conflict names the file; otherwise git's first error says why
      reason = next((ln for ln in lines if ln.startswith("CONFLICT")), next((ln for ln in lines if ln.startswith("error:")), e.reason))
      raise WorkbenchError(f"patches/{p.name} does not apply: {reason}; refresh it against the new base, then `make sync` again") from e
  git("checkout", "-q", "-B", BRANCH, cwd=repo)
  git("branch", "-D", "workbench-sync", cwd=repo)
  return merged

@contextmanager
def worktree(repo: Path, rev: str):
  """A detached scratch checkout of `rev`; the repo's own work tree and branches are left alone."""
  tmp = Path(tempfile.mkdtemp(prefix="workbench-wt-"))
  git("worktree", "add", "-q", "--detach", str(tmp / "wt"), rev, cwd=repo)
  try: yield tmp / "wt"
  finally:
    git("worktree", "remove", "--force", str(tmp / "wt"), cwd=repo, check=False)
    shutil.rmtree(tmp, ignore_errors=True)
