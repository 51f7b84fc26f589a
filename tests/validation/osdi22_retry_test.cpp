// The OSDI'22 retry experiment in mesh form (scenarios/examples/osdi22-retry): the four
// published outcomes (Huang et al., "Metastable Failures in the Wild", OSDI 2022, Retry
// experiment; artifact github.com/lexiangh/Metastability Retry_Metastability/experiments.sh):
//   (a) 10 s at -78 % CPU recovers; (b) 10 s at -80 % CPU is metastable; (c) 9 s at -80 %
//   recovers; (d) 10 s at -80 % with the load cut from one insert per 75 us to one per 100 us
//   recovers.
// Each at seeds 1-3 (the artifact warns that single runs vary).  And the fluid boundary of a
// retry storm (../shared/reference/chaos-and-overload.md 2.4): at 40 % load the bad state
// sustains itself iff 0.4 x attempts > 1, so (b) with 2 attempts (one resend) recovers and with
// 3 does not.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "analysis/recovery.h"
#include "analysis/runner.h"
#include "scenarios/scenario.h"

namespace {

using meshsim::analysis::RecoveryAssessment;
using Verdict = RecoveryAssessment::Verdict;

Verdict verdict(std::vector<std::string> overrides, uint64_t seed) {
  overrides.push_back("Experiment.spec.seed=" + std::to_string(seed));
  meshsim::scenarios::LoadOptions o;
  o.overrides = overrides;
  const auto s = meshsim::scenarios::load_scenario({MESHSIM_SOURCE_DIR "/scenarios/examples/osdi22-retry"}, o);
  const auto out = meshsim::analysis::run_one({&s.mesh, seed}, {});
  return meshsim::analysis::assess_recovery(*out.metrics).verdict;
}

const std::string kCut80 = "Timeline/trigger.spec.events[0].cpuSlowdown.factor=5";

TEST_CASE("OSDI'22 retry experiment: the four published outcomes") {
  for (uint64_t seed : {1, 2, 3}) {
    INFO("seed " << seed);
    CHECK(verdict({}, seed) == Verdict::kRecovered);                                             // (a)
    CHECK(verdict({kCut80}, seed) == Verdict::kDidNotRecover);                                   // (b)
    CHECK(verdict({kCut80, "Timeline/trigger.spec.events[0].duration=9s"}, seed) == Verdict::kRecovered);  // (c)
    CHECK(verdict({kCut80, "Load/inserts.spec.rate=10000"}, seed) == Verdict::kRecovered);       // (d)
  }
}

TEST_CASE("OSDI'22 retry experiment: fewer resends move the tipping point (load x attempts = 1)") {
  const std::string resends = "Topology/mongo-retry.spec.workloads[client].handlers[0].steps[0].call.retries=";
  CHECK(verdict({kCut80, resends + "1"}, 1) == Verdict::kRecovered);       // 0.4 x 2 < 1
  CHECK(verdict({kCut80, resends + "2"}, 1) == Verdict::kDidNotRecover);   // 0.4 x 3 > 1
}

}  // namespace
