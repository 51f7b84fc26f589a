// Helpers shared by the scenario tests: paths into the source tree and diagnostics lookup.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scenarios/scenario.h"

namespace meshsim::scenarios::testing {

// The repository root (tests/CMakeLists.txt defines MESHSIM_SOURCE_DIR), so the tests run from
// any directory and with any build directory.
inline std::filesystem::path repo_root() { return std::filesystem::path(MESHSIM_SOURCE_DIR); }
inline std::string examples(const std::string& rel) {
  return (repo_root() / "scenarios/examples" / rel).generic_string();
}
inline std::string bad(const std::string& rel) {
  return (repo_root() / "tests/scenarios/bad" / rel).generic_string();
}

// The errors a load throws (none if it succeeds).
inline std::vector<Diagnostic> errors_of(const std::vector<std::string>& paths,
                                         const LoadOptions& options = {}) {
  try {
    load_scenario(paths, options);
  } catch (const ScenarioError& e) {
    return e.diagnostics;
  }
  return {};
}
inline std::vector<Diagnostic> errors_of_text(const std::string& yaml,
                                              const LoadOptions& options = {}) {
  try {
    load_scenario_text(yaml, "<string>", options);
  } catch (const ScenarioError& e) {
    return e.diagnostics;
  }
  return {};
}

inline bool has_code(const std::vector<Diagnostic>& ds, const std::string& code) {
  return std::any_of(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.code == code; });
}

inline std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const Diagnostic& d : ds) s += d.to_string() + "\n";
  return s;
}

// Loading `yaml` fails with exactly one error, of `code`, at `line` (0: any line).
inline void expect_one_error(const std::string& yaml, const std::string& code, int line = 0) {
  const std::vector<Diagnostic> e = errors_of_text(yaml);
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == code);
  if (line > 0) CHECK(e[0].where.line == line);
}

}  // namespace meshsim::scenarios::testing
