// The mesh runtime's data path, each behaviour against a hand-computed or closed-form truth.
// Network latency is set to zero and sidecars removed where a test needs exact figures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <cmath>
#include <vector>

#include "analysis/confidence.h"
#include "analysis/queueing.h"
#include "models/mesh.h"
#include "support/mesh_config.h"
#include "support/recording_sink.h"
#include "policies/response_flags.h"

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace flags = meshsim::policies;

namespace {

using Collect = meshsim::testing::RecordingSink;

MeshConfig base() { return meshsim::testing::zero_latency_mesh(10_s); }

void add_service(MeshConfig& m, const std::string& name, uint32_t replicas, uint32_t workers,
                 std::vector<Step> steps, bool sidecar = false) {
  m.services.push_back({name, "default", {{"http", 8080, Protocol::kHttp}}, {{"app", name}}});
  WorkloadConfig w;
  w.name = name + "-v1";
  w.service = name;
  w.labels = {{"app", name}, {"version", "v1"}};
  w.replicas = replicas;
  w.workers = workers;
  w.sidecar = sidecar;
  HandlerConfig h;
  h.steps = std::move(steps);
  w.handlers.push_back(h);
  m.workloads.push_back(w);
}

LoadConfig poisson(const std::string& target, double rate) {
  LoadConfig l;
  l.name = "users";
  l.target_service = target;
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), rate, 0, 0, {}});
  return l;
}

LoadConfig one_user(const std::string& target) {
  LoadConfig l;
  l.name = "user";
  l.target_service = target;
  l.model = LoadConfig::Model::kClosed;
  l.connections = 1;
  l.think_time = Distribution::constant(1.0);  // one request per second, never overlapping
  return l;
}

CallStep call(const std::string& svc) {
  CallStep c;
  c.service = svc;
  return c;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

}  // namespace

TEST_CASE("One service, one worker, Poisson load, no sidecar and no network: an M/M/1 queue",
          "[mesh]") {
  // Truth: M/M/1 with lambda 800/s, mu 1000/s: W = 1/(mu - lambda) = 5 ms.  Batch means (30
  // batches of 100 s after 10 s) give a 99.9 % interval; the estimate must fall inside it, and
  // the interval must be narrower than 5 % of W for the check to mean something.
  MeshConfig m = base();
  add_service(m, "mm1", 1, 1, {ComputeStep{Distribution::exponential(1e-3)}});
  m.loads.push_back(poisson("mm1", 800));
  m.experiment.duration = 3010_s;
  const auto c = run(m);
  meshsim::analysis::BatchMeans bm(10_s, 100_s, 30);
  for (const auto& r : c.of(Reporter::kClient)) bm.add(r.end, r.end - r.start);
  const auto ci = bm.mean(0.999);
  const double w = meshsim::analysis::MM1(800, 1000).mean_response_time();
  INFO("simulated " << ci.estimate << " +- " << ci.half_width << ", theory " << w);
  CHECK(std::abs(ci.estimate - w) <= ci.half_width);
  CHECK(ci.half_width < 0.05 * w);
}

TEST_CASE("Sidecar pair overhead follows Istio's published figures, drawn once per exchange",
          "[mesh]") {
  // Truth: SidecarConfig's default table (p50 1 ms, p90 2.76 ms, p99 2.88 ms for the pair).  With
  // zero compute and zero network, a call between two injected workloads takes exactly the pair
  // overhead; the client sees it end to end.  Order-statistic bound at n = 20000: p50 within
  // 0.5 +- 4.5 sqrt(0.25/n) of the table, i.e. the interpolated quantile at 0.484..0.516.
  MeshConfig m = base();
  add_service(m, "backend", 1, 1000, {}, /*sidecar=*/true);
  LoadConfig l = poisson("backend", 2000);
  l.through_sidecar = true;
  m.loads.push_back(l);
  const auto c = run(m);
  std::vector<double> lat;
  for (const auto& r : c.of(Reporter::kClient)) lat.push_back((r.end - r.start).to_seconds());
  REQUIRE(lat.size() > 15000);
  std::sort(lat.begin(), lat.end());
  auto q = [&](double p) { return lat[static_cast<size_t>(p * static_cast<double>(lat.size()))]; };
  const auto table = m.sidecar.pair_overhead;
  const double n = static_cast<double>(lat.size());
  for (double p : {0.5, 0.9, 0.99}) {
    const double d = 4.5 * std::sqrt(p * (1 - p) / n);
    INFO("p" << p * 100 << " simulated " << q(p) << " table " << table.quantile(p));
    CHECK(q(p) >= table.quantile(p - d) - 2e-9);  // ns rounding of the four passes
    CHECK(q(p) <= table.quantile(std::min(1.0, p + d)) + 2e-9);
  }
}

