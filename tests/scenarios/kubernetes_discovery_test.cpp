// Kubernetes discovery as Kubernetes does it: a Service's endpoints are the pods of its namespace
// whose labels match its selector, any number of Services per Deployment; no selector, no
// endpoints; targetPort by number or by container port name (FindPort); headless and
// ExternalName Services; `kind: List` documents and kubectl/helm output.  Source of truth:
// Kubernetes' EndpointSlice controller (pkg/controller/endpointslice, FindPort in
// pkg/api/v1/pod/util.go), Istio's service registry (ExternalName as an alias since 1.21,
// headless as ORIGINAL_DST), kubectl's List; /work/shared/reference real-applications-semantics §3.
#include <algorithm>

#include "models/config/topology.h"
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;

std::string service(const std::string& name, const std::string& selector, const std::string& extra = "",
                    const std::string& ports = "[{name: http, port: 80}]") {
  return "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name + "}\nspec:\n" +
         (selector.empty() ? "" : "  selector: " + selector + "\n") + "  ports: " + ports + "\n" + extra;
}
std::string deployment(const std::string& name, const std::string& labels, const std::string& pod_spec = "{}") {
  return "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
         "}\nspec:\n  template:\n    metadata: {labels: " + labels + "}\n    spec: " + pod_spec + "\n";
}
const std::string kTopology = R"(---
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  workloads:
)";

// The pods of each Service, as the run builds them (models::Topology).
std::vector<std::string> endpoints(const Scenario& s, const std::string& service) {
  const meshsim::models::Topology t(s.mesh);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < s.mesh.services.size(); ++i) {
    if (s.mesh.services[i].name != service) continue;
    for (auto p : t.service_pods[meshsim::models::ServiceId(i)]) out.push_back(t.pods[p].name);
  }
  return out;
}
const Diagnostic* find(const std::vector<Diagnostic>& ds, const std::string& code) {
  const auto it = std::find_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.code == code; });
  return it == ds.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("discovery: two Services selecting one Deployment both get its pods") {
  const Scenario s = load_scenario_text(service("frontend", "{app: frontend}") +
                                        service("frontend-external", "{app: frontend}", "  type: LoadBalancer\n") +
                                        deployment("frontend", "{app: frontend}") + kTopology +
                                        "  - {name: frontend, replicas: 2}\n");
  CHECK(endpoints(s, "frontend") == std::vector<std::string>{"frontend-0", "frontend-1"});
  CHECK(endpoints(s, "frontend-external") == std::vector<std::string>{"frontend-0", "frontend-1"});
  REQUIRE(s.mesh.workloads.size() == 1);
  CHECK(s.mesh.workloads[0].service == "frontend");  // the primary: the first that selects it
  CHECK_FALSE(has_code(s.warnings, "MSH0209"));
}

TEST_CASE("discovery: a Service selects by a subset of the labels, in its own namespace only") {
  const Scenario s = load_scenario_text(
      service("web", "{app: web}") + service("canary", "{app: web, track: canary}") +
      deployment("web-stable", "{app: web, track: stable}") + deployment("web-canary", "{app: web, track: canary}") +
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: other}\nspec: {selector: {app: web}}\n");
  CHECK(endpoints(s, "web") == std::vector<std::string>{"web-stable-0", "web-canary-0"});
  CHECK(endpoints(s, "canary") == std::vector<std::string>{"web-canary-0"});
  const Diagnostic* other = find(s.warnings, "MSH0209");  // web.other: the pods are in default
  REQUIRE(other != nullptr);
  CHECK(other->message.find("'web'") != std::string::npos);
}

TEST_CASE("discovery: a Service without a selector gets no endpoints (MSH0209 says why)") {
  const Scenario s = load_scenario_text(service("manual", "") + service("web", "{app: web}") +
                                        deployment("web", "{app: web}"));
  CHECK(endpoints(s, "manual").empty());
  const Diagnostic* d = find(s.warnings, "MSH0209");
  REQUIRE(d != nullptr);
  CHECK(d->level == Level::kWarning);
  CHECK(d->message.find("no selector") != std::string::npos);
  CHECK(d->where.line > 0);
}

