// Chaos selection modes; see selection.h.
#include "models/chaos/selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace meshsim::models {
namespace {

using Pick = PodSelector::Pick;

// `n` of [0, matching) uniformly at random, ascending.
std::vector<uint32_t> random_subset(uint32_t matching, uint32_t n, simcore::Stream& rng) {
  std::vector<uint32_t> all(matching);
  std::iota(all.begin(), all.end(), 0u);
  n = std::min(n, matching);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t j = i + static_cast<uint32_t>(rng.below(matching - i));
    std::swap(all[i], all[j]);
  }
  all.resize(n);
  std::sort(all.begin(), all.end());
  return all;
}

// Chaos Mesh: ceil(matching x percent / 100) (mode.go, math.Ceil since chaos-mesh#3036, 2.2), in
// integers: exact, as float64 is on these small integers.
uint32_t ceil_percent_of(uint32_t matching, uint32_t percent) {
  return static_cast<uint32_t>((uint64_t{matching} * percent + 99) / 100);
}

// litmus-go: floor(matching x percent / 100) (pkg/math Adjustment, int arithmetic).
uint32_t floor_percent_of(uint32_t matching, uint32_t percent) {
  return static_cast<uint32_t>(uint64_t{matching} * percent / 100);
}

}  // namespace

std::vector<uint32_t> pick_pods(const PodSelector& sel, uint32_t matching, simcore::Stream& rng) {
  switch (sel.pick) {
    case Pick::kFirst: {
      uint32_t n = matching;
      if (sel.count > 0)
        n = std::min(n, sel.count);
      else if (sel.percent > 0)
        n = std::min(n, static_cast<uint32_t>(std::ceil(matching * sel.percent / 100.0)));
      std::vector<uint32_t> out(n);
      std::iota(out.begin(), out.end(), 0u);
      return out;
    }
    case Pick::kAll: {
      std::vector<uint32_t> out(matching);
      std::iota(out.begin(), out.end(), 0u);
      return out;
    }
    case Pick::kOne:
      return matching == 0 ? std::vector<uint32_t>{} : random_subset(matching, 1, rng);
    case Pick::kFixed:
      return random_subset(matching, sel.value, rng);
    case Pick::kFixedPercent:
      return random_subset(matching, ceil_percent_of(matching, sel.value), rng);
    case Pick::kLitmusPercent: {
      if (matching == 0) return {};
      const uint32_t n = std::max(1u, floor_percent_of(matching, std::min(sel.value, 100u)));
      const auto start = static_cast<uint32_t>(rng.below(matching));
      std::vector<uint32_t> out;
      for (uint32_t i = 0; i < std::min(n, matching); ++i) out.push_back((start + i) % matching);
      std::sort(out.begin(), out.end());
      return out;
    }
    case Pick::kRandomMaxPercent: {
      const auto percent = static_cast<uint32_t>(rng.below(uint64_t{sel.value} + 1));
      return random_subset(matching, ceil_percent_of(matching, percent), rng);
    }
  }
  return {};
}

std::string describe_pick(const PodSelector& sel) {
  const std::string v = std::to_string(sel.value);
  switch (sel.pick) {
    case Pick::kFirst: return "";  // the loader words count and percent itself
    case Pick::kAll: return "all";
    case Pick::kOne: return "one random pod";
    case Pick::kFixed: return v + " random pod(s)";
    case Pick::kFixedPercent: return v + "% (random)";
    case Pick::kRandomMaxPercent: return "up to " + v + "% (random)";
    case Pick::kLitmusPercent: return sel.value == 0 ? "1 random pod" : v + "% (at least 1, random run)";
  }
  return "";
}

}  // namespace meshsim::models
