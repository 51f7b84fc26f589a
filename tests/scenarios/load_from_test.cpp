// Load `from`: the clients run in a workload's pods (README.md "Load").  A Deployment named by a
// Load's `from` is kept although it backs no Service (no MSH0210, no MSH0208); an unknown name is
// MSH0232 with a did-you-mean; `inMesh` contradicting the workload's sidecar is MSH0233; a
// workload without pods MSH0234; handlers nothing can call MSH0235; `zone` with `from` MSH0109.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;

// web (Service + Deployment) and tester, a Deployment no Service selects; then `extra`, then the
// Load `l` with `spec`.
std::string scenario(const std::string& spec, const std::string& extra = "", int replicas = 2) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n"
         "  ports: [{name: http, port: 8080}]\n---\n"
         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-v1}\nspec:\n"
         "  template: {metadata: {labels: {app: web, version: v1}}}\n---\n"
         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: tester}\nspec:\n  replicas: " +
         std::to_string(replicas) +
         "\n  template: {metadata: {labels: {app: tester}}}\n---\n"
         "apiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n"
         "  zones: {zone-a: r, zone-b: r}\n"
         "  workloads:\n  - {name: web-v1, workers: 4}\n" +
         extra +
         "---\n"
         "apiVersion: meshsim.dev/v1alpha1\nkind: Load\nmetadata: {name: l}\nspec:\n  target: web\n"
         "  rate: 10\n" +
         spec;
}

const Diagnostic* find(const std::vector<Diagnostic>& ds, const std::string& code) {
  for (const Diagnostic& d : ds)
    if (d.code == code) return &d;
  return nullptr;
}

}  // namespace

TEST_CASE("load from: the Deployment is kept without a Service, in the mesh, no MSH0210/MSH0208") {
  const Scenario s = load_scenario_text(scenario("  from: tester\n"));
  const auto& loads = s.mesh.loads;
  REQUIRE(loads.size() == 1);
  CHECK(loads[0].from == "tester");
  CHECK(loads[0].from_namespace == "default");
  CHECK(loads[0].through_sidecar);  // tester's pods have a sidecar (the default)
  const auto it = std::find_if(s.mesh.workloads.begin(), s.mesh.workloads.end(),
                               [](const auto& w) { return w.name == "tester"; });
  REQUIRE(it != s.mesh.workloads.end());
  CHECK(it->service.empty());
  CHECK(it->replicas == 2);
  CHECK_FALSE(has_code(s.warnings, "MSH0210"));
  CHECK_FALSE(has_code(s.warnings, "MSH0208"));
}

TEST_CASE("load from: without it, the client-only Deployment is still left out (MSH0210)") {
  const Scenario s = load_scenario_text(scenario(""));
  CHECK(has_code(s.warnings, "MSH0210"));
  CHECK(std::none_of(s.mesh.workloads.begin(), s.mesh.workloads.end(),
                     [](const auto& w) { return w.name == "tester"; }));
}

TEST_CASE("load from: an unknown workload is MSH0232 at the field, with a did-you-mean") {
  const auto ds = errors_of_text(scenario("  from: testr\n"));
  const Diagnostic* d = find(ds, "MSH0232");
  REQUIRE(d != nullptr);
  INFO(dump(ds));
  CHECK(d->message.find("Load 'l' runs from unknown workload 'testr'") != std::string::npos);
  CHECK(d->message.find("did you mean 'tester'?") != std::string::npos);
  CHECK(d->where.line == 35);  // the `from:` line of the Load
  CHECK(d->where.column == 9);
}

TEST_CASE("load from: inMesh agreeing with the workload's sidecar is accepted, contradicting it MSH0233") {
  CHECK(errors_of_text(scenario("  from: tester\n  inMesh: true\n")).empty());
  const auto ds = errors_of_text(scenario("  from: tester\n  inMesh: false\n"));
  const Diagnostic* d = find(ds, "MSH0233");
  REQUIRE(d != nullptr);
  CHECK(d->message.find("inMesh: false contradicts workload 'tester', whose pods have a sidecar") !=
        std::string::npos);
  // A workload without a sidecar: its load is an out-of-mesh client; inMesh: true contradicts.
  const std::string no_sidecar = "  - {name: tester, sidecar: false}\n";
  const Scenario s = load_scenario_text(scenario("  from: tester\n", no_sidecar));
  CHECK_FALSE(s.mesh.loads[0].through_sidecar);
  CHECK(has_code(errors_of_text(scenario("  from: tester\n  inMesh: true\n", no_sidecar)), "MSH0233"));
}

TEST_CASE("load from: zone is the pods' own; giving one too is MSH0109") {
  const auto ds = errors_of_text(scenario("  from: tester\n  zone: zone-b\n"));
  CHECK(has_code(ds, "MSH0109"));
}

TEST_CASE("load from: a workload with no pods warns MSH0234; handlers nobody calls MSH0235") {
  CHECK(has_code(load_scenario_text(scenario("  from: tester\n", "", 0)).warnings, "MSH0234"));
  const std::string handlers = "  - {name: tester, handlers: [{steps: [{compute: 1ms}]}]}\n";
  CHECK(has_code(load_scenario_text(scenario("  from: tester\n", handlers)).warnings, "MSH0235"));
}

TEST_CASE("load from: a workload that backs a Service may run a load too") {
  const Scenario s = load_scenario_text(scenario("  from: web-v1\n"));
  CHECK(s.mesh.loads[0].from == "web-v1");
  CHECK_FALSE(has_code(s.warnings, "MSH0235"));
}
