"""The system tools tinygrad's CPU backends need (clang, libLLVM 19): which backends are usable, and installing what is missing."""
import ctypes.util, os, re, shutil, subprocess
from tools.workbench import DEV, WorkbenchError

def llvm_version() -> int | None:
  """Major version of the libLLVM tinygrad's DEV=CPU:LLVM would load (it tries these names in this order)."""
  for name in ["LLVM", *(f"LLVM-{v}" for v in range(21, 13, -1))]:
    if lib := ctypes.util.find_library(name): return int(m.group(1)) if (m := re.search(r"(\d+)", lib.removeprefix("libLLVM"))) else None
  return None

# the Debian package that makes each backend usable
PACKAGES = {"CPU": "clang", "CPU:LLVM": "libllvm19"}

def backends() -> dict[str, str | None]:
  """Each CPU-side backend and why it is unusable (None when it is usable)."""
  llvm = llvm_version()
  return {"CPU": None if shutil.which("clang") else "no clang: `apt-get install clang`",
          "CPU:LLVM": None if llvm and llvm >= 19 else f"needs libLLVM 19 or newer, found {llvm or 'none'}: `apt-get install libllvm19`",
          "CPU:X86": None, "PYTHON": None}  # X86 assembles its own machine code

def runnable() -> list[str]:
  """The CPU-side backends usable here."""
  return [b for b, why in backends().items() if why is None]

def ensure(dev: str = DEV) -> dict[str, str | None]:
  """Makes the DEV backend usable: as root, installs its package with apt-get (saying so first); otherwise stops with the command."""
  found = backends()
  if not found.get(dev): return found
  pkg = PACKAGES[dev]
  if os.geteuid() != 0 or not shutil.which("apt-get"):
    raise WorkbenchError(f"DEV={dev} needs the system package {pkg}, which is missing: run `sudo apt-get install -y {pkg}`, then this command again")
  print(f"DEV={dev} needs {pkg}: installing it with apt-get (running as root)", flush=True)
  env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
  for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", pkg]):
    if (p := subprocess.run(cmd, env=env, capture_output=True, text=True)).returncode:
      raise WorkbenchError(f"`{' '.join(cmd)}` failed: {(p.stderr.strip().splitlines() or ['exit ' + str(p.returncode)])[-1]}")
  if (still := backends()).get(dev): raise WorkbenchError(f"DEV={dev} is still unusable after installing {pkg}: {still[dev]}")
  return still
