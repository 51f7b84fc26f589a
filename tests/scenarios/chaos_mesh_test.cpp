// Chaos Mesh experiments read unchanged (chaos_mesh.h): Chaos Mesh's own example PodChaos
// documents (chaos-mesh/chaos-mesh examples/pod-kill-example.yaml, container-kill-example.yaml,
// pod-failure-example.yaml, verbatim but for the license header) become Timeline events with
// Chaos Mesh's defaults; fields that do not apply are named (MSH0236), selectors meshsim cannot
// evaluate stop the dry run (MSH0237), and Chaos Mesh's other kinds are named (MSH0013).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
namespace models = meshsim::models;
using Pick = models::PodSelector::Pick;

// The namespace and labels Chaos Mesh's examples select: a TiKV store and a Prometheus monitor.
const std::string kCluster = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: tidb}
spec:
  services:
  - {name: tikv, namespace: chaos-testing, selector: {app.kubernetes.io/component: tikv}}
  - {name: monitor, namespace: chaos-testing, selector: {app.kubernetes.io/component: monitor}}
  workloads:
  - {name: tikv, service: tikv, namespace: chaos-testing, replicas: 3, labels: {app.kubernetes.io/component: tikv}}
  - {name: monitor, service: monitor, namespace: chaos-testing, labels: {app.kubernetes.io/component: monitor}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: dry-run}
spec: {duration: 60s, warmup: 10s}
---
)";

const std::string kPodKill = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: pod-kill-example
  namespace: chaos-testing
spec:
  action: pod-kill
  mode: one
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
)";
const std::string kContainerKill = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: container-kill-example
  namespace: chaos-testing
spec:
  action: container-kill
  mode: one
  selector:
    labelSelectors:
      app.kubernetes.io/component: monitor
  containerNames:
  - prometheus
)";
const std::string kPodFailure = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: pod-failure-example
  namespace: chaos-testing
spec:
  action: pod-failure
  mode: one
  duration: "30s"
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
)";

const models::KillPods& kill(const models::TimelineEvent& e) { return std::get<models::KillPods>(e.action); }

TEST_CASE("Chaos Mesh: its example PodChaos documents become timeline events") {
  const Scenario s = load_scenario_text(kCluster + kPodKill + "---\n" + kContainerKill + "---\n" + kPodFailure);
  INFO(dump(s.warnings));
  const auto& ev = s.mesh.timeline;
  REQUIRE(ev.size() == 3);
  // pod-kill: deleted with gracePeriod 0 (Chaos Mesh's default), so no drain; at the warm-up's end.
  CHECK(ev[0].name == "pod-kill-example");
  CHECK(ev[0].at == Time::from_s(10));
  CHECK(ev[0].duration == Time::max());
  CHECK(kill(ev[0]).mode == models::PodLossMode::kGraceful);
  CHECK(kill(ev[0]).termination_drain_duration == Time::zero());
  CHECK(kill(ev[0]).replace);
  CHECK(kill(ev[0]).pods.pick == Pick::kOne);
  CHECK(kill(ev[0]).pods.namespace_ == "chaos-testing");  // the experiment's own namespace
  CHECK(kill(ev[0]).pods.labels == models::Labels{{"app.kubernetes.io/component", "tikv"}});
  CHECK(ev[0].description ==
        "PodChaos 'pod-kill-example': delete one random pod of every service "
        "{app.kubernetes.io/component=tikv} in chaos-testing");
  // container-kill of the app container: a crash, restarted by the kubelet.
  CHECK(kill(ev[1]).mode == models::PodLossMode::kCrash);
  CHECK(kill(ev[1]).replace);
  // pod-failure: down for its duration, then back.
  CHECK(kill(ev[2]).mode == models::PodLossMode::kCrash);
  CHECK_FALSE(kill(ev[2]).replace);
  CHECK(ev[2].duration == Time::from_s(30));
  // ... with its approximation named.
  CHECK(std::any_of(s.warnings.begin(), s.warnings.end(), [](const Diagnostic& d) {
    return d.code == "MSH0236" && d.message.find("pod-failure") != std::string::npos;
  }));
}

TEST_CASE("Chaos Mesh: mode and value, gracePeriod, and the start time") {
  const std::string doc = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata:
  name: half
  namespace: chaos-testing
  annotations: {meshsim.dev/at: 25s}
spec:
  action: pod-kill
  mode: fixed-percent
  value: "50"
  gracePeriod: 3
  selector:
    namespaces: [chaos-testing]
    labelSelectors: {app.kubernetes.io/component: tikv}
    podPhaseSelectors: [Running]
)";
  const Scenario s = load_scenario_text(kCluster + doc);
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& e = s.mesh.timeline[0];
  CHECK(e.at == Time::from_s(25));
  CHECK(kill(e).pods.pick == Pick::kFixedPercent);
  CHECK(kill(e).pods.value == 50);
  CHECK(kill(e).termination_drain_duration == Time::from_s(3));  // min(Istio's 5 s, the grace)
}

TEST_CASE("Chaos Mesh: what the dry run cannot do is said, at its line") {
  struct Bad {
    std::string edit;  // appended to a pod-kill with mode one
    const char* code;
    int line;
  };
  const std::string head = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata: {name: x, namespace: chaos-testing}
spec:
  action: pod-kill
)";
  const Bad cases[] = {
      {"  mode: one\n  selector: {pods: {chaos-testing: [tikv-0]}}\n", "MSH0237", 23},
      {"  mode: one\n  selector: {namespaces: [a, b]}\n", "MSH0237", 23},
      {"  mode: one\n  selector: {expressionSelectors: [{key: a, operator: Exists}]}\n", "MSH0237", 23},
      {"  mode: fixed\n  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}\n", "MSH0102", 22},
      {"  mode: fixed\n  value: two\n  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}\n", "MSH0101", 23},
      {"  mode: fixed-percent\n  value: \"150\"\n  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}\n",
       "MSH0104", 23},
      {"  mode: sometimes\n  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}\n", "MSH0107", 22},
      {"  mode: one\n  selector: {labelSelectors: {app.kubernetes.io/component: pd}}\n", "MSH0204", 23},
  };
  for (const Bad& c : cases) {
    INFO(c.edit);
    meshsim::scenarios::testing::expect_one_error(kCluster + head + c.edit, c.code, c.line);
  }
  // Killing the sidecar container is named and left out; so are Chaos Mesh's other kinds.
  const Scenario s = load_scenario_text(kCluster + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata: {name: proxy, namespace: chaos-testing}
spec:
  action: container-kill
  mode: all
  containerNames: [istio-proxy]
  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}
---
apiVersion: chaos-mesh.org/v1alpha1
kind: HTTPChaos
metadata: {name: abort, namespace: chaos-testing}
spec: {mode: all, selector: {}, target: Request, port: 80, abort: true}
)");
  CHECK(s.mesh.timeline.empty());
  CHECK(has_code(s.warnings, "MSH0236"));
  CHECK(has_code(s.warnings, "MSH0013"));
}

}  // namespace
