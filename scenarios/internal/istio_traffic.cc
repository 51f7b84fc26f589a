// VirtualServices and DestinationRules -> models::TrafficConfig; see istio_traffic.h.
//
// Field names and types follow istio/api networking/v1alpha3 virtual_service.proto and
// destination_rule.proto in their YAML (JSON) spelling: wrappers such as UInt32Value and
// BoolValue are plain scalars, Durations are Go-style strings ("10s").  Istio's own validation
// (pkg/config/validation) is mirrored where a mistake would otherwise go unnoticed until run
// time: retries (policies::validate_istio_retries), percentages, fault abort status, oneofs.
#include "scenarios/internal/istio_traffic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <regex>

#include "policies/fault.h"
#include "policies/host_name.h"
#include "policies/retry_policy.h"
#include "scenarios/internal/durations.h"

namespace meshsim::scenarios::internal {
namespace {

using simcore::Time;

constexpr uint64_t kInt32Max = 2'147'483'647;
constexpr uint64_t kUint32Max = 4'294'967'295;
constexpr uint64_t kMaglevTableLimit = 5'000'011;  // Istio: "a prime number less than 5000011"
constexpr uint64_t kEnvoyMaxRingSize = 8u * 1024u * 1024u;  // Envoy's maximum_ring_size default

YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node n = map[key];
  return n.IsDefined() && !n.IsNull() ? n : YAML::Node(YAML::NodeType::Undefined);
}

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

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// A negative integer weight: MSH0304 says it in Istio's words rather than MSH0104.
bool negative_integer(const YAML::Node& n) {
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && v < 0;
}

// The weights of one route's destinations, for MSH0303.
struct WeightTally {
  bool all_read = true;  // false once a weight is not a non-negative integer (reported)
  bool any_positive = false;
};

const std::vector<std::string>& grpc_status_names() {
  static const std::vector<std::string> names(policies::grpc_status_names().begin(),
                                              policies::grpc_status_names().end());
  return names;
}

// Reads one manifest.  Paths ("spec.http[0].retries") name where a value sits, for messages;
// `label_` names the manifest ("VirtualService 'reviews'").
class Reader {
 public:
  Reader(const Context& ctx, std::string label) : ctx_(ctx), label_(std::move(label)) {}

  ParsedVirtualService virtual_service(const YAML::Node& root, const std::string& name,
                                       const std::string& ns);
  models::DestinationRuleConfig destination_rule(const YAML::Node& root, const std::string& name,
                                                 const std::string& ns);
  // Reports the fields accepted but not modelled, once for the manifest (MSH0310).
  void finish();

 private:
  std::string what(const std::string& path) const { return label_ + " " + path; }

  // Calls f(item, path + "[i]") for each item of a list; reports a non-list (MSH0101).
  template <class F>
  void each(const YAML::Node& list, std::string_view field, const std::string& path, F&& f) {
    if (!list.IsDefined()) return;
    if (!list.IsSequence()) {
      ctx_.report(Code::kWrongType, list, {std::string(field), "a list", describe(list)});
      return;
    }
    std::size_t i = 0;
    for (auto it = list.begin(); it != list.end(); ++it, ++i) {
      f(*it, path + "[" + std::to_string(i) + "]");
    }
  }

  // Records the keys of `m` that are accepted but have no effect on the simulation.
  void note(const Mapping& m, std::initializer_list<std::string_view> keys,
            const std::string& path);
  // MSH0311 for `key` of `m`, if given.
  void policy_not_modelled(const Mapping& m, std::string_view key, const std::string& path,
                           const std::string& consequence) const;
  // A percentage in [0, 100] (MSH0308 outside); `whole` for Istio's int32 percent fields.
  std::optional<double> percent(const YAML::Node& n, std::string_view field,
                                const std::string& path, bool whole) const;
  // Istio's Percent message, {value: <double>}.
  std::optional<double> percent_message(const YAML::Node& n, const std::string& path) const;
  std::optional<Time> duration(const Mapping& m, std::string_view key, DurationRule rule) const;
  std::optional<int64_t> integer(const Mapping& m, std::string_view key, uint64_t hi) const;

  // VirtualService parts.
  policies::HttpRoute http_route(const YAML::Node& node, const std::string& path);
  policies::HttpMatch http_match(const YAML::Node& node, const std::string& path);
  std::optional<policies::StringMatch> string_match(const YAML::Node& node,
                                                    const std::string& path) const;
  std::vector<policies::NamedMatch> named_matches(const YAML::Node& node, std::string_view field,
                                                  const std::string& path) const;
  std::optional<policies::RouteDestination> route_destination(const YAML::Node& node,
                                                              const std::string& path,
                                                              WeightTally& weights);
  // A destination; its host and subset are also recorded in sites_ (`mirror`: a mirror's).
  policies::RouteDestination destination(const YAML::Node& node, const std::string& path,
                                         bool mirror);
  // A route's weight (MSH0304 if negative) into `weights`.
  std::optional<uint32_t> weight(const YAML::Node& w, WeightTally& weights) const;
  // MSH0303 for a route of several destinations whose weights are all 0.
  void check_weights(const YAML::Node& route, const WeightTally& weights) const;
  std::optional<policies::HttpRetryConfig> retries(const YAML::Node& node,
                                                   const std::string& path) const;
  std::optional<policies::HttpFaultConfig> fault(const YAML::Node& node,
                                                 const std::string& path) const;
  void mirrors(const Mapping& m, const std::string& path, policies::HttpRoute& route);
  void l4_routes(const YAML::Node& list, std::string_view field, const std::string& path);

