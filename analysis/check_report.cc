// Text, JUnit XML and Markdown reports of check (compare_report.cc: of compare), and the
// pieces both share (report_format.h); see check_report.h.
#include "analysis/check_report.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "analysis/fingerprint.h"
#include "analysis/report_format.h"

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

}  // namespace

std::string percent_level(double confidence) { return fmt::format("{:g}%", confidence * 100); }

std::string markdown_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += "\\|";
    else out += ch;
  }
  return out;
}

std::string junit_classname(const char* command, const std::string& scenario) {
  std::string_view stem = scenario;
  for (const std::string_view ext : {".yaml", ".yml"}) {
    if (stem.size() > ext.size() && stem.ends_with(ext)) stem.remove_suffix(ext.size());
  }
  return fmt::format("meshsim.{}.{}", command, xml_escape(std::string(stem)));
}

std::string junit_error_suite(const char* command, const std::string& name, double elapsed_s,
                              const std::string& error) {
  return fmt::format(
      "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" time=\"{1:.3f}\">\n"
      "    <testcase classname=\"{2}\" name=\"load\" time=\"0\">\n"
      "      <error message=\"the scenario could not be loaded or run\">{3}</error>\n"
      "    </testcase>\n"
      "  </testsuite>\n",
      xml_escape(name), elapsed_s, junit_classname(command, name), xml_escape(error));
}

std::string junit_case(const char* command, const std::string& suite, const std::string& name,
                       bool failed, const char* type, const std::string& detail) {
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n",
                                junit_classname(command, suite), xml_escape(name));
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

std::string format_expectation_value(const models::ExpectationConfig& e, double v) {
  if (std::isnan(v)) return "n/a";
  switch (e.metric) {
    case Metric::kSuccessRate:
    case Metric::kFlagShare:
      return fmt::format("{:.2f}%", v * 100);
    case Metric::kLatency:
      return fmt::format("{:.1f} ms", v * 1e3);  // one unit for latency everywhere (issue #15)
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
  out += "\n</details>\n\n";  // the blank line closes the HTML block (see check_report.h)
  return out;
}

}  // namespace meshsim::analysis