TEST_CASE("discovery: a Deployment no Service selects stays a warning (MSH0210) and is left out") {
  const Scenario s = load_scenario_text(service("web", "{app: web}") + deployment("web", "{app: web}") +
                                        deployment("loadgenerator", "{app: loadgenerator}"));
  const Diagnostic* d = find(s.warnings, "MSH0210");
  REQUIRE(d != nullptr);
  CHECK(d->level == Level::kWarning);
  CHECK(s.mesh.workloads.size() == 1);
}

TEST_CASE("discovery: a Topology entry's service must select it; one without a selector selects nothing") {
  const auto errors = errors_of_text(service("manual", "") + kTopology +
                                     "  - {name: manual-v1, service: manual}\n");
  CHECK(has_code(errors, "MSH0211"));
  // The convenience still works: a new workload gets app: <service> and is that Service's.
  const Scenario s = load_scenario_text(service("cart", "{app: cart}") + service("cart-admin", "{app: cart}") +
                                        kTopology + "  - {name: cart-v1, service: cart-admin, labels: {app: cart}}\n");
  CHECK(s.mesh.workloads[0].service == "cart-admin");
  CHECK(endpoints(s, "cart") == std::vector<std::string>{"cart-v1-0"});
  CHECK(endpoints(s, "cart-admin") == std::vector<std::string>{"cart-v1-0"});
}

TEST_CASE("discovery: calls to either Service are checked against that Service's ports") {
  const std::string yaml = service("frontend", "{app: frontend}") +
                           service("frontend-admin", "{app: frontend}", "", "[{name: http, port: 80}, {name: admin, port: 9000}]") +
                           deployment("frontend", "{app: frontend}") + service("client", "{app: client}") +
                           deployment("client", "{app: client}") + kTopology +
                           "  - {name: client, handlers: [{steps: [{call: {service: frontend-admin, port: 9000}}, "
                           "{call: {service: frontend, port: PORT}}]}]}\n";
  auto with_port = [&](const std::string& p) {
    std::string y = yaml;
    y.replace(y.find("PORT"), 4, p);
    return y;
  };
  CHECK_NOTHROW(load_scenario_text(with_port("80")));
  const auto errors = errors_of_text(with_port("9000"));  // frontend has no port 9000
  CHECK(has_code(errors, "MSH0203"));
}

TEST_CASE("discovery: a call cycle through a second Service of the same Deployment is found") {
  const auto errors = errors_of_text(service("a", "{app: a}") + service("a-alias", "{app: a}") +
                                     deployment("a", "{app: a}") + service("b", "{app: b}") +
                                     deployment("b", "{app: b}") + kTopology +
                                     "  - {name: a, handlers: [{steps: [{call: {service: b}}]}]}\n"
                                     "  - {name: b, handlers: [{steps: [{call: {service: a-alias}}]}]}\n");
  CHECK(has_code(errors, "MSH0207"));
}

TEST_CASE("discovery: a timeline selector by service selects the pods of every workload it selects") {
  const Scenario s = load_scenario_text(
      service("frontend", "{app: frontend}") + service("frontend-external", "{app: frontend}") +
      deployment("frontend", "{app: frontend}") +
      "---\napiVersion: meshsim.dev/v1alpha1\nkind: Timeline\nmetadata: {name: t}\nspec:\n"
      "  events:\n  - {at: 1s, killPods: {service: frontend-external, count: 1}}\n");
  CHECK_FALSE(has_code(s.warnings, "MSH0204"));
}