TEST_CASE("Istio counting: one source sample per attempt leaving a sidecar, one destination "
          "sample per attempt reaching one", "[mesh]") {
  // frontend (sidecar) calls backend (sidecar) once per request; a closed-loop user sends 10
  // requests, so there are 10 client, 10+10 source (user->frontend, frontend->backend) ... but the
  // edge user has no sidecar: 10 source records (frontend->backend) and 20 destination records.
  MeshConfig m = base();
  add_service(m, "frontend", 1, 1, {call("backend")}, true);
  add_service(m, "backend", 1, 1, {ComputeStep{Distribution::constant(0.001)}}, true);
  m.loads.push_back(one_user("frontend"));
  const auto c = run(m);
  CHECK(c.of(Reporter::kClient).size() == 10);
  CHECK(c.of(Reporter::kSource).size() == 10);
  CHECK(c.of(Reporter::kDestination).size() == 20);
  for (const auto& r : c.of(Reporter::kSource)) {
    CHECK(r.source_workload == 0);
    CHECK(r.destination_workload == 1);
    CHECK(r.response_code == 200);
  }
}

TEST_CASE("Parallel calls wait for the slowest; sequential steps add up", "[mesh]") {
  // frontend: compute 2 ms, then calls a (10 ms), b (20 ms), c (30 ms) in parallel, then 1 ms.
  // Truth, no network and no sidecar: 2 + max(10, 20, 30) + 1 = 33 ms exactly.
  MeshConfig m = base();
  ParallelStep par{{call("a"), call("b"), call("c")}};
  add_service(m, "frontend", 1, 1,
              {ComputeStep{Distribution::constant(0.002)}, par, ComputeStep{Distribution::constant(0.001)}});
  add_service(m, "a", 1, 1, {ComputeStep{Distribution::constant(0.010)}});
  add_service(m, "b", 1, 1, {ComputeStep{Distribution::constant(0.020)}});
  add_service(m, "c", 1, 1, {ComputeStep{Distribution::constant(0.030)}});
  m.loads.push_back(one_user("frontend"));
  const auto c = run(m);
  const auto client = c.of(Reporter::kClient);
  REQUIRE(client.size() == 10);
  for (const auto& r : client) CHECK(r.end - r.start == 33_ms);
}

TEST_CASE("An application timeout with one retry, then degrade: Bookinfo's productpage", "[mesh]") {
  // productpage calls reviews with a 3 s timeout and 1 retry, degrading on failure; reviews
  // takes 10 s.  Truth: two attempts of 3 s, then the page answers 200 at 6 s.
  MeshConfig m = base();
  CallStep c = call("reviews");
  c.timeout = 3_s;
  c.retries = 1;
  c.on_failure = OnFailure::kDegrade;
  add_service(m, "productpage", 1, 10, {c});
  add_service(m, "reviews", 1, 10, {ComputeStep{Distribution::constant(10.0)}});
  LoadConfig l = one_user("productpage");
  l.think_time = Distribution::constant(100.0);
  m.loads.push_back(l);
  m.experiment.duration = 30_s;
  const auto r = run(m).of(Reporter::kClient);
  REQUIRE(!r.empty());
  CHECK(r[0].end - r[0].start == 6_s);
  CHECK(r[0].response_code == 200);
}

