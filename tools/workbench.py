"""The workbench's layout and settings: where things are, what pyproject.toml records, and how git is called."""
import importlib, os, subprocess, sys, tomllib, types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_TAG = "workbench-base"  # the pinned upstream tree inside tinygrad/, whichever way it was obtained
BRANCH = "workbench"         # base + one commit per file in patches/series
CACHE = Path(os.environ.get("WORKBENCH_CACHE", Path.home() / ".cache" / "tinygrad-workbench"))
# tinygrad's backend, read by tinygrad itself from the environment; set here so that every tool, test and worker agrees on it
DEV = os.environ.setdefault("DEV", "CPU")

class WorkbenchError(Exception):
  """A problem the user can fix; the CLI prints it as one line and exits non-zero."""

def cli(main):
  """Runs a command's main(): a WorkbenchError ends it with its one line and exit status 1, not a traceback."""
  try: return main()
  except WorkbenchError as e: sys.exit(f"error: {e}")

def write_atomic(path: Path, data: str | bytes):
  """Writes beside the target and renames over it, so a reader never sees half a file."""
  tmp = path.with_name(path.name + ".tmp")
  if isinstance(data, bytes): tmp.write_bytes(data)
  else: tmp.write_text(data)
  tmp.replace(path)

@dataclass(frozen=True)
class Release:
  version: str
  sdist_sha256: str
  commit: str | None  # None when the release's commit id is not known here
  archive_sha256: str | None = None  # of `git archive` of its tag: upstream's whole tree (tests, extra/, sz.py), which the sdist lacks

  def archive(self) -> Path | None:
    """Where that source archive is: $WORKBENCH_ARCHIVE (empty: use none), else ../shared/upstream/ beside the workbench, if it is there."""
    if (path := os.environ.get("WORKBENCH_ARCHIVE")) is not None: return Path(path) if path else None
    default = ROOT.parent / "shared" / "upstream" / f"tinygrad-v{self.version}.tar.gz"
    return default if self.archive_sha256 and default.exists() else None

def releases(root: Path = ROOT) -> dict[str, Release]:
  try: cfg = tomllib.loads((root / "pyproject.toml").read_text())
  except (OSError, tomllib.TOMLDecodeError) as e: raise WorkbenchError(f"cannot read {root / 'pyproject.toml'}: {e}") from e
  table = cfg.get("tool", {}).get("workbench", {}).get("releases", {})
  return {v: Release(v, r["sdist-sha256"], r.get("commit"), r.get("archive-sha256")) for v, r in table.items()}

def pinned_release(pin: str, root: Path = ROOT) -> Release | None:
  """The known release whose commit is `pin`, if any."""
  return next((r for r in releases(root).values() if r.commit == pin), None)

def release(version: str, root: Path = ROOT) -> Release:
  known = releases(root)
  if version not in known:
    raise WorkbenchError(f"tinygrad {version} is not a known release: add its sdist-sha256 under [tool.workbench.releases] in pyproject.toml "
                         f"(known: {', '.join(known)})")
  return known[version]

def git(*args: str, cwd: Path, check: bool = True, input: str | None = None, env: dict | None = None) -> str:
  """Runs git and returns stdout stripped; raises GitError with git's own message on failure."""
  p = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, text=True, env={**os.environ, **GIT_ENV, **(env or {})})
  if check and p.returncode != 0: raise GitError(args, "\n".join(s for s in (p.stderr.strip(), p.stdout.strip()) if s))
  return p.stdout.strip()

# commits the workbench makes must not depend on the user's git config (CI has none)
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "tinygrad workbench"),
           "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "workbench@localhost")}

class GitError(WorkbenchError):
  def __init__(self, args, message: str):
    self.reason = message.splitlines()[0] if message else "failed"
    self.message = message
    super().__init__(f"git {' '.join(args)}: {self.reason}")

def gitlink(root: Path = ROOT) -> str:
  """The commit tinygrad/ is pinned to, as staged in the superproject's index."""
  out = git("ls-files", "--stage", "--", "tinygrad", cwd=root).split()
  if len(out) < 2 or out[0] != "160000":
    raise WorkbenchError("tinygrad/ is not a submodule in this checkout: the gitlink is missing from git's index")
  return out[1]

def submodule_url(root: Path = ROOT) -> str:
  return git("config", "-f", ".gitmodules", "submodule.tinygrad.url", cwd=root)

def import_tinygrad_tree():
  """Makes tinygrad/'s extra/ and examples/ importable: they come from the patch stack, beside the editable package."""
  if str(ROOT / "tinygrad") not in sys.path: sys.path.insert(0, str(ROOT / "tinygrad"))

def import_without_torchvision(package: str):
  """vit-pytorch and x-clip import torchvision only for helpers the ports' references do not use (augmentations, SSL). They are
  installed without dependencies (pyproject.toml, [tool.workbench] no-deps: their torchvision pin would replace torch), so
  empty modules stand in."""
  for name in ("torchvision", "torchvision.transforms"): sys.modules.setdefault(name, types.ModuleType(name))
  return importlib.import_module(package)

def import_vit_pytorch(): return import_without_torchvision("vit_pytorch")
