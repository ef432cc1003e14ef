"""The patch queue round trip, and moving the stack onto a newer upstream, against real git repos."""
import pytest
from tests.helpers import Workbench
from tools.stack import patches, queue
from tools.stack import upstream as upstream_tool
from tools.stack.patches import series
from tools.stack.checkout import sync_tinygrad
from tools.stack.linecount import code_lines, counted
from tools.workbench import ROOT, WorkbenchError, git

LINES = "".join(f"line{i} = {i}\n" for i in range(40))

def edit(text: str, n: int, new: str) -> str:
  lines = text.splitlines(keepends=True)
  lines[n] = new
  return "".join(lines)

@pytest.fixture
def wb(tmp_path, upstream):
  pin = upstream.commit({"tinygrad/tensor.py": LINES, "README.md": "upstream\n"})
  wb = Workbench(tmp_path, str(upstream.bare), pin)
  sync_tinygrad(wb.root)
  return wb

def stack(wb) -> dict[str, bytes]:
  return {p.name: p.read_bytes() for p in (wb.root / "patches").iterdir()}

def test_export_is_byte_stable_and_round_trips(wb):
  wb.commit({"tinygrad/tensor.py": edit(LINES, 3, "line3 = 33\n")}, "Fix line three\n\nKind: bugfix\nUpstream-Status: pending")
  wb.commit({"test/test_three.py": "assert True\n"}, "[pr] Test line three")
  assert queue.export(wb.root) == ["Fix-line-three.patch", "pr-Test-line-three.patch"]
  first = stack(wb)
  assert queue.export(wb.root) and stack(wb) == first
  # rebuild tinygrad/ from the files alone: the same stack comes out, subjects ([pr] too) and all
  git("reset", "-q", "--hard", "workbench-base", cwd=wb.repo)
  assert sync_tinygrad(wb.root)["source"] == "restacked"
  assert git("log", "--format=%s", "workbench-base..HEAD", cwd=wb.repo).splitlines() == ["[pr] Test line three", "Fix line three"]
  queue.export(wb.root)
  assert stack(wb) == first
  assert sync_tinygrad(wb.root)["source"] == "up to date"

def test_failed_export_leaves_patches_as_they_were(wb):
  wb.commit({"tinygrad/tensor.py": edit(LINES, 3, "line3 = 33\n")}, "Fix line three")
  queue.export(wb.root)
  before = stack(wb)
  git("commit", "-q", "--allow-empty", "-m", "nothing yet", cwd=wb.repo)
  with pytest.raises(WorkbenchError, match="'nothing yet' is empty"): queue.export(wb.root)
  assert stack(wb) == before and not list(wb.root.glob(".patches-*"))

def test_export_refuses_uncommitted_work(wb):
  (wb.repo / "tinygrad/tensor.py").write_text("dirty\n")
  with pytest.raises(WorkbenchError, match="uncommitted changes"): queue.export(wb.root)

def test_new_patch_starts_on_top_of_the_stack(wb):
  queue.new_patch("Fix line four", wb.root)
  assert git("log", "-1", "--format=%s", cwd=wb.repo) == "Fix line four"
  assert queue.trailers(git("log", "-1", "--format=%B", cwd=wb.repo)) == {"Kind": "bugfix", "Upstream-Status": "pending", "Tests": "test/"}

def make_stack(wb, upstream, changes: list[tuple[int, str, str]]):
  for n, new, msg in changes: wb.commit({"tinygrad/tensor.py": edit((wb.repo / "tinygrad/tensor.py").read_text(), n, new)}, msg)
  queue.export(wb.root)

