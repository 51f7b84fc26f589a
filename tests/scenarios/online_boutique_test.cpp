// Online Boutique's real manifest (scenarios/examples/online-boutique/kubernetes-manifests.yaml, unchanged from
// GoogleCloudPlatform/microservices-demo release/kubernetes-manifests.yaml) loads as Kubernetes
// would take it: unknown fields (resources, env, probes, securityContext, ...) ignored, every
// Service gets the pods its selector selects, frontend-external (type LoadBalancer, the same
// selector as frontend) included, and a request to it succeeds.  Source of truth: Kubernetes'
// EndpointSlice controller (one endpoint set per Service, by selector).
#include <algorithm>
#include <map>

#include "models/config/topology.h"
#include "models/mesh.h"
#include "tests/scenarios/test_support.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::has_code;
using meshsim::scenarios::testing::repo_root;

std::string manifest() { return (repo_root() / "scenarios/examples/online-boutique/kubernetes-manifests.yaml").generic_string(); }

std::map<std::string, std::vector<std::string>> endpoints(const Scenario& s) {
  const meshsim::models::Topology t(s.mesh);
  std::map<std::string, std::vector<std::string>> out;
  for (uint32_t i = 0; i < s.mesh.services.size(); ++i) {
    auto& pods = out[s.mesh.services[i].name];
    for (auto p : t.service_pods[meshsim::models::ServiceId(i)]) pods.push_back(t.pods[p].name);
  }
  return out;
}

}  // namespace

TEST_CASE("Online Boutique: the release manifest loads and every Service gets its Deployment's pods") {
  const Scenario s = load_scenario({manifest()});
  INFO(dump(s.warnings));
  const std::map<std::string, std::vector<std::string>> expected = {
      {"adservice", {"adservice-0"}},
      {"cartservice", {"cartservice-0"}},
      {"checkoutservice", {"checkoutservice-0"}},
      {"currencyservice", {"currencyservice-0"}},
      {"emailservice", {"emailservice-0"}},
      {"frontend", {"frontend-0"}},
      {"frontend-external", {"frontend-0"}},
      {"paymentservice", {"paymentservice-0"}},
      {"productcatalogservice", {"productcatalogservice-0"}},
      {"recommendationservice", {"recommendationservice-0"}},
      {"redis-cart", {"redis-cart-0"}},
      {"shippingservice", {"shippingservice-0"}},
  };
  CHECK(endpoints(s) == expected);
  // What Kubernetes does not route to is said, not hidden: loadgenerator backs no Service.
  const auto lg = std::find_if(s.warnings.begin(), s.warnings.end(), [](const Diagnostic& d) {
    return d.code == "MSH0210" && d.message.find("loadgenerator") != std::string::npos;
  });
  CHECK(lg != s.warnings.end());
  CHECK_FALSE(has_code(s.warnings, "MSH0209"));  // every Service has pods
  CHECK_FALSE(has_code(s.warnings, "MSH0220"));  // every targetPort is a number
  // Ports and targetPorts as written.
  for (const auto& svc : s.mesh.services) {
    if (svc.name == "emailservice") CHECK((svc.ports[0].number == 5000 && svc.ports[0].target_port == 8080));
    if (svc.name == "redis-cart") CHECK((svc.ports[0].name == "tcp-redis" && svc.ports[0].number == 6379));
  }
}

TEST_CASE("Online Boutique: requests to frontend-external reach the frontend pods and succeed") {
  const std::string behaviour = R"(
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: boutique}
spec:
  workloads:
  - name: frontend
    workers: 4
    handlers:
    - steps: [{compute: 1ms}, {call: {service: productcatalogservice, port: 3550}}]
  - name: productcatalogservice
    handlers: [{steps: [{compute: 1ms}]}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: frontend-external, rate: 20}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: boutique}
spec: {seed: 1, duration: 5s}
)";
  meshsim::testing::TempDir dir("online-boutique");
  dir.write("behaviour.yaml", behaviour);
  const Scenario s = load_scenario({manifest(), dir.str()});
  meshsim::testing::RecordingSink sink;
  meshsim::models::Mesh mesh(s.mesh);
  mesh.run(sink);
  uint32_t external = 0;
  while (sink.catalog.services[external].name != "frontend-external") ++external;
  const auto client = sink.of(meshsim::models::Reporter::kClient);
  REQUIRE(client.size() > 50);
  for (const auto& r : client) {
    CHECK(r.destination_service == external);
    CHECK(r.response_code == 200);
  }
}

TEST_CASE("Online Boutique example: its Load runs from the manifests' loadgenerator Deployment") {
  // meshsim.yaml says `from: loadgenerator`: the Deployment that backs no Service is kept (no
  // MSH0210), its one pod (sidecar injected) sends the shoppers' requests, and a run names it as
  // the source of every one of them.
  const Scenario s = load_scenario({(repo_root() / "scenarios/examples/online-boutique").generic_string()});
  INFO(dump(s.warnings));
  CHECK_FALSE(has_code(s.warnings, "MSH0210"));
  CHECK_FALSE(has_code(s.warnings, "MSH0208"));
  REQUIRE(s.mesh.loads.size() == 1);
  CHECK(s.mesh.loads[0].from == "loadgenerator");
  CHECK(s.mesh.loads[0].through_sidecar);
  meshsim::models::MeshConfig m = s.mesh;
  m.experiment.duration = meshsim::simcore::Time::from_s(5);
  meshsim::testing::RecordingSink sink;
  meshsim::models::Mesh mesh(m);
  mesh.run(sink);
  const uint32_t lg = sink.workload_index("loadgenerator");
  const auto client = sink.of(meshsim::models::Reporter::kClient);
  REQUIRE(client.size() > 50);
  for (const auto& r : client) CHECK(r.source_workload == lg);
  const auto at_frontend = sink.of(meshsim::models::Reporter::kDestination, sink.service_index("frontend"));
  REQUIRE(!at_frontend.empty());
  for (const auto& r : at_frontend) CHECK(r.source_workload == lg);
}
