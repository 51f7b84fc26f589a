// Losing a pod, end to end: the three ways a pod is lost, each against the outcome
// shared/reference/real-applications-semantics.md §5 gives (table at the end of §5c), with the
// Istio version's default retry policy (503 retried up to 1.23, istio retry.go).  How the
// endpoint change travels is endpoint_propagation_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "policies/response_flags.h"
#include "tests/models/pod_loss_fixture.h"

using namespace meshsim::testing;
namespace flags = meshsim::policies;

// --- crash -------------------------------------------------------------------------------------

TEST_CASE("Crash, Istio 1.27: callers keep picking the dead app until the push lands; each such "
          "request is a 503 response (server sidecar UF,URX), not retried -- errors = rate x share x window",
          "[pod_loss]") {
  // Hand calculation.  back-v1-0 crashes at 5 s (no restart).  The kubelet marks it not ready at
  // 6.0 s, the EndpointSlice says so at 6.1 s, istiod's debounce pushes at 6.2 s, the load's
  // sidecar applies the push at 6.4 s: a window of 1.4 s.  At a constant 1000/s, 1400 requests
  // start in it, each sent to back-v1-0 with probability 1/4 (RANDOM over 4 pods), so the errors
  // are Binomial(1400, 1/4): mean 350, sd sqrt(1400 x 1/4 x 3/4) = 16.2; 99.9 %: 350 +- 53.
  // (Requests picked just before 5 s and arriving after it add 0 here: no network, no overhead.)
  // The server sidecar's connection to the app is refused: 503 UF, and UF,URX after its inbound
  // retries (1.24+); the client sidecar sees a 503 response (no flag) and 1.24+ does not retry
  // 503 (reference §5b).
  MeshConfig m = base(4, {}, "1.27");
  add_event(m, 5_s, kill_first(PodLossMode::kCrash));
  const Collect c = run(m);
  const auto errors = failures(c, Time::zero(), Time::max());
  INFO("errors " << errors.size());
  CHECK(within_binomial(static_cast<double>(errors.size()), 1400, 0.25));
  for (const auto& r : errors) {
    CHECK(r.start >= 5_s);
    CHECK(r.start <= 6400_ms);
    CHECK(r.response_code == 503);
    CHECK(r.response_flags == 0);
    CHECK(r.attempts == 1);
  }
  uint64_t refused = 0;
  for (const auto& r : c.of(Reporter::kDestination))
    if (r.response_flags == (flags::kUpstreamConnectionFailure | flags::kUpstreamRetryLimitExceeded)) ++refused;
  CHECK(refused == errors.size());
}

TEST_CASE("Crash, Istio 1.23: the same 503s are retried on another pod (503 is a retriable status "
          "code up to 1.23), so the caller sees none", "[pod_loss]") {
  // Same hand calculation: Binomial(1400, 1/4) first attempts land on the dead app and are retried
  // (previous_hosts keeps the retry off it); the server sidecar reports UF without URX.
  MeshConfig m = base(4, {}, "1.23");
  add_event(m, 5_s, kill_first(PodLossMode::kCrash));
  const Collect c = run(m);
  CHECK(failures(c, Time::zero(), Time::max()).empty());
  uint64_t retried = 0;
  for (const auto& r : c.of(Reporter::kSource)) retried += r.attempts == 2 ? 1 : 0;
  INFO("retried " << retried);
  CHECK(within_binomial(static_cast<double>(retried), 1400, 0.25));
  uint64_t refused = 0;
  for (const auto& r : c.of(Reporter::kDestination))
    if (r.response_flags == flags::kUpstreamConnectionFailure) ++refused;
  CHECK(refused == retried);
}

