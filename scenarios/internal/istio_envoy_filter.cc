// EnvoyFilter patches; see istio_envoy_filter.h.  Field names and defaults: istio/api
// networking/v1alpha3/envoy_filter.proto; envoy api/envoy/extensions/filters/http/
// {adaptive_concurrency,admission_control}/v3/*.proto (policies/ cites the behaviour).
#include "scenarios/internal/istio_envoy_filter.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "scenarios/internal/durations.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;

constexpr const char* kAdaptive = "envoy.extensions.filters.http.adaptive_concurrency.v3.AdaptiveConcurrency";
constexpr const char* kAdmission = "envoy.extensions.filters.http.admission_control.v3.AdmissionControl";

// A proto field name's lowerCamelCase JSON name ("max_sample_size" -> "maxSampleSize").
std::string json_name(const std::string& snake) {
  std::string camel;
  for (std::size_t i = 0; i < snake.size(); ++i)
    camel += (snake[i] == '_' && i + 1 < snake.size()) ? static_cast<char>(std::toupper(static_cast<unsigned char>(snake[++i])))
                                                       : snake[i];
  return camel;
}

// A protobuf JSON field by its proto name or its JSON name; undefined if absent or null.
YAML::Node field(const YAML::Node& map, const std::string& snake) {
  if (const YAML::Node n = child(map, snake.c_str()); n.IsDefined()) return n;
  return child(map, json_name(snake).c_str());
}

// The keys of `map` that are not among `known` (either spelling), for MSH0315.
std::vector<std::string> unknown_keys(const YAML::Node& map, std::initializer_list<std::string> known) {
  std::vector<std::string> out;
  if (!map.IsDefined() || !map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (std::none_of(known.begin(), known.end(), [&](const std::string& s) { return k == s || k == json_name(s); }))
      out.push_back(k);
  }
  return out;
}

struct PatchReader {
  const Context& ctx;
  std::string label;  // "EnvoyFilter 'ns/name'"
  std::string name;
  bool ok = true;

  void not_simulated(const YAML::Node& at, const std::string& what, const std::string& why) {
    ctx.report(Code::kEnvoyFilterNotSimulated, at, {name, what, why});
  }

  // Percent {value: x} (or a bare number), as a fraction.
  std::optional<double> percent(const YAML::Node& n, const std::string& what) {
    const YAML::Node v = n.IsMap() ? field(n, "value") : n;
    if (!v.IsDefined()) return 0.0;  // Percent {} is 0
    auto p = read_number(ctx, v, what, 0, 100);
    if (!p) ok = false;
    return p ? std::optional<double>(*p / 100.0) : std::nullopt;
  }
  // A Runtime* wrapper {default_value: ..., runtime_key}: its default_value.
  YAML::Node runtime_default(const YAML::Node& n) {
    if (!n.IsMap()) return n;
    return field(n, "default_value");
  }
  std::optional<Time> duration(const YAML::Node& n, const std::string& what) {
    auto t = read_duration(ctx, n, what, DurationRule::kPositive);
    if (!t) ok = false;
    return t;
  }
  std::optional<uint64_t> integer(const YAML::Node& n, const std::string& what, uint64_t lo, uint64_t hi) {
    const YAML::Node v = n.IsMap() ? field(n, "value") : n;  // UInt32Value
    auto i = read_integer(ctx, v, what, lo, hi);
    if (!i) ok = false;
    return i;
  }
  // RuntimeFeatureFlag `enabled`: false switches the filter off (requests pass through).
  bool enabled(const YAML::Node& typed) {
    const YAML::Node e = field(typed, "enabled");
    if (!e.IsDefined()) return true;
    const YAML::Node d = runtime_default(e);
    if (!d.IsDefined()) return true;
    auto b = read_bool(ctx, d, "enabled.default_value");
    if (!b) ok = false;
    return b.value_or(true);
  }

