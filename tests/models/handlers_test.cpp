// Handlers as applications behave: matching on method and headers, and repeated steps.  Each
// check against a hand count: network latency is zero and sidecars are absent unless a test
// needs reporter=destination records to count calls.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/mesh.h"
#include "support/mesh_config.h"
#include "support/recording_sink.h"

using namespace meshsim::models;
using meshsim::simcore::Count;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

using Collect = meshsim::testing::RecordingSink;

MeshConfig base() { return meshsim::testing::zero_latency_mesh(10_s); }

WorkloadConfig& add_service(MeshConfig& m, const std::string& name, std::vector<HandlerConfig> handlers,
                            bool sidecar = false) {
  m.services.push_back({name, "default", {{"http", 8080, Protocol::kHttp}}, {{"app", name}}});
  WorkloadConfig w;
  w.name = name + "-v1";
  w.service = name;
  w.labels = {{"app", name}, {"version", "v1"}};
  w.workers = 1000;
  w.sidecar = sidecar;
  w.handlers = std::move(handlers);
  m.workloads.push_back(w);
  return m.workloads.back();
}

HandlerConfig steps(std::vector<Step> s) {
  HandlerConfig h;
  h.steps = std::move(s);
  return h;
}

CallStep call(const std::string& svc) {
  CallStep c;
  c.service = svc;
  return c;
}

ComputeStep compute(double seconds) { return ComputeStep{Distribution::constant(seconds)}; }

LoadConfig users(const std::string& target, double rate) {
  LoadConfig l;
  l.name = "users";
  l.target_service = target;
  l.model = LoadConfig::Model::kOpenConstant;
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), rate, 0, 0, {}});
  return l;
}

Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

}  // namespace

TEST_CASE("repeat: a fixed number of times runs its steps that many times, in order") {
  MeshConfig m = base();
  // front: 2 ms, then 3 x (a call to leaf, 1 ms), then 4 ms.  leaf answers after 5 ms.
  add_service(m, "front", {steps({compute(0.002), RepeatStep{Count::constant(3), 2}, call("leaf"),
                                  compute(0.001), compute(0.004)})});
  add_service(m, "leaf", {steps({compute(0.005)})}, /*sidecar=*/true);
  m.loads.push_back(users("front", 10));
  const Collect c = run(m);
  const auto roots = c.of(Reporter::kClient);
  REQUIRE(roots.size() > 50);
  CHECK(c.of(Reporter::kDestination, c.service_index("leaf")).size() == 3 * roots.size());
  // Latency: 2 + 3 x (5 + pair overhead of one sidecar + 1) + 4 ms; the sidecar's share is
  // below 3.5 ms / 2 per call, so bound it.
  for (const auto& r : roots) {
    const double s = (r.end - r.start).to_seconds();
    CHECK(s >= 0.024 - 1e-9);
    CHECK(s <= 0.024 + 3 * 0.00175 + 1e-9);
  }
}

TEST_CASE("repeat: zero times skips its steps; a repeat as the handler's last step ends it") {
  MeshConfig m = base();
  add_service(m, "front", {steps({compute(0.002), RepeatStep{Count::constant(0), 1}, call("leaf"),
                                  RepeatStep{Count::constant(2), 1}, compute(0.003)})});
  add_service(m, "leaf", {steps({})}, /*sidecar=*/true);
  m.loads.push_back(users("front", 10));
  const Collect c = run(m);
  const auto roots = c.of(Reporter::kClient);
  REQUIRE(roots.size() > 50);
  CHECK(c.of(Reporter::kDestination, c.service_index("leaf")).empty());
  for (const auto& r : roots) CHECK((r.end - r.start).to_seconds() == Approx(0.008).margin(1e-9));
}

TEST_CASE("repeat: a Poisson number of times averages its mean (CI of a Poisson total)") {
  MeshConfig m = base();
  add_service(m, "front", {steps({RepeatStep{Count::poisson(2.5), 1}, call("leaf")})});
  add_service(m, "leaf", {steps({})}, /*sidecar=*/true);
  m.loads.push_back(users("front", 200));
  const Collect c = run(m);
  const double n = static_cast<double>(c.of(Reporter::kClient).size());
  REQUIRE(n > 1500);
  // The total of n independent Poisson(2.5) draws is Poisson(2.5 n): sd sqrt(2.5 n); 4.5 sd.
  const double calls = static_cast<double>(c.of(Reporter::kDestination, c.service_index("leaf")).size());
  CHECK(std::abs(calls - 2.5 * n) <= 4.5 * std::sqrt(2.5 * n));
}

