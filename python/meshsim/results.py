"""A run's results as pandas DataFrames (``meshsim.Results``, ``meshsim.open_results``).

The tables are those of the HDF5 results file (docs/results-format.md), whichever way they
arrive: from a run in this process (``Scenario.run``: the C++ columns, viewed without copying)
or from a file that ``meshsim run --out`` or ``Results.save`` wrote (``open_results``, read with
h5py). Both give equal DataFrames for the same run.

``services()``, ``edges()`` and ``latency_quantiles()`` are computed from ``/totals`` following
analysis/mesh_metrics.h, so they are the figures ``meshsim run`` prints: each request counts
once, where its caller saw it (reporter ``source``, or ``client`` for edge traffic); a success
has a response code other than 0 (a reset) and below 500; a timeout has the flag ``UT`` or the
code 504; retries are attempts beyond the first; rps is requests per second of the measured
window [warm-up, end]; latency percentiles come from the exact merged histograms
(``/totals/histograms``), computed by the same C++ code as the CLI's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._results_io import LATENCY_BUCKETS_LE_MS
from ._results_io import TABLES, _MATRICES, _normalise, _read_tables

__all__ = ["Results", "open_results", "TABLES", "PER_INTERVAL_METRICS", "LATENCY_BUCKETS_LE_MS"]

# Columns that stay uint64 in DataFrames: identifiers, not quantities (random 64-bit ids).
_ID_COLUMNS = ("trace_id", "span_id", "parent_span_id")
# Tables whose string columns are names and text rather than labels: plain str, not categories.
_PLAIN_STRING_TABLES = ("catalog/workloads", "catalog/services", "catalog/loads", "timeline")
_INT64_MAX = np.iinfo(np.int64).max

_CALLER_REPORTERS = ("source", "client")  # reporters whose records count in services()/edges()
_EDGE_CLIENT = "client"  # edges()' source for traffic from meshsim's edge load generator
_TRAFFIC_COLUMNS = ("requests", "rps", "success_pct", "p50_ms", "p90_ms", "p99_ms", "retries",
                    "timeouts")


class Results:
    """One run's results: the tables of its results file, as DataFrames.

    Made by ``Scenario.run``, ``meshsim.run_many`` or ``meshsim.open_results``; not meant to be
    constructed directly. Every method returns a new DataFrame (changing it changes nothing here).
    """

    def __init__(self, tables: Mapping[str, Any], *, core: Any = None, path: str | None = None):
        """Wraps normalised tables (see ``_from_core``/``open_results``); internal."""
        self._tables = dict(tables)
        self._metadata = dict(self._tables.pop("metadata"))
        self._core = core  # the C++ RunResult, when the run happened in this process
        self._path = path  # the file the tables were read from, otherwise

    @classmethod
    def _from_core(cls, core: Any) -> "Results":
        """Results of a run in this process (a ``_core.RunResult``)."""
        return cls(_normalise(core.tables()), core=core)

    # ---- the stored tables -----------------------------------------------------------------

    @property
    def metadata(self) -> dict:
        """The /metadata attributes: seed, meshsim_version, scenario_text, scenario_files,
        events, sim_duration_s, warmup_s, interval_s, requests_recorded,
        requests_dropped_warmup, wall_time_s and created_utc (the last two are wall-clock)."""
        return dict(self._metadata)

    def table(self, name: str) -> pd.DataFrame | np.ndarray:
        """Any stored table by its HDF5 path (``meshsim.results.TABLES``): a DataFrame, or for
        ``series/latency_buckets`` and ``totals/latency_buckets`` a rows x 20 array of Istio's
        cumulative bucket counts (bounds: ``LATENCY_BUCKETS_LE_MS``).

        Columns keep their stored names and units, with two types chosen for analysis (issue
        #15): integers are int64 (the file's unsigned counts and codes, so that differences
        can be negative), except the 64-bit ids ``trace_id``, ``span_id``, ``parent_span_id``
        (uint64); label columns (reporter, workloads, services, versions, response_flags, ...)
        are pandas Categoricals. The catalog and the timeline keep plain strings."""
        if name not in self._tables:
            raise KeyError(f"no table {name!r}; the tables are {', '.join(TABLES)}")
        value = self._tables[name]
        if name in _MATRICES:
            return _signed(name, np.array(value))  # a writable copy
        df = pd.DataFrame(value, copy=True)
        for col in df.columns:
            if df[col].dtype.kind == "u" and col not in _ID_COLUMNS:
                df[col] = _signed(f"{name}:{col}", df[col].to_numpy())
            elif df[col].dtype == object and name not in _PLAIN_STRING_TABLES:
                df[col] = df[col].astype("category")
        return df

    def series(self) -> pd.DataFrame:
        """The /series/requests table: one row per (interval, Istio label set) with requests,
        in interval order; count, retries, latency_sum_ms and latency_p50/p90/p99_ms."""
        return self.table("series/requests")

    def totals(self) -> pd.DataFrame:
        """The /totals/requests table: one row per Istio label set over the measured window,
        with the exact latency_min_ns, latency_max_ns and latency_sum_ns."""
        return self.table("totals/requests")

    def tcp(self) -> pd.DataFrame:
        """The /series/tcp table: Istio's TCP metrics per (interval, label set) with any TCP
        connection record, in interval order: interval_start_s, the labels reporter,
        source_workload, source_version, destination_service (FQDN), destination_service_name,
        destination_service_namespace, destination_workload, destination_version and
        response_flags (``-`` for none), then the interval's increases of
        connections_opened (istio_tcp_connections_opened_total), connections_closed
        (istio_tcp_connections_closed_total), sent_bytes (istio_tcp_sent_bytes_total: towards
        the client) and received_bytes (istio_tcp_received_bytes_total: from the client), all
        uint64. Empty (with these columns) for a run whose mesh proxied no TCP."""
        return self.table("series/tcp")

    def tcp_totals(self) -> pd.DataFrame:
        """The /totals/tcp table: the columns of ``tcp()`` without interval_start_s, one row per
        label set over the measured window."""
        return self.table("totals/tcp")

    def timeline(self) -> pd.DataFrame:
        """The chaos timeline as it happened: at_s, description, undo (True for the end of an
        action with a duration), in time order."""
        df = self.table("timeline")
        df["undo"] = df["undo"].astype(bool)
        return df

    def traces(self) -> pd.DataFrame:
        """Sampled trace spans, one row per span: trace_id, span_id, parent_span_id (0 for a
        root), start_s, end_s, workload, peer_service, response_code, response_flags, kind."""
        return self.table("traces")

    # ---- figures as the CLI prints them ----------------------------------------------------

    def services(self) -> pd.DataFrame:
        """One row per service of the catalog (catalog order, idle services included), as its
        callers saw it: service, requests, rps, success_pct, p50_ms, p90_ms, p99_ms, retries,
        timeouts. ``service`` is the name, or ``name.namespace`` when the mesh spans several
        namespaces (as ``meshsim run`` prints it). A service without requests has 0 requests and
        NaN success and latencies (the CLI's ``-``)."""
        return self._traffic(by_caller=False)

    def edges(self) -> pd.DataFrame:
        """One row per (caller, destination service) that carried requests: source (the
        calling workload, or ``client`` for edge traffic), destination (as in ``services()``),
        then the columns of ``services()``. The edge client first, then callers and
        destinations in catalog order."""
        return self._traffic(by_caller=True)

    def latency_quantiles(self, service: str | None = None,
                          quantiles: Iterable[float] = (0.5, 0.9, 0.99)) -> pd.Series:
        """Latency quantiles in ms, exact from the merged histograms (within 1/256 of the true
        sample value; q = 0 and q = 1 give the exact minimum and maximum).

        ``service``: a name as ``services()`` lists it (its FQDN, or its bare name when that is
        unambiguous, also work), for the requests to that service as its callers saw them; None
        for every request ``services()`` counts, all services together. Returns a Series
        indexed by quantile; NaN everywhere when there were no requests.
        """
        qs = [float(q) for q in quantiles]
        for q in qs:
            if not 0.0 <= q <= 1.0:
                raise ValueError(f"quantiles must be in [0, 1], got {q!r}")
        rows = self._caller_rows()
        if service is not None:
            index = self._service_index(service)
            rows = rows[self._row_services()[rows] == index]
        values = self._quantiles_ms(rows, [q * 100.0 for q in qs])
        return pd.Series(values, index=pd.Index(qs, name="quantile", dtype=float),
                         name=service if service is not None else "all", dtype=float)

    def per_interval(self, metric: str = "success_pct", service=None) -> pd.DataFrame:
        """``metric`` per interval and service, as ``services()`` computes it over the whole
        run but over each interval of the time series (the same requests, the same success and
        timeout rules): a DataFrame indexed by ``interval_start_s``, one column per service
        (``service``: a name or a list of names as ``services()`` lists them; None: every
        service with requests, in catalog order).

        ``metric``: ``rps``, ``error_rps`` and ``retries`` (per second of the interval; 0 when
        none), ``success_pct``, ``mean_ms``, or ``p50_ms``/``p90_ms``/``p99_ms``: exact, from
        the interval's merged histograms (``/series/histograms``), like ``services()``'s from
        ``/totals/histograms``; so a synchronous caller's percentile is never below its
        callee's. NaN where a service had no request in an interval.
        """
        if metric not in PER_INTERVAL_METRICS:
            raise ValueError(f"metric must be one of {list(PER_INTERVAL_METRICS)}, got {metric!r}")
        s = self._tables["series/requests"]
        labels = self._service_labels()
        rows = self._caller_rows("series/requests")
        row_service = self._row_services("series/requests")[rows]
        starts = np.unique(s["interval_start_s"])
        if service is None:
            wanted = sorted(set(row_service.tolist()))
        else:
            names = [service] if isinstance(service, str) else list(service)
            wanted = [self._service_index(n) for n in names]
        interval = float(self._metadata.get("interval_s") or 0) or 1.0
        ok, timeout = self._outcomes("series/requests")
        out = pd.DataFrame(np.nan, index=pd.Index(starts, name="interval_start_s"),
                           columns=pd.Index([labels[i] for i in wanted], name="service"))
        start_of = s["interval_start_s"]
        for i in wanted:
            mine = rows[row_service == i]
            for t in np.unique(start_of[mine]):
                r = mine[start_of[mine] == t]
                count = float(np.sum(s["count"][r], dtype=np.uint64))
                if metric in ("rps", "error_rps", "retries"):
                    v = {"rps": count, "error_rps": count - float(np.sum(s["count"][r][ok[r]])),
                         "retries": float(np.sum(s["retries"][r], dtype=np.uint64))}[metric]
                    v /= interval
                elif count == 0:
                    v = float("nan")
                elif metric == "success_pct":
                    v = 100.0 * float(np.sum(s["count"][r][ok[r]])) / count
                elif metric == "mean_ms":
                    v = float(np.sum(s["latency_sum_ms"][r])) / count
                else:
                    v = self._quantiles_ms(r, [_PERCENTILE_OF[metric]], "series")[0]
                out.loc[t, labels[i]] = v
        if metric in ("rps", "error_rps", "retries"):
            out = out.fillna(0.0)
        return out

    # ---- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Writes the HDF5 results file ``meshsim run --out`` writes, atomically (a temporary
        file renamed on success). Results opened from a file are saved as a copy of that file."""
        path = os.fspath(path)
        if self._core is not None:
            self._core.save(path)
            return
        temp = f"{path}.tmp-{os.getpid()}"
        try:
            shutil.copyfile(self._path, temp)
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.remove(temp)
            raise

    def __repr__(self) -> str:
        m = self._metadata
        where = f", file {self._path!r}" if self._path else ""
        return (f"<meshsim.Results seed {m.get('seed')}, {m.get('sim_duration_s')} s simulated, "
                f"{len(self._tables['series/requests'].get('count', ()))} series rows{where}>")

    # ---- internals -------------------------------------------------------------------------

    def _service_labels(self) -> list[str]:
        """The label of each catalog service, as the CLI's summary prints it."""
        svc = self._tables["catalog/services"]
        names, namespaces = list(svc["name"]), list(svc["namespace"])
        if len(set(namespaces)) <= 1:
            return [str(n) for n in names]
        return [f"{n}.{ns}" for n, ns in zip(names, namespaces)]

    def _service_index(self, service: str) -> int:
        labels = self._service_labels()
        if service in labels:
            return labels.index(service)
        svc = self._tables["catalog/services"]
        fqdns = [str(f) for f in svc["fqdn"]]
        if service in fqdns:
            return fqdns.index(service)
        bare = [i for i, n in enumerate(svc["name"]) if n == service]
        if len(bare) == 1:
            return bare[0]
        raise KeyError(f"no service {service!r}; the services are {', '.join(labels)}")

    def _row_services(self, table: str = "totals/requests") -> np.ndarray:
        """Per row of a request table: the catalog index of its destination service (-1:
        unknown)."""
        index = {str(f): i for i, f in enumerate(self._tables["catalog/services"]["fqdn"])}
        return np.array([index.get(str(f), -1) for f in self._tables[table]["destination_service"]],
                        dtype=np.int64)

    def _caller_rows(self, table: str = "totals/requests") -> np.ndarray:
        """Indices of the rows of a request table that services() counts: caller reporters,
        known service."""
        t = self._tables[table]
        reporter = t["reporter"].astype(str)
        callers = np.isin(reporter, _CALLER_REPORTERS)
        # An in-mesh load generator's sidecar (source, no workload) would count its requests a
        # second time beside the generator's own client record (analysis/mesh_metrics.cc).
        callers &= ~((reporter == "source") & (t["source_workload"].astype(str) == "unknown"))
        return np.flatnonzero(callers & (self._row_services(table) >= 0))

    def _outcomes(self, table: str) -> tuple[np.ndarray, np.ndarray]:
        """Per row of a request table: whether its requests succeeded (a response code other
        than 0 and below 500, and for gRPC a grpc_response_status of 0), and whether they timed
        out (flag UT or code 504)."""
        t = self._tables[table]
        code = t["response_code"].astype(np.int64)
        # Files written before grpc_response_status existed have no gRPC rows.
        grpc = t["grpc_response_status"] if "grpc_response_status" in t else [""] * len(code)
        grpc_ok = np.array([str(g) in ("", "0") for g in grpc], dtype=bool)
        ok = (code != 0) & (code < 500) & grpc_ok
        timeout = np.array([("UT" in str(f).split(",")) or c == 504
                            for f, c in zip(t["response_flags"], code)], dtype=bool)
        return ok, timeout

    def _measured_s(self) -> float:
        """The measured window in seconds, computed as MeshMetrics does (integer ns / 1e9)."""
        end_ns = round(float(self._metadata["sim_duration_s"]) * 1e9)
        warmup_ns = round(float(self._metadata["warmup_s"]) * 1e9)
        return float(max(end_ns - warmup_ns, 0)) / 1e9

    def _quantiles_ms(self, rows: np.ndarray, percentiles: list[float],
                      group: str = "totals") -> list[float]:
        """Percentiles (0-100) in ms of the merged latency histograms of rows of
        ``{group}/requests`` (``totals`` or ``series``), from ``{group}/histograms``."""
        t = self._tables[f"{group}/requests"]
        if len(rows) == 0 or int(np.sum(t["count"][rows], dtype=np.uint64)) == 0:
            return [float("nan")] * len(percentiles)
        if "latency_min_ns" not in t:
            raise ValueError(f"{self._path}: written before the time series kept histograms "
                             "(a meshsim older than per-interval quantiles); run it again")
        h = self._tables[f"{group}/histograms"]
        starts = np.searchsorted(h["row"], rows, side="left")
        ends = np.searchsorted(h["row"], rows, side="right")
        take = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])
        ns = _core.histogram_percentiles(
            h["lower_ns"][take], h["upper_ns"][take], h["count"][take],
            int(np.min(t["latency_min_ns"][rows])), int(np.max(t["latency_max_ns"][rows])),
            int(sum(int(v) for v in t["latency_sum_ns"][rows])), percentiles)
        return [v / 1e6 for v in ns]

    def _traffic(self, by_caller: bool) -> pd.DataFrame:
        t = self._tables["totals/requests"]
        labels = self._service_labels()
        row_service = self._row_services()
        workload_index = {str(n): i for i, n in enumerate(self._tables["catalog/workloads"]["name"])}
        groups: dict[tuple[int, int], list[int]] = {}
        if not by_caller:  # every catalog service, called or not
            for s in range(len(labels)):
                groups[(0, s)] = []
        for r in self._caller_rows():
            caller = 0
            if by_caller:
                name = str(t["source_workload"][r])
                caller = -1 if name == "unknown" else workload_index.get(name, -1)
            groups.setdefault((caller, int(row_service[r])), []).append(int(r))

        workloads = [str(n) for n in self._tables["catalog/workloads"]["name"]]
        measured_s = self._measured_s()
        ok, timeout = self._outcomes("totals/requests")
        out: list[list] = []
        for (caller, s) in sorted(groups):
            rows = np.array(groups[(caller, s)], dtype=np.int64)
            count = t["count"][rows].astype(np.int64)
            requests = int(count.sum())
            successes = int(count[ok[rows]].sum())
            timeouts = int(count[timeout[rows]].sum()) if len(rows) else 0
            retries = int(t["retries"][rows].astype(np.int64).sum())
            rps = requests / measured_s if measured_s > 0 else 0.0
            success = 100.0 * successes / requests if requests else float("nan")
            p50, p90, p99 = self._quantiles_ms(rows, [50.0, 90.0, 99.0])
            key = [labels[s]]
            if by_caller:
                key = [_EDGE_CLIENT if caller < 0 else workloads[caller], labels[s]]
            out.append(key + [requests, rps, success, p50, p90, p99, retries, timeouts])
        keys = ["source", "destination"] if by_caller else ["service"]
        df = pd.DataFrame(out, columns=keys + list(_TRAFFIC_COLUMNS))
        dtypes = {"requests": np.int64, "retries": np.int64, "timeouts": np.int64}
        dtypes.update({c: float for c in ("rps", "success_pct", "p50_ms", "p90_ms", "p99_ms")})
        df = df.astype(dtypes)
        # Label columns as Categoricals whose categories are in catalog order.
        df["destination" if by_caller else "service"] = pd.Categorical(
            df[keys[-1]], categories=labels)
        if by_caller:
            df["source"] = pd.Categorical(
                df["source"], categories=list(dict.fromkeys([_EDGE_CLIENT] + workloads)))
        return df


