"""Runs each notebook in notebooks/ headless, as a user would, and fails if any cell errors.

Each runs from a copy in a temporary directory, not from notebooks/: a notebook must travel
(issue #15), finding the examples through meshsim.examples_dir() ($MESHSIM_EXAMPLES, else the
checkout `meshsim` is imported from), not through its own location.

The kernel is the interpreter running this test, the one meshsim._core is built for (under CTest
Debian's /usr/bin/python3): a kernelspec written to a temporary JUPYTER_PATH, so whatever kernels
the machine has installed do not matter. PYTHONPATH is set so `import meshsim` finds the build:
the PYTHONPATH this test runs with, else <repo>/build/python:<repo>/python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
NBCONVERT = shutil.which("jupyter-nbconvert", path="/usr/bin") or "/usr/bin/jupyter-nbconvert"
KERNEL_PYTHON = sys.executable
KERNEL = "meshsim-test-python3"
CELL_TIMEOUT_S = 300


def _pythonpath() -> str:
    own = os.environ.get("PYTHONPATH", "")
    if own:
        return own
    return os.pathsep.join([str(REPO / "build" / "python"), str(REPO / "python")])


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [KERNEL_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Debian, meshsim tests)",
        "language": "python",
    }))
    env = dict(os.environ)
    env["JUPYTER_PATH"] = str(root)
    env["PYTHONPATH"] = _pythonpath()
    # A private config and runtime directory: nothing from the user's ~/.jupyter applies.
    env["JUPYTER_CONFIG_DIR"] = str(root / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(root / "runtime")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, as in Jupyter
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # What the notebooks and the kernel write (tempfile.mkdtemp() results files, IPython's
    # history database, __pycache__) lands in this test's temporary directory, removed by pytest.
    (root / "tmp").mkdir()
    env["TMPDIR"] = str(root / "tmp")
    env["IPYTHONDIR"] = str(root / "ipython")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_there_are_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01-quickstart-bookinfo.ipynb", "02-canary-what-if.ipynb",
                     "03-zone-outage.ipynb", "05-vulnerability-map.ipynb"], names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(notebook):
    nb = json.loads(notebook.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, \
                f"{notebook.name}: cell {i} has outputs; clear them before committing"


def execute(notebook: Path, env: dict, where: Path) -> subprocess.CompletedProcess:
    """Copies `notebook` into `where` (outside the repository) and executes the copy there, its
    executed version replacing it."""
    assert Path(NBCONVERT).exists(), "jupyter-nbconvert is missing (Debian: jupyter-nbconvert)"
    copy = where / notebook.name
    shutil.copyfile(notebook, copy)
    return subprocess.run(
        [NBCONVERT, "--to", "notebook", "--execute", "--inplace",
         f"--ExecutePreprocessor.kernel_name={KERNEL}",
         f"--ExecutePreprocessor.timeout={CELL_TIMEOUT_S}", str(copy)],
        cwd=where, env=env, capture_output=True, text=True, timeout=15 * 60)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(notebook, jupyter_env, tmp_path):
    assert REPO not in tmp_path.parents
    start = time.monotonic()
    proc = execute(notebook, jupyter_env, tmp_path)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, (
        f"{notebook.name} failed after {elapsed:.0f} s:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    out = json.loads((tmp_path / notebook.name).read_text())
    errors = [o for c in out["cells"] if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{notebook.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    ran = [c for c in out["cells"] if c["cell_type"] == "code"]
    assert ran and all(c.get("execution_count") for c in ran), "not every cell ran"
    images = sum("image/png" in o.get("data", {}) for c in ran for o in c.get("outputs", []))
    assert images >= 1, f"{notebook.name} drew no figure"
    print(f"{notebook.name}: {elapsed:.1f} s", file=sys.stderr)


def test_a_notebook_without_its_examples_says_what_to_set(jupyter_env, tmp_path):
    """Where the examples cannot be found, the first cell stops with an error naming
    MESHSIM_EXAMPLES (before: a bare StopIteration from looking for the repository upwards of
    the working directory).  Stops at the first cell, so it costs a kernel start only."""
    env = dict(jupyter_env, MESHSIM_EXAMPLES=str(tmp_path / "no-such-dir"))
    proc = execute(NOTEBOOKS[0], env, tmp_path)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "FileNotFoundError" in out and "MESHSIM_EXAMPLES" in out, out[-3000:]
    assert "StopIteration" not in out
