// What each client sidecar keeps per upstream cluster (Envoy's cluster manager, per client
// proxy): the host set with health, the load balancer, active requests per host (least request
// reads them), the outlier detector, the retry circuit breaker, and the connection pools with
// their circuit breakers.
//
// A client cluster is created the first time its sidecar routes to the cluster.  Its hosts are
// the cluster's pods in the endpoint set as its sidecar last received it (an EDS push,
// control/control_plane.h), each healthy unless ejected; a pod that leaves the set leaves the
// outlier detector too.  Hosts are in locality priorities relative to the client (Istio assigns
// them only when the DestinationRule has outlierDetection: same zone first, then same region,
// then the rest).
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "models/ids.h"
#include "policies/connection_pool.h"
#include "policies/load_balancer.h"
#include "policies/outlier_detector.h"
#include "policies/retry_state.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

// Istio's default proxy concurrency: each client sidecar has this many workers, and a
// connection pool per (host, worker).
inline constexpr uint32_t kSidecarWorkers = 2;

struct ClientCluster {
  uint32_t cluster = 0;
  std::unique_ptr<policies::LoadBalancer> lb;
  std::vector<uint32_t> active;  // requests in flight per host
  std::unique_ptr<policies::OutlierDetector> outlier;
  policies::RetryCircuitBreaker retry_breaker;
  // The DestinationRule's connectionPool: Envoy's circuit breakers for this cluster in this
  // client sidecar, and one connection pool per (host, sidecar worker).
  std::unique_ptr<policies::ConnectionPoolConfig> pool_config;
  policies::ClusterCircuitBreaker breaker;
  std::vector<policies::HostPool> pools;
  uint32_t client_zone = 0;  // where the client sidecar runs (locality priorities)
  uint32_t sidecar = 0;      // the client sidecar (its endpoint view, control_plane.h)
  uint64_t endpoints_version = UINT64_MAX;  // the endpoint snapshot the hosts were built from
  bool dirty = true;
  simcore::Stream lb_rng;       // the load balancer's picks
  simcore::Stream outlier_rng;  // outlier detection's enforcement draws
  simcore::Stream backoff_rng;  // the retry backoff's jitter
  simcore::Stream connect_rng;  // new connections' round trip

  void host_done(uint32_t host) {
    assert(active[host] > 0);
    --active[host];
  }
};

class ClusterManager {
 public:
  explicit ClusterManager(Runtime& rt) : rt_(rt) {}

  // The client cluster of `caller`'s sidecar for `cluster`, created on first use.
  uint32_t get(Caller caller, uint32_t cluster);
  ClientCluster& operator[](uint32_t i) { return *clusters_[i]; }
  // Rebuilds the load balancer's host set if endpoints or ejections changed since.
  void refresh(ClientCluster& cc);
  // Outlier detection's interval timer fired for client cluster `i`.
  void outlier_sweep(uint32_t i);

 private:
  Runtime& rt_;
  std::vector<std::unique_ptr<ClientCluster>> clusters_;
  std::unordered_map<uint64_t, uint32_t> index_;  // (caller, cluster) -> index
};

}  // namespace meshsim::models
