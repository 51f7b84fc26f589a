// TCP services end to end: the application's pooled connections, the sidecars' tcp_proxy
// (VirtualService tcp routes per connection, maxConnections, connect failures UF,URX, no
// retries), pod loss (reset vs hang) and Istio's TCP metrics.  Sources: shared/reference/
// real-applications-semantics.md §1 (tcp routes, max_connect_attempts 1) and §5 (pod loss);
// istio listener_tcp.go buildSidecarOutboundTCPFilterChainOpts / matchTCP; envoy
// source/common/tcp_proxy/tcp_proxy.cc.  Statistical checks: one fixed seed, a binomial 99.9 %
// interval.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "models/mesh.h"
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

// `front` (HTTP, `front_replicas` pods) calls `store` (port 6379 named tcp-redis; one pod of
// store-v1) once per request; each store request computes `service_s`.  The Load `users` calls
// front through its own sidecar at a constant `rate` per second.  No network latency and no
// sidecar overhead.  Services: 0 front, 1 store.  Workloads: 0 front-v1, 1 store-v1.
MeshConfig front_store(double rate, double service_s, CallStep::TcpClient client, uint32_t front_replicas = 1) {
  MeshConfig m = meshsim::testing::zero_latency_mesh(2_s, /*zero_sidecar_overhead=*/true);
  m.services.push_back({"front", "default", {{"http", 8080, Protocol::kHttp, ""}}, {{"app", "front"}}});
  m.services.push_back({"store", "default", {{"tcp-redis", 6379, Protocol::kRedis, ""}}, {{"app", "store"}}});
  WorkloadConfig f;
  f.name = "front-v1";
  f.service = "front";
  f.labels = {{"app", "front"}};
  f.replicas = front_replicas;
  f.workers = 1000;
  CallStep call;
  call.service = "store";
  call.port = 6379;
  call.request_bytes = 100;
  call.response_bytes = 1000;
  call.tcp_client = client;
  f.handlers.push_back({"/", "", {}, {call}, 0.0, 500, pol::kNoGrpcStatus, 0});
  WorkloadConfig s;
  s.name = "store-v1";
  s.service = "store";
  s.labels = {{"app", "store"}, {"version", "v1"}};
  s.workers = 1000;
  HandlerConfig h;
  h.steps.push_back(ComputeStep{Distribution::constant(service_s)});
  s.handlers.push_back(h);
  m.workloads = {f, s};
  LoadConfig l;
  l.name = "users";
  l.target_service = "front";
  l.model = LoadConfig::Model::kOpenConstant;
  l.through_sidecar = true;
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), rate, 0, 0, {}});
  m.loads.push_back(l);
  return m;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

// A DestinationRule for store: RANDOM when `random`, `connect_timeout` when set.
DestinationRuleConfig store_rule(bool random, std::optional<Time> connect_timeout = std::nullopt) {
  DestinationRuleConfig dr;
  dr.name = "store";
  dr.host = "store";
  if (random) {
    pol::LbConfig lb;
    lb.policy = pol::LbPolicy::Random;
    dr.traffic_policy.load_balancer = lb;
  }
  if (connect_timeout) {
    pol::ConnectionPoolSettings pool;
    pool.connect_timeout = *connect_timeout;
    dr.traffic_policy.connection_pool = pool;
  }
  return dr;
}

// `count` pods of store lost at `at`, the way `mode` says (no replacement).
void lose_store_pods(MeshConfig& m, Time at, PodLossMode mode, uint32_t count) {
  KillPods k{{"store", "", "", count, 0}};
  k.mode = mode;
  k.replace = false;
  TimelineEvent e;
  e.at = at;
  e.description = "pod loss";
  e.action = k;
  m.timeline.push_back(e);
}

uint64_t count(const Collect& c, Reporter r, TcpRecord::Kind k, uint32_t flags = UINT32_MAX) {
  uint64_t n = 0;
  for (const auto& t : c.tcp_records)
    n += t.reporter == r && t.kind == k && (flags == UINT32_MAX || t.response_flags == flags) ? 1 : 0;
  return n;
}

// Requests of the load to front (reporter=source) that succeeded / failed, ended in [from, to).
std::pair<uint64_t, uint64_t> front_outcomes(const Collect& c, Time from = Time::zero(), Time to = Time::max()) {
  uint64_t ok = 0, failed = 0;
  for (const auto& r : c.of(Reporter::kSource, 0)) {
    if (r.end < from || r.end >= to) continue;
    (r.response_code == 200 ? ok : failed) += 1;
  }
  return {ok, failed};
}

constexpr uint32_t kUfUrx = pol::kUpstreamConnectionFailure | pol::kUpstreamRetryLimitExceeded;

}  // namespace

