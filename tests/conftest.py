"""Fixtures shared by the workbench's tests; the helpers themselves live in tests/helpers.py."""
import pytest
from tests.helpers import Upstream

@pytest.fixture
def upstream(tmp_path) -> Upstream: return Upstream(tmp_path)
