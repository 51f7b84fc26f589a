// A call's client-side throttles as written in a Topology (README.md "call.retryThrottling",
// "call.adaptiveThrottling"): their values, gRPC's own limits (A6: maxTokens in (0, 1000],
// tokenRatio > 0 with 3 decimals), and retryThrottling only on gRPC calls.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::simcore::Time;
namespace models = meshsim::models;

std::string scenario(const std::string& call_fields, const std::string& port = "grpc") {
  return R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services:
  - {name: front}
  - {name: back, ports: [{name: )" + port + R"(, port: 9090}]}
  workloads:
  - name: front-v1
    service: front
    handlers:
    - steps:
      - call: {service: back, retries: 2, )" + call_fields + R"(}
  - {name: back-v1, service: back}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: front, rate: 10}
)";
}

const models::CallStep& the_call(const Scenario& s) {
  return std::get<models::CallStep>(s.mesh.workloads[0].handlers[0].steps[0]);
}

TEST_CASE("call throttles: values and defaults") {
  const Scenario s = load_scenario_text(
      scenario("retryThrottling: {maxTokens: 10, tokenRatio: 0.1}, adaptiveThrottling: {k: 1.5, window: 30s}"));
  const auto& c = the_call(s);
  REQUIRE(c.retry_throttling);
  CHECK(c.retry_throttling->max_tokens == 10);
  CHECK(c.retry_throttling->token_ratio == 0.1);
  REQUIRE(c.adaptive_throttling);
  CHECK(c.adaptive_throttling->k == 1.5);
  CHECK(c.adaptive_throttling->window == Time::from_s(30));
  const auto d = the_call(load_scenario_text(scenario("adaptiveThrottling: {}"))).adaptive_throttling;
  REQUIRE(d);
  CHECK(d->k == 2.0);                       // the SRE book's K
  CHECK(d->window == Time::from_s(120));    // "the last two minutes"
}

TEST_CASE("call throttles: gRPC's limits, and gRPC calls only") {
  struct Bad {
    std::string fields;
    std::string port;
    const char* code;
  };
  const Bad cases[] = {
      {"retryThrottling: {maxTokens: 0, tokenRatio: 0.1}", "grpc", "MSH0104"},
      {"retryThrottling: {maxTokens: 1001, tokenRatio: 0.1}", "grpc", "MSH0104"},
      {"retryThrottling: {maxTokens: 10, tokenRatio: 0.0005}", "grpc", "MSH0104"},
      {"retryThrottling: {maxTokens: 10}", "grpc", "MSH0102"},
      {"retryThrottling: {maxTokens: 10, tokenRatio: 0.1}", "http", "MSH0109"},
      {"adaptiveThrottling: {k: 0.5}", "http", "MSH0104"},
      {"adaptiveThrottling: {window: 0s}", "http", "MSH0104"},
  };
  for (const Bad& c : cases) {
    INFO(c.fields << " on " << c.port);
    meshsim::scenarios::testing::expect_one_error(scenario(c.fields, c.port), c.code, 13);  // the call's line
  }
}

}  // namespace
