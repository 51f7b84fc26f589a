// The VirtualService part of the Reader (istio_reader.h): a VirtualService's spec into a
// policies::VirtualServiceConfig -- its http routes with their matches, weighted destinations,
// retries, faults and mirrors -- recording every destination and mirror host for the reference
// checks; tcp and tls routes are read only for their destinations.  Reports what concerns the
// manifest alone, weights included (MSH0303, MSH0304).
#include <charconv>
#include <cmath>
#include <regex>

#include "scenarios/internal/istio_reader.h"

namespace meshsim::scenarios::internal::istio_reader {
namespace {

// A negative integer weight: MSH0304 says it in Istio's words rather than MSH0104.
bool negative_integer(const YAML::Node& n) {
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && v < 0;
}

const std::vector<std::string>& grpc_status_names() {
  static const std::vector<std::string> names(policies::grpc_status_names().begin(),
                                              policies::grpc_status_names().end());
  return names;
}

}  // namespace

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
  vs.tcp = l4_routes(spec.get("tcp"), "tcp", "spec.tcp");
  l4_routes(spec.get("tls"), "tls", "spec.tls");
  note(spec, {"tls", "exportTo"}, "spec");
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
std::vector<policies::TcpRoute> Reader::l4_routes(const YAML::Node& list, std::string_view field,
                                                 const std::string& path) {
  std::vector<policies::TcpRoute> routes;
  const bool tcp = field == "tcp";
  each(list, field, path, [&](const YAML::Node& n, const std::string& p) {
    const Mapping m(ctx_, n, what(p), {"match", "route"});
    if (!m.is_mapping()) return;
    policies::TcpRoute route;
    each(m.get("match"), "match", p + ".match", [&](const YAML::Node& mn, const std::string& mp) {
      const Mapping x(ctx_, mn, what(mp),
                      tcp ? std::initializer_list<std::string_view>{"destinationSubnets", "port", "sourceLabels",
                                                                    "gateways", "sourceNamespace", "sourceSubnet"}
                          : std::initializer_list<std::string_view>{"sniHosts", "destinationSubnets", "port",
                                                                    "sourceLabels", "gateways", "sourceNamespace"});
      if (!x.is_mapping()) return;
      policies::L4Match l4;
      if (const YAML::Node d = x.get("destinationSubnets"); d.IsDefined()) {
        if (auto subnets = read_string_list(ctx_, d, "destinationSubnets")) l4.destination_subnets = std::move(*subnets);
        if (tcp && !l4.destination_subnets.empty())
          ctx_.report(Code::kTcpRouteDestinationSubnets, d, {what(mp), "[" + join(l4.destination_subnets) + "]"});
      }
      if (auto port = x.integer("port", 1, 65535)) l4.port = static_cast<uint32_t>(*port);
      if (auto labels = x.string_map("sourceLabels")) l4.source_labels = std::move(*labels);
      l4.source_namespace = x.string("sourceNamespace").value_or("");
      if (const YAML::Node g = x.get("gateways"); g.IsDefined()) {
        if (auto gateways = read_string_list(ctx_, g, "gateways")) l4.gateways = std::move(*gateways);
      }
      route.matches.push_back(std::move(l4));
    });
    WeightTally weights;
    each(m.get("route"), "route", p + ".route", [&](const YAML::Node& rn, const std::string& rp) {
      const Mapping r(ctx_, rn, what(rp), {"destination", "weight"});
      if (!r.is_mapping()) return;
      policies::RouteDestination d;
      if (const YAML::Node dest = r.require("destination"); dest.IsDefined()) {
        d = destination(dest, rp + ".destination", false);
      }
      if (const YAML::Node w = r.get("weight"); w.IsDefined()) {
        if (auto v = weight(w, weights)) d.weight = *v;
      }
      route.destinations.push_back(std::move(d));
    });
    check_weights(m.get("route"), weights);
    routes.push_back(std::move(route));
  });
  return routes;
}

}  // namespace meshsim::scenarios::internal::istio_reader
