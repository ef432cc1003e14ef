"""Runs fuzz programs in a separate process: a compiled kernel can crash or hang it, and the campaign must survive both."""
import multiprocessing as mp, os, sys, warnings
from unittest import mock
from multiprocessing.connection import Connection
from pathlib import Path

def _serve(conn: Connection, tinygrad: str | None, dev: str | None, guided: bool):
  # compiler warnings and torch's UserWarnings would drown the progress line; results travel through the pipe
  devnull = os.open(os.devnull, os.O_WRONLY)
  os.dup2(devnull, 1)
  os.dup2(devnull, 2)
  warnings.simplefilter("ignore")
  if dev:
    os.environ["DEV"] = dev  # read once, when tinygrad is imported
    # a worker forked from the server (below) has the tinygrad the server imported, which read the server's DEV
    if (helpers := sys.modules.get("tinygrad.helpers")) is not None: helpers.DEV.value = dev
  if tinygrad: sys.path.insert(0, tinygrad)  # another tree's tinygrad package (the plain pin, say) instead of the synced one
  from tools.fuzz.oracle import evaluate  # imported here: the parent process never loads tinygrad or torch
  if guided: from tools.fuzz.reach import Reach
  reach = Reach() if guided else None
  while True:
    program = conn.recv()
    try:
      if reach is None: conn.send(evaluate(program))
      else:
        res, new = reach.new_lines(evaluate, program)
        conn.send({**res, "new lines": new})
    except Exception as e: conn.send({"status": "fail", "kind": "harness", "message": f"{type(e).__name__}: {e}"})

def _context(tinygrad: Path | None):
  """Workers of the synced tree fork from a server that imported torch and tinygrad once, so one starts in a blink, not in the
  seconds a new interpreter takes to import them (which every crash cost, while Hypothesis shrank it). Another tree's tinygrad
  needs an interpreter of its own."""
  if tinygrad: return mp.get_context("spawn")
  ctx = mp.get_context("forkserver")
  ctx.set_forkserver_preload(["tools.fuzz.oracle"])
  return ctx

class Worker:
  def __init__(self, timeout: float = 60.0, tinygrad: Path | None = None, dev: str | None = None, guided: bool = False):
    """guided: each result also says how many lines of tinygrad the program reached first in this process (tools/fuzz/reach.py)."""
    self.timeout, self.tinygrad, self.dev, self.guided, self.proc, self.history = timeout, tinygrad, dev, guided, None, []

  def _start(self):
    self.history = []  # the programs this process has run, oldest first: what a result that depends on earlier ones depends on
    ctx = _context(self.tinygrad)
    self.conn, child = ctx.Pipe()
    self.proc = ctx.Process(target=_serve, args=(child, str(self.tinygrad) if self.tinygrad else None, self.dev, self.guided), daemon=True)
    # a spawned process starts by importing the parent's main module, which may import tinygrad before _serve runs: DEV and the
    # tree must already be in the environment it starts with (and the server's, if this starts it)
    env = {**({"DEV": self.dev} if self.dev else {}),
           **({"PYTHONPATH": os.pathsep.join([str(self.tinygrad), *filter(None, [os.environ.get("PYTHONPATH")])])} if self.tinygrad else {})}
    with mock.patch.dict(os.environ, env): self.proc.start()

  def alive(self) -> bool: return self.proc is not None and self.proc.is_alive()

  def run(self, program: dict) -> dict:
    self.send(program)
    return self.result()

  def send(self, program: dict):
    """Starts `program` without waiting for it: workers of several backends run one program side by side."""
    if not self.alive(): self._start()
    self.history = self.history[-49:] + [program]
    self.conn.send(program)

  def result(self) -> dict:
    if not self.conn.poll(self.timeout):
      self.stop()
      return {"status": "fail", "kind": "hang", "message": f"no result within {self.timeout:.0f}s"}
    try: return self.conn.recv()
    except EOFError:
      code = self.proc.exitcode if self.proc.join(5) is None else None
      self.proc = None
      return {"status": "fail", "kind": "crash", "message": f"the worker process died (exit code {code})"}

  def stop(self):
    if self.proc is not None: self.proc.kill(); self.proc.join()
    self.proc = None
