// Tests for analysis/result_tables.*: the results tables as plain columns, before HDF5.  They
// are what the results file and the Python bindings both hand out, so the tests pin the column
// order and element types of docs/results-format.md, and that writing the tables gives the very
// file write_results_file(metrics) gives.
//
// Source of truth: the hand-made run of mesh_fixture.h and the layout document.
#include "analysis/result_tables.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/results_file.h"
#include "mesh_fixture.h"
#include "support/temp_dir.h"
#include "tcp_fixture.h"

namespace {

namespace fs = std::filesystem;
using meshsim::analysis::build_result_tables;
using meshsim::analysis::MeshMetrics;
using meshsim::analysis::ResultTables;
using meshsim::analysis::RunMetadata;
using meshsim::analysis::Table;
using meshsim::simcore::Time;
namespace t = meshsim::testing;

MeshMetrics bookinfo() {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  return m;
}

RunMetadata metadata() {
  RunMetadata meta;
  meta.meshsim_version = "0.1.0";
  meta.seed = 42;
  meta.sources = {{"bookinfo.yaml", "services: []\n"}};
  meta.wall_time_s = 1.25;
  meta.created_utc = "2025-01-31T12:00:00Z";
  return meta;
}

std::vector<std::string> names(const Table& table) {
  std::vector<std::string> out;
  for (const auto& c : table.columns) out.push_back(c.name);
  return out;
}

template <typename T>
const std::vector<T>& values(const Table& table, const std::string& name) {
  return std::get<std::vector<T>>(table.column(name).values);
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("Result tables: columns in the layout's order, with the file's element types",
          "[result_tables]") {
  const ResultTables r = build_result_tables(bookinfo(), metadata());
  const std::vector<std::string> labels{"reporter",
                                        "source_workload",
                                        "source_version",
                                        "destination_service",
                                        "destination_service_name",
                                        "destination_service_namespace",
                                        "destination_workload",
                                        "destination_version",
                                        "response_code",
                                        "response_flags",
                                        "load",
                                        "request_protocol",
                                        "grpc_response_status",
                                        "count",
                                        "retries",
                                        "latency_sum_ms",
                                        "latency_p50_ms",
                                        "latency_p90_ms",
                                        "latency_p99_ms"};
  // Both request tables end with the exact latency columns, and both have a histograms table
  // (per-interval quantiles of merged rows need the series' histograms: issue #15).
  std::vector<std::string> totals = labels;
  totals.insert(totals.end(), {"latency_min_ns", "latency_max_ns", "latency_sum_ns"});
  std::vector<std::string> series{"interval_start_s"};
  series.insert(series.end(), totals.begin(), totals.end());
  CHECK(names(r.series_requests) == series);
  CHECK(names(r.totals_requests) == totals);
  const std::vector<std::string> histogram{"row", "lower_ns", "upper_ns", "count"};
  CHECK(names(r.totals_histograms) == histogram);
  CHECK(names(r.series_histograms) == histogram);
  CHECK(names(r.catalog_workloads) ==
        std::vector<std::string>{"name", "service", "namespace", "version", "app"});
  CHECK(names(r.catalog_services) == std::vector<std::string>{"name", "namespace", "fqdn"});
  CHECK(names(r.timeline) == std::vector<std::string>{"at_s", "description", "undo"});
  CHECK(names(r.traces) == std::vector<std::string>{"trace_id", "span_id", "parent_span_id",
                                                    "start_s", "end_s", "workload", "peer_service",
                                                    "response_code", "response_flags", "kind"});

  CHECK(values<uint16_t>(r.series_requests, "response_code") ==
        std::vector<uint16_t>{200, 200, 200, 503, 504, 200, 200, 0, 200});
  CHECK(values<uint64_t>(r.totals_requests, "count") ==
        std::vector<uint64_t>{2, 2, 1, 1, 1, 1, 2, 3, 10});
  CHECK(values<uint8_t>(r.timeline, "undo") == std::vector<uint8_t>{0, 0, 1});
  CHECK(r.series_requests.column("interval_start_s").units == "s");
  CHECK(r.series_latency_buckets.rows == 9);
  CHECK(r.series_latency_buckets.cols == 20);
  CHECK(r.totals_latency_buckets.values.size() == 9 * 20);
  CHECK_THROWS_AS(r.series_requests.column("nope"), std::out_of_range);
}

TEST_CASE("Result tables: every table's columns are equally long", "[result_tables]") {
  const ResultTables r = build_result_tables(bookinfo(), metadata());
  for (const Table* table :
       {&r.catalog_workloads, &r.catalog_services, &r.catalog_loads, &r.series_requests,
        &r.series_histograms, &r.totals_requests, &r.totals_histograms, &r.timeline,
        &r.traces}) {
    for (const auto& c : table->columns) {
      INFO(c.name);
      CHECK(c.size() == table->rows());
    }
  }
  CHECK(r.timeline.rows() == 3);
  CHECK(r.traces.rows() == 2);
}

TEST_CASE("Result tables: each series row's histogram holds its requests, within its exact range",
          "[result_tables]") {
  const ResultTables r = build_result_tables(bookinfo(), metadata());
  const auto count = values<uint64_t>(r.series_requests, "count");
  const auto min_ns = values<int64_t>(r.series_requests, "latency_min_ns");
  const auto max_ns = values<int64_t>(r.series_requests, "latency_max_ns");
  const auto row = values<uint64_t>(r.series_histograms, "row");
  const auto lower = values<uint64_t>(r.series_histograms, "lower_ns");
  const auto upper = values<uint64_t>(r.series_histograms, "upper_ns");
  const auto in_bucket = values<uint64_t>(r.series_histograms, "count");
  std::vector<uint64_t> per_row(count.size(), 0);
  for (size_t i = 0; i < row.size(); ++i) {
    REQUIRE(row[i] < count.size());
    if (i > 0) CHECK(row[i - 1] <= row[i]);  // sorted by row, as readers rely on
    per_row[row[i]] += in_bucket[i];
    CHECK(static_cast<int64_t>(upper[i]) > min_ns[row[i]]);  // the bucket meets [min, max]
    CHECK(static_cast<int64_t>(lower[i]) <= max_ns[row[i]]);
  }
  CHECK(per_row == count);
}

TEST_CASE("Result tables: metadata attributes in the file's order", "[result_tables]") {
  const ResultTables r = build_result_tables(bookinfo(), metadata());
  std::vector<std::string> attrs;
  for (const auto& a : r.metadata) attrs.push_back(a.name);
  CHECK(attrs == std::vector<std::string>{
                     "format", "format_version", "meshsim_version", "seed", "scenario_text",
                     "scenario_files", "wall_time_s", "sim_duration_s", "warmup_s", "interval_s",
                     "events", "requests_recorded", "requests_dropped_warmup", "recovery",
                     "recovery_s", "created_utc", "fingerprint"});
  CHECK(std::get<uint64_t>(r.metadata[3].value) == 42);
  CHECK(std::get<double>(r.metadata[7].value) == 30.0);
}

TEST_CASE("Result tables: writing the tables gives the file the metrics give, byte for byte",
          "[result_tables]") {
  const meshsim::testing::TempDir dir("result-tables");  // removed even if a write throws
  const MeshMetrics m = bookinfo();
  meshsim::analysis::write_results_file(dir.path() / "a.h5", m, metadata());
  meshsim::analysis::write_results_file(dir.path() / "b.h5", build_result_tables(m, metadata()));
  const std::string a = file_bytes(dir.path() / "a.h5");
  const std::string b = file_bytes(dir.path() / "b.h5");
  CHECK(!a.empty());
  CHECK(a == b);
}

TEST_CASE(
    "Result tables: /series/tcp and /totals/tcp carry the request tables' labels and Istio's "
    "four TCP counters, each column naming its metric",
    "[result_tables]") {
  MeshMetrics m(Time::from_s(10));
  t::feed_tcp_only(m);
  const ResultTables r = build_result_tables(m, metadata());
  const std::vector<std::string> columns{"reporter",
                                         "source_workload",
                                         "source_version",
                                         "destination_service",
                                         "destination_service_name",
                                         "destination_service_namespace",
                                         "destination_workload",
                                         "destination_version",
                                         "response_flags",
                                         "connections_opened",
                                         "connections_closed",
                                         "sent_bytes",
                                         "received_bytes"};
  std::vector<std::string> series{"interval_start_s"};
  series.insert(series.end(), columns.begin(), columns.end());
  CHECK(names(r.series_tcp) == series);
  CHECK(names(r.totals_tcp) == columns);
  for (const Table* table : {&r.series_tcp, &r.totals_tcp}) {
    for (const auto& c : table->columns) {
      INFO(c.name);
      CHECK(c.size() == table->rows());
    }
    CHECK(table->column("connections_opened").metric == "istio_tcp_connections_opened_total");
    CHECK(table->column("connections_closed").metric == "istio_tcp_connections_closed_total");
    CHECK(table->column("sent_bytes").metric == "istio_tcp_sent_bytes_total");
    CHECK(table->column("received_bytes").metric == "istio_tcp_received_bytes_total");
    CHECK(table->column("reporter").metric.empty());
  }
  CHECK(r.series_tcp.column("interval_start_s").units == "s");

  // The rows of tcp_fixture.h, in its order.
  CHECK(values<double>(r.series_tcp, "interval_start_s") ==
        std::vector<double>{10, 10, 10, 15, 15, 15, 15, 20, 20, 25});
  CHECK(values<std::string>(r.series_tcp, "reporter") ==
        std::vector<std::string>{"source", "source", "destination", "source", "source", "source",
                                 "destination", "source", "source", "destination"});
  CHECK(values<std::string>(r.series_tcp, "response_flags") ==
        std::vector<std::string>{"-", "-", "-", "-", "-", "UF,URX", "-", "-", "UO", "-"});
  CHECK(values<std::string>(r.series_tcp, "destination_workload") ==
        std::vector<std::string>{"reviews-v1", "ratings-v1", "reviews-v1", "reviews-v1", "unknown",
                                 "unknown", "reviews-v1", "unknown", "unknown", "productpage-v1"});
  CHECK(values<std::string>(r.series_tcp, "source_workload")[9] == "unknown");
  CHECK(values<std::string>(r.series_tcp, "source_version")[0] == "v1");
  CHECK(values<std::string>(r.series_tcp, "destination_service")[1] ==
        "ratings.default.svc.cluster.local");
  CHECK(values<std::string>(r.series_tcp, "destination_service_name")[1] == "ratings");
  CHECK(values<std::string>(r.series_tcp, "destination_service_namespace")[1] == "default");
  CHECK(values<uint64_t>(r.series_tcp, "connections_opened") ==
        std::vector<uint64_t>{1, 0, 1, 0, 1, 0, 0, 1, 0, 1});
  CHECK(values<uint64_t>(r.series_tcp, "connections_closed") ==
        std::vector<uint64_t>{0, 1, 0, 1, 0, 1, 1, 0, 1, 0});
  CHECK(values<uint64_t>(r.series_tcp, "sent_bytes") ==
        std::vector<uint64_t>{1500, 0, 1000, 0, 0, 0, 0, 0, 0, 20});
  CHECK(values<uint64_t>(r.series_tcp, "received_bytes") ==
        std::vector<uint64_t>{150, 0, 100, 0, 0, 0, 0, 0, 0, 10});

  CHECK(values<std::string>(r.totals_tcp, "response_flags") ==
        std::vector<std::string>{"-", "-", "UO", "UF,URX", "-", "-", "-"});
  CHECK(values<std::string>(r.totals_tcp, "reporter") ==
        std::vector<std::string>{"source", "source", "source", "source", "source", "destination",
                                 "destination"});
  CHECK(values<uint64_t>(r.totals_tcp, "connections_opened") ==
        std::vector<uint64_t>{1, 2, 0, 0, 0, 1, 1});
  CHECK(values<uint64_t>(r.totals_tcp, "connections_closed") ==
        std::vector<uint64_t>{1, 0, 1, 1, 1, 1, 0});
  CHECK(values<uint64_t>(r.totals_tcp, "sent_bytes") ==
        std::vector<uint64_t>{1500, 0, 0, 0, 0, 1000, 20});
  CHECK(values<uint64_t>(r.totals_tcp, "received_bytes") ==
        std::vector<uint64_t>{150, 0, 0, 0, 0, 100, 10});
}

TEST_CASE("Result tables: a run without TCP records has empty TCP tables with every column",
          "[result_tables]") {
  const ResultTables r = build_result_tables(bookinfo(), metadata());
  CHECK(r.series_tcp.rows() == 0);
  CHECK(r.totals_tcp.rows() == 0);
  CHECK(r.series_tcp.columns.size() == 14);
  CHECK(r.totals_tcp.columns.size() == 13);
}

}  // namespace
