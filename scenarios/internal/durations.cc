// Go/Istio-style duration strings; see scenario.h (parse_duration) and durations.h.
//
// The grammar is Go's time.ParseDuration, which Istio's YAML (protobuf Duration in its JSON form
// aside) and Kubernetes users write: [-]{decimal unit}+, units ns us µs ms s m h.  Unlike Go, a
// bare "0" is refused: every duration in a scenario states its unit.  Digits are accumulated as
// integers, so "0.1s" is exactly 100'000'000 ns.
#include "scenarios/internal/durations.h"

#include <cstdint>
#include <limits>

#include "scenarios/scenario.h"

namespace meshsim::scenarios {
namespace {

using simcore::Time;

constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();

// The unit at the start of `s`, its length and its size in ns; 0 if none.
int64_t unit_at(std::string_view s, std::size_t& len) {
  struct Unit {
    std::string_view name;
    int64_t ns;
  };
  // Longest names first so "ms" is not read as "m".
  static constexpr Unit kUnits[] = {
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
      {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  };
  for (const Unit& u : kUnits) {
    if (s.substr(0, u.name.size()) == u.name) {
      len = u.name.size();
      return u.ns;
    }
  }
  return 0;
}

__extension__ typedef unsigned __int128 U128;  // GCC/Clang; exact fraction arithmetic

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Time> parse_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t total = 0;
  while (!s.empty()) {
    // Integer part.
    uint64_t whole = 0;
    std::size_t i = 0;
    bool overflow = false;
    while (i < s.size() && is_digit(s[i])) {
      if (whole > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
    }
    const bool had_whole = i > 0;
    // Fraction: keep at most 18 digits (beyond a nanosecond of an hour they cannot matter).
    uint64_t frac = 0;
    uint64_t scale = 1;
    bool had_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && is_digit(s[i])) {
        if (scale < 1'000'000'000'000'000'000ULL) {
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          scale *= 10;
        }
        had_frac = true;
        ++i;
      }
    }
    if (!had_whole && !had_frac) return std::nullopt;
    std::size_t unit_len = 0;
    const int64_t unit = unit_at(s.substr(i), unit_len);
    if (unit == 0 || overflow) return std::nullopt;
    const auto u = static_cast<uint64_t>(unit);
    if (whole > static_cast<uint64_t>(kMaxNs) / u) return std::nullopt;
    uint64_t ns = whole * u;
    // frac/scale of a unit, rounded half up to the nearest ns; 128-bit because frac * unit can
    // reach 3.6e30.
    const U128 num = static_cast<U128>(frac) * u;
    const auto part = static_cast<uint64_t>((num + scale / 2) / scale);
    if (ns > static_cast<uint64_t>(kMaxNs) - part) return std::nullopt;
    ns += part;
    if (static_cast<uint64_t>(total) > static_cast<uint64_t>(kMaxNs) - ns) return std::nullopt;
    total += static_cast<int64_t>(ns);
    s.remove_prefix(i + unit_len);
  }
  return Time::from_ns(negative ? -total : total);
}

namespace internal {

std::optional<Time> read_duration(const Context& ctx, const YAML::Node& node,
                                  std::string_view field, DurationRule rule) {
  std::optional<Time> t;
  if (node.IsScalar()) t = parse_duration(node.Scalar());
  if (!t) {
    ctx.report(Code::kWrongType, node,
               {std::string(field), "a duration like '250ms'", describe(node)});
    return std::nullopt;
  }
  if (rule == DurationRule::kPositive && *t <= Time::zero()) {
    ctx.report(Code::kOutOfRange, node, {std::string(field), "> 0", node.Scalar()});
    return std::nullopt;
  }
  if (rule == DurationRule::kNonNegative && *t < Time::zero()) {
    ctx.report(Code::kOutOfRange, node, {std::string(field), ">= 0", node.Scalar()});
    return std::nullopt;
  }
  return t;
}

std::string format_duration(Time t) {
  if (t == Time::max()) return "forever";
  const int64_t ns = t.ns();
  if (ns == 0) return "0s";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

}  // namespace internal
}  // namespace meshsim::scenarios
