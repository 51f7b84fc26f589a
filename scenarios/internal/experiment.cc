// The Experiment document: seed, run length, sampling, Istio version, included files; see
// meshsim_kinds.h and README.md "Experiment".  (The include list is followed when files are
// read, in documents.cc; here it is only type-checked.)
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "scenarios/internal/distributions.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/meshsim_kinds.h"

namespace meshsim::scenarios::internal {
namespace {

// `controlPlane:` (istiod's debounce and push, the EndpointSlice and kube-proxy delays) and
// `kubernetes:` (kubelet, node controller, ReplicaSet timings); README.md "Control plane".
// An optional duration field of `m`: `out` keeps its default when the key is absent or wrong.
void optional_duration(const Mapping& m, const char* key, DurationRule rule, simcore::Time& out) {
  if (const YAML::Node n = m.get(key); n.IsDefined()) {
    if (auto t = read_duration(m.ctx(), n, key, rule)) out = *t;
  }
}

void read_control_plane(const Context& ctx, const YAML::Node& node, models::ControlPlaneConfig& c) {
  const Mapping m(ctx, node, "controlPlane",
                  {"debounceAfter", "debounceMax", "pushDelay", "endpointSliceDelay", "kubeProxyDelay"});
  if (!m.is_mapping()) return;
  auto duration = [&](const char* key, DurationRule rule, simcore::Time& out) {
    optional_duration(m, key, rule, out);
  };
  duration("debounceAfter", DurationRule::kPositive, c.debounce_after);
  duration("debounceMax", DurationRule::kPositive, c.debounce_max);
  duration("endpointSliceDelay", DurationRule::kNonNegative, c.endpoint_slice_delay);
  duration("kubeProxyDelay", DurationRule::kNonNegative, c.kube_proxy_delay);
  if (const YAML::Node n = m.get("pushDelay"); n.IsDefined()) {
    if (auto d = read_distribution(ctx, n, "pushDelay")) c.push_delay = *d;
  }
  if (c.debounce_max < c.debounce_after && m.has("debounceMax")) {
    ctx.report(Code::kOutOfRange, m.get("debounceMax"),
               {"debounceMax", "at least debounceAfter (" + format_duration(c.debounce_after) + ")",
                format_duration(c.debounce_max)});
  }
}

void read_kubernetes(const Context& ctx, const YAML::Node& node, models::KubernetesConfig& k) {
  const Mapping m(ctx, node, "kubernetes", {"kubeletSyncDelay", "nodeMonitorGracePeriod", "replacementDelay"});
  if (!m.is_mapping()) return;
  auto duration = [&](const char* key, DurationRule rule, simcore::Time& out) {
    optional_duration(m, key, rule, out);
  };
  duration("kubeletSyncDelay", DurationRule::kNonNegative, k.kubelet_sync_delay);
  duration("nodeMonitorGracePeriod", DurationRule::kNonNegative, k.node_monitor_grace_period);
  duration("replacementDelay", DurationRule::kNonNegative, k.replacement_delay);
}

// A number of bytes in Kubernetes' quantity spelling: 4Gi, 512Mi, 2G, 1500000 (suffixes Ki Mi Gi
// Ti, k M G T), from 1 MiB to 1 PiB.
std::optional<uint64_t> read_memory(const Context& ctx, const YAML::Node& n, const char* field) {
  const std::string text = n.IsScalar() ? n.Scalar() : std::string();
  double number = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), number);
  const std::string suffix(r.ptr, text.data() + text.size());
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}};
  const auto* unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                  [&](const auto& u) { return suffix == u.first; });
  if (text.empty() || r.ec != std::errc() || r.ptr == text.data() || unit == std::end(kUnits)) {
    ctx.report(Code::kWrongType, n, {field, "an amount of memory like '4Gi' or '512Mi'", describe(n)});
    return std::nullopt;
  }
  const double bytes = number * unit->second;
  if (!(bytes >= 1048576.0 && bytes <= 1125899906842624.0)) {
    ctx.report(Code::kOutOfRange, n, {field, "between 1Mi and 1024Ti", text});
    return std::nullopt;
  }
  return static_cast<uint64_t>(bytes);
}

