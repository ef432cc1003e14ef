"""Programs with structure and state, each class its own Hypothesis strategy: DAGs where one value feeds several steps through
different views that are combined again (and fused kernels that read many inputs at once), in-place updates of buffers read
before and after them and realized in a drawn order, and TinyJit replays of a program with fresh inputs."""
from hypothesis import strategies as st
from tools.fuzz.programs import OPS, any_dtype, kind, programs, tensor, values

nd_shapes = st.lists(st.sampled_from([1, 2, 3, 4, 0]), min_size=1, max_size=4).map(tuple)  # up to 4 dims, zero-size anywhere

@st.composite
def view(draw, shape: tuple) -> dict:
  """A view op that keeps `shape`, with its parameters ("p", "q"): see the op table."""
  nd, d = len(shape), draw(st.integers(0, len(shape) - 1))
  sl = lambda s: ", ".join([":"] * d + [s])
  op = draw(st.sampled_from(["shift", "unshift", "permute", "broadcast", "reverse", "flip"]))
  if op == "shift" and shape[d] < 2: op = "flip"  # nothing to drop
  if op in ("shift", "unshift"):
    k, front, widths = draw(st.integers(1, 2 if op == "unshift" else shape[d] // 2 + 1)), draw(st.booleans()), [0] * (2 * nd)
    # shift drops k from the front (back) and pads k zeros at the back (front); unshift pads k zeros at the front (back) and slices
    # the old size back out; F.pad's widths run from the last dim backwards
    widths[2 * (nd - 1 - d) + (front if op == "shift" else not front)] = k
    p = sl(f"{k}:" if front else f":-{k}") if op == "shift" else sl(f":{shape[d]}" if front else f"{k}:")
    return {"op": op, "p": p, "q": str(tuple(widths))}
  if op == "permute": return {"op": op, "p": str(tuple(draw(st.permutations(range(nd))))), "q": str(shape)}
  if op == "broadcast":
    i = draw(st.integers(0, max(shape[d] - 1, 0)))
    return {"op": op, "p": sl(f"{i}:{i + 1}" if shape[d] else ":"), "q": str(shape)}
  if op == "reverse": return {"op": op, "p": "", "q": str(shape)}
  return {"op": "flip", "p": str(d)}

COMBINE = {"f": ["add", "mul", "sub", "maximum", "minimum"], "i": ["add", "mul", "sub", "maximum", "minimum"], "b": ["and", "or", "xor", "maximum"]}

@st.composite
def dag_programs(draw) -> dict:
  """Values of one shape and dtype (up to 10 inputs, for a fused kernel that reads them all), each step a view of an earlier
  value or a combination of two; whatever no step used is folded into the output, so every input feeds it."""
  shape, dtype = draw(nd_shapes), draw(any_dtype)
  inputs = [draw(tensor(shape, dtype)) for _ in range(draw(st.sampled_from([1, 1, 2, 3, 4, 6, 10])))]
  pool, unused, steps = [f"a{i}" for i in range(len(inputs))], [f"a{i}" for i in range(len(inputs))], []
  def add(step) -> str:
    steps.append(step)
    unused[:] = [v for v in unused if v not in step["operands"].values()] + [f"t{len(steps) - 1}"]
    pool.append(f"t{len(steps) - 1}")
    return pool[-1]
  combine = lambda x, y: {"op": draw(st.sampled_from(COMBINE[kind(dtype)])), "operands": {"x": x, "y": y}, "p": ""}
  for _ in range(draw(st.integers(1, 6))):
    if len(pool) > 1 and draw(st.booleans()): add(combine(*draw(st.permutations(pool))[:2]))
    else: add({**draw(view(shape)), "operands": {"x": draw(st.sampled_from(pool))}})
  while len(unused) > 1: add(combine(unused[0], unused[1]))
  return {"inputs": inputs, "steps": steps}

@st.composite
def index(draw, shape: tuple) -> str:
  """A basic index of `shape`: per dim a slice (with a step, or an end cut off) or an integer."""
  return ", ".join(draw(st.sampled_from([":", "1:", ":-1", "::2", "1::2"] + [str(i) for i in range(min(n, 2))])) for n in shape)

UPDATE = {"f": [0.5, -1.5, 2.0], "i": [1, 2, 3], "b": [True, False]}
READ = {"f": ["+ 1", "* 0.5", "- 2"], "i": ["+ 1", "* 2", "- 3"], "b": ["^ True", "| False"]}

@st.composite
def state_programs(draw) -> dict:
  """One or two buffers of one shape and dtype, some realized first, read (by copies), updated in place (`+=` on the whole or a
  view, setitem, assign), with reads realized at drawn points in a drawn order, and a last step that reads every value."""
  shape, dtype = draw(st.lists(st.sampled_from([1, 2, 3, 0]), min_size=1, max_size=3).map(tuple)), draw(any_dtype)
  inputs = [{**draw(tensor(shape, dtype)), "realized": draw(st.booleans())} for _ in range(draw(st.integers(1, 2)))]
  bufs, reads, pending, steps = [f"a{i}" for i in range(len(inputs))], [], [], []
  def add(step):
    steps.append(step)
    return f"t{len(steps) - 1}"
  def realize(names):  # tinygrad refuses a setitem on a buffer that an unrealized value still reads (on purpose, with a message)
    names = draw(st.permutations(names))
    add({"op": "realize", "operands": {"x": names[0]}, "p": ", ".join(names[1:])})
    pending.clear()
  k = kind(dtype)
  for _ in range(draw(st.integers(2, 6))):
    what, x = draw(st.sampled_from(["read", "read", "iadd", "iadd_view", "setitem", "assign", "realize"])), draw(st.sampled_from(bufs))
    if what == "read" or (what == "assign" and not reads):
      p = draw(index(shape)) if what == "read" else "..."
      reads.append(add({"op": "read", "operands": {"x": x}, "p": p, "q": draw(st.sampled_from(READ[k]))}))
      pending.append(reads[-1])
    elif what == "assign":  # from a read of the whole of one of the buffers
      full = [r for r in reads if steps[int(r[1:])]["p"] == "..."]
      if not full: continue
      add({"op": "assign", "operands": {"x": x, "y": draw(st.sampled_from(full))}, "p": ""})
    elif what == "realize": realize(pending + bufs)
    elif k in OPS[what].takes:
      if what != "iadd" and pending and draw(st.integers(0, 9)): realize(pending)
      p = draw(index(shape)) if what != "iadd" else ""
      add({"op": what, "operands": {"x": x, "y": "s"}, "p": p, "scalar": draw(st.sampled_from(UPDATE[k]))})
  everything = reads + bufs
  add({"op": "collect", "operands": {f"x{i}" if i else "x": n for i, n in enumerate(everything)},
       "p": ", ".join(f"{n}.flatten()" for n in everything)})
  return {"inputs": inputs, "steps": steps, "state": True}

@st.composite
def jit_programs(draw, base: st.SearchStrategy) -> dict:
  """A program from `base` with 2 or 3 more sets of input values, for 3 or 4 calls of it under TinyJit (it captures on the second
  call and replays from the third). Index inputs (int64) are shuffled, not redrawn, so they stay in range."""
  program = draw(base)
  calls = [[draw(st.permutations(t["values"])) if t["dtype"] == "int64" else draw(values(t["dtype"], len(t["values"])))
            for t in program["inputs"]] for _ in range(draw(st.integers(2, 3)))]
  return {**program, "jit": calls}

def any_program(ops: list[str] | None = None, max_ops: int = 3) -> st.SearchStrategy:
  """What a campaign draws: single-op chains (the op table), and with no ops named, the structure and state classes too."""
  if ops: return programs(ops, max_ops)
  return st.one_of(programs(None, max_ops), dag_programs(), state_programs(), jit_programs(st.one_of(programs(None, max_ops), dag_programs())))
