// Reports of `meshsim check` and `meshsim compare`: plain text for the terminal, JUnit XML for
// CI systems (GitHub Actions' test reporters, GitLab's `artifacts:reports:junit`, Jenkins), and
// Markdown for a pull-request comment.  Each Markdown report starts with its heading and ends
// with a blank line, so reports concatenated into one comment render as written (GitHub's HTML
// block after </details> runs until a blank line and would swallow the next heading).
//
// JUnit layout: one <testsuite> per scenario, one <testcase> per expectation (check) or per
// service and metric (compare); a failed expectation or a regression is a <failure>, a scenario
// that could not be loaded or run is one <testcase name="load"> with an <error>, a scenario
// compare could not pair is one <testcase name="pair"> <skipped>.  Properties
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

// Whether a scenario of a compared suite had a counterpart on the other side (suites pair their
// scenarios by path).  One without is listed as not compared, never silently left out.
enum class Pairing {
  kPaired,
  kRemoved,  // only in the base
  kNew,      // only in the candidate (a pull request adds it; `meshsim check` judges it)
};

struct ScenarioCompare {
  std::string name;
  std::string error;
  Pairing pairing = Pairing::kPaired;  // not kPaired: no error, no result
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
