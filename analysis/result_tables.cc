// Building the results tables from a run's metrics; see result_tables.h for the contract and
// docs/results-format.md for what each table and column means.
#include "analysis/result_tables.h"

#include "analysis/fingerprint.h"

#include <algorithm>
#include <ctime>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "analysis/istio_metrics.h"
#include "analysis/recovery.h"
#include "policies/response_flags.h"

namespace meshsim::analysis {
namespace {

// Divisions, not Time::to_seconds()'s multiplication by 1e-9, so that whole numbers of seconds
// or milliseconds are stored exactly (12 s is 12.0, not 12.000000000000002).
double ns_to_ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double seconds(simcore::Time t) { return static_cast<double>(t.ns()) / 1e9; }

std::vector<Attribute> metadata_attributes(const MeshMetrics& m, const RunMetadata& meta) {
  std::vector<std::string> paths;
  for (const auto& [path, text] : meta.sources) paths.push_back(path);
  const RecoveryAssessment recovery = assess_recovery(m);
  return {
      {"format", std::string("meshsim-results")},
      {"format_version", kResultsFormatVersion},
      {"meshsim_version", meta.meshsim_version},
      {"seed", meta.seed},
      {"scenario_text", scenario_text(meta.sources)},
      {"scenario_files", std::move(paths)},
      {"wall_time_s", meta.wall_time_s},
      {"sim_duration_s", seconds(m.end())},
      {"warmup_s", seconds(m.warmup())},
      {"interval_s", seconds(m.interval())},
      {"events", m.events()},
      {"requests_recorded", m.recorded()},
      {"requests_dropped_warmup", m.dropped()},
      {"recovery", std::string(to_string(recovery.verdict))},
      {"recovery_s", recovery.verdict == RecoveryAssessment::Verdict::kRecovered
                         ? recovery.recovery_s
                         : std::numeric_limits<double>::quiet_NaN()},
      {"created_utc", meta.created_utc.empty() ? utc_now() : meta.created_utc},
  };
}

void add_catalog(const MeshMetrics& m, ResultTables& out) {
  const models::MeshCatalog& c = m.catalog();
  {
    std::vector<std::string> name, service, ns, version, app;
    for (const auto& w : c.workloads) {
      name.push_back(w.name);
      service.push_back(w.service);
      ns.push_back(w.namespace_);
      version.push_back(w.version);
      app.push_back(w.app);
    }
    Table& t = out.catalog_workloads;
    t.add("name", std::move(name));
    t.add("service", std::move(service));
    t.add("namespace", std::move(ns));
    t.add("version", std::move(version));
    t.add("app", std::move(app));
  }
  {
    std::vector<std::string> name, ns, fqdn;
    for (const auto& s : c.services) {
      name.push_back(s.name);
      ns.push_back(s.namespace_);
      fqdn.push_back(s.fqdn());
    }
    Table& t = out.catalog_services;
    t.add("name", std::move(name));
    t.add("namespace", std::move(ns));
    t.add("fqdn", std::move(fqdn));
  }
  out.catalog_loads.add("name", c.loads);
}

// The peer labels every Istio metric carries (request and TCP tables alike), in the file's
// column order.
struct PeerLabelColumns {
  std::vector<std::string> reporter, source_workload, source_version, destination_service,
      destination_service_name, destination_service_namespace, destination_workload,
      destination_version;

  void add(const MeshMetrics& m, models::Reporter r, uint32_t source, uint32_t service, uint32_t destination) {
    reporter.emplace_back(reporter_label(r));
    source_workload.emplace_back(m.workload_name(source));
    source_version.emplace_back(m.workload_version(source));
    destination_service.emplace_back(m.service_fqdn(service));
    destination_service_name.emplace_back(m.service_name(service));
    destination_service_namespace.emplace_back(m.service_namespace(service));
    destination_workload.emplace_back(m.workload_name(destination));
    destination_version.emplace_back(m.workload_version(destination));
  }

