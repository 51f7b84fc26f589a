// Client clusters: per client sidecar and upstream cluster; see cluster_manager.h.
#include "models/outbound/cluster_manager.h"

#include "models/runtime.h"
#include "policies/locality.h"

namespace meshsim::models {

uint32_t ClusterManager::get(Caller caller, uint32_t cluster) {
  const uint64_t key = (caller.key() << 32) ^ cluster;
  auto it = index_.find(key);
  if (it != index_.end()) return it->second;
  const ClusterRt& cr = rt_.control.traffic().cluster(cluster);
  auto cc = std::make_unique<ClientCluster>();
  cc->cluster = cluster;
  const std::string name =
      rt_.caller_name(caller) + ">" + rt_.topo.catalog().services[cr.service].name + "/" + cr.subset;
  const uint64_t seed = rt_.cfg.experiment.seed;
  cc->lb_rng = simcore::Stream(seed, name, "lb");
  cc->outlier_rng = simcore::Stream(seed, name, "outlier");
  cc->backoff_rng = simcore::Stream(seed, name, "backoff");
  cc->connect_rng = simcore::Stream(seed, name, "connect");
  simcore::Stream init(seed, name, "lb-init");
  cc->lb = std::make_unique<policies::LoadBalancer>(cr.lb, init);
  cc->active.assign(cr.pods.size(), 0);
  cc->retry_breaker.config = cr.retry_breaker;
  cc->client_zone = rt_.caller_zone(caller);
  cc->sidecar = rt_.control.sidecar(caller);
  if (cr.connection_pool) {
    cc->pool_config = std::make_unique<policies::ConnectionPoolConfig>(*cr.connection_pool,
                                                                       rt_.cfg.experiment.connect_timeout);
    const auto& ports = rt_.cfg.services[cr.service].ports;
    const auto proto = !ports.empty() && ports.front().protocol != Protocol::kHttp ? policies::UpstreamProtocol::Http2
                                                                                  : policies::UpstreamProtocol::Http1;
    cc->pools.assign(cr.pods.size() * kSidecarWorkers, policies::HostPool(proto));
  }
  const auto idx = static_cast<uint32_t>(clusters_.size());
  if (cr.outlier) {
    cc->outlier = std::make_unique<policies::OutlierDetector>(policies::OutlierDetectionConfig(*cr.outlier),
                                                              static_cast<uint32_t>(cr.pods.size()));
    rt_.sched.schedule_at(rt_.sched.now() + cc->outlier->config().interval(), Packed::make(kOutlierSweep, idx, 0));
  }
  clusters_.push_back(std::move(cc));
  index_.emplace(key, idx);
  return idx;
}

// Envoy spills over between locality priorities with the 1.4 overprovisioning factor
// (policies/load_balancer.h).
void ClusterManager::refresh(ClientCluster& cc) {
  const uint32_t view = rt_.control.view(cc.sidecar);
  if (!cc.dirty && cc.endpoints_version == view) return;
  const ClusterRt& cr = rt_.control.traffic().cluster(cc.cluster);
  auto placement = [this](uint32_t zone) {
    policies::Placement p;
    p.locality.region = "region-" + std::to_string(rt_.topo.zone_region[zone]);
    p.locality.zone = rt_.topo.zones[zone];
    return p;
  };
  std::vector<policies::Placement> endpoints;
  endpoints.reserve(cr.pods.size());
  for (uint32_t pod : cr.pods) endpoints.push_back(placement(rt_.topo.pods[PodId(pod)].zone));
  const std::vector<uint32_t> priority =
      policies::assign_priorities(placement(cc.client_zone), endpoints, cr.locality, cr.outlier.has_value());
  std::vector<policies::HostSpec> hosts;
  for (uint32_t h = 0; h < cr.pods.size(); ++h) {
    const bool in_set = rt_.control.in_view(cc.sidecar, PodId(cr.pods[h]));
    if (cc.outlier) in_set ? cc.outlier->add_host(h) : cc.outlier->remove_host(h);
    if (!in_set) continue;
    policies::HostSpec spec;
    spec.id = h;
    spec.priority = priority.empty() ? 0 : priority[h];
    spec.health = cc.outlier && cc.outlier->ejected(h) ? policies::HostHealth::Ejected : policies::HostHealth::Healthy;
    spec.address = rt_.topo.pods[PodId(cr.pods[h])].name;
    hosts.push_back(spec);
  }
  cc.lb->update_hosts(hosts, cc.active);
  cc.endpoints_version = view;
  cc.dirty = false;
}

void ClusterManager::outlier_sweep(uint32_t i) {
  ClientCluster& cc = *clusters_[i];
  if (cc.outlier->on_interval(rt_.sched.now()) > 0) cc.dirty = true;
  const simcore::Time next = rt_.sched.now() + cc.outlier->config().interval();
  if (next <= rt_.cfg.experiment.duration) rt_.sched.schedule_at(next, Packed::make(kOutlierSweep, i, 0));
}

}  // namespace meshsim::models