// `limits:`: the resource guards (analysis/resource_guard.h); README.md "Resource limits".
void read_limits(const Context& ctx, const YAML::Node& node, models::ResourceLimits& l) {
  const Mapping m(ctx, node, "limits", {"maxInFlight", "maxMemory", "wallTime"});
  if (!m.is_mapping()) return;
  if (auto v = m.integer("maxInFlight", 1, UINT64_MAX)) l.max_in_flight = static_cast<uint64_t>(*v);
  if (const YAML::Node n = m.get("maxMemory"); n.IsDefined()) {
    if (auto v = read_memory(ctx, n, "maxMemory")) l.max_memory_bytes = *v;
  }
  optional_duration(m, "wallTime", DurationRule::kPositive, l.wall_time);
}

}  // namespace

void read_experiment(const Context& ctx, const Document& doc, Draft& draft) {
  const YAML::Node& root = doc.root;
  if (draft.experiment) {
    ctx.report(Code::kMultipleExperiments, root, {doc.name, draft.experiment->to_string()});
    return;
  }
  draft.experiment = ctx.at(root);
  const YAML::Node spec_node = root["spec"];
  if (!spec_node.IsDefined() || spec_node.IsNull()) return;  // all defaults
  const Mapping spec(ctx, spec_node, doc.label() + " spec",
                     {"seed", "duration", "warmup", "interval", "traceSampling", "maxCallDepth",
                      "istioVersion", "include", "check", "expect", "controlPlane", "kubernetes",
                      "limits"});
  if (!spec.is_mapping()) return;
  models::ExperimentConfig& x = draft.mesh.experiment;
  if (auto s = spec.integer("seed", 0, UINT64_MAX)) x.seed = *s;
  auto duration = [&](const char* key, DurationRule rule, simcore::Time& out) {
    if (const YAML::Node n = spec.get(key); n.IsDefined()) {
      if (auto t = read_duration(ctx, n, key, rule)) out = *t;
    }
  };
  duration("duration", DurationRule::kPositive, x.duration);
  duration("warmup", DurationRule::kNonNegative, x.warmup);
  duration("interval", DurationRule::kPositive, x.interval);
  if (x.warmup >= x.duration && spec.has("warmup")) {
    ctx.report(Code::kOutOfRange, spec.get("warmup"),
               {"warmup", "shorter than the duration (" + format_duration(x.duration) + ")",
                format_duration(x.warmup)});
  }
  if (const YAML::Node n = spec.get("traceSampling"); n.IsDefined()) {
    // A percentage, as Istio's Telemetry API writes it: 1 or "1%".  Kept in per mille.
    std::string text = n.IsScalar() ? n.Scalar() : std::string();
    if (!text.empty() && text.back() == '%') text.pop_back();
    double pct = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), pct);
    if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      ctx.report(Code::kWrongType, n,
                 {"traceSampling", "a percentage like 1 or '1%'", describe(n)});
    } else if (!(pct >= 0 && pct <= 100) || std::abs(pct * 10 - std::round(pct * 10)) > 1e-9) {
      ctx.report(Code::kOutOfRange, n,
                 {"traceSampling", "a multiple of 0.1 between 0 and 100 (percent)", n.Scalar()});
    } else {
      x.trace_sample_per_mille = static_cast<uint32_t>(std::lround(pct * 10));
    }
  }
  if (spec.has("maxCallDepth")) {
    if (auto d = spec.integer("maxCallDepth", 1, 10'000)) {
      x.max_call_depth = static_cast<uint32_t>(*d);
      draft.max_call_depth_set = true;
    }
  }
  if (auto v = spec.string("istioVersion")) x.istio_version = *v;
  if (const YAML::Node c = spec.get("controlPlane"); c.IsDefined()) read_control_plane(ctx, c, x.control_plane);
  if (const YAML::Node k = spec.get("kubernetes"); k.IsDefined()) read_kubernetes(ctx, k, x.kubernetes);
  if (const YAML::Node l = spec.get("limits"); l.IsDefined()) read_limits(ctx, l, x.limits);
  if (const YAML::Node inc = spec.get("include"); inc.IsDefined()) {
    read_string_list(ctx, inc, "include");
  }
  if (const YAML::Node c = spec.get("check"); c.IsDefined()) read_check_settings(ctx, c, x.check);
  if (const YAML::Node e = spec.get("expect"); e.IsDefined()) read_expectations(ctx, doc, e, draft);
}

}  // namespace meshsim::scenarios::internal
