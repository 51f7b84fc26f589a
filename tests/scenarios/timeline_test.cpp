// Timeline: each action becomes its models::TimelineEvent with a human description; selectors
// must match pods; applied manifests must be valid; events run in time order.  Source of
// truth: README.md "Timeline" and the pod placement rule (replica i in zones[i % n]).
#include <filesystem>
#include <variant>

#include "tests/scenarios/test_support.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::examples;
using meshsim::simcore::Time;
namespace models = meshsim::models;

// reviews: 3 pods (zone-a, zone-b, zone-a); ratings: 1 pod (zone-a).
const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  zones: {zone-a: r, zone-b: r}
  services: [{name: reviews}, {name: ratings}]
  workloads:
  - {name: reviews-v1, service: reviews, replicas: 3, zones: [zone-a, zone-b]}
  - {name: ratings-v1, service: ratings}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: chaos}
spec:
  events:
)";

std::vector<models::TimelineEvent> events_of(const std::string& events) {
  const Scenario s = load_scenario_text(kBase + events);
  return s.mesh.timeline;
}

TEST_CASE("timeline: every action, its description, and time order") {
  const auto ev = events_of(R"(  - {at: 40s, zoneOutage: {zone: zone-b}}
  - {at: 10s, duration: 5s, killPods: {service: reviews, zone: zone-a, count: 1}}
  - {at: 20s, killPods: {workload: reviews-v1, percent: 50}}
  - {at: 20s, addLatency: {service: ratings, latency: 100ms}}
  - {at: 30s, injectErrors: {service: ratings, probability: 0.5, status: 500}}
  - {at: 35s, cpuSlowdown: {workload: reviews-v1, zone: zone-b, factor: 3}}
  - {at: 45s, duration: 10s, partition: {from: reviews, to: zone-b}}
  - {at: 50s, killPods: {service: ratings}}
  - {at: 55s, remove: {kind: DestinationRule, name: reviews}}
)");
  REQUIRE(ev.size() == 9);
  std::vector<std::string> d;
  for (const auto& e : ev) d.push_back(e.description);
  CHECK(d == std::vector<std::string>{
                 "kill 1 pod(s) of reviews (zone-a) for 5s",
                 "kill 50% of the pods of reviews-v1",
                 "add latency 100ms to ratings",
                 "inject 50% errors (HTTP 500) into ratings",
                 "slow the CPU of reviews-v1 (zone-b) by 3x",
                 "zone outage of zone-b",
                 "partition reviews from zone-b for 10s",
                 "kill all pods of ratings",
                 "remove DestinationRule 'reviews'",
             });
  // Equal times keep their written order; every event knows its time and duration.
  CHECK(ev[1].at == Time::from_s(20));
  CHECK(std::holds_alternative<models::AddLatency>(ev[2].action));
  CHECK(ev[0].duration == Time::from_s(5));
  CHECK(ev[5].duration == Time::max());
  const auto& k = std::get<models::KillPods>(ev[0].action);
  CHECK((k.pods.service == "reviews" && k.pods.zone == "zone-a" && k.pods.count == 1));
  const auto& e = std::get<models::InjectErrors>(ev[3].action);
  CHECK((e.probability == 0.5 && e.status == 500));
  const auto& r = std::get<models::RemoveManifest>(ev[8].action);
  CHECK((r.kind == "DestinationRule" && r.name == "reviews" && r.namespace_ == "default"));
}

TEST_CASE("timeline: killPods modes and their fields (README.md 'How a pod is lost')") {
  const auto ev = events_of(R"(  - {at: 1s, killPods: {service: reviews, count: 1, mode: graceful, appServesFor: 2s, terminationDrainDuration: 10s, replace: false}}
  - {at: 2s, killPods: {service: reviews, count: 1, mode: crash, restart: false}}
  - {at: 3s, killPods: {service: reviews, count: 1, mode: node}}
  - {at: 4s, killPods: {service: reviews, count: 1}}
)");
  REQUIRE(ev.size() == 4);
  const auto& g = std::get<models::KillPods>(ev[0].action);
  CHECK(g.mode == models::PodLossMode::kGraceful);
  CHECK(g.app_serves_for == Time::from_s(2));
  CHECK(g.termination_drain_duration == Time::from_s(10));
  CHECK_FALSE(g.replace);
  CHECK(ev[0].description == "kill 1 pod(s) of reviews (graceful)");
  const auto& c = std::get<models::KillPods>(ev[1].action);
  CHECK(c.mode == models::PodLossMode::kCrash);
  CHECK_FALSE(c.replace);
  CHECK(std::get<models::KillPods>(ev[2].action).mode == models::PodLossMode::kNode);
  CHECK(ev[2].description == "kill 1 pod(s) of reviews (node loss)");
  const auto& d = std::get<models::KillPods>(ev[3].action);  // defaults: crash, restarted
  CHECK(d.mode == models::PodLossMode::kCrash);
  CHECK(d.replace);
  CHECK(d.termination_drain_duration == Time::from_s(5));
  CHECK(ev[3].description == "kill 1 pod(s) of reviews");
}

