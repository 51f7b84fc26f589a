// Reading the distribution forms of README.md "Distributions"; see distributions.h.
#include "scenarios/internal/distributions.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/internal/durations.h"
#include "scenarios/internal/suggest.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Distribution;

constexpr double kLowest = std::numeric_limits<double>::lowest();
constexpr double kHighest = std::numeric_limits<double>::max();

const std::vector<std::string>& kinds() {
  static const std::vector<std::string> k = {"constant",  "uniform", "exponential", "normal",
                                             "lognormal", "gamma",   "weibull",     "pareto",
                                             "empirical", "mixture"};
  return k;
}

std::optional<double> seconds(const Context& ctx, const YAML::Node& node, std::string_view field) {
  auto t = read_duration(ctx, node, field, DurationRule::kNonNegative);
  if (!t) return std::nullopt;
  return t->to_seconds();
}

// A required duration field of a parameter mapping, in seconds.
std::optional<double> seconds_field(const Mapping& m, std::string_view key) {
  const YAML::Node n = m.require(key);
  if (!n.IsDefined()) return std::nullopt;
  return seconds(m.ctx(), n, key);
}

std::optional<double> number_field(const Mapping& m, std::string_view key) {
  const YAML::Node n = m.require(key);
  if (!n.IsDefined()) return std::nullopt;
  return read_number(m.ctx(), n, key, kLowest, kHighest);
}

std::optional<Distribution> read_form(const Context& ctx, const std::string& kind,
                                      const YAML::Node& body);

// The empirical table: keys pN (N in [0, 100], decimals allowed: p99.9), values durations.
std::optional<Distribution> read_empirical(const Context& ctx, const YAML::Node& body) {
  Mapping m = Mapping::lenient(ctx, body, "empirical distribution");
  if (!m.is_mapping()) return std::nullopt;
  std::vector<std::pair<double, double>> table;
  bool ok = true;
  for (const auto& [key, kv] : m.entries()) {
    double pct = -1;
    if (key.size() >= 2 && key[0] == 'p') {
      const auto r = std::from_chars(key.data() + 1, key.data() + key.size(), pct);
      if (r.ec != std::errc() || r.ptr != key.data() + key.size()) pct = -1;
    }
    if (pct < 0 || pct > 100) {
      ctx.report(Code::kUnknownField, kv.first,
                 {key, "empirical distribution (keys are percentiles p0 ... p100)"});
      ok = false;
      continue;
    }
    auto v = seconds(ctx, kv.second, key);
    if (!v) {
      ok = false;
      continue;
    }
    table.emplace_back(pct, *v);
  }
  if (!ok) return std::nullopt;
  std::sort(table.begin(), table.end());
  for (const char* needed : {"p0", "p100"}) {
    const double pct = needed[1] == '0' ? 0.0 : 100.0;
    if (std::none_of(table.begin(), table.end(), [&](const auto& e) { return e.first == pct; })) {
      ctx.report(Code::kMissingField, body, {needed, "empirical distribution"});
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return Distribution::empirical(std::move(table));
}

std::optional<Distribution> read_mixture(const Context& ctx, const YAML::Node& body) {
  if (!body.IsSequence() || body.size() == 0) {
    ctx.report(Code::kWrongType, body,
               {"mixture", "a non-empty list of {weight: w, <distribution>: ...}", describe(body)});
    return std::nullopt;
  }
  std::vector<std::pair<double, Distribution>> parts;
  bool ok = true;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const YAML::Node item = *it;
    Mapping m = Mapping::lenient(ctx, item, "mixture component");
    if (!m.is_mapping()) {
      ok = false;
      continue;
    }
    std::optional<double> weight = number_field(m, "weight");
    std::vector<std::string> forms;
    for (const auto& [key, kv] : m.entries()) {
      if (key == "weight") continue;
      if (std::find(kinds().begin(), kinds().end(), key) != kinds().end()) {
        forms.push_back(key);
      } else {
        std::vector<std::string> candidates(kinds());
        candidates.push_back("weight");
        ctx.report(Code::kUnknownField, kv.first, {key, "mixture component"},
                   suggest(key, candidates));
        ok = false;
      }
    }
    if (forms.size() != 1) {
      ctx.report(Code::kExactlyOneOf, item,
                 {"a mixture component", "the distribution forms (" + join(kinds(), " or ") + ")",
                  forms.empty() ? "none" : quote_join(forms)});
      ok = false;
      continue;
    }
    const YAML::Node form = m.get(forms[0]);
    if (!form.IsDefined()) {
      ctx.report(Code::kWrongType, item, {forms[0], "parameters", "nothing"});
      ok = false;
      continue;
    }
    std::optional<Distribution> d;
    try {
      d = read_form(ctx, forms[0], form);
    } catch (const std::invalid_argument& e) {
      ctx.report(Code::kInvalidDistribution, item, {e.what()});
    }
    if (!weight || !d) {
      ok = false;
      continue;
    }
    parts.emplace_back(*weight, std::move(*d));
  }
  if (!ok) return std::nullopt;
  return Distribution::mixture(std::move(parts));
}

// One form's body -> Distribution.  Throws std::invalid_argument from simcore's factories.
std::optional<Distribution> read_form(const Context& ctx, const std::string& kind,
                                      const YAML::Node& body) {
  if (!body.IsDefined()) {
    ctx.report(Code::kWrongType, body, {kind, "parameters", "nothing"});
    return std::nullopt;
  }
  if (kind == "constant") {
    auto v = seconds(ctx, body, "constant");
    if (!v) return std::nullopt;
    return Distribution::constant(*v);
  }
  if (kind == "uniform") {
    Mapping m(ctx, body, "uniform distribution", {"min", "max"});
    auto lo = seconds_field(m, "min");
    auto hi = seconds_field(m, "max");
    if (!lo || !hi) return std::nullopt;
    return Distribution::uniform(*lo, *hi);
  }
  if (kind == "exponential") {
    Mapping m(ctx, body, "exponential distribution", {"mean"});
    auto mean = seconds_field(m, "mean");
    if (!mean) return std::nullopt;
    return Distribution::exponential(*mean);
  }
  if (kind == "normal") {
    Mapping m(ctx, body, "normal distribution", {"mean", "stddev"});
    auto mean = seconds_field(m, "mean");
    auto sd = seconds_field(m, "stddev");
    if (!mean || !sd) return std::nullopt;
    return Distribution::normal_truncated(*mean, *sd);
  }
  if (kind == "lognormal") {
    Mapping m(ctx, body, "lognormal distribution", {"median", "p99", "mu", "sigma"});
    if (!m.is_mapping()) return std::nullopt;
    const auto quantiles = m.present({"median", "p99"});
    const auto params = m.present({"mu", "sigma"});
    if (!quantiles.empty() && !params.empty()) {
      ctx.report(Code::kConflictingFields, m.get(params[0]),
                 {params[0], "'median'/'p99' (give median and p99, or mu and sigma)"});
      return std::nullopt;
    }
    if (!params.empty()) {
      auto mu = number_field(m, "mu");
      auto sigma = number_field(m, "sigma");
      if (!mu || !sigma) return std::nullopt;
      return Distribution::lognormal(*mu, *sigma);
    }
    auto median = seconds_field(m, "median");
    auto p99 = seconds_field(m, "p99");
    if (!median || !p99) return std::nullopt;
    return Distribution::lognormal_median_p99(*median, *p99);
  }
  if (kind == "gamma" || kind == "weibull") {
    Mapping m(ctx, body, kind + " distribution", {"shape", "scale"});
    auto shape = number_field(m, "shape");
    auto scale = seconds_field(m, "scale");
    if (!shape || !scale) return std::nullopt;
    return kind == "gamma" ? Distribution::gamma(*shape, *scale)
                           : Distribution::weibull(*shape, *scale);
  }
  if (kind == "pareto") {
    Mapping m(ctx, body, "pareto distribution", {"scale", "alpha"});
    auto scale = seconds_field(m, "scale");
    auto alpha = number_field(m, "alpha");
    if (!scale || !alpha) return std::nullopt;
    return Distribution::pareto(*scale, *alpha);
  }
  if (kind == "empirical") return read_empirical(ctx, body);
  return read_mixture(ctx, body);
}

}  // namespace

