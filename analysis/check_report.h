// Reports of `meshsim check` and `meshsim compare`: plain text for the terminal, JUnit XML for
// CI systems (GitHub Actions' test reporters, GitLab's `artifacts:reports:junit`, Jenkins), and
// Markdown for a pull-request comment.
//
// JUnit layout: one <testsuite> per scenario, one <testcase> per expectation (check) or per
// service and metric (compare); a failed expectation or a regression is a <failure>, a scenario
// that could not be loaded or run is one <testcase name="load"> with an <error>.  Properties
// carry the seeds and the run fingerprint.  Times are wall-clock seconds (the only part of a
// report that differs between two runs of the same inputs).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "analysis/check.h"

namespace meshsim::analysis {

// One scenario of a `check` suite: its result, or why it has none.
struct ScenarioCheck {
  std::string name;   // as suite.h names it
  std::string error;  // non-empty: the scenario could not be loaded or run (then no result)
  CheckResult result;
  double elapsed_s = 0;  // wall-clock time of its replications, summed
};

struct ScenarioCompare {
  std::string name;
  std::string error;
  CompareResult result;
  double elapsed_s = 0;
};

// "99.53%", "812.3 ms", "1.24x", "120.5 rps": how an expectation's metric reads.
std::string format_expectation_value(const models::ExpectationConfig& e, double v);

std::string check_text(const std::vector<ScenarioCheck>& checks, bool strict);
std::string check_junit(const std::vector<ScenarioCheck>& checks, bool strict);
std::string check_markdown(const std::vector<ScenarioCheck>& checks, bool strict);

// `all`: list every metric, not only the significant changes.
std::string compare_text(const std::vector<ScenarioCompare>& compares, bool all);
std::string compare_junit(const std::vector<ScenarioCompare>& compares);
std::string compare_markdown(const std::vector<ScenarioCompare>& compares, bool all);

// XML 1.0 text/attribute escaping: &, <, >, ", ' as entities; control characters other than
// tab, newline and carriage return (which XML 1.0 cannot hold at all) as '?'.
std::string xml_escape(const std::string& s);

}  // namespace meshsim::analysis
