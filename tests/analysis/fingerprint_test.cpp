// Pins what the run fingerprint covers: the observations, never the wall-clock metadata.
#include <catch2/catch.hpp>

#include "analysis/fingerprint.h"

#include "analysis/mesh_metrics.h"
#include "mesh_fixture.h"
#include "tcp_fixture.h"

using namespace meshsim::analysis;
using meshsim::simcore::Time;
namespace t = meshsim::testing;

namespace {
ResultTables sample() {
  ResultTables t;
  t.series_requests.add<double>("interval_start_s", {0.0, 1.0});
  t.series_requests.add<uint64_t>("count", {5, 7});
  t.series_requests.add<std::string>("reporter", {"source", "client"});
  t.timeline.add<std::string>("description", {"kill 1 pod"});
  t.metadata.push_back({"wall_time_s", 1.5});
  return t;
}
}  // namespace

TEST_CASE("Equal observations give equal fingerprints; wall-clock metadata does not count") {
  ResultTables a = sample(), b = sample();
  b.metadata[0].value = 99.0;  // another wall time
  b.metadata.push_back({"created_utc", std::string("2030-01-01T00:00:00Z")});
  CHECK(results_fingerprint(a) == results_fingerprint(b));
}

TEST_CASE("Any change in an observation changes the fingerprint") {
  const uint64_t base = results_fingerprint(sample());
  ResultTables count = sample();
  std::get<std::vector<uint64_t>>(count.series_requests.columns[1].values)[1] = 8;
  ResultTables label = sample();
  std::get<std::vector<std::string>>(label.series_requests.columns[2].values)[0] = "destination";
  ResultTables event = sample();
  std::get<std::vector<std::string>>(event.timeline.columns[0].values)[0] = "kill 2 pods";
  CHECK(results_fingerprint(count) != base);
  CHECK(results_fingerprint(label) != base);
  CHECK(results_fingerprint(event) != base);
}

TEST_CASE("The series' exact latency columns are not hashed: fingerprints made before they "
          "existed still hold",
          "[fingerprint]") {
  ResultTables with = sample();
  with.series_requests.add<int64_t>("latency_min_ns", {1, 2});
  with.series_requests.add<int64_t>("latency_max_ns", {3, 4});
  with.series_requests.add<uint64_t>("latency_sum_ns", {5, 6});
  with.series_histograms.add<uint64_t>("row", {0, 1});
  CHECK(results_fingerprint(with) == results_fingerprint(sample()));
  with.totals_requests.add<int64_t>("latency_min_ns", {1});  // the totals' are hashed
  CHECK(results_fingerprint(with) != results_fingerprint(sample()));
}

TEST_CASE("Strings are length-prefixed: moving a boundary between strings changes the hash") {
  ResultTables a, b;
  a.timeline.add<std::string>("d", {"ab", "c"});
  b.timeline.add<std::string>("d", {"a", "bc"});
  CHECK(results_fingerprint(a) != results_fingerprint(b));
  CHECK(fingerprint_hex(0x1a2bULL) == "0000000000001a2b");
}

TEST_CASE(
    "A run without TCP rows hashes no TCP table: its fingerprint is the one it had before the "
    "TCP tables existed",
    "[fingerprint]") {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  ResultTables with_empty_tcp = build_result_tables(m, {});
  REQUIRE(with_empty_tcp.series_tcp.rows() == 0);
  REQUIRE(!with_empty_tcp.series_tcp.columns.empty());
  // The tables as they were before: no TCP tables at all.
  ResultTables before = with_empty_tcp;
  before.series_tcp = Table{};
  before.totals_tcp = Table{};
  CHECK(results_fingerprint(with_empty_tcp) == results_fingerprint(before));
  // tests/golden/fingerprints.txt pins the same through `meshsim run` for every example.
}

TEST_CASE("TCP rows change the fingerprint, and so does any TCP counter", "[fingerprint]") {
  MeshMetrics none(Time::from_s(10));
  none.begin(t::bookinfo_catalog(), Time::from_s(5));
  none.finish(Time::from_s(30), 1'000);
  MeshMetrics tcp(Time::from_s(10));
  t::feed_tcp_only(tcp);
  const ResultTables base = build_result_tables(tcp, {});
  const uint64_t with_tcp = results_fingerprint(base);
  CHECK(with_tcp != results_fingerprint(build_result_tables(none, {})));

  ResultTables bytes = base;
  for (Column& c : bytes.totals_tcp.columns) {
    if (c.name == "sent_bytes") std::get<std::vector<uint64_t>>(c.values)[0] += 1;
  }
  CHECK(results_fingerprint(bytes) != with_tcp);
  ResultTables flags = base;
  for (Column& c : flags.series_tcp.columns) {
    if (c.name == "response_flags") std::get<std::vector<std::string>>(c.values)[5] = "UF";
  }
  CHECK(results_fingerprint(flags) != with_tcp);
}
