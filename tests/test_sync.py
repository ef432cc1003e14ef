"""make sync against real git repos: a local bare repo as upstream when online, the real PyPI sdist when offline."""
import os, shutil, subprocess, sys, tarfile
from pathlib import Path
import pytest
from tests.helpers import Workbench, make_patch, run_sync
from tools.stack import sdist
from tools.stack.checkout import sync_tinygrad
from tools.workbench import ROOT, WorkbenchError, git, release

def synced(tmp_path, upstream, files=None):
  pin = upstream.commit(files or {"tinygrad/tensor.py": "a = 1\nb = 2\n"})
  wb = Workbench(tmp_path, str(upstream.bare), pin)
  return wb, pin

def test_online_sync_checks_out_the_pin_and_applies_the_stack(tmp_path, upstream):
  wb, pin = synced(tmp_path, upstream)
  patch = make_patch(upstream.work, wb.root / "patches", {"tinygrad/tensor.py": "a = 1\nb = 3\n"}, "fix b")
  wb.series([patch.name])
  assert sync_tinygrad(wb.root)["source"] == "git"
  assert git("rev-parse", "workbench-base^{commit}", cwd=wb.repo) == pin
  assert git("log", "--format=%s", "workbench-base..workbench", cwd=wb.repo) == "fix b"
  assert (wb.repo / "tinygrad/tensor.py").read_text() == "a = 1\nb = 3\n"
  head = git("rev-parse", "HEAD", cwd=wb.repo)
  assert sync_tinygrad(wb.root)["source"] == "up to date"
  assert git("rev-parse", "HEAD", cwd=wb.repo) == head
  git("add", "-A", cwd=wb.root)  # the patched checkout must not become the pin by accident
  assert git("ls-files", "--stage", "tinygrad", cwd=wb.root).split()[1] == pin

def test_changed_series_restacks(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  patch = make_patch(upstream.work, wb.root / "patches", {"tinygrad/tensor.py": "a = 1\nb = 3\n"}, "fix b")
  sync_tinygrad(wb.root)
  wb.series([patch.name])
  assert sync_tinygrad(wb.root)["source"] == "restacked"
  assert git("log", "--format=%s", "workbench-base..HEAD", cwd=wb.repo) == "fix b"
  wb.series([])  # the commit's change is still in patches/, so dropping it from the stack loses nothing
  assert sync_tinygrad(wb.root)["source"] == "restacked"
  assert git("rev-list", "workbench-base..HEAD", cwd=wb.repo) == ""

def test_offline_sync_builds_the_release_tree_from_the_sdist(tmp_path, monkeypatch):
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  monkeypatch.setenv("WORKBENCH_ARCHIVE", "")  # no source archive: the sdist
  rel = release("0.13.0")
  wb = Workbench(tmp_path, "https://github.com/tinygrad/tinygrad.git", rel.commit)
  assert sync_tinygrad(wb.root)["source"] == "sdist tinygrad-0.13.0.tar.gz"
  base = git("rev-parse", "workbench-base^{commit}", cwd=wb.repo)
  assert git("rev-list", "--max-parents=0", "HEAD", cwd=wb.repo) == base
  assert f"Upstream-Commit: {rel.commit}" in git("log", "-1", "--format=%B", base, cwd=wb.repo)
  with tarfile.open(sdist.fetch(rel)) as tar:
    want = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile() and m.name.split("/")[1] not in sdist.NOT_UPSTREAM)
  assert git("ls-tree", "-r", "--name-only", base, cwd=wb.repo).splitlines() == want
  # the same release gives the same commit id anywhere, so base commit ids can be compared between machines
  assert sdist.release_commit(wb.repo, sdist.fetch(rel), rel, rel.commit) == base
  git("update-index", "--cacheinfo", f"160000,{base},tinygrad", cwd=wb.root)  # the local stand-in staged as the pin by mistake
  with pytest.raises(WorkbenchError, match=f"staged at the local sdist commit {base[:12]} .* 160000,{rel.commit},tinygrad"): sync_tinygrad(wb.root)