TEST_CASE("handlers match on method, then on headers propagated from the root request") {
  MeshConfig m = base();
  HandlerConfig post = steps({call("orders")});
  post.method = "POST";
  HandlerConfig gold = steps({compute(0.050)});
  gold.headers = {{"x-tier", "gold"}};
  HandlerConfig rest = steps({compute(0.001)});
  add_service(m, "front", {post, gold, rest});
  add_service(m, "orders", {steps({})}, /*sidecar=*/true);
  LoadConfig l = users("front", 100);
  l.mix = {RequestKind{"/", "GET", {}, 1}, RequestKind{"/", "POST", {}, 1},
           RequestKind{"/", "GET", {{"x-tier", "gold"}}, 1}, RequestKind{"/", "GET", {{"x-tier", "silver"}}, 1}};
  m.loads.push_back(l);
  const Collect c = run(m);
  const auto roots = c.of(Reporter::kClient);
  REQUIRE(roots.size() > 500);
  // Each root's latency tells its handler: ~0 (POST: a call with no work), 50 ms (gold), 1 ms.
  size_t slow = 0, fast = 0, instant = 0;
  for (const auto& r : roots) {
    const double s = (r.end - r.start).to_seconds();
    if (std::abs(s - 0.050) < 1e-9) ++slow;
    else if (std::abs(s - 0.001) < 1e-9) ++fast;
    else ++instant;
  }
  const size_t posts = c.of(Reporter::kDestination, c.service_index("orders")).size();
  CHECK(posts == instant);  // every POST, and nothing else, called orders
  CHECK(posts > 0);
  CHECK(slow > 0);
  CHECK(fast > slow);       // GET without the header, and x-tier: silver
  CHECK(posts + slow + fast == roots.size());
}

TEST_CASE("a handler matching nothing answers 404") {
  MeshConfig m = base();
  HandlerConfig only_post = steps({});
  only_post.method = "POST";
  add_service(m, "front", {only_post});
  m.loads.push_back(users("front", 10));
  const Collect c = run(m);
  const auto roots = c.of(Reporter::kClient);
  REQUIRE(!roots.empty());
  for (const auto& r : roots) CHECK(r.response_code == 404);
}

TEST_CASE("the Topology refuses a repeat inside a repeat and one running past the handler") {
  MeshConfig nested = base();
  add_service(nested, "front", {steps({RepeatStep{Count::constant(2), 2}, RepeatStep{Count::constant(2), 1},
                                       compute(0.001)})});
  CHECK_THROWS_AS(Mesh(nested), std::invalid_argument);
  MeshConfig past = base();
  add_service(past, "front", {steps({RepeatStep{Count::constant(2), 3}, compute(0.001)})});
  CHECK_THROWS_AS(Mesh(past), std::invalid_argument);
}

TEST_CASE("a CPU limit is CFS bandwidth control: full speed while quota lasts, then a stall") {
  // Hand counts, quota = limit x 100 ms per 100 ms period, periods from time zero; requests
  // arrive on period boundaries (constant loads at 1/s), no network, no sidecar.
  auto latencies = [](double limit, int loads, double work) {
    MeshConfig m = base();
    WorkloadConfig& w = add_service(m, "front", {steps({compute(work)})});
    w.workers = 10;
    w.cpu_limit = limit;
    for (int i = 0; i < loads; ++i) {
      LoadConfig l = users("front", 1);
      l.name = "users-" + std::to_string(i);
      m.loads.push_back(l);
    }
    std::vector<double> out;
    for (const auto& r : run(m).of(Reporter::kClient)) out.push_back((r.end - r.start).to_seconds());
    REQUIRE(!out.empty());
    return out;
  };
  // 1 core: two 10 ms computes together use 20 ms of a 100 ms quota: no stall.
  for (double s : latencies(1.0, 2, 0.010)) CHECK(s == Approx(0.010).margin(2e-9));
  // 150m: the 15 ms quota is gone at 7.5 ms (both ran); the rest, 2.5 ms each, after 100 ms.
  for (double s : latencies(0.15, 2, 0.010)) CHECK(s == Approx(0.1025).margin(2e-9));
  // 100m, one 30 ms compute: 10 ms per period: 0-10, 100-110, 200-210 ms.
  for (double s : latencies(0.1, 1, 0.030)) CHECK(s == Approx(0.210).margin(2e-9));
  // No limit: the compute alone.
  for (double s : latencies(0.0, 2, 0.010)) CHECK(s == Approx(0.010).margin(2e-9));
}

