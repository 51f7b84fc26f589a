// Experiment: seed, run length, warm-up, sampling, call depth, Istio version; defaults when it is
// absent.  Source of truth: README.md "Experiment" and models::ExperimentConfig's defaults.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::simcore::Time;

std::string experiment(const std::string& spec) {
  return "apiVersion: meshsim.dev/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec:\n" + spec;
}

TEST_CASE("experiment: every field, and the defaults without an Experiment") {
  const auto x = load_scenario_text(experiment(R"(  seed: 18446744073709551615
  duration: 10m
  warmup: 30s
  interval: 500ms
  traceSampling: 2.5%
  maxCallDepth: 12
  istioVersion: "1.24"
)"))
                     .mesh.experiment;
  CHECK(x.seed == 18446744073709551615ULL);
  CHECK(x.duration == Time::from_s(600));
  CHECK(x.warmup == Time::from_s(30));
  CHECK(x.interval == Time::from_ms(500));
  CHECK(x.trace_sample_per_mille == 25);
  CHECK(x.max_call_depth == 12);
  CHECK(x.istio_version == "1.24");
  const auto d = load_scenario_text("# nothing\n").mesh.experiment;
  CHECK(d.seed == 1);
  CHECK(d.duration == Time::from_s(60));
  CHECK(d.warmup == Time::zero());
  CHECK(d.interval == Time::from_s(1));
  CHECK(d.trace_sample_per_mille == 10);
  CHECK(d.max_call_depth == 0);
  CHECK(d.istio_version == "1.27");
  CHECK(load_scenario_text(experiment("  traceSampling: 100\n"))
            .mesh.experiment.trace_sample_per_mille == 1000);
}

TEST_CASE("experiment: out-of-range values") {
  for (const char* spec :
       {"  duration: 0s\n", "  warmup: 60s\n", "  duration: 10s\n  warmup: 20s\n",
        "  interval: -1s\n", "  traceSampling: 101\n", "  traceSampling: 0.05%\n",
        "  maxCallDepth: 0\n", "  seed: -1\n"}) {
    INFO(spec);
    const auto e = errors_of_text(experiment(spec));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "MSH0104");
  }
  for (const char* spec : {"  duration: 60\n", "  traceSampling: often\n", "  include: {a: b}\n"}) {
    INFO(spec);
    const auto e = errors_of_text(experiment(spec));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == "MSH0101");
  }
}

TEST_CASE("experiment: controlPlane and kubernetes timings, their defaults, and bad values") {
  const auto x = load_scenario_text(experiment(R"(  controlPlane:
    debounceAfter: 50ms
    debounceMax: 5s
    pushDelay: 300ms
    endpointSliceDelay: 0s
    kubeProxyDelay: 2s
  kubernetes: {kubeletSyncDelay: 2s, nodeMonitorGracePeriod: 40s, replacementDelay: 30s}
)"))
                     .mesh.experiment;
  CHECK(x.control_plane.debounce_after == Time::from_ms(50));
  CHECK(x.control_plane.debounce_max == Time::from_s(5));
  CHECK(x.control_plane.push_delay.mean() == Approx(0.3));
  CHECK(x.control_plane.endpoint_slice_delay == Time::zero());
  CHECK(x.control_plane.kube_proxy_delay == Time::from_s(2));
  CHECK(x.kubernetes.kubelet_sync_delay == Time::from_s(2));
  CHECK(x.kubernetes.node_monitor_grace_period == Time::from_s(40));
  CHECK(x.kubernetes.replacement_delay == Time::from_s(30));
  // Defaults: Istio's PILOT_DEBOUNCE_AFTER / _MAX, Kubernetes 1.32's node-monitor-grace-period.
  const auto d = load_scenario_text("# nothing\n").mesh.experiment;
  CHECK(d.control_plane.debounce_after == Time::from_ms(100));
  CHECK(d.control_plane.debounce_max == Time::from_s(10));
  CHECK(d.kubernetes.node_monitor_grace_period == Time::from_s(50));
  struct Bad {
    const char* spec;
    const char* code;
  };
  for (const Bad& b : {Bad{"  controlPlane: {debounceAfter: 0s}\n", "MSH0104"},
                       Bad{"  controlPlane: {debounceAfter: 1s, debounceMax: 500ms}\n", "MSH0104"},
                       Bad{"  controlPlane: {debounceAftr: 1s}\n", "MSH0103"},
                       Bad{"  controlPlane: {pushDelay: {normal: {}}}\n", ""},
                       Bad{"  kubernetes: {nodeMonitorGracePeriod: fifty}\n", "MSH0101"}}) {
    INFO(b.spec);
    const auto e = errors_of_text(experiment(b.spec));
    REQUIRE(e.size() >= 1);
    if (*b.code != 0) CHECK(e[0].code == b.code);
    CHECK(e[0].to_string().find(":5:") != std::string::npos);  // file:line:column of the value
  }
}

}  // namespace