def test_uncommitted_changes_stop_the_sync(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  sync_tinygrad(wb.root)
  (wb.repo / "tinygrad/tensor.py").write_text("work in progress\n")
  before = wb.snapshot()
  with pytest.raises(WorkbenchError, match="uncommitted changes"): sync_tinygrad(wb.root)
  assert wb.snapshot() == before and (wb.repo / "tinygrad/tensor.py").read_text() == "work in progress\n"
  assert sync_tinygrad(wb.root, if_needed=True)["source"] == "local work, left as it is"

def test_unexported_commits_stop_the_sync(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  sync_tinygrad(wb.root)
  (wb.repo / "tinygrad/tensor.py").write_text("a = 1\nb = 4\n")
  git("commit", "-q", "-am", "my fix", cwd=wb.repo)
  before = wb.snapshot()
  with pytest.raises(WorkbenchError, match=r"1 commit\(s\) not in patches/ .*'my fix'"): sync_tinygrad(wb.root)
  assert wb.snapshot() == before

def test_a_patch_that_does_not_apply_stops_and_loses_nothing(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  upstream.commit({"tinygrad/tensor.py": "x = 0\ny = 0\n"}, "upstream rewrite")
  patch = make_patch(upstream.work, wb.root / "patches", {"tinygrad/tensor.py": "x = 0\ny = 1\n"}, "against the rewrite")
  sync_tinygrad(wb.root)
  before = wb.snapshot()
  wb.series([patch.name])
  with pytest.raises(WorkbenchError, match=f"patches/{patch.name} does not apply: CONFLICT .*tensor.py"): sync_tinygrad(wb.root)
  assert wb.snapshot() == before
  assert git("branch", "--show-current", cwd=wb.repo) == "workbench"

def test_a_patch_adding_its_test_to_an_upstream_test_file_the_base_lacks_says_how_to_get_it(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  upstream.commit({"test/test_tensor.py": "def test_a(): pass\n"}, "upstream's test suite")
  patch = make_patch(upstream.work, wb.root / "patches", {"test/test_tensor.py": "def test_a(): pass\ndef test_b(): pass\n"}, "a test")
  sync_tinygrad(wb.root)  # the pin has no test/, like a release sdist
  before = wb.snapshot()
  wb.series([patch.name])
  with pytest.raises(WorkbenchError, match=r"adds its test to upstream.s test/test_tensor\.py, and the base has no test suite .*WORKBENCH_ARCHIVE"):
    sync_tinygrad(wb.root)
  assert wb.snapshot() == before

def test_hash_mismatch_changes_nothing(tmp_path, monkeypatch):
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  monkeypatch.setenv("WORKBENCH_ARCHIVE", "")
  rel = release("0.13.0")
  bad = (ROOT / "pyproject.toml").read_text().replace(rel.sdist_sha256, "0" * 64)
  wb = Workbench(tmp_path, "https://github.com/tinygrad/tinygrad.git", rel.commit, pyproject=bad)
  with pytest.raises(WorkbenchError, match=r"sha256 mismatch .* pyproject.toml records 0000"): sync_tinygrad(wb.root)
  assert wb.snapshot() == "[]"

def test_offline_pin_that_is_no_release_is_refused(tmp_path, monkeypatch):
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  wb = Workbench(tmp_path, "https://github.com/tinygrad/tinygrad.git", "1" * 40)
  with pytest.raises(WorkbenchError, match="offline, and the pin 111111111111 is not a known release"): sync_tinygrad(wb.root)
  assert wb.snapshot() == "[]"

@pytest.mark.parametrize("content, error", [
  (None, "patches/series names missing.patch, but patches/missing.patch does not exist"),
  ("just some notes\n", "is not a git format-patch file"),
  ("From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+b\n",
   "is malformed: error: corrupt patch at line"),
])
def test_bad_patch_files_are_refused_before_anything_changes(tmp_path, upstream, content, error):
  wb, _ = synced(tmp_path, upstream)
  sync_tinygrad(wb.root)
  before = wb.snapshot()
  if content is not None: (wb.root / "patches" / "missing.patch").write_text(content)
  wb.series(["missing.patch"])
  with pytest.raises(WorkbenchError, match=error): sync_tinygrad(wb.root)
  assert wb.snapshot() == before

def test_cli_errors_are_one_line_and_exit_non_zero(tmp_path, upstream):
  wb, _ = synced(tmp_path, upstream)
  wb.series(["missing.patch"])
  p = run_sync(wb.root)
  assert p.returncode == 1 and p.stdout == ""
  assert p.stderr.splitlines() == ["error: patches/series names missing.patch, but patches/missing.patch does not exist: "
                                   "add the file or remove the line"]

def test_old_python_is_refused():
  code = "import sys, runpy; sys.version_info = (3, 10, 14); runpy.run_module('tools.stack.sync', run_name='__main__')"
  p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
  assert p.returncode == 1 and p.stderr.startswith("error: the workbench needs Python 3.11 or newer") and len(p.stderr.splitlines()) == 1

def test_a_missing_compiler_stops_before_anything_changes_with_the_command_to_run(tmp_path, upstream):
  """No clang on PATH and no apt-get to install it with (as for a user who is not root): one line with the command to run."""
  wb, _ = synced(tmp_path, upstream)
  before = wb.snapshot()
  bin_dir = tmp_path / "bin"
  bin_dir.mkdir()
  (bin_dir / "python3").symlink_to(Path(sys.executable).resolve())
  (bin_dir / "git").symlink_to(shutil.which("git"))
  p = subprocess.run([str(bin_dir / "python3"), "-m", "tools.stack.sync", "--root", str(wb.root)], cwd=ROOT, capture_output=True, text=True,
                     env={**os.environ, "PATH": str(bin_dir), "DEV": "CPU"})
  assert p.returncode == 1 and p.stdout == ""
  assert p.stderr.splitlines() == ["error: DEV=CPU needs the system package clang, which is missing: run `sudo apt-get install -y clang`, "
                                   "then this command again"]
  assert wb.snapshot() == before

def archived(upstream, tmp_path, version="9.9") -> tuple[str, Path, str]:
  """An upstream commit with a test suite and sz.py, its `git archive`, and a pyproject.toml recording it as a release."""
  pin = upstream.commit({"tinygrad/tensor.py": "a = 1\n", "test/test_tensor.py": "def test_a(): pass\n", "sz.py": "print('lines')\n"})
  archive = tmp_path / f"tinygrad-v{version}.tar.gz"
  git("archive", "--format=tar.gz", f"--prefix=tinygrad-v{version}/", "-o", str(archive), pin, cwd=upstream.work)
  pyproject = f'[tool.workbench.releases."{version}"]\ncommit = "{pin}"\nsdist-sha256 = "{"0" * 64}"\narchive-sha256 = "{sdist.sha256(archive)}"\n'
  return pin, archive, pyproject

def test_offline_sync_builds_the_whole_upstream_tree_from_a_source_archive(tmp_path, upstream, monkeypatch):
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  pin, archive, pyproject = archived(upstream, tmp_path)
  monkeypatch.setenv("WORKBENCH_ARCHIVE", str(archive))
  wb = Workbench(tmp_path, str(upstream.bare), pin, pyproject=pyproject)
  assert sync_tinygrad(wb.root)["source"] == "archive tinygrad-v9.9.tar.gz"
  assert git("ls-tree", "-r", "--name-only", "workbench-base", cwd=wb.repo).splitlines() == ["sz.py", "test/test_tensor.py", "tinygrad/tensor.py"]
  assert f"Upstream-Commit: {pin}" in git("log", "-1", "--format=%B", "workbench-base", cwd=wb.repo)

def test_a_source_archive_of_another_commit_or_with_another_hash_is_refused(tmp_path, upstream, monkeypatch):
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  pin, archive, pyproject = archived(upstream, tmp_path)
  monkeypatch.setenv("WORKBENCH_ARCHIVE", str(archive))
  wb = Workbench(tmp_path, str(upstream.bare), pin, pyproject=pyproject.replace(sdist.sha256(archive), "0" * 64))
  with pytest.raises(WorkbenchError, match=r"sha256 mismatch for .*tinygrad-v9\.9\.tar\.gz"): sync_tinygrad(wb.root)
  other = upstream.commit({"tinygrad/tensor.py": "a = 2\n"})
  git("archive", "--format=tar.gz", "--prefix=tinygrad-v9.9/", "-o", str(archive), other, cwd=upstream.work)
  wb.root.joinpath("pyproject.toml").write_text(pyproject.replace(pyproject.split('archive-sha256 = "')[1][:64], sdist.sha256(archive)))
  with pytest.raises(WorkbenchError, match=f"was made from commit {other}, not the pin {pin[:12]}"): sync_tinygrad(wb.root)

def test_the_shared_archive_of_the_pin_replaces_an_sdist_base(tmp_path, monkeypatch):
  """The real 0.13.0: synced from the sdist first, then the archive in ../shared/upstream/ appears: the base is rebuilt from it."""
  rel = release("0.13.0")
  monkeypatch.delenv("WORKBENCH_ARCHIVE", raising=False)  # the test is about the archive beside the checkout, not one the user named
  if rel.archive() is None: pytest.skip("no ../shared/upstream/tinygrad-v0.13.0.tar.gz beside this checkout (CI has one)")
  monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
  wb = Workbench(tmp_path, "https://github.com/tinygrad/tinygrad.git", rel.commit)
  monkeypatch.setenv("WORKBENCH_ARCHIVE", "")
  assert sync_tinygrad(wb.root)["source"] == "sdist tinygrad-0.13.0.tar.gz"
  monkeypatch.delenv("WORKBENCH_ARCHIVE")
  assert sync_tinygrad(wb.root)["source"] == "archive tinygrad-v0.13.0.tar.gz"
  files = git("ls-tree", "-r", "--name-only", "workbench-base", cwd=wb.repo).splitlines()
  assert {"sz.py", "test/backend/test_ops.py", "tinygrad/tensor.py"} <= set(files)
  assert sync_tinygrad(wb.root)["source"] == "up to date"
