// gRPC through the sidecars, end to end: local replies are trailers-only (HTTP 200 + grpc-status),
// fault aborts with grpcStatus, Istio's default retry policy on `unavailable`, the application's
// own retries, and Istio's request_protocol / grpc_response_status.  Sources: envoy
// source/common/http/utility.cc (sendLocalReply), source/common/grpc/status.cc,
// source/common/router/retry_state_impl.cc, source/extensions/filters/http/fault/fault_filter.cc;
// istio pilot/pkg/networking/core/route/retry/retry.go; istio_stats (grpc_response_status).
// Statistical checks: one fixed seed, a binomial 99.9 % interval.
#include <catch2/catch.hpp>

#include <cmath>

#include "models/mesh.h"
#include "policies/grpc_status.h"
#include "policies/response_flags.h"
#include "support/mesh_config.h"
#include "support/recording_sink.h"

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace pol = meshsim::policies;

namespace {

using Collect = meshsim::testing::RecordingSink;

// frontend (HTTP, 1 pod) calls `backend` (one port, named `port_name`, 9090; 1 pod) once per
// request, without retries of its own unless `app_retries`.  Services: 0 frontend, 1 backend.
MeshConfig frontend_backend(const std::string& port_name, uint32_t app_retries = 0) {
  MeshConfig m = meshsim::testing::zero_latency_mesh(50_s, /*zero_sidecar_overhead=*/true);
  const Protocol backend_protocol = pol::convert_protocol(9090, port_name, "", std::nullopt);
  m.services.push_back({"frontend", "default", {{"http", 8080, Protocol::kHttp, ""}}, {{"app", "frontend"}}});
  m.services.push_back({"backend", "default", {{port_name, 9090, backend_protocol, ""}}, {{"app", "backend"}}});
  WorkloadConfig f;
  f.name = "frontend-v1";
  f.service = "frontend";
  f.labels = {{"app", "frontend"}};
  f.workers = 100;
  CallStep call;
  call.service = "backend";
  call.port = 9090;
  call.retries = app_retries;
  f.handlers.push_back({"/", "", {}, {call}, 0.0, 500, pol::kNoGrpcStatus, 0});
  WorkloadConfig b;
  b.name = "backend-v1";
  b.service = "backend";
  b.labels = {{"app", "backend"}};
  b.workers = 100;
  b.handlers.push_back({});
  m.workloads = {f, b};
  LoadConfig l;
  l.name = "users";
  l.target_service = "frontend";
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), 200, 0, 0, {}});
  m.loads.push_back(l);
  return m;
}

pol::VirtualServiceConfig vs_backend(pol::HttpRoute r) {
  pol::VirtualServiceConfig vs;
  vs.name = "backend";
  vs.ns = "default";
  vs.hosts = {"backend"};
  if (r.destinations.empty()) r.destinations.push_back({"backend", "", 0, 0});
  vs.http = {r};
  return vs;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

// Share of the caller-side (reporter=source) records towards backend with grpc-status OK.
struct Share {
  double ok;
  double n;
};
Share grpc_ok_share(const Collect& c) {
  const auto src = c.of(Reporter::kSource, 1);
  double ok = 0;
  for (const auto& r : src) ok += r.grpc_response_status == pol::kGrpcOk ? 1 : 0;
  return {ok / static_cast<double>(src.size()), static_cast<double>(src.size())};
}
Share http_ok_share(const Collect& c) {
  const auto src = c.of(Reporter::kSource, 1);
  double ok = 0;
  for (const auto& r : src) ok += r.response_code == 200 ? 1 : 0;
  return {ok / static_cast<double>(src.size()), static_cast<double>(src.size())};
}
bool within_999(Share s, double p) {
  return std::abs(s.ok - p) <= 3.2905 * std::sqrt(p * (1 - p) / s.n);
}

}  // namespace

TEST_CASE("gRPC: a call on a grpc port is a gRPC request; a good answer is 200, grpc-status 0",
          "[grpc]") {
  const Collect c = run(frontend_backend("grpc"));
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(src.size() > 5000);
  for (const auto& r : src) {
    CHECK(r.grpc);
    CHECK(r.response_code == 200);
    CHECK(r.grpc_response_status == pol::kGrpcOk);
  }
  // The HTTP hops carry no grpc_response_status (Istio: the empty label).
  for (const auto& r : c.of(Reporter::kClient)) {
    CHECK_FALSE(r.grpc);
    CHECK(r.grpc_response_status == kNoGrpcResponseStatus);
  }
}

