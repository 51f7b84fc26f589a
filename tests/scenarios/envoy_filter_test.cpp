// EnvoyFilter: the patches meshsim reads (adaptive concurrency and admission control inserted
// into the sidecars' inbound chain), their typed_config as Envoy's documentation writes it, and
// MSH0315 for every other patch.  Sources: istio/api envoy_filter.proto; Envoy's
// adaptive_concurrency_filter.rst and admission_control_filter.rst example configurations.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::examples;
using meshsim::simcore::Time;
namespace models = meshsim::models;
namespace policies = meshsim::policies;

const std::string kBase = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: t}
spec:
  services: [{name: ledger}]
  workloads:
  - {name: ledger-v1, service: ledger}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: ledger, rate: 10}
---
)";

// Envoy's documented admission control example (admission_control_filter.rst), in an EnvoyFilter.
const std::string kAdmission = R"(apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ledger-admission, namespace: default}
spec:
  workloadSelector: {labels: {app: ledger}}
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.admission_control
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl
          enabled: {default_value: true, runtime_key: "admission_control.enabled"}
          sampling_window: 120s
          sr_threshold: {default_value: {value: 95.0}, runtime_key: "admission_control.sr_threshold"}
          aggression: {default_value: 1.5, runtime_key: "admission_control.aggression"}
          rps_threshold: {default_value: 5, runtime_key: "admission_control.rps_threshold"}
          max_rejection_probability: {default_value: {value: 80.0}, runtime_key: "admission_control.max_rejection_probability"}
          success_criteria:
            http_criteria:
              http_success_status:
              - {start: 100, end: 400}
              - {start: 404, end: 404}
            grpc_criteria:
              grpc_success_status: [0, 1]
)";

// `text` with the first `from` replaced by `to`.
std::string with(const std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.substr(0, at) + to + text.substr(at + from.size());
}

TEST_CASE("EnvoyFilter: Envoy's adaptive concurrency example, scoped by workloadSelector") {
  const Scenario s = load_scenario({examples("retry-storm"), examples("retry-storm-tasks/ledger-adaptive-concurrency.yaml")});
  const auto& f = s.mesh.traffic.inbound_http_filters;
  REQUIRE(f.size() == 1);
  CHECK(f[0].envoy_filter == "default/ledger-adaptive-concurrency");
  CHECK(f[0].namespace_ == "default");
  REQUIRE(f[0].workload_selector.has_value());
  CHECK(*f[0].workload_selector == models::Labels{{"app", "ledger"}});
  CHECK(f[0].local_reply_status == 503);
  const auto& c = std::get<policies::AdaptiveConcurrencyConfig>(f[0].filter);
  CHECK(c.sample_aggregate_percentile == Approx(0.9));
  CHECK(c.concurrency_update_interval == Time::from_ms(100));
  CHECK(c.min_rtt_calc_interval == Time::from_s(60));
  CHECK(c.min_rtt_request_count == 50);
  CHECK(c.jitter == Approx(0.10));
  // Envoy's defaults where the example is silent.
  CHECK(c.min_concurrency == 3);
  CHECK(c.buffer == Approx(0.25));
  CHECK(c.max_concurrency_limit == 1000);
  for (const Diagnostic& w : s.warnings) CHECK(w.code != "MSH0315");
}

