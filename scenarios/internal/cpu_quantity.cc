// CPU quantities; see cpu_quantity.h.
#include "scenarios/internal/cpu_quantity.h"

#include <charconv>
#include <string>

namespace meshsim::scenarios::internal {

std::optional<double> read_cpu_quantity(const Context& ctx, const YAML::Node& node,
                                        std::string_view field) {
  if (!node.IsScalar()) {
    ctx.report(Code::kWrongType, node, {std::string(field), "a CPU quantity such as 500m or 2", describe(node)});
    return std::nullopt;
  }
  std::string text = node.Scalar();
  double scale = 1.0;
  if (!text.empty() && text.back() == 'm') {
    scale = 1e-3;
    text.pop_back();
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    ctx.report(Code::kWrongType, node,
               {std::string(field), "a CPU quantity such as 500m or 2", "'" + node.Scalar() + "'"});
    return std::nullopt;
  }
  value *= scale;
  if (!(value > 0) || value > 1024) {
    ctx.report(Code::kOutOfRange, node, {std::string(field), "more than 0 and at most 1024 cores", node.Scalar()});
    return std::nullopt;
  }
  return value;
}

std::optional<double> read_pod_cpu_limit(const Context& ctx, const YAML::Node& pod_spec) {
  if (!pod_spec.IsMap()) return std::nullopt;
  const YAML::Node containers = pod_spec["containers"];
  if (!containers.IsDefined() || !containers.IsSequence() || containers.size() == 0) return std::nullopt;
  const YAML::Node first = containers[0];
  if (!first.IsMap()) return std::nullopt;
  const YAML::Node resources = first["resources"];
  if (!resources.IsDefined() || !resources.IsMap()) return std::nullopt;
  const YAML::Node limits = resources["limits"];
  if (!limits.IsDefined() || !limits.IsMap()) return std::nullopt;
  const YAML::Node cpu = limits["cpu"];
  if (!cpu.IsDefined() || cpu.IsNull()) return std::nullopt;
  return read_cpu_quantity(ctx, cpu, "resources.limits.cpu");
}

}  // namespace meshsim::scenarios::internal
