// Ports and protocols in scenarios: Istio's protocol selection (policies/protocol.h) applied to
// Kubernetes Services and Topology services; the IST0118-like note for a port left to sniffing
// (MSH0217) and the error for calls to a TCP-family port (MSH0218).  Source of truth: istio
// pkg/config/kube/conversion.go ConvertProtocol; istio analyzer service/portname.go (IST0118,
// level Info, "Port name %s (port: %d, targetPort: %s) doesn't follow the naming convention of
// Istio port.").
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::models::Protocol;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;

std::string service(const std::string& ports) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  selector: {app: db}\n"
         "  ports:\n" +
         ports +
         "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db-v1}\nspec:\n"
         "  template:\n    metadata: {labels: {app: db, version: v1}}\n";
}

const std::string kCaller = R"(---
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services:
  - {name: web, ports: [{name: http, port: 8080}]}
  workloads:
  - name: web-v1
    service: web
    handlers:
    - steps:
      - call: {service: db, port: PORT}
)";

std::string with_call(const std::string& ports, const std::string& port) {
  std::string caller = kCaller;
  caller.replace(caller.find("PORT"), 4, port);
  return service(ports) + caller;
}

}  // namespace

TEST_CASE("protocols: Service ports take Istio's protocol (appProtocol, grpc-web, name prefix, "
          "well-known ports, UDP)") {
  const Scenario s = load_scenario_text(service(R"(  - {name: grpc-web-ui, port: 81}
  - {name: HTTP-api, port: 82}
  - {name: x, port: 83, appProtocol: grpc}
  - {name: redis-cache, port: 6379}
  - {port: 3306}
  - {name: dns, port: 53, protocol: UDP}
  - {name: web, port: 84}
)"));
  const auto& ports = s.mesh.services.at(0).ports;
  REQUIRE(ports.size() == 7);
  CHECK(ports[0].protocol == Protocol::kGrpcWeb);
  CHECK(ports[1].protocol == Protocol::kHttp);
  CHECK(ports[2].protocol == Protocol::kGrpc);
  CHECK(ports[2].app_protocol == "grpc");
  CHECK(ports[3].protocol == Protocol::kRedis);
  CHECK(ports[4].protocol == Protocol::kTcp);
  CHECK(ports[5].protocol == Protocol::kUdp);
  CHECK(ports[6].protocol == Protocol::kAuto);
}

TEST_CASE("protocols: a port Istio would sniff gets IST0118's note, at the port (MSH0217, info)") {
  const Scenario s = load_scenario_text(service("  - {name: web, port: 8080, targetPort: 9080}\n"));
  REQUIRE(s.warnings.size() >= 1);
  const auto it = std::find_if(s.warnings.begin(), s.warnings.end(),
                               [](const Diagnostic& d) { return d.code == "MSH0217"; });
  REQUIRE(it != s.warnings.end());
  CHECK(it->level == Level::kInfo);
  CHECK(it->where.line == 7);
  CHECK(it->message ==
        "Port name web (port: 8080, targetPort: 9080) doesn't follow the naming convention of "
        "Istio port; protocol detection is applied to the port (meshsim: HTTP)");
  // A named port, and a well-known TCP port, get no such note.
  const Scenario named = load_scenario_text(service("  - {name: http-web, port: 8080}\n  - {port: 3306}\n"));
  for (const Diagnostic& d : named.warnings) CHECK(d.code != "MSH0217");
}

TEST_CASE("protocols: calls to a TCP-family port are an error naming it (MSH0218); HTTP-family "
          "and sniffed ports are run") {
  const auto redis = errors_of_text(with_call("  - {name: tcp-redis, port: 6379}\n", "6379"));
  REQUIRE(has_code(redis, "MSH0218"));
  const auto d = *std::find_if(redis.begin(), redis.end(), [](const Diagnostic& x) { return x.code == "MSH0218"; });
  CHECK(d.message ==
        "calls to port 6379 (tcp-redis) of service 'db' are TCP (Istio protocol TCP); meshsim does "
        "not yet model TCP proxying");
  CHECK(d.where.line > 0);
  CHECK(has_code(errors_of_text(with_call("  - {port: 3306}\n", "3306")), "MSH0218"));
  CHECK(has_code(errors_of_text(with_call("  - {name: mongo, port: 27017}\n", "27017")), "MSH0218"));
  CHECK(has_code(errors_of_text(with_call("  - {name: dns, port: 53, protocol: UDP}\n", "53")), "MSH0218"));
  for (const std::string ports : {"  - {name: grpc, port: 9090}\n", "  - {name: web, port: 9090}\n",
                                  "  - {name: http2, port: 9090}\n"}) {
    INFO(ports);
    const auto errors = errors_of_text(with_call(ports, "9090"));
    CHECK(errors.empty());
    if (!errors.empty()) WARN(dump(errors));
  }
}

TEST_CASE("protocols: a gRPC deadline on a call that is not gRPC is an error (MSH0109)") {
  std::string yaml = with_call("  - {name: http, port: 9090}\n", "9090");
  const std::string call = "call: {service: db, port: 9090}";
  yaml.replace(yaml.find(call), call.size(), "call: {service: db, port: 9090, deadline: 1s}");
  const auto errors = errors_of_text(yaml);
  CHECK(has_code(errors, "MSH0109"));
  std::string ok = with_call("  - {name: grpc, port: 9090}\n", "9090");
  ok.replace(ok.find(call), call.size(),
             "call: {service: db, port: 9090, deadline: 1s, propagateDeadline: true}");
  const auto none = errors_of_text(ok);
  CHECK(none.empty());
}
