// parse_duration: Go's time.ParseDuration grammar (the form Istio and Kubernetes users write),
// exact to the nanosecond, minus Go's bare "0".  Source of truth: Go's documentation of
// ParseDuration ("a possibly signed sequence of decimal numbers, each with optional fraction and
// a unit suffix ... Valid time units are ns, us (or µs), ms, s, m, h").
#include <optional>
#include <string>

#include "tests/scenarios/test_support.h"

namespace {

using meshsim::scenarios::parse_duration;
using meshsim::simcore::Time;

struct Case {
  const char* text;
  std::optional<int64_t> ns;
};

TEST_CASE("parse_duration: Go/Istio duration strings, exact in integer nanoseconds") {
  const Case cases[] = {
      {"500ms", 500'000'000},
      {"1.5s", 1'500'000'000},
      {"0.5s", 500'000'000},  // VirtualService style
      {"2m", 120'000'000'000},
      {"1h", 3'600'000'000'000},
      {"250us", 250'000},
      {"250µs", 250'000},  // U+00B5
      {"250μs", 250'000},  // U+03BC
      {"100ns", 100},
      {"1h30m", 5'400'000'000'000},
      {"1m0.5s", 60'500'000'000},
      {"0s", 0},
      {".5s", 500'000'000},
      {"1.s", 1'000'000'000},
      {"0.1s", 100'000'000},  // no binary floating-point error
      {"0.000000001s", 1},
      {"1.0000000004s", 1'000'000'000},  // rounds to the nearest ns
      {"-1.5s", -1'500'000'000},
      {"+2ms", 2'000'000},
      {"2562047h", 2562047LL * 3'600'000'000'000},  // near the top of int64 ns
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const auto t = parse_duration(c.text);
    REQUIRE(t.has_value());
    CHECK(t->ns() == *c.ns);
  }
}

TEST_CASE("parse_duration: refuses bare numbers, unknown units, blanks and overflow") {
  for (const char* text : {"",    "0",    "10",    "1.5",      "s",
                           "ms",  ".s",   "fast",  "1x",       "1d",
                           "1 s", " 1s",  "1s ",   "1s2",      "1S",
                           "1Ms", "--1s", "1e3ms", "3000000h", "99999999999999999999ns"}) {
    INFO(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}

}  // namespace