def test_replay_tells_clean_3way_conflict_and_already_upstream(wb, upstream):
  make_stack(wb, upstream, [(2, "line2 = 22\n", "two"), (10, "line10 = 100\n", "ten"), (20, "line20 = 200\n", "twenty"),
                            (30, "line30 = 300\n", "thirty"), (38, "line38 = 380\n", "thirty-eight")])
  text = edit(LINES, 5, "line5 = -5\n")  # in the context of 'two', but not next to its change: 3-way merges it
  text = edit(text, 10, "line10 = -1\n")  # the same line as 'ten', differently: conflict
  text = edit(text, 20, "line20 = 200\n")  # exactly 'twenty'
  text = edit(edit(text, 30, "line30 = 300\n"), 32, "line32 = -32\n")  # 'thirty', with its neighbourhood edited
  new = upstream.commit({"tinygrad/tensor.py": text}, "upstream moves on")
  git("fetch", "-q", str(upstream.bare), cwd=wb.repo)
  res = {a.name: a.how for a in queue.replay(wb.repo, new, series(wb.root))}
  assert res == {"two.patch": "3-way", "ten.patch": "conflict", "twenty.patch": "already upstream", "thirty.patch": "already upstream",
                 "thirty-eight.patch": "clean"}
  assert git("status", "--porcelain", cwd=wb.repo) == "" and git("branch", "--show-current", cwd=wb.repo) == "workbench"

def test_status_counts_lines_and_tests(wb):
  wb.commit({"tinygrad/tensor.py": LINES + "def f(x):\n  \"\"\"doc\"\"\"\n  return x  # comment\n", "test/test_f.py": "assert True\n"},
         "Add f\n\nKind: feature\nUpstream-Status: pending")
  queue.export(wb.root)
  table = queue.status(wb.root)
  assert "| Add-f.patch | feature | pending | 2 | +2 | test/test_f.py | clean |" in table

def test_upstream_move_reports_and_drops_merged_patches(wb, upstream, capsys):
  make_stack(wb, upstream, [(2, "line2 = 22\n", "two"), (15, "line15 = 150\n", "fifteen")])
  new = upstream.commit({"tinygrad/tensor.py": edit(edit(LINES, 5, "line5 = -5\n"), 15, "line15 = 150\n")}, "upstream takes fifteen")
  report = upstream_tool.move(wb.root, "master", drop_merged=True)
  assert report == [("two.patch", "3-way"), ("fifteen.patch", "already upstream")]
  assert git("rev-parse", "workbench-base^{commit}", cwd=wb.repo) == new
  assert git("ls-files", "--stage", "tinygrad", cwd=wb.root).split()[1] == new
  assert [p.name for p in series(wb.root)] == ["two.patch"]
  out = capsys.readouterr().out
  assert "| fifteen.patch | already upstream |" in out and "two" in out  # the range-diff names the carried patch
  assert sync_tinygrad(wb.root)["source"] == "up to date"

def test_upstream_conflict_stops_like_git_am_and_resumes(wb, upstream):
  make_stack(wb, upstream, [(10, "line10 = 100\n", "ten")])
  upstream.commit({"tinygrad/tensor.py": edit(LINES, 10, "line10 = -1\n")}, "upstream edits ten")
  with pytest.raises(WorkbenchError, match=r"patches/ten.patch conflicts with master .* am --continue"): upstream_tool.move(wb.root, "master")
  with pytest.raises(WorkbenchError, match="middle of a git am"): sync_tinygrad(wb.root)
  (wb.repo / "tinygrad/tensor.py").write_text(edit(LINES, 10, "line10 = 100\n"))
  git("add", "-A", cwd=wb.repo)
  git("am", "--continue", cwd=wb.repo)
  queue.export(wb.root)
  assert sync_tinygrad(wb.root)["source"] in ("up to date", "restacked")
  assert "line10 = 100" in (wb.repo / "tinygrad/tensor.py").read_text()


def test_export_refuses_a_stack_in_the_middle_of_a_rebase(wb, upstream):
  make_stack(wb, upstream, [(10, "line10 = 100\n", "ten"), (20, "line20 = 200\n", "twenty")])
  git("rebase", "-q", "-i", "workbench-base", cwd=wb.repo, env={"GIT_SEQUENCE_EDITOR": "sed -i '1s/^pick/edit/'"})
  with pytest.raises(WorkbenchError, match="middle of a git rebase"): queue.export(wb.root)
  assert len(series(wb.root)) == 2  # the two patches are still there

