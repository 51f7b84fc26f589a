// Fuzz target: the whole scenario loader (split, YAML parse, every kind's reader, overrides
// none, cross-document validation) on one scenario file given as text.  Seeds: every example
// file and tests/scenarios/bad (tests/fuzz/seed_corpus.py).
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text = meshsim::fuzz::as_text(data, size);
  if (meshsim::fuzz::touches_files(text)) return -1;
  meshsim::fuzz::check_load_text(std::string(text), "fuzz.yaml");
  return 0;
}
