// Call cycles: services whose handlers call each other in a circle recurse without end, so each
// elementary cycle is an error (once, named in call order, at the call that closes it) unless
// Experiment spec.maxCallDepth bounds the depth.  Source of truth: the call graphs written here.
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;

// Services a..e; `calls` is YAML for each workload's steps, e.g. {"a", "[{call: {service: b}}]"}.
std::string graph(const std::vector<std::pair<std::string, std::string>>& calls,
                  const std::string& experiment = "") {
  std::string y =
      "apiVersion: meshsim.dev/v1alpha1\nkind: Topology\nmetadata: {name: g}\nspec:\n  services:\n";
  for (const char* s : {"a", "b", "c", "d", "e"}) y += std::string("  - {name: ") + s + "}\n";
  y += "  workloads:\n";
  for (const auto& [svc, steps] : calls) {
    y += "  - {name: " + svc + "-v1, service: " + svc + ", handlers: [{steps: " + steps + "}]}\n";
  }
  if (!experiment.empty()) {
    y += "---\napiVersion: meshsim.dev/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec: " +
         experiment + "\n";
  }
  return y;
}

std::vector<std::string> cycle_messages(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) {
    if (d.code == "MSH0207") out.push_back(d.message.substr(0, d.message.find(';')));
  }
  return out;
}

TEST_CASE("call graph without cycles (a DAG with a diamond) loads") {
  const auto e = errors_of_text(graph({{"a", "[{call: {service: b}}, {call: {service: c}}]"},
                                       {"b", "[{call: {service: d}}]"},
                                       {"c", "[{parallel: [{call: {service: d}}]}]"},
                                       {"d", "[]"},
                                       {"e", "[]"}}));
  INFO(dump(e));
  CHECK(e.empty());
}

TEST_CASE("a three-service cycle is reported once, in call order, at the call that closes it") {
  const std::string y = graph({{"a", "[{call: {service: b}}]"},
                               {"b", "[{call: {service: c}}]"},
                               {"c", "[{compute: 1ms}, {call: {service: a}}]"},
                               {"d", "[]"},
                               {"e", "[]"}});
  const auto e = errors_of_text(y);
  INFO(dump(e));
  REQUIRE(cycle_messages(e) == std::vector<std::string>{"call cycle a -> b -> c -> a"});
  // The closing call is c's call to a: c-v1 is on line 14; the call's mapping {service: a}.
  const std::string line =
      "  - {name: c-v1, service: c, handlers: [{steps: [{compute: 1ms}, {call: {service: a}}]}]}";
  CHECK(e[0].where.line == 14);
  CHECK(e[0].where.column == static_cast<int>(line.find("{service: a}")) + 1);
}

TEST_CASE("a service calling itself is a cycle - two cycles sharing a service are two errors") {
  auto e = errors_of_text(
      graph({{"a", "[{call: {service: a}}]"}, {"b", "[]"}, {"c", "[]"}, {"d", "[]"}, {"e", "[]"}}));
  CHECK(cycle_messages(e) == std::vector<std::string>{"call cycle a -> a"});
  e = errors_of_text(
      graph({{"a", "[{call: {service: b}}, {call: {service: c}}]"},
             {"b", "[{call: {service: a}}]"},
             {"c", "[{call: {service: a}}, {call: {service: a}}]"},  // two calls, one edge
             {"d", "[]"},
             {"e", "[]"}}));
  CHECK(cycle_messages(e) ==
        std::vector<std::string>{"call cycle a -> b -> a", "call cycle a -> c -> a"});
}

TEST_CASE("Experiment spec.maxCallDepth allows cycles (the run bounds the recursion)") {
  const auto e = errors_of_text(graph({{"a", "[{call: {service: b, probability: 0.5}}]"},
                                       {"b", "[{call: {service: a}}]"},
                                       {"c", "[]"},
                                       {"d", "[]"},
                                       {"e", "[]"}},
                                      "{maxCallDepth: 8}"));
  INFO(dump(e));
  CHECK(e.empty());
  const Scenario s = load_scenario_text(
      graph({{"a", "[{call: {service: a}}]"}, {"b", "[]"}, {"c", "[]"}, {"d", "[]"}, {"e", "[]"}},
            "{maxCallDepth: 3}"));
  CHECK(s.mesh.experiment.max_call_depth == 3);
}

}  // namespace
