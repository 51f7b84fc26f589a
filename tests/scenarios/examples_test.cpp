// Every example under scenarios/examples loads without errors, and says what its comments say.
// Source of truth: the examples' own descriptions (and the brief of issue #3).
#include <variant>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::examples;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;

Scenario load_example(const std::string& name) {
  try {
    return load_scenario({examples(name)});
  } catch (const ScenarioError& e) {
    FAIL_CHECK(e.what());
    throw;
  }
}

TEST_CASE("example mm1: one pod, one worker, exponential 1 ms, no sidecar, Poisson 800/s, 300 s") {
  const Scenario s = load_example("mm1/meshsim.yaml");
  const auto& m = s.mesh;
  REQUIRE(m.services.size() == 1);
  REQUIRE(m.workloads.size() == 1);
  const auto& w = m.workloads[0];
  CHECK(w.service == "mm1");
  CHECK(w.replicas == 1);
  CHECK(w.workers == 1);
  CHECK_FALSE(w.sidecar);
  REQUIRE(w.handlers.size() == 1);
  REQUIRE(w.handlers[0].steps.size() == 1);
  const auto& step = std::get<meshsim::models::ComputeStep>(w.handlers[0].steps[0]);
  CHECK(step.duration.kind() == Distribution::Kind::Exponential);
  CHECK(step.duration.mean() == Approx(1e-3));
  REQUIRE(m.loads.size() == 1);
  CHECK(m.loads[0].model == meshsim::models::LoadConfig::Model::kOpenPoisson);
  REQUIRE(m.loads[0].rate.size() == 1);
  CHECK(m.loads[0].rate[0].rate == 800);
  CHECK(m.loads[0].port == 8080);  // defaulted to the service's first port
  CHECK(m.experiment.duration == Time::from_s(300));
  CHECK(m.experiment.warmup == Time::from_s(10));
  CHECK(m.network.same_zone.mean() == 0);
  CHECK(s.warnings.empty());
}

TEST_CASE("example fanout: a frontend calls four backends in one parallel step, over two zones") {
  const Scenario s = load_example("fanout/meshsim.yaml");
  CHECK(s.mesh.network.zone_region.size() == 2);
  const auto& fe = s.mesh.workloads.at(0);
  CHECK(fe.name == "frontend-v1");
  CHECK(fe.zones == std::vector<std::string>{"zone-a", "zone-b"});
  const auto& par = std::get<meshsim::models::ParallelStep>(fe.handlers.at(0).steps.at(1));
  REQUIRE(par.calls.size() == 4);
  CHECK(par.calls[0].port == 8080);  // defaulted
  CHECK(par.calls[3].port == 9090);
  CHECK(s.mesh.workloads.size() == 5);
}

TEST_CASE(
    "example zone-outage: 3 services x 3 replicas over 2 zones - zone-b's nodes lost at 20 s for good, "
    "with Kubernetes 1.32's node-monitor-grace-period and Istio's debounce written out") {
  const Scenario s = load_example("zone-outage/meshsim.yaml");
  CHECK(s.mesh.services.size() == 3);
  for (const auto& w : s.mesh.workloads) CHECK(w.replicas == 3);
  REQUIRE(s.mesh.timeline.size() == 1);
  const auto& ev = s.mesh.timeline[0];
  CHECK(ev.at == Time::from_s(20));
  CHECK(ev.duration == Time::max());
  CHECK(std::get<meshsim::models::ZoneOutage>(ev.action).zone == "zone-b");
  CHECK(ev.description == "zone outage of zone-b");
  CHECK(s.mesh.experiment.kubernetes.node_monitor_grace_period == Time::from_s(50));
  CHECK(s.mesh.experiment.control_plane.debounce_after == Time::from_ms(100));
  CHECK(s.mesh.experiment.expectations.size() == 6);
}