TEST_CASE("gRPC: a sidecar's local reply UH to a gRPC request is trailers-only: response_code 200, "
          "grpc_response_status 14 (Envoy sendLocalReply, httpToGrpcStatus(503))",
          "[grpc]") {
  MeshConfig m = frontend_backend("grpc");
  m.workloads[1].replicas = 0;
  const Collect c = run(m);
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(!src.empty());
  for (const auto& r : src) {
    CHECK(r.response_code == 200);
    CHECK(r.grpc_response_status == pol::kGrpcUnavailable);
    CHECK(r.response_flags == pol::kNoHealthyUpstream);
  }
  // The HTTP frontend fails its request with grpcToHttpStatus(14) = 503 (onFailure: fail).
  for (const auto& r : c.of(Reporter::kClient)) CHECK(r.response_code == 503);
}

TEST_CASE("gRPC: no route (NR) to a gRPC request reads 200 with grpc-status 12 UNIMPLEMENTED",
          "[grpc]") {
  MeshConfig m = frontend_backend("grpc");
  pol::HttpRoute only_jason;
  pol::HttpMatch match;
  match.headers.push_back({"end-user", pol::StringMatch::exact("jason")});
  only_jason.matches.push_back(match);
  m.traffic.virtual_services.push_back(vs_backend(only_jason));
  const Collect c = run(m);
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(!src.empty());
  for (const auto& r : src) {
    CHECK(r.response_code == 200);
    CHECK(r.grpc_response_status == pol::kGrpcUnimplemented);
    CHECK(r.response_flags == pol::kNoRouteFound);
  }
}

TEST_CASE("gRPC: a 50 % grpcStatus UNAVAILABLE abort leaves ~50 % success at the caller, with and "
          "without Istio's default retry policy: fault aborts are never retried",
          "[grpc]") {
  auto run_abort = [](bool default_retries) {
    MeshConfig m = frontend_backend("grpc");
    pol::HttpRoute r;
    pol::FaultAbort abort;
    abort.grpc = true;
    abort.grpc_status = pol::kGrpcUnavailable;
    abort.percentage = 50.0;
    r.fault = pol::HttpFaultConfig{std::nullopt, abort};
    if (!default_retries) {
      pol::IstioHttpRetry none;
      none.attempts = 0;
      r.retries = none;
    }
    m.traffic.virtual_services.push_back(vs_backend(r));
    return run(m);
  };
  for (bool default_retries : {true, false}) {
    const Collect c = run_abort(default_retries);
    const Share s = grpc_ok_share(c);
    REQUIRE(s.n > 5000);
    CHECK(within_999(s, 0.5));
    for (const auto& r : c.of(Reporter::kSource, 1)) {
      CHECK(r.response_code == 200);
      CHECK(r.attempts == 1);
      if (r.grpc_response_status != pol::kGrpcOk) {
        CHECK(r.grpc_response_status == pol::kGrpcUnavailable);
        CHECK(r.response_flags == pol::kFaultInjected);
      }
    }
    // The aborted requests never reach the backend's sidecar.
    const double reached = static_cast<double>(c.of(Reporter::kDestination, 1).size());
    CHECK(reached == s.ok * s.n);
  }
}

TEST_CASE("gRPC: an httpStatus 503 abort on a gRPC request reads 200 with grpc-status 14", "[grpc]") {
  MeshConfig m = frontend_backend("grpc");
  pol::HttpRoute r;
  pol::FaultAbort abort;
  abort.http_status = 503;
  abort.percentage = 100.0;
  r.fault = pol::HttpFaultConfig{std::nullopt, abort};
  m.traffic.virtual_services.push_back(vs_backend(r));
  const Collect c = run(m);
  for (const auto& r2 : c.of(Reporter::kSource, 1)) {
    CHECK(r2.response_code == 200);
    CHECK(r2.grpc_response_status == pol::kGrpcUnavailable);
    CHECK(r2.response_flags == pol::kFaultInjected);
  }
}

