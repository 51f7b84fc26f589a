// A Kubernetes CPU quantity ("500m", "0.5", "2", 1) in cores.  Internal to scenarios/.
#pragma once

#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

// Kubernetes' quantity syntax restricted to what a CPU amount uses: a decimal number, optionally
// with the suffix "m" (thousandths), greater than 0 and at most 1024 cores.  Reports MSH0101 (not
// a quantity) or MSH0104 (out of range) at `node`.
std::optional<double> read_cpu_quantity(const Context& ctx, const YAML::Node& node,
                                        std::string_view field);

// The first container's resources.limits.cpu of a pod spec (meshsim runs one application
// container per pod); nullopt when absent.
std::optional<double> read_pod_cpu_limit(const Context& ctx, const YAML::Node& pod_spec);

}  // namespace meshsim::scenarios::internal
