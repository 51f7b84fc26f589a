// A Timeline `apply` does something or says it does not (README.md "Timeline"): VirtualServices
// and DestinationRules replace their namesakes at that time (timeline_test.cpp); Chaos Mesh and
// LitmusChaos experiments start then; every other kind is MSH0238 (before, a Deployment or a
// PodChaos applied at a time was accepted and silently changed nothing).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::expect_one_error;
using meshsim::simcore::Time;
namespace models = meshsim::models;

const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: ledger}]
  workloads:
  - {name: ledger-v1, service: ledger, replicas: 2, labels: {app: ledger}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: ledger, rate: 10}
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: t}
spec:
  events:
)";

std::string apply_at(const std::string& at, const std::string& manifest) {
  return "  - at: " + at + "\n    apply:\n      manifest: " + manifest + "\n";
}

TEST_CASE("timeline apply: a chaos experiment starts when it is applied") {
  const Scenario s = load_scenario_text(
      kBase +
      apply_at("30s", "{apiVersion: chaos-mesh.org/v1alpha1, kind: PodChaos, metadata: {name: k}, spec: {action: "
                      "pod-kill, mode: one, selector: {labelSelectors: {app: ledger}}}}") +
      apply_at("40s", "{apiVersion: litmuschaos.io/v1alpha1, kind: ChaosEngine, metadata: {name: e}, spec: {appinfo: "
                      "{applabel: 'app=ledger'}, experiments: [{name: pod-delete}]}}"));
  INFO(dump(s.warnings));
  const auto& ev = s.mesh.timeline;
  REQUIRE(ev.size() == 4);  // the PodChaos; the engine's 3 rounds (15 s, every 5 s)
  CHECK(ev[0].name == "k");
  CHECK(ev[0].at == Time::from_s(30));
  CHECK(std::holds_alternative<models::KillPods>(ev[0].action));
  CHECK(ev[1].at == Time::from_s(40));
  CHECK(ev[3].at == Time::from_s(50));
  CHECK(s.warnings.empty());
}

TEST_CASE("timeline apply: other kinds change nothing, and say so") {
  for (const std::string& manifest :
       {std::string("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {a: b}}"),
        std::string("{apiVersion: apps/v1, kind: Deployment, metadata: {name: ledger-v1}, spec: {replicas: 3, "
                    "selector: {matchLabels: {app: ledger}}, template: {metadata: {labels: {app: ledger}}, spec: "
                    "{containers: [{name: a, image: b}]}}}}"),
        std::string("{apiVersion: chaos-mesh.org/v1alpha1, kind: HTTPChaos, metadata: {name: n}, spec: {}}")}) {
    INFO(manifest);
    const Scenario s = load_scenario_text(kBase + apply_at("5s", manifest));
    INFO(dump(s.warnings));
    CHECK(s.mesh.timeline.empty());
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0].code == "MSH0238");
    CHECK(s.warnings[0].where.line == 21);
  }
  expect_one_error(kBase + apply_at("5s", "{apiVersion: v1, kind: Frobnicator, metadata: {name: c}}"), "MSH0011", 21);
}

}  // namespace
