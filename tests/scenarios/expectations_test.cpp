// The Experiment's `expect:` and `check:` sections: each criterion becomes one
// ExpectationConfig with the value the README says, names are resolved (and misspellings
// reported at their line:column with a did-you-mean), and timeline phases give windows.
// Source of truth: scenarios/README.md "Expectations".
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::has_code;
using meshsim::simcore::Time;
using meshsim::models::ExpectationConfig;
using Metric = ExpectationConfig::Metric;
using Bound = ExpectationConfig::Bound;

// Line 1 of the Experiment's `expect:` items is line kFirst of the text.
const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: web}, {name: ledger}]
  workloads:
  - {name: web-v1, service: web, labels: {app: web, version: v1}, handlers: [{steps: [{call: {service: ledger}}]}]}
  - {name: ledger-v1, service: ledger, labels: {app: ledger, version: v1}}
  - {name: ledger-v2, service: ledger, labels: {app: ledger, version: v2}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: shoppers}
spec: {target: web, rate: 10}
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: chaos}
spec:
  events:
  - {name: brownout, at: 60s, duration: 30s, cpuSlowdown: {service: ledger, factor: 6}}
  - {name: brownout, at: 70s, duration: 40s, addLatency: {service: ledger, latency: 5ms}}
  - {name: forever, at: 100s, killPods: {workload: ledger-v2}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: x}
spec:
  duration: 180s
)";

std::vector<ExpectationConfig> expectations_of(const std::string& spec) {
  return load_scenario_text(kBase + spec).mesh.experiment.expectations;
}

}  // namespace

TEST_CASE("expect: maxSuccessRate is an upper bound on the success rate (a failure must show)") {
  const auto e = expectations_of(R"(  expect:
  - {service: web, during: {from: 30s, to: 45s}, maxSuccessRate: 90%}
)");
  REQUIRE(e.size() == 1);
  CHECK(e[0].metric == Metric::kSuccessRate);
  CHECK(e[0].bound == Bound::kAtMost);
  CHECK(e[0].threshold == Approx(0.9));
  CHECK(e[0].name == "web during 30s-45s: success rate <= 90%");
}

TEST_CASE("expect: one expectation per criterion, values in SI units and fractions") {
  const auto e = expectations_of(R"(  expect:
  - service: web
    minSuccessRate: 99.5%
    maxLatency: {p99: 800ms, p50: 20ms, mean: 30ms, p99.9: 2s}
    maxRetryAmplification: 1.5
    maxAttemptsPerRequest: 3
    maxFlagShare: {UO: 1%, URX: 0.5%}
    minThroughput: 9
)");
  REQUIRE(e.size() == 10);
  CHECK(e[0].metric == Metric::kSuccessRate);
  CHECK(e[0].bound == Bound::kAtLeast);
  CHECK(e[0].threshold == Approx(0.995));
  CHECK(e[0].name == "web: success rate >= 99.5%");
  CHECK(e[0].where == "<string>:32:21");
  CHECK(e[1].metric == Metric::kLatency);
  CHECK(e[1].percentile == 99);
  CHECK(e[1].threshold == Approx(0.8));
  CHECK(e[1].bound == Bound::kAtMost);
  CHECK(e[2].percentile == 50);
  CHECK(e[3].percentile == 0);  // the mean
  CHECK(e[3].threshold == Approx(0.03));
  CHECK(e[4].percentile == Approx(99.9));
  CHECK(e[4].name == "web: p99.9 latency <= 2s");
  CHECK(e[5].metric == Metric::kRetryAmplification);
  CHECK(e[5].threshold == 1.5);
  CHECK(e[6].metric == Metric::kAttemptsPerRoot);
  CHECK(e[7].metric == Metric::kFlagShare);
  CHECK(e[7].flag == "UO");
  CHECK(e[7].threshold == Approx(0.01));
  CHECK(e[8].flag == "URX");
  CHECK(e[9].metric == Metric::kThroughput);
  CHECK(e[9].bound == Bound::kAtLeast);
  for (const auto& x : e) {
    CHECK(x.window_from == Time::zero());
    CHECK(x.window_to == Time::max());
  }
}

TEST_CASE("expect: filters, named phases and explicit windows") {
  const auto e = expectations_of(R"(  expect:
  - {name: canary, service: ledger, version: v2, from: web-v1, minSuccessRate: 99%}
  - {service: web, from: shoppers, load: shoppers, during: brownout, minSuccessRate: 90%}
  - {service: ledger, workload: ledger-v1, during: forever, minSuccessRate: 90%}
  - {service: web, during: {from: 30s, to: 45s}, minSuccessRate: 90%}
)");
  REQUIRE(e.size() == 4);
  CHECK(e[0].name == "canary: success rate >= 99%");
  CHECK(e[0].version == "v2");
  CHECK(e[0].from == "web-v1");
  CHECK(e[0].from_load.empty());
  // `from` names a Load: the load generator's own requests.
  CHECK(e[1].from.empty());
  CHECK(e[1].from_load == "shoppers");
  CHECK(e[1].load == "shoppers");
  // A phase spans every event of its name: [60 s, max(90 s, 110 s)).
  CHECK(e[1].during == "brownout");
  CHECK(e[1].window_from == Time::from_s(60));
  CHECK(e[1].window_to == Time::from_s(110));
  // An event without a duration lasts to the end of the run.
  CHECK(e[2].window_from == Time::from_s(100));
  CHECK(e[2].window_to == Time::max());
  CHECK(e[3].window_from == Time::from_s(30));
  CHECK(e[3].window_to == Time::from_s(45));
}

