// The mesh the pod-loss and endpoint-propagation tests share (tests/models/pod_loss_test.cpp,
// endpoint_propagation_test.cpp), and their helpers.
#pragma once

#include <cmath>
#include <vector>

#include "models/mesh.h"
#include "support/recording_sink.h"

namespace meshsim::testing {

using namespace meshsim::models;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
using Collect = RecordingSink;

// `back` (service 0) has `replicas` injected pods, picked by Envoy's RANDOM load balancer (so
// each pod's share is exactly 1/replicas); the Load `users` calls it through its own sidecar at a
// constant 1000 requests per second.  No network latency, no sidecar overhead.  Propagation:
// kubelet 1 s, EndpointSlice 100 ms, debounce 100 ms, push 200 ms to every sidecar.
inline MeshConfig base(uint32_t replicas, std::vector<Step> steps, const char* istio) {
  MeshConfig m;
  m.network.same_zone = m.network.cross_zone = m.network.cross_region = Distribution::constant(0);
  m.sidecar.pair_overhead = Distribution::constant(0);
  m.experiment.duration = 12_s;
  m.traffic.istio_version = istio;
  m.services.push_back({"back", "default", {{"http", 8080, Protocol::kHttp}}, {{"app", "back"}}});
  WorkloadConfig w;
  w.name = "back-v1";
  w.service = "back";
  w.labels = {{"app", "back"}, {"version", "v1"}};
  w.replicas = replicas;
  w.workers = 1000;
  HandlerConfig h;
  h.steps = std::move(steps);
  w.handlers.push_back(h);
  m.workloads.push_back(w);
  DestinationRuleConfig dr;
  dr.name = "back";
  dr.host = "back";
  meshsim::policies::LbConfig lb;
  lb.policy = meshsim::policies::LbPolicy::Random;
  dr.traffic_policy.load_balancer = lb;
  m.traffic.destination_rules.push_back(dr);
  ControlPlaneConfig& cp = m.experiment.control_plane;
  cp.endpoint_slice_delay = 100_ms;
  cp.debounce_after = 100_ms;
  cp.debounce_max = 10_s;
  cp.push_delay = Distribution::constant(0.2);
  cp.kube_proxy_delay = 1_s;
  m.experiment.kubernetes.kubelet_sync_delay = 1_s;
  LoadConfig l;
  l.name = "users";
  l.target_service = "back";
  l.model = LoadConfig::Model::kOpenConstant;
  l.rate.push_back({RateSegment::Shape::kConstant, Time::zero(), Time::max(), 1000, 0, 0, {}});
  l.through_sidecar = true;
  m.loads.push_back(l);
  return m;
}

inline KillPods kill_first(PodLossMode mode, bool replace = false) {
  KillPods k{{.service = "back", .count = 1}};
  k.mode = mode;
  k.replace = replace;
  return k;
}

inline void add_event(MeshConfig& m, Time at, KillPods k) {
  TimelineEvent e;
  e.at = at;
  e.description = "kill";
  e.action = k;
  m.timeline.push_back(e);
}

inline Collect run(const MeshConfig& m) {
  Collect c;
  Mesh mesh(m);
  mesh.run(c);
  return c;
}

inline bool failed(const CallRecord& r) { return r.response_code == 0 || r.response_code >= 500; }

// Source samples (the load's sidecar) that failed, started in [from, to).
inline std::vector<CallRecord> failures(const Collect& c, Time from, Time to) {
  std::vector<CallRecord> out;
  for (const auto& r : c.of(Reporter::kSource))
    if (failed(r) && r.start >= from && r.start < to) out.push_back(r);
  return out;
}

// Binomial(n, p) lies within 3.29 standard deviations of its mean with probability 99.9 %.
inline bool within_binomial(double count, double n, double p) {
  return std::abs(count - n * p) <= 3.29 * std::sqrt(n * p * (1 - p));
}

}  // namespace meshsim::testing