TEST_CASE("targetPort: a number, a container port name, or a name a Deployment lacks (MSH0220)") {
  const std::string ports = "[{name: http, port: 80, targetPort: web}, {name: metrics, port: 9090, targetPort: 9091}]";
  const Scenario s = load_scenario_text(
      service("web", "{app: web}", "", ports) +
      deployment("web-v1", "{app: web}", "{containers: [{name: server, ports: [{name: web, containerPort: 8080}]}]}") +
      deployment("web-v2", "{app: web}", "{containers: [{name: server, ports: [{containerPort: 8080}]}]}"));
  const auto& p = s.mesh.services[0].ports;
  REQUIRE(p.size() == 2);
  CHECK(p[0].target_port_name == "web");
  CHECK(p[1].target_port == 9091);
  REQUIRE(s.mesh.workloads.size() == 2);
  CHECK(s.mesh.workloads[0].container_ports.size() == 1);
  CHECK(s.mesh.workloads[0].container_ports[0].number == 8080);
  const meshsim::models::Topology t(s.mesh);
  CHECK(t.port_endpoints(meshsim::models::ServiceId(0), 80).size() == 1);    // web-v2 lacks "web"
  CHECK(t.port_endpoints(meshsim::models::ServiceId(0), 9090).size() == 2);  // a number: both
  const Diagnostic* d = find(s.warnings, "MSH0220");
  REQUIRE(d != nullptr);
  CHECK(d->level == Level::kWarning);
  CHECK(d->message.find("web-v2") != std::string::npos);
  CHECK(std::count_if(s.warnings.begin(), s.warnings.end(), [](const Diagnostic& x) { return x.code == "MSH0220"; }) == 1);
}

TEST_CASE("targetPort: a native sidecar's ports count; other init containers' do not") {
  const Scenario s = load_scenario_text(
      service("web", "{app: web}", "", "[{name: http, port: 80, targetPort: proxy}]") +
      deployment("web", "{app: web}",
                 "{initContainers: [{name: a, restartPolicy: Always, ports: [{name: proxy, containerPort: 15001}]},"
                 " {name: b, ports: [{name: setup, containerPort: 1}]}]}"));
  REQUIRE(s.mesh.workloads[0].container_ports.size() == 1);
  CHECK_FALSE(has_code(s.warnings, "MSH0220"));
}

TEST_CASE("targetPort: neither a port number nor a valid port name is an error at its place") {
  const auto errors = errors_of_text(service("web", "{app: web}", "", "[{name: http, port: 80, targetPort: Not_A_Name}]"));
  REQUIRE(has_code(errors, "MSH0101"));
  CHECK(errors_of_text(service("web", "{app: web}", "", "[{name: http, port: 80, targetPort: 70000}]")).size() == 1);
}

TEST_CASE("targetPort: two Services sending different ports to one targetPort of a workload: MSH0225 (IST0137)") {
  const std::string same = service("frontend", "{app: frontend}", "", "[{name: http, port: 80, targetPort: 8080}]") +
                           service("frontend-external", "{app: frontend}", "", "[{name: http, port: 80, targetPort: 8080}]") +
                           deployment("frontend", "{app: frontend}");
  CHECK_FALSE(has_code(load_scenario_text(same).warnings, "MSH0225"));  // Online Boutique's case
  const Scenario s = load_scenario_text(
      same + service("frontend-alt", "{app: frontend}", "", "[{name: http, port: 8000, targetPort: 8080}]"));
  const Diagnostic* d = find(s.warnings, "MSH0225");
  REQUIRE(d != nullptr);
  CHECK(d->message.find("80 and 8000") != std::string::npos);
  CHECK(d->message.find("'8080'") != std::string::npos);
}

TEST_CASE("headless: clusterIP None is read, with a note of what is and is not modelled (MSH0221)") {
  const Scenario s = load_scenario_text(service("db", "{app: db}", "  clusterIP: None\n") + deployment("db", "{app: db}"));
  CHECK(s.mesh.services[0].headless);
  const Diagnostic* d = find(s.warnings, "MSH0221");
  REQUIRE(d != nullptr);
  CHECK(d->level == Level::kInfo);
  CHECK(d->message.find("ORIGINAL_DST") != std::string::npos);
  CHECK(endpoints(s, "db") == std::vector<std::string>{"db-0"});
}