def open_results(path: str | os.PathLike) -> Results:
    """Reads a results file (``meshsim run --out`` or ``Results.save``) with h5py into a
    ``Results``, equal to the one the run gave. Raises ValueError naming the file if it is not
    a meshsim results file of a format version this package reads, or if its tables are not laid
    out as docs/results-format.md says (a table or column missing, a column that is not 1-D or
    not as long as its table's others, a latency matrix not 20 wide, text that is not UTF-8).
    OSError if it cannot be opened as an HDF5 file at all."""
    import h5py

    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        try:
            tables = _read_tables(f, path)
        except ValueError as e:
            if str(e).startswith(path):
                raise
            raise ValueError(f"{path}: {e}") from e
        except (KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError) as e:
            # Only a file whose layout is not the documented one gets here (its h5py objects
            # are missing or of another kind): meshsim's writer does not make such files.
            raise ValueError(f"{path}: not a meshsim results file as documented: "
                             f"{type(e).__name__}: {e}") from e
    return Results(_normalise(tables), path=path)


# per_interval()'s metrics; the percentiles behind its quantile metrics.
PER_INTERVAL_METRICS = ("rps", "error_rps", "retries", "success_pct", "mean_ms", "p50_ms",
                        "p90_ms", "p99_ms")
_PERCENTILE_OF = {"p50_ms": 50.0, "p90_ms": 90.0, "p99_ms": 99.0}

def _signed(what: str, values: np.ndarray) -> np.ndarray:
    """Unsigned integers as int64 (a copy), refusing any value int64 cannot hold."""
    if values.dtype.kind != "u":
        return values
    if values.size and int(values.max()) > _INT64_MAX:
        raise OverflowError(f"{what}: a value above 2**63 - 1 cannot be given as int64")
    return values.astype(np.int64)