TEST_CASE("Crash with requests in the app: the server sidecar answers them 503 UC; new ones 503 UF "
          "until the push, then the client sidecar has no host (UH)", "[pod_loss]") {
  // One pod, each request 500 ms, 10 requests per second.  At 5 s the requests started in
  // [4.5 s, 5 s) are in the app (the one of 4.5 s would end at 5 s, but the timeline's event was
  // scheduled first): 503 UC from the server sidecar at 5 s (a response to the client sidecar,
  // not retried on 1.27).  Requests in [5 s, 6.4 s): 503 UF at the server.  After the
  // push at 6.4 s the endpoint set is empty: 503 UH at the client sidecar.
  MeshConfig m = base(1, {ComputeStep{Distribution::constant(0.5)}}, "1.27");
  m.loads[0].rate[0].rate = 10;
  add_event(m, 5_s, kill_first(PodLossMode::kCrash));
  const Collect c = run(m);
  uint64_t in_app = 0, refused = 0, no_host = 0;
  for (const auto& r : c.of(Reporter::kSource)) {
    if (r.start < 4500_ms) {
      CHECK(r.response_code == 200);
    } else if (r.start < 5_s) {
      ++in_app;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == 0);
      CHECK(r.end == 5_s);
    } else if (r.start >= 5_s && r.start < 6400_ms) {
      ++refused;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == 0);
    } else {
      ++no_host;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == flags::kNoHealthyUpstream);
    }
  }
  CHECK(in_app == 5);   // 4.5, 4.6, 4.7, 4.8, 4.9 s
  CHECK(refused == 14);  // 5.0 ... 6.3 s; the push of 6.4 s is scheduled before that arrival
  CHECK(no_host > 50);
  uint64_t uc = 0;
  for (const auto& r : c.of(Reporter::kDestination)) uc += r.response_flags == flags::kUpstreamConnectionTermination;
  CHECK(uc == in_app);
}

TEST_CASE("Crash with restart: the kubelet restarts the app at once the first time, so the errors "
          "stop when it listens again (6 s), before any push", "[pod_loss]") {
  MeshConfig m = base(4, {}, "1.27");
  add_event(m, 5_s, kill_first(PodLossMode::kCrash, /*replace=*/true));
  const auto errors = failures(run(m), Time::zero(), Time::max());
  CHECK_FALSE(errors.empty());
  for (const auto& r : errors) CHECK(r.start < 6_s);
  // Binomial(1000, 1/4): 250 +- 45.
  CHECK(within_binomial(static_cast<double>(errors.size()), 1000, 0.25));
}

// --- graceful ------------------------------------------------------------------------------------

TEST_CASE("Graceful, app stops listening at SIGTERM: 503s until the push (endpoint update at the "
          "deletion itself), not retried on 1.27, retried on 1.23", "[pod_loss]") {
  // Hand calculation: the EndpointSlice marks the pod terminating at the deletion (5 s) + 100 ms,
  // the push lands at 5.4 s: window 0.4 s, Binomial(400, 1/4): 100 +- 28.5.
  MeshConfig m = base(4, {}, "1.27");
  add_event(m, 5_s, kill_first(PodLossMode::kGraceful));
  const auto errors = failures(run(m), Time::zero(), Time::max());
  INFO("errors " << errors.size());
  CHECK(within_binomial(static_cast<double>(errors.size()), 400, 0.25));
  for (const auto& r : errors) {
    CHECK(r.start >= 5_s);
    CHECK(r.start <= 5400_ms);
    CHECK(r.response_flags == 0);
  }
  m.traffic.istio_version = "1.23";
  CHECK(failures(run(m), Time::zero(), Time::max()).empty());
}

TEST_CASE("Graceful, the app serves a while after SIGTERM: no error at all", "[pod_loss]") {
  MeshConfig m = base(4, {}, "1.27");
  KillPods k = kill_first(PodLossMode::kGraceful);
  k.app_serves_for = 1_s;
  add_event(m, 5_s, k);
  CHECK(failures(run(m), Time::zero(), Time::max()).empty());
}

TEST_CASE("Graceful: a request still in the pod when terminationDrainDuration ends is reset (503 UC at "
          "the client sidecar, not retried); the ReplicaSet's replacement serves afterwards",
          "[pod_loss]") {
  // Two pods each serving 8 s requests; one user, a request every 10 s (think time).  Both pods
  // are deleted at 1 s: the request sent at 0 s is reset when Envoy is killed at 1 + 5 = 6 s.  The
  // replacements start at 1 s + replacementDelay 5 s = 6 s, ready at once, pushed at 6.4 s; the
  // next request (16 s) succeeds.
  MeshConfig m = base(2, {ComputeStep{Distribution::constant(8.0)}}, "1.27");
  m.experiment.duration = 30_s;
  m.loads[0].model = LoadConfig::Model::kClosed;
  m.loads[0].connections = 1;
  m.loads[0].think_time = Distribution::constant(10.0);
  KillPods k{{.service = "back"}};
  k.mode = PodLossMode::kGraceful;
  add_event(m, 1_s, k);
  const auto src = run(m).of(Reporter::kSource);
  REQUIRE(src.size() >= 2);
  CHECK(src[0].response_code == 503);
  CHECK(src[0].response_flags == flags::kUpstreamConnectionTermination);
  CHECK(src[0].end == 6_s);
  CHECK(src[1].start == 16_s);
  CHECK(src[1].response_code == 200);
}

