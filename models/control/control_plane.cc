// Endpoint sets and config pushes; see control_plane.h.
#include "models/control/control_plane.h"

#include <algorithm>

namespace meshsim::models {

ControlPlane::ControlPlane(const Topology& topo, const TrafficConfig& traffic)
    : topo_(topo), traffic_(std::make_unique<TrafficTables>(traffic, topo.traffic_topology())) {
  for (const auto& pods : topo.service_pods) ready_.push_back(pods);
}

// A pod is an endpoint of every Service that selects it.
void ControlPlane::endpoint_removed(PodId p) {
  ++endpoints_version_;
  for (ServiceId s : topo_.services_of(p)) {
    auto& ready = ready_[s];
    ready.erase(std::remove(ready.begin(), ready.end(), p), ready.end());
  }
}

void ControlPlane::endpoint_added(PodId p) {
  ++endpoints_version_;
  for (ServiceId s : topo_.services_of(p)) {
    auto& ready = ready_[s];
    ready.insert(std::upper_bound(ready.begin(), ready.end(), p), p);
  }
}

void ControlPlane::apply(const ApplyManifest& m) {
  if (m.virtual_service) traffic_->apply(*m.virtual_service);
  if (m.destination_rule) traffic_->apply(*m.destination_rule);
}

void ControlPlane::remove(const RemoveManifest& m) { traffic_->remove(m.kind, m.name, m.namespace_); }

}  // namespace meshsim::models
