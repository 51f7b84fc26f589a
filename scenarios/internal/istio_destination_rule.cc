// The DestinationRule part of the Reader (istio_reader.h): a DestinationRule's spec and subsets
// into a models::DestinationRuleConfig -- each traffic policy's load balancer (simple,
// consistent hash, locality), connection pool, outlier detection and retry budget -- with
// Istio's limits on each value, and a warning (MSH0311) for each policy field that would change
// what the simulation shows but is not modelled.
#include <map>

#include "scenarios/internal/istio_reader.h"

namespace meshsim::scenarios::internal::istio_reader {
namespace {

constexpr uint64_t kMaglevTableLimit = 5'000'011;  // Istio: "a prime number less than 5000011"
constexpr uint64_t kEnvoyMaxRingSize = 8u * 1024u * 1024u;  // Envoy's maximum_ring_size default

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

}  // namespace

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

}  // namespace meshsim::scenarios::internal::istio_reader
