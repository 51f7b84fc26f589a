// CPU stress in the scenario language: the Timeline's `cpuStress`, and Chaos Mesh's StressChaos
// read unchanged (chaos_mesh_stress.cc).  The memory example is Chaos Mesh's documentation's
// (website docs/simulate-heavy-stress-on-kubernetes.md); the CPU one its field table's.  Fields
// and checks against api/v1alpha1/stresschaos_types.go and the webhook, and what Chaos Mesh does
// with them (controllers/chaosimpl/stresschaos Normalize; chaos-mesh#3783).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::expect_one_error;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
namespace models = meshsim::models;

const std::string kApps = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: apps}
spec:
  services: [{name: app1, namespace: chaos-mesh, selector: {app: app1}}, {name: app2, namespace: chaos-mesh, selector: {app: app2}}]
  workloads:
  - {name: app1, service: app1, namespace: chaos-mesh, replicas: 2, labels: {app: app1}, cpuLimit: 500m}
  - {name: app2, service: app2, namespace: chaos-mesh, labels: {app: app2}}
---
)";

std::string stress(const std::string& spec) {
  return kApps + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: StressChaos
metadata: {name: burn, namespace: chaos-mesh}
spec:
  mode: one
)" + spec;
}

TEST_CASE("StressChaos: CPU stressors become a cpuStress event; memory is named") {
  const Scenario s = load_scenario_text(stress(R"(  selector: {labelSelectors: {'app': 'app1'}}
  stressors:
    cpu: {workers: 2, load: 20}
  duration: 30s
)"));
  INFO(dump(s.warnings));
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& c = std::get<models::CpuStress>(s.mesh.timeline[0].action);
  CHECK(c.workers == 2);
  CHECK(c.load == 20);
  CHECK(c.pods.labels.at("app") == "app1");
  CHECK(s.mesh.timeline[0].duration == Time::from_s(30));
  CHECK(s.warnings.empty());  // app1 has a CPU limit
  // load omitted: stress-ng's 100; a workload without a limit: MSH0239.
  const Scenario full = load_scenario_text(stress("  selector: {labelSelectors: {'app': 'app2'}}\n  stressors: {cpu: {workers: 1}}\n"));
  REQUIRE(full.mesh.timeline.size() == 1);
  CHECK(std::get<models::CpuStress>(full.mesh.timeline[0].action).load == 100);
  CHECK(has_code(full.warnings, "MSH0239"));
  // The documentation's memory example: named, nothing simulated.
  const Scenario mem = load_scenario_text(kApps + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: StressChaos
metadata:
  name: memory-stress-example
  namespace: chaos-mesh
spec:
  mode: one
  selector:
    labelSelectors:
      'app': 'app1'
  stressors:
    memory:
      workers: 4
      size: '256MB'
)");
  CHECK(mem.mesh.timeline.empty());
  CHECK(has_code(mem.warnings, "MSH0236"));
}

TEST_CASE("StressChaos: what Chaos Mesh runs nothing for is said, and refused fields are errors") {
  const std::string sel = "  selector: {labelSelectors: {'app': 'app1'}}\n";
  for (const char* spec : {"  stressngStressors: '--cpu 2'\n", "  stressors: {cpu: {workers: 0}}\n",
                           "  stressors: {cpu: {workers: 1}}\n  containerNames: [istio-proxy]\n"}) {
    INFO(spec);
    const Scenario s = load_scenario_text(stress(sel + spec));
    CHECK(s.mesh.timeline.empty());
    CHECK(has_code(s.warnings, "MSH0236"));
  }
  expect_one_error(stress(sel), "MSH0102", 14);                                        // no stressors
  expect_one_error(stress(sel + "  stressors: {cpu: {load: 20}}\n"), "MSH0102", 16);   // workers required
  expect_one_error(stress(sel + "  stressors: {cpu: {workers: 1, load: 120}}\n"), "MSH0104", 16);
}

TEST_CASE("Timeline cpuStress: workers and load, checked") {
  const std::string t = kApps + R"(apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: t, namespace: chaos-mesh}
spec:
  events:
)";
  const Scenario s = load_scenario_text(t + "  - {at: 5s, duration: 10s, cpuStress: {service: app1, workers: 3, load: 50}}\n");
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& c = std::get<models::CpuStress>(s.mesh.timeline[0].action);
  CHECK(c.workers == 3);
  CHECK(c.load == 50);
  expect_one_error(t + "  - {at: 5s, cpuStress: {service: app1, workers: 0}}\n", "MSH0104", 15);
  expect_one_error(t + "  - {at: 5s, cpuStress: {service: app1, load: 101}}\n", "MSH0104", 15);
}

}  // namespace