  void move_into(Table& t) {
    t.add(std::string(kLabelReporter), std::move(reporter));
    t.add(std::string(kLabelSourceWorkload), std::move(source_workload));
    t.add(std::string(kLabelSourceVersion), std::move(source_version));
    t.add(std::string(kLabelDestinationService), std::move(destination_service));
    t.add(std::string(kLabelDestinationServiceName), std::move(destination_service_name));
    t.add(std::string(kLabelDestinationServiceNamespace), std::move(destination_service_namespace));
    t.add(std::string(kLabelDestinationWorkload), std::move(destination_workload));
    t.add(std::string(kLabelDestinationVersion), std::move(destination_version));
  }
};

// The label and figure columns shared by /series/requests and /totals/requests.
struct RequestColumns {
  PeerLabelColumns peers;
  std::vector<std::string> response_flags, load, request_protocol, grpc_response_status;
  std::vector<uint16_t> response_code;
  std::vector<uint64_t> count, retries;
  std::vector<double> sum_ms, p50_ms, p90_ms, p99_ms;
  std::vector<uint64_t> buckets;  // rows x IstioBucketCounts

  void add(const MeshMetrics& m, const SeriesKey& k, const SeriesStats& s) {
    peers.add(m, k.reporter, k.source_workload, k.destination_service, k.destination_workload);
    response_code.push_back(k.response_code);
    response_flags.push_back(policies::response_flags_string(k.response_flags));
    load.emplace_back(m.load_name(k.load));
    request_protocol.emplace_back(k.grpc ? "grpc" : "http");
    grpc_response_status.emplace_back(k.grpc_response_status == models::kNoGrpcResponseStatus
                                          ? std::string()
                                          : std::to_string(unsigned{k.grpc_response_status}));
    count.push_back(s.count);
    retries.push_back(s.retries());
    sum_ms.push_back(static_cast<double>(s.latency.sum() / 1e6L));
    p50_ms.push_back(ns_to_ms(s.latency.value_at_percentile(50)));
    p90_ms.push_back(ns_to_ms(s.latency.value_at_percentile(90)));
    p99_ms.push_back(ns_to_ms(s.latency.value_at_percentile(99)));
    const IstioBucketCounts b = s.istio_buckets.cumulative();
    buckets.insert(buckets.end(), b.begin(), b.end());
  }

  // Moves the label columns, then the figure columns, into `t` (in the file's column order).
  void move_into(Table& t) {
    peers.move_into(t);
    t.add(std::string(kLabelResponseCode), std::move(response_code));
    t.add(std::string(kLabelResponseFlags), std::move(response_flags));
    t.add("load", std::move(load));
    t.add(std::string(kLabelRequestProtocol), std::move(request_protocol));
    t.add(std::string(kLabelGrpcResponseStatus), std::move(grpc_response_status));
    t.add("count", std::move(count));
    t.add("retries", std::move(retries));
    t.add("latency_sum_ms", std::move(sum_ms), "ms");
    t.add("latency_p50_ms", std::move(p50_ms), "ms");
    t.add("latency_p90_ms", std::move(p90_ms), "ms");
    t.add("latency_p99_ms", std::move(p99_ms), "ms");
  }
};

Matrix bucket_matrix(std::vector<uint64_t> buckets) {
  constexpr size_t kCols = std::tuple_size_v<IstioBucketCounts>;
  std::vector<double> le(kIstioDurationBucketsMs.begin(), kIstioDurationBucketsMs.end());
  le.push_back(std::numeric_limits<double>::infinity());
  Matrix out;
  out.cols = kCols;
  out.rows = buckets.size() / kCols;
  out.values = std::move(buckets);
  out.attributes = {{"le", std::move(le)},
                    {"metric", std::string(kRequestDuration) + "_bucket"},
                    {"units", std::string("ms")}};
  return out;
}

// The exact latency distribution of each row of a request table: its min, max and sum in
// integer ns (columns of the table) and its histogram's non-empty buckets (rows of a
// histograms table keyed by the request table's row), from which any quantile of any set of
// rows is computed exactly as the CLI computes it (issue #15: per-interval quantiles too).
struct ExactLatencyColumns {
  std::vector<int64_t> min_ns, max_ns;
  std::vector<uint64_t> sum_ns;
  std::vector<uint64_t> h_row, h_lower, h_upper, h_count;
  uint64_t rows = 0;

