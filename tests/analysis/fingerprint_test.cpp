// Pins what the run fingerprint covers: the observations, never the wall-clock metadata.
#include <catch2/catch.hpp>

#include "analysis/fingerprint.h"

using namespace meshsim::analysis;

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

TEST_CASE("Strings are length-prefixed: moving a boundary between strings changes the hash") {
  ResultTables a, b;
  a.timeline.add<std::string>("d", {"ab", "c"});
  b.timeline.add<std::string>("d", {"a", "bc"});
  CHECK(results_fingerprint(a) != results_fingerprint(b));
  CHECK(fingerprint_hex(0x1a2bULL) == "0000000000001a2b");
}
