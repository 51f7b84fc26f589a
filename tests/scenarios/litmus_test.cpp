// LitmusChaos ChaosEngine read unchanged (litmus.h): the pod-delete example of Litmus' docs
// (an nginx Deployment, TOTAL_CHAOS_DURATION 30, CHAOS_INTERVAL 10, FORCE false) becomes rounds
// of killPods as litmus-go's loop runs them; targets meshsim cannot evaluate stop the dry run.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::expect_one_error;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
namespace models = meshsim::models;

const std::string kNginx = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: web}
spec:
  services: [{name: nginx}]
  workloads:
  - {name: nginx, service: nginx, replicas: 3, labels: {app: nginx}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: dry-run}
spec: {duration: 120s, warmup: 10s}
---
)";

std::string engine(const std::string& env, const std::string& extra = "") {
  return kNginx + R"(apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata:
  name: nginx-chaos
  namespace: default
spec:
  appinfo:
    appns: 'default'
    applabel: 'app=nginx'
    appkind: 'deployment'
  engineState: 'active'
  chaosServiceAccount: pod-delete-sa
)" + extra + R"(  experiments:
    - name: pod-delete
      spec:
        components:
          env:
)" + env;
}

const std::string kDocsEnv = R"(            - name: TOTAL_CHAOS_DURATION
              value: '30'
            - name: CHAOS_INTERVAL
              value: '10'
            - name: FORCE
              value: 'false'
            - name: PODS_AFFECTED_PERC
              value: ''
)";

TEST_CASE("Litmus: the docs' pod-delete engine, round by round") {
  const Scenario s = load_scenario_text(engine(kDocsEnv));
  INFO(dump(s.warnings));
  const auto& ev = s.mesh.timeline;
  // Rounds at 0, 10 and 20 s after the warm-up (replacements run 5 s after a delete, within the
  // 10 s interval); a fourth would start 30 s in, not less than TOTAL_CHAOS_DURATION.
  REQUIRE(ev.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(ev[i].at == Time::from_s(10 + 10 * i));
    const auto& k = std::get<models::KillPods>(ev[i].action);
    CHECK(k.mode == models::PodLossMode::kGraceful);
    CHECK(k.termination_drain_duration == Time::from_s(5));  // FORCE false: Istio drains
    CHECK(k.pods.pick == models::PodSelector::Pick::kLitmusPercent);
    CHECK(k.pods.value == 0);  // one pod
    CHECK(k.pods.labels == models::Labels{{"app", "nginx"}});
    CHECK(k.pods.namespace_ == "default");
  }
  CHECK(ev[0].description == "ChaosEngine 'nginx-chaos' pod-delete round 1: delete 1 random pod of every service "
                             "{app=nginx} in default");
  CHECK(has_code(s.warnings, "MSH0236"));  // chaosServiceAccount: named, left out
}

TEST_CASE("Litmus: defaults, and rounds that wait for the pods to run again") {
  // Defaults: 15 s, every 5 s, FORCE true: rounds at 0, 5, 10; no drain.
  const Scenario d = load_scenario_text(engine("            - {name: TOTAL_CHAOS_DURATION, value: ''}\n"));
  REQUIRE(d.mesh.timeline.size() == 3);
  CHECK(d.mesh.timeline[2].at == Time::from_s(20));
  CHECK(std::get<models::KillPods>(d.mesh.timeline[0].action).termination_drain_duration == Time::zero());
  // CHAOS_INTERVAL 1 s: litmus then polls every 2 s until the replacement runs (5 s after the
  // delete): 1 + 2 + 2 = 5 s between rounds.
  const Scenario p = load_scenario_text(engine("            - {name: CHAOS_INTERVAL, value: '1'}\n"));
  REQUIRE(p.mesh.timeline.size() == 3);
  CHECK(p.mesh.timeline[1].at - p.mesh.timeline[0].at == Time::from_s(5));
  // RAMP_TIME delays the first round.
  const Scenario r = load_scenario_text(engine("            - {name: RAMP_TIME, value: '7'}\n"));
  CHECK(r.mesh.timeline.front().at == Time::from_s(17));
}

TEST_CASE("Litmus: targets meshsim cannot evaluate stop the dry run") {
  expect_one_error(engine("            - {name: TARGET_PODS, value: 'nginx-6799fc88d8-x2xbk'}\n"), "MSH0237");
  const std::string docs = engine(kDocsEnv);
  const std::size_t at = docs.find("'app=nginx'");
  const std::string set_based = docs.substr(0, at) + "'app in (nginx)'" + docs.substr(at + 11);
  expect_one_error(set_based, "MSH0237");
  expect_one_error(engine(kDocsEnv, "  annotationCheck: 'true'\n"), "MSH0237");
  expect_one_error(engine("            - {name: CHAOS_INTERVAL, value: '10s'}\n"), "MSH0101");
  // Other experiments and probes are named and left out.
  const Scenario s = load_scenario_text(engine(kDocsEnv + "        probe: [{name: check, type: httpProbe}]\n"));
  CHECK(has_code(s.warnings, "MSH0236"));
  CHECK(s.mesh.timeline.size() == 3);
}