TEST_CASE("Graceful with replacement: the new pod joins only after its readinessProbe and the push",
          "[pod_loss]") {
  // One pod, deleted at 5 s: 503 from its sidecar until the push at 5.4 s, then no endpoint (503
  // UH).  The replacement starts at 5 + replacementDelay 5 s = 10 s (the drain also ends then).
  // Probe initialDelaySeconds 15, periodSeconds 10, successThreshold 1: probes at 10, 20, 30 s;
  // the first at or after 15 s is at 30 s (20 s after the start), so Ready at 30 s, EndpointSlice
  // 30.1 s, push 30.2 s, applied 30.4 s; from then on 200.
  MeshConfig m = base(1, {}, "1.27");
  m.experiment.duration = 40_s;
  m.loads[0].rate[0].rate = 10;
  m.workloads[0].readiness.initial_delay = 15_s;
  m.workloads[0].readiness.period = 10_s;
  add_event(m, 5_s, kill_first(PodLossMode::kGraceful, /*replace=*/true));
  bool refused = false, no_host = false, back = false;
  for (const auto& r : run(m).of(Reporter::kSource)) {
    if (r.start < 5_s || r.start >= 30400_ms) {
      back = back || r.start >= 30400_ms;
      CHECK(r.response_code == 200);
    } else if (r.start < 5400_ms) {
      refused = true;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == 0);
    } else {
      no_host = true;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == flags::kNoHealthyUpstream);
    }
  }
  CHECK(refused);
  CHECK(no_host);
  CHECK(back);
}

// --- node loss -----------------------------------------------------------------------------------

TEST_CASE("Node loss: no reset, no refusal.  New connections wait the 10 s connect timeout, then UF "
          "is retried on the other pod; requests in the pod hang until the caller gives up; the "
          "endpoint goes after node-monitor-grace-period + propagation", "[pod_loss]") {
  // Two pods, requests of 500 ms at 100/s; the load gives up after 30 s (its own timeout).  The
  // node of back-v1-0 is lost at 5 s; grace period 20 s: not ready at 25 s, pushed at 25.4 s.
  MeshConfig m = base(2, {ComputeStep{Distribution::constant(0.5)}}, "1.27");
  m.experiment.duration = 60_s;
  m.experiment.kubernetes.node_monitor_grace_period = 20_s;
  m.loads[0].rate[0].rate = 100;
  m.loads[0].timeout = 30_s;
  add_event(m, 5_s, kill_first(PodLossMode::kNode));
  const Collect c = run(m);
  uint64_t hung = 0, timed_out = 0;
  for (const auto& r : c.of(Reporter::kSource)) {
    if (r.response_code == 0) {  // the load gave up: the sidecar's stream is reset (DC)
      ++hung;
      CHECK(r.start >= 4500_ms);
      CHECK(r.start < 5_s);
      CHECK(r.end - r.start == 30_s);
      CHECK(r.response_flags == flags::kDownstreamConnectionTermination);
      continue;
    }
    CHECK(r.response_code == 200);  // everything else succeeds, some after a connect timeout
    if (r.attempts == 2) {
      ++timed_out;
      CHECK(r.start >= 5_s);
      CHECK(r.start <= 25400_ms);
      CHECK(r.end - r.start >= 10500_ms);  // 10 s connect timeout, then 500 ms on the other pod
      CHECK(r.end - r.start < 10500_ms + 25_ms);  // plus the first backoff, under 25 ms
    }
    if (r.start > 25400_ms) CHECK(r.attempts == 1);
  }
  // Binomial(50, 1/2) requests in the pod at 5 s (25 +- 11.6); Binomial(2040, 1/2) first
  // attempts on the lost pod in [5 s, 25.4 s): 1020 +- 74.
  INFO("hung " << hung);
  CHECK(within_binomial(static_cast<double>(hung), 50, 0.5));
  INFO("timed out " << timed_out);
  CHECK(within_binomial(static_cast<double>(timed_out), 2040, 0.5));
}

