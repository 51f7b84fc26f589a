// The Kubernetes fields meshsim reads; see kubernetes_fields.h.
#include "scenarios/internal/kubernetes_fields.h"

#include <array>

namespace meshsim::scenarios::internal {
namespace {

// Patterns: fields joined by '.', "[]" for any list item, "[0]" for the first only, and a final
// ".*" for a map read whole (any key below it counts).
constexpr std::array kService{
    "metadata.name",          "metadata.namespace",        "spec.ports[].name",
    "spec.ports[].port",      "spec.ports[].targetPort",   "spec.ports[].appProtocol",
    "spec.ports[].protocol",  "spec.selector.*",           "spec.type",
    "spec.clusterIP",         "spec.externalName",
};
constexpr std::array kDeployment{
    "metadata.name",
    "metadata.namespace",
    "spec.replicas",
    "spec.template.metadata.labels.*",
    "spec.template.spec.serviceAccountName",
    "spec.template.spec.serviceAccount",
    "spec.template.spec.containers[].ports[].name",
    "spec.template.spec.containers[].ports[].containerPort",
    "spec.template.spec.containers[0].resources.limits.cpu",
    "spec.template.spec.containers[0].readinessProbe.initialDelaySeconds",
    "spec.template.spec.containers[0].readinessProbe.periodSeconds",
    "spec.template.spec.containers[0].readinessProbe.failureThreshold",
    "spec.template.spec.containers[0].readinessProbe.successThreshold",
    "spec.template.spec.initContainers[].restartPolicy",
    "spec.template.spec.initContainers[].ports[].name",
    "spec.template.spec.initContainers[].ports[].containerPort",
};

std::vector<FieldStep> parse(std::string_view pattern, bool& whole_map) {
  std::vector<FieldStep> out;
  whole_map = false;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '.') {
      ++i;
      continue;
    }
    if (pattern[i] == '[') {
      const std::size_t close = pattern.find(']', i);
      FieldStep s{true, "", static_cast<std::size_t>(-1)};  // "[]": any item
      if (close > i + 1) s.index = std::stoul(std::string(pattern.substr(i + 1, close - i - 1)));
      out.push_back(s);
      i = close + 1;
      continue;
    }
    const std::size_t end = pattern.find_first_of(".[", i);
    const std::string_view field = pattern.substr(i, end - i);
    if (field == "*") {
      whole_map = true;
    } else {
      out.push_back({false, std::string(field), 0});
    }
    i = end == std::string_view::npos ? pattern.size() : end;
  }
  return out;
}

bool step_matches(const FieldStep& pattern, const FieldStep& step) {
  if (pattern.is_index != step.is_index) return false;
  if (!pattern.is_index) return pattern.field == step.field;
  return pattern.index == static_cast<std::size_t>(-1) || pattern.index == step.index;
}

template <std::size_t N>
bool read_by(const std::array<const char*, N>& patterns, const std::vector<FieldStep>& path) {
  for (const char* text : patterns) {
    bool whole_map = false;
    const std::vector<FieldStep> p = parse(text, whole_map);
    const std::size_t common = std::min(p.size(), path.size());
    bool same = true;
    for (std::size_t i = 0; i < common && same; ++i) same = step_matches(p[i], path[i]);
    if (!same) continue;
    // The path leads to the field or replaces a subtree that holds it; or it lies below a map
    // that is read whole.
    if (path.size() <= p.size() || whole_map) return true;
  }
  return false;
}

template <std::size_t N>
std::string join(const std::array<const char*, N>& patterns) {
  std::string out;
  for (const char* p : patterns) out += (out.empty() ? "" : ", ") + std::string(p);
  return out;
}

}  // namespace

bool kubernetes_path_is_read(std::string_view kind, const std::vector<FieldStep>& path) {
  if (kind == "Service") return read_by(kService, path);
  if (kind == "Deployment") return read_by(kDeployment, path);
  return false;
}

std::string kubernetes_read_fields(std::string_view kind) {
  if (kind == "Service") return join(kService);
  if (kind == "Deployment") return join(kDeployment);
  return "";
}

}  // namespace meshsim::scenarios::internal
