// Istio's traffic management in the running mesh: each behaviour pinned against Istio/Envoy's
// documented behaviour (cited) or a closed form.  Network latency is zero and the sidecar
// overhead constant, so times are exact where a test says so.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "models/mesh.h"
#include "support/recording_sink.h"
#include "policies/response_flags.h"

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace flags = meshsim::policies;
using meshsim::policies::HttpRoute;
using meshsim::policies::RouteDestination;
using meshsim::policies::StringMatch;
using meshsim::policies::VirtualServiceConfig;

namespace {

using Collect = meshsim::testing::RecordingSink;

// frontend (1 pod) calls `backend`, whose versions v1 and v2 have one pod each.  Every workload
// is injected.  Services: 0 = frontend, 1 = backend.  Workloads: 0 frontend, 1 backend-v1,
// 2 backend-v2.
MeshConfig two_versions(CallStep call, std::vector<Step> v1_steps = {}, std::vector<Step> v2_steps = {}) {
  MeshConfig m;
  m.network.same_zone = m.network.cross_zone = m.network.cross_region = Distribution::constant(0);
  m.sidecar.pair_overhead = Distribution::constant(0);
  m.experiment.duration = 100_s;
  m.services.push_back({"frontend", "default", {{"http", 9080, Protocol::kHttp}}, {{"app", "frontend"}}});
  m.services.push_back({"backend", "default", {{"http", 9080, Protocol::kHttp}}, {{"app", "backend"}}});
  auto workload = [&](const std::string& name, const std::string& svc, const std::string& version,
                      std::vector<Step> steps, uint32_t replicas = 1) {
    WorkloadConfig w;
    w.name = name;
    w.service = svc;
    w.labels = {{"app", svc}, {"version", version}};
    w.replicas = replicas;
    w.workers = 100;
    HandlerConfig h;
    h.steps = std::move(steps);
    w.handlers.push_back(h);
    m.workloads.push_back(w);
  };
  call.service = "backend";
  workload("frontend-v1", "frontend", "v1", {call});
  workload("backend-v1", "backend", "v1", std::move(v1_steps));
  workload("backend-v2", "backend", "v2", std::move(v2_steps));
  DestinationRuleConfig dr;
  dr.name = "backend";
  dr.host = "backend";
  dr.subsets = {{"v1", {{"version", "v1"}}, std::nullopt}, {"v2", {{"version", "v2"}}, std::nullopt}};
  m.traffic.destination_rules.push_back(dr);
  return m;
}

LoadConfig users(double rate, double jason_share) {
  LoadConfig l;
  l.name = "users";
  l.target_service = "frontend";
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), rate, 0, 0, {}});
  RequestKind anon;
  anon.share = 1 - jason_share;
  RequestKind jason;
  jason.headers = {{"end-user", "jason"}};
  jason.share = jason_share;
  l.mix = {anon, jason};
  return l;
}

VirtualServiceConfig vs_backend(std::vector<HttpRoute> routes) {
  VirtualServiceConfig vs;
  vs.name = "backend";
  vs.ns = "default";
  vs.hosts = {"backend"};
  vs.http = std::move(routes);
  return vs;
}

HttpRoute to(std::vector<std::pair<std::string, uint32_t>> subsets) {
  HttpRoute r;
  for (auto& [subset, weight] : subsets) r.destinations.push_back({"backend", subset, 0, weight});
  return r;
}

HttpRoute jason(HttpRoute r) {
  meshsim::policies::HttpMatch m;
  m.headers.push_back({"end-user", StringMatch::exact("jason")});
  r.matches.push_back(m);
  return r;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

std::map<uint32_t, uint64_t> count_by_destination(const std::vector<CallRecord>& rs) {
  std::map<uint32_t, uint64_t> n;
  for (const auto& r : rs) ++n[r.destination_workload];
  return n;
}

}  // namespace