TEST_CASE("gRPC: an app's UNAVAILABLE is retried by Istio's default policy on every release "
          "(success 1 - p^3); an HTTP 503 only up to 1.23",
          "[grpc]") {
  constexpr double p = 0.3;
  auto success = [&](const std::string& port, bool grpc_error, const std::string& istio) {
    MeshConfig m = frontend_backend(port);
    m.workloads[1].handlers[0].error_probability = p;
    m.workloads[1].handlers[0].error_status = 503;
    if (grpc_error) m.workloads[1].handlers[0].error_grpc_status = pol::kGrpcUnavailable;
    m.traffic.istio_version = istio;
    m.experiment.istio_version = istio;
    const Collect c = run(m);
    return port == "grpc" && grpc_error ? grpc_ok_share(c) : http_ok_share(c);
  };
  const double retried = 1 - p * p * p;
  CHECK(within_999(success("grpc", true, "1.27"), retried));
  CHECK(within_999(success("grpc", true, "1.23"), retried));
  CHECK(within_999(success("http", false, "1.23"), retried));
  CHECK(within_999(success("http", false, "1.27"), 1 - p));
}

TEST_CASE("gRPC: a non-OK grpc-status is a failure for the application's own retries", "[grpc]") {
  MeshConfig m = frontend_backend("grpc", /*app_retries=*/2);
  m.workloads[1].handlers[0].error_probability = 1.0;
  m.workloads[1].handlers[0].error_grpc_status = pol::kGrpcNotFound;  // not in retryOn: no sidecar retry
  const Collect c = run(m);
  const auto roots = c.of(Reporter::kClient);
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(roots.size() > 1000);
  // Each frontend request makes 1 + 2 calls, each one sidecar stream of one attempt (the tail of
  // the run may cut the last few short).
  CHECK(src.size() >= 3 * roots.size());
  CHECK(src.size() <= 3 * roots.size() + 6);
  for (const auto& r : src) {
    CHECK(r.attempts == 1);
    CHECK(r.response_code == 200);
    CHECK(r.grpc_response_status == pol::kGrpcNotFound);
  }
  // The frontend answers grpcToHttpStatus(NOT_FOUND) = 404.
  for (const auto& r : roots) CHECK(r.response_code == 404);
}

TEST_CASE("gRPC: an app error given only as an HTTP status reaches a gRPC caller as that status, "
          "with grpc_response_status httpToGrpcStatus of it",
          "[grpc]") {
  MeshConfig m = frontend_backend("grpc");
  m.workloads[1].handlers[0].error_probability = 1.0;
  m.workloads[1].handlers[0].error_status = 500;
  const Collect c = run(m);
  for (const auto& r : c.of(Reporter::kDestination, 1)) {
    CHECK(r.response_code == 500);
    CHECK(r.grpc_response_status == pol::kGrpcUnknown);
  }
}

TEST_CASE("gRPC: a call's deadline travels as grpc-timeout; the VS timeout caps it as Istio's "
          "max_grpc_timeout (route.go setTimeout; router.cc finalTimeout)",
          "[grpc]") {
  // backend takes 1 s.  VS timeout 100 ms < deadline 200 ms: the client sidecar's route timer
  // (the header capped at 100 ms) fires first: 504 UT, read as 200 + grpc-status 14.
  MeshConfig m = frontend_backend("grpc");
  m.experiment.duration = 5_s;
  m.workloads[1].handlers[0].steps = {ComputeStep{Distribution::constant(1.0)}};
  auto& call = std::get<CallStep>(m.workloads[0].handlers[0].steps[0]);
  call.deadline = 200_ms;
  pol::HttpRoute r;
  r.timeout = 100_ms;
  m.traffic.virtual_services.push_back(vs_backend(r));
  const Collect capped = run(m);
  const auto src = capped.of(Reporter::kSource, 1);
  REQUIRE(src.size() > 100);
  for (const auto& x : src) {
    CHECK(x.response_code == 200);
    CHECK(x.grpc_response_status == pol::kGrpcUnavailable);
    CHECK(x.response_flags == pol::kUpstreamRequestTimeout);
    CHECK((x.end - x.start) == 100_ms);
  }
  // Without a VS timeout the header alone decides; the client's own deadline ends the call at
  // 200 ms with DEADLINE_EXCEEDED (it fires before the sidecar's timer, which starts later), and
  // the HTTP frontend answers grpcToHttpStatus(4) = 504.
  m.traffic.virtual_services.clear();
  const Collect uncapped = run(m);
  const auto roots = uncapped.of(Reporter::kClient);
  REQUIRE(roots.size() > 100);
  for (const auto& x : roots) {
    CHECK(x.response_code == 504);
    CHECK((x.end - x.start) == 200_ms);
  }
}