TEST_CASE("expect: a window after the end of the run loads (a shorter run must still load)") {
  // `meshsim check` reports such an expectation as "no data"; running the scenario for 30 s
  // from a notebook must not fail because of it.
  const auto e = expectations_of(
      "  expect:\n  - {service: web, during: {from: 200s}, minSuccessRate: 99%}\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].window_from == Time::from_s(200));
}

TEST_CASE("check: replications, confidence and regression thresholds") {
  const auto s = load_scenario_text(kBase + R"(  check:
    replications: 12
    confidence: 99%
    regression: {successRate: 0.5%, latency: 20%, retryAmplification: 0.2, slowerProbability: 60%}
    multipleTesting: bh
)");
  const auto& c = s.mesh.experiment.check;
  CHECK(c.replications == 12);
  CHECK(c.confidence == Approx(0.99));
  CHECK(c.max_success_drop == Approx(0.005));
  CHECK(c.max_latency_increase == Approx(0.2));
  CHECK(c.max_amplification_increase == Approx(0.2));
  CHECK(c.max_slower_probability == Approx(0.6));
  CHECK(c.false_discovery_rate);
  // Defaults (check.h): 5 replications at 95 %, Holm.
  const auto d = load_scenario_text(kBase).mesh.experiment.check;
  CHECK(d.replications == 5);
  CHECK(d.confidence == Approx(0.95));
  CHECK_FALSE(d.false_discovery_rate);
}

TEST_CASE("expect: mistakes are reported at their line:column with what was expected") {
  struct Case {
    const char* spec;
    const char* code;
    const char* where;
    const char* words;  // part of the message
  };
  const Case cases[] = {
      {"  expect:\n  - {service: webb, minSuccessRate: 99%}\n", "MSH0206", "<string>:31:15",
       "did you mean 'web'?"},
      {"  expect:\n  - {service: web, during: brownot, minSuccessRate: 99%}\n", "MSH0216",
       "<string>:31:28", "did you mean 'brownout'?"},
      {"  expect:\n  - {service: ledger, version: v3, minSuccessRate: 99%}\n", "MSH0216",
       "<string>:31:32", "'v1', 'v2'"},
      {"  expect:\n  - {service: ledger, workload: web-v1, minSuccessRate: 99%}\n", "MSH0216",
       "<string>:31:33", "ledger-v1"},
      {"  expect:\n  - {service: web, from: nobody, minSuccessRate: 99%}\n", "MSH0216",
       "<string>:31:26", "calling workload or Load"},
      {"  expect:\n  - {service: web, load: nobody, minSuccessRate: 99%}\n", "MSH0216",
       "<string>:31:26", "there is no Load called 'nobody'"},
      {"  expect:\n  - {service: web, minSuccessRate: 0.99}\n", "MSH0101", "<string>:31:36",
       "a percentage like '99.5%'"},
      {"  expect:\n  - {service: web, minSuccessRate: 101%}\n", "MSH0104", "<string>:31:36",
       "between 0% and 100%"},
      {"  expect:\n  - {service: web, maxLatency: {p101: 1s}}\n", "MSH0101", "<string>:31:33",
       "'mean' or a percentile"},
      {"  expect:\n  - {service: web, maxLatency: {p99: 1}}\n", "MSH0101", "<string>:31:38",
       "duration"},
      {"  expect:\n  - {service: web, maxFlagShare: {UX: 1%}}\n", "MSH0107", "<string>:31:35",
       "'UO'"},
      {"  expect:\n  - {service: web}\n", "MSH0102", "<string>:31:5", "a criterion"},
      {"  expect:\n  - {service: web, minSucessRate: 99%}\n", "MSH0103", "<string>:31:20",
       "did you mean 'minSuccessRate'?"},
      {"  expect:\n  - {service: web, during: {from: 50s, to: 40s}, minSuccessRate: 99%}\n",
       "MSH0104", "<string>:31:44", "after during.from"},
      {"  expect:\n  - {service: web, version: v1, minSuccessRate: 99%}\n", "MSH0109",
       "<string>:31:29", "Load 'shoppers' calls directly"},
      {"  expect:\n  - {service: web, maxFlagShare: {}}\n", "MSH0101", "<string>:31:34",
       "flags and percentages"},
      {"  check: {replications: 1}\n", "MSH0104", "<string>:30:25", "replications"},
      {"  check: {confidence: 40%}\n", "MSH0104", "<string>:30:23", "at least 50%"},
      {"  check: {multipleTesting: bonferroni}\n", "MSH0107", "<string>:30:28", "holm or bh"},
  };
  for (const Case& c : cases) {
    INFO(c.spec);
    const auto errors = errors_of_text(kBase + c.spec);
    INFO(dump(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code == c.code);
    CHECK(errors[0].where.to_string() == c.where);
    CHECK(errors[0].message.find(c.words) != std::string::npos);
  }
}

TEST_CASE("expect: one entry with several criteria reports a bad name once") {
  const auto errors = errors_of_text(
      kBase + "  expect:\n  - {service: web, during: nope, minSuccessRate: 99%, "
              "maxRetryAmplification: 2}\n");
  INFO(dump(errors));
  CHECK(errors.size() == 1);
  CHECK(has_code(errors, "MSH0216"));
}
