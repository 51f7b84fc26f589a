// Durations in scenario files: Go/Istio-style strings ("250ms", "1.5s", "1h30m").  Internal to
// scenarios/; parse_duration itself is public (scenario.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "scenarios/internal/yaml_util.h"
#include "simcore/time.h"

namespace meshsim::scenarios::internal {

enum class DurationRule { kNonNegative, kPositive };

// A duration field; reports MSH0101 ("expected a duration like '250ms'") or MSH0104 (zero or
// negative where the rule forbids it).
std::optional<simcore::Time> read_duration(const Context& ctx, const YAML::Node& node,
                                           std::string_view field, DurationRule rule);

// The shortest exact rendering in one unit: "30s", "250ms", "1500us", "forever" for Time::max().
std::string format_duration(simcore::Time t);

}  // namespace meshsim::scenarios::internal
