// Pieces the check and compare reports share (check_report.cc, compare_report.cc): not a public
// header; check_report.h is.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

namespace meshsim::analysis {

// "95%" for 0.95.
std::string percent_level(double confidence);
// '|' escaped, for a Markdown table cell.
std::string markdown_escape(const std::string& s);
// A <testcase>'s classname: "meshsim.<command>.<scenario>", the scenario's path without its
// .yaml/.yml extension (JUnit viewers read the dots of a classname as packages), XML-escaped.
std::string junit_classname(const char* command, const std::string& scenario);
// A <testsuite> for a scenario that could not be loaded or run: one <testcase name="load">.
std::string junit_error_suite(const char* command, const std::string& name, double elapsed_s,
                              const std::string& error);
// A <testcase> with its outcome: a <failure> of `type`, or the detail as <system-out>.
std::string junit_case(const char* command, const std::string& suite, const std::string& name,
                       bool failed, const char* type, const std::string& detail);
// The <testsuites> document around `body`.
std::string junit_document(const char* command, size_t tests, size_t failures, size_t errors,
                           double time, const std::string& body);

}  // namespace meshsim::analysis