TEST_CASE("Request routing: end-user jason to v2, everyone else to v1 (Istio request-routing task)",
          "[traffic]") {
  // Truth: istio.io tasks/traffic-management/request-routing with virtual-service-reviews-test-v2:
  // the first http route matches the end-user header exactly; first match wins.
  MeshConfig m = two_versions(CallStep{});
  m.traffic.virtual_services.push_back(vs_backend({jason(to({{"v2", 0}})), to({{"v1", 0}})}));
  m.loads.push_back(users(200, 0.1));
  const auto c = run(m);
  // Root kinds: 0 anonymous, 1 jason.  The propagated header decides the backend version.
  uint64_t jason_v2 = 0, anon_v1 = 0, wrong = 0;
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(src.size() > 15000);
  const auto by = count_by_destination(src);
  // All requests land on v1 or v2 and none fail.
  for (const auto& r : src) {
    CHECK(r.response_code == 200);
    if (r.destination_workload != 1 && r.destination_workload != 2) ++wrong;
  }
  CHECK(wrong == 0);
  jason_v2 = by.count(2) ? by.at(2) : 0;
  anon_v1 = by.count(1) ? by.at(1) : 0;
  // Share to v2 is jason's 10 %: binomial 99.9 % interval at n = src.size().
  const double n = static_cast<double>(src.size());
  const double share = static_cast<double>(jason_v2) / n;
  CHECK(std::abs(share - 0.1) < 3.29 * std::sqrt(0.1 * 0.9 / n));
  CHECK(anon_v1 + jason_v2 == src.size());
}

TEST_CASE("Traffic shifting 50/50 (Istio traffic-shifting task): each subset within a binomial CI",
          "[traffic]") {
  // Truth: weights are relative; each request picks once with probability w/sum (Envoy
  // WeightedClusters).  99.9 % interval: 0.5 +- 3.29 sqrt(0.25/n).
  MeshConfig m = two_versions(CallStep{});
  m.traffic.virtual_services.push_back(vs_backend({to({{"v1", 50}, {"v2", 50}})}));
  m.loads.push_back(users(200, 0.0));
  const auto src = run(m).of(Reporter::kSource, 1);
  const auto by = count_by_destination(src);
  const double n = static_cast<double>(src.size());
  const double share = static_cast<double>(by.at(2)) / n;
  INFO("v2 share " << share << " of " << n);
  CHECK(std::abs(share - 0.5) < 3.29 * std::sqrt(0.25 / n));
}

TEST_CASE("Weights need not sum to 100: 1 and 3 give 25 % and 75 %", "[traffic]") {
  MeshConfig m = two_versions(CallStep{});
  m.traffic.virtual_services.push_back(vs_backend({to({{"v1", 1}, {"v2", 3}})}));
  m.loads.push_back(users(200, 0.0));
  const auto src = run(m).of(Reporter::kSource, 1);
  const double n = static_cast<double>(src.size());
  const double share = static_cast<double>(count_by_destination(src).at(2)) / n;
  CHECK(std::abs(share - 0.75) < 3.29 * std::sqrt(0.75 * 0.25 / n));
}

TEST_CASE("Fault abort for jason: HTTP 500 with flag FI, never reaching the backend", "[traffic]") {
  // Truth: istio ratings-test-abort; Envoy's fault filter answers locally before the router
  // (no destination sample, no retry).
  MeshConfig m = two_versions(CallStep{});
  HttpRoute abort = jason(to({{"v1", 0}}));
  meshsim::policies::HttpFaultConfig f;
  meshsim::policies::FaultAbort a;
  a.http_status = 500;
  a.percentage = 100.0;
  f.abort = a;
  abort.fault = f;
  m.traffic.virtual_services.push_back(vs_backend({abort, to({{"v1", 0}})}));
  m.loads.push_back(users(100, 0.5));
  const auto c = run(m);
  uint64_t fi = 0, ok = 0;
  for (const auto& r : c.of(Reporter::kSource, 1)) {
    if (r.response_code == 500) {
      CHECK(r.response_flags == flags::kFaultInjected);
      CHECK(r.attempts == 1);
      CHECK(r.destination_workload == kNoWorkload);
      ++fi;
    } else {
      CHECK(r.response_code == 200);
      ++ok;
    }
  }
  CHECK(fi > 1000);
  CHECK(ok > 1000);
  // Only the requests that were not aborted reached the backend.
  CHECK(c.of(Reporter::kDestination, 1).size() == ok);
}