TEST_CASE("A failed call with onFailure=fail ends the handler with 504 after a timeout", "[mesh]") {
  MeshConfig m = base();
  CallStep c = call("slow");
  c.timeout = 1_s;
  add_service(m, "front", 1, 1, {c, ComputeStep{Distribution::constant(5.0)}});
  add_service(m, "slow", 1, 1, {ComputeStep{Distribution::constant(2.0)}});
  LoadConfig l = one_user("front");
  l.think_time = Distribution::constant(100.0);
  m.loads.push_back(l);
  const auto r = run(m).of(Reporter::kClient);
  REQUIRE(!r.empty());
  CHECK(r[0].response_code == 504);
  CHECK(r[0].end - r[0].start == 1_s);  // the 5 s compute after the call never ran
}

TEST_CASE("A full queue answers the overflow status at once", "[mesh]") {
  // One worker, queue limit 1, each request 1 s, 3 requests at once (3 closed-loop users).
  // Truth: one served at 1 s, one queued then served at 2 s, one refused with 503 at 0 s.
  MeshConfig m = base();
  add_service(m, "svc", 1, 1, {ComputeStep{Distribution::constant(1.0)}});
  m.workloads[0].queue_limit = 1;
  LoadConfig l = one_user("svc");
  l.connections = 3;
  l.think_time = Distribution::constant(100.0);
  m.loads.push_back(l);
  auto r = run(m).of(Reporter::kClient);
  REQUIRE(r.size() == 3);
  std::sort(r.begin(), r.end(), [](auto& a, auto& b) { return a.end < b.end; });
  CHECK(r[0].response_code == 503);
  CHECK(r[0].end == Time::zero());
  CHECK(r[1].end == 1_s);
  CHECK(r[2].end == 2_s);
}

TEST_CASE("Killing every pod (crash): the request in the app gets 503 UC from the server sidecar, "
          "new ones 503 UF until the endpoint push, then 503 UH; back after the restore and its push",
          "[mesh]") {
  // The apps crash at 0.5 s while a 1 s request is in service: the server sidecar answers it 503
  // (flag UC there; the client sidecar sees a 503 response, not retried on Istio 1.27).  Until the
  // kubelet (1 s), EndpointSlice (100 ms), debounce (100 ms) and push (0 here) remove the pods at
  // 1.7 s, the server sidecar refuses new requests (503 UF,URX there); then the client sidecar
  // has no host (503 UH).  At 3.5 s the apps are back; ready at once, pushed at 3.7 s.
  MeshConfig m = base();
  add_service(m, "front", 1, 10, {call("back")}, true);
  add_service(m, "back", 2, 1, {ComputeStep{Distribution::constant(1.0)}}, true);
  m.experiment.control_plane.push_delay = Distribution::constant(0);
  m.loads.push_back(one_user("front"));
  m.loads[0].think_time = Distribution::constant(0.1);
  TimelineEvent kill;
  kill.at = 500_ms;
  kill.duration = 3_s;
  kill.description = "kill back";
  kill.action = KillPods{{.service = "back"}};
  m.timeline.push_back(kill);
  const auto c = run(m);
  const auto src = c.of(Reporter::kSource, 1);
  REQUIRE(src.size() >= 3);
  CHECK(src[0].response_code == 503);
  CHECK(src[0].response_flags == 0);
  CHECK(src[0].end >= 500_ms);  // plus the sidecars' response passes
  CHECK(src[0].end < 505_ms);
  bool refused = false, no_host = false;
  for (const auto& r : src) {
    if (r.start > 500_ms && r.start < 1700_ms) {
      refused = true;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == 0);
    } else if (r.start > 1700_ms && r.start < 3700_ms) {
      no_host = true;
      CHECK(r.response_code == 503);
      CHECK(r.response_flags == flags::kNoHealthyUpstream);
    }
  }
  CHECK(refused);
  CHECK(no_host);
  CHECK(src.back().response_code == 200);  // back after 3.7 s
  const auto dst = c.of(Reporter::kDestination, 1);
  REQUIRE_FALSE(dst.empty());
  CHECK(dst[0].response_flags == flags::kUpstreamConnectionTermination);
  REQUIRE(c.events.size() == 2);
  CHECK(c.events[0].at == 500_ms);
  CHECK(c.events[1].at == 3500_ms);
  CHECK(c.events[1].undo);
}

