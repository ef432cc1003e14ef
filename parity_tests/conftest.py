"""Parity suite setup: the backend under test, and the report (build/parity/) written at the end of every run."""
import os, sys
from pathlib import Path
import pytest
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEV", "CPU")
from tools.sync import backends

pytest_plugins = ["parity_tests.harness.report"]

def pytest_collection_modifyitems(config, items):
  dev = os.environ["DEV"]
  if why := backends().get(dev):
    for item in items: item.add_marker(pytest.mark.skip(reason=f"DEV={dev} is unusable here: {why}"))