  void add(const Histogram& latency) {
    min_ns.push_back(latency.min());
    max_ns.push_back(latency.max());
    sum_ns.push_back(static_cast<uint64_t>(latency.sum()));
    for (const Bucket& b : latency.buckets()) {
      h_row.push_back(rows);
      h_lower.push_back(b.lower);
      h_upper.push_back(b.upper_exclusive);
      h_count.push_back(b.count);
    }
    ++rows;
  }

  void move_into(Table& t, Table& h) {
    t.add("latency_min_ns", std::move(min_ns), "ns");
    t.add("latency_max_ns", std::move(max_ns), "ns");
    t.add("latency_sum_ns", std::move(sum_ns), "ns");
    h.add("row", std::move(h_row));
    h.add("lower_ns", std::move(h_lower), "ns");
    h.add("upper_ns", std::move(h_upper), "ns");
    h.add("count", std::move(h_count));
  }
};

void add_series(const MeshMetrics& m, ResultTables& out) {
  RequestColumns cols;
  ExactLatencyColumns exact;
  std::vector<double> interval_start_s;
  m.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    interval_start_s.push_back(seconds(m.interval() * k));
    cols.add(m, key, s);
    exact.add(s.latency);
  });
  out.series_latency_buckets = bucket_matrix(std::move(cols.buckets));
  Table& t = out.series_requests;
  t.add("interval_start_s", std::move(interval_start_s), "s");
  cols.move_into(t);
  exact.move_into(t, out.series_histograms);
  t.attributes.push_back({"metric", std::string(kRequestsTotal)});
}

void add_totals(const MeshMetrics& m, ResultTables& out) {
  RequestColumns cols;
  ExactLatencyColumns exact;
  m.for_each_total([&](const SeriesKey& key, const SeriesStats& s) {
    cols.add(m, key, s);
    exact.add(s.latency);
  });
  out.totals_latency_buckets = bucket_matrix(std::move(cols.buckets));
  Table& t = out.totals_requests;
  cols.move_into(t);
  exact.move_into(t, out.totals_histograms);
  t.attributes.push_back({"metric", std::string(kRequestsTotal)});
}

// The columns of /series/tcp and /totals/tcp after interval_start_s: the request tables' labels
// that Istio's TCP metrics carry, then the four counters, each naming its metric.
struct TcpColumns {
  PeerLabelColumns peers;
  std::vector<std::string> response_flags;
  std::vector<uint64_t> opened, closed, sent, received;

  void add(const MeshMetrics& m, const TcpKey& k, const TcpStats& s) {
    peers.add(m, k.reporter, k.source_workload, k.destination_service, k.destination_workload);
    response_flags.push_back(policies::response_flags_string(k.response_flags));
    opened.push_back(s.connections_opened);
    closed.push_back(s.connections_closed);
    sent.push_back(s.sent_bytes);
    received.push_back(s.received_bytes);
  }

  void move_into(Table& t) {
    peers.move_into(t);
    t.add(std::string(kLabelResponseFlags), std::move(response_flags));
    t.add("connections_opened", std::move(opened), {}, std::string(kTcpConnectionsOpened));
    t.add("connections_closed", std::move(closed), {}, std::string(kTcpConnectionsClosed));
    t.add("sent_bytes", std::move(sent), {}, std::string(kTcpSentBytes));
    t.add("received_bytes", std::move(received), {}, std::string(kTcpReceivedBytes));
  }
};

