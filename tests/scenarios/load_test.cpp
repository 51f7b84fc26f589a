// Load: open (Poisson, constant) and closed loops, rate schedules converted to RateSegments, the
// request mix.  Source of truth: README.md "Load" (each schedule entry lasts until the next; a
// ramp starts from the rate in force and holds its target).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::models::LoadConfig;
using meshsim::models::RateSegment;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::simcore::Time;

std::string with_load(const std::string& spec) {
  return "apiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n"
         "  zones: {zone-a: r, zone-b: r}\n  services: [{name: web, ports: [{name: http, port: "
         "8080}]}]\n"
         "  workloads: [{name: web-v1, service: web}]\n---\n"
         "apiVersion: meshsim.dev/v1alpha1\nkind: Load\nmetadata: {name: l}\nspec:\n" +
         spec;
}

LoadConfig load_of(const std::string& spec) {
  return load_scenario_text(with_load(spec)).mesh.loads.at(0);
}

TEST_CASE("load: a schedule becomes segments, each lasting until the next entry") {
  const LoadConfig l = load_of(R"(  target: web
  schedule:
  - {at: 0s, rate: 10}
  - {at: 10s, ramp: {to: 30, over: 5s}}
  - {at: 20s, ramp: {to: 130, over: 20s}}
  - {at: 30s, sine: {mean: 100, amplitude: 50, period: 60s}}
)");
  const auto& r = l.rate;
  REQUIRE(r.size() == 5);
  using S = RateSegment::Shape;
  CHECK((r[0].shape == S::kConstant && r[0].start == Time::from_s(0) &&
         r[0].duration == Time::from_s(10) && r[0].rate == 10));
  // The ramp takes 5 s of its 10 s, then holds its target.
  CHECK((r[1].shape == S::kRamp && r[1].start == Time::from_s(10) &&
         r[1].duration == Time::from_s(5)));
  CHECK((r[1].rate == 10 && r[1].rate_end == 30));
  CHECK((r[2].shape == S::kConstant && r[2].start == Time::from_s(15) &&
         r[2].duration == Time::from_s(5) && r[2].rate == 30));
  // Cut short by the next entry after 10 of its 20 s: it ends halfway, at 80.
  CHECK((r[3].shape == S::kRamp && r[3].start == Time::from_s(20) &&
         r[3].duration == Time::from_s(10)));
  CHECK(r[3].rate == 30);
  CHECK(r[3].rate_end == Approx(80));
  CHECK((r[4].shape == S::kSine && r[4].start == Time::from_s(30) && r[4].duration == Time::max()));
  CHECK((r[4].rate == 100 && r[4].amplitude == 50 && r[4].period == Time::from_s(60)));
}

TEST_CASE(
    "load: defaults (Poisson, the service's first port, the first zone, GET /, edge client)") {
  const LoadConfig l = load_of("  target: web\n  rate: 5\n");
  CHECK(l.name == "l");
  CHECK(l.model == LoadConfig::Model::kOpenPoisson);
  CHECK(l.port == 8080);
  CHECK(l.zone == "zone-a");
  REQUIRE(l.mix.size() == 1);
  CHECK((l.mix[0].path == "/" && l.mix[0].method == "GET" && l.mix[0].share == 1));
  CHECK_FALSE(l.through_sidecar);
  CHECK(l.timeout == Time::max());
  CHECK(l.retries == 0);
  REQUIRE(l.rate.size() == 1);
  CHECK((l.rate[0].start == Time::zero() && l.rate[0].duration == Time::max()));
}

TEST_CASE("load: a closed loop has connections and think time, and no rate") {
  const LoadConfig l = load_of(R"(  target: web
  model: closed
  connections: 16
  thinkTime: {exponential: {mean: 100ms}}
  zone: zone-b
  inMesh: true
  timeout: 2s
  retries: 1
)");
  CHECK(l.model == LoadConfig::Model::kClosed);
  CHECK(l.connections == 16);
  CHECK(l.think_time.mean() == Approx(0.1));
  CHECK(l.zone == "zone-b");
  CHECK(l.through_sidecar);
  CHECK(l.timeout == Time::from_s(2));
  CHECK(l.retries == 1);
  CHECK(l.rate.empty());
  CHECK(load_of("  target: web\n  model: constant\n  rate: 3\n").model ==
        LoadConfig::Model::kOpenConstant);
}

TEST_CASE("load: inconsistent specifications are reported with the right code") {
  struct Bad {
    const char* spec;
    const char* code;
  };
  const Bad cases[] = {
      {"  target: web\n", "MSH0105"},  // neither rate nor schedule
      {"  target: web\n  rate: 1\n  schedule: [{at: 0s, rate: 1}]\n", "MSH0105"},
      {"  target: web\n  model: closed\n  rate: 5\n  connections: 2\n", "MSH0109"},
      {"  target: web\n  model: closed\n", "MSH0102"},  // no connections
      {"  target: web\n  rate: 5\n  connections: 2\n", "MSH0109"},
      {"  target: web\n  rate: 2e9\n", "MSH0104"},
      {"  target: web\n  schedule: [{at: 0s, sine: {mean: 10, amplitude: 20, period: 1s}}]\n",
       "MSH0104"},
      {"  target: web\n  schedule: [{at: 0s, ramp: {to: 10, over: 0s}}]\n", "MSH0104"},
      {"  target: web\n  rate: 1\n  zone: zone-c\n", "MSH0205"},
      {"  target: web\n  rate: 1\n  port: 8081\n", "MSH0203"},
      {"  target: web\n  rate: 1\n  model: open\n", "MSH0107"},
      {"  target: web\n  rate: 1\n  requests: [{path: /, share: 0}]\n", "MSH0104"},
      {"  target: web\n  rate: 1\n  requests: [{path: nope}]\n", "MSH0104"},
  };
  for (const Bad& c : cases) {
    INFO(c.spec);
    const auto e = errors_of_text(with_load(c.spec));
    INFO(testing::dump(e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == c.code);
  }
}

}  // namespace

TEST_CASE("load: maxRequests is fortio's -n (0 = no limit)") {
  const auto s = meshsim::scenarios::load_scenario_text(R"(
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: httpbin, ports: [{name: http, port: 8000}]}]
  workloads: [{name: httpbin-v1, service: httpbin, labels: {app: httpbin, version: v1}}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: fortio}
spec: {target: httpbin, model: closed, connections: 3, maxRequests: 30, inMesh: true}
)");
  REQUIRE(s.mesh.loads.size() == 1);
  CHECK(s.mesh.loads[0].max_requests == 30);
  CHECK(s.mesh.loads[0].connections == 3);
  CHECK(s.mesh.loads[0].through_sidecar);
}