  // DestinationRule parts.
  models::TrafficPolicyConfig traffic_policy(const YAML::Node& node, const std::string& path);
  void load_balancer(const YAML::Node& node, const std::string& path,
                     models::TrafficPolicyConfig& tp);
  void consistent_hash(const YAML::Node& node, const std::string& path,
                       models::TrafficPolicyConfig& tp);
  std::optional<policies::LocalityLbSetting> locality(const YAML::Node& node,
                                                      const std::string& path);
  std::optional<policies::ConnectionPoolSettings> connection_pool(const YAML::Node& node,
                                                                  const std::string& path);
  std::optional<policies::OutlierDetectionSettings> outlier_detection(const YAML::Node& node,
                                                                      const std::string& path);
  std::optional<policies::RetryBudgetSettings> retry_budget(const YAML::Node& node,
                                                            const std::string& path);

  const Context& ctx_;
  std::string label_;
  std::string name_;                          // the manifest's name, for MSH0303/0304
  std::vector<DestinationSite> sites_;        // every destination and mirror host, in order
  std::vector<std::pair<std::string, SourceLocation>> not_modelled_;  // generic path, first use
};

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

// ---- VirtualService ----------------------------------------------------------------------

ParsedVirtualService Reader::virtual_service(const YAML::Node& root, const std::string& name,
                                             const std::string& ns) {
  ParsedVirtualService parsed;
  parsed.where = ctx_.at(root);
  policies::VirtualServiceConfig& vs = parsed.config;
  vs.name = name;
  vs.ns = ns;
  name_ = name;
  const YAML::Node spec_node = child(root, "spec");
  if (!spec_node.IsDefined()) return parsed;  // no hosts and no routes: nothing to apply
  const Mapping spec(ctx_, spec_node, what("spec"),
                     {"hosts", "gateways", "http", "tls", "tcp", "exportTo"});
  if (!spec.is_mapping()) return parsed;
  // No hosts is Istio's delegate VirtualService (valid, reached only through `delegate`).
  if (const YAML::Node h = spec.get("hosts"); h.IsDefined()) {
    std::vector<SourceLocation> where;
    if (auto hosts = read_string_list(ctx_, h, "hosts", &where)) {
      vs.hosts = std::move(*hosts);
      parsed.where_hosts = std::move(where);
    }
  }
  if (const YAML::Node g = spec.get("gateways"); g.IsDefined()) {
    if (auto gateways = read_string_list(ctx_, g, "gateways")) vs.gateways = std::move(*gateways);
  }
  each(spec.get("http"), "http", "spec.http",
       [&](const YAML::Node& n, const std::string& p) { vs.http.push_back(http_route(n, p)); });
  l4_routes(spec.get("tcp"), "tcp", "spec.tcp");
  l4_routes(spec.get("tls"), "tls", "spec.tls");
  note(spec, {"tcp", "tls", "exportTo"}, "spec");
  parsed.destinations = std::move(sites_);
  return parsed;
}

policies::HttpRoute Reader::http_route(const YAML::Node& node, const std::string& path) {
  policies::HttpRoute r;
  const Mapping m(ctx_, node, what(path),
                  {"name", "match", "route", "redirect", "directResponse", "delegate", "rewrite",
                   "timeout", "retries", "fault", "mirror", "mirrors", "mirrorPercent",
                   "mirrorPercentage", "corsPolicy", "headers"});
  if (!m.is_mapping()) return r;
  r.name = m.string("name").value_or("");
  each(m.get("match"), "match", path + ".match",
       [&](const YAML::Node& n, const std::string& p) { r.matches.push_back(http_match(n, p)); });
  // Istio: "HTTP route or redirect or directResponse is required" (delegate stands in too).
  const YAML::Node route = m.present({"redirect", "directResponse", "delegate"}).empty()
                               ? m.require("route")
                               : m.get("route");
  WeightTally weights;
  each(route, "route", path + ".route", [&](const YAML::Node& n, const std::string& p) {
    if (auto d = route_destination(n, p, weights)) r.destinations.push_back(std::move(*d));
  });
  check_weights(route, weights);
  // 0s is Istio's "no timeout", which is also what absent means.
  r.timeout = duration(m, "timeout", DurationRule::kNonNegative);
  if (const YAML::Node n = m.get("retries"); n.IsDefined())
    r.retries = retries(n, path + ".retries");
  if (const YAML::Node n = m.get("fault"); n.IsDefined()) r.fault = fault(n, path + ".fault");
  mirrors(m, path, r);
  note(m, {"redirect", "directResponse", "delegate", "rewrite", "corsPolicy", "headers"}, path);
  return r;
}

policies::HttpMatch Reader::http_match(const YAML::Node& node, const std::string& path) {
  policies::HttpMatch x;
  const Mapping m(ctx_, node, what(path),
                  {"name", "uri", "scheme", "method", "authority", "headers", "port",
                   "sourceLabels", "gateways", "queryParams", "ignoreUriCase", "withoutHeaders",
                   "sourceNamespace", "statPrefix"});
  if (!m.is_mapping()) return x;
  x.name = m.string("name").value_or("");
  if (const YAML::Node n = m.get("uri"); n.IsDefined()) x.uri = string_match(n, path + ".uri");
  if (const YAML::Node n = m.get("scheme"); n.IsDefined())
    x.scheme = string_match(n, path + ".scheme");
  if (const YAML::Node n = m.get("method"); n.IsDefined())
    x.method = string_match(n, path + ".method");
  if (const YAML::Node n = m.get("authority"); n.IsDefined())
    x.authority = string_match(n, path + ".authority");
  x.ignore_uri_case = m.boolean("ignoreUriCase").value_or(false);
  x.headers = named_matches(m.get("headers"), "headers", path + ".headers");
  x.without_headers =
      named_matches(m.get("withoutHeaders"), "withoutHeaders", path + ".withoutHeaders");
  x.query_params = named_matches(m.get("queryParams"), "queryParams", path + ".queryParams");
  if (auto labels = m.string_map("sourceLabels")) x.source_labels = std::move(*labels);
  x.source_namespace = m.string("sourceNamespace").value_or("");
  if (auto port = m.integer("port", 1, 65535)) x.port = static_cast<uint32_t>(*port);
  if (const YAML::Node g = m.get("gateways"); g.IsDefined()) {
    if (auto gateways = read_string_list(ctx_, g, "gateways")) x.gateways = std::move(*gateways);
  }
  note(m, {"statPrefix"}, path);
  return x;
}

std::optional<policies::StringMatch> Reader::string_match(const YAML::Node& node,
                                                          const std::string& path) const {
  const Mapping m(ctx_, node, what(path), {"exact", "prefix", "regex"});
  if (!m.is_mapping()) return std::nullopt;
  const std::vector<std::string> given = m.present({"exact", "prefix", "regex"});
  if (given.empty()) {
    if (m.entries().empty()) return policies::StringMatch::present();  // `{}`
    // Unknown keys were reported by the Mapping; a known key can only be here with no value.
    for (const auto& [key, kv] : m.entries()) {
      if (key == "exact" || key == "prefix" || key == "regex") {
        ctx_.report(Code::kWrongType, kv.second, {key, "a string", describe(kv.second)});
      }
    }
    return std::nullopt;
  }
  if (given.size() > 1) {
    ctx_.report(Code::kExactlyOneOf, node,
                {what(path), "exact, prefix or regex", quote_join(given)});
    return std::nullopt;
  }
  auto v = m.string(given[0]);
  if (!v) return std::nullopt;
  if (given[0] == "exact") return policies::StringMatch::exact(*v);
  if (given[0] == "prefix") return policies::StringMatch::prefix(*v);
  try {
    return policies::StringMatch::regex(*v);
  } catch (const std::regex_error& e) {
    ctx_.report(Code::kInvalidRegex, m.get("regex"), {what(path), *v, e.what()});
    return std::nullopt;
  }
}

std::vector<policies::NamedMatch> Reader::named_matches(const YAML::Node& node,
                                                        std::string_view field,
                                                        const std::string& path) const {
  std::vector<policies::NamedMatch> out;
  if (!node.IsDefined()) return out;
  if (!node.IsMap()) {
    ctx_.report(Code::kWrongType, node,
                {std::string(field), "a mapping of names to matches", describe(node)});
    return out;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;  // copies: it-> points into a temporary
    const YAML::Node v = it->second;
    if (!k.IsScalar()) {
      ctx_.report(Code::kWrongType, k, {std::string(field), "a name", describe(k)});
      continue;
    }
    if (auto match = string_match(v, path + "." + k.Scalar())) {
      out.push_back({k.Scalar(), std::move(*match)});
    }
  }
  return out;
}

std::optional<policies::RouteDestination> Reader::route_destination(const YAML::Node& node,
                                                                    const std::string& path,
                                                                    WeightTally& weights) {
  const Mapping m(ctx_, node, what(path), {"destination", "weight", "headers"});
  if (!m.is_mapping()) return std::nullopt;
  policies::RouteDestination d;
  if (const YAML::Node dest = m.require("destination"); dest.IsDefined()) {
    d = destination(dest, path + ".destination", false);
  }
  if (const YAML::Node w = m.get("weight"); w.IsDefined()) {
    if (auto v = weight(w, weights)) d.weight = *v;
  }
  note(m, {"headers"}, path);
  return d;
}

std::optional<uint32_t> Reader::weight(const YAML::Node& w, WeightTally& weights) const {
  if (negative_integer(w)) {
    ctx_.report(Code::kNegativeWeight, w, {name_, w.Scalar()});
    return std::nullopt;  // a negative weight is not "not a number": MSH0303 still applies
  }
  auto v = read_integer(ctx_, w, "weight", 0, kUint32Max);
  if (!v) {
    weights.all_read = false;
    return std::nullopt;
  }
  if (*v > 0) weights.any_positive = true;
  return static_cast<uint32_t>(*v);
}

void Reader::check_weights(const YAML::Node& route, const WeightTally& weights) const {
  if (route.IsDefined() && route.IsSequence() && route.size() > 1 && weights.all_read &&
      !weights.any_positive) {
    ctx_.report(Code::kAllWeightsZero, route, {name_, std::to_string(route.size())});
  }
}

policies::RouteDestination Reader::destination(const YAML::Node& node, const std::string& path,
                                               bool mirror) {
  policies::RouteDestination d;
  const Mapping m(ctx_, node, what(path), {"host", "subset", "port"});
  if (!m.is_mapping()) return d;
  d.host = m.required_string("host").value_or("");
  d.subset = m.string("subset").value_or("");
  if (!d.host.empty()) {
    sites_.push_back({d.host, d.subset, mirror, m.where("host"),
                      d.subset.empty() ? SourceLocation{} : m.where("subset")});
  }
  const Mapping port(ctx_, m.get("port"), what(path + ".port"), {"number"});
  if (port.is_mapping()) {
    if (auto n = port.integer("number", 1, 65535)) d.port = static_cast<uint32_t>(*n);
  }
  return d;
}

std::optional<policies::HttpRetryConfig> Reader::retries(const YAML::Node& node,
                                                         const std::string& path) const {
  const Mapping m(ctx_, node, what(path),
                  {"attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities",
                   "retryIgnorePreviousHosts", "backoff"});
  if (!m.is_mapping()) return std::nullopt;
  policies::HttpRetryConfig r;
  bool typed = true;  // every field given has the right type
  if (const YAML::Node a = m.get("attempts"); a.IsDefined()) {
    // int32; a negative value is Istio's validation's to reject, below.
    if (auto v = read_number(ctx_, a, "attempts", -2147483648.0, 2147483647.0)) {
      if (*v == std::floor(*v)) {
        r.attempts = static_cast<int32_t>(*v);
      } else {
        ctx_.report(Code::kWrongType, a, {"attempts", "an integer", describe(a)});
        typed = false;
      }
    } else {
      typed = false;
    }
  }
  r.per_try_timeout = duration(m, "perTryTimeout", DurationRule::kNonNegative);
  r.retry_on = m.string("retryOn").value_or("");
  r.retry_remote_localities = m.boolean("retryRemoteLocalities");
  r.retry_ignore_previous_hosts = m.boolean("retryIgnorePreviousHosts");
  r.backoff = duration(m, "backoff", DurationRule::kNonNegative);
  typed = typed && (r.per_try_timeout || !m.has("perTryTimeout")) &&
          (!m.has("retryOn") || m.get("retryOn").IsScalar()) &&
          (r.retry_remote_localities || !m.has("retryRemoteLocalities")) &&
          (r.retry_ignore_previous_hosts || !m.has("retryIgnorePreviousHosts")) &&
          (r.backoff || !m.has("backoff"));
  if (!typed) return r;  // the validation would only repeat what was reported

  // Istio's webhook verdict, each reason at the field it is about: every field but one is
  // replaced by a valid stand-in, so the reasons left are that field's.
  auto report = [&](const policies::HttpRetryConfig& in, const YAML::Node& at,
                    const std::string& suffix) {
    for (const std::string& e : policies::validate_istio_retries(in).errors) {
      ctx_.report(Code::kInvalidRetries, at, {what(path), e + suffix});
    }
  };
  if (!r.retry_on.empty()) {
    policies::HttpRetryConfig only;
    only.attempts = 1;
    only.retry_on = r.retry_on;
    report(only, m.get("retryOn"), "");
  }
  if (r.per_try_timeout) {
    policies::HttpRetryConfig only;
    only.attempts = 1;
    only.per_try_timeout = r.per_try_timeout;
    report(only, m.get("perTryTimeout"), " (perTryTimeout)");
  }
  if (r.backoff) {
    policies::HttpRetryConfig only;
    only.attempts = 1;
    only.backoff = r.backoff;
    report(only, m.get("backoff"), " (backoff)");
  }
  policies::HttpRetryConfig rest = r;
  if (!rest.retry_on.empty()) rest.retry_on = "5xx";
  if (rest.per_try_timeout) rest.per_try_timeout = Time::from_s(1);
  if (rest.backoff) rest.backoff = Time::from_ms(25);
  report(rest, m.has("attempts") ? m.get("attempts") : node,
         m.has("attempts") ? "" : "; 'attempts' is absent, which Istio reads as 0");
  return r;
}

std::optional<policies::HttpFaultConfig> Reader::fault(const YAML::Node& node,
                                                       const std::string& path) const {
  const Mapping m(ctx_, node, what(path), {"delay", "abort"});
  if (!m.is_mapping()) return std::nullopt;
  policies::HttpFaultConfig f;
  const std::string dpath = path + ".delay";
  const Mapping d(ctx_, m.get("delay"), what(dpath),
                  {"fixedDelay", "exponentialDelay", "percentage", "percent"});
  if (d.is_mapping()) {
    // TranslateFault: percentage if set, else the deprecated integer percent (default 0).
    std::optional<double> pct;
    if (d.has("percentage")) pct = percent_message(d.get("percentage"), dpath + ".percentage");
    if (d.has("percent")) {
      auto legacy = percent(d.get("percent"), "percent", dpath + ".percent", true);
      if (!d.has("percentage")) pct = legacy;
    }
    if (d.has("fixedDelay") && d.has("exponentialDelay")) {
      ctx_.report(Code::kConflictingFields, d.get("exponentialDelay"),
                  {"exponentialDelay", "'fixedDelay'"});
    } else if (d.has("fixedDelay")) {
      if (auto t = duration(d, "fixedDelay", DurationRule::kPositive)) {
        f.delay = policies::FaultDelay{*t, pct};
      }
    } else if (d.has("exponentialDelay")) {
      ctx_.report(
          Code::kIgnoredByIstio, d.get("exponentialDelay"),
          {what(dpath), "exponentialDelay", "Istio programs only fixedDelay and drops this delay"});
    } else {
      d.require("fixedDelay");
    }
  }
  const std::string apath = path + ".abort";
  const Mapping a(ctx_, m.get("abort"), what(apath),
                  {"httpStatus", "grpcStatus", "http2Error", "percentage"});
  if (a.is_mapping()) {
    std::optional<double> pct;
    if (a.has("percentage")) pct = percent_message(a.get("percentage"), apath + ".percentage");
    const std::vector<std::string> kinds = a.present({"httpStatus", "grpcStatus", "http2Error"});
    if (kinds.size() != 1) {
      if (!kinds.empty() || !a.misspelt_any({"httpStatus", "grpcStatus", "http2Error"})) {
        ctx_.report(Code::kExactlyOneOf, m.get("abort"),
                    {what(apath), "httpStatus, grpcStatus or http2Error",
                     kinds.empty() ? "none" : quote_join(kinds)});
      }
    } else if (kinds[0] == "httpStatus") {
      // Istio validation: 200..600 (validateHTTPStatus).
      if (auto s = a.integer("httpStatus", 200, 600)) {
        policies::FaultAbort abort;
        abort.http_status = static_cast<uint32_t>(*s);
        abort.percentage = pct;
        f.abort = abort;
      }
    } else if (kinds[0] == "grpcStatus") {
      if (auto s = read_enum(ctx_, a.get("grpcStatus"), "grpcStatus", grpc_status_names())) {
        policies::FaultAbort abort;
        abort.grpc = true;
        abort.grpc_status = policies::grpc_status_code(*s).value_or(0);
        abort.percentage = pct;
        f.abort = abort;
      }
    } else {
      ctx_.report(Code::kIgnoredByIstio, a.get("http2Error"),
                  {what(apath), "http2Error",
                   "Istio programs only httpStatus and grpcStatus aborts and drops this one"});
    }
  }
  return f;
}

// route.go MirrorPercent / MirrorPercentByPolicy: `mirror` takes mirrorPercentage, else the
// deprecated mirrorPercent, else 100 %; each `mirrors` entry takes its own percentage only.
void Reader::mirrors(const Mapping& m, const std::string& path, policies::HttpRoute& route) {
  std::optional<double> legacy;
  if (m.has("mirrorPercentage")) {
    legacy = percent_message(m.get("mirrorPercentage"), path + ".mirrorPercentage");
  }
  if (m.has("mirrorPercent")) {
    auto p = percent(m.get("mirrorPercent"), "mirrorPercent", path + ".mirrorPercent", true);
    if (!m.has("mirrorPercentage")) legacy = p;
  }
  if (m.has("mirror") && m.has("mirrors")) {
    ctx_.report(Code::kConflictingFields, m.get("mirrors"), {"mirrors", "'mirror'"});
  }
  if (m.has("mirror")) {
    const policies::RouteDestination d = destination(m.get("mirror"), path + ".mirror", true);
    route.mirrors.push_back({d.host, d.subset, d.port, legacy});
  } else {
    for (const char* key : {"mirrorPercentage", "mirrorPercent"}) {
      if (m.has(key)) {
        ctx_.report(Code::kIgnoredByIstio, m.get(key),
                    {what(path), key, "it applies to 'mirror' only, which this route lacks"});
      }
    }
  }
  const YAML::Node list = m.get("mirrors");
  if (!list.IsDefined()) return;
  if (!list.IsSequence()) {
    ctx_.report(Code::kWrongType, list, {"mirrors", "a list", describe(list)});
    return;
  }
  std::size_t i = 0;
  for (auto it = list.begin(); it != list.end(); ++it, ++i) {
    const std::string p = path + ".mirrors[" + std::to_string(i) + "]";
    const Mapping e(ctx_, *it, what(p), {"destination", "percentage"});
    if (!e.is_mapping()) continue;
    policies::Mirror mirror;
    if (const YAML::Node dest = e.require("destination"); dest.IsDefined()) {
      const policies::RouteDestination d = destination(dest, p + ".destination", true);
      mirror.host = d.host;
      mirror.subset = d.subset;
      mirror.port = d.port;
    }
    if (e.has("percentage"))
      mirror.percentage = percent_message(e.get("percentage"), p + ".percentage");
    route.mirrors.push_back(std::move(mirror));
  }
}

// tcp and tls routes: checked for their shape and destinations, not kept.
void Reader::l4_routes(const YAML::Node& list, std::string_view field, const std::string& path) {
  each(list, field, path, [&](const YAML::Node& n, const std::string& p) {
    const Mapping m(ctx_, n, what(p), {"match", "route"});
    if (!m.is_mapping()) return;
    WeightTally weights;
    each(m.get("route"), "route", p + ".route", [&](const YAML::Node& rn, const std::string& rp) {
      const Mapping r(ctx_, rn, what(rp), {"destination", "weight"});
      if (!r.is_mapping()) return;
      if (const YAML::Node dest = r.require("destination"); dest.IsDefined()) {
        destination(dest, rp + ".destination", false);
      }
      if (const YAML::Node w = r.get("weight"); w.IsDefined()) weight(w, weights);
    });
    check_weights(m.get("route"), weights);
  });
}

// ---- DestinationRule ---------------------------------------------------------------------

models::DestinationRuleConfig Reader::destination_rule(const YAML::Node& root,
                                                       const std::string& name,
                                                       const std::string& ns) {
  models::DestinationRuleConfig dr;
  dr.name = name;
  dr.namespace_ = ns;
  const YAML::Node spec_node = child(root, "spec");
  if (!spec_node.IsDefined()) {
    ctx_.report(Code::kMissingField, root, {"spec", label_});
    return dr;
  }
  const Mapping spec(ctx_, spec_node, what("spec"),
                     {"host", "trafficPolicy", "subsets", "exportTo", "workloadSelector"});
  if (!spec.is_mapping()) return dr;
  dr.host = spec.required_string("host").value_or("");
  if (const YAML::Node tp = spec.get("trafficPolicy"); tp.IsDefined()) {
    dr.traffic_policy = traffic_policy(tp, "spec.trafficPolicy");
  }
  std::map<std::string, SourceLocation> seen;  // subset name -> where
  each(spec.get("subsets"), "subsets", "spec.subsets",
       [&](const YAML::Node& n, const std::string& p) {
         const Mapping m(ctx_, n, what(p), {"name", "labels", "trafficPolicy"});
         if (!m.is_mapping()) return;
         models::DestinationRuleConfig::Subset s;
         s.name = m.required_string("name").value_or("");
         if (!s.name.empty()) {
           auto [it, fresh] = seen.emplace(s.name, m.where("name"));
           if (!fresh) {
             ctx_.report(Code::kDuplicateName, m.get("name"),
                         {"subset", s.name, it->second.to_string()});
           }
         }
         if (auto labels = m.string_map("labels")) s.labels = std::move(*labels);
         if (const YAML::Node tp = m.get("trafficPolicy"); tp.IsDefined()) {
           s.traffic_policy = traffic_policy(tp, p + ".trafficPolicy");
         }
         dr.subsets.push_back(std::move(s));
       });
  policy_not_modelled(spec, "workloadSelector", "spec",
                      "the rule applies to every client sidecar, not only the selected ones");
  note(spec, {"exportTo"}, "spec");
  return dr;
}

models::TrafficPolicyConfig Reader::traffic_policy(const YAML::Node& node,
                                                   const std::string& path) {
  models::TrafficPolicyConfig tp;
  const Mapping m(ctx_, node, what(path),
                  {"loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings",
                   "tunnel", "proxyProtocol", "retryBudget"});
  if (!m.is_mapping()) return tp;
  if (const YAML::Node n = m.get("loadBalancer"); n.IsDefined()) {
    load_balancer(n, path + ".loadBalancer", tp);
  }
  if (const YAML::Node n = m.get("connectionPool"); n.IsDefined()) {
    tp.connection_pool = connection_pool(n, path + ".connectionPool");
  }
  if (const YAML::Node n = m.get("outlierDetection"); n.IsDefined()) {
    tp.outlier_detection = outlier_detection(n, path + ".outlierDetection");
  }
  if (const YAML::Node n = m.get("retryBudget"); n.IsDefined()) {
    tp.retry_budget = retry_budget(n, path + ".retryBudget");
  }
  policy_not_modelled(m, "portLevelSettings", path,
                      "the settings for the whole host apply to every port");
  note(m, {"tls", "tunnel", "proxyProtocol"}, path);
  return tp;
}

void Reader::load_balancer(const YAML::Node& node, const std::string& path,
                           models::TrafficPolicyConfig& tp) {
  const Mapping m(
      ctx_, node, what(path),
      {"simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup"});
  if (!m.is_mapping()) return;
  if (m.has("simple") && m.has("consistentHash")) {
    ctx_.report(Code::kConflictingFields, m.get("consistentHash"), {"consistentHash", "'simple'"});
  } else if (m.has("simple")) {
    static const std::vector<std::string> kSimple = {"UNSPECIFIED", "LEAST_CONN",  "RANDOM",
                                                     "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"};
    if (auto s = read_enum(ctx_, m.get("simple"), "simple", kSimple)) {
      policies::LbConfig lb;
      if (*s == "ROUND_ROBIN") {
        lb.policy = policies::LbPolicy::RoundRobin;
        tp.load_balancer = lb;
      } else if (*s == "LEAST_REQUEST" || *s == "LEAST_CONN") {  // LEAST_CONN: deprecated alias
        lb.policy = policies::LbPolicy::LeastRequest;
        tp.load_balancer = lb;
      } else if (*s == "RANDOM") {
        lb.policy = policies::LbPolicy::Random;
        tp.load_balancer = lb;
      } else if (*s == "PASSTHROUGH") {
        ctx_.report(Code::kUnsupportedLoadBalancer, m.get("simple"),
                    {what(path), "PASSTHROUGH", "Istio's default (LEAST_REQUEST) is used instead"});
      }  // UNSPECIFIED: Istio's default
    }
  } else if (m.has("consistentHash")) {
    consistent_hash(m.get("consistentHash"), path + ".consistentHash", tp);
  }
  if (const YAML::Node n = m.get("localityLbSetting"); n.IsDefined()) {
    tp.locality = locality(n, path + ".localityLbSetting");
  }
  for (const char* key : {"warmupDurationSecs", "warmup"}) {
    policy_not_modelled(m, key, path, "new endpoints get their full share of requests at once");
  }
}

void Reader::consistent_hash(const YAML::Node& node, const std::string& path,
                             models::TrafficPolicyConfig& tp) {
  const Mapping m(ctx_, node, what(path),
                  {"httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName",
                   "ringHash", "maglev", "minimumRingSize"});
  if (!m.is_mapping()) return;
  policies::LbConfig lb;
  lb.policy = policies::LbPolicy::RingHash;  // Istio: ring hash unless maglev is given
  const std::vector<std::string> keys =
      m.present({"httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"});
  if (keys.size() > 1) {
    ctx_.report(Code::kConflictingFields, m.get(keys[1]), {keys[1], "'" + keys[0] + "'"});
  }
  if (auto h = m.string("httpHeaderName")) tp.consistent_hash_header = *h;
  if (const YAML::Node c = m.get("httpCookie"); c.IsDefined()) {
    // meshsim's requests carry headers, not cookies: the cookie is hashed as a header of its
    // name, which a Load's requests can set.
    const Mapping cookie(ctx_, c, what(path + ".httpCookie"),
                         {"name", "path", "ttl", "attributes"});
    if (cookie.is_mapping()) {
      tp.consistent_hash_header = cookie.required_string("name").value_or("");
      duration(cookie, "ttl", DurationRule::kNonNegative);
      note(cookie, {"path", "ttl", "attributes"}, path + ".httpCookie");
    }
  }
  if (auto ip = m.boolean("useSourceIp")) tp.consistent_hash_source_ip = *ip;
  if (m.string("httpQueryParameterName")) {
    ctx_.report(Code::kUnsupportedLoadBalancer, m.get("httpQueryParameterName"),
                {what(path), "consistentHash.httpQueryParameterName",
                 "requests carry no hash key, so each goes to a random host, as Envoy does "
                 "when the parameter is absent"});
  }
  if (m.has("ringHash") && m.has("maglev")) {
    ctx_.report(Code::kConflictingFields, m.get("maglev"), {"maglev", "'ringHash'"});
  }
  if (const YAML::Node n = m.get("maglev"); n.IsDefined()) {
    lb.policy = policies::LbPolicy::Maglev;
    const Mapping maglev(ctx_, n, what(path + ".maglev"), {"tableSize"});
    if (auto size = maglev.integer("tableSize", 0, kMaglevTableLimit - 1); size && *size > 0) {
      if (is_prime(*size)) {
        lb.maglev_table_size = *size;
      } else {
        ctx_.report(Code::kOutOfRange, maglev.get("tableSize"),
                    {"tableSize", "a prime number below 5000011", std::to_string(*size)});
      }
    }
  } else {
    // ringHash.minimumRingSize, else the deprecated top-level one; 0 = Istio's 1024.
    std::optional<uint64_t> ring;
    if (m.has("minimumRingSize")) ring = m.integer("minimumRingSize", 0, kEnvoyMaxRingSize);
    if (const YAML::Node ring_hash = m.get("ringHash"); ring_hash.IsDefined()) {
      const Mapping rh(ctx_, ring_hash, what(path + ".ringHash"), {"minimumRingSize"});
      if (rh.has("minimumRingSize")) ring = rh.integer("minimumRingSize", 0, kEnvoyMaxRingSize);
    }
    if (ring && *ring > 0) lb.minimum_ring_size = *ring;
  }
  tp.load_balancer = lb;
}

std::optional<policies::LocalityLbSetting> Reader::locality(const YAML::Node& node,
                                                            const std::string& path) {
  const Mapping m(ctx_, node, what(path),
                  {"enabled", "distribute", "failover", "failoverPriority"});
  if (!m.is_mapping()) return std::nullopt;
  policies::LocalityLbSetting s;
  if (auto e = m.boolean("enabled")) s.enabled = *e;
  each(m.get("failover"), "failover", path + ".failover",
       [&](const YAML::Node& n, const std::string& p) {
         const Mapping f(ctx_, n, what(p), {"from", "to"});
         if (!f.is_mapping()) return;
         auto from = f.required_string("from");
         auto to = f.required_string("to");
         if (from && to) s.failover.push_back({*from, *to});
       });
  if (const YAML::Node n = m.get("failoverPriority"); n.IsDefined()) {
    if (auto list = read_string_list(ctx_, n, "failoverPriority")) {
      s.failover_priority = std::move(*list);
    }
  }
  each(m.get("distribute"), "distribute", path + ".distribute",
       [&](const YAML::Node& n, const std::string& p) {
         const Mapping d(ctx_, n, what(p), {"from", "to"});
         if (!d.is_mapping()) return;
         d.string("from");
         const YAML::Node to = d.get("to");
         if (!to.IsDefined()) return;
         if (!to.IsMap()) {
           ctx_.report(Code::kWrongType, to,
                       {"to", "a mapping of localities to weights", describe(to)});
           return;
         }
         for (auto it = to.begin(); it != to.end(); ++it) {
           read_integer(ctx_, it->second, "to", 0, kUint32Max);
         }
       });
  if (m.has("distribute")) {
    s.has_distribute = true;
    if (m.has("failover") || m.has("failoverPriority")) {
      ctx_.report(Code::kConflictingFields, m.get("distribute"),
                  {"distribute", "'failover' or 'failoverPriority'"});
    }
    policy_not_modelled(m, "distribute", path,
                        "with it no failover priorities are assigned, and the weights are not "
                        "applied: every locality gets requests in proportion to its endpoints");
  }
  return s;
}

std::optional<policies::ConnectionPoolSettings> Reader::connection_pool(const YAML::Node& node,
                                                                        const std::string& path) {
  const Mapping m(ctx_, node, what(path), {"tcp", "http"});
  if (!m.is_mapping()) return std::nullopt;
  policies::ConnectionPoolSettings c;
  const Mapping tcp(
      ctx_, m.get("tcp"), what(path + ".tcp"),
      {"maxConnections", "connectTimeout", "tcpKeepalive", "maxConnectionDuration", "idleTimeout"});
  if (tcp.is_mapping()) {
    c.max_connections = integer(tcp, "maxConnections", kInt32Max);
    c.connect_timeout = duration(tcp, "connectTimeout", DurationRule::kPositive);
    c.tcp_idle_timeout = duration(tcp, "idleTimeout", DurationRule::kNonNegative);
    duration(tcp, "maxConnectionDuration", DurationRule::kPositive);
    policy_not_modelled(tcp, "maxConnectionDuration", path + ".tcp",
                        "connections are closed only by maxRequestsPerConnection, idle "
                        "timeouts and failures");
    note(tcp, {"tcpKeepalive"}, path + ".tcp");
  }
  const Mapping http(
      ctx_, m.get("http"), what(path + ".http"),
      {"http1MaxPendingRequests", "http2MaxRequests", "maxRequestsPerConnection", "maxRetries",
       "idleTimeout", "h2UpgradePolicy", "useClientProtocol", "maxConcurrentStreams"});
  if (http.is_mapping()) {
    c.http1_max_pending_requests = integer(http, "http1MaxPendingRequests", kInt32Max);
    c.http2_max_requests = integer(http, "http2MaxRequests", kInt32Max);
    c.max_requests_per_connection = integer(http, "maxRequestsPerConnection", kInt32Max);
    c.max_retries = integer(http, "maxRetries", kInt32Max);
    c.idle_timeout = duration(http, "idleTimeout", DurationRule::kNonNegative);
    c.max_concurrent_streams = integer(http, "maxConcurrentStreams", kInt32Max);
    if (const YAML::Node n = http.get("h2UpgradePolicy"); n.IsDefined()) {
      auto p = read_enum(ctx_, n, "h2UpgradePolicy", {"DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"});
      if (p == "UPGRADE") {
        policy_not_modelled(http, "h2UpgradePolicy", path + ".http",
                            "connections to HTTP/1.1 ports stay HTTP/1.1 (one request at a "
                            "time per connection)");
      }
    }
    http.boolean("useClientProtocol");
    note(http, {"useClientProtocol"}, path + ".http");
  }
  return c;
}

std::optional<policies::OutlierDetectionSettings> Reader::outlier_detection(
    const YAML::Node& node, const std::string& path) {
  const Mapping m(
      ctx_, node, what(path),
      {"consecutiveErrors", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures",
       "consecutiveGatewayErrors", "consecutive5xxErrors", "interval", "baseEjectionTime",
       "maxEjectionPercent", "minHealthPercent"});
  if (!m.is_mapping()) return std::nullopt;
  policies::OutlierDetectionSettings o;
  auto u32 = [&](std::string_view key) -> std::optional<uint32_t> {
    auto v = m.integer(key, 0, kUint32Max);
    if (!v) return std::nullopt;
    return static_cast<uint32_t>(*v);
  };
  o.consecutive_5xx_errors = u32("consecutive5xxErrors");
  o.consecutive_gateway_errors = u32("consecutiveGatewayErrors");
  o.consecutive_local_origin_failures = u32("consecutiveLocalOriginFailures");
  if (auto v = m.integer("consecutiveErrors", 0, kInt32Max)) {
    o.consecutive_errors = static_cast<uint32_t>(*v);
    ctx_.report(Code::kIgnoredByIstio, m.get("consecutiveErrors"),
                {what(path), "consecutiveErrors",
                 "it is deprecated and not read since Istio 1.7; use consecutive5xxErrors or "
                 "consecutiveGatewayErrors"});
  }
  o.split_external_local_origin_errors =
      m.boolean("splitExternalLocalOriginErrors").value_or(false);
  o.interval = duration(m, "interval", DurationRule::kPositive);
  o.base_ejection_time = duration(m, "baseEjectionTime", DurationRule::kPositive);
  for (auto [key, out] : {std::pair{"maxEjectionPercent", &o.max_ejection_percent},
                          std::pair{"minHealthPercent", &o.min_health_percent}}) {
    if (const YAML::Node n = m.get(key); n.IsDefined()) {
      if (auto p = percent(n, key, path + "." + key, true)) *out = static_cast<int32_t>(*p);
    }
  }
  return o;
}

std::optional<policies::RetryBudgetSettings> Reader::retry_budget(const YAML::Node& node,
                                                                  const std::string& path) {
  const Mapping m(ctx_, node, what(path), {"percent", "minRetryConcurrency", "budgetInterval"});
  if (!m.is_mapping()) return std::nullopt;
  policies::RetryBudgetSettings b;
  if (const YAML::Node n = m.get("percent"); n.IsDefined()) {
    b.percent = percent(n, "percent", path + ".percent", false);
  }
  b.min_retry_concurrency = integer(m, "minRetryConcurrency", kUint32Max);
  duration(m, "budgetInterval", DurationRule::kNonNegative);
  policy_not_modelled(m, "budgetInterval", path,
                      "only the requests active or pending now count towards the budget");
  return b;
}

}  // namespace

