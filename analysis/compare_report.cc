// Text, JUnit XML and Markdown reports of compare; see check_report.h.
//
// Every report reads a row the same way: base -> candidate, the difference candidate - base in
// the metric's unit with its interval, the relative difference (difference / base), the raw
// and the adjusted p-value, and the change decided on the adjusted one.  Each scenario states
// the multiple-testing method, what it controls and at which level, and whether the candidate
// ran on common random numbers or on independent streams.
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "analysis/check_report.h"
#include "analysis/fingerprint.h"
#include "analysis/report_format.h"

namespace meshsim::analysis {
namespace {

// A level of the metric: "99.530%", "12.41 ms", "1.240x", "0.512", "5000".
std::string value_text(const MetricComparison& m, double v) {
  if (std::isnan(v)) return "n/a";
  if (m.unit == "%") return fmt::format("{:.3f}%", v * 100);
  if (m.unit == "s") return fmt::format("{:.3f} ms", v * 1e3);
  if (m.unit == "x") return fmt::format("{:.3f}x", v);
  return fmt::format("{:.3f}", v);
}

// A difference in the metric's unit: "-0.412 pp", "+1.204 ms", "+0.150x", "+0.012".
std::string difference_text(const MetricComparison& m, double d) {
  if (std::isnan(d)) return "n/a";
  if (m.unit == "%") return fmt::format("{:+.3f} pp", d * 100);
  if (m.unit == "s") return fmt::format("{:+.3f} ms", d * 1e3);
  if (m.unit == "x") return fmt::format("{:+.3f}x", d);
  return fmt::format("{:+.3f}", d);
}

std::string interval_text(const MetricComparison& m) {
  if (std::isnan(m.lower)) return "(no interval)";
  return fmt::format("[{}, {}]", difference_text(m, m.lower), difference_text(m, m.upper));
}

// difference / base: "+12.3%", "+inf%", "n/a".
std::string relative_text(double r) {
  if (std::isnan(r)) return "n/a";
  if (std::isinf(r)) return r > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.2f}%", r * 100);
}

std::string p_text(double p) { return std::isnan(p) ? "n/a" : fmt::format("{:.2g}", p); }

// "p 0.0012, Holm 0.031", or "no test".
std::string p_values_text(const MetricComparison& m, MultipleTesting method) {
  if (std::isnan(m.p_value)) return "no test";
  return fmt::format("p {}, {} {}", p_text(m.p_value),
                     method == MultipleTesting::kHolm ? "Holm" : "BH", p_text(m.adjusted_p_value));
}

std::string threshold_text(const MetricComparison& m) {
  if (m.metric == "requests") return "never (no regression)";
  if (m.unit == "%") return fmt::format("-{:g} pp", m.threshold * 100);
  if (m.unit == "s") return fmt::format("+{:g}%", m.threshold * 100);
  if (m.unit == "x") return fmt::format("+{:g}x", m.threshold);
  return fmt::format("P > {:g}", m.threshold);
}

// "Holm-adjusted p <= 5% (family-wise error rate) over 28 tests; common random numbers"
std::string decision_text(const CompareResult& r) {
  return fmt::format("significant: {}-adjusted p <= {} ({}) over {} test(s); {}",
                     to_string(r.multiple_testing), percent_level(r.alpha),
                     controlled_rate(r.multiple_testing), r.tests,
                     r.independent_streams ? "independent random streams"
                                           : "common random numbers");
}

bool shown(const MetricComparison& m, bool all) { return all || m.change != Change::kNone; }

const char* pairing_text(Pairing p) {
  return p == Pairing::kNew ? "new in the candidate; not compared (meshsim check judges it)"
                            : "removed in the candidate; not compared";
}

// How many scenarios were compared, and how many were only on one side.
struct Census {
  size_t paired = 0, added = 0, removed = 0;
  explicit Census(const std::vector<ScenarioCompare>& compares) {
    for (const ScenarioCompare& c : compares) {
      if (c.pairing == Pairing::kNew) ++added;
      else if (c.pairing == Pairing::kRemoved) ++removed;
      else ++paired;
    }
  }
  // No scenario in the base at all: a pull request that adds the first ones.
  bool no_base() const { return paired == 0 && removed == 0; }
  // ", 1 new scenario(s) not compared, 1 removed"; "" when every scenario was paired.
  std::string unpaired_text() const {
    std::string out;
    if (added) out += fmt::format(", {} new scenario(s) not compared", added);
    if (removed) out += fmt::format(", {} removed", removed);
    return out;
  }
};

}  // namespace