TEST_CASE("Fault delay 7 s against a 3 s application timeout with one retry: about 6 s, degraded "
          "(Istio fault-injection task, delay)", "[traffic]") {
  // Truth: istio fault-injection task: with ratings-test-delay, jason's page takes ~6 s
  // because productpage's 3 s timeout and one retry end before the 7 s delay.  Here the
  // frontend plays productpage: timeout 3 s, 1 retry, degrade.  Zero network and sidecar cost,
  // so the end-to-end latency is exactly 6 s and the answer is 200 (degraded).
  CallStep call;
  call.timeout = 3_s;
  call.retries = 1;
  call.on_failure = OnFailure::kDegrade;
  MeshConfig m = two_versions(call);
  HttpRoute delayed = jason(to({{"v1", 0}}));
  meshsim::policies::HttpFaultConfig f;
  meshsim::policies::FaultDelay d;
  d.fixed_delay = 7_s;
  d.percentage = 100.0;
  f.delay = d;
  delayed.fault = f;
  m.traffic.virtual_services.push_back(vs_backend({delayed, to({{"v1", 0}})}));
  LoadConfig l = users(0, 1.0);
  l.rate.clear();
  l.model = LoadConfig::Model::kClosed;
  l.connections = 1;
  l.think_time = Distribution::constant(20.0);
  m.loads.push_back(l);
  const auto c = run(m);
  std::vector<CallRecord> client;
  for (const auto& r : c.records)
    if (r.reporter == Reporter::kClient) client.push_back(r);
  REQUIRE(client.size() >= 3);
  for (const auto& r : client) {
    CHECK(r.end - r.start == 6_s);
    CHECK(r.response_code == 200);
  }
  // The sidecar saw the application give up on each attempt: DC, with DI from the fault.
  for (const auto& r : c.of(Reporter::kSource, 1))
    CHECK(r.response_flags == (flags::kDownstreamConnectionTermination | flags::kDelayInjected));
}

TEST_CASE("Route timeout 0.5 s: 504 UT at 0.5 s, never retried (Istio request-timeouts task)",
          "[traffic]") {
  // Truth: Envoy router: the route timeout spans all attempts and is never retried; answer
  // 504 with flag UT.
  MeshConfig m = two_versions(CallStep{}, {ComputeStep{Distribution::constant(2.0)}});
  HttpRoute r = to({{"v1", 0}});
  r.timeout = 500_ms;
  m.traffic.virtual_services.push_back(vs_backend({r}));
  m.loads.push_back(users(20, 0.0));
  const auto src = run(m).of(Reporter::kSource, 1);
  REQUIRE(src.size() > 500);
  for (const auto& x : src) {
    CHECK(x.response_code == 504);
    CHECK(x.response_flags == flags::kUpstreamRequestTimeout);
    CHECK(x.attempts == 1);
    CHECK(x.end - x.start == 500_ms);
  }
}

TEST_CASE("A per-try timeout alone is not retried under Istio's default retryOn", "[traffic]") {
  // Truth: reference semantics §2 and istio/istio#17613: the default retry_on has no 5xx,
  // gateway-error or reset, so a per-try timeout ends the request with 504 UT at once.
  MeshConfig m = two_versions(CallStep{}, {ComputeStep{Distribution::constant(2.0)}});
  HttpRoute r = to({{"v1", 0}});
  meshsim::policies::IstioHttpRetry retry;
  retry.attempts = 3;
  retry.per_try_timeout = 100_ms;
  r.retries = retry;
  m.traffic.virtual_services.push_back(vs_backend({r}));
  m.loads.push_back(users(20, 0.0));
  const auto src = run(m).of(Reporter::kSource, 1);
  REQUIRE(!src.empty());
  for (const auto& x : src) {
    CHECK(x.response_code == 504);
    CHECK(x.attempts == 1);
    CHECK(x.end - x.start == 100_ms);
  }
}

