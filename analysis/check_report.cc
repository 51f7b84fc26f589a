// Text, JUnit XML and Markdown reports of check and compare; see check_report.h.
#include "analysis/check_report.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "analysis/fingerprint.h"

namespace meshsim::analysis {
namespace {

using Metric = models::ExpectationConfig::Metric;

std::string bound_text(const models::ExpectationConfig& e) {
  return fmt::format("{} {}", e.bound == models::ExpectationConfig::Bound::kAtLeast ? ">=" : "<=",
                     format_expectation_value(e, e.threshold));
}

std::string interval_text(const ExpectationResult& r) {
  if (std::isnan(r.lower)) return "(no interval)";
  return fmt::format("[{}, {}]", format_expectation_value(r.expectation, r.lower),
                     format_expectation_value(r.expectation, r.upper));
}

std::string seeds_text(const std::vector<uint64_t>& seeds) {
  if (seeds.empty()) return "";
  if (seeds.size() == 1) return fmt::format("{}", seeds.front());
  return fmt::format("{}-{}", seeds.front(), seeds.back());
}

std::string percent_level(double confidence) { return fmt::format("{:g}%", confidence * 100); }

// "1 failed" / "2 failed"
size_t count_failed(const ScenarioCheck& c, bool strict) {
  size_t n = 0;
  for (const auto& e : c.result.expectations) n += e.failed(strict) ? 1 : 0;
  return n;
}

std::string verdict_word(const ExpectationResult& e, bool strict) {
  if (e.verdict == Verdict::kMarginal) return strict ? "FAIL (marginal)" : "marginal";
  if (e.verdict == Verdict::kPass) return "pass";
  if (e.verdict == Verdict::kNoData) return "FAIL (no data)";
  return "FAIL";
}

std::string change_value(const MetricComparison& m, double v) {
  if (std::isnan(v)) return "n/a";
  if (m.unit == "%") return fmt::format("{:.3f}%", v * 100);
  if (m.unit == "s") return fmt::format("{:.2f} ms", v * 1e3);
  if (m.unit == "x") return fmt::format("{:.3f}x", v);
  return fmt::format("{:.3f}", v);
}

// The difference in the metric's own terms: "-0.412 pp", "+12.3%", "+0.150x", "0.71".
std::string difference_text(const MetricComparison& m, double d) {
  if (std::isnan(d)) return "n/a";
  if (m.unit == "%") return fmt::format("{:+.3f} pp", d * 100);
  if (m.unit == "s") return fmt::format("{:+.1f}%", d * 100);
  if (m.unit == "x") return fmt::format("{:+.3f}x", d);
  return fmt::format("{:.3f}", d);
}

std::string threshold_text(const MetricComparison& m) {
  if (m.unit == "%") return fmt::format("-{:g} pp", m.threshold * 100);
  if (m.unit == "s") return fmt::format("+{:g}%", m.threshold * 100);
  if (m.unit == "x") return fmt::format("+{:g}x", m.threshold);
  return fmt::format("{:g}", m.threshold);
}

std::string markdown_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else out += ch;
  }
  return out;
}

bool shown(const MetricComparison& m, bool all) { return all || m.change != Change::kNone; }

// A <testsuite> for a scenario that could not be loaded or run: one <testcase name="load">.
std::string junit_error_suite(const char* command, const std::string& name, double elapsed_s,
                              const std::string& error) {
  return fmt::format(
      "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"{1:.3f}\">\n"
      "    <testcase classname=\"meshsim.{2}.{0}\" name=\"load\" time=\"0\">\n"
      "      <error message=\"the scenario could not be loaded or run\">{3}</error>\n"
      "    </testcase>\n"
      "  </testsuite>\n",
      xml_escape(name), elapsed_s, command, xml_escape(error));
}

// A <testcase> with its outcome: a <failure> of `type`, or the detail as <system-out>.
std::string junit_case(const char* command, const std::string& suite, const std::string& name,
                       bool failed, const char* type, const std::string& detail) {
  std::string out = fmt::format("    <testcase classname=\"meshsim.{}.{}\" name=\"{}\" time=\"0\">\n",
                                command, xml_escape(suite), xml_escape(name));
  if (failed) {
    out += fmt::format("      <failure message=\"{0}\" type=\"{1}\">{0}</failure>\n",
                       xml_escape(detail), type);
  } else {
    out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(detail));
  }
  return out + "    </testcase>\n";
}

