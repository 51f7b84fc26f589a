// The control plane as the sidecars see it: the endpoint set of each service (Kubernetes
// readiness -> EDS) and the traffic configuration pushed to the client sidecars (VirtualServices
// and DestinationRules -> route tables and clusters, models/traffic.h).
//
// Today a change reaches every sidecar at once: a pod that dies or comes back changes the
// endpoint set immediately, and a manifest applied by the timeline is in force at once.  xDS
// propagation (EDS and RDS delays) and rollout controllers belong here.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/config.h"
#include "models/config/topology.h"
#include "models/ids.h"
#include "models/traffic.h"

namespace meshsim::models {

class ControlPlane {
 public:
  ControlPlane(const Topology& topo, const TrafficConfig& traffic);

  // The ready pods of a service, ascending (kube-proxy picks among them).
  const std::vector<PodId>& ready_pods(ServiceId s) const { return ready_[s]; }
  // Bumped whenever a pod leaves or rejoins an endpoint set; client clusters compare it.
  uint64_t endpoints_version() const { return endpoints_version_; }
  void endpoint_removed(PodId p);
  void endpoint_added(PodId p);

  TrafficTables& traffic() { return *traffic_; }
  // A config push from the timeline (other kinds are recorded only).
  void apply(const ApplyManifest& m);
  void remove(const RemoveManifest& m);

 private:
  const Topology& topo_;
  IdVector<ServiceId, std::vector<PodId>> ready_;
  uint64_t endpoints_version_ = 0;
  std::unique_ptr<TrafficTables> traffic_;
};

}  // namespace meshsim::models