TEST_CASE("a CPU stressor in the pod's cgroup drains its quota alongside the app (StressChaos)") {
  // Hand counts as above: every runnable thread runs on its own core until the period's quota
  // (limit x 100 ms) is gone, which k computes and stressors wanting b cores use at k + b per
  // second (stress-ng attached to the container's cgroup; CFS's equal shares).
  auto latencies = [](double limit, uint32_t workers, uint32_t load, double work) {
    MeshConfig m = base();
    WorkloadConfig& w = add_service(m, "front", {steps({compute(work)})});
    w.workers = 10;
    w.cpu_limit = limit;
    m.loads.push_back(users("front", 1));
    TimelineEvent e;
    e.at = Time::zero();
    e.description = "stress";
    CpuStress st;
    st.pods.service = "front";
    st.workers = workers;
    st.load = load;
    e.action = st;
    m.timeline.push_back(e);
    std::vector<double> out;
    for (const auto& r : run(m).of(Reporter::kClient)) out.push_back((r.end - r.start).to_seconds());
    REQUIRE(!out.empty());
    return out;
  };
  // 1 core, 1 worker at 100 %: the quota lasts 50 ms; an 80 ms compute runs 0-50 ms, stalls, and
  // does its last 30 ms from 100 ms (the new quota would last 50 ms again): 130 ms.
  for (double s : latencies(1.0, 1, 100, 0.080)) CHECK(s == Approx(0.130).margin(2e-9));
  // Two workers at 50 % want the same core: the same.
  for (double s : latencies(1.0, 2, 50, 0.080)) CHECK(s == Approx(0.130).margin(2e-9));
  // 3 workers: the quota lasts 25 ms; a 30 ms compute ends at 105 ms.
  for (double s : latencies(1.0, 3, 100, 0.030)) CHECK(s == Approx(0.105).margin(2e-9));
  // A 30 ms compute under 1 worker fits in the 50 ms: no change.
  for (double s : latencies(1.0, 1, 100, 0.030)) CHECK(s == Approx(0.030).margin(2e-9));
  // No limit: the node's idle cores take the stressors (MSH0239 says so): no change.
  for (double s : latencies(0.0, 4, 100, 0.080)) CHECK(s == Approx(0.080).margin(2e-9));
}

TEST_CASE("a CPU limit caps throughput at limit / work once demand exceeds it") {
  // 20 users without think time keep 20 computes of 2 ms in progress on a pod limited to 0.5
  // core: the 50 ms quota of every period is used up, so exactly 25 computes end per period,
  // 250/s.  Over 10 s that is 2500, give or take the computes in progress at either end (20).
  MeshConfig m = base();
  WorkloadConfig& w = add_service(m, "front", {steps({compute(0.002)})});
  w.workers = 100;
  w.cpu_limit = 0.5;
  LoadConfig l;
  l.name = "users";
  l.target_service = "front";
  l.model = LoadConfig::Model::kClosed;
  l.connections = 20;
  m.loads.push_back(l);
  const Collect c = run(m);
  const double done = static_cast<double>(c.of(Reporter::kClient).size());
  CHECK(std::abs(done - 2500) <= 20);
  // And throttling shows in the tail: some requests waited for the next period.
  double worst = 0;
  for (const auto& r : c.of(Reporter::kClient)) worst = std::max(worst, (r.end - r.start).to_seconds());
  CHECK(worst > 0.050);
}
