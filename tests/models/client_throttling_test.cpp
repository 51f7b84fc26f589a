// Client-side loop breakers in a run (models/app_client.cc, policies/client_throttling.h): a
// frontend pod calls a backend that fails every request, 10 calls a second, one at a time (no
// latency anywhere).
//   * gRPC retry throttling (A6), maxTokens 10, tokenRatio 0.1, app retries 4: the first call
//     fails 5 times (tokens 10 -> 5; retries allowed while the count stays above 5 after a
//     failure: 9, 8, 7, 6 yes), then every call fails once and is not retried (4, 3, ... 0).
//     Backend attempts: 5 + (N - 1), against 5 N without.  INTERNAL is not retried by Istio's
//     sidecar, so each app attempt is one backend request.
//   * SRE adaptive throttling, K = 2, nothing ever accepted: request k (k = 0, 1, ...) in the
//     window is sent with probability 1 / (k + 1), so N requests send H_N = sum 1/(k+1) on
//     average (6.79 for N = 500), variance H_N - sum 1/(k+1)^2 (5.15): within 99.9 %, at most 14.
#include <catch2/catch.hpp>

#include "models/mesh.h"
#include "policies/grpc_status.h"
#include "support/mesh_config.h"
#include "support/recording_sink.h"

namespace {

using namespace meshsim::models;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace pol = meshsim::policies;
using Collect = meshsim::testing::RecordingSink;

MeshConfig failing_backend(bool grpc, uint32_t app_retries) {
  MeshConfig m = meshsim::testing::zero_latency_mesh(50_s, /*zero_sidecar_overhead=*/true);
  const Protocol p = grpc ? Protocol::kGrpc : Protocol::kHttp;
  m.services.push_back({"frontend", "default", {{"http", 8080, Protocol::kHttp, ""}}, {{"app", "frontend"}}});
  m.services.push_back({"backend", "default", {{grpc ? "grpc" : "http", 9090, p, ""}}, {{"app", "backend"}}});
  WorkloadConfig f;
  f.name = "frontend-v1";
  f.service = "frontend";
  f.labels = {{"app", "frontend"}};
  CallStep call;
  call.service = "backend";
  call.port = 9090;
  call.retries = app_retries;
  call.on_failure = OnFailure::kIgnore;
  f.handlers.push_back({"/", "", {}, {call}, 0.0, 500, pol::kNoGrpcStatus, 0});
  WorkloadConfig b;
  b.name = "backend-v1";
  b.service = "backend";
  b.labels = {{"app", "backend"}};
  HandlerConfig h;
  h.error_probability = 1.0;
  h.error_status = 503;
  h.error_grpc_status = pol::kGrpcInternal;  // not in Istio's retryOn: one request per attempt
  b.handlers.push_back(h);
  m.workloads = {f, b};
  LoadConfig l;
  l.name = "users";
  l.target_service = "frontend";
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), 10, 0, 0, {}});
  m.loads.push_back(l);
  return m;
}

struct Counts {
  double calls = 0;     // frontend requests served
  double attempts = 0;  // backend requests
};
Counts count(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  Counts n;
  const uint32_t frontend = c.service_index("frontend"), backend = c.service_index("backend");
  for (const CallRecord& r : c.of(Reporter::kDestination)) {
    if (r.destination_service == frontend) ++n.calls;
    if (r.destination_service == backend) ++n.attempts;
  }
  return n;
}

TEST_CASE("gRPC retry throttling: after 5 failures the retries stop") {
  MeshConfig m = failing_backend(true, 4);
  const Counts without = count(m);
  REQUIRE(without.calls > 400);
  CHECK(without.attempts == 5 * without.calls);
  m.workloads[0].handlers[0].steps[0] = [] {
    CallStep c;
    c.service = "backend";
    c.port = 9090;
    c.retries = 4;
    c.on_failure = OnFailure::kIgnore;
    c.retry_throttling = CallStep::RetryThrottling{10, 0.1};
    return c;
  }();
  const Counts with = count(m);
  CHECK(with.calls == without.calls);
  CHECK(with.attempts == 5 + (with.calls - 1));
}

TEST_CASE("SRE adaptive throttling: a backend that accepts nothing gets about H_N requests") {
  MeshConfig m = failing_backend(false, 0);
  const Counts without = count(m);
  CHECK(without.attempts == without.calls);
  std::get<CallStep>(m.workloads[0].handlers[0].steps[0]).adaptive_throttling = pol::AdaptiveThrottlingConfig{2.0, 120_s};
  const Counts with = count(m);
  REQUIRE(with.calls == Approx(500).margin(5));  // 10 a second for 50 s (the bound below holds to N = 600)
  CHECK(with.attempts >= 1);
  CHECK(with.attempts <= 14);
}

}  // namespace
