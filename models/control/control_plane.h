// The control plane as the sidecars see it: each pod's readiness on its way from Kubernetes to
// the callers (EndpointSlice -> istiod's debounce -> an EDS push that each client sidecar applies
// at its own time; EndpointSlice -> kube-proxy for callers without a sidecar), and the traffic
// configuration pushed to the client sidecars (VirtualServices and DestinationRules -> route
// tables and clusters, models/traffic.h).
//
// Endpoint propagation (shared/reference/real-applications-semantics.md §3-4):
//   * set_pod_ready() is the Pod's Ready condition changing (models/kube/pod_lifecycle.h).  After
//     `endpointSliceDelay` the EndpointSlice says so, and istiod and kube-proxy see it.
//   * istiod debounces (control/debouncer.h) and pushes a snapshot of the endpoint set; each
//     client sidecar (a pod with a sidecar, or a Load through one) applies it after its own
//     `pushDelay` draw (stream (sidecar, "eds-push")).  A later push applied makes an earlier
//     one that arrives late a no-op (one xDS stream per sidecar keeps them in order).
//   * kube-proxy rewrites its rules `kubeProxyDelay` after the EndpointSlice changed (one view
//     for all nodes).
// A run without pod loss has one snapshot, the initial one, and schedules nothing here.
//
// A manifest applied by the timeline is still in force at once (RDS/CDS delays: not modelled).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/config.h"
#include "models/config/topology.h"
#include "models/control/debouncer.h"
#include "models/ids.h"
#include "models/traffic.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

// A client sidecar's index: a pod's own index, or (pods + load index) for a Load.
using SidecarId = uint32_t;

class ControlPlane {
 public:
  ControlPlane(Runtime& rt, const Topology& topo, const TrafficConfig& traffic);

  // The pods of a service in kube-proxy's rules, ascending (a caller without sidecar picks).
  const std::vector<PodId>& ready_pods(ServiceId s) const { return kube_proxy_[s]; }

  // Whether pod `p` is a ready endpoint in its EndpointSlices now (what cluster DNS answers a
  // headless Service's lookup from).
  bool in_endpoint_slice(PodId p) const { return eds_[p.value] != 0; }

  // The client sidecar of a caller.
  SidecarId sidecar(Caller c) const {
    return c.is_load() ? topo_.pods.size() + c.index : c.index;
  }
  // Which endpoint snapshot the sidecar has applied (client clusters compare it), and whether
  // pod `p` is in it.
  uint32_t view(SidecarId s) const { return applied_[s]; }
  bool in_view(SidecarId s, PodId p) const { return snapshots_[applied_[s]][p.value] != 0; }

  // The Pod's Ready condition changed now.
  void set_pod_ready(PodId p, bool ready);
  // Events (mesh.cc): the EndpointSlice changed; istiod's debounce timer; a push reaches a
  // sidecar; kube-proxy's rules change.
  void endpoint_slice(PodId p, bool ready);
  void debounce_timer();
  void push_arrives(SidecarId s, uint32_t snapshot);
  void kube_proxy(PodId p, bool ready);

  TrafficTables& traffic() { return *traffic_; }
  // A config push from the timeline (other kinds are recorded only).
  void apply(const ApplyManifest& m);
  void remove(const RemoveManifest& m);

 private:
  Runtime& rt_;
  const Topology& topo_;
  const ControlPlaneConfig& cfg_;
  IdVector<ServiceId, std::vector<PodId>> kube_proxy_;
  std::vector<uint8_t> eds_;                      // istiod's view, per pod
  std::vector<std::vector<uint8_t>> snapshots_;   // every push's endpoint set, per pod
  std::vector<uint32_t> applied_;                 // per sidecar: the snapshot in force
  std::vector<simcore::Stream> push_rng_;         // per sidecar: its push delays
  Debouncer debouncer_;
  std::unique_ptr<TrafficTables> traffic_;
};

}  // namespace meshsim::models