std::string compare_text(const std::vector<ScenarioCompare>& compares, bool all) {
  std::string out;
  size_t regressions = 0, broken = 0;
  for (const ScenarioCompare& c : compares) {
    if (c.pairing != Pairing::kPaired) {
      out += fmt::format("{}: {}\n\n", c.name, pairing_text(c.pairing));
      continue;
    }
    if (!c.error.empty()) {
      out += fmt::format("{}: ERROR\n{}\n\n", c.name, c.error);
      ++broken;
      continue;
    }
    const CompareResult& r = c.result;
    out += fmt::format("{} ({} paired replication(s), {} intervals; {})\n", c.name,
                       r.replications, percent_level(r.confidence), decision_text(r));
    if (r.base_fingerprint == r.candidate_fingerprint)
      out += "  identical behaviour (equal fingerprints)\n";
    size_t listed = 0;
    for (const MetricComparison& m : r.metrics) {
      if (m.change == Change::kRegression) ++regressions;
      if (!shown(m, all)) continue;
      ++listed;
      out += fmt::format(
          "  {:<22} {:<12} {:<20} {} -> {}  diff {} ({}) {}  {}  ({}; fails beyond {})\n",
          to_string(m.change), m.service, m.metric, value_text(m, m.base),
          value_text(m, m.candidate), difference_text(m, m.difference), relative_text(m.relative),
          interval_text(m), p_values_text(m, r.multiple_testing), m.method, threshold_text(m));
    }
    if (listed == 0 && r.base_fingerprint != r.candidate_fingerprint)
      out += "  no significant change in any metric\n";
    for (const auto& s : r.only_in_base) out += fmt::format("  service {} has no traffic in the candidate\n", s);
    for (const auto& s : r.only_in_candidate) out += fmt::format("  service {} has traffic only in the candidate\n", s);
    out += fmt::format("  fingerprints: base {}, candidate {}\n\n", fingerprint_hex(r.base_fingerprint),
                       fingerprint_hex(r.candidate_fingerprint));
  }
  const Census census(compares);
  if (census.no_base()) {
    out += fmt::format("no base: {} new scenario(s), nothing compared\n", census.added);
    return out;
  }
  out += fmt::format("{} regression(s)", regressions);
  if (broken) out += fmt::format("; {} scenario pair(s) could not be compared", broken);
  if (census.added) out += fmt::format("; {} new scenario(s) not compared", census.added);
  if (census.removed) out += fmt::format("; {} removed", census.removed);
  out += "\n";
  return out;
}

std::string compare_junit(const std::vector<ScenarioCompare>& compares) {
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  std::string body;
  for (const ScenarioCompare& c : compares) {
    time += c.elapsed_s;
    if (c.pairing != Pairing::kPaired) {
      ++tests;
      body += fmt::format(
          "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" "
          "time=\"0.000\">\n"
          "    <testcase classname=\"meshsim.compare.{0}\" name=\"pair\" time=\"0\">\n"
          "      <skipped message=\"{1}\"/>\n"
          "    </testcase>\n"
          "  </testsuite>\n",
          xml_escape(c.name), pairing_text(c.pairing));
      continue;
    }
    if (!c.error.empty()) {
      ++tests;
      ++errors;
      body += junit_error_suite("compare", c.name, c.elapsed_s, c.error);
      continue;
    }
    const CompareResult& r = c.result;
    size_t f = 0;
    for (const auto& m : r.metrics) f += m.change == Change::kRegression ? 1 : 0;
    tests += r.metrics.size();
    failures += f;
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n"
        "    <properties>\n"
        "      <property name=\"base_fingerprint\" value=\"{}\"/>\n"
        "      <property name=\"candidate_fingerprint\" value=\"{}\"/>\n"
        "      <property name=\"multiple_testing\" value=\"{}\"/>\n"
        "      <property name=\"controls\" value=\"{}\"/>\n"
        "      <property name=\"alpha\" value=\"{:g}\"/>\n"
        "      <property name=\"tests\" value=\"{}\"/>\n"
        "      <property name=\"random_streams\" value=\"{}\"/>\n"
        "    </properties>\n",
        xml_escape(c.name), r.metrics.size(), f, c.elapsed_s, fingerprint_hex(r.base_fingerprint),
        fingerprint_hex(r.candidate_fingerprint), to_string(r.multiple_testing),
        controlled_rate(r.multiple_testing), r.alpha, r.tests,
        r.independent_streams ? "independent" : "common");
    for (const MetricComparison& m : r.metrics) {
      const std::string detail = fmt::format(
          "{}: {} -> {}, difference {} ({}) {} at {}; {} ({}); regression beyond {}",
          to_string(m.change), value_text(m, m.base), value_text(m, m.candidate),
          difference_text(m, m.difference), relative_text(m.relative), interval_text(m),
          percent_level(r.confidence), p_values_text(m, r.multiple_testing), m.method,
          threshold_text(m));
      body += junit_case("compare", c.name, m.service + " " + m.metric,
                         m.change == Change::kRegression, "regression", detail);
    }
    body += "  </testsuite>\n";
  }
  return junit_document("compare", tests, failures, errors, time, body);
}