TEST_CASE("example pod-kill: one pod of api lost gracefully at 10 s, by a crash at 40 s, with its node "
          "at 70 s") {
  const Scenario s = load_example("pod-kill/meshsim.yaml");
  REQUIRE(s.mesh.timeline.size() == 3);
  using meshsim::models::KillPods;
  using meshsim::models::PodLossMode;
  const PodLossMode modes[] = {PodLossMode::kGraceful, PodLossMode::kCrash, PodLossMode::kNode};
  const int64_t at[] = {10, 40, 70};
  for (size_t i = 0; i < 3; ++i) {
    const auto& k = std::get<KillPods>(s.mesh.timeline[i].action);
    CHECK(k.mode == modes[i]);
    CHECK(k.pods.count == 1);
    CHECK(s.mesh.timeline[i].at == Time::from_s(at[i]));
  }
  CHECK(s.mesh.experiment.expectations.size() == 7);
  CHECK(s.warnings.empty());
}

TEST_CASE(
    "example bookinfo: warns that its ServiceAccounts are not simulated and that four of Istio's "
    "subsets select no pod; Experiment 60 s (warmup 5 s), 100 rps, 10 % jason") {
  const Scenario s = load_example("bookinfo/meshsim.yaml");
  INFO(dump(s.warnings));
  REQUIRE(s.warnings.size() == 5);
  CHECK(s.warnings[0].code == "MSH0013");
  CHECK(s.warnings[0].message.find("ServiceAccount (4 document(s)) is not simulated") != std::string::npos);
  // destination-rule-all.yaml defines ratings v2, v2-mysql, v2-mysql-vm and details v2, which
  // bookinfo.yaml does not deploy (Istio's sample adds them in other tasks).
  std::vector<std::string> subsets;
  for (size_t i = 1; i < s.warnings.size(); ++i) {
    CHECK(s.warnings[i].code == "MSH0314");
    subsets.push_back(s.warnings[i].message.substr(0, s.warnings[i].message.find(" selects")));
  }
  CHECK(subsets == std::vector<std::string>{"DestinationRule 'ratings': subset 'v2'",
                                            "DestinationRule 'ratings': subset 'v2-mysql'",
                                            "DestinationRule 'ratings': subset 'v2-mysql-vm'",
                                            "DestinationRule 'details': subset 'v2'"});
  // At the subset's labels in Istio's file: ratings v2 is at line 41, column 7.
  CHECK(s.warnings[1].where.file.ends_with("bookinfo/istio/destination-rule-all.yaml"));
  CHECK(s.warnings[1].where.line == 41);
  CHECK(s.warnings[1].where.column == 7);
  CHECK(s.mesh.experiment.duration == Time::from_s(60));
  CHECK(s.mesh.experiment.warmup == Time::from_s(5));
  REQUIRE(s.mesh.loads.size() == 1);
  const auto& load = s.mesh.loads[0];
  CHECK(load.target_service == "productpage");
  CHECK(load.port == 9080);
  CHECK(load.rate.at(0).rate == 100);
  REQUIRE(load.mix.size() == 2);
  CHECK(load.mix[1].share / (load.mix[0].share + load.mix[1].share) == Approx(0.1));
  CHECK(load.mix[1].headers == meshsim::models::Headers{{"end-user", "jason"}});
}

}  // namespace

TEST_CASE("example circuit-breaking: httpbin behind the Istio task's DestinationRule, fortio -c 3 -n 30") {
  const Scenario s = load_scenario({examples("circuit-breaking")});
  REQUIRE(s.mesh.traffic.destination_rules.size() == 1);
  const auto& pool = s.mesh.traffic.destination_rules[0].traffic_policy.connection_pool;
  REQUIRE(pool.has_value());
  CHECK(pool->max_connections == 1);
  CHECK(pool->http1_max_pending_requests == 1);
  CHECK(pool->max_requests_per_connection == 1);
  REQUIRE(s.mesh.loads.size() == 1);
  CHECK(s.mesh.loads[0].max_requests == 30);
  CHECK(s.mesh.loads[0].connections == 3);
  CHECK(s.mesh.loads[0].through_sidecar);
}
