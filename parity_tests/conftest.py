"""Parity suite setup: the backend under test, and the report (build/parity/) written at the end of every run."""
import pytest
from tools.toolchain import backends
from tools.workbench import DEV

pytest_plugins = ["tools.parity.report"]

def pytest_collection_modifyitems(config, items):
  if why := backends().get(DEV):
    for item in items: item.add_marker(pytest.mark.skip(reason=f"DEV={DEV} is unusable here: {why}"))