def test_a_port_stands_in_for_a_patch_on_its_release(wb, upstream):
  make_stack(wb, upstream, [(10, "line10 = 100\n", "ten"), (20, "line20 = 200\n", "twenty")])
  moved = "".join(f"row{i} = {i}\n" for i in range(40))  # the release renamed everything 'ten' touches
  release = upstream.commit({"tinygrad/tensor.py": moved}, "release 9.9")
  git("fetch", "-q", str(upstream.bare), cwd=wb.repo)
  assert [a.how for a in queue.replay(wb.repo, release, series(wb.root))] == ["conflict", "conflict"]
  # the same fix rebased by hand onto the release, kept as patches/ports/9.9/ten.patch
  port = wb.root / "patches/ports/9.9"
  with patches.worktree(wb.repo, release) as wt:
    (wt / "tinygrad/tensor.py").write_text(edit(moved, 10, "row10 = 100\n"))
    git("commit", "-qam", "ten", cwd=wt)
    port.mkdir(parents=True)
    git(*queue.FORMAT, "-1", "-o", str(port), "HEAD", cwd=wt)
  (port / "0001-ten.patch").rename(port / "ten.patch")
  res = queue.replay(wb.repo, release, patches.ported(series(wb.root), "9.9"))
  assert [a.how for a in res] == ["clean (port for 9.9)", "conflict"]
  queue.export(wb.root)  # the stack's export keeps its ports
  assert (port / "ten.patch").is_file()
  (port / "ten.patch").write_text("not a patch\n")
  with pytest.raises(WorkbenchError, match=r"patches/ports/9\.9/ten\.patch is not a git format-patch file"): patches.ported(series(wb.root), "9.9")

def test_a_release_without_the_test_file_a_patch_edits_gets_its_code_only(wb, upstream):
  """A release built from its sdist has no test suite: a fix whose test is a few lines in an existing upstream test file is replayed
  there without them, and says so."""
  wb.commit({"test/test_tensor.py": "def test_one(): pass\n"}, "upstream's tests")
  wb.commit({"tinygrad/tensor.py": edit(LINES, 10, "line10 = 100\n"), "test/test_tensor.py": "def test_one(): pass\ndef test_ten(): pass\n"},
            "Fix ten\n\nKind: bugfix")
  queue.export(wb.root)
  sdist_like = upstream.commit({"VERSION": "9.9\n"}, "release 9.9, as its sdist: no test/")
  git("fetch", "-q", str(upstream.bare), cwd=wb.repo)
  fix = series(wb.root)[-1:]
  [a] = queue.replay(wb.repo, sdist_like, fix)
  assert a.how == "clean (code only: this tree has no test/test_tensor.py)" and a.files == ["tinygrad/tensor.py"]

def test_linecount_counts_like_upstreams_sz_py_on_the_pin():
  """tools/stack/linecount.py stands in for sz.py where a tree has none (the sdists): on the pin, both give every file the same count."""
  repo = ROOT / "tinygrad"
  if git("cat-file", "-t", "workbench-base:sz.py", cwd=repo, check=False) != "blob":
    pytest.skip("tinygrad/ was built from the release sdist, which has no sz.py (make sync with upstream's source archive has it)")
  with patches.worktree(repo, "workbench-base") as wt:
    ours = {rel: code_lines(f.read_text(), rel) for f in (wt / "tinygrad").rglob("*") if f.is_file() and counted(rel := str(f.relative_to(wt)))}
  assert {f: n for f, n in ours.items() if n} == queue.sz_stats(repo, "workbench-base")

def test_parity_trailer_keeps_ids_that_hold_a_comma():
  meta = queue.trailers("fix it\n\nbody\n\nParity: cast/bfloat16/float32[3,4], elementwise/exp/edge-values models/vit\n")
  assert queue.parity_ids(meta) == ["cast/bfloat16/float32[3,4]", "elementwise/exp/edge-values"]