TEST_CASE("A pooled connection carries request after request: one connection, counted once by each "
          "sidecar, bytes per request and response as Istio's directions give them",
          "[tcp]") {
  // Hand calculation: a request every 1 ms, each holding its connection 0.5 ms (no latency), so
  // every request finds the first connection idle: 1 opened, 0 closed, on both sides.
  const Collect c = run(front_store(1000, 0.0005, {10, false}));
  CHECK(count(c, Reporter::kSource, TcpRecord::kOpened) == 1);
  CHECK(count(c, Reporter::kDestination, TcpRecord::kOpened) == 1);
  CHECK(count(c, Reporter::kSource, TcpRecord::kClosed) == 0);
  const auto [ok, failed] = front_outcomes(c);
  CHECK(failed == 0);
  CHECK(ok >= 1999);
  // Every answered store request adds its request bytes to received and its response bytes to
  // sent (istio_tcp_received_bytes_total: from the client; _sent_: to the client).
  uint64_t n = 0, sent = 0, received = 0;
  for (const auto& t : c.tcp_records) {
    if (t.reporter != Reporter::kSource || t.kind != TcpRecord::kBytes) continue;
    ++n;
    sent += t.sent_bytes;
    received += t.received_bytes;
    CHECK(t.source_workload == 0);
    CHECK(t.destination_workload == 1);
    CHECK(t.destination_service == 1);
  }
  CHECK(n == ok);
  CHECK(sent == 1000 * n);
  CHECK(received == 100 * n);
  // No HTTP record describes the store calls: tcp_proxy has no request metrics.
  CHECK(c.of(Reporter::kSource, 1).empty());
  CHECK(c.of(Reporter::kDestination, 1).empty());
}

TEST_CASE("The pool grows to its limit under concurrency, then requests wait in the application; a "
          "multiplexed client keeps one connection",
          "[tcp]") {
  // 5 ms per request at one per ms: five requests want a connection at once.
  SECTION("connections: 3, one request at a time") {
    const Collect c = run(front_store(1000, 0.005, {3, false}));
    CHECK(count(c, Reporter::kSource, TcpRecord::kOpened) == 3);
    CHECK(front_outcomes(c).second == 0);
    // Waiting in the application: front's latency exceeds the store's 5 ms.
    Time worst = Time::zero();
    for (const auto& r : c.of(Reporter::kSource, 0)) worst = std::max(worst, r.end - r.start);
    CHECK(worst > 5_ms);
  }
  SECTION("connections: 1, multiplexed") {
    const Collect c = run(front_store(1000, 0.005, {1, true}));
    CHECK(count(c, Reporter::kSource, TcpRecord::kOpened) == 1);
    CHECK(front_outcomes(c).second == 0);
    for (const auto& r : c.of(Reporter::kSource, 0)) CHECK(r.end - r.start == 5_ms);
  }
}

TEST_CASE("VirtualService tcp routes: sourceLabels select the route at config time, weights pick a "
          "destination per connection",
          "[tcp]") {
  // 300 front pods, one multiplexed connection each; `batch` (labels app=batch) has its own load.
  MeshConfig m = front_store(3000, 0.0001, {1, true}, 300);
  m.experiment.duration = 1_s;
  WorkloadConfig v2 = m.workloads[1];
  v2.name = "store-v2";
  v2.labels = {{"app", "store"}, {"version", "v2"}};
  m.workloads.push_back(v2);
  m.services.push_back({"batch", "default", {{"http", 8080, Protocol::kHttp, ""}}, {{"app", "batch"}}});
  WorkloadConfig batch = m.workloads[0];
  batch.name = "batch-v1";
  batch.service = "batch";
  batch.labels = {{"app", "batch"}};
  batch.replicas = 1;
  batch.handlers[0].steps[0] = [] {
    CallStep call;
    call.service = "store";
    call.port = 6379;
    call.tcp_client = {1, false};
    return call;
  }();
  m.workloads.push_back(batch);
  LoadConfig l2 = m.loads[0];
  l2.name = "batch-users";
  l2.target_service = "batch";
  l2.rate[0].rate = 100;
  m.loads.push_back(l2);
  DestinationRuleConfig dr;
  dr.name = "store";
  dr.host = "store";
  dr.subsets = {{"v1", {{"version", "v1"}}, std::nullopt}, {"v2", {{"version", "v2"}}, std::nullopt}};
  m.traffic.destination_rules.push_back(dr);
  pol::VirtualServiceConfig vs;
  vs.name = "store";
  vs.ns = "default";
  vs.hosts = {"store"};
  pol::TcpRoute batch_route;
  pol::L4Match from_batch;
  from_batch.source_labels = {{"app", "batch"}};
  batch_route.matches = {from_batch};
  batch_route.destinations = {{"store", "v2", 0, 0}};
  pol::TcpRoute split;
  split.destinations = {{"store", "v1", 0, 80}, {"store", "v2", 0, 20}};
  vs.tcp = {batch_route, split};
  m.traffic.virtual_services.push_back(vs);

  const Collect c = run(m);
  const uint32_t front = c.workload_index("front-v1"), batch_wl = c.workload_index("batch-v1");
  const uint32_t v1 = c.workload_index("store-v1"), v2_wl = c.workload_index("store-v2");
  double to_v1 = 0, n = 0, batch_to_v2 = 0, batch_n = 0;
  for (const auto& t : c.tcp_records) {
    if (t.reporter != Reporter::kSource || t.kind != TcpRecord::kOpened) continue;
    if (t.source_workload == front) {
      ++n;
      to_v1 += t.destination_workload == v1 ? 1 : 0;
    } else if (t.source_workload == batch_wl) {
      ++batch_n;
      batch_to_v2 += t.destination_workload == v2_wl ? 1 : 0;
    }
  }
  // Binomial(n, 0.8): within 3.29 standard deviations with probability 99.9 %.
  INFO("front connections " << n << ", to v1 " << to_v1);
  CHECK(n > 250);
  CHECK(std::abs(to_v1 - 0.8 * n) <= 3.29 * std::sqrt(n * 0.8 * 0.2));
  CHECK(batch_n == 1);
  CHECK(batch_to_v2 == 1);
  CHECK(front_outcomes(c).second == 0);
}

