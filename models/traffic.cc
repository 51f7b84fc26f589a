// Building the client sidecars' clusters and route tables; see traffic.h.
#include "models/traffic.h"

#include <algorithm>

#include "policies/host_name.h"

namespace meshsim::models {

namespace {

bool labels_match(const Labels& selector, const Labels& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

// Istio MergeTrafficPolicy: a subset's trafficPolicy replaces the top level's per field.
TrafficPolicyConfig merge(const TrafficPolicyConfig& top, const std::optional<TrafficPolicyConfig>& sub) {
  if (!sub) return top;
  TrafficPolicyConfig out = top;
  if (sub->load_balancer) {
    out.load_balancer = sub->load_balancer;
    out.consistent_hash_header = sub->consistent_hash_header;
    out.consistent_hash_source_ip = sub->consistent_hash_source_ip;
  }
  if (sub->connection_pool) out.connection_pool = sub->connection_pool;
  if (sub->retry_budget) out.retry_budget = sub->retry_budget;
  if (sub->outlier_detection) out.outlier_detection = sub->outlier_detection;
  if (sub->locality) out.locality = sub->locality;
  return out;
}

}  // namespace

TrafficTables::TrafficTables(const TrafficConfig& config, TrafficTopology topology)
    : version_(policies::IstioVersion::parse(config.istio_version).value_or(policies::IstioVersion::current())),
      topo_(std::move(topology)),
      registry_([this] {
        std::vector<std::string> hostnames;
        for (const auto& s : topo_.services) hostnames.push_back(s.fqdn);
        return hostnames;
      }()) {
  for (const auto& vs : config.virtual_services)
    virtual_services_.push_back(std::make_unique<policies::VirtualServiceConfig>(vs));
  destination_rules_ = config.destination_rules;
  build_clusters();
}

const DestinationRuleConfig* TrafficTables::rule_for(uint32_t service) const {
  // Several DRs for one host: Istio merges only on gateways; the first by load order wins here
  // (the scenario layer warns).
  for (const auto& dr : destination_rules_)
    if (policies::host_matches(dr.host, topo_.services[service].fqdn, dr.namespace_)) return &dr;
  return nullptr;
}

// Append-only: a config push adds new clusters (Envoy builds a new cluster and drains the old);
// the old ones stay valid for requests in flight, and their per-client state is simply not
// reached any more.
void TrafficTables::build_clusters() {
  cluster_index_.clear();
  if (subset_names_.empty()) subset_names_.assign(1, "");
  retire_tables();
  auto subset_id = [this](const std::string& name) {
    auto it = std::find(subset_names_.begin(), subset_names_.end(), name);
    if (it != subset_names_.end()) return static_cast<uint32_t>(it - subset_names_.begin());
    subset_names_.push_back(name);
    return static_cast<uint32_t>(subset_names_.size() - 1);
  };
  auto add = [&](uint32_t s, const std::string& subset, std::vector<uint32_t> pods, const TrafficPolicyConfig& p) {
    ClusterRt c;
    c.service = s;
    c.subset = subset;
    c.pods = std::move(pods);
    c.original_dst = topo_.services[s].headless;
    c.lb = p.load_balancer.value_or(policies::LbConfig{});
    c.hash_lb = c.lb.policy == policies::LbPolicy::RingHash || c.lb.policy == policies::LbPolicy::Maglev;
    c.outlier = p.outlier_detection;
    c.connection_pool = p.connection_pool;
    c.retry_budget = p.retry_budget;
    c.hash_header = p.consistent_hash_header;
    c.hash_source_ip = p.consistent_hash_source_ip;
    if (p.locality) c.locality = *p.locality;
    c.lb.healthy_panic_threshold = policies::istio_healthy_panic_threshold(
        p.outlier_detection.has_value(),
        p.outlier_detection ? static_cast<uint32_t>(std::max(0, p.outlier_detection->min_health_percent)) : 0);
    c.retry_breaker.max_retries = policies::kIstioDefaultMaxRetries;
    if (p.connection_pool && p.connection_pool->max_retries && *p.connection_pool->max_retries > 0)
      c.retry_breaker.max_retries = static_cast<uint64_t>(*p.connection_pool->max_retries);
    if (p.retry_budget) {
      policies::RetryBudget b;
      b.budget_percent = p.retry_budget->percent
                             ? *p.retry_budget->percent
                             : policies::istio_retry_budget_default_percent(version_);
      if (p.retry_budget->min_retry_concurrency && *p.retry_budget->min_retry_concurrency > 0)
        b.min_retry_concurrency = static_cast<uint32_t>(*p.retry_budget->min_retry_concurrency);
      c.retry_breaker.retry_budget = b;
    }
    cluster_index_[(uint64_t{s} << 32) | subset_id(subset)] = static_cast<uint32_t>(clusters_.size());
    clusters_.push_back(std::move(c));
  };
  for (uint32_t s = 0; s < topo_.services.size(); ++s) {
    const DestinationRuleConfig* dr = rule_for(s);
    const TrafficPolicyConfig top = dr ? dr->traffic_policy : TrafficPolicyConfig{};
    add(s, "", topo_.services[s].pods, top);
    if (dr == nullptr) continue;
    for (const auto& sub : dr->subsets) {
      std::vector<uint32_t> pods;
      for (uint32_t p : topo_.services[s].pods)
        if (labels_match(sub.labels, *topo_.pod_labels[p])) pods.push_back(p);
      add(s, sub.name, std::move(pods), merge(top, sub.traffic_policy));
    }
  }
}

uint32_t TrafficTables::find_cluster(uint32_t service, const std::string& subset) const {
  auto it = std::find(subset_names_.begin(), subset_names_.end(), subset);
  if (it == subset_names_.end()) return kNoCluster;
  auto jt = cluster_index_.find((uint64_t{service} << 32) | static_cast<uint64_t>(it - subset_names_.begin()));
  return jt == cluster_index_.end() ? kNoCluster : jt->second;
}

// A destination names one cluster, outbound|port|subset|<resolved host>: the service whose
// hostname is exactly that (policies/host_name.h), so "reviews.default" names none (503 NC).
uint32_t TrafficTables::service_of_host(const std::string& host, const std::string& ns) const {
  return registry_.destination_service(host, ns).value_or(UINT32_MAX);
}

RouteRt TrafficTables::make_route(const policies::HttpRoute* route, uint32_t service,
                                  const std::string& vs_namespace) const {
  RouteRt r;
  r.route = route;
  if (route == nullptr) {
    // Istio's default route: the service's own cluster, the mesh default retry policy (which
    // keeps previous_hosts even for hash balancers: route.go), no timeout.
    r.retry = policies::istio_default_retry_policy(version_, false);
    r.clusters.push_back(find_cluster(service, ""));
    r.destination_services.push_back(service);
  } else {
    for (const auto& d : route->destinations) {
      const uint32_t s = service_of_host(d.host, vs_namespace);
      r.destination_services.push_back(s);
      r.clusters.push_back(s == UINT32_MAX ? kNoCluster : find_cluster(s, d.subset));
    }
    for (const auto& m : route->mirrors) {
      const uint32_t s = service_of_host(m.host, vs_namespace);
      r.mirror_clusters.push_back(s == UINT32_MAX ? kNoCluster : find_cluster(s, m.subset));
    }
    // previous_hosts is dropped for a single consistent-hash destination (route.go).
    const bool hash = r.clusters.size() == 1 && r.clusters[0] != kNoCluster && clusters_[r.clusters[0]].hash_lb;
    r.retry = route->retries ? policies::retry_policy_from_istio(*route->retries, version_, hash)
                             : policies::istio_default_retry_policy(version_, hash);
  }
  r.timeouts = policies::final_timeouts(route && route->timeout ? *route->timeout : simcore::Time::zero(),
                                        r.retry.per_try_timeout);
  return r;
}

const policies::VirtualServiceConfig* TrafficTables::virtual_service_for(uint32_t service) const {
  for (const auto& v : virtual_services_) {
    for (const auto& h : v->hosts)
      if (policies::host_matches(h, topo_.services[service].fqdn, v->ns)) return v.get();
  }
  return nullptr;  // the first VS for a host wins (Istio does not merge on mesh)
}

const TcpRouteRt& TrafficTables::tcp_route(uint32_t workload, uint32_t service, uint32_t port) {
  const uint64_t key = (uint64_t{workload} << 40) ^ (uint64_t{service} << 16) ^ port;
  auto it = tcp_routes_.find(key);
  if (it != tcp_routes_.end()) return it->second;
  TcpRouteRt r;
  if (const policies::VirtualServiceConfig* vs = virtual_service_for(service); vs != nullptr)
    r.route = policies::tcp_route_for_source(*vs, topo_.workloads[workload].labels, topo_.workloads[workload].namespace_,
                                             port);
  if (r.route == nullptr) {
    r.clusters.push_back(find_cluster(service, ""));
  } else {
    const policies::VirtualServiceConfig* vs = virtual_service_for(service);
    for (const auto& d : r.route->destinations) {
      const uint32_t s = service_of_host(d.host, vs->ns);
      r.clusters.push_back(s == UINT32_MAX ? kNoCluster : find_cluster(s, d.subset));
    }
  }
  return tcp_routes_.emplace(key, std::move(r)).first->second;
}

const RouteTable& TrafficTables::table(uint32_t workload, uint32_t service) {
  const uint64_t key = (uint64_t{workload} << 32) | service;
  auto it = tables_.find(key);
  if (it != tables_.end()) return it->second;
  RouteTable t;
  const policies::VirtualServiceConfig* vs = virtual_service_for(service);
  if (vs != nullptr) {
    static const Labels kNoLabels;
    const bool edge = workload == UINT32_MAX;  // an in-mesh load generator: no labels
    t.entries = policies::routes_for_source(*vs, edge ? kNoLabels : topo_.workloads[workload].labels,
                                            edge ? "default" : topo_.workloads[workload].namespace_, 0);
  }
  if (t.entries.empty()) {
    // No VS, or every route filtered out for this client: Istio's default route.
    t.routes.push_back(make_route(nullptr, service, ""));
  } else {
    t.has_virtual_service = true;
    for (const auto& e : t.entries) {
      uint32_t idx = 0;
      while (idx < t.routes.size() && t.routes[idx].route != e.route) ++idx;
      if (idx == t.routes.size()) t.routes.push_back(make_route(e.route, service, vs->ns));
      t.entry_route.push_back(idx);
    }
  }
  return tables_.emplace(key, std::move(t)).first->second;
}

void TrafficTables::retire_tables() {
  for (auto& [k, t] : tables_) retired_tables_.push_back(std::make_unique<RouteTable>(std::move(t)));
  tables_.clear();
  tcp_routes_.clear();  // connections keep only their cluster index: nothing points into these
}

bool TrafficTables::apply(const policies::VirtualServiceConfig& vs) {
  retire_tables();
  for (auto& v : virtual_services_) {
    if (v->name == vs.name && v->ns == vs.ns) {
      retired_vs_.push_back(std::move(v));
      v = std::make_unique<policies::VirtualServiceConfig>(vs);
      return false;
    }
  }
  virtual_services_.push_back(std::make_unique<policies::VirtualServiceConfig>(vs));
  return false;
}

bool TrafficTables::apply(const DestinationRuleConfig& dr) {
  bool replaced = false;
  for (auto& d : destination_rules_) {
    if (d.name == dr.name && d.namespace_ == dr.namespace_) {
      d = dr;
      replaced = true;
    }
  }
  if (!replaced) destination_rules_.push_back(dr);
  build_clusters();
  return true;
}

bool TrafficTables::remove(const std::string& kind, const std::string& name, const std::string& ns) {
  if (kind == "VirtualService") {
    retire_tables();
    for (auto& v : virtual_services_)
      if (v && v->name == name && v->ns == ns) retired_vs_.push_back(std::move(v));
    std::erase_if(virtual_services_, [](const auto& v) { return v == nullptr; });
    return false;
  }
  if (kind == "DestinationRule") {
    std::erase_if(destination_rules_, [&](const auto& d) { return d.name == name && d.namespace_ == ns; });
    build_clusters();
    return true;
  }
  return false;
}

}  // namespace meshsim::models
