// Fuzz target: `--set KIND[/NAME].path=VALUE` overrides applied to an example scenario as
// `meshsim run scenarios/examples/retry-storm --set ...` would (every kind, Istio manifests
// included, and a Timeline).  Input: one override per line, at most kMaxOverrides.
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr std::size_t kMaxOverrides = 8;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text = meshsim::fuzz::as_text(data, size);
  if (meshsim::fuzz::touches_files(text)) return -1;
  meshsim::scenarios::LoadOptions options;
  std::size_t start = 0;
  while (start <= text.size() && options.overrides.size() < kMaxOverrides) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    options.overrides.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  static const std::string example = meshsim::fuzz::source_dir() + "/scenarios/examples/retry-storm";
  meshsim::fuzz::check_load_paths({example}, options);
  return 0;
}