TEST_CASE("DestinationRule maxConnections: tcp_proxy closes the connections beyond it (UO), and "
          "the application's calls on them fail",
          "[tcp]") {
  MeshConfig m = front_store(1000, 0.005, {5, false});
  DestinationRuleConfig dr = store_rule(false);
  pol::ConnectionPoolSettings pool;
  pool.max_connections = 1;
  dr.traffic_policy.connection_pool = pool;
  m.traffic.destination_rules.push_back(dr);
  const Collect c = run(m);
  CHECK(count(c, Reporter::kDestination, TcpRecord::kOpened) == 1);
  CHECK(count(c, Reporter::kSource, TcpRecord::kClosed, pol::kUpstreamOverflow) > 0);
  for (const auto& t : c.tcp_records)
    if (t.kind == TcpRecord::kClosed && t.response_flags == pol::kUpstreamOverflow)
      CHECK(t.destination_workload == kNoWorkload);
  CHECK(front_outcomes(c).second > 0);
}

TEST_CASE("Node loss: requests on an open connection hang until the application's timeout; new "
          "connections wait for the connect timeout and fail UF,URX, never retried by the sidecar",
          "[tcp]") {
  // One store pod; its node vanishes at 1.0005 s (and stays in the endpoints for the node grace
  // period, 40 s).  front's call times out after 1 s; the DR's connectTimeout is 200 ms.  A
  // request every 10 ms takes 1 ms, so before the loss one connection carries them all.
  MeshConfig m = front_store(100, 0.001, {10, false});
  m.experiment.duration = 5_s;
  std::get<CallStep>(m.workloads[0].handlers[0].steps[0]).timeout = 1_s;
  m.traffic.destination_rules.push_back(store_rule(false, 200_ms));
  lose_store_pods(m, 1_s + 500_us, PodLossMode::kNode, 1);
  const Collect c = run(m);
  const auto before = front_outcomes(c, Time::zero(), 1_s);
  CHECK(before.second == 0);
  CHECK(before.first >= 99);
  // Nothing succeeds once the node is gone.  The request sent on the open connection hangs for
  // the whole application timeout; those on new connections fail at the connect timeout (or
  // later, having waited for a free connection first), never sooner.
  uint64_t hung = 0, connect_failed = 0, failed = 0;
  for (const auto& r : c.of(Reporter::kSource, 0)) {
    if (r.start <= 1_s + 500_us) continue;
    CHECK(r.response_code != 200);
    CHECK(r.end - r.start >= 200_ms);
    ++failed;
    hung += r.end - r.start == 1_s ? 1 : 0;
    connect_failed += r.end - r.start == 200_ms ? 1 : 0;
  }
  CHECK(hung >= 1);
  CHECK(connect_failed > 0);
  // One failed connect fails the one call waiting on it (one request at a time per connection).
  const uint64_t uf_urx = count(c, Reporter::kSource, TcpRecord::kClosed, kUfUrx);
  CHECK(uf_urx >= connect_failed);
  CHECK(uf_urx <= failed);
  for (const auto& t : c.tcp_records) {
    if (t.kind == TcpRecord::kClosed && t.response_flags == kUfUrx) CHECK(t.at >= 1_s + 200_ms);
    if (t.reporter == Reporter::kDestination) CHECK(t.at <= 1_s + 500_us);
  }
}