std::string junit_document(const char* command, size_t tests, size_t failures, size_t errors,
                           double time, const std::string& body) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"meshsim {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{:.3f}\">\n{}</testsuites>\n",
      command, tests, failures, errors, time, body);
}

}  // namespace

std::string format_expectation_value(const models::ExpectationConfig& e, double v) {
  if (std::isnan(v)) return "n/a";
  switch (e.metric) {
    case Metric::kSuccessRate:
    case Metric::kFlagShare:
      return fmt::format("{:.2f}%", v * 100);
    case Metric::kLatency:
      return v < 1 ? fmt::format("{:.1f} ms", v * 1e3) : fmt::format("{:.3f} s", v);
    case Metric::kRetryAmplification:
    case Metric::kAttemptsPerRoot:
      return fmt::format("{:.3f}x", v);
    case Metric::kThroughput:
      return fmt::format("{:.1f} rps", v);
  }
  return fmt::format("{}", v);
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no other control character, not even as a reference.
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r')
          out += '?';
        else
          out += ch;
    }
  }
  return out;
}

// ---- check ----

std::string check_text(const std::vector<ScenarioCheck>& checks, bool strict) {
  std::string out;
  size_t failed = 0, total = 0, broken = 0, marginal = 0;
  for (const ScenarioCheck& c : checks) {
    if (!c.error.empty()) {
      out += fmt::format("{}: ERROR\n{}\n\n", c.name, c.error);
      ++broken;
      continue;
    }
    const CheckResult& r = c.result;
    out += fmt::format("{} ({} replication(s), seeds {}, {} intervals)\n", c.name, r.seeds.size(),
                       seeds_text(r.seeds), percent_level(r.confidence));
    if (r.expectations.empty()) out += "  (no expectations)\n";
    for (const ExpectationResult& e : r.expectations) {
      ++total;
      failed += e.failed(strict) ? 1 : 0;
      marginal += !e.failed(strict) && e.verdict == Verdict::kMarginal ? 1 : 0;
      out += fmt::format("  {:<16} {}\n  {:<16}   measured {} {}, expected {}  ({})\n",
                         verdict_word(e, strict), e.expectation.name, "",
                         format_expectation_value(e.expectation, e.interval.estimate),
                         interval_text(e), bound_text(e.expectation), e.expectation.where);
      if (e.verdict == Verdict::kNoData) {
        size_t empty = 0;
        for (double v : e.values) empty += std::isnan(v) ? 1 : 0;
        out += fmt::format("  {:<16}   no request matched in {} of {} replication(s): is the "
                           "window inside the run, and does traffic reach the service?\n",
                           "", empty, e.values.size());
      }
    }
    // The combined fingerprint, and the first replication's, which `meshsim run` prints too.
    out += fmt::format("  fingerprint {} (seed {}: {})\n\n", fingerprint_hex(r.fingerprint),
                       r.seeds.empty() ? 0 : r.seeds.front(),
                       r.fingerprints.empty() ? "-" : fingerprint_hex(r.fingerprints.front()));
  }
  out += fmt::format("{} expectation(s): {} passed, {} failed", total, total - failed - marginal,
                     failed);
  if (marginal) out += fmt::format(", {} marginal", marginal);
  if (broken) out += fmt::format("; {} scenario(s) could not be checked", broken);
  out += "\n";
  return out;
}

