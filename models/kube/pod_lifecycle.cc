// Pod loss and return; see pod_lifecycle.h.
#include "models/kube/pod_lifecycle.h"

#include <algorithm>

#include "models/runtime.h"

namespace meshsim::models {

using simcore::Time;

Time PodLifecycle::readiness_time(const WorkloadConfig::ReadinessProbe& r) {
  // The kubelet probes as soon as the container runs (prober_manager.go UpdatePodStatus triggers
  // a run of a readiness probe that has no result yet), then on its ticker every period; a probe
  // before initialDelaySeconds does not count (worker.go doProbe).  The ticker's phase relative
  // to the start is not modelled: ticks are taken at the start + k periods.
  const int64_t period = std::max<int64_t>(r.period.ns(), 1);
  const int64_t first = (r.initial_delay.ns() + period - 1) / period * period;
  return Time::from_ns(first + static_cast<int64_t>(std::max<uint32_t>(r.success_threshold, 1) - 1) * period);
}

// Kubernetes docs (pod-lifecycle, "Container restarts"): 10 s, 20 s, 40 s, ... capped at 5 min;
// the first restart has no back-off (the kubelet's back-off entry is made at that restart).
Time PodLifecycle::restart_backoff(uint32_t n) {
  if (n == 0) return Time::zero();
  const int64_t s = n > 6 ? 300 : std::min<int64_t>(int64_t{10} << (n - 1), 300);
  return Time::from_s(s);
}

void PodLifecycle::at(PodId p, Time t, Step s) {
  const uint32_t gen = ((rt_.pods[p].incarnation & 0xfffffu) << 3) | s;
  rt_.sched.schedule_at(t, Packed::make(kPodLifecycle, p.value, gen));
}

void PodLifecycle::lose(PodId p, const KillPods& k, bool timed) {
  PodState& s = rt_.pods[p];
  const Time now = rt_.sched.now();
  const KubernetesConfig& kube = rt_.cfg.experiment.kubernetes;
  ++s.incarnation;
  switch (k.mode) {
    case PodLossMode::kGraceful: {
      if (s.k8s_ready) {  // deletionTimestamp: the EndpointSlice marks it terminating at once
        s.k8s_ready = false;
        rt_.control.set_pod_ready(p, false);
      }
      s.gone_at = now + k.termination_drain_duration;
      if (k.app_serves_for == Time::zero()) {
        s.phase = PodPhase::kAppDown;
        rt_.tcp.pod_down(p, false);  // the app exits: its TCP connections close (FIN)
      } else if (k.app_serves_for < k.termination_drain_duration) {
        at(p, now + k.app_serves_for, kStopListening);
      }
      at(p, s.gone_at, kDrainEnd);
      if (!timed && k.replace) at(p, std::max(now + kube.replacement_delay, s.gone_at), kStart);
      break;
    }
    case PodLossMode::kCrash: {
      s.phase = PodPhase::kAppDown;
      rt_.pods.reset_inside(p, rt_.topo.has_sidecar(p) ? Pods::Inside::kSidecarReply : Pods::Inside::kReset);
      at(p, now + kube.kubelet_sync_delay, kNotReady);
      if (!timed && k.replace) {
        if (now - s.running_since >= Time::from_s(600)) s.restarts = 0;
        at(p, now + std::max(kube.kubelet_sync_delay, restart_backoff(s.restarts++)), kStart);
      }
      break;
    }
    case PodLossMode::kNode: {
      s.phase = PodPhase::kHostLost;
      rt_.pods.reset_inside(p, Pods::Inside::kHang);
      at(p, now + kube.node_monitor_grace_period, kNotReady);
      break;
    }
  }
}

void PodLifecycle::restore(PodId p) {
  PodState& s = rt_.pods[p];
  const Time now = rt_.sched.now();
  if (now < s.gone_at) {  // graceful, still draining: the new pod follows the old one's end
    at(p, s.gone_at, kStart);
    return;
  }
  if (s.phase == PodPhase::kServing) return;  // back already
  if (s.phase == PodPhase::kHostLost) rt_.pods.reset_inside(p, Pods::Inside::kReset);
  start(p);
}

// The app (a restarted container, a replacement pod, a returned node) listens again; the Pod is
// Ready after its readiness probe (at once if it never stopped being Ready).
void PodLifecycle::start(PodId p) {
  PodState& s = rt_.pods[p];
  ++s.incarnation;  // voids the loss's pending steps
  s.phase = PodPhase::kServing;
  s.running_since = rt_.sched.now();
  rt_.loads.pod_started(p);  // a load running in this pod (Load `from`) sends again
  if (s.k8s_ready) return;
  at(p, rt_.sched.now() + readiness_time(rt_.topo.workload_config(p).readiness), kReady);
}

void PodLifecycle::timer(PodId p, uint32_t gen) {
  PodState& s = rt_.pods[p];
  if ((gen >> 3) != (s.incarnation & 0xfffffu)) return;  // from before a later loss or return
  switch (static_cast<Step>(gen & 7u)) {
    case kStopListening:
      if (s.phase == PodPhase::kServing) {
        s.phase = PodPhase::kAppDown;
        rt_.tcp.pod_down(p, false);  // the app exits: its TCP connections close (FIN)
      }
      break;
    case kDrainEnd:
      s.phase = PodPhase::kGone;
      rt_.pods.reset_inside(p, Pods::Inside::kReset);
      break;
    case kNotReady:
      if (!s.k8s_ready) break;
      s.k8s_ready = false;
      rt_.control.set_pod_ready(p, false);
      break;
    case kStart:
      start(p);
      break;
    case kReady:
      s.k8s_ready = true;
      rt_.control.set_pod_ready(p, true);
      break;
  }
}

}  // namespace meshsim::models
