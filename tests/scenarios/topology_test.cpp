// Topology: services and workloads, how a Topology entry adds behaviour to a Deployment or
// defines a workload, defaults, zones, network and sidecar settings.  Source of truth:
// README.md "Topology" (defaults) and Kubernetes' selector semantics (a Service selects the pods
// whose labels include all of its selector).
#include <variant>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::models::Labels;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;

const std::string kKube = R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
  - {name: grpc-main, port: 9090}
  - {name: web, port: 8080, appProtocol: http2}
  - {name: http, port: 80}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-v1, namespace: shop}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api, version: v1}}
    spec: {serviceAccountName: api-sa}
)";

std::string topology(const std::string& spec) {
  return "---\napiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n" +
         spec;
}

TEST_CASE("topology: an entry named after a Deployment adds behaviour - replicas only if given") {
  Scenario s = load_scenario_text(kKube + topology(R"(  workloads:
  - name: api-v1
    namespace: shop
    workers: 4
    queueLimit: 100
    overflowStatus: 429
    sidecar: false
    handlers:
    - {path: /slow, steps: [{compute: 10ms}], errorProbability: 0.01, errorStatus: 502, responseBytes: 2048}
    - {steps: [{compute: 1ms}]}
)"));
  REQUIRE(s.mesh.workloads.size() == 1);
  auto w = s.mesh.workloads[0];
  CHECK(w.replicas == 3);  // the Deployment's
  CHECK(w.service == "api");
  CHECK(w.namespace_ == "shop");
  CHECK(w.service_account == "api-sa");
  CHECK(w.workers == 4);
  CHECK(w.queue_limit == 100);
  CHECK(w.overflow_status == 429);
  CHECK_FALSE(w.sidecar);
  REQUIRE(w.handlers.size() == 2);
  CHECK(w.handlers[0].path_prefix == "/slow");
  CHECK(w.handlers[0].error_probability == 0.01);
  CHECK(w.handlers[0].error_status == 502);
  CHECK(w.handlers[0].response_bytes == 2048);
  CHECK(w.handlers[1].path_prefix == "/");
  CHECK(s.warnings.empty());

  s = load_scenario_text(kKube +
                         topology("  workloads: [{name: api-v1, namespace: shop, replicas: 5}]\n"));
  CHECK(s.mesh.workloads.at(0).replicas == 5);
}

TEST_CASE("Deployment: the app container's readinessProbe timings are read; Kubernetes' defaults "
          "without one (0 / 10 s / 3 / 1)") {
  std::string kube = kKube;
  const std::string probe = R"(    spec:
      serviceAccountName: api-sa
      containers:
      - name: api
        readinessProbe: {httpGet: {path: /ready, port: 8080}, initialDelaySeconds: 15, periodSeconds: 5, failureThreshold: 2, successThreshold: 2}
)";
  const std::string plain = "    spec: {serviceAccountName: api-sa}\n";
  kube.replace(kube.find(plain), plain.size(), probe);
  Scenario s = load_scenario_text(kube);
  REQUIRE(s.mesh.workloads.size() == 1);
  const auto& r = s.mesh.workloads[0].readiness;
  CHECK(r.initial_delay == Time::from_s(15));
  CHECK(r.period == Time::from_s(5));
  CHECK(r.failure_threshold == 2);
  CHECK(r.success_threshold == 2);
  const Scenario defaults = load_scenario_text(kKube);  // held: `d` refers into it
  const auto& d = defaults.mesh.workloads.at(0).readiness;
  CHECK(d.initial_delay == Time::zero());
  CHECK(d.period == Time::from_s(10));
  CHECK(d.failure_threshold == 3);
  CHECK(d.success_threshold == 1);
}

TEST_CASE("topology: ports take Istio's protocol from appProtocol, else the name's prefix") {
  const Scenario s = load_scenario_text(kKube);
  const auto& ports = s.mesh.services.at(0).ports;
  REQUIRE(ports.size() == 3);
  CHECK(ports[0].protocol == meshsim::models::Protocol::kGrpc);
  CHECK(ports[1].protocol == meshsim::models::Protocol::kHttp2);
  CHECK(ports[2].protocol == meshsim::models::Protocol::kHttp);
  CHECK(s.mesh.services[0].namespace_ == "shop");
}