TEST_CASE("timeline: apply takes a file (relative to the Timeline's file) or an inline manifest") {
  const std::string events = R"(  - at: 30s
    apply: {file: tasks/virtual-service-reviews-v3.yaml}
  - at: 40s
    apply:
      manifest:
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings}
        spec:
          hosts: [ratings]
          http:
          - fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
            route: [{destination: {host: ratings, subset: v1}}]
)";
  // The Timeline and a copy of Istio's task file go to a fresh directory, so that `file:` is
  // resolved relative to the Timeline's own file.
  // (RAII: removed however the test ends.)
  const meshsim::testing::TempDir dir("timeline");
  std::filesystem::create_directories(dir.path() / "tasks");
  std::filesystem::copy_file(examples("bookinfo-tasks/virtual-service-reviews-v3.yaml"),
                             dir.path() / "tasks/virtual-service-reviews-v3.yaml");
  const std::string path = dir.write("timeline.yaml",
                                     "apiVersion: meshsim.dev/v1alpha1\nkind: Timeline\nmetadata: "
                                     "{name: chaos}\nspec:\n  events:\n" +
                                         events);
  Scenario s;
  try {
    s = load_scenario({examples("bookinfo/meshsim.yaml"), path});
  } catch (const ScenarioError& e) {
    FAIL(e.what());
  }
  REQUIRE(s.mesh.timeline.size() == 2);
  CHECK(s.mesh.timeline[0].description == "apply VirtualService 'reviews'");
  const auto& doc = std::get<models::ApplyManifest>(s.mesh.timeline[0].action).document;
  CHECK(doc.find("subset: v3") != std::string::npos);
  CHECK(s.mesh.timeline[1].description == "apply VirtualService 'ratings'");
  const YAML::Node inline_doc =
      YAML::Load(std::get<models::ApplyManifest>(s.mesh.timeline[1].action).document);
  CHECK(inline_doc["spec"]["http"][0]["fault"]["abort"]["httpStatus"].as<int>() == 500);
  CHECK(s.sources.back().path.ends_with("tasks/virtual-service-reviews-v3.yaml"));
}

TEST_CASE(
    "timeline: selectors must match pods, sides must exist, applied manifests must be valid") {
  struct Bad {
    const char* event;
    const char* code;
  };
  const Bad cases[] = {
      {"  - {at: 1s, killPods: {service: ratings, zone: zone-b}}\n",
       "MSH0204"},  // ratings: zone-a only
      {"  - {at: 1s, killPods: {workload: reviews-v2}}\n", "MSH0204"},
      {"  - {at: 1s, addLatency: {service: revues, latency: 1ms}}\n", "MSH0206"},
      {"  - {at: 1s, cpuSlowdown: {zone: zone-c}}\n", "MSH0205"},
      {"  - {at: 1s, zoneOutage: {zone: zone-c}}\n", "MSH0205"},
      {"  - {at: 1s, partition: {from: reviews, to: mars}}\n", "MSH0215"},
      {"  - {at: 1s, partition: {from: reviews, to: reviews}}\n", "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews, count: 1, percent: 10}}\n", "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews}, zoneOutage: {zone: zone-a}}\n", "MSH0105"},
      {"  - {at: 1s}\n", "MSH0105"},
      {"  - {at: 1s, kilPods: {service: reviews}}\n", "MSH0103"},
      {"  - {at: 1s, duration: 0s, zoneOutage: {zone: zone-a}}\n", "MSH0104"},
      {"  - {at: 1s, injectErrors: {service: reviews, probability: 2}}\n", "MSH0104"},
      {"  - {at: 1s, remove: {kind: VirtualService, name: reviews}}\n", "MSH0213"},
      {"  - {at: 1s, apply: {manifest: {apiVersion: meshsim.dev/v1alpha1, kind: Load, metadata: "
       "{name: x}, spec: {}}}}\n",
       "MSH0214"},
      {"  - {at: 1s, apply: {manifest: {apiVersion: networking.istio.io/v1, kind: "
       "VirtualService}}}\n",
       "MSH0004"},
      {"  - {at: 1s, apply: {manifest: {apiVersion: networking.istio.io/v1, kind: VirtualService, "
       "metadata: {name: r}, "
       "spec: {http: [{route: [{destination: {host: reviews, subset: v2}}]}]}}}}\n",
       "MSH0302"},
      {"  - {at: 1s, apply: {file: nowhere.yaml}}\n", "MSH0001"},
      {"  - {at: 1s, killPods: {service: reviews, mode: gracefull}}\n", "MSH0107"},
      {"  - {at: 1s, killPods: {service: reviews, mode: crash, replace: false}}\n", "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews, mode: graceful, restart: false}}\n", "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews, appServesFor: 1s}}\n", "MSH0109"},
      {"  - {at: 1s, killPods: {service: reviews, mode: graceful, appServesFor: soon}}\n", "MSH0101"},
  };
  for (const Bad& c : cases) {
    INFO(c.event);
    const auto e = errors_of_text(kBase + c.event);
    INFO(dump(e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == c.code);
  }
  // More pods asked for than there are: a warning, and all matching pods go.
  const Scenario s = load_scenario_text(
      kBase + "  - {at: 1s, killPods: {service: reviews, zone: zone-a, count: 5}}\n");
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].code == "MSH0212");
  CHECK(s.warnings[0].message == "killPods count 5 exceeds the 2 pod(s) that match the selector");
}

}  // namespace
