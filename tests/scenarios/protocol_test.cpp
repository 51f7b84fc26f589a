// Ports and protocols in scenarios: Istio's protocol selection (policies/protocol.h) applied to
// Kubernetes Services and Topology services; the IST0118-like note for a port left to sniffing
// (MSH0217); calls to TCP-family ports (tcpClient, MSH0219), a Load to one or anything to UDP
// (MSH0218), VirtualService tcp routes (MSH0226).  Source of truth: istio
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

TEST_CASE("protocols: a handler's call to a TCP-family port runs (a request on a pooled "
          "connection); a Load to one, or anything to UDP, is an error naming it (MSH0218)") {
  for (const auto& [ports, port] : std::vector<std::pair<std::string, std::string>>{
           {"  - {name: tcp-redis, port: 6379}\n", "6379"},
           {"  - {port: 3306}\n", "3306"},
           {"  - {name: mongo, port: 27017}\n", "27017"},
           {"  - {name: grpc, port: 9090}\n", "9090"},
           {"  - {name: web, port: 9090}\n", "9090"},
           {"  - {name: http2, port: 9090}\n", "9090"}}) {
    INFO(ports);
    const auto errors = errors_of_text(with_call(ports, port));
    CHECK(errors.empty());
    if (!errors.empty()) WARN(dump(errors));
  }
  const auto udp = errors_of_text(with_call("  - {name: dns, port: 53, protocol: UDP}\n", "53"));
  REQUIRE(has_code(udp, "MSH0218"));
  const auto d = *std::find_if(udp.begin(), udp.end(), [](const Diagnostic& x) { return x.code == "MSH0218"; });
  CHECK(d.message ==
        "a call goes to port 53 (dns) of service 'db', which is UDP, which the sidecars do not capture "
        "and meshsim does not model");
  CHECK(d.where.line > 0);
  const std::string load = service("  - {name: tcp-redis, port: 6379}\n") + R"(---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: db, port: 6379, rate: 10}
)";
  const auto load_errors = errors_of_text(load);
  REQUIRE(has_code(load_errors, "MSH0218"));
  CHECK(std::find_if(load_errors.begin(), load_errors.end(), [](const Diagnostic& x) {
          return x.code == "MSH0218" && x.message.find("a Load goes to port 6379 (tcp-redis)") == 0;
        }) != load_errors.end());
}

TEST_CASE("protocols: tcpClient configures the application's connection pool; fields a port's "
          "kind does not have are ignored with a warning naming them (MSH0219)") {
  std::string yaml = with_call("  - {name: tcp-redis, port: 6379}\n", "6379");
  const std::string call = "call: {service: db, port: 6379}";
  yaml.replace(yaml.find(call), call.size(),
               "call: {service: db, port: 6379, path: /get, tcpClient: {connections: 4, multiplexed: true}}");
  const Scenario s = load_scenario_text(yaml);
  const auto& step = std::get<meshsim::models::CallStep>(s.mesh.workloads.at(1).handlers.at(0).steps.at(0));
  CHECK(step.tcp_client.connections == 4);
  CHECK(step.tcp_client.multiplexed);
  const auto it = std::find_if(s.warnings.begin(), s.warnings.end(),
                               [](const Diagnostic& d) { return d.code == "MSH0219"; });
  REQUIRE(it != s.warnings.end());
  CHECK(it->message ==
        "path is ignored on a call to port 6379 (tcp-redis) of service 'db', which is TCP (Istio protocol "
        "TCP): a request on a connection has no path");
  // The defaults: 10 connections, one request at a time.
  const Scenario d = load_scenario_text(with_call("  - {name: tcp-redis, port: 6379}\n", "6379"));
  const auto& def = std::get<meshsim::models::CallStep>(d.mesh.workloads.at(1).handlers.at(0).steps.at(0));
  CHECK(def.tcp_client.connections == 10);
  CHECK_FALSE(def.tcp_client.multiplexed);
  // tcpClient on an HTTP call does nothing.
  std::string http = with_call("  - {name: http, port: 9090}\n", "9090");
  const std::string hcall = "call: {service: db, port: 9090}";
  http.replace(http.find(hcall), hcall.size(), "call: {service: db, port: 9090, tcpClient: {connections: 2}}");
  const Scenario h = load_scenario_text(http);
  CHECK(std::any_of(h.warnings.begin(), h.warnings.end(), [](const Diagnostic& w) {
    return w.code == "MSH0219" && w.message.find("tcpClient is ignored") == 0;
  }));
}

TEST_CASE("protocols: VirtualService tcp routes are read (matches, weighted destinations); "
          "destinationSubnets is named as not evaluated (MSH0226)") {
  const std::string yaml = with_call("  - {name: tcp-redis, port: 6379}\n", "6379") + R"(---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db}
spec:
  hosts: [db]
  tcp:
  - match:
    - {port: 6379, sourceLabels: {app: web}}
    - destinationSubnets: [10.1.0.0/16]
    route:
    - {destination: {host: db, subset: v1}, weight: 70}
    - {destination: {host: db, subset: v2}, weight: 30}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db}
spec:
  host: db
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
)";
  const Scenario s = load_scenario_text(yaml);
  REQUIRE(s.mesh.traffic.virtual_services.size() == 1);
  const auto& tcp = s.mesh.traffic.virtual_services[0].tcp;
  REQUIRE(tcp.size() == 1);
  REQUIRE(tcp[0].matches.size() == 2);
  CHECK(tcp[0].matches[0].port == 6379);
  CHECK(tcp[0].matches[0].source_labels.at("app") == "web");
  CHECK(tcp[0].matches[1].destination_subnets == std::vector<std::string>{"10.1.0.0/16"});
  REQUIRE(tcp[0].destinations.size() == 2);
  CHECK(tcp[0].destinations[0].subset == "v1");
  CHECK(tcp[0].destinations[0].weight == 70);
  CHECK(tcp[0].destinations[1].weight == 30);
  CHECK(std::any_of(s.warnings.begin(), s.warnings.end(), [](const Diagnostic& d) { return d.code == "MSH0226"; }));
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
