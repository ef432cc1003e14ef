"""pytest plugin: collects each parity test's measurements and writes build/parity/report.md plus a one-screen summary, and every
sample's outcome as build/parity/samples-<DEV>.json, from which tools/parity/backends.py sets the backends side by side."""
import json, os, platform, time
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path
from tools.workbench import DEV, ROOT, write_atomic

# the default backend's report is report.md; other backends get their own file so that one `make test` keeps them all
OUT = Path(os.environ.get("PARITY_OUT") or ROOT / "build" / "parity")  # PARITY_OUT= elsewhere, for the workbench's own tests
REPORT = OUT / ("report.md" if DEV == "CPU" else f"report-{DEV.replace(':', '-')}.md")
SAMPLES = OUT / f"samples-{DEV.replace(':', '-')}.json"
RANK = {"failed": 3, "xpass": 3, "xfail": 2, "skipped": 1, "passed": 0}
rows: list[dict] = []
started = time.perf_counter()

def pytest_runtest_logreport(report):
  if report.when == "call" or (report.when == "setup" and report.skipped):
    props = dict(report.user_properties).get("parity")
    if props is None and "test_ops.py" not in report.nodeid: return
    status = "xfail" if hasattr(report, "wasxfail") and report.skipped else "xpass" if hasattr(report, "wasxfail") else report.outcome
    reason = getattr(report, "wasxfail", "")
    if report.failed and isinstance(report.longrepr, str) and report.longrepr.startswith("[XPASS(strict)] "):  # pytest's form of a strict xpass
      status, reason = "xpass", report.longrepr.removeprefix("[XPASS(strict)] ")
    if report.skipped and not reason and isinstance(report.longrepr, tuple): reason = report.longrepr[2].removeprefix("Skipped: ")
    rows.append({"id": report.nodeid.split("[", 1)[-1].removesuffix("]"), "status": status, "reason": reason, "seconds": report.duration,
                 **(props or {})})

def pytest_terminal_summary(terminalreporter, config):
  if hasattr(config, "workerinput") or not rows: return
  wall = time.perf_counter() - started
  by_op: dict[tuple, list] = defaultdict(list)
  for r in rows: by_op[(r.get("family") or r["id"].split("/")[0], r.get("op") or r["id"].split("/")[1])].append(r)
  REPORT.parent.mkdir(parents=True, exist_ok=True)
  lines = [f"# tinygrad vs torch parity (DEV={DEV})", "",
           "| family | op | status | samples | worst abs err | worst rel err | worst ulp | tolerance | tinygrad ms | torch ms | notes |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
  for (fam, op), rs in sorted(by_op.items()):
    st = max((r["status"] for r in rs), key=RANK.get)
    notes = "; ".join(sorted({f"{r['id'].split('/', 2)[-1]}: {r.get('failure') or r['reason']}" for r in rs if r["status"] != "passed"}))[:300]
    num = lambda k, rs=rs: max((r.get(k, 0.0) for r in rs), default=0.0)
    ms = lambda k, rs=rs: sum(r.get(k, 0.0) for r in rs) * 1e3
    tol = next((r["tolerance"] for r in rs if r.get("tolerance")), "")
    lines.append(f"| {fam} | {op} | {st} | {len(rs)} | {num('abs'):.3g} | {num('rel'):.3g} | {num('ulp'):.3g} | {tol} | "
                 f"{ms('tiny_s'):.1f} | {ms('torch_s'):.1f} | {notes.replace('|', '/')} |")
  write_atomic(REPORT, "\n".join(lines) + "\n")
  machine = os.environ.get("PARITY_MACHINE") or f"{platform.machine()}, {os.cpu_count()} cores"
  write_atomic(SAMPLES, json.dumps({"dev": DEV, "profile": os.environ.get("PARITY", "default"), "wall_s": wall, "torch": version("torch"),
                                    "machine": machine, "samples": rows}, indent=0))

  fams: dict[str, dict] = defaultdict(lambda: defaultdict(int))
  for r in rows: fams[r.get("family") or r["id"].split("/")[0]][r["status"]] += 1
  tr = terminalreporter
  tr.section("parity summary")
  tr.write_line(f"{'family':<14}{'passed':>8}{'xfail':>8}{'failed':>8}{'skipped':>9}")
  for fam, c in sorted(fams.items()):
    tr.write_line(f"{fam:<14}{c['passed']:>8}{c['xfail']:>8}{c['failed'] + c['xpass']:>8}{c['skipped']:>9}")
  skipped = sorted({r["reason"] for r in rows if r["status"] == "skipped"})
  for why in skipped: tr.write_line(f"skipped: {why}")
  tr.write_line(f"backend DEV={DEV}, profile {os.environ.get('PARITY', 'default')}, {len(by_op)} ops, "
                f"{len(rows)} samples, wall {wall:.1f}s; report: {REPORT.relative_to(ROOT) if REPORT.is_relative_to(ROOT) else REPORT}")
