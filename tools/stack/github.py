"""Upstream's pull requests and issues, open and closed, that mention what a patch changes, found with GitHub's CLI (`gh search`):
make pr lists them for the author to read before opening another."""
import json, shutil, subprocess
from dataclasses import dataclass

REPO = "tinygrad/tinygrad"

@dataclass(frozen=True)
class Mention:
  kind: str  # PR or issue
  number: int
  state: str
  title: str
  url: str

  def __str__(self) -> str: return f"{self.kind} #{self.number} ({self.state}): {self.title} {self.url}"

def mentions(terms: list[str], online: bool) -> list[Mention] | str:
  """Each upstream PR and issue that mentions one of `terms`, newest first; or why GitHub could not be searched."""
  cannot = "could not search upstream's pull requests and issues"
  if not online: return f"offline: {cannot}"
  if not shutil.which("gh"): return f"{cannot}: install GitHub's CLI, gh (https://cli.github.com), and run `gh auth login`"
  found: dict[str, Mention] = {}
  for kind, label in (("prs", "PR"), ("issues", "issue")):
    for term in terms:
      try: p = subprocess.run(["gh", "search", kind, term, "--repo", REPO, "--json", "number,title,state,url", "--limit", "30"],
                              capture_output=True, text=True, timeout=60)
      except subprocess.TimeoutExpired: return f"{cannot}: gh search timed out"
      if p.returncode: return f"{cannot}: gh says {(p.stderr.strip().splitlines() or [f'exit {p.returncode}'])[-1]}"
      for m in json.loads(p.stdout or "[]"): found.setdefault(m["url"], Mention(label, m["number"], m["state"], m["title"], m["url"]))
  return sorted(found.values(), key=lambda m: -m.number)
