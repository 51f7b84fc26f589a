// What every scenario fuzz target shares: the loader's contract as a check, and the inputs the
// targets leave alone.  See docs/robustness.md.
//
// The contract checked (scenario.h): a load either returns a Scenario or throws ScenarioError
// whose every error carries a file and a line; no other exception, no crash, no sanitizer
// report, no leak, no hang.  A violation aborts, so libFuzzer records the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/scenario.h"

namespace meshsim::fuzz {

// True if the input could make the loader read files of the machine: an Experiment's
// spec.include and a Timeline's `apply: {file: ...}` take paths, so "include: /" would walk
// the whole file system and "file: /proc/kmsg" would block.  Those keys can only be spelt
// with the letters "clude" / "file" or with a backslash escape in a double-quoted key, so
// inputs holding any of them are skipped (the targets return -1: not added to the corpus).
// Reading files is covered by the unit tests (tests/scenarios/load_from_test.cpp and others).
bool touches_files(std::string_view input);

// Loads `yaml` as load_scenario_text(yaml, name, options) and checks the contract above.
void check_load_text(const std::string& yaml, const std::string& name,
                     const scenarios::LoadOptions& options = {});

// As check_load_text, for load_scenario(paths, options).
void check_load_paths(const std::vector<std::string>& paths, const scenarios::LoadOptions& options);

// The repository root (tests/fuzz/CMakeLists.txt defines MESHSIM_SOURCE_DIR), or the
// environment's MESHSIM_SOURCE_DIR when set (a fuzzer binary moved elsewhere).
std::string source_dir();

inline std::string_view as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace meshsim::fuzz
