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

}  // namespace