TEST_CASE(
    "topology: a new workload's defaults (labels from its name, first zone, one empty handler)") {
  const Scenario s = load_scenario_text(topology(R"(  zones: {eu-1a: eu, eu-1b: eu}
  services:
  - {name: cart}
  workloads:
  - {name: cart-canary, service: cart, handlers: [{steps: [{compute: 1ms}]}]}
  - {name: legacy, service: cart}
)"));
  REQUIRE(s.mesh.services.size() == 1);
  const auto& svc = s.mesh.services[0];
  CHECK(svc.selector == Labels{{"app", "cart"}});
  REQUIRE(svc.ports.size() == 1);
  CHECK(svc.ports[0].number == 80);
  CHECK(svc.ports[0].name == "http");
  const auto& w = s.mesh.workloads.at(0);
  CHECK(w.labels == Labels{{"app", "cart"}, {"version", "canary"}});
  CHECK(w.service_account == "default");
  CHECK(w.replicas == 1);
  CHECK(w.workers == 1);
  CHECK(w.sidecar);
  CHECK(w.zones == std::vector<std::string>{"eu-1a"});
  CHECK(s.mesh.workloads.at(1).labels == Labels{{"app", "cart"}, {"version", "legacy"}});
  REQUIRE(s.mesh.workloads.at(1).handlers.size() == 1);
  CHECK(s.mesh.workloads.at(1).handlers[0].steps.empty());
  CHECK(s.mesh.network.zone_region ==
        std::map<std::string, std::string>{{"eu-1a", "eu"}, {"eu-1b", "eu"}});
}

TEST_CASE(
    "topology: zones default to {zone-a: region-1} - network and sidecar latencies are "
    "distributions") {
  Scenario s = load_scenario_text(
      topology("  services: [{name: a}]\n  workloads: [{name: a-v1, service: a}]\n"));
  CHECK(s.mesh.network.zone_region == std::map<std::string, std::string>{{"zone-a", "region-1"}});
  CHECK(s.mesh.workloads.at(0).zones == std::vector<std::string>{"zone-a"});
  s = load_scenario_text(topology(R"(  zones: [a, b]
  network: {sameZone: 50us, crossZone: {constant: 1ms}, crossRegion: {lognormal: {median: 10ms, p99: 30ms}}}
  sidecar: {pairOverhead: {exponential: {mean: 1ms}}}
)"));
  CHECK(s.mesh.network.zone_region.size() == 2);
  CHECK(s.mesh.network.same_zone.mean() == Approx(50e-6));
  CHECK(s.mesh.network.cross_zone.mean() == Approx(1e-3));
  CHECK(s.mesh.network.cross_region.quantile(0.99) == Approx(0.030));
  CHECK(s.mesh.sidecar.pair_overhead.mean() == Approx(1e-3));
  // A setting made by two Topologies is ambiguous.
  const auto e = errors_of_text(topology("  network: {sameZone: 1ms}\n") +
                                "---\napiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: "
                                "{name: u}\nspec:\n  network: {sameZone: 2ms}\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0108");
}

TEST_CASE("topology: workload/service mismatches are errors or warnings with the right code") {
  // A new workload needs its service.
  auto e = errors_of_text(topology("  services: [{name: a}]\n  workloads: [{name: b-v1}]\n"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0102");
  // Its service must exist ...
  e = errors_of_text(
      topology("  services: [{name: cart}]\n  workloads: [{name: kart-v1, service: kart}]\n"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0206");
  CHECK(e[0].message.ends_with("did you mean 'cart'?"));
  // ... and select it.
  e =
      errors_of_text(topology("  services: [{name: cart}]\n  workloads: [{name: cart-v1, service: "
                              "cart, labels: {app: basket}}]\n"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0211");
  // A Deployment no Service selects is left out, with a warning; so is a Service with no pods.
  const Scenario s = load_scenario_text(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orphan}\nspec:\n  template:\n"
      "    metadata: {labels: {app: orphan}}\n" +
      topology("  services: [{name: lonely}]\n"));
  CHECK(s.mesh.workloads.empty());
  CHECK(has_code(s.warnings, "MSH0210"));
  CHECK(has_code(s.warnings, "MSH0209"));
}

TEST_CASE(
    "topology: a call's fields, its port defaulted to the service's first, names normalised") {
  const Scenario s = load_scenario_text(kKube + topology(R"(  services: [{name: front}]
  workloads:
  - name: front-v1
    service: front
    handlers:
    - steps:
      - call:
          service: api.shop
          path: /v1/items
          method: post
          headers: {X-Request-Id: abc}
          probability: 0.25
          requestBytes: 100
          responseBytes: 2000
          timeout: 250ms
          retries: 2
          onFailure: ignore
      - call: {service: api.shop.svc.cluster.local, port: 8080}
)"));
  const auto& w = s.mesh.workloads.at(1);
  REQUIRE(w.name == "front-v1");
  const auto& c = std::get<meshsim::models::CallStep>(w.handlers.at(0).steps.at(0));
  CHECK(c.service == "api.shop.svc.cluster.local");
  CHECK(c.port == 9090);
  CHECK(c.path == "/v1/items");
  CHECK(c.method == "POST");
  CHECK(c.headers == meshsim::models::Headers{{"x-request-id", "abc"}});
  CHECK(c.probability == 0.25);
  CHECK(c.request_bytes == 100);
  CHECK(c.response_bytes == 2000);
  CHECK(c.timeout == Time::from_ms(250));
  CHECK(c.retries == 2);
  CHECK(c.on_failure == meshsim::models::OnFailure::kIgnore);
  CHECK(std::get<meshsim::models::CallStep>(w.handlers.at(0).steps.at(1)).port == 8080);
}

}  // namespace