TEST_CASE("Node loss with a route timeout: a request hung in the lost pod ends 504 UT at the timeout, "
          "not retried (Istio's default retryOn has no 5xx/gateway-error/reset)", "[pod_loss]") {
  // One pod, requests of 500 ms at 10/s, VirtualService timeout 2 s.  The node is lost at 5 s:
  // the requests started in [4.5 s, 5 s) hang and end at start + 2 s with 504 UT; later ones wait
  // the connect timeout (10 s), longer than the route timeout: 504 UT too, after one attempt.
  MeshConfig m = base(1, {ComputeStep{Distribution::constant(0.5)}}, "1.27");
  m.loads[0].rate[0].rate = 10;
  meshsim::policies::VirtualServiceConfig vs;
  vs.name = "back";
  vs.ns = "default";
  vs.hosts = {"back"};
  meshsim::policies::HttpRoute r;
  r.destinations.push_back({"back", "", 0, 0});
  r.timeout = 2_s;
  vs.http.push_back(r);
  m.traffic.virtual_services.push_back(vs);
  add_event(m, 5_s, kill_first(PodLossMode::kNode));
  uint64_t hung = 0;
  for (const auto& x : run(m).of(Reporter::kSource)) {
    if (x.start < 4500_ms) {
      CHECK(x.response_code == 200);
      continue;
    }
    CHECK(x.response_code == 504);
    CHECK(x.response_flags == flags::kUpstreamRequestTimeout);
    CHECK(x.end - x.start == 2_s);
    CHECK(x.attempts == 1);
    if (x.start < 5_s) ++hung;
  }
  CHECK(hung == 5);  // 4.5, 4.6, 4.7, 4.8, 4.9 s
}

TEST_CASE("Node loss: DestinationRule connectionPool.tcp.connectTimeout replaces the 10 s; the connect "
          "failure is retried in every Istio version (connect-failure is in the default retryOn)",
          "[pod_loss]") {
  for (const char* istio : {"1.23", "1.27"}) {
    INFO("Istio " << istio);
    MeshConfig m = base(2, {}, istio);
    m.loads[0].rate[0].rate = 10;
    meshsim::policies::ConnectionPoolSettings pool;
    pool.connect_timeout = 1_s;
    m.traffic.destination_rules[0].traffic_policy.connection_pool = pool;
    add_event(m, 5_s, kill_first(PodLossMode::kNode));
    uint64_t retried = 0;
    for (const auto& r : run(m).of(Reporter::kSource)) {
      CHECK(r.response_code == 200);
      if (r.attempts < 2) continue;
      ++retried;
      CHECK(r.end - r.start >= 1_s);
      CHECK(r.end - r.start < 1_s + 25_ms);
    }
    CHECK(retried > 0);
  }
}

TEST_CASE("Node loss with outlier detection: connect timeouts count as 5xx and eject the host after "
          "5 in a row, long before the endpoint goes", "[pod_loss]") {
  MeshConfig m = base(10, {}, "1.27");
  m.experiment.duration = 40_s;
  m.loads[0].rate[0].rate = 50;
  meshsim::policies::OutlierDetectionSettings od;
  od.max_ejection_percent = 100;
  m.traffic.destination_rules[0].traffic_policy.outlier_detection = od;
  add_event(m, 5_s, kill_first(PodLossMode::kNode));
  uint64_t retried_late = 0;
  for (const auto& r : run(m).of(Reporter::kSource)) {
    CHECK(r.response_code == 200);
    // The 5th connect timeout ends 10 s after the 5th request sent to the lost pod (about 1 s
    // after 5 s at 5/s to it; more than 5 s later has probability < 1e-9): no request after
    // 20 s is sent there, while without ejection the endpoint stays until 5 + 50 s.
    if (r.attempts == 2 && r.start > 20_s) ++retried_late;
  }
  CHECK(retried_late == 0);
}
