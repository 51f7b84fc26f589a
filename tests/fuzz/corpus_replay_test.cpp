// Every input of the committed fuzz corpora (tests/fuzz/corpus/<target>/, seeds and the
// regression inputs of past findings) through its target's entry point, in every build: an
// input that breaks the loader's contract aborts (fuzz_support.cc), which fails the test.
// Source of truth: load_scenario's contract (scenarios/scenario.h), docs/robustness.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

extern "C" int scenario_text_one_input(const uint8_t* data, std::size_t size);
extern "C" int scenario_kind_one_input(const uint8_t* data, std::size_t size);
extern "C" int set_override_one_input(const uint8_t* data, std::size_t size);

namespace {

using OneInput = int (*)(const uint8_t*, std::size_t);

void replay(const std::string& target, OneInput one_input) {
  const std::filesystem::path dir =
      std::filesystem::path(MESHSIM_SOURCE_DIR) / "tests/fuzz/corpus" / target;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(f.string());  // Catch2 prints it when the input aborts
    one_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  SUCCEED(files.size() << " inputs");
}

}  // namespace

TEST_CASE("corpus: scenario_text") { replay("scenario_text", scenario_text_one_input); }
TEST_CASE("corpus: scenario_kind") { replay("scenario_kind", scenario_kind_one_input); }
TEST_CASE("corpus: set_override") { replay("set_override", set_override_one_input); }
