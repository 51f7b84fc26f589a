// Network faults in the scenario language: the Timeline's `network` action, and Chaos Mesh's
// NetworkChaos read unchanged (chaos_mesh_network.cc).  The NetworkChaos documents are Chaos
// Mesh's own examples (chaos-mesh/chaos-mesh examples/network-*-example.yaml, verbatim but for the
// license header); their fields and defaults against api/v1alpha1/networkchaos_types.go and the
// webhook; Chaos Mesh's quirks (the whole TcParameter applied whatever the action; "0.5ms" lost to
// a text comparison; delay correlation only with jitter) as tc_server.go has them.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::expect_one_error;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace models = meshsim::models;
using Kind = models::NetworkFault::Kind;
using Direction = models::NetworkFault::Direction;
using Pick = models::PodSelector::Pick;

const std::string kCluster = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: tidb}
spec:
  services:
  - {name: tikv, selector: {app.kubernetes.io/component: tikv}}
  - {name: web, selector: {app.kubernetes.io/component: web-app}}
  workloads:
  - {name: tikv, service: tikv, replicas: 3, labels: {app.kubernetes.io/component: tikv}}
  - name: web
    service: web
    labels: {app.kubernetes.io/component: web-app}
    handlers: [{path: /, steps: [{call: {service: tikv, requestBytes: 200, responseBytes: 2000}}]}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: dry-run}
spec: {duration: 60s, warmup: 10s}
---
)";

const models::NetworkFault& fault(const Scenario& s, std::size_t i = 0) {
  return std::get<models::NetworkFault>(s.mesh.timeline.at(i).action);
}

TEST_CASE("NetworkChaos: Chaos Mesh's netem, loss and corrupt examples") {
  const Scenario s = load_scenario_text(kCluster + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata:
  name: network-netem-example
spec:
  action: netem
  mode: one
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
  delay:
    latency: "90ms"
    correlation: "25"
    jitter: "90ms"
  loss:
    loss: "25"
    correlation: "25"
  duration: "10s"
---
apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata:
  name: network-corrupt-example
spec:
  action: corrupt
  mode: one
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
  corrupt:
    corrupt: "40"
    correlation: "25"
  duration: "10s"
)");
  REQUIRE(s.mesh.timeline.size() == 2);
  const auto& ev = s.mesh.timeline[0];
  CHECK(ev.name == "network-netem-example");
  CHECK(ev.at == 10_s);  // the end of the warm-up
  CHECK(ev.duration == 10_s);
  const auto& f = fault(s);
  CHECK(f.kind == Kind::kNetem);
  CHECK(f.direction == Direction::kTo);  // Chaos Mesh's default
  CHECK_FALSE(f.target.has_value());
  CHECK(f.pods.pick == Pick::kOne);
  CHECK(f.pods.namespace_ == "default");  // the experiment's own
  CHECK(f.latency == 90_ms);
  CHECK(f.jitter == 90_ms);
  CHECK(f.delay_correlation == 25);
  CHECK(f.loss == 25);
  CHECK(f.loss_correlation == 25);
  CHECK(fault(s, 1).corrupt == 40);
  CHECK(fault(s, 1).corrupt_correlation == 25);
  // Without a target a loss crosses the kubelet's probes too: said (MSH0228).
  CHECK(has_code(s.warnings, "MSH0228"));
}

