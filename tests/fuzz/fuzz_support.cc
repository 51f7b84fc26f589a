// The loader's contract as a check for the fuzz targets (fuzz_support.h).
#include "tests/fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace meshsim::fuzz {
namespace {

[[noreturn]] void violated(const std::string& what) {
  std::fprintf(stderr, "meshsim fuzz: loader contract violated: %s\n", what.c_str());
  std::abort();
}

// Every error of a failed load must say where: a file and a line (the column may be unknown).
void check_errors(const scenarios::ScenarioError& e) {
  if (e.diagnostics.empty()) violated("ScenarioError without diagnostics");
  for (const scenarios::Diagnostic& d : e.diagnostics) {
    if (d.where.file.empty() || d.where.line < 1)
      violated("error without file:line: " + d.to_string());
    if (d.message.empty()) violated("error without a message: " + d.to_string());
  }
}

template <typename Load>
void check(Load&& load) {
  try {
    load();
  } catch (const scenarios::ScenarioError& e) {
    check_errors(e);
  } catch (const std::exception& e) {
    violated(std::string("unexpected exception: ") + e.what());
  } catch (...) {
    violated("unexpected exception of unknown type");
  }
}

}  // namespace

bool touches_files(std::string_view input) {
  return input.find("clude") != std::string_view::npos ||
         input.find("file") != std::string_view::npos ||
         input.find('\\') != std::string_view::npos;
}

void check_load_text(const std::string& yaml, const std::string& name,
                     const scenarios::LoadOptions& options) {
  check([&] { (void)scenarios::load_scenario_text(yaml, name, options); });
}

void check_load_paths(const std::vector<std::string>& paths,
                      const scenarios::LoadOptions& options) {
  check([&] { (void)scenarios::load_scenario(paths, options); });
}

std::string source_dir() {
  const char* env = std::getenv("MESHSIM_SOURCE_DIR");
  return env && *env ? env : MESHSIM_SOURCE_DIR;
}

}  // namespace meshsim::fuzz
