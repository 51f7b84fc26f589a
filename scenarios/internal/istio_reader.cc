// The Reader's common parts (istio_reader.h): the fields accepted but not modelled, collected
// while a manifest is read and reported once at its end (MSH0310), and the readers of values
// both kinds share: percentages, Istio's Percent message, durations and bounded integers.
#include "scenarios/internal/istio_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace meshsim::scenarios::internal::istio_reader {
namespace {

// "spec.http[0].route[1]" -> "http[].route[]": how a field is named in the not-modelled note.
std::string generic_path(std::string_view path) {
  if (path.substr(0, 5) == "spec.") path.remove_prefix(5);
  if (path == "spec") return {};
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    out += path[i];
    if (path[i] != '[') continue;
    while (i + 1 < path.size() && path[i + 1] != ']') ++i;
  }
  return out;
}

}  // namespace

void Reader::note(const Mapping& m, std::initializer_list<std::string_view> keys,
                  const std::string& path) {
  const std::string prefix = generic_path(path);
  for (std::string_view k : keys) {
    if (!m.has(k)) continue;
    std::string name = prefix.empty() ? std::string(k) : prefix + "." + std::string(k);
    if (std::none_of(not_modelled_.begin(), not_modelled_.end(),
                     [&](const auto& n) { return n.first == name; })) {
      not_modelled_.emplace_back(std::move(name), m.where(k));
    }
  }
}

void Reader::finish() {
  if (not_modelled_.empty()) return;
  // In file order, located at the first: the order the reader meets them.
  std::stable_sort(not_modelled_.begin(), not_modelled_.end(), [](const auto& a, const auto& b) {
    return std::pair(a.second.line, a.second.column) < std::pair(b.second.line, b.second.column);
  });
  std::vector<std::string> names;
  for (const auto& n : not_modelled_) names.push_back(n.first);
  ctx_.report(Code::kNotModelled, not_modelled_.front().second, {label_, join(names, ", ")});
}

void Reader::policy_not_modelled(const Mapping& m, std::string_view key, const std::string& path,
                                 const std::string& consequence) const {
  if (!m.has(key)) return;
  ctx_.report(Code::kPolicyNotModelled, m.get(key), {what(path), std::string(key), consequence});
}

std::optional<double> Reader::percent(const YAML::Node& n, std::string_view field,
                                      const std::string& path, bool whole) const {
  const double big = std::numeric_limits<double>::max();
  auto v = read_number(ctx_, n, field, -big, big);
  if (!v) return std::nullopt;
  if (whole && *v != std::floor(*v)) {
    ctx_.report(Code::kWrongType, n, {std::string(field), "an integer", describe(n)});
    return std::nullopt;
  }
  if (*v < 0 || *v > 100) {
    ctx_.report(Code::kPercentageOutOfRange, n, {what(path), n.Scalar()});
    return std::nullopt;
  }
  return v;
}

std::optional<double> Reader::percent_message(const YAML::Node& n, const std::string& path) const {
  const Mapping m(ctx_, n, what(path), {"value"});
  if (!m.is_mapping()) return std::nullopt;
  const YAML::Node v = m.get("value");
  // An empty Percent is 0 % (proto3 default).
  if (!v.IsDefined()) return m.misspelt("value") ? std::nullopt : std::optional<double>(0.0);
  return percent(v, "value", path + ".value", false);
}

std::optional<Time> Reader::duration(const Mapping& m, std::string_view key,
                                     DurationRule rule) const {
  const YAML::Node n = m.get(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_duration(ctx_, n, key, rule);
}

std::optional<int64_t> Reader::integer(const Mapping& m, std::string_view key, uint64_t hi) const {
  auto v = m.integer(key, 0, hi);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v);
}

}  // namespace meshsim::scenarios::internal::istio_reader