TEST_CASE("Litmus: pod-network-latency and pod-network-loss become network events as litmus-go runs them") {
  // Litmus' docs example: 2000 ms, JITTER 0, 60 s; a loss towards a Service; PODS_AFFECTED_PERC
  // empty = 1 pod (max(1, floor)), netem on its egress.
  auto network = [](const std::string& name, const std::string& env) {
    return kNginx + R"(apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata: {name: net, namespace: default}
spec:
  appinfo: {appns: default, applabel: 'app=nginx', appkind: deployment}
  engineState: active
  experiments:
    - name: )" + name + R"(
      spec:
        components:
          env:
)" + env;
  };
  const Scenario s = load_scenario_text(network("pod-network-latency", R"(            - name: TOTAL_CHAOS_DURATION
              value: '60'
            - name: NETWORK_LATENCY
              value: '2000'
            - name: JITTER
              value: '0'
            - name: CONTAINER_RUNTIME
              value: 'containerd'
            - name: SOCKET_PATH
              value: '/run/containerd/containerd.sock'
)"));
  INFO(dump(s.warnings));
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& ev = s.mesh.timeline[0];
  CHECK(ev.at == Time::from_s(10));        // the warm-up's end, RAMP_TIME 0
  CHECK(ev.duration == Time::from_s(60));  // TOTAL_CHAOS_DURATION
  const auto& f = std::get<models::NetworkFault>(ev.action);
  CHECK(f.latency == Time::from_s(2));
  CHECK(f.jitter == Time::zero());
  CHECK_FALSE(f.target.has_value());
  CHECK(f.pods.pick == models::PodSelector::Pick::kLitmusPercent);
  CHECK(f.pods.value == 0);  // one pod
  CHECK(s.warnings.size() == 1);  // MSH0228: egress without a target crosses the probes
  CHECK(has_code(s.warnings, "MSH0228"));

  const Scenario l = load_scenario_text(network("pod-network-loss", R"(            - name: NETWORK_PACKET_LOSS_PERCENTAGE
              value: '25'
            - name: DESTINATION_HOSTS
              value: 'nginx.default.svc.cluster.local'
            - name: PODS_AFFECTED_PERC
              value: '100'
)"));
  REQUIRE(l.mesh.timeline.size() == 1);
  const auto& g = std::get<models::NetworkFault>(l.mesh.timeline[0].action);
  CHECK(g.loss == 25);
  REQUIRE(g.target.has_value());
  CHECK(g.target->service == "nginx");
  CHECK(g.target->namespace_ == "default");
  CHECK(l.mesh.timeline[0].duration == Time::from_s(60));  // litmus' default

  expect_one_error(network("pod-network-loss", "            - name: DESTINATION_IPS\n              value: '10.0.0.7'\n"), "MSH0237");
  expect_one_error(network("pod-network-latency", "            - name: NETWORK_LATENCY\n              value: '2s'\n"), "MSH0101");
}

TEST_CASE("Litmus: pod-cpu-hog becomes a cpuStress event; CPU_CORES 0 (one per node CPU) cannot be evaluated") {
  auto hog = [](const std::string& env) {
    return kNginx + R"(apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata: {name: hog, namespace: default}
spec:
  appinfo: {appns: default, applabel: 'app=nginx', appkind: deployment}
  engineState: active
  experiments:
    - name: pod-cpu-hog
      spec:
        components:
          env:
)" + env;
  };
  // chaos-charts' defaults: CPU_CORES 1, CPU_LOAD 100, TOTAL_CHAOS_DURATION 60.
  const Scenario s = load_scenario_text(hog(R"(            - name: CPU_CORES
              value: '1'
            - name: TOTAL_CHAOS_DURATION
              value: '60'
)"));
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& c = std::get<models::CpuStress>(s.mesh.timeline[0].action);
  CHECK(c.workers == 1);
  CHECK(c.load == 100);
  CHECK(s.mesh.timeline[0].duration == Time::from_s(60));
  CHECK(has_code(s.warnings, "MSH0239"));  // nginx has no CPU limit here
  expect_one_error(hog("            - name: CPU_LOAD\n              value: '50'\n"), "MSH0237");  // CPU_CORES 0
}

}  // namespace
