// Holm and Benjamini-Hochberg adjusted p-values; see multiple_testing.h.
#include "analysis/multiple_testing.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace meshsim::analysis {

const char* to_string(MultipleTesting m) {
  switch (m) {
    case MultipleTesting::kHolm: return "Holm";
    case MultipleTesting::kBenjaminiHochberg: return "Benjamini-Hochberg";
  }
  return "?";
}

const char* controlled_rate(MultipleTesting m) {
  switch (m) {
    case MultipleTesting::kHolm: return "family-wise error rate";
    case MultipleTesting::kBenjaminiHochberg: return "false-discovery rate";
  }
  return "?";
}

std::optional<MultipleTesting> parse_multiple_testing(std::string_view text) {
  std::string lower(text);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "holm") return MultipleTesting::kHolm;
  if (lower == "bh" || lower == "benjamini-hochberg") return MultipleTesting::kBenjaminiHochberg;
  return std::nullopt;
}

std::vector<double> adjust_p_values(std::span<const double> p, MultipleTesting method) {
  std::vector<double> out(p.begin(), p.end());
  std::vector<size_t> order;  // indices of the valid p-values, by increasing p
  for (size_t i = 0; i < p.size(); ++i) {
    if (!std::isnan(p[i])) order.push_back(i);
  }
  // Stable, so equal p-values keep row order and the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  const double m = static_cast<double>(order.size());
  if (method == MultipleTesting::kHolm) {
    double running = 0;  // max over j <= i
    for (size_t k = 0; k < order.size(); ++k) {
      running = std::max(running, std::min(1.0, (m - static_cast<double>(k)) * p[order[k]]));
      out[order[k]] = running;
    }
  } else {
    double running = 1;  // min over j >= i
    for (size_t k = order.size(); k-- > 0;) {
      running = std::min(running, std::min(1.0, m / static_cast<double>(k + 1) * p[order[k]]));
      out[order[k]] = running;
    }
  }
  return out;
}

}  // namespace meshsim::analysis
