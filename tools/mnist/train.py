"""make mnist: trains tinygrad/examples/mnist_convnet.py on real MNIST (offline) and reports test accuracy and wall time,
with a loss/accuracy curve in build/mnist/curve.png. EPOCHS=, BS=, LR=, SEED= go to the example."""
import importlib.util, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from tinygrad.helpers import getenv
from tools.mnist import data as mnist
from tools.workbench import ROOT, WorkbenchError, cli, write_atomic

def example():
  path = ROOT / "tinygrad" / "examples" / "mnist_convnet.py"
  if not path.exists(): raise WorkbenchError(f"{path} is missing: it comes from the patch stack, run `make sync`")
  spec = importlib.util.spec_from_file_location("mnist_convnet", path)
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod

def main():
  data, ex = mnist.load(), example()
  st = time.perf_counter()
  model, history, losses = ex.train(data["x_train"], data["y_train"], data["x_test"], data["y_test"])
  wall = time.perf_counter() - st
  # img/s: one more evaluation of the test set, timed alone; training's is the rest of the wall time over its steps' images
  t = time.perf_counter()
  ex.evaluate(model, data["x_test"], data["y_test"])
  eval_s = time.perf_counter() - t
  train_ips = len(losses) * getenv("BS", 128) / max(wall - len(history) * eval_s, 1e-9)
  out = ROOT / "build" / "mnist"
  out.mkdir(parents=True, exist_ok=True)
  fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
  a.plot(losses, lw=0.5, alpha=0.6, label="train loss (per step)")
  per = len(losses) / len(history)
  a.plot([e * per for e, *_ in history], [h[1] for h in history], "o-", label="train loss (epoch mean)")
  a.set(xlabel="step", ylabel="loss (label smoothing 0.1)", yscale="log", title="training loss")
  a.legend()
  b.plot([h[0] for h in history], [h[2] * 100 for h in history], "o-")
  b.axhline(99.5, color="gray", ls="--", lw=0.8)
  b.set(xlabel="epoch", ylabel="test accuracy (%)", title=f"test accuracy: best {max(h[2] for h in history) * 100:.2f}%")
  fig.tight_layout()
  fig.savefig(out / "curve.png", dpi=120)
  rows = [f"| {e} | {loss:.4f} | {acc * 100:.2f} | {t:.0f} |" for e, loss, acc, t in history]
  speed = f"training {train_ips:.0f} img/s, evaluation {len(data['x_test']) / eval_s:.0f} img/s"
  write_atomic(out / "result.md", "| epoch | train loss | test accuracy (%) | wall (s) |\n|---|---|---|---|\n" + "\n".join(rows) + f"\n\n{speed}\n")
  print(f"best {max(h[2] for h in history) * 100:.2f}% after {len(history)} epochs; {speed}; curve: {out / 'curve.png'}, table: {out / 'result.md'}")
  print(f"test accuracy {history[-1][2] * 100:.2f}% in {wall:.0f} s")

if __name__ == "__main__": cli(main)
