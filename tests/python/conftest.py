"""Shared by the tests of the `meshsim` Python package (tests/python).

CTest runs them as `/usr/bin/python3 -m pytest tests/python` with
PYTHONPATH=<build>/python:<src>/python (the freshly built meshsim._core beside the source
tree's package) and MESHSIM_BIN pointing at the command line, which some tests compare with.
"""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"
BAD = ROOT / "tests" / "scenarios" / "bad"
MESHSIM_BIN = Path(os.environ.get("MESHSIM_BIN", ROOT / "build" / "bin" / "meshsim"))

# Run by hand from the repository without PYTHONPATH: use the default build tree.
try:
    import meshsim  # noqa: F401
except ImportError:
    sys.path[:0] = [str(ROOT / "build" / "python"), str(ROOT / "python")]


@pytest.fixture(scope="session")
def bookinfo():
    """Istio's Bookinfo example, loaded once."""
    import meshsim

    return meshsim.Scenario.load(EXAMPLES / "bookinfo")
