// ExpectationProbe on the hand-made run of mesh_fixture.h, whose figures are computed by hand in
// that file's header; counting rules as in analysis/expectations.h (each request once, at its
// caller; reporter=destination records never).
#include "analysis/expectations.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "mesh_fixture.h"

namespace {

using meshsim::analysis::ExpectationProbe;
using meshsim::models::ExpectationConfig;
using meshsim::simcore::Time;
using Metric = ExpectationConfig::Metric;
namespace t = meshsim::testing;

ExpectationConfig expect(const std::string& service, Metric metric) {
  ExpectationConfig e;
  e.service = service;
  e.metric = metric;
  return e;
}

// Values of `list` on the fixture's run (warm-up 10 s, ends at 30 s).
std::vector<double> measure(std::vector<ExpectationConfig> list) {
  ExpectationProbe probe(std::move(list), Time::from_s(10));
  probe.begin(t::bookinfo_catalog(), Time::from_s(5));
  probe.calls(t::bookinfo_calls());
  probe.finish(Time::from_s(30), 0);
  return probe.values();
}

}  // namespace

TEST_CASE("expectations: success rate, amplification and flag shares of a service",
          "[expectations]") {
  // reviews, as productpage's sidecar saw it: 4x 200, 1x 503 UO, 1x 504 UT after 3 attempts;
  // the 3 reporter=destination records do not count.
  auto flag = [](const char* f) {
    auto e = expect("reviews", Metric::kFlagShare);
    e.flag = f;
    return e;
  };
  const auto v = measure({expect("reviews", Metric::kSuccessRate),
                          expect("reviews", Metric::kRetryAmplification), flag("UO"), flag("UT"),
                          flag("URX")});
  CHECK(v[0] == Approx(4.0 / 6));
  CHECK(v[1] == Approx(8.0 / 6));  // attempts 1+1+1+1+1+3 over 6 requests
  CHECK(v[2] == Approx(1.0 / 6));
  CHECK(v[3] == Approx(1.0 / 6));
  CHECK(v[4] == 0);
}

TEST_CASE("expectations: version, caller, load and attempts per root request", "[expectations]") {
  auto v2 = expect("reviews", Metric::kSuccessRate);
  v2.version = "v2";  // 2x 200 and the 504 reached reviews-v2; the 503 UO reached no pod
  auto by_workload = expect("reviews", Metric::kSuccessRate);
  by_workload.workload = "reviews-v1";  // 2x 200
  auto from = expect("ratings", Metric::kSuccessRate);
  from.from = "reviews-v2";  // 200, 200 (2 attempts), reset
  auto from_amp = expect("ratings", Metric::kRetryAmplification);
  from_amp.from = "reviews-v2";
  auto per_root = expect("ratings", Metric::kAttemptsPerRoot);  // (1 + 1 + 2 + 1) / 10 roots
  auto from_load = expect("productpage", Metric::kSuccessRate);
  from_load.from_load = "users";  // the generator's own 10 requests
  auto from_load_wrong = expect("reviews", Metric::kSuccessRate);
  from_load_wrong.from_load = "users";  // the generator never calls reviews: no data
  auto in_load = expect("ratings", Metric::kSuccessRate);
  in_load.load = "users";  // every record of the fixture belongs to load 0
  const auto v = measure(
      {v2, by_workload, from, from_amp, per_root, from_load, from_load_wrong, in_load});
  CHECK(v[0] == Approx(2.0 / 3));
  CHECK(v[1] == 1.0);
  CHECK(v[2] == Approx(2.0 / 3));
  CHECK(v[3] == Approx(4.0 / 3));
  CHECK(v[4] == Approx(0.5));
  CHECK(v[5] == 1.0);
  CHECK(std::isnan(v[6]));
  CHECK(v[7] == Approx(3.0 / 4));
}