TEST_CASE("A partition: three connect timeouts (Istio's default retries), then 503 UF,URX",
          "[mesh]") {
  // Truth: Istio's default retry policy (no VirtualService) retries connect-failure twice
  // (istio retry.go DefaultPolicy); each attempt waits the 10 s connectTimeout; backoffs are
  // drawn from [0, 25 ms) and [0, 50 ms) (envoy backoff_strategy.cc); exhausted retries add URX.
  MeshConfig m = base();
  add_service(m, "front", 1, 10, {call("back")}, true);
  add_service(m, "back", 1, 10, {}, true);
  LoadConfig l = one_user("front");
  l.think_time = Distribution::constant(100.0);
  m.loads.push_back(l);
  TimelineEvent part;
  part.action = Partition{"front", "back"};
  part.description = "partition";
  m.timeline.push_back(part);
  m.experiment.duration = 40_s;
  const auto src = run(m).of(Reporter::kSource);
  REQUIRE(src.size() == 1);
  CHECK(src[0].response_code == 503);
  CHECK(src[0].response_flags == (flags::kUpstreamConnectionFailure | flags::kUpstreamRetryLimitExceeded));
  CHECK(src[0].attempts == 3);
  // 3 x 10 s, plus per attempt the caller sidecar's request pass (at most 3.5 ms / 4), plus
  // two backoffs below 25 ms and 50 ms.
  CHECK(src[0].end - src[0].start >= 30_s);
  CHECK(src[0].end - src[0].start <= 30_s + 875_us * 3 + 75_ms);
}

TEST_CASE("The same seed gives identical observations; another seed does not", "[mesh]") {
  MeshConfig m;
  add_service(m, "front", 3, 4, {ComputeStep{Distribution::lognormal_median_p99(2e-3, 20e-3)},
                                  ParallelStep{{call("a"), call("b")}}}, true);
  add_service(m, "a", 2, 2, {ComputeStep{Distribution::exponential(3e-3)}}, true);
  add_service(m, "b", 2, 2, {ComputeStep{Distribution::exponential(1e-3)}}, true);
  m.workloads[0].zones = {"zone-a", "zone-b"};
  m.loads.push_back(poisson("front", 300));
  auto key = [](const Collect& c) {
    std::vector<std::tuple<int64_t, int64_t, int, int, uint32_t>> v;
    for (const auto& r : c.records)
      v.emplace_back(r.start.ns(), r.end.ns(), static_cast<int>(r.reporter), r.response_code, r.destination_workload);
    return v;
  };
  const auto a = run(m), b = run(m);
  CHECK(key(a) == key(b));
  m.experiment.seed = 2;
  CHECK(key(run(m)) != key(a));
}

TEST_CASE("Sampled traces: one client and one server span per hop, linked by parent ids", "[mesh]") {
  MeshConfig m = base();
  add_service(m, "front", 1, 10, {call("back")}, true);
  add_service(m, "back", 1, 10, {}, true);
  m.loads.push_back(one_user("front"));
  m.experiment.trace_sample_per_mille = 1000;
  const auto c = run(m);
  // Per request: server span at front (parent 0), client span front->back (parent: front's
  // server span), server span at back (parent: the client span).
  REQUIRE(c.span_records.size() == 30);
  std::map<uint64_t, SpanRecord> by_id;
  for (const auto& s : c.span_records) by_id[s.span_id] = s;
  int roots = 0;
  for (const auto& s : c.span_records) {
    if (s.parent_span_id == 0) {
      ++roots;
      continue;
    }
    REQUIRE(by_id.count(s.parent_span_id) == 1);
    CHECK(by_id[s.parent_span_id].trace_id == s.trace_id);
  }
  CHECK(roots == 10);
}