TEST_CASE("ExternalName: an alias of an in-mesh service; calls to it go to the target (MSH0222)") {
  const Scenario s = load_scenario_text(
      service("backend", "{app: backend}") + deployment("backend", "{app: backend}") +
      service("legacy", "{app: ignored}", "  type: ExternalName\n  externalName: backend.default.svc.cluster.local\n") +
      service("client", "{app: client}") + deployment("client", "{app: client}") + kTopology +
      "  - {name: client, handlers: [{steps: [{call: {service: legacy}}]}]}\n");
  for (const auto& svc : s.mesh.services) CHECK(svc.name != "legacy");  // the run knows no alias
  const auto& w = *std::find_if(s.mesh.workloads.begin(), s.mesh.workloads.end(),
                                [](const auto& x) { return x.name == "client"; });
  CHECK(std::get<meshsim::models::CallStep>(w.handlers[0].steps[0]).service == "backend.default.svc.cluster.local");
  const Diagnostic* d = find(s.warnings, "MSH0222");
  REQUIRE(d != nullptr);
  CHECK(d->level == Level::kInfo);
  CHECK_FALSE(has_code(s.warnings, "MSH0209"));
}

TEST_CASE("ExternalName: a host outside the mesh is a warning (MSH0223), and rules for an alias host do not apply (MSH0224)") {
  const Scenario s = load_scenario_text(
      service("payments", "", "  type: ExternalName\n  externalName: api.stripe.com\n") +
      service("backend", "{app: backend}") + deployment("backend", "{app: backend}") +
      service("legacy", "", "  type: ExternalName\n  externalName: backend\n") +
      "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: legacy}\n"
      "spec: {host: legacy}\n");
  CHECK(has_code(s.warnings, "MSH0223"));
  CHECK_FALSE(has_code(s.warnings, "MSH0209"));
  const Diagnostic* d = find(s.warnings, "MSH0224");
  REQUIRE(d != nullptr);
  CHECK(d->message.find("DestinationRule 'legacy'") != std::string::npos);
  CHECK(endpoints(s, "payments").empty());  // a service of the run without endpoints
}

TEST_CASE("kind: List - kubectl get -o yaml output loads, items as documents, unknown fields ignored") {
  const Scenario s = load_scenario_text(R"(# kubectl get svc,deploy -o yaml
apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: default
    creationTimestamp: "2024-01-01T00:00:00Z"
    managedFields:
    - {manager: kubectl, operation: Update, fieldsV1: {"f:spec": {}}}
    resourceVersion: "123"
    uid: 0c1d
  spec:
    clusterIP: 10.0.0.12
    clusterIPs: [10.0.0.12]
    internalTrafficPolicy: Cluster
    ipFamilies: [IPv4]
    sessionAffinity: None
    type: ClusterIP
    selector: {app: web}
    ports:
    - {name: http, port: 80, protocol: TCP, targetPort: 8080}
  status: {loadBalancer: {}}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, creationTimestamp: null, generation: 3}
  spec:
    progressDeadlineSeconds: 600
    revisionHistoryLimit: 10
    selector: {matchLabels: {app: web}}
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
    template:
      metadata: {labels: {app: web}, creationTimestamp: null}
      spec:
        containers:
        - name: web
          image: nginx
          ports: [{containerPort: 8080, protocol: TCP}]
          resources: {requests: {cpu: 100m}}
          env: [{name: A, value: "1"}]
          readinessProbe: {httpGet: {path: /, port: 8080}}
        dnsPolicy: ClusterFirst
  status: {availableReplicas: 1, conditions: [{type: Available, status: "True"}]}
)");
  CHECK(endpoints(s, "web") == std::vector<std::string>{"web-0"});
  CHECK(s.mesh.services[0].ports[0].target_port == 8080);
}

TEST_CASE("kind: List - items that are not a list are an error; an empty List is nothing") {
  CHECK(has_code(errors_of_text("apiVersion: v1\nkind: List\nmetadata: {}\nitems: {a: 1}\n"), "MSH0101"));
  CHECK_NOTHROW(load_scenario_text("apiVersion: v1\nkind: List\nitems: []\n"));
}

TEST_CASE("helm template output: '# Source:' comments and empty documents load") {
  const Scenario s = load_scenario_text("---\n# Source: chart/templates/service.yaml\n" +
                                        service("web", "{app: web}").substr(4) + "---\n# Source: chart/templates/empty.yaml\n---\n" +
                                        "# Source: chart/templates/deployment.yaml\n" + deployment("web", "{app: web}").substr(4));
  CHECK(endpoints(s, "web") == std::vector<std::string>{"web-0"});
}
