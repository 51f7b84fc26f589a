// --set on fields meshsim does not read: a warning that names the override and says what is
// read (MSH0406, issue #15 item 2), never silence.  On Google's Online Boutique manifests, unchanged
// (scenarios/examples/online-boutique): what a user would try on a real Deployment and Service.
// Source of truth: scenarios/internal/kubernetes.cc and cpu_quantity.cc (what is read) and
// Kubernetes' own field paths (apps/v1 Deployment, v1 Service).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::examples;

Scenario boutique(const std::string& set) {
  LoadOptions o;
  o.overrides = {set};
  return load_scenario({examples("online-boutique")}, o);
}

std::vector<Diagnostic> not_read(const Scenario& s) {
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : s.warnings)
    if (d.code == "MSH0406") out.push_back(d);
  return out;
}

const meshsim::models::WorkloadConfig& workload(const Scenario& s, const std::string& name) {
  for (const auto& w : s.mesh.workloads)
    if (w.name == name) return w;
  FAIL("no workload " << name);
  throw;
}

}  // namespace

TEST_CASE("overrides reach: a field of a Deployment meshsim does not read is MSH0406", "[overrides]") {
  for (const std::string set : {
           "Deployment/frontend.spec.template.spec.containers[server].image=frontend:v2",
           "Deployment/frontend.spec.template.spec.containers[0].resources.requests.cpu=2",
           "Deployment/frontend.metadata.labels.app=other",  // the Deployment's own labels
           "Deployment/frontend.spec.selector.matchLabels.app=other",
           "Deployment/frontend.spec.template.spec.containers[0].env=[]",
           "Deployment/frontend.spec.template.spec.containers[0].readinessProbe.timeoutSeconds=9",
           "Deployment/frontend.spec.strategy={type: Recreate}",  // an added field
       }) {
    INFO(set);
    const Scenario s = boutique(set);
    const auto w = not_read(s);
    INFO(dump(s.warnings));
    REQUIRE(w.size() == 1);
    CHECK(w[0].code == "MSH0406");
    CHECK(w[0].where.file == "<--set 1>");
    CHECK(w[0].message.starts_with("--set '" + set + "' changes nothing meshsim simulates: "
                                   "meshsim does not read that field of Deployment 'frontend'"));
  }
}

TEST_CASE("overrides reach: fields meshsim reads give no warning and change the mesh",
          "[overrides]") {
  const double base_cpu = workload(boutique("Deployment/frontend.spec.replicas=1"), "frontend").cpu_limit;
  Scenario s = boutique("Deployment/frontend.spec.template.spec.containers[server].resources.limits.cpu=2");
  CHECK(not_read(s).empty());
  CHECK(workload(s, "frontend").cpu_limit == 2.0);
  CHECK(base_cpu != 2.0);

  s = boutique("Deployment/frontend.spec.replicas=4");
  CHECK(not_read(s).empty());
  CHECK(workload(s, "frontend").replicas == 4u);

  s = boutique("Deployment/frontend.spec.template.metadata.labels.version=v9");
  CHECK(not_read(s).empty());  // (an added field: MSH0405 asks to check its spelling)
  CHECK(workload(s, "frontend").labels.at("version") == "v9");

  s = boutique("Deployment/frontend.spec.template.spec.containers[0].readinessProbe.initialDelaySeconds=7");
  CHECK(not_read(s).empty());
  CHECK(workload(s, "frontend").readiness.initial_delay == meshsim::simcore::Time::from_s(7));

  // Replacing a subtree that holds read fields is not reported: what it holds is read.
  s = boutique("Deployment/frontend.spec.template.spec.containers[0].ports=[{containerPort: 8080}]");
  CHECK(not_read(s).empty());

  s = boutique("Service/frontend.spec.ports[0].appProtocol=http");
  CHECK(not_read(s).empty());
}

TEST_CASE("overrides reach: Service fields, and kinds meshsim does not simulate", "[overrides]") {
  Scenario s = boutique("Service/frontend-external.spec.ports[0].nodePort=30080");
  auto w = not_read(s);
  REQUIRE(w.size() == 1);
  CHECK(w[0].code == "MSH0406");
  CHECK(w[0].message.find("of a Service it reads metadata.name, metadata.namespace, "
                          "spec.ports[].name") != std::string::npos);

  s = boutique("Service/frontend.spec.sessionAffinity=ClientIP");
  w = not_read(s);
  REQUIRE(w.size() == 1);
  CHECK(w[0].code == "MSH0406");

  s = boutique("ServiceAccount/frontend.metadata.labels={team: web}");
  w = not_read(s);
  REQUIRE(w.size() == 1);
  CHECK(w[0].code == "MSH0406");
  CHECK(w[0].message.find("ServiceAccount 'frontend' is of a kind meshsim does not simulate") !=
        std::string::npos);
}