void add_tcp(const MeshMetrics& m, ResultTables& out) {
  const TcpMetrics& tcp = m.tcp_metrics();
  {
    TcpColumns cols;
    std::vector<double> interval_start_s;
    tcp.for_each_interval([&](int64_t k, const TcpKey& key, const TcpStats& s) {
      interval_start_s.push_back(seconds(m.interval() * k));
      cols.add(m, key, s);
    });
    out.series_tcp.add("interval_start_s", std::move(interval_start_s), "s");
    cols.move_into(out.series_tcp);
  }
  TcpColumns cols;
  tcp.for_each_total([&](const TcpKey& key, const TcpStats& s) { cols.add(m, key, s); });
  cols.move_into(out.totals_tcp);
}

void add_timeline(const MeshMetrics& m, ResultTables& out) {
  std::vector<const models::TimelineRecord*> order;
  for (const auto& r : m.timeline_records()) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->at < b->at; });
  std::vector<double> at_s;
  std::vector<std::string> description;
  std::vector<uint8_t> undo;
  for (const auto* r : order) {
    at_s.push_back(seconds(r->at));
    description.push_back(r->description);
    undo.push_back(r->undo ? 1 : 0);
  }
  Table& t = out.timeline;
  t.add("at_s", std::move(at_s), "s");
  t.add("description", std::move(description));
  t.add("undo", std::move(undo));
}

void add_traces(const MeshMetrics& m, ResultTables& out) {
  std::vector<const models::SpanRecord*> order;
  for (const auto& s : m.span_records()) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::tie(a->trace_id, a->start, a->span_id, a->end) <
           std::tie(b->trace_id, b->start, b->span_id, b->end);
  });
  std::vector<uint64_t> trace_id, span_id, parent;
  std::vector<double> start_s, end_s;
  std::vector<std::string> workload, peer_service, flags, kind;
  std::vector<uint16_t> code;
  for (const auto* s : order) {
    trace_id.push_back(s->trace_id);
    span_id.push_back(s->span_id);
    parent.push_back(s->parent_span_id);
    start_s.push_back(seconds(s->start));
    end_s.push_back(seconds(s->end));
    workload.emplace_back(m.workload_name(s->workload));
    peer_service.emplace_back(m.service_fqdn(s->peer_service));
    code.push_back(s->response_code);
    flags.push_back(policies::response_flags_string(s->response_flags));
    kind.emplace_back(s->kind == models::Reporter::kDestination ? "server" : "client");
  }
  Table& t = out.traces;
  t.add("trace_id", std::move(trace_id));
  t.add("span_id", std::move(span_id));
  t.add("parent_span_id", std::move(parent));
  t.add("start_s", std::move(start_s), "s");
  t.add("end_s", std::move(end_s), "s");
  t.add("workload", std::move(workload));
  t.add("peer_service", std::move(peer_service));
  t.add("response_code", std::move(code));
  t.add("response_flags", std::move(flags));
  t.add("kind", std::move(kind));
}

}  // namespace

size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

const Column& Table::column(std::string_view name) const {
  for (const Column& c : columns) {
    if (c.name == name) return c;
  }
  throw std::out_of_range("no column '" + std::string(name) + "'");
}

ResultTables build_result_tables(const MeshMetrics& metrics, const RunMetadata& metadata) {
  ResultTables out;
  out.metadata = metadata_attributes(metrics, metadata);
  add_catalog(metrics, out);
  add_series(metrics, out);
  add_totals(metrics, out);
  add_tcp(metrics, out);
  add_timeline(metrics, out);
  add_traces(metrics, out);
  // The run's fingerprint (fingerprint.h): over the tables above, never over the metadata.
  out.metadata.push_back({"fingerprint", fingerprint_hex(results_fingerprint(out))});
  return out;
}

std::string scenario_text(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::string out;
  for (const auto& [path, text] : sources) {
    out += "# --- file: " + path + "\n";
    out += text;
    if (!text.empty() && text.back() != '\n') out += '\n';
  }
  return out;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace meshsim::analysis
