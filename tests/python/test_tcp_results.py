"""meshsim.Results.tcp() / tcp_totals(): the /series/tcp and /totals/tcp tables (Istio's TCP
metrics) as DataFrames, from a run in this process and from a file alike.  Source of truth:
docs/results-format.md (the columns and their types) and analysis/tcp_metrics.h."""
import h5py
import numpy as np
import pandas as pd

import meshsim

LABELS = ["reporter", "source_workload", "source_version", "destination_service",
          "destination_service_name", "destination_service_namespace", "destination_workload",
          "destination_version", "response_flags"]
COUNTERS = ["connections_opened", "connections_closed", "sent_bytes", "received_bytes"]
METRICS = ["istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total",
           "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total"]


def check_columns(res):
    series, totals = res.tcp(), res.tcp_totals()
    assert list(series.columns) == ["interval_start_s"] + LABELS + COUNTERS
    assert list(totals.columns) == LABELS + COUNTERS
    assert series.interval_start_s.dtype == np.float64
    for df in (series, totals):
        for c in LABELS:
            assert df[c].dtype == "category", c
        for c in COUNTERS:
            assert df[c].dtype == np.int64, c  # uint64 in the file; signed for analysis


def test_a_run_without_tcp_has_empty_tcp_frames_with_the_columns_and_round_trips(tmp_path,
                                                                                  bookinfo):
    # Bookinfo is all HTTP: no TCP connection record, so no row (the tables still exist).
    res = bookinfo.run(seed=1, duration="10s")
    check_columns(res)
    assert len(res.tcp()) == 0 and len(res.tcp_totals()) == 0
    res.save(tmp_path / "run.h5")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert [c.decode() if isinstance(c, bytes) else c
                for c in f["totals/tcp"].attrs["columns"]] == LABELS + COUNTERS
        for c, metric in zip(COUNTERS, METRICS):
            assert f["series/tcp"][c].attrs["metric"] == metric
    again = meshsim.open_results(tmp_path / "run.h5")
    check_columns(again)
    pd.testing.assert_frame_equal(res.tcp(), again.tcp())
    pd.testing.assert_frame_equal(res.tcp_totals(), again.tcp_totals())


def write_table(group, columns):
    """A table as the C++ writer lays it out: fixed-length UTF-8 strings, `columns` in order."""
    for name, values in columns.items():
        if values.dtype == object:
            width = max([len(v.encode()) for v in values] + [1])
            group.create_dataset(name, data=np.array([v.encode() for v in values],
                                                     dtype=f"S{width}"))
        else:
            group.create_dataset(name, data=values)
    group.attrs["columns"] = list(columns)


def test_hand_written_tcp_rows_read_back_with_their_types(tmp_path, bookinfo):
    bookinfo.run(seed=1, duration="8s").save(tmp_path / "run.h5")
    labels = {
        "reporter": ["source", "destination"],
        "source_workload": ["productpage-v1", "productpage-v1"],
        "source_version": ["v1", "v1"],
        "destination_service": ["reviews.default.svc.cluster.local"] * 2,
        "destination_service_name": ["reviews"] * 2,
        "destination_service_namespace": ["default"] * 2,
        "destination_workload": ["unknown", "reviews-v1"],
        "destination_version": ["unknown", "v1"],
        "response_flags": ["UF,URX", "-"],
    }
    cols = {k: np.array(v, dtype=object) for k, v in labels.items()}
    cols.update({
        "connections_opened": np.array([0, 1], dtype=np.uint64),
        "connections_closed": np.array([1, 0], dtype=np.uint64),
        "sent_bytes": np.array([0, 1000], dtype=np.uint64),
        "received_bytes": np.array([0, 100], dtype=np.uint64),
    })
    with h5py.File(tmp_path / "run.h5", "r+") as f:
        del f["series/tcp"]
        write_table(f.create_group("series/tcp"),
                    {"interval_start_s": np.array([2.0, 3.0])} | cols)
        del f["totals/tcp"]
        write_table(f.create_group("totals/tcp"), cols)
    res = meshsim.open_results(tmp_path / "run.h5")
    check_columns(res)
    tcp = res.tcp()
    assert tcp.interval_start_s.tolist() == [2.0, 3.0]
    assert tcp.response_flags.tolist() == ["UF,URX", "-"]
    assert tcp.reporter.tolist() == ["source", "destination"]
    # Failed connections as the CLI counts them: closed with UF or UO among the flags.
    failed = res.tcp_totals()
    failed = failed[failed.response_flags.str.split(",").apply(lambda f: "UF" in f or "UO" in f)]
    assert int(failed.connections_closed.sum()) == 1
    assert int(res.tcp_totals().sent_bytes.sum()) == 1000


def test_a_file_from_before_the_tcp_tables_opens_with_empty_tcp_frames(tmp_path, bookinfo):
    res = bookinfo.run(seed=1, duration="8s")
    res.save(tmp_path / "run.h5")
    with h5py.File(tmp_path / "run.h5", "r+") as f:
        del f["series/tcp"]
        del f["totals/tcp"]
    old = meshsim.open_results(tmp_path / "run.h5")
    check_columns(old)
    pd.testing.assert_frame_equal(old.tcp(), res.tcp())
    pd.testing.assert_frame_equal(old.tcp_totals(), res.tcp_totals())
    pd.testing.assert_frame_equal(old.series(), res.series())
