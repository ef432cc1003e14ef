"""The cluster path (tools/fuzz/cluster.py) on a local Ray instance with two jobs: `make test-cluster`, which installs Ray first."""
import pytest
from tools.fuzz import cluster, findings

ray = pytest.importorskip("ray", reason="Ray is pyproject.toml's cluster extra, which make sync does not install: run make test-cluster")

def test_two_ray_jobs_bring_their_findings_into_one_folder_once(tmp_path, monkeypatch):
  monkeypatch.setattr(findings, "FINDINGS", tmp_path / "findings")
  tally = cluster.run("local", 2, 40, base_seed=3, ops=["relu"], max_ops=1, backends=["CPU"])  # both jobs meet relu(nan)
  assert not ray.is_initialized()
  found = findings.load()
  sigs = [f["signature"] for f in found]
  assert tally.new and len(sigs) == len(set(sigs)) == len(tally.new) and any(s.startswith("relu:nan-inf") for s in sigs)
  # each job wrote to a temporary folder of its own: what is here came through the finding events
  assert all((tmp_path / "findings" / f["id"] / "repro.py").exists() for f in found)
  assert tally.programs > 100 and sum(tally.times.values()) > 0