TEST_CASE("EnvoyFilter: Envoy's admission control example") {
  const Scenario s = load_scenario_text(kBase + kAdmission);
  REQUIRE(s.mesh.traffic.inbound_http_filters.size() == 1);
  const auto& c = std::get<policies::AdmissionControlConfig>(s.mesh.traffic.inbound_http_filters[0].filter);
  CHECK(c.sampling_window == Time::from_s(120));
  CHECK(c.success_rate_threshold == Approx(0.95));
  CHECK(c.aggression == Approx(1.5));
  CHECK(c.rps_threshold == 5);
  CHECK(c.max_rejection_probability == Approx(0.8));
  REQUIRE(c.http_success.size() == 2);
  CHECK(c.http_success[0] == std::pair<uint32_t, uint32_t>{100, 400});
  CHECK(c.grpc_success == std::vector<uint8_t>{0, 1});
  CHECK(policies::admission_success(c, 404, false, 0) == false);  // [404, 404) is empty
  CHECK(policies::admission_success(c, 399, false, 0));
  // camelCase (protobuf JSON names) reads the same; enabled false leaves the filter out.
  const std::string camel = with(kAdmission, "sampling_window", "samplingWindow");
  CHECK(std::get<policies::AdmissionControlConfig>(
            load_scenario_text(kBase + camel).mesh.traffic.inbound_http_filters[0].filter)
            .sampling_window == Time::from_s(120));
  const std::string off = with(kAdmission, "default_value: true", "default_value: false");
  CHECK(load_scenario_text(kBase + off).mesh.traffic.inbound_http_filters.empty());
}

TEST_CASE("EnvoyFilter: every patch meshsim does not simulate is named (MSH0315)") {
  struct Case {
    const char* patch;
    const char* says;
  };
  const Case cases[] = {
      {"  - applyTo: CLUSTER\n    patch: {operation: MERGE, value: {connect_timeout: 1s}}\n", "the CLUSTER patch"},
      {"  - applyTo: HTTP_FILTER\n    match: {context: SIDECAR_INBOUND}\n    patch:\n      operation: INSERT_BEFORE\n"
       "      value: {name: envoy.filters.http.lua, typed_config: {\"@type\": "
       "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}}\n",
       "the HTTP filter 'envoy.filters.http.lua'"},
      {"  - applyTo: HTTP_FILTER\n    match: {context: SIDECAR_OUTBOUND}\n    patch:\n      operation: INSERT_BEFORE\n"
       "      value: {name: ac, typed_config: {\"@type\": "
       "type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl}}\n",
       "'ac' in context SIDECAR_OUTBOUND"},
      {"  - applyTo: HTTP_FILTER\n    match: {context: SIDECAR_INBOUND}\n    patch:\n      operation: ADD\n"
       "      value: {name: ac, typed_config: {\"@type\": "
       "type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl}}\n",
       "operation ADD of 'ac'"},
  };
  for (const Case& c : cases) {
    INFO(c.patch);
    const Scenario s = load_scenario_text(
        kBase + "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: x}\nspec:\n  configPatches:\n" +
        c.patch);
    INFO(dump(s.warnings));
    CHECK(s.mesh.traffic.inbound_http_filters.empty());
    const bool named = std::any_of(s.warnings.begin(), s.warnings.end(), [&](const Diagnostic& d) {
      return d.code == "MSH0315" && d.message.find(c.says) != std::string::npos;
    });
    CHECK(named);
  }
  // A required field missing is an error at its place.
  const auto e = errors_of_text(kBase + R"(apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: x}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: SIDECAR_INBOUND}
    patch:
      operation: INSERT_BEFORE
      value:
        name: ac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency
          gradient_controller_config:
            concurrency_limit_params: {concurrency_update_interval: soon}
            min_rtt_calc_params: {request_count: 50}
)");
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0101");
  CHECK(e[0].where.line == 28);

  // Found while fuzzing-by-hand: a scalar workloadSelector selected every workload, and a range
  // without `end` gave an error without a line.
  const std::string scalar = with(kAdmission, "{labels: {app: ledger}}", "7");
  const auto s1 = errors_of_text(kBase + scalar);
  REQUIRE(s1.size() == 1);
  CHECK(s1[0].code == "MSH0101");
  CHECK(s1[0].where.line == 18);
  const std::string open_range = with(kAdmission, "{start: 100, end: 400}", "{start: 100}");
  const auto s2 = errors_of_text(kBase + open_range);
  REQUIRE(s2.size() == 1);
  CHECK(s2[0].code == "MSH0102");
  CHECK(s2[0].where.line == 37);
}

}  // namespace