bool applies_to_sidecars(const policies::VirtualServiceConfig& vs) {
  return vs.gateways.empty() || std::find(vs.gateways.begin(), vs.gateways.end(),
                                          policies::kMeshGateway) != vs.gateways.end();
}

bool is_traffic_manifest(std::string_view api_version, std::string_view kind) {
  if (kind != "VirtualService" && kind != "DestinationRule") return false;
  return api_version == "networking.istio.io/v1" || api_version == "networking.istio.io/v1beta1" ||
         api_version == "networking.istio.io/v1alpha3";
}

ParsedVirtualService read_virtual_service(const Context& ctx, const YAML::Node& root,
                                          const std::string& name, const std::string& ns) {
  Reader reader(ctx, "VirtualService '" + name + "'");
  ParsedVirtualService vs = reader.virtual_service(root, name, ns);
  reader.finish();
  return vs;
}

models::DestinationRuleConfig read_destination_rule(const Context& ctx, const YAML::Node& root,
                                                    const std::string& name,
                                                    const std::string& ns) {
  Reader reader(ctx, "DestinationRule '" + name + "'");
  models::DestinationRuleConfig dr = reader.destination_rule(root, name, ns);
  reader.finish();
  return dr;
}

void read_traffic(const std::vector<Manifest>& istio, Diagnostics& diagnostics,
                  const Locator& locator, models::TrafficConfig& traffic,
                  std::vector<ParsedVirtualService>& parsed) {
  struct Claim {
    std::string ns;
    std::string name;
    SourceLocation where;
  };
  std::map<std::string, Claim> claims;  // resolved host -> the first sidecar VS that has it
  for (const Manifest& m : istio) {
    if (!is_traffic_manifest(m.api_version, m.kind)) continue;
    const Context ctx(diagnostics, locator, m.where.file);
    if (m.kind == "DestinationRule") {
      traffic.destination_rules.push_back(read_destination_rule(ctx, m.node, m.name, m.namespace_));
      continue;
    }
    parsed.push_back(read_virtual_service(ctx, m.node, m.name, m.namespace_));
    const std::vector<SourceLocation>& where_hosts = parsed.back().where_hosts;
    policies::VirtualServiceConfig vs = parsed.back().config;
    if (!applies_to_sidecars(vs)) continue;
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < vs.hosts.size(); ++i) {
      const SourceLocation where = i < where_hosts.size() ? where_hosts[i] : m.where;
      const std::string fqdn = policies::resolve_shortname_to_fqdn(vs.hosts[i], vs.ns);
      auto [it, fresh] = claims.emplace(fqdn, Claim{vs.ns, vs.name, where});
      if (fresh || (it->second.ns == vs.ns && it->second.name == vs.name)) {
        kept.push_back(vs.hosts[i]);
        continue;
      }
      diagnostics.report(Code::kConflictingVirtualServiceHost, where,
                         {vs.name, vs.hosts[i], it->second.name, it->second.where.to_string()});
    }
    if (kept.empty() && !vs.hosts.empty()) continue;
    vs.hosts = std::move(kept);
    traffic.virtual_services.push_back(std::move(vs));
  }
}

}  // namespace meshsim::scenarios::internal
