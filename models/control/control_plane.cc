// Endpoint propagation and config pushes; see control_plane.h.
#include "models/control/control_plane.h"

#include <algorithm>

#include "models/runtime.h"

namespace meshsim::models {

ControlPlane::ControlPlane(Runtime& rt, const Topology& topo, const TrafficConfig& traffic)
    : rt_(rt),
      topo_(topo),
      cfg_(rt.cfg.experiment.control_plane),
      debouncer_(cfg_.debounce_after, cfg_.debounce_max),
      traffic_(std::make_unique<TrafficTables>(traffic, topo.traffic_topology())) {
  for (const auto& pods : topo.service_pods) kube_proxy_.push_back(pods);
  eds_.assign(topo.pods.size(), 1);
  snapshots_.push_back(eds_);
  applied_.assign(topo.pods.size() + topo.loads.size(), 0);
  const uint64_t seed = rt.cfg.experiment.seed;
  for (const PodRt& p : topo.pods) push_rng_.emplace_back(seed, p.name, "eds-push");
  for (const LoadRt& l : topo.loads) push_rng_.emplace_back(seed, "load:" + l.cfg->name, "eds-push");
}

void ControlPlane::set_pod_ready(PodId p, bool ready) {
  rt_.sched.schedule_at(rt_.sched.now() + cfg_.endpoint_slice_delay, Packed::make(kEndpointSlice, p.value, ready));
}

void ControlPlane::endpoint_slice(PodId p, bool ready) {
  rt_.sched.schedule_at(rt_.sched.now() + cfg_.kube_proxy_delay, Packed::make(kKubeProxy, p.value, ready));
  if (eds_[p.value] == ready) return;  // nothing for istiod to push
  eds_[p.value] = ready;
  if (debouncer_.on_event(rt_.sched.now())) rt_.sched.schedule_at(debouncer_.timer_at(), Packed::make(kDebounce, 0, 0));
}

// A push goes to every client sidecar; each applies it after its own delay.
void ControlPlane::debounce_timer() {
  if (!debouncer_.on_timer(rt_.sched.now())) {
    rt_.sched.schedule_at(debouncer_.timer_at(), Packed::make(kDebounce, 0, 0));
    return;
  }
  const auto k = static_cast<uint32_t>(snapshots_.size());
  snapshots_.push_back(eds_);
  for (SidecarId s = 0; s < applied_.size(); ++s) {
    const bool has_sidecar = s < topo_.pods.size() ? topo_.has_sidecar(PodId(s))
                                                   : topo_.loads[LoadId(s - topo_.pods.size())].cfg->through_sidecar;
    if (!has_sidecar) continue;
    const simcore::Time d = cfg_.push_delay.sample_time(push_rng_[s]);
    rt_.sched.schedule_at(rt_.sched.now() + d, Packed::make(kEdsPush, s, k));
  }
}

void ControlPlane::push_arrives(SidecarId s, uint32_t k) { applied_[s] = std::max(applied_[s], k); }

// A pod is an endpoint of every Service that selects it.
void ControlPlane::kube_proxy(PodId p, bool ready) {
  for (ServiceId s : topo_.services_of(p)) {
    auto& pods = kube_proxy_[s];
    const auto it = std::lower_bound(pods.begin(), pods.end(), p);
    const bool present = it != pods.end() && *it == p;
    if (ready && !present) pods.insert(it, p);
    if (!ready && present) pods.erase(it);
  }
}

void ControlPlane::apply(const ApplyManifest& m) {
  if (m.virtual_service) traffic_->apply(*m.virtual_service);
  if (m.destination_rule) traffic_->apply(*m.destination_rule);
}

void ControlPlane::remove(const RemoveManifest& m) { traffic_->remove(m.kind, m.name, m.namespace_); }

}  // namespace meshsim::models
