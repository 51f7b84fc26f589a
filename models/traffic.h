// What the client sidecars are configured with, built once from the scenario's Istio traffic
// configuration (VirtualServices, DestinationRules): the clusters (a service, or one subset of
// it) and, per calling workload and target service, the route table Istio would generate for
// that proxy.  The hot path only reads these tables (Envoy's habit: configuration is parsed and
// validated once into immutable runtime objects).
//
// Clusters follow Istio's naming outbound|port|subset|host: cluster (service, "") holds all the
// service's pods; (service, subset) those whose labels match the subset's.  A DestinationRule's
// subset trafficPolicy replaces the top-level one field by field (connectionPool, loadBalancer,
// outlierDetection), as Istio's MergeTrafficPolicy does.
//
// Thread safety: built and used by one Mesh on one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/config.h"
#include "policies/host_name.h"
#include "policies/retry_policy.h"
#include "policies/retry_state.h"
#include "policies/router_timeouts.h"
#include "policies/tcp_route.h"
#include "policies/virtual_service.h"

namespace meshsim::models {

inline constexpr uint32_t kNoCluster = UINT32_MAX;

struct ClusterRt {
  uint32_t service = 0;
  std::string subset;                 // "" = the whole service
  std::vector<uint32_t> pods;         // mesh pod indices, ascending
  // A headless Service's cluster: Istio makes it ORIGINAL_DST, so the pod is the one the
  // application's DNS lookup returned, not a load balancer's pick (router.cc).
  bool original_dst = false;
  policies::LbConfig lb;              // Istio default LEAST_REQUEST
  bool hash_lb = false;               // RING_HASH / MAGLEV: previous_hosts is dropped
  std::string hash_header;            // consistentHash.httpHeaderName (or cookie name)
  bool hash_source_ip = false;        // consistentHash.useSourceIp
  std::optional<policies::OutlierDetectionSettings> outlier;
  policies::RetryCircuitBreakerConfig retry_breaker;
  // The DestinationRule's connectionPool; absent = Istio's 2^32-1 limits, which never trip, so
  // no pool is modelled at all.
  std::optional<policies::ConnectionPoolSettings> connection_pool;
  std::optional<policies::RetryBudgetSettings> retry_budget;
  policies::LocalityLbSetting locality;  // Istio's mesh default: enabled
};

// One route of a client proxy's table, with what Envoy derives from it.
struct RouteRt {
  const policies::HttpRoute* route = nullptr;   // nullptr: Istio's default route (no VS)
  policies::RetryPolicy retry;
  policies::RouteTimeouts timeouts;
  std::vector<uint32_t> clusters;               // per destination; kNoCluster = 503 NC
  std::vector<uint32_t> destination_services;   // per destination (the service of its host)
  std::vector<uint32_t> mirror_clusters;         // per route->mirrors; kNoCluster = unresolved
};

// What a client proxy's tcp_proxy does with a new connection to one service port: the
// destinations of the VirtualService's terminal tcp route (policies/tcp_route.h), or, with
// none, the service's own cluster.
struct TcpRouteRt {
  const policies::TcpRoute* route = nullptr;  // nullptr: the default cluster
  std::vector<uint32_t> clusters;             // per destination; kNoCluster: no such host/subset (NC)
};

// The routes one calling workload has for one target service.
struct RouteTable {
  bool has_virtual_service = false;
  std::vector<policies::RouteEntry> entries;  // first match wins
  std::vector<uint32_t> entry_route;          // entries[i] belongs to routes[entry_route[i]]
  std::vector<RouteRt> routes;                // when !has_virtual_service: one default route
};

// The names the traffic tables resolve against (the Mesh's own tables, by index).
struct TrafficTopology {
  struct Service {
    std::string name, namespace_, fqdn;
    std::vector<uint32_t> pods;  // all pods backing it
    bool headless = false;       // clusterIP: None
  };
  struct Workload {
    Labels labels;
    std::string namespace_;
  };
  std::vector<Service> services;
  std::vector<Workload> workloads;
  std::vector<const Labels*> pod_labels;  // per pod: its workload's labels
};

class TrafficTables {
 public:
  TrafficTables(const TrafficConfig& config, TrafficTopology topology);

  // Istio's route table for calls from `workload` to `service` (built on first use).
  const RouteTable& table(uint32_t workload, uint32_t service);
  // The tcp route for connections from `workload` to `service`'s port `port` (built on first use).
  const TcpRouteRt& tcp_route(uint32_t workload, uint32_t service, uint32_t port);
  const ClusterRt& cluster(uint32_t i) const { return clusters_[i]; }
  size_t cluster_count() const { return clusters_.size(); }
  // The cluster for (service, subset); kNoCluster when no DestinationRule defines the subset.
  uint32_t find_cluster(uint32_t service, const std::string& subset) const;

  // A config push: replaces the VirtualService / DestinationRule of the same namespace and name
  // (or adds it), or removes one.  Route tables are rebuilt lazily; clusters at once, as new
  // cluster indices (old ones stay valid for requests in flight).  Returns true if clusters
  // changed.
  bool apply(const policies::VirtualServiceConfig& vs);
  bool apply(const DestinationRuleConfig& dr);
  bool remove(const std::string& kind, const std::string& name, const std::string& namespace_);

 private:
  void build_clusters();
  RouteRt make_route(const policies::HttpRoute* route, uint32_t service,
                     const std::string& vs_namespace) const;
  uint32_t service_of_host(const std::string& host, const std::string& ns) const;
  const DestinationRuleConfig* rule_for(uint32_t service) const;

  policies::IstioVersion version_;
  TrafficTopology topo_;
  policies::HostRegistry registry_;  // topo_.services' hostnames, by service index
  // Stable addresses: route tables point into these.
  std::vector<std::unique_ptr<policies::VirtualServiceConfig>> virtual_services_;
  std::vector<DestinationRuleConfig> destination_rules_;
  std::vector<ClusterRt> clusters_;
  std::unordered_map<uint64_t, uint32_t> cluster_index_;  // (service, subset id) -> cluster
  std::vector<std::string> subset_names_;
  std::unordered_map<uint64_t, RouteTable> tables_;       // (workload, service) -> table
  std::unordered_map<uint64_t, TcpRouteRt> tcp_routes_;   // (workload, service, port) -> route
  const policies::VirtualServiceConfig* virtual_service_for(uint32_t service) const;
  // Replaced tables and VirtualServices, kept for the requests still using them.
  void retire_tables();
  std::vector<std::unique_ptr<RouteTable>> retired_tables_;
  std::vector<std::unique_ptr<policies::VirtualServiceConfig>> retired_vs_;
};

}  // namespace meshsim::models
