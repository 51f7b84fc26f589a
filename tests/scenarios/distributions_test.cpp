// Every distribution form of the scenario language becomes the simcore::Distribution it names,
// with durations in seconds.  Source of truth: README.md "Distributions" and the analytic
// mean/quantile of simcore::Distribution (itself tested against Boost.Math).
#include <variant>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::simcore::Distribution;

// A one-service scenario whose compute step is `dist` (YAML flow or block text, indented 8).
std::string with_compute(const std::string& dist) {
  return R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: s}]
  workloads:
  - name: s-v1
    service: s
    handlers:
    - steps:
      - compute: )" +
         dist + "\n";
}

Distribution compute_of(const std::string& dist) {
  const Scenario s = load_scenario_text(with_compute(dist));
  return std::get<meshsim::models::ComputeStep>(s.mesh.workloads.at(0).handlers.at(0).steps.at(0))
      .duration;
}

TEST_CASE("distributions: each form gives its simcore distribution, parameters in seconds") {
  using K = Distribution::Kind;
  auto d = compute_of("5ms");
  CHECK(d.kind() == K::Constant);
  CHECK(d.mean() == Approx(0.005));
  d = compute_of("{constant: 1.5s}");
  CHECK(d.kind() == K::Constant);
  CHECK(d.mean() == Approx(1.5));
  d = compute_of("{uniform: {min: 0s, max: 10ms}}");
  CHECK(d.kind() == K::Uniform);
  CHECK(d.mean() == Approx(0.005));
  d = compute_of("{exponential: {mean: 1ms}}");
  CHECK(d.kind() == K::Exponential);
  CHECK(d.mean() == Approx(0.001));
  d = compute_of("{normal: {mean: 10ms, stddev: 1ms}}");  // truncation at 0 is negligible here
  CHECK(d.kind() == K::NormalTruncated);
  CHECK(d.mean() == Approx(0.010));
  d = compute_of("{lognormal: {median: 2ms, p99: 10ms}}");
  CHECK(d.kind() == K::Lognormal);
  CHECK(d.quantile(0.5) == Approx(0.002));
  CHECK(d.quantile(0.99) == Approx(0.010));
  d = compute_of("{lognormal: {mu: -6.2, sigma: 0.5}}");  // ln-seconds
  CHECK(d.quantile(0.5) == Approx(std::exp(-6.2)));
  d = compute_of("{gamma: {shape: 2, scale: 1ms}}");
  CHECK(d.kind() == K::Gamma);
  CHECK(d.mean() == Approx(0.002));
  d = compute_of("{weibull: {shape: 1, scale: 3ms}}");  // shape 1 = exponential(mean scale)
  CHECK(d.kind() == K::Weibull);
  CHECK(d.mean() == Approx(0.003));
  d = compute_of("{pareto: {scale: 1ms, alpha: 3}}");  // mean = alpha xm / (alpha - 1)
  CHECK(d.kind() == K::Pareto);
  CHECK(d.mean() == Approx(0.0015));
  d = compute_of("{empirical: {p0: 1ms, p50: 2ms, p99.9: 50ms, p100: 60ms}}");
  CHECK(d.kind() == K::Empirical);
  CHECK(d.quantile(0.5) == Approx(0.002));
  CHECK(d.quantile(0.999) == Approx(0.050));
  d = compute_of(R"(
          mixture:
          - {weight: 3, constant: 1ms}
          - {weight: 1, exponential: {mean: 5ms}})");
  CHECK(d.kind() == Distribution::Kind::Mixture);
  CHECK(d.mean() == Approx(0.75 * 0.001 + 0.25 * 0.005));
}

TEST_CASE("distributions: malformed forms are reported at the offending node") {
  struct Bad {
    const char* dist;
    const char* code;
    int column;  // on line 11, where the compute value starts at column 18
  };
  const Bad cases[] = {
      {"fast", "MSH0101", 18},                                   // not a duration
      {"10", "MSH0101", 18},                                     // bare number
      {"{lognormal: {median: 10ms, p99: 2ms}}", "MSH0106", 18},  // simcore rejects median >= p99
      {"{exponential: {mean: 1ms}, constant: 1ms}", "MSH0105", 18},  // two forms
      {"{lognormla: {median: 1ms, p99: 2ms}}", "MSH0103", 19},       // misspelt form
      {"{exponential: {mena: 1ms}}", "MSH0103", 33},                 // misspelt parameter
      {"{lognormal: {median: 1ms, sigma: 1}}", "MSH0109", 51},       // mixed parameterisations
      {"{empirical: {p0: 1ms, p90: 2ms}}", "MSH0102", 30},           // no p100
      {"{empirical: {p0: 1ms, q50: 2ms, p100: 3ms}}", "MSH0103", 40},
      {"{gamma: {shape: two, scale: 1ms}}", "MSH0101", 34},
      {"{uniform: {min: 5ms}}", "MSH0102", 28},  // missing max
      {"{mixture: []}", "MSH0101", 28},
  };
  for (const Bad& c : cases) {
    INFO(c.dist);
    const auto e = errors_of_text(with_compute(c.dist));
    INFO(dump(e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == c.code);
    CHECK(e[0].where.line == 11);
    CHECK(e[0].where.column == c.column);
  }
  const auto e = errors_of_text(with_compute("{lognormal: {median: 10ms, p99: 2ms}}"));
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("invalid distribution: ") == 0);  // simcore's own message follows
  const auto typo = errors_of_text(with_compute("{lognormla: {median: 1ms, p99: 2ms}}"));
  REQUIRE(typo.size() == 1);
  CHECK(typo[0].message.ends_with("did you mean 'lognormal'?"));
}

}  // namespace
