// Timeline selectors: `select` (Chaos Mesh's modes one, all, fixed, fixed-percent,
// random-max-percent, with the values Chaos Mesh accepts: mode.go), `labels`, `version` and
// `namespace`; how each event describes what it hits; and the warnings for selections that can
// hit nothing.  Source of truth: README.md "Timeline" and chaos-mesh pkg/selector/generic/mode.go.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
namespace models = meshsim::models;
using Pick = models::PodSelector::Pick;

// reviews: v1 with 3 pods, v2 with 1; ratings: 1 pod.
const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: reviews}, {name: ratings}]
  workloads:
  - {name: reviews-v1, service: reviews, replicas: 3, labels: {app: reviews, version: v1}}
  - {name: reviews-v2, service: reviews, labels: {app: reviews, version: v2}}
  - {name: ratings-v1, service: ratings}
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: chaos}
spec:
  events:
)";

const models::PodSelector& selector(const models::TimelineEvent& e) {
  return std::visit(
      [](const auto& a) -> const models::PodSelector& {
        if constexpr (requires { a.pods; }) {
          return a.pods;
        } else {
          FAIL("not a pod action");
          static models::PodSelector none;
          return none;
        }
      },
      e.action);
}

TEST_CASE("timeline select: each mode, its value, and its description") {
  const Scenario s = load_scenario_text(kBase + R"(  - {at: 1s, killPods: {service: reviews, select: one}}
  - {at: 1s, killPods: {service: reviews, select: all, mode: graceful}}
  - {at: 1s, killPods: {service: reviews, select: {fixed: 2}}}
  - {at: 1s, addLatency: {service: reviews, latency: 10ms, select: {fixed-percent: 50}}}
  - {at: 1s, injectErrors: {service: reviews, select: {random-max-percent: 75}}}
  - {at: 1s, cpuSlowdown: {service: reviews, version: v1, select: {fixed: 1}}}
)");
  const auto& ev = s.mesh.timeline;
  REQUIRE(ev.size() == 6);
  CHECK(selector(ev[0]).pick == Pick::kOne);
  CHECK(ev[0].description == "kill one random pod of reviews");
  CHECK(selector(ev[1]).pick == Pick::kAll);
  CHECK(ev[1].description == "kill all pods of reviews (graceful)");
  CHECK(selector(ev[2]).pick == Pick::kFixed);
  CHECK(selector(ev[2]).value == 2);
  CHECK(ev[2].description == "kill 2 random pod(s) of reviews");
  CHECK(selector(ev[3]).pick == Pick::kFixedPercent);
  CHECK(selector(ev[3]).value == 50);
  CHECK(ev[3].description == "add latency 10ms to 50% (random) of the pods of reviews");
  CHECK(selector(ev[4]).pick == Pick::kRandomMaxPercent);
  CHECK(ev[4].description ==
        "inject 100% errors (HTTP 503) into up to 75% (random) of the pods of reviews");
  CHECK(selector(ev[5]).labels == models::Labels{{"version", "v1"}});
  CHECK(ev[5].description == "slow the CPU of 1 random pod(s) of reviews {version=v1} by 2x");
  CHECK(s.warnings.empty());
}

TEST_CASE("timeline select: labels, version and namespace choose the pods") {
  const Scenario s = load_scenario_text(kBase + R"(  - {at: 1s, killPods: {labels: {version: v2}}}
  - {at: 1s, killPods: {service: reviews, version: v1, namespace: default, count: 1}}
)");
  REQUIRE(s.mesh.timeline.size() == 2);
  CHECK(s.mesh.timeline[0].description == "kill all pods of every service {version=v2}");
  CHECK(selector(s.mesh.timeline[1]).namespace_ == "default");
  CHECK(s.mesh.timeline[1].description == "kill 1 pod(s) of reviews {version=v1} in default");
}

TEST_CASE("timeline select: wrong values are errors at their line, as Chaos Mesh refuses them") {
  struct Bad {
    const char* event;
    const char* code;
  };
  const Bad cases[] = {
      {"  - {at: 1s, killPods: {service: reviews, select: fixed}}\n", "MSH0101"},  // needs a value
      {"  - {at: 1s, killPods: {service: reviews, select: {fixed: 0}}}\n", "MSH0104"},
      {"  - {at: 1s, killPods: {service: reviews, select: {fixed-percent: 0}}}\n", "MSH0104"},
      {"  - {at: 1s, killPods: {service: reviews, select: {random-max-percent: 101}}}\n", "MSH0104"},
      {"  - {at: 1s, killPods: {service: reviews, select: {fixed-percent: 12.5}}}\n", "MSH0104"},
      {"  - {at: 1s, killPods: {service: reviews, select: {fixed: 1, fixed-percent: 50}}}\n", "MSH0105"},
      {"  - {at: 1s, killPods: {service: reviews, select: {fixd: 1}}}\n", "MSH0103"},
      {"  - {at: 1s, killPods: {service: reviews, count: 1, select: one}}\n", "MSH0109"},
      {"  - {at: 1s, addLatency: {service: reviews, latency: 1ms, version: v1, labels: {version: v2}}}\n",
       "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews, version: v3}}\n", "MSH0204"},
      {"  - {at: 1s, killPods: {service: reviews, namespace: shop}}\n", "MSH0204"},
  };
  for (const Bad& c : cases) {
    INFO(c.event);
    meshsim::scenarios::testing::expect_one_error(kBase + c.event, c.code, 16);
  }
}

TEST_CASE("timeline select: a small percent still picks a pod (Chaos Mesh rounds up since 2.2), without warning") {
  // reviews has 4 pods: 20 % of 4 is ceil(0.8) = 1 (chaos-mesh#3036 replaced the floor that
  // could pick no pod); MSH0227, which warned of that floor, is retired.
  const Scenario s = load_scenario_text(kBase + R"(  - {at: 1s, killPods: {service: reviews, select: {fixed-percent: 20}}}
  - {at: 1s, killPods: {service: reviews, select: {random-max-percent: 24}}}
)");
  CHECK(s.warnings.empty());
}

}  // namespace
