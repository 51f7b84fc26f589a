// What `meshsim check` and `meshsim compare` share (check_commands.cpp, compare_command.cpp):
// the run options, loading a scenario of a suite, running every replication, and writing the
// reports.  Not a public header.
#pragma once

#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "analysis/check.h"
#include "cli/commands.h"
#include "scenarios/scenario.h"
#include "scenarios/suite.h"
#include "simcore/time.h"

namespace meshsim::cli {

// Exit codes of check and compare (docs/ci.md).
inline constexpr int kOk = 0, kFailed = 1, kUsage = kUsageExit, kRunFailed = 3;

// Options both commands take.
struct RunSettings {
  std::vector<std::string> overrides;
  std::string replications_text, duration_text, jobs_text;
  std::optional<uint32_t> replications;
  std::optional<simcore::Time> duration;
  size_t jobs = 0;  // 0: one per hardware thread
  std::string junit_path, markdown_path;
  bool quiet = false;
};

void add_run_options(po::options_description& d, RunSettings& s);

// Checks the numeric options and the report paths; false after printing why.
bool finish_run_options(RunSettings& s);

// Writes a report atomically (a temporary file renamed into place), so that a failure never
// leaves half a report where CI would read it.  False after printing why.
bool write_report(const std::string& path, const std::string& text);

// Prints the text report (only its last line, the totals, with --quiet) and the errors of
// scenarios that could not be run (to stderr, where a terminal user looks for them), then writes
// the reports asked for.  False if a report could not be written.
template <typename Item>
bool report(const RunSettings& s, const std::string& text, const std::vector<Item>& items,
            const std::function<std::string()>& junit,
            const std::function<std::string()>& markdown) {
  std::cout << (s.quiet ? text.substr(text.rfind('\n', text.size() - 2) + 1) : text);
  for (const Item& item : items) {
    if (!item.error.empty()) std::cerr << item.name << ":\n" << item.error << "\n";
  }
  if (!s.junit_path.empty() && !write_report(s.junit_path, junit())) return false;
  if (!s.markdown_path.empty() && !write_report(s.markdown_path, markdown())) return false;
  return true;
}

// Runs every job; false after printing why they could not all finish (Ctrl-C, or a bug or
// resource exhaustion: scenario errors are caught when loading).  Nothing is written then.
bool run_jobs(const std::vector<analysis::RunJob>& jobs, const RunSettings& s,
              std::vector<analysis::Replication>& out);

// A scenario loaded for check/compare, or the error text of why not.
struct Loaded {
  std::string name;
  std::optional<scenarios::Scenario> scenario;
  std::string error;
};

// Loads a scenario with `overrides` and applies --replications and --duration.
Loaded load_one(const scenarios::SuiteEntry& entry, const std::vector<std::string>& overrides,
                const RunSettings& s);

}  // namespace meshsim::cli