std::optional<Distribution> read_distribution(const Context& ctx, const YAML::Node& node,
                                              std::string_view field) {
  if (node.IsScalar()) {
    auto t = parse_duration(node.Scalar());
    if (!t || *t < simcore::Time::zero()) {
      ctx.report(Code::kWrongType, node,
                 {std::string(field),
                  "a duration like '250ms' or a distribution such as {exponential: {mean: 1ms}}",
                  describe(node)});
      return std::nullopt;
    }
    return Distribution::constant(t->to_seconds());
  }
  if (!node.IsMap()) {
    ctx.report(Code::kWrongType, node,
               {std::string(field), "a duration or a distribution mapping", describe(node)});
    return std::nullopt;
  }
  std::vector<std::string> forms;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : describe(it->first);
    if (std::find(kinds().begin(), kinds().end(), key) != kinds().end()) {
      forms.push_back(key);
    } else {
      ctx.report(Code::kUnknownField, it->first, {key, "distribution '" + std::string(field) + "'"},
                 suggest(key, kinds()));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  if (forms.size() != 1) {
    ctx.report(
        Code::kExactlyOneOf, node,
        {std::string(field), join(kinds(), " or "), forms.empty() ? "none" : quote_join(forms)});
    return std::nullopt;
  }
  try {
    return read_form(ctx, forms[0], node[forms[0]]);
  } catch (const std::invalid_argument& e) {
    ctx.report(Code::kInvalidDistribution, node, {e.what()});
    return std::nullopt;
  }
}

}  // namespace meshsim::scenarios::internal
