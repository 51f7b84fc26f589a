"""End-to-end tests of the `meshsim` command line (issue #3's "done when").

Run by CTest as `/usr/bin/python3 -m pytest tests/cli` with MESHSIM_BIN pointing at the binary.
Results files are read back with h5py, independently of the C++ reader.
"""
import math
import os
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
MESHSIM = os.environ.get("MESHSIM_BIN", str(ROOT / "build" / "bin" / "meshsim"))
EXAMPLES = ROOT / "scenarios" / "examples"
BAD = ROOT / "tests" / "scenarios" / "bad"


def meshsim(*args, check=None):
    p = subprocess.run([MESHSIM, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def table(group):
    return {name: group[name][()] for name in group.keys()}


def test_mm1_example_through_the_cli_matches_queueing_theory(tmp_path):
    """The M/M/1 example (800 rps, exponential 1 ms, one worker, no sidecar) must match
    W = 1/(mu - lambda) = 5 ms.  Truth: M/M/1.  Tolerance: the 99.9 % batch-means interval of the
    run itself: the 1 s intervals of the results file grouped into 30 batches of 100 s,
    Student-t with 29 degrees of freedom (t = 3.659 from tables).  The run (3000 s measured, a
    relaxation time of 0.09 s at rho 0.8) is long enough that the interval is under 5 % of W, so
    the check has teeth."""
    out = tmp_path / "mm1.h5"
    meshsim("run", EXAMPLES / "mm1", "--out", out, "--duration", "3010s", "--warmup", "10s",
            "--seed", "3", "--quiet", check=0)
    with h5py.File(out, "r") as f:
        s = table(f["series/requests"])
    client = s["reporter"].astype(str) == "client"
    start = s["interval_start_s"][client]
    count = s["count"][client].astype(float)
    lat_sum = s["latency_sum_ms"][client]
    batch = ((start - 10.0) // 100.0).astype(int)  # 30 batches of 100 s after the warm-up
    means = np.array([lat_sum[batch == b].sum() / count[batch == b].sum() for b in range(30)])
    estimate = means.mean()
    half_width = 3.659 * means.std(ddof=1) / math.sqrt(len(means))
    w = 1.0 / (1000.0 - 800.0) * 1e3  # ms
    assert half_width < 0.05 * w, (estimate, half_width)
    assert abs(estimate - w) <= half_width, (estimate, half_width, w)


def datasets_and_attributes(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()].tobytes()
            for k, v in obj.attrs.items():
                out[f"{name}@{k}"] = repr(v)
        f.visititems(visit)
        for k, v in f["metadata"].attrs.items():
            out[f"metadata@{k}"] = repr(v)
    return out


def test_same_seed_gives_identical_results_except_wall_time(tmp_path):
    a, b, c = tmp_path / "a.h5", tmp_path / "b.h5", tmp_path / "c.h5"
    for out, seed in ((a, 7), (b, 7), (c, 8)):
        meshsim("run", EXAMPLES / "bookinfo", "--duration", "20s", "--seed", seed, "--out", out,
                "--quiet", check=0)
    da, db, dc = map(datasets_and_attributes, (a, b, c))
    wall = {"metadata@wall_time_s", "metadata@created_utc"}
    assert set(da) == set(db)
    differ = {k for k in da if da[k] != db[k]}
    assert differ <= wall, differ
    assert {k for k in da if da[k] != dc.get(k)} - wall, "another seed must change the results"


def test_bookinfo_run_prints_a_summary_and_writes_a_file_h5py_opens(tmp_path):
    out = tmp_path / "bookinfo.h5"
    p = meshsim("run", EXAMPLES / "bookinfo", "--duration", "20s", "--out", out, check=0)
    for service in ("productpage", "reviews", "ratings", "details"):
        assert service in p.stdout
    with h5py.File(out, "r") as f:
        assert "meshsim_version" in f["metadata"].attrs
        assert len(f["series/requests/count"]) > 0
        assert "bookinfo.yaml" in f["metadata"].attrs["scenario_text"]
    assert not list(tmp_path.glob("*.tmp-*"))


@pytest.mark.parametrize("bad", sorted(BAD.glob("*.yaml")) if BAD.exists() else [],
                         ids=lambda p: p.name)
def test_bad_scenario_gives_file_line_column_and_exit_1(bad):
    p = meshsim("validate", bad)
    assert p.returncode == 1, p.stderr
    assert f"{bad.name}:" in p.stderr or str(bad) in p.stderr
    assert "MSH" in p.stderr
    # file:line:column: some line starts with the path followed by two numbers
    assert any(line.split(":")[1:3] and all(x.strip().isdigit() for x in line.split(":")[1:3])
               for line in p.stderr.splitlines() if "MSH" in line), p.stderr
    p = meshsim("run", bad, "--duration", "1s")
    assert p.returncode == 1
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr


def test_usage_errors_exit_2():
    assert meshsim().returncode == 2
    assert meshsim("frobnicate").returncode == 2
    assert meshsim("run").returncode == 2
    assert meshsim("run", EXAMPLES / "mm1", "--no-such-option").returncode == 2
    assert meshsim("run", EXAMPLES / "mm1", "--duration", "fast").returncode == 2
    assert meshsim("graph", EXAMPLES / "mm1", "--format", "png").returncode == 2


def test_help_everywhere():
    for cmd in ("run", "validate", "graph"):
        p = meshsim(cmd, "--help", check=0)
        assert "usage: meshsim " + cmd in p.stdout


# A failed write leaves no file: test_edges.py (an --out into a missing directory is now refused
# before the run, exit 2; a write that fails after the run is exit 3 with nothing left).


@pytest.mark.parametrize("command", [
    ["run", EXAMPLES / "retry-storm", "--out", "{out}"],
    ["check", EXAMPLES / "retry-storm", "--junit", "{out}"],
    ["compare", EXAMPLES / "retry-storm", EXAMPLES / "retry-storm", "--markdown", "{out}"],
], ids=["run", "check", "compare"])
def test_ctrl_c_stops_promptly_writes_nothing_and_exits_3(tmp_path, command):
    """Ctrl-C (SIGINT) sets the runner's stop flag (analysis/runner.h), read every 1/500 of a
    run's simulated duration: runs of 20000 simulated seconds (minutes of work) end within
    seconds, with exit 3 ("the run could not finish") and no results file or report."""
    out = tmp_path / "out"
    args = [str(a).replace("{out}", str(out)) for a in command]
    p = subprocess.Popen([MESHSIM, *args, "--duration", "20000s"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(2)  # loading takes a fraction of that; the runs, minutes
    assert p.poll() is None, p.communicate()
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, stderr = p.communicate(timeout=120)
    assert p.returncode == 3, stderr
    assert "interrupted" in stderr
    assert time.monotonic() - start < 10
    assert list(tmp_path.iterdir()) == []


def test_graph_dot_and_json():
    dot = meshsim("graph", EXAMPLES / "bookinfo", check=0).stdout
    assert dot.startswith("digraph")
    assert "productpage" in dot and "reviews" in dot
    import json
    g = json.loads(meshsim("graph", EXAMPLES / "bookinfo", "--format", "json", check=0).stdout)
    edges = {(e["from"], e["to"]) for e in g["edges"]}
    assert ("productpage", "reviews") in edges and ("productpage", "details") in edges


def test_set_overrides_change_the_run():
    """--set Kind.path=value replaces a field of the loaded documents.  Truth: the mm1 example's
    Experiment says duration 300s, warmup 10s; overridden to 20s, the summary's first line
    (layout pinned in analysis/summary.h) must report 20 s simulated and 10 s measured.  An
    unknown field given by --set is reported at the location <--set N>."""
    p = meshsim("run", EXAMPLES / "mm1", "--set", "Experiment.spec.duration=20s", check=0)
    assert p.stdout.startswith(
        "Run: 20.000 s simulated, warm-up 10.000 s, measured 10.000 s, interval "), p.stdout
    p = meshsim("validate", EXAMPLES / "mm1", "--set", "Experiment.spec.nosuchfield=1")
    assert p.returncode == 1 and "<--set 1>" in p.stderr


def test_run_prints_the_fingerprint_it_stores_and_it_follows_the_seed(tmp_path):
    """The fingerprint (a hash of every observation) is printed even with --quiet, equals the
    results file's /metadata/fingerprint, repeats with the seed and changes with it."""
    out = tmp_path / "r.h5"
    def fp(seed, *extra):
        p = meshsim("run", EXAMPLES / "bookinfo", "--duration", "10s", "--seed", seed, "--quiet", *extra, check=0)
        line = [l for l in p.stdout.splitlines() if l.startswith("fingerprint ")]
        assert len(line) == 1, p.stdout
        return line[0].split()[1]
    a = fp(4, "--out", out)
    with h5py.File(out, "r") as f:
        stored = f["metadata"].attrs["fingerprint"]
        stored = stored.decode() if isinstance(stored, bytes) else str(stored)
    assert stored == a
    assert fp(4) == a
    assert fp(5) != a