TEST_CASE("NetworkChaos: bandwidth in tc's units, partition with a target") {
  const Scenario s = load_scenario_text(kCluster + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata:
  name: network-bandwidth-example
spec:
  action: bandwidth
  mode: one
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
  bandwidth:
    rate: 100kbps
    limit: 100
    buffer: 10000
    peakrate: 1000000
    minburst: 1000000
  duration: "10s"
---
apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata:
  name: network-partition-example
spec:
  action: partition
  mode: one
  selector:
    labelSelectors:
      "app.kubernetes.io/component": "tikv"
  direction: to
  target:
    selector:
      labelSelectors:
        "app.kubernetes.io/component": "tikv"
    mode: one
  duration: "10s"
)");
  REQUIRE(s.mesh.timeline.size() == 2);
  const auto& b = fault(s);
  CHECK(b.kind == Kind::kBandwidth);
  CHECK(b.rate_bytes_per_s == 100'000);  // tc: "bps" is bytes per second, SI steps
  CHECK(b.limit_bytes == 100);
  CHECK(b.buffer_bytes == 10'000);
  const auto& p = fault(s, 1);
  CHECK(p.kind == Kind::kPartition);
  REQUIRE(p.target.has_value());
  CHECK(p.target->pick == Pick::kOne);
  CHECK(p.target->labels.at("app.kubernetes.io/component") == "tikv");
  // peakrate and minburst are named (MSH0236).
  int named = 0;
  for (const auto& w : s.warnings) named += w.code == "MSH0236" ? 1 : 0;
  CHECK(named == 2);
}

TEST_CASE("NetworkChaos: Chaos Mesh's own quirks are reproduced and said") {
  const Scenario s = load_scenario_text(kCluster + R"(apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata: {name: quirks}
spec:
  action: delay
  mode: all
  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}
  target: {mode: all, selector: {labelSelectors: {app.kubernetes.io/component: web-app}}}
  direction: both
  delay: {latency: "0.5ms", correlation: "50"}
  loss: {loss: "10"}
)");
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& f = fault(s);
  CHECK(f.latency == Time::zero());   // "0.5ms" < "0ms" as text: no delay installed
  CHECK(f.delay_correlation == 0);   // sent to tc only with a jitter
  CHECK(f.loss == 10);               // the whole TcParameter, whatever the action
  CHECK(f.direction == Direction::kBoth);
  CHECK(has_code(s.warnings, "MSH0236"));
  CHECK_FALSE(has_code(s.warnings, "MSH0228"));  // a target: the probes are not on the path
}

TEST_CASE("NetworkChaos: what Chaos Mesh refuses, or the dry run cannot do, at its line") {
  const std::string head = R"(apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata: {name: x}
spec:
  mode: one
  selector: {labelSelectors: {app.kubernetes.io/component: tikv}}
)";
  struct Bad {
    std::string edit;
    const char* code;
    int line;
  };
  const Bad cases[] = {
      {"  action: delay\n  direction: from\n  delay: {latency: 10ms}\n", "MSH0102", 24},  // needs a target
      {"  action: loss\n  loss: {loss: \"150\"}\n", "MSH0104", 27},
      {"  action: delay\n", "MSH0102", 24},  // netem needs delay, loss, duplicate or corrupt
      {"  delay: {latency: 10ms}\n", "MSH0102", 24},
      {"  action: bandwidth\n  bandwidth: {rate: 1.5mbit, limit: 100, buffer: 100}\n", "MSH0101", 27},
      {"  action: delay\n  direction: sideways\n  delay: {latency: 10ms}\n", "MSH0107", 27},
      {"  action: partition\n  target: {mode: one, selector: {namespaces: [db, storage]}}\n", "MSH0237", 27},
  };
  for (const Bad& c : cases) {
    INFO(c.edit);
    expect_one_error(kCluster + head + c.edit, c.code, c.line);
  }
}

TEST_CASE("Timeline network: the action, its checks and its warnings") {
  const std::string timeline = R"(apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: t}
spec:
  events:
)";
  const Scenario s = load_scenario_text(kCluster + timeline + R"(  - at: 20s
    duration: 5s
    network: {service: web, target: {service: tikv, select: one}, direction: both, delay: {latency: 50ms, jitter: 5ms, correlation: 10}, loss: {percent: 1}}
  - {at: 30s, network: {service: tikv, bandwidth: {rate: 8mbit, limit: 20000, buffer: 3000}}}
  - {at: 40s, network: {service: tikv, select: {fixed: 1}, partition: true}}
)");
  REQUIRE(s.mesh.timeline.size() == 3);
  const auto& f = fault(s);
  CHECK(f.pods.service == "web");
  REQUIRE(f.target.has_value());
  CHECK(f.target->pick == Pick::kOne);
  CHECK(f.direction == Direction::kBoth);
  CHECK(f.latency == 50_ms);
  CHECK(f.jitter == 5_ms);
  CHECK(f.loss == 1);
  CHECK(fault(s, 1).rate_bytes_per_s == 1'000'000);  // 8 Mbit/s
  CHECK(fault(s, 2).kind == Kind::kPartition);
  // The partition without a target isolates the pod, kubelet's probes included: said (MSH0228);
  // the bandwidth limit without a target likewise.
  int probes = 0;
  for (const auto& w : s.warnings) probes += w.code == "MSH0228" ? 1 : 0;
  CHECK(probes == 2);
  CHECK_FALSE(has_code(s.warnings, "MSH0229"));  // the web -> tikv call gives sizes

  const std::string base = kCluster + timeline;
  expect_one_error(base + "  - {at: 1s, network: {service: tikv, partition: true, loss: {percent: 1}}}\n", "MSH0105", 25);
  expect_one_error(base + "  - {at: 1s, network: {service: tikv, direction: from, loss: {percent: 1}}}\n", "MSH0102", 25);
  expect_one_error(base + "  - {at: 1s, network: {service: tikv, delay: {latency: 1ms, jitter: 3s}}}\n", "MSH0104", 25);
  expect_one_error(base + "  - {at: 1s, network: {service: tikv, loss: {percent: 101}}}\n", "MSH0104", 25);
  expect_one_error(base + "  - {at: 1s, network: {service: nope, loss: {percent: 1}}}\n", "MSH0206", 25);
}

TEST_CASE("Timeline network: a bandwidth limit on calls without sizes delays nothing, and says so") {
  const Scenario s = load_scenario_text(R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: a, selector: {app: a}}]
  workloads: [{name: a, service: a, labels: {app: a}}]
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: t}
spec:
  events:
  - {at: 1s, network: {service: a, target: {service: a}, bandwidth: {rate: 1mbit, limit: 1000, buffer: 1000}}}
)");
  CHECK(has_code(s.warnings, "MSH0229"));
}

}  // namespace