TEST_CASE("gRPC: propagateDeadline gives a nested call the deadline of the request being served",
          "[grpc]") {
  // frontend -> backend (deadline 300 ms) -> store (propagateDeadline, no deadline of its own;
  // store takes 1 s).  With propagation backend's call to store ends at backend's deadline,
  // 300 ms after it started (the application resets it: code 0); without, it runs the full 1 s.
  auto nested_call_ms = [](bool propagate) {
    MeshConfig m = frontend_backend("grpc");
    m.experiment.duration = 5_s;
    m.services.push_back({"store", "default", {{"grpc", 9091, Protocol::kGrpc, ""}}, {{"app", "store"}}});
    auto& call = std::get<CallStep>(m.workloads[0].handlers[0].steps[0]);
    call.deadline = 300_ms;
    CallStep nested;
    nested.service = "store";
    nested.port = 9091;
    nested.propagate_deadline = propagate;
    m.workloads[1].handlers[0].steps = {nested};
    WorkloadConfig s;
    s.name = "store-v1";
    s.service = "store";
    s.labels = {{"app", "store"}};
    s.workers = 100;
    s.handlers.push_back({"/", "", {}, {ComputeStep{Distribution::constant(1.0)}}, 0.0, 500, pol::kNoGrpcStatus, 0});
    m.workloads.push_back(s);
    const Collect c = run(m);
    std::vector<std::pair<int64_t, uint16_t>> out;
    for (const auto& x : c.of(Reporter::kSource, 2)) out.emplace_back((x.end - x.start).ns() / 1'000'000, x.response_code);
    return out;
  };
  const auto with = nested_call_ms(true);
  REQUIRE(with.size() > 100);
  for (const auto& [ms, code] : with) {
    CHECK(ms == 300);
    CHECK(code == 0);
  }
  const auto without = nested_call_ms(false);
  REQUIRE(without.size() > 100);
  for (const auto& [ms, code] : without) {
    CHECK(ms == 1000);
    CHECK(code == 200);
  }
}

TEST_CASE("gRPC: outlier detection sees grpcToHttpStatus of a trailers-only grpc-status, so a pod "
          "answering UNAVAILABLE (HTTP 200) is ejected as a 503 would be",
          "[grpc]") {
  // Truth: envoy router.cc onUpstreamHeaders reports Grpc::Utility::grpcToHttpStatus(14) = 503
  // to outlier detection when grpc-status is in the response headers.  backend has 2 pods;
  // pod 0 answers UNAVAILABLE to everything (injectErrors with grpcStatus).  Without the mapping
  // the 200s would never count as 5xx and pod 0 would keep failing half the requests.
  MeshConfig m = frontend_backend("grpc");
  m.experiment.duration = 20_s;
  m.workloads[1].replicas = 2;
  pol::OutlierDetectionSettings od;
  od.consecutive_5xx_errors = 1;
  od.interval = 1_s;
  od.base_ejection_time = 180_s;
  od.max_ejection_percent = 100;
  DestinationRuleConfig dr;
  dr.name = "backend";
  dr.host = "backend";
  dr.traffic_policy.outlier_detection = od;
  m.traffic.destination_rules.push_back(dr);
  pol::HttpRoute r;
  pol::IstioHttpRetry none;
  none.attempts = 0;
  r.retries = none;
  m.traffic.virtual_services.push_back(vs_backend(r));
  TimelineEvent bad;
  InjectErrors e{{.workload = "backend-v1", .count = 1}, 1.0, 503};
  e.grpc_status = pol::kGrpcUnavailable;
  bad.action = e;
  bad.description = "backend-v1-0 answers UNAVAILABLE";
  m.timeline.push_back(bad);
  const Collect c = run(m);
  uint64_t failed_early = 0, failed_late = 0, late = 0;
  for (const auto& x : c.of(Reporter::kSource, 1)) {
    const bool failed = x.grpc_response_status != pol::kGrpcOk;
    CHECK(x.response_code == 200);
    if (x.start < 1_s) {
      failed_early += failed;
    } else {
      ++late;
      failed_late += failed;
    }
  }
  CHECK(failed_early >= 1);  // pod 0 failed at least once before its ejection
  REQUIRE(late > 1000);
  CHECK(failed_late == 0);   // ejected for 180 s: every later request goes to pod 1
}
