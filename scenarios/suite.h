// Suites: which scenarios `meshsim check` and `meshsim compare` run for the paths they are given.
//
// A path names one scenario or a suite of them:
//   * a file is one scenario;
//   * a directory in which exactly one *.yaml / *.yml file holds an Experiment, and that file is
//     its own (not in a subdirectory), is one scenario, read whole, as `meshsim run DIR` reads it;
//   * any other directory is a suite: each of its own files that holds an Experiment is a
//     scenario (a file alone; it includes what it needs), and each subdirectory is looked at by
//     these same rules.  Files without an Experiment are left alone there (they are manifests
//     that scenarios include).
// Scenarios are listed in path order, so a suite always runs and reports in the same order.
// A file that cannot be read or parsed counts as a scenario, so that loading it reports the
// error.
// Thread safety: no shared state.
#pragma once

#include <string>
#include <vector>

namespace meshsim::scenarios {

struct SuiteEntry {
  std::string name;  // the path as given, or below the given directory ("suite/retry-storm")
  std::string path;  // what load_scenario() should read
  // The file that holds the scenario's Experiment (`path` itself for a file): compare pairs
  // the scenarios of two suites by its path below the directory given.
  std::string experiment_file;
};

// Throws std::runtime_error if a path does not exist.
std::vector<SuiteEntry> discover_scenarios(const std::vector<std::string>& paths);

}  // namespace meshsim::scenarios