std::string check_junit(const std::vector<ScenarioCheck>& checks, bool strict) {
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  std::string body;
  for (const ScenarioCheck& c : checks) {
    time += c.elapsed_s;
    if (!c.error.empty()) {
      ++tests;
      ++errors;
      body += junit_error_suite("check", c.name, c.elapsed_s, c.error);
      continue;
    }
    const CheckResult& r = c.result;
    const size_t f = count_failed(c, strict);
    tests += r.expectations.size();
    failures += f;
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n"
        "    <properties>\n"
        "      <property name=\"seeds\" value=\"{}\"/>\n"
        "      <property name=\"confidence\" value=\"{:g}\"/>\n"
        "      <property name=\"fingerprint\" value=\"{}\"/>\n"
        "    </properties>\n",
        xml_escape(c.name), r.expectations.size(), f, c.elapsed_s, seeds_text(r.seeds),
        r.confidence, fingerprint_hex(r.fingerprint));
    for (const ExpectationResult& e : r.expectations) {
      const std::string detail = fmt::format(
          "{}: measured {} {} over {} replication(s), expected {}; {}", to_string(e.verdict),
          format_expectation_value(e.expectation, e.interval.estimate), interval_text(e),
          e.values.size(), bound_text(e.expectation), e.expectation.where);
      body += junit_case("check", c.name, e.expectation.name, e.failed(strict),
                         to_string(e.verdict), detail);
    }
    body += "  </testsuite>\n";
  }
  return junit_document("check", tests, failures, errors, time, body);
}

std::string check_markdown(const std::vector<ScenarioCheck>& checks, bool strict) {
  size_t total = 0, failed = 0, broken = 0;
  std::string rows;
  std::string fingerprints;
  for (const ScenarioCheck& c : checks) {
    if (!c.error.empty()) {
      ++broken;
      rows += fmt::format("| :boom: | `{}` | could not be loaded or run: {} | | | |\n",
                          markdown_escape(c.name),
                          markdown_escape(c.error.substr(0, c.error.find('\n'))));
      continue;
    }
    for (const ExpectationResult& e : c.result.expectations) {
      ++total;
      const bool f = e.failed(strict);
      failed += f ? 1 : 0;
      const char* icon = f ? ":x:" : e.verdict == Verdict::kMarginal ? ":warning:" : ":white_check_mark:";
      rows += fmt::format("| {} | `{}` | {} | {} | {} | {} |\n", icon, markdown_escape(c.name),
                          markdown_escape(e.expectation.name),
                          format_expectation_value(e.expectation, e.interval.estimate),
                          markdown_escape(interval_text(e)),
                          markdown_escape(bound_text(e.expectation)));
    }
    fingerprints += fmt::format("| `{}` | {} | {} | `{}` |\n", markdown_escape(c.name),
                                c.result.seeds.size(), seeds_text(c.result.seeds),
                                fingerprint_hex(c.result.fingerprint));
  }
  std::string out =
      failed == 0 ? fmt::format("### meshsim check: {} all {} expectation(s) passed",
                                broken ? ":x:" : ":white_check_mark:", total)
                  : fmt::format("### meshsim check: :x: {} of {} expectation(s) failed", failed,
                                total);
  if (broken) out += fmt::format(", {} scenario(s) could not be checked", broken);
  out += "\n\n| | scenario | expectation | measured | interval | expected |\n"
         "|---|---|---|---|---|---|\n";
  out += rows;
  out += "\n<details><summary>Replications and fingerprints</summary>\n\n"
         "| scenario | replications | seeds | fingerprint |\n|---|---|---|---|\n";
  out += fingerprints;
  out += "\n</details>\n";
  return out;
}

// ---- compare ----