std::string compare_markdown(const std::vector<ScenarioCompare>& compares, bool all) {
  size_t regressions = 0, broken = 0;
  std::string rows, decisions, unpaired;
  for (const ScenarioCompare& c : compares) {
    if (c.pairing != Pairing::kPaired) {
      unpaired += fmt::format("- `{}`: {}\n", markdown_escape(c.name), pairing_text(c.pairing));
      continue;
    }
    if (!c.error.empty()) {
      ++broken;
      rows += fmt::format("| :boom: | `{}` | could not be compared: {} | | | | | | |\n",
                          markdown_escape(c.name),
                          markdown_escape(c.error.substr(0, c.error.find('\n'))));
      continue;
    }
    decisions += fmt::format("- `{}`: {}{} paired replication(s), {} intervals; {}\n",
                             markdown_escape(c.name),
                             c.result.base_fingerprint == c.result.candidate_fingerprint
                                 ? "identical behaviour (equal fingerprints); "
                                 : "",
                             c.result.replications,
                             percent_level(c.result.confidence), decision_text(c.result));
    for (const MetricComparison& m : c.result.metrics) {
      if (m.change == Change::kRegression) ++regressions;
      if (!shown(m, all)) continue;
      const char* icon = m.change == Change::kRegression    ? ":x:"
                         : m.change == Change::kWorse       ? ":warning:"
                         : m.change == Change::kImprovement ? ":green_heart:"
                                                            : ":heavy_minus_sign:";
      rows += fmt::format("| {} {} | `{}` | {} {} | {} | {} | {} {} | {} | {} | {} |\n", icon,
                          to_string(m.change), markdown_escape(c.name), markdown_escape(m.service),
                          m.metric, value_text(m, m.base), value_text(m, m.candidate),
                          difference_text(m, m.difference), interval_text(m),
                          relative_text(m.relative), p_text(m.adjusted_p_value),
                          threshold_text(m));
    }
  }
  const Census census(compares);
  if (census.no_base()) {
    return fmt::format(
        "### meshsim compare: :new: no base: {} new scenario(s), checked only\n\n"
        "The base has no scenario to compare with (a pull request that adds the first ones): "
        "their expectations are judged by `meshsim check`, nothing is compared.\n\n{}\n",
        census.added, unpaired);
  }
  std::string out = fmt::format("### meshsim compare: {} {} regression(s)",
                                regressions || broken ? ":x:" : ":white_check_mark:", regressions);
  if (broken) out += fmt::format(", {} scenario pair(s) could not be compared", broken);
  out += census.unpaired_text() + "\n\n";
  if (rows.empty()) {
    out += "No significant change.\n";
  } else {
    out += "| change | scenario | metric | base | candidate | difference (candidate - base) "
           "[interval] | relative | adjusted p | fails beyond |\n"
           "|---|---|---|---|---|---|---|---|---|\n" + rows;
  }
  if (!decisions.empty()) out += "\n" + decisions;
  if (!unpaired.empty()) out += "\nNot compared:\n\n" + unpaired;
  return out + "\n";  // ends with a blank line, so that reports compose (check_report.h)
}

}  // namespace meshsim::analysis