TEST_CASE("expectations: latency percentiles and mean, throughput, windows", "[expectations]") {
  // productpage: 10 client requests with latencies 1..10 ms, ending 11.1 .. 12.0 s; the one
  // ending at 9.999 s is in the warm-up.
  auto p50 = expect("productpage", Metric::kLatency);
  p50.percentile = 50;  // rank ceil(0.5 * 10) = 5: 5 ms
  auto p90 = expect("productpage", Metric::kLatency);
  p90.percentile = 90;  // rank 9: 9 ms
  auto mean = expect("productpage", Metric::kLatency);
  mean.percentile = 0;  // 5.5 ms, exact
  auto rps = expect("productpage", Metric::kThroughput);  // 10 over the 20 s measured
  auto window = expect("reviews", Metric::kSuccessRate);
  window.window_from = Time::from_s(16);  // ends 16.0 .. 16.4 s: 4x 200, 503; the 504 at
  window.window_to = Time::from_s(20);    // 20.01 s is outside
  auto window_rps = expect("reviews", Metric::kThroughput);
  window_rps.window_from = Time::from_s(16);
  window_rps.window_to = Time::from_s(20);  // 5 over 4 s
  auto empty = expect("reviews", Metric::kSuccessRate);
  empty.window_from = Time::from_s(26);  // nothing to reviews after 20.01 s
  auto early = expect("productpage", Metric::kSuccessRate);
  early.window_to = Time::from_s(11);  // only the warm-up request ends before 11 s: dropped
  const auto v = measure({p50, p90, mean, rps, window, window_rps, empty, early});
  const double rel = 1.0 / 256;  // histogram.h's bound
  CHECK(v[0] == Approx(0.005).epsilon(rel));
  CHECK(v[1] == Approx(0.009).epsilon(rel));
  CHECK(v[2] == Approx(0.0055).epsilon(1e-12));
  CHECK(v[3] == Approx(0.5));
  CHECK(v[4] == Approx(4.0 / 5));
  CHECK(v[5] == Approx(5.0 / 4));
  CHECK(std::isnan(v[6]));
  CHECK(std::isnan(v[7]));
}

TEST_CASE("expectations: a name the catalog lacks matches nothing", "[expectations]") {
  auto unknown = expect("nope", Metric::kSuccessRate);
  auto unknown_from = expect("reviews", Metric::kSuccessRate);
  unknown_from.from = "nobody";
  const auto v = measure({unknown, unknown_from});
  CHECK(std::isnan(v[0]));
  CHECK(std::isnan(v[1]));
}

TEST_CASE("expectations: an in-mesh load generator's sidecar retries count as attempts, once",
          "[expectations]") {
  // The generator makes one request (its client record, 1 attempt, 200); its sidecar retried it
  // twice (reporter=source without a source workload, 3 attempts).  The request counts once; its
  // upstream attempts are 3.  Istio: the sidecar's record is the outbound one with retries.
  const uint32_t no = meshsim::models::kNoWorkload;
  std::vector<meshsim::models::CallRecord> calls{
      t::call(t::Reporter::kClient, no, t::kProductpage, t::kProductpageV1, 200, 0, 11'000, 1'000),
      t::call(t::Reporter::kSource, no, t::kProductpage, t::kProductpageV1, 200,
              meshsim::policies::kUpstreamRetryLimitExceeded, 11'000, 900, 3)};
  auto amp = expect("productpage", Metric::kRetryAmplification);
  auto ok = expect("productpage", Metric::kSuccessRate);
  auto from_load = expect("productpage", Metric::kRetryAmplification);
  from_load.from_load = "users";
  auto urx = expect("productpage", Metric::kFlagShare);
  urx.flag = "URX";  // the client record has no Envoy flags: the sidecar's are not double-counted
  ExpectationProbe probe({amp, ok, from_load, urx}, Time::from_s(10));
  probe.begin(t::bookinfo_catalog(), Time::from_s(5));
  probe.calls(calls);
  probe.finish(Time::from_s(30), 0);
  const auto v = probe.values();
  CHECK(v[0] == Approx(3.0));
  CHECK(v[1] == 1.0);
  CHECK(v[2] == Approx(3.0));
  CHECK(v[3] == 0.0);
  CHECK(probe.requests() == std::vector<uint64_t>{1, 1, 1, 1});
}

TEST_CASE("expectations: a gRPC request with a non-OK grpc_response_status fails the success rate",
          "[expectations]") {
  // Istio: a gRPC failure mostly reads response_code 200; grpc_response_status says it failed.
  const uint32_t no = meshsim::models::kNoWorkload;
  std::vector<meshsim::models::CallRecord> calls{
      t::call(t::Reporter::kClient, no, t::kProductpage, t::kProductpageV1, 200, 0, 11'000, 1'000),
      t::call(t::Reporter::kClient, no, t::kProductpage, t::kProductpageV1, 200, 0, 11'100, 1'000)};
  for (auto& c : calls) c.grpc = true;
  calls[0].grpc_response_status = 0;
  calls[1].grpc_response_status = 14;
  ExpectationProbe probe({expect("productpage", Metric::kSuccessRate)}, Time::from_s(10));
  probe.begin(t::bookinfo_catalog(), Time::from_s(5));
  probe.calls(calls);
  probe.finish(Time::from_s(30), 0);
  CHECK(probe.values()[0] == Approx(0.5));
}