  std::optional<policies::AdaptiveConcurrencyConfig> adaptive(const YAML::Node& typed, uint32_t& status) {
    policies::AdaptiveConcurrencyConfig c;
    for (const std::string& k : unknown_keys(typed, {"@type", "gradient_controller_config", "enabled",
                                                     "concurrency_limit_exceeded_status"}))
      not_simulated(typed[k], "adaptive_concurrency field '" + k + "'", "left out");
    const YAML::Node g = field(typed, "gradient_controller_config");
    if (!g.IsDefined()) {
      not_simulated(typed, "adaptive_concurrency without gradient_controller_config",
                    "the gradient controller is the only one Envoy offers; the filter is left out");
      return std::nullopt;
    }
    for (const std::string& k : unknown_keys(g, {"sample_aggregate_percentile", "concurrency_limit_params",
                                                 "min_rtt_calc_params"}))
      not_simulated(g[k], "gradient_controller_config field '" + k + "'", "left out");
    if (const YAML::Node p = field(g, "sample_aggregate_percentile"); p.IsDefined())
      c.sample_aggregate_percentile = percent(p, "sample_aggregate_percentile").value_or(0.5);
    const YAML::Node lim = field(g, "concurrency_limit_params");
    if (!lim.IsDefined() || !field(lim, "concurrency_update_interval").IsDefined()) {
      ctx.report(Code::kMissingField, lim.IsDefined() ? lim : g,
                 {"concurrency_limit_params.concurrency_update_interval", label + " (Envoy requires it)"});
      ok = false;
    } else {
      if (auto t = duration(field(lim, "concurrency_update_interval"), "concurrency_update_interval"))
        c.concurrency_update_interval = *t;
      if (const YAML::Node m = field(lim, "max_concurrency_limit"); m.IsDefined())
        c.max_concurrency_limit = static_cast<uint32_t>(integer(m, "max_concurrency_limit", 1, 4'294'967'295).value_or(1000));
    }
    const YAML::Node rtt = field(g, "min_rtt_calc_params");
    if (rtt.IsDefined()) {
      if (field(rtt, "fixed_value").IsDefined())
        not_simulated(field(rtt, "fixed_value"), "min_rtt_calc_params.fixed_value",
                      "a pinned minRTT is not simulated; minRTT is measured");
      if (const YAML::Node n = field(rtt, "interval"); n.IsDefined())
        c.min_rtt_calc_interval = duration(n, "min_rtt_calc_params.interval").value_or(c.min_rtt_calc_interval);
      if (const YAML::Node n = field(rtt, "request_count"); n.IsDefined())
        c.min_rtt_request_count = static_cast<uint32_t>(integer(n, "request_count", 1, 4'294'967'295).value_or(50));
      if (const YAML::Node n = field(rtt, "jitter"); n.IsDefined()) c.jitter = percent(n, "jitter").value_or(0.15);
      if (const YAML::Node n = field(rtt, "min_concurrency"); n.IsDefined())
        c.min_concurrency = static_cast<uint32_t>(integer(n, "min_concurrency", 1, 4'294'967'295).value_or(3));
      if (const YAML::Node n = field(rtt, "buffer"); n.IsDefined()) c.buffer = percent(n, "buffer").value_or(0.25);
    } else {
      ctx.report(Code::kMissingField, g, {"min_rtt_calc_params", label + " (Envoy requires it)"});
      ok = false;
    }
    if (const YAML::Node s = field(typed, "concurrency_limit_exceeded_status"); s.IsDefined()) {
      // envoy.type.v3.HttpStatus {code}; Envoy uses 503 for a code below 400.
      const YAML::Node code = s.IsMap() ? field(s, "code") : s;
      if (auto v = read_integer(ctx, code, "concurrency_limit_exceeded_status.code", 100, 599))
        status = *v >= 400 ? static_cast<uint32_t>(*v) : 503;
      else
        ok = false;
    }
    return c;
  }

  std::optional<policies::AdmissionControlConfig> admission(const YAML::Node& typed) {
    policies::AdmissionControlConfig c;
    for (const std::string& k :
         unknown_keys(typed, {"@type", "enabled", "success_criteria", "sampling_window", "aggression", "sr_threshold",
                              "rps_threshold", "max_rejection_probability"}))
      not_simulated(typed[k], "admission_control field '" + k + "'", "left out");
    if (const YAML::Node n = field(typed, "sampling_window"); n.IsDefined())
      c.sampling_window = duration(n, "sampling_window").value_or(c.sampling_window);
    if (const YAML::Node n = runtime_default(field(typed, "aggression")); n.IsDefined()) {
      auto a = read_number(ctx, n, "aggression.default_value", -1e9, 1e9);
      if (a) c.aggression = *a; else ok = false;
    }
    if (const YAML::Node n = runtime_default(field(typed, "sr_threshold")); n.IsDefined())
      c.success_rate_threshold = std::min(1.0, percent(n, "sr_threshold").value_or(0.95));
    if (const YAML::Node n = runtime_default(field(typed, "rps_threshold")); n.IsDefined())
      c.rps_threshold = static_cast<uint32_t>(integer(n, "rps_threshold", 0, 4'294'967'295).value_or(0));
    if (const YAML::Node n = runtime_default(field(typed, "max_rejection_probability")); n.IsDefined())
      c.max_rejection_probability = percent(n, "max_rejection_probability").value_or(0.8);
    if (const YAML::Node sc = field(typed, "success_criteria"); sc.IsDefined()) {
      if (const YAML::Node h = field(field(sc, "http_criteria"), "http_success_status"); h.IsSequence()) {
        for (const YAML::Node& r : h) {
          if (!field(r, "start").IsDefined() || !field(r, "end").IsDefined()) {
            ctx.report(Code::kMissingField, r, {"start' and 'end", "http_success_status of " + label});
            ok = false;
            continue;
          }
          auto lo = read_integer(ctx, field(r, "start"), "http_success_status.start", 100, 600);
          auto hi = read_integer(ctx, field(r, "end"), "http_success_status.end", 100, 600);
          if (lo && hi && *lo <= *hi) c.http_success.emplace_back(static_cast<uint32_t>(*lo), static_cast<uint32_t>(*hi));
          else ok = false;
        }
      }
      if (const YAML::Node g = field(field(sc, "grpc_criteria"), "grpc_success_status"); g.IsSequence()) {
        for (const YAML::Node& s : g) {
          auto v = read_integer(ctx, s, "grpc_success_status", 0, 16);
          if (v) c.grpc_success.push_back(static_cast<uint8_t>(*v)); else ok = false;
        }
      }
    }
    return c;
  }
};

}  // namespace

void read_envoy_filters(const std::vector<Manifest>& istio, Diagnostics& diagnostics, const Locator& locator,
                        models::TrafficConfig& traffic) {
  for (const Manifest& m : istio) {
    if (m.kind != "EnvoyFilter") continue;
    const Context ctx(diagnostics, locator, m.where.file);
    PatchReader r{ctx, "EnvoyFilter '" + m.namespace_ + "/" + m.name + "'", m.namespace_ + "/" + m.name};
    const YAML::Node spec = field(m.node, "spec");
    if (!spec.IsMap()) continue;
    std::optional<models::Labels> selector;
    if (const YAML::Node ws = field(spec, "workload_selector"); ws.IsDefined()) {
      if (!ws.IsMap()) {
        ctx.report(Code::kWrongType, ws, {"workloadSelector", "a mapping with 'labels'", describe(ws)});
        continue;
      }
      const YAML::Node labels = field(ws, "labels");
      selector = labels.IsDefined() ? read_string_map(ctx, labels, "workloadSelector.labels") : models::Labels{};
      if (!selector) continue;
    }
    if (const YAML::Node t = field(spec, "target_refs"); t.IsDefined())
      r.not_simulated(t, "targetRefs", "only workloadSelector scopes are simulated; the filter's patches are left out");
    if (field(spec, "target_refs").IsDefined()) continue;
    const YAML::Node patches = field(spec, "config_patches");
    if (!patches.IsSequence()) continue;
    for (const YAML::Node& p : patches) {
      const std::string apply = field(p, "apply_to").IsScalar() ? field(p, "apply_to").Scalar() : "(none)";
      if (apply != "HTTP_FILTER") {
        r.not_simulated(p, "the " + apply + " patch", "only HTTP_FILTER patches are read");
        continue;
      }
      const YAML::Node match = field(p, "match");
      const std::string context = field(match, "context").IsScalar() ? field(match, "context").Scalar() : "ANY";
      const YAML::Node patch = field(p, "patch");
      const std::string op = field(patch, "operation").IsScalar() ? field(patch, "operation").Scalar() : "(none)";
      const YAML::Node value = field(patch, "value");
      const YAML::Node typed = field(value, "typed_config");
      const std::string type = field(typed, "@type").IsScalar() ? field(typed, "@type").Scalar() : "";
      const std::string filter_name = field(value, "name").IsScalar() ? field(value, "name").Scalar() : "(unnamed)";
      const bool is_adaptive = type.ends_with(kAdaptive), is_admission = type.ends_with(kAdmission);
      if (!is_adaptive && !is_admission) {
        r.not_simulated(p, "the HTTP filter '" + filter_name + "'",
                        "only envoy.filters.http.adaptive_concurrency and admission_control are simulated");
        continue;
      }
      if (context != "SIDECAR_INBOUND" && context != "ANY") {
        r.not_simulated(field(match, "context"), "'" + filter_name + "' in context " + context,
                        "only the sidecars' inbound chain is simulated");
        continue;
      }
      if (context == "ANY")
        r.not_simulated(p, "the outbound half of '" + filter_name + "' (context ANY)",
                        "it applies to the inbound chain only here");
      if (op != "INSERT_BEFORE" && op != "INSERT_AFTER" && op != "INSERT_FIRST") {
        r.not_simulated(patch, "operation " + op + " of '" + filter_name + "'",
                        op == "ADD" ? "ADD appends after the router, where Envoy never runs an HTTP filter"
                                    : "only INSERT_BEFORE, INSERT_AFTER and INSERT_FIRST are read");
        continue;
      }
      if (op == "INSERT_FIRST")
        r.not_simulated(patch, "INSERT_FIRST's place before istio.stats",
                        "meshsim inserts it after istio.stats, so the requests it rejects are still reported by the server sidecar");
      if (const YAML::Node l = field(match, "listener"); field(l, "port_number").IsDefined())
        r.not_simulated(field(l, "port_number"), "listener.portNumber", "the filter applies to every inbound port");
      models::InboundHttpFilter f;
      f.envoy_filter = r.name;
      f.namespace_ = m.namespace_;
      f.workload_selector = selector;
      r.ok = true;
      const bool on = r.enabled(typed);
      if (is_adaptive) {
        auto c = r.adaptive(typed, f.local_reply_status);
        if (!c || !r.ok) continue;
        f.filter = *c;
      } else {
        auto c = r.admission(typed);
        if (!c || !r.ok) continue;
        f.filter = *c;
      }
      if (on) traffic.inbound_http_filters.push_back(std::move(f));
    }
  }
}

}  // namespace meshsim::scenarios::internal
