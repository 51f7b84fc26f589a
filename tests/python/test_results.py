"""meshsim.Results: the tables of a run, whichever way they arrive (a run in this process, or a
results file read with h5py), and the per-service and per-edge figures, which must be the ones
`meshsim run` prints.  Source of truth: the command line (build/bin/meshsim) and
docs/results-format.md."""
import subprocess

import numpy as np
import pandas as pd
import pytest

import meshsim
from conftest import EXAMPLES, MESHSIM_BIN

needs_cli = pytest.mark.skipif(not MESHSIM_BIN.exists(), reason=f"no {MESHSIM_BIN}")


def cli_run(tmp_path, example, seed, duration):
    out = tmp_path / f"{example}-cli.h5"
    p = subprocess.run([str(MESHSIM_BIN), "run", str(EXAMPLES / example), "--seed", str(seed),
                        "--duration", duration, "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout, out


def summary_rows(text, title, keys):
    """The rows of one table of the CLI summary: key cells, then the eight figure cells."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 3
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        cells = line.split()
        rows.append(cells[:keys + 8])
    return rows


def formatted(df, keys):
    """A services()/edges() frame formatted as the CLI formats its cells."""
    rows = []
    for r in df.itertuples(index=False):
        d = r._asdict()
        row = [str(d[k]) for k in keys] + [str(d["requests"])]
        if d["requests"] == 0:
            row += ["-"] * 7
        else:
            row += ["%.2f" % d[c] for c in ("rps", "success_pct", "p50_ms", "p90_ms", "p99_ms")]
            row += [str(d["retries"]), str(d["timeouts"])]
        rows.append(row)
    return rows


@needs_cli
@pytest.mark.parametrize("example,seed,duration", [("bookinfo", 7, "20s"),
                                                    ("zone-outage", 3, "90s")])
def test_services_and_edges_are_the_cli_summary_for_the_same_seed(tmp_path, example, seed, duration):
    stdout, path = cli_run(tmp_path, example, seed, duration)
    res = meshsim.Scenario.load(EXAMPLES / example).run(seed=seed, duration=duration)
    from_file = meshsim.open_results(path)
    for r in (res, from_file):
        assert formatted(r.services(), ["service"]) == summary_rows(stdout, "Services", 1)
        assert formatted(r.edges(), ["source", "destination"]) == summary_rows(stdout, "Edges", 2)
    # The very same numbers, not only the same rounding, and the binding ran the CLI's run.
    pd.testing.assert_frame_equal(res.services(), from_file.services())
    pd.testing.assert_frame_equal(res.edges(), from_file.edges())
    assert res._core.summary == stdout[:len(res._core.summary)]


@needs_cli
def test_a_cli_file_and_a_python_run_hold_the_same_tables(tmp_path):
    _, path = cli_run(tmp_path, "zone-outage", 5, "60s")
    res = meshsim.Scenario.load(EXAMPLES / "zone-outage").run(seed=5, duration="60s")
    cli = meshsim.open_results(path)
    for name in meshsim.results.TABLES:
        a, b = res.table(name), cli.table(name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            pd.testing.assert_frame_equal(a, b)
    wall = {"wall_time_s", "created_utc", "scenario_text", "scenario_files"}
    assert {k: v for k, v in res.metadata.items() if k not in wall} == \
        {k: v for k, v in cli.metadata.items() if k not in wall}
    # The zone outage starts at 20 s and is never undone (a node loss for good).
    assert len(cli.timeline()) == 1 and cli.timeline().undo.tolist() == [False]


def test_save_then_open_results_gives_equal_frames(tmp_path, bookinfo):
    res = bookinfo.run(seed=11, duration="15s")
    path = tmp_path / "run.h5"
    res.save(path)
    assert not list(tmp_path.glob("*.tmp-*"))
    again = meshsim.open_results(path)
    assert again.metadata == res.metadata
    for method in ("series", "totals", "timeline", "traces", "services", "edges"):
        pd.testing.assert_frame_equal(getattr(res, method)(), getattr(again, method)())
    pd.testing.assert_series_equal(res.latency_quantiles("reviews"), again.latency_quantiles("reviews"))
    # Saving what was opened writes the same file.
    copy = tmp_path / "copy.h5"
    again.save(copy)
    assert copy.read_bytes() == path.read_bytes()


def test_an_empty_run_round_trips(tmp_path):
    sc = meshsim.Scenario.load(EXAMPLES / "mm1").set({"Load/poisson-800.spec.rate": 0})
    res = sc.run(seed=1, duration="2s", warmup="1s")
    assert len(res.series()) == 0 and len(res.traces()) == 0
    res.save(tmp_path / "empty.h5")
    again = meshsim.open_results(tmp_path / "empty.h5")
    for method in ("series", "totals", "timeline", "traces", "services", "edges"):
        pd.testing.assert_frame_equal(getattr(res, method)(), getattr(again, method)())
    assert res.services().requests.tolist() == [0]
    assert res.latency_quantiles().isna().all()


def test_table_columns_are_the_layouts_with_the_stored_types(bookinfo):
    res = bookinfo.run(seed=1, duration="10s")
    s = res.series()
    assert list(s.columns[:3]) == ["interval_start_s", "reporter", "source_workload"]
    # Signed integers and Categoricals for analysis (issue #15; the file keeps uint16/uint64).
    assert s.response_code.dtype == np.int64 and s["count"].dtype == np.int64
    assert s.reporter.dtype == "category" and set(s.reporter) <= {"source", "destination", "client"}
    assert res.table("series/latency_buckets").shape == (len(s), 20)
    assert list(res.totals().columns[-3:]) == ["latency_min_ns", "latency_max_ns", "latency_sum_ns"]
    assert list(res.traces().columns) == ["trace_id", "span_id", "parent_span_id", "start_s", "end_s",
                                          "workload", "peer_service", "response_code",
                                          "response_flags", "kind"]
    with pytest.raises(KeyError):
        res.table("nope")
    # A frame is the caller's: changing it changes nothing in the results.
    s["count"].to_numpy()[:] = 0  # in place: raises if the frame shared a read-only array
    assert res.series()["count"].sum() > 0


def test_columns_from_the_core_are_read_only_views(bookinfo):
    core = meshsim._core.run(bookinfo._core, 1, 10 * 10**9, None)
    count = core.tables()["series/requests"]["count"]
    assert count.dtype == np.uint64 and not count.flags.writeable and not count.flags.owndata
    with pytest.raises(ValueError):
        count[0] = 1
    del core  # the arrays keep the C++ tables alive
    assert int(count.sum()) > 0


def test_latency_quantiles_agree_with_services_and_are_exact_at_the_ends(bookinfo):
    res = bookinfo.run(seed=2, duration="20s")
    svc = res.services().set_index("service")
    q = res.latency_quantiles("reviews", quantiles=(0.0, 0.5, 0.9, 0.99, 1.0))
    assert list(q.index) == [0.0, 0.5, 0.9, 0.99, 1.0]
    assert q[0.5] == svc.p50_ms["reviews"] and q[0.99] == svc.p99_ms["reviews"]
    totals = res.totals()
    rows = totals[totals.reporter.isin(["source", "client"])
                  & (totals.destination_service_name == "reviews")]
    assert q[0.0] == rows.latency_min_ns.min() / 1e6 and q[1.0] == rows.latency_max_ns.max() / 1e6
    assert q.is_monotonic_increasing
    everything = res.latency_quantiles()
    assert svc.p50_ms.min() <= everything[0.5] <= svc.p50_ms.max()
    assert res.latency_quantiles("reviews.default.svc.cluster.local").equals(
        res.latency_quantiles("reviews").rename("reviews.default.svc.cluster.local"))
    assert res.latency_quantiles("ratings").isna().all()  # nobody called ratings (all-v1 routes)
    with pytest.raises(KeyError):
        res.latency_quantiles("nope")
    with pytest.raises(ValueError):
        res.latency_quantiles(quantiles=(50,))


def test_histogram_percentiles_rejects_buckets_of_another_layout():
    with pytest.raises(ValueError, match="not a bucket"):
        meshsim._core.histogram_percentiles(np.array([1000], dtype=np.uint64),
                                            np.array([1001], dtype=np.uint64),
                                            np.array([1], dtype=np.uint64), 1000, 1000, 1000, [50])
    assert meshsim._core.histogram_percentiles(np.array([7], dtype=np.uint64),
                                               np.array([8], dtype=np.uint64),
                                               np.array([3], dtype=np.uint64), 7, 7, 21, [50]) == [7]


def test_open_results_rejects_other_files(tmp_path):
    import h5py

    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_group("metadata").attrs["format"] = "something-else"
    with pytest.raises(ValueError, match="not a meshsim results file"):
        meshsim.open_results(tmp_path / "other.h5")


def test_save_to_an_impossible_path_raises_oserror(bookinfo, tmp_path):
    res = bookinfo.run(seed=1, duration="2s", warmup="1s")
    with pytest.raises(OSError):
        res.save(tmp_path / "no-such-dir" / "run.h5")


def test_an_in_mesh_load_counts_each_request_once(tmp_path):
    """Regression: a load generator with a sidecar (inMesh) leaves a client record and a
    reporter=source record per request; services() and the CLI counted both (twice the rate).
    Truth: the requests the generator made, i.e. its client records."""
    sc = meshsim.Scenario.load(EXAMPLES / "zone-outage").set({"Load/shoppers.spec.inMesh": True})
    res = sc.run(seed=3, duration="20s")
    t = res.totals()
    clients = int(t.loc[t["reporter"] == "client", "count"].sum())
    web = res.services().set_index("service").loc["web"]
    assert web["requests"] == clients
