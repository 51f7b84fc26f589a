"""Reading the HDF5 results file into the plain tables ``meshsim.Results`` wraps: the table
list, the layout checks of ``open_results`` (docs/results-format.md) and the normalisation both
sources (a run in this process, a file) share.  Internal to ``meshsim.results``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

# Every table of a results file, by its HDF5 path; the two latency_buckets are matrices.
TABLES = (
    "catalog/workloads",
    "catalog/services",
    "catalog/loads",
    "series/requests",
    "series/latency_buckets",
    "series/histograms",
    "totals/requests",
    "totals/latency_buckets",
    "totals/histograms",
    "series/tcp",
    "totals/tcp",
    "timeline",
    "traces",
)
_MATRICES = ("series/latency_buckets", "totals/latency_buckets")

# The TCP tables' columns (docs/results-format.md), for files written before they existed: such
# a file holds no TCP connection, so open_results gives it empty tables with these columns.
_TCP_COLUMNS = (
    ("reporter", object),
    ("source_workload", object),
    ("source_version", object),
    ("destination_service", object),
    ("destination_service_name", object),
    ("destination_service_namespace", object),
    ("destination_workload", object),
    ("destination_version", object),
    ("response_flags", object),
    ("connections_opened", np.uint64),
    ("connections_closed", np.uint64),
    ("sent_bytes", np.uint64),
    ("received_bytes", np.uint64),
)
_HISTOGRAM_COLUMNS = (("row", np.uint64), ("lower_ns", np.uint64), ("upper_ns", np.uint64),
                      ("count", np.uint64))
_ADDED_TABLES = {
    "series/tcp": (("interval_start_s", np.float64),) + _TCP_COLUMNS,
    "totals/tcp": _TCP_COLUMNS,
    # Files written before per-interval histograms: per_interval() then has no latency figures.
    "series/histograms": _HISTOGRAM_COLUMNS,
}

# /metadata's attributes in the order the writer writes them (h5py lists them by name).
_METADATA_ORDER = (
    "format",
    "format_version",
    "meshsim_version",
    "seed",
    "scenario_text",
    "scenario_files",
    "wall_time_s",
    "sim_duration_s",
    "warmup_s",
    "interval_s",
    "events",
    "requests_recorded",
    "requests_dropped_warmup",
    "recovery",
    "recovery_s",
    "created_utc",
)

# Istio's bucket bounds (ms) of the latency_buckets matrices' columns; the last is +Inf.
LATENCY_BUCKETS_LE_MS = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
                         60000, 300000, 600000, 1800000, 3600000, float("inf"))


def _read_tables(f: Any, path: str) -> dict[str, Any]:
    """open_results' reading, from an open h5py.File; raises on any layout it does not know."""
    tables: dict[str, Any] = {}
    if "metadata" not in f or f["metadata"].attrs.get("format") != "meshsim-results":
        raise ValueError(f"{path}: not a meshsim results file")
    version = int(f["metadata"].attrs.get("format_version", 0))
    if version != 1:
        raise ValueError(f"{path}: results format version {version}; this meshsim reads 1")
    attrs = {k: _attribute(v) for k, v in f["metadata"].attrs.items()}
    tables["metadata"] = {k: attrs.pop(k) for k in _METADATA_ORDER if k in attrs} | attrs
    for name in TABLES:
        if name in _ADDED_TABLES and name not in f:
            tables[name] = {col: np.empty(0, dtype=dtype) for col, dtype in _ADDED_TABLES[name]}
            continue
        obj = f[name]
        if name in _MATRICES:
            m = obj[()]
            if m.ndim != 2 or m.shape[1] != len(LATENCY_BUCKETS_LE_MS) or m.dtype.kind not in "iu":
                raise ValueError(f"/{name} is {m.dtype} {m.shape}, not integer counts "
                                 f"rows x {len(LATENCY_BUCKETS_LE_MS)}")
            tables[name] = m
            continue
        cols = {}
        for col in obj.attrs["columns"]:
            ds = obj[_attribute(col)]
            if ds.ndim != 1:
                raise ValueError(f"/{name}/{_attribute(col)} is not a column (shape {ds.shape})")
            cols[_attribute(col)] = ds.asstr()[()] if ds.dtype.kind == "S" else ds[()]
        if len({len(v) for v in cols.values()}) > 1:
            lengths = ", ".join(f"{c} {len(v)}" for c, v in cols.items())
            raise ValueError(f"/{name}: columns of different lengths ({lengths})")
        tables[name] = cols
    return tables


def _attribute(value: Any) -> Any:
    """An HDF5 attribute (or name) as the plain Python value the bindings give; a NaN (a
    figure that does not apply, e.g. recovery_s of a run that did not recover) as None, so that
    metadata dicts compare equal."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [_attribute(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return value


def _normalise(tables: Mapping[str, Any]) -> dict[str, Any]:
    """Tables from either source in one form: columns as 1-D numpy arrays (strings as object
    arrays of str), matrices as 2-D uint64 arrays, metadata as plain Python values."""
    out: dict[str, Any] = {"metadata": {k: _attribute(v) for k, v in tables["metadata"].items()}}
    for name in TABLES:
        value = tables[name]
        if name in _MATRICES:
            out[name] = np.asarray(value, dtype=np.uint64).reshape(-1, len(LATENCY_BUCKETS_LE_MS))
            continue
        cols = {}
        for col, values in value.items():
            if isinstance(values, np.ndarray) and values.dtype != object:
                cols[col] = values
            else:
                arr = np.empty(len(values), dtype=object)
                arr[:] = [str(v) for v in values]
                cols[col] = arr
        out[name] = cols
    return out