std::string compare_text(const std::vector<ScenarioCompare>& compares, bool all) {
  std::string out;
  size_t regressions = 0, broken = 0;
  for (const ScenarioCompare& c : compares) {
    if (!c.error.empty()) {
      out += fmt::format("{}: ERROR\n{}\n\n", c.name, c.error);
      ++broken;
      continue;
    }
    const CompareResult& r = c.result;
    out += fmt::format("{} ({} paired replication(s), {} intervals)\n", c.name, r.replications,
                       percent_level(r.confidence));
    if (r.base_fingerprint == r.candidate_fingerprint)
      out += "  identical behaviour (equal fingerprints)\n";
    size_t listed = 0;
    for (const MetricComparison& m : r.metrics) {
      if (m.change == Change::kRegression) ++regressions;
      if (!shown(m, all)) continue;
      ++listed;
      out += fmt::format("  {:<22} {:<12} {:<20} {} -> {}  diff {} [{}, {}]  ({}; fails beyond {})\n",
                         to_string(m.change), m.service, m.metric, change_value(m, m.base),
                         change_value(m, m.candidate), difference_text(m, m.difference),
                         difference_text(m, m.lower), difference_text(m, m.upper), m.method,
                         threshold_text(m));
    }
    if (listed == 0 && r.base_fingerprint != r.candidate_fingerprint)
      out += "  no significant change in any metric\n";
    for (const auto& s : r.only_in_base) out += fmt::format("  service {} has no traffic in the candidate\n", s);
    for (const auto& s : r.only_in_candidate) out += fmt::format("  service {} has traffic only in the candidate\n", s);
    out += fmt::format("  fingerprints: base {}, candidate {}\n\n", fingerprint_hex(r.base_fingerprint),
                       fingerprint_hex(r.candidate_fingerprint));
  }
  out += fmt::format("{} regression(s)", regressions);
  if (broken) out += fmt::format("; {} scenario pair(s) could not be compared", broken);
  out += "\n";
  return out;
}

std::string compare_junit(const std::vector<ScenarioCompare>& compares) {
  size_t tests = 0, failures = 0, errors = 0;
  double time = 0;
  std::string body;
  for (const ScenarioCompare& c : compares) {
    time += c.elapsed_s;
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
        "    </properties>\n",
        xml_escape(c.name), r.metrics.size(), f, c.elapsed_s, fingerprint_hex(r.base_fingerprint),
        fingerprint_hex(r.candidate_fingerprint));
    for (const MetricComparison& m : r.metrics) {
      const std::string detail = fmt::format(
          "{}: {} -> {}, difference {} [{}, {}] ({}); regression beyond {}", to_string(m.change),
          change_value(m, m.base), change_value(m, m.candidate), difference_text(m, m.difference),
          difference_text(m, m.lower), difference_text(m, m.upper), m.method, threshold_text(m));
      body += junit_case("compare", c.name, m.service + " " + m.metric,
                         m.change == Change::kRegression, "regression", detail);
    }
    body += "  </testsuite>\n";
  }
  return junit_document("compare", tests, failures, errors, time, body);
}

std::string compare_markdown(const std::vector<ScenarioCompare>& compares, bool all) {
  size_t regressions = 0, broken = 0;
  std::string rows;
  for (const ScenarioCompare& c : compares) {
    if (!c.error.empty()) {
      ++broken;
      rows += fmt::format("| :boom: | `{}` | could not be compared: {} | | | | |\n",
                          markdown_escape(c.name),
                          markdown_escape(c.error.substr(0, c.error.find('\n'))));
      continue;
    }
    for (const MetricComparison& m : c.result.metrics) {
      if (m.change == Change::kRegression) ++regressions;
      if (!shown(m, all)) continue;
      const char* icon = m.change == Change::kRegression    ? ":x:"
                         : m.change == Change::kWorse       ? ":warning:"
                         : m.change == Change::kImprovement ? ":green_heart:"
                                                            : ":heavy_minus_sign:";
      rows += fmt::format("| {} {} | `{}` | {} {} | {} | {} | {} [{}, {}] | {} |\n", icon,
                          to_string(m.change), markdown_escape(c.name), markdown_escape(m.service),
                          m.metric, change_value(m, m.base), change_value(m, m.candidate),
                          difference_text(m, m.difference), difference_text(m, m.lower),
                          difference_text(m, m.upper), threshold_text(m));
    }
  }
  std::string out = fmt::format("### meshsim compare: {} {} regression(s)",
                                regressions || broken ? ":x:" : ":white_check_mark:", regressions);
  if (broken) out += fmt::format(", {} scenario pair(s) could not be compared", broken);
  out += "\n\n";
  if (rows.empty()) {
    out += "No significant change.\n";
  } else {
    out += "| change | scenario | metric | base | candidate | difference [interval] | fails beyond |\n"
           "|---|---|---|---|---|---|---|\n" + rows;
  }
  return out;
}

}  // namespace meshsim::analysis