TEST_CASE("retryOn 5xx with 3 attempts: success rate 1 - p^4 for a backend failing with p = 0.5",
          "[traffic]") {
  // Truth: independent failures; a request fails only if all 4 attempts fail: 0.5^4 = 6.25 %.
  // Binomial 99.9 % interval on the success share; failures carry URX.
  MeshConfig m = two_versions(CallStep{});
  m.workloads[1].handlers[0].error_probability = 0.5;
  m.workloads[1].handlers[0].error_status = 503;
  HttpRoute r = to({{"v1", 0}});
  meshsim::policies::IstioHttpRetry retry;
  retry.attempts = 3;
  retry.retry_on = "5xx";
  r.retries = retry;
  m.traffic.virtual_services.push_back(vs_backend({r}));
  m.loads.push_back(users(200, 0.0));
  const auto src = run(m).of(Reporter::kSource, 1);
  const double n = static_cast<double>(src.size());
  uint64_t ok = 0;
  for (const auto& x : src) {
    if (x.response_code == 200) {
      ++ok;
    } else {
      CHECK(x.response_code == 503);
      CHECK(x.attempts == 4);
      CHECK(x.response_flags == flags::kUpstreamRetryLimitExceeded);
    }
  }
  const double p = 1 - 0.0625;
  CHECK(std::abs(static_cast<double>(ok) / n - p) < 3.29 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("Outlier detection: a cluster of 2 never ejects at the default maxEjectionPercent; "
          "at 100 % the failing host is ejected", "[traffic]") {
  // Truth: Envoy outlier_detection_impl.cc (strict rule since PR #27909): eject only if
  // 100 * (ejected + 1) / total <= max_ejection_percent; 100 * 1 / 2 = 50 > 10.
  // backend-v1 has 2 pods; pod 0 always answers 500 (InjectErrors on it alone).
  auto setup = [](int max_percent) {
    MeshConfig m = two_versions(CallStep{});
    m.workloads[1].replicas = 2;
    meshsim::policies::OutlierDetectionSettings od;
    od.consecutive_5xx_errors = 1;
    od.interval = 1_s;
    od.base_ejection_time = 180_s;
    od.max_ejection_percent = max_percent;
    m.traffic.destination_rules[0].traffic_policy.outlier_detection = od;
    m.traffic.virtual_services.push_back(vs_backend({to({{"v1", 0}})}));
    m.loads.push_back(users(100, 0.0));
    TimelineEvent bad;
    bad.action = InjectErrors{{"", "backend-v1", "", 1, 0}, 1.0, 500};
    bad.description = "backend-v1-0 fails";
    m.timeline.push_back(bad);
    m.experiment.duration = 20_s;
    return m;
  };
  auto failures_after = [](const Collect& c, Time t) {
    uint64_t f = 0, n = 0;
    for (const auto& r : c.of(Reporter::kSource, 1)) {
      if (r.start < t) continue;
      ++n;
      if (r.response_code != 200) ++f;
    }
    return std::make_pair(f, n);
  };
  const auto [f10, n10] = failures_after(run(setup(10)), 5_s);
  const auto [f100, n100] = failures_after(run(setup(100)), 5_s);
  INFO("max 10 %: " << f10 << "/" << n10 << " failed; max 100 %: " << f100 << "/" << n100);
  CHECK(f10 > n10 / 4);  // least request keeps sending to the failing pod: about half fail
  CHECK(f100 == 0);      // ejected after its first 500, for 180 s
}

namespace {

// Istio's circuit-breaking task: httpbin behind a DestinationRule with maxConnections 1,
// http1MaxPendingRequests 1, maxRequestsPerConnection 1 (and outlier detection), called by
// fortio in the mesh with `-qps 0 -c C -n N`.  Returns the share of 503 UO over `seeds` runs.
double circuit_breaking_overflow_share(uint32_t connections, uint64_t requests, int seeds,
                                       uint64_t& overflowed, uint64_t& total) {
  overflowed = total = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    MeshConfig m;
    m.experiment.duration = 10_s;
    m.experiment.seed = static_cast<uint64_t>(seed);
    m.services.push_back({"httpbin", "default", {{"http", 8000, Protocol::kHttp}}, {{"app", "httpbin"}}});
    WorkloadConfig w;
    w.name = "httpbin";
    w.service = "httpbin";
    w.labels = {{"app", "httpbin"}, {"version", "v1"}};
    w.workers = 16;
    HandlerConfig h;
    h.steps.push_back(ComputeStep{Distribution::lognormal_median_p99(1e-3, 5e-3)});
    w.handlers.push_back(h);
    m.workloads.push_back(w);
    DestinationRuleConfig dr;
    dr.name = "httpbin";
    dr.host = "httpbin";
    meshsim::policies::ConnectionPoolSettings pool;
    pool.max_connections = 1;
    pool.http1_max_pending_requests = 1;
    pool.max_requests_per_connection = 1;
    dr.traffic_policy.connection_pool = pool;
    meshsim::policies::OutlierDetectionSettings od;
    od.consecutive_5xx_errors = 1;
    od.interval = 1_s;
    od.base_ejection_time = 180_s;
    od.max_ejection_percent = 100;
    dr.traffic_policy.outlier_detection = od;
    m.traffic.destination_rules.push_back(dr);
    LoadConfig fortio;
    fortio.name = "fortio";
    fortio.target_service = "httpbin";
    fortio.model = LoadConfig::Model::kClosed;
    fortio.connections = connections;
    fortio.think_time = Distribution::constant(0.0);
    fortio.through_sidecar = true;
    fortio.max_requests = requests;
    m.loads.push_back(fortio);
    const Collect c = run(m);
    for (const auto& r : c.of(Reporter::kSource, 0)) {
      ++total;
      if (r.response_code == 503) {
        CHECK(r.response_flags == flags::kUpstreamOverflow);  // overflow: UO, never retried
        CHECK(r.attempts == 1);
        ++overflowed;
      } else {
        CHECK(r.response_code == 200);
      }
    }
  }
  return static_cast<double>(overflowed) / static_cast<double>(total);
}

}  // namespace

TEST_CASE("Circuit breaking (Istio task): concurrency 2 mostly passes, concurrency 3 loses more; "
          "overflow is 503 UO, never retried", "[traffic]") {
  // Truth: istio.io tasks/traffic-management/circuit-breaking: -c 2 -n 20 showed 15 % 503
  // (an older edition 5 %), -c 3 -n 30 showed 63 % (older 37 %); all upstream_rq_pending_overflow.
  // The figures depend on timings the task does not state (connection setup, httpbin's service
  // time, the sidecar's two workers), so this test pins the qualitative outcome and the
  // mechanism; docs/fidelity.md states our figures next to Istio's.
  // The exact shares at given timings are pinned by hand traces in connection_pool_test.cpp
  // (2/20 and 19/30).  Here the exact case is -c 1, the task's first step ("fortio load -c 1
  // -qps 0 -n 20": Code 200 : 20 (100.0 %)): a single connection never has more than one
  // request outstanding, which maxConnections 1 plus one pending slot always admits (Envoy
  // overflows only beyond http1MaxPendingRequests), so not one request may be a 503.
  uint64_t o1, t1, o2, t2, o3, t3;
  const double c1 = circuit_breaking_overflow_share(1, 20, 50, o1, t1);
  const double c2 = circuit_breaking_overflow_share(2, 20, 200, o2, t2);
  const double c3 = circuit_breaking_overflow_share(3, 30, 200, o3, t3);
  INFO("-c 1: " << o1 << "/" << t1 << "; -c 2: " << o2 << "/" << t2 << " = " << c2
                << "; -c 3: " << o3 << "/" << t3 << " = " << c3);
  CHECK(t1 == 50 * 20);
  CHECK(c1 == 0.0);
  CHECK(t2 == 200 * 20);
  CHECK(t3 == 200 * 30);
  // Qualitative, as the task shows it: -c 2 already overflows sometimes, -c 3 more often.
  CHECK(c2 > 0.0);
  CHECK(c3 > c2);
  WARN("circuit breaking: -c 2 -> " << 100 * c2 << " % 503 (Istio: 15 %), -c 3 -> " << 100 * c3
                                    << " % 503 (Istio: 63 %)");
}

TEST_CASE("Locality: with outlierDetection traffic stays in the client's zone and fails over when "
          "the zone goes down; without it, it spreads over zones", "[traffic]") {
  // Truth: Istio loadbalancer.go assigns locality priorities only when the DestinationRule has
  // outlierDetection (P0 = the client's zone); Envoy sends all traffic to P0 while it is healthy
  // (1.4 overprovisioning) and spills over when it is not.  The frontend pod is in zone-a;
  // backend-v1 has 4 pods, alternating zone-a / zone-b.
  auto setup = [](bool outlier) {
    MeshConfig m = two_versions(CallStep{});
    m.workloads[0].zones = {"zone-a"};
    m.workloads[1].replicas = 4;
    m.workloads[1].zones = {"zone-a", "zone-b"};
    if (outlier) m.traffic.destination_rules[0].traffic_policy.outlier_detection = meshsim::policies::OutlierDetectionSettings{};
    m.traffic.virtual_services.push_back(vs_backend({to({{"v1", 0}})}));
    m.loads.push_back(users(100, 0.0));
    TimelineEvent outage;
    outage.at = 50_s;
    outage.action = KillPods{{"backend", "backend-v1", "zone-a", 0, 0}, PodLossMode::kCrash, /*replace=*/false};
    outage.description = "backend pods in zone-a down";
    m.timeline.push_back(outage);
    return m;
  };
  // Destination samples name workloads, not pods, so the zone a call went to is read from its
  // latency: cross-zone hops take 10 ms each way, same-zone hops nothing.
  auto run_with_delay = [&](bool outlier) {
    MeshConfig m = setup(outlier);
    m.network.cross_zone = Distribution::constant(0.010);
    return run(m);
  };
  auto cross_zone_share = [](const Collect& c, Time from, Time to_t) {
    uint64_t cross = 0, n = 0;
    for (const auto& r : c.of(Reporter::kSource, 1)) {
      if (r.start < from || r.start >= to_t || r.response_code != 200) continue;
      ++n;
      if (r.end - r.start >= 20_ms) ++cross;  // 10 ms each way
    }
    return static_cast<double>(cross) / static_cast<double>(n);
  };
  const Collect with = run_with_delay(true);
  const Collect without = run_with_delay(false);
  CHECK(cross_zone_share(with, 1_s, 50_s) == 0.0);             // all local while zone-a is up
  CHECK(cross_zone_share(with, 51_s, 100_s) == 1.0);           // failed over to zone-b
  // Without outlierDetection all 4 pods are one priority: about half the calls cross zones (2 of
  // 4 pods).  Least-request picks are not independent draws, so this is a qualitative check
  // (neither local nor remote only), not an interval.
  const double spread = cross_zone_share(without, 1_s, 50_s);
  CHECK(spread > 0.3);
  CHECK(spread < 0.7);
}

TEST_CASE("Consistent hash by header: every request with the same end-user lands on the same pod; "
          "without the header picks are random", "[traffic]") {
  // Truth: Envoy ring hash (ring_hash_lb.cc) maps one key to one host; a request without the key
  // gets a random pick (ThreadAwareLoadBalancerBase).  backend-v1 has 4 pods and pod 0 answers
  // 503 to everything, so the failure share shows where requests land: 0 or 1 for one key,
  // about 1/4 for random picks (binomial 99.9 % interval).
  auto share_failed = [](double jason_share) {
    MeshConfig m = two_versions(CallStep{});
    m.workloads[1].replicas = 4;
    meshsim::policies::LbConfig lb;
    lb.policy = meshsim::policies::LbPolicy::RingHash;
    m.traffic.destination_rules[0].traffic_policy.load_balancer = lb;
    m.traffic.destination_rules[0].traffic_policy.consistent_hash_header = "end-user";
    meshsim::policies::IstioHttpRetry no_retry;
    no_retry.attempts = 0;
    HttpRoute r = to({{"v1", 0}});
    r.retries = no_retry;
    m.traffic.virtual_services.push_back(vs_backend({r}));
    m.loads.push_back(users(100, jason_share));
    TimelineEvent bad;
    bad.action = InjectErrors{{"", "backend-v1", "", 1, 0}, 1.0, 503};
    bad.description = "backend-v1-0 fails";
    m.timeline.push_back(bad);
    const Collect c = run(m);
    uint64_t failed = 0;
    const auto src = c.of(Reporter::kSource, 1);
    for (const auto& x : src) failed += x.response_code == 503 ? 1 : 0;
    return std::make_pair(static_cast<double>(failed) / static_cast<double>(src.size()), src.size());
  };
  const auto [keyed, n1] = share_failed(1.0);
  CHECK((keyed == 0.0 || keyed == 1.0));
  const auto [random, n2] = share_failed(0.0);
  const double n = static_cast<double>(n2);
  CHECK(std::abs(random - 0.25) < 3.29 * std::sqrt(0.25 * 0.75 / n));
  (void)n1;
}

TEST_CASE("Mirroring: a copy of each request reaches the mirror subset; its answer is discarded",
          "[traffic]") {
  // Truth: Envoy request_mirror_policies (router.cc): fire and forget, response ignored; Istio
  // mirrorPercentage absent = 100 %.  Here v1 serves, v2 gets copies (and always fails: the
  // caller must not see it).
  MeshConfig m = two_versions(CallStep{});
  m.workloads[2].handlers[0].error_probability = 1.0;
  HttpRoute r = to({{"v1", 0}});
  meshsim::policies::Mirror mirror;
  mirror.host = "backend";
  mirror.subset = "v2";
  r.mirrors.push_back(mirror);
  m.traffic.virtual_services.push_back(vs_backend({r}));
  m.loads.push_back(users(50, 0.0));
  const Collect c = run(m);
  const auto src = c.of(Reporter::kSource, 1);
  uint64_t at_v1 = 0, at_v2 = 0;
  for (const auto& x : c.of(Reporter::kDestination, 1)) (x.destination_workload == 1 ? at_v1 : at_v2)++;
  for (const auto& x : src) CHECK(x.response_code == 200);
  CHECK(at_v1 == src.size());
  CHECK(at_v2 == src.size());  // one copy per request, 100 % by default
  for (const auto& x : c.records)
    if (x.reporter == Reporter::kClient) CHECK(x.response_code == 200);
}

// ---- Host names (policies/host_name.h: Istio's ResolveShortnameToFQDN, then Matches) ----------

namespace {

// Everything a run recorded at the caller's sidecar, for exact comparison of two runs.
std::vector<std::tuple<int64_t, int64_t, uint32_t, uint16_t, uint32_t>> trace(const Collect& c) {
  std::vector<std::tuple<int64_t, int64_t, uint32_t, uint16_t, uint32_t>> out;
  for (const auto& r : c.of(Reporter::kSource, 1)) {
    out.emplace_back(r.start.ns(), r.end.ns(), r.destination_workload, r.response_code,
                     r.response_flags);
  }
  return out;
}

MeshConfig jason_to_v2(const std::string& vs_host, const std::string& destination_host) {
  MeshConfig m = two_versions(CallStep{});
  HttpRoute v2 = jason(to({{"v2", 0}}));
  HttpRoute v1 = to({{"v1", 0}});
  v2.destinations[0].host = v1.destinations[0].host = destination_host;
  VirtualServiceConfig vs = vs_backend({v2, v1});
  vs.hosts = {vs_host};
  m.traffic.virtual_services.push_back(vs);
  m.loads.push_back(users(200, 0.1));
  m.experiment.duration = 20_s;
  return m;
}

}  // namespace

TEST_CASE("Istio hosts: 'backend' and 'backend.default.svc.cluster.local' route alike, request "
          "for request",
          "[traffic]") {
  // ResolveShortnameToFQDN("backend", namespace default) is the service's FQDN, so both
  // spellings give one route table and, with the same seed, the same run.
  const auto short_name = trace(run(jason_to_v2("backend", "backend")));
  const auto fqdn = trace(run(jason_to_v2("backend.default.svc.cluster.local",
                                          "backend.default.svc.cluster.local")));
  REQUIRE(short_name.size() > 3000);
  REQUIRE(short_name.size() == fqdn.size());
  CHECK(std::equal(short_name.begin(), short_name.end(), fqdn.begin()));
  // And the VirtualService did route: jason's requests went to v2 only.
  uint64_t v2 = 0;
  for (const auto& r : short_name) v2 += std::get<2>(r) == 2;
  CHECK(v2 > 0);
  CHECK(v2 < short_name.size() / 2);
}

TEST_CASE("Istio hosts: a VirtualService for 'backend.default' applies to no call (a name with "
          "a dot is taken as written), so the default route stays",
          "[traffic]") {
  MeshConfig none = jason_to_v2("backend", "backend");
  none.traffic.virtual_services.clear();
  const auto default_route = trace(run(none));
  const auto dotted = trace(run(jason_to_v2("backend.default", "backend")));
  REQUIRE(default_route.size() > 3000);
  REQUIRE(dotted.size() == default_route.size());
  CHECK(std::equal(dotted.begin(), dotted.end(), default_route.begin()));
}

TEST_CASE("Istio hosts: a destination 'backend.default' names no cluster: 503 NC", "[traffic]") {
  const auto c = run(jason_to_v2("backend", "backend.default"));
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(!src.empty());
  for (const auto& r : src) {
    CHECK(r.response_code == 503);
    CHECK(r.response_flags == flags::kNoClusterFound);
  }
}
