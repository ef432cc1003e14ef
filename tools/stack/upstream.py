"""make sync UPSTREAM=<ref>: move the pin to a newer upstream commit and carry the patch stack over with git am --3way.

Each patch is reported as applied clean, applied with 3-way, already upstream, or conflict. A conflict stops the way git am
does: resolve it in tinygrad/, `git -C tinygrad am --continue`, then `make patches-export`."""
import subprocess
from pathlib import Path
from tools.stack import patches
from tools.stack.queue import export
from tools.stack.checkout import is_online, protect_pin
from tools.workbench import BASE_TAG, BRANCH, GitError, WorkbenchError, git, gitlink, submodule_url, write_atomic

def move(root: Path, ref: str, drop_merged: bool = False) -> list[tuple[str, str]]:
  repo, paths, url = root / "tinygrad", patches.series(root), submodule_url(root)
  if why := patches.local_work(repo, root / "patches"): raise WorkbenchError(why)
  if not is_online(url): raise WorkbenchError(f"cannot reach {url} to move the pin; offline, `make patches-check RELEASE=<version>` checks a release")
  git("fetch", "-q", "--tags", url, "+refs/heads/*:refs/remotes/upstream/*", cwd=repo)
  new = next((c for r in (f"upstream/{ref}", ref) if (c := git("rev-parse", "-q", "--verify", f"{r}^{{commit}}", cwd=repo, check=False))), None)
  if new is None: raise WorkbenchError(f"{ref!r} is neither a branch nor a commit of {url}")
  old_pin, old_base, old_head = gitlink(root), git("rev-parse", f"{BASE_TAG}^{{commit}}", cwd=repo), git("rev-parse", "HEAD", cwd=repo)
  # patch-ids of what upstream added since the old base; an sdist-built base shares no history, so only reverse-apply can tell
  since = f"{old_base}..{new}" if subprocess.run(["git", "merge-base", "--is-ancestor", old_base, new], cwd=repo).returncode == 0 else None
  upstream_ids = {pid for _, pid, _ in patches.commits(repo, since)} if since else set()
  git("checkout", "-q", "-B", BRANCH, new, cwd=repo)  # the old stack stays in patches/ until the new one is exported
  git("tag", "-f", "-m", "workbench base: git", BASE_TAG, new, cwd=repo)
  git("update-index", "--cacheinfo", f"160000,{new},tinygrad", cwd=root)
  report: list[tuple[str, str]] = []
  for p in paths:
    if patches.patch_id(p.read_text(errors="replace")) in upstream_ids:
      report.append((p.name, "already upstream"))
      continue
    try: report.append((p.name, patches.am(repo, p)))
    except GitError as e:
      report.append((p.name, "conflict"))
      print_report(report)
      raise WorkbenchError(f"patches/{p.name} conflicts with {ref} ({e.reason}): resolve it in tinygrad/, `git -C tinygrad am --continue`, then "
                           f"`make patches-export`; or give up with `git -C tinygrad am --abort && git update-index --cacheinfo "
                           f"160000,{old_pin},tinygrad && make sync`") from e
  merged = [n for n, how in report if how == "already upstream"]
  if merged and drop_merged:
    series = root / "patches" / "series"
    kept = [ln for ln in series.read_text().splitlines() if ln.split("#", 1)[0].strip() not in merged]
    write_atomic(series, "".join(ln + "\n" for ln in kept))
  protect_pin(root)
  export(root)  # the carried-over patches, refreshed against the new base
  print_report(report)
  if merged and not drop_merged: print(f"{len(merged)} patch(es) already upstream stay in patches/series; pass DROP_MERGED=1 to remove them")
  print(git("range-diff", f"{old_base}..{old_head}", f"{new}..HEAD", cwd=repo, check=False) or "(no patches to compare)")
  print(f"the pin moved {old_pin[:12]} -> {new[:12]} and patches/ was re-exported: commit both when you are happy with them")
  return report

def print_report(report: list[tuple[str, str]]):
  print("| patch | onto the new pin |\n|---|---|\n" + "\n".join(f"| {n} | {how} |" for n, how in report))