TEST_CASE("Crash: the connections into the dead app are closed under their requests; new "
          "connections to it open and are closed by its sidecar (UF,URX there) until the endpoint "
          "push",
          "[tcp]") {
  // Ten requests in flight (10 ms each at one per ms) over up to 20 connections, RANDOM over 2 pods.
  MeshConfig m = front_store(1000, 0.01, {20, false});
  m.experiment.duration = 5_s;
  m.workloads[1].replicas = 2;
  m.traffic.destination_rules.push_back(store_rule(true));
  ControlPlaneConfig& cp = m.experiment.control_plane;
  cp.endpoint_slice_delay = 100_ms;
  cp.debounce_after = 100_ms;
  cp.debounce_max = 10_s;
  cp.push_delay = Distribution::constant(0.2);
  m.experiment.kubernetes.kubelet_sync_delay = 1_s;
  lose_store_pods(m, 1_s + 500_us, PodLossMode::kCrash, 1);
  const Collect c = run(m);
  // In flight at the crash: failed at once (reset), not at a timeout.
  const auto during = front_outcomes(c, 1_s, 1_s + 1_ms);
  CHECK(during.second > 0);
  // The server sidecar of the dead app closes new connections: UF,URX on its side.
  CHECK(count(c, Reporter::kDestination, TcpRecord::kClosed, kUfUrx) > 0);
  // The push (not ready at 2 s, EndpointSlice 2.1 s, debounce 2.2 s, applied 2.4 s) ends it.
  CHECK(front_outcomes(c, 2500_ms, Time::max()).second == 0);
  CHECK(front_outcomes(c, 2500_ms, Time::max()).first > 2000);
}

TEST_CASE("A caller without a sidecar connects straight to a pod: only the server sidecar reports",
          "[tcp]") {
  MeshConfig m = front_store(1000, 0.0005, {10, false});
  m.workloads[0].sidecar = false;
  const Collect c = run(m);
  CHECK(count(c, Reporter::kSource, TcpRecord::kOpened) == 0);
  CHECK(count(c, Reporter::kDestination, TcpRecord::kOpened) == 1);
  CHECK(front_outcomes(c).second == 0);
}

TEST_CASE("Outlier detection hears tcp_proxy's connect failures: after consecutive5xxErrors of "
          "them the host is ejected and new connections go elsewhere",
          "[tcp]") {
  // Ten store pods, RANDOM; nine lose their node at 0.5 s and stay in the endpoints.  Each
  // connect to them times out after 100 ms (LocalOriginConnectFailed: a 503 in non-split mode).
  // One front pod keeps up to 10 connections (80 ms per request at 100/s: about 8 in use); those
  // on lost pods hang until the 1 s timeout, then are replaced, each replacement landing on a
  // lost pod with probability 9/10 unless outlier detection has ejected it.
  auto make = [](bool outlier) {
    MeshConfig m = front_store(100, 0.08, {10, false});
    m.experiment.duration = 5_s;
    m.workloads[1].replicas = 10;
    std::get<CallStep>(m.workloads[0].handlers[0].steps[0]).timeout = 1_s;
    DestinationRuleConfig dr = store_rule(true, 100_ms);
    if (outlier) {
      pol::OutlierDetectionSettings od;
      od.consecutive_5xx_errors = 3;
      od.interval = 1_s;
      od.base_ejection_time = 30_s;
      od.max_ejection_percent = 100;
      dr.traffic_policy.outlier_detection = od;
    }
    m.traffic.destination_rules.push_back(dr);
    lose_store_pods(m, 500_ms, PodLossMode::kNode, 9);
    return m;
  };
  auto failed_connects = [](const Collect& c) {
    std::vector<Time> at;
    for (const auto& t : c.tcp_records)
      if (t.reporter == Reporter::kSource && t.kind == TcpRecord::kClosed && t.response_flags == kUfUrx)
        at.push_back(t.at);
    std::sort(at.begin(), at.end());
    return at;
  };
  const Collect cw = run(make(true));
  const auto with = failed_connects(cw);
  const auto without = failed_connects(run(make(false)));
  INFO("failed connects: " << with.size() << " with outlier detection, " << without.size() << " without");
  // Each lost pod is ejected at its third failed connect: at most 3 x 9 = 27 failures, plus the
  // connects already under way at an ejection.
  CHECK(with.size() >= 3);
  CHECK(with.size() <= 40);
  // Without it, each replacement chain fails 9 times on average (geometric, success 1/10).
  CHECK(without.size() > 2 * with.size());
}
