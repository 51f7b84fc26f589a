// Handler scripts in the scenario language: method and header matches, repeated steps, and
// workloads that extend others.  Source of truth: scenarios/README.md ("Handlers and steps",
// "extends") and the diagnostics catalogue.
#include <variant>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::models::CallStep;
using meshsim::models::ComputeStep;
using meshsim::models::RepeatStep;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;

std::string topology(const std::string& workloads) {
  return "apiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n"
         "  services:\n  - {name: front}\n  - {name: leaf}\n  workloads:\n" +
         workloads +
         "  - {name: leaf-v1, service: leaf}\n";
}

const meshsim::models::WorkloadConfig& workload(const Scenario& s, const std::string& name) {
  for (const auto& w : s.mesh.workloads)
    if (w.name == name) return w;
  FAIL("no workload " << name);
  return s.mesh.workloads.front();
}

TEST_CASE("handlers: method and headers are read; the method upper-cased, header names lower-cased") {
  Scenario s = load_scenario_text(topology(R"(  - name: front-v1
    service: front
    handlers:
    - {path: /cart, method: post, headers: {X-Tier: gold}, steps: [{compute: 1ms}]}
    - {steps: []}
)"));
  const auto& h = workload(s, "front-v1").handlers;
  REQUIRE(h.size() == 2);
  CHECK(h[0].method == "POST");
  REQUIRE(h[0].headers.size() == 1);
  CHECK(h[0].headers[0].first == "x-tier");
  CHECK(h[0].headers[0].second == "gold");
  CHECK(h[1].method.empty());
}

TEST_CASE("handlers: repeat is flattened into a RepeatStep followed by its steps") {
  Scenario s = load_scenario_text(topology(R"(  - name: front-v1
    service: front
    handlers:
    - steps:
      - compute: 1ms
      - repeat:
          times: {poisson: {mean: 3}}
          steps:
          - call: {service: leaf, path: /item}
          - compute: 2ms
      - repeat: {times: 2, steps: [{compute: 1ms}]}
      - repeat: {times: {uniform: {min: 0, max: 4}}, steps: [{call: {service: leaf}}]}
)"));
  const auto& steps = workload(s, "front-v1").handlers.at(0).steps;
  REQUIRE(steps.size() == 8);
  CHECK(std::holds_alternative<ComputeStep>(steps[0]));
  REQUIRE(std::holds_alternative<RepeatStep>(steps[1]));
  CHECK(std::get<RepeatStep>(steps[1]).steps == 2);
  CHECK(std::get<RepeatStep>(steps[1]).times.mean() == 3.0);
  CHECK(std::holds_alternative<CallStep>(steps[2]));
  CHECK(std::get<CallStep>(steps[2]).path == "/item");
  CHECK(std::holds_alternative<ComputeStep>(steps[3]));
  CHECK(std::get<RepeatStep>(steps[4]).times.mean() == 2.0);
  CHECK(std::get<RepeatStep>(steps[4]).steps == 1);
  CHECK(std::get<RepeatStep>(steps[6]).times.mean() == 2.0);  // uniform {0..4}
  CHECK(std::holds_alternative<CallStep>(steps[7]));
}

TEST_CASE("handlers: bad repeats are reported where they are written") {
  SECTION("a repeat inside a repeat: MSH0104") {
    auto ds = errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers:
    - steps:
      - repeat: {times: 2, steps: [{repeat: {times: 2, steps: [{compute: 1ms}]}}]}
)"));
    CHECK(has_code(ds, "MSH0104"));
  }
  SECTION("a Poisson mean over 100: MSH0104") {
    auto ds = errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers: [{steps: [{repeat: {times: {poisson: {mean: 500}}, steps: [{compute: 1ms}]}}]}]
)"));
    CHECK(has_code(ds, "MSH0104"));
  }
  SECTION("uniform with min > max: MSH0106") {
    auto ds = errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers: [{steps: [{repeat: {times: {uniform: {min: 5, max: 2}}, steps: [{compute: 1ms}]}}]}]
)"));
    CHECK(has_code(ds, "MSH0106"));
  }
  SECTION("no steps: MSH0101; no times: MSH0102; a misspelt key: MSH0103") {
    CHECK(has_code(errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers: [{steps: [{repeat: {times: 2, steps: []}}]}]
)")), "MSH0101"));
    CHECK(has_code(errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers: [{steps: [{repeat: {steps: [{compute: 1ms}]}}]}]
)")), "MSH0102"));
    CHECK(has_code(errors_of_text(topology(R"(  - name: front-v1
    service: front
    handlers: [{steps: [{repeat: {times: 2, step: [{compute: 1ms}]}}]}]
)")), "MSH0103"));
  }
}

TEST_CASE("extends: an entry takes its base's behaviour, and a new workload its service") {
  Scenario s = load_scenario_text(topology(R"(  - name: front-v1
    service: front
    replicas: 3
    workers: 7
    queueLimit: 50
    zones: [zone-a]
    handlers: [{path: /a, steps: [{compute: 1ms}]}, {steps: [{call: {service: leaf}}]}]
  - name: front-v2
    extends: front-v1
    workers: 9
  - name: front-v3
    extends: front-v2
    handlers: [{steps: [{compute: 5ms}]}]
)"));
  const auto& v2 = workload(s, "front-v2");
  CHECK(v2.service == "front");
  CHECK(v2.replicas == 3);
  CHECK(v2.workers == 9);         // its own
  CHECK(v2.queue_limit == 50);    // inherited
  CHECK(v2.handlers.size() == 2);
  CHECK(v2.labels.at("version") == "v2");  // never inherited: its own pods
  const auto& v3 = workload(s, "front-v3");
  CHECK(v3.workers == 9);         // from v2, the nearest
  CHECK(v3.queue_limit == 50);    // from v1 through v2
  REQUIRE(v3.handlers.size() == 1);  // its own list replaces the base's
}

TEST_CASE("extends: an unknown base is MSH0230 with a did-you-mean; a cycle is MSH0231") {
  auto unknown = errors_of_text(topology(R"(  - name: front-v1
    service: front
  - name: front-v2
    extends: front-v9
)"));
  REQUIRE(has_code(unknown, "MSH0230"));
  for (const auto& d : unknown) {
    if (d.code == "MSH0230") {
      CHECK(d.message.find("front-v1") != std::string::npos);  // the suggestion
      CHECK(d.where.line == 12);
    }
  }
  auto cycle = errors_of_text(topology(R"(  - name: front-v1
    service: front
    extends: front-v2
  - name: front-v2
    service: front
    extends: front-v1
)"));
  CHECK(has_code(cycle, "MSH0231"));
}

}  // namespace

namespace {

TEST_CASE("cpu limits: from the Deployment's first container, overridden by cpuLimit; bad quantities reported") {
  const std::string kube = R"(apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: front}, ports: [{name: http, port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: front-v1}
spec:
  template:
    metadata: {labels: {app: front, version: v1}}
    spec:
      containers:
      - name: server
        resources: {requests: {cpu: 100m}, limits: {cpu: 200m, memory: 128Mi}}
      - name: helper
        resources: {limits: {cpu: "4"}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  workloads:
)";
  Scenario from_manifest = load_scenario_text(kube + "  - {name: front-v1}\n");
  CHECK(workload(from_manifest, "front-v1").cpu_limit == Approx(0.2));
  Scenario overridden = load_scenario_text(kube + "  - {name: front-v1, cpuLimit: 1.5}\n");
  CHECK(workload(overridden, "front-v1").cpu_limit == Approx(1.5));
  Scenario millis = load_scenario_text(kube + "  - {name: front-v1, cpuLimit: 2500m}\n");
  CHECK(workload(millis, "front-v1").cpu_limit == Approx(2.5));
  CHECK(has_code(errors_of_text(kube + "  - {name: front-v1, cpuLimit: two}\n"), "MSH0101"));
  CHECK(has_code(errors_of_text(kube + "  - {name: front-v1, cpuLimit: 0m}\n"), "MSH0104"));
}

}  // namespace
