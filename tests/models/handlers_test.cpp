// Handlers as applications behave: matching on method and headers, and repeated steps.  Each
// check against a hand count: network latency is zero and sidecars are absent unless a test
// needs reporter=destination records to count calls.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/confidence.h"
#include "models/mesh.h"
#include "support/recording_sink.h"

using namespace meshsim::models;
using meshsim::simcore::Count;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

using Collect = meshsim::testing::RecordingSink;

MeshConfig base() {
  MeshConfig m;
  m.network.same_zone = m.network.cross_zone = m.network.cross_region = Distribution::constant(0);
  m.experiment.duration = 10_s;
  return m;
}

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

uint32_t service_index(const Collect& c, const std::string& name) {
  for (uint32_t i = 0; i < c.catalog.services.size(); ++i)
    if (c.catalog.services[i].name == name) return i;
  FAIL("no service " << name);
  return 0;
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
  CHECK(c.of(Reporter::kDestination, service_index(c, "leaf")).size() == 3 * roots.size());
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
  CHECK(c.of(Reporter::kDestination, service_index(c, "leaf")).empty());
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
  const double calls = static_cast<double>(c.of(Reporter::kDestination, service_index(c, "leaf")).size());
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
  const size_t posts = c.of(Reporter::kDestination, service_index(c, "orders")).size();
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

TEST_CASE("a CPU limit shares the cores among the computes in progress") {
  // Hand count: two requests arrive together (two identical constant-rate loads), each needing
  // 10 ms of CPU on a pod with 10 workers.  Limit 1 core: they share it and both end at 20 ms.
  // Limit 2 cores: 10 ms each.  Limit 0.5 and one request at a time: 20 ms.
  auto latencies = [](double limit, int loads) {
    MeshConfig m = base();
    WorkloadConfig& w = add_service(m, "front", {steps({compute(0.010)})});
    w.workers = 10;
    w.cpu_limit = limit;
    for (int i = 0; i < loads; ++i) {
      LoadConfig l = users("front", 1);
      l.name = "users-" + std::to_string(i);
      m.loads.push_back(l);
    }
    std::vector<double> out;
    for (const auto& r : run(m).of(Reporter::kClient)) out.push_back((r.end - r.start).to_seconds());
    return out;
  };
  for (double s : latencies(1.0, 2)) CHECK(s == Approx(0.020).margin(2e-9));
  for (double s : latencies(2.0, 2)) CHECK(s == Approx(0.010).margin(2e-9));
  for (double s : latencies(0.5, 1)) CHECK(s == Approx(0.020).margin(2e-9));
  for (double s : latencies(0.0, 2)) CHECK(s == Approx(0.010).margin(2e-9));  // no limit
}

TEST_CASE("a CPU limit of one core with many workers is an M/G/1 processor-sharing queue") {
  // Truth: M/G/1-PS is insensitive to the service distribution: E[T] = E[S] / (1 - rho).  With
  // constant 1 ms computes at 600/s, rho = 0.6 and E[T] = 2.5 ms (FCFS would give 1.75 ms by
  // Pollaczek-Khinchine, so the check tells the disciplines apart).  Batch means: 30 batches
  // of 20 s after 10 s, a 99.9 % interval that must hold the truth and be narrower than 5 %.
  MeshConfig m = base();
  WorkloadConfig& w = add_service(m, "ps", {steps({compute(0.001)})});
  w.cpu_limit = 1.0;
  LoadConfig l = users("ps", 600);
  l.model = LoadConfig::Model::kOpenPoisson;
  m.loads.push_back(l);
  m.experiment.duration = 610_s;
  const Collect c = run(m);
  meshsim::analysis::BatchMeans bm(10_s, 20_s, 30);
  for (const auto& r : c.of(Reporter::kClient)) bm.add(r.end, r.end - r.start);
  const auto ci = bm.mean(0.999);
  const double truth = 0.001 / (1 - 0.6);
  INFO("simulated " << ci.estimate << " +- " << ci.half_width << ", M/G/1-PS " << truth);
  CHECK(std::abs(ci.estimate - truth) <= ci.half_width);
  CHECK(ci.half_width < 0.05 * truth);
}
