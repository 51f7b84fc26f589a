// Distributions in scenario files -> simcore::Distribution (in seconds).  Internal to scenarios/.
//
// The forms (README.md, "Distributions"): a duration string is a constant; otherwise a mapping
// with exactly one of constant, uniform, exponential, normal, lognormal, gamma, weibull, pareto,
// empirical, mixture.  Parameters that are durations are written as durations ("5ms"); shapes
// and lognormal mu/sigma are plain numbers.
#pragma once

#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "scenarios/internal/yaml_util.h"
#include "simcore/distribution.h"

namespace meshsim::scenarios::internal {

// Reports MSH0101/0103/0105 for malformed input and MSH0106 (at `node`) when simcore rejects the
// parameters (its std::invalid_argument message is kept).
std::optional<simcore::Distribution> read_distribution(const Context& ctx, const YAML::Node& node,
                                                       std::string_view field);

}  // namespace meshsim::scenarios::internal
