// How a pod is lost and comes back, as Kubernetes and Istio's sidecar make it happen
// (shared/reference/real-applications-semantics.md §5; the outcomes are pinned by
// tests/models/pod_loss_test.cpp, the timings by endpoint_propagation_test.cpp):
//
//   graceful  the Pod is deleted: its endpoint turns not ready at once (deletionTimestamp) and
//             SIGTERM reaches the app and the sidecar together.  The app accepts requests for
//             `appServesFor`, then stops listening (the server sidecar answers 503 UF); requests
//             it has accepted go on.  After terminationDrainDuration (5 s) pilot-agent kills
//             Envoy: whatever is still in the pod is reset, and the IP refuses connections.  The
//             ReplicaSet's replacement starts `replacementDelay` after the deletion, reusing the
//             pod's slot (so no earlier than the drain's end), and joins after its readiness.
//   crash     the app dies; the sidecar and the IP stay: requests in the app get 503 UC from the
//             server sidecar, new ones 503 UF.  The kubelet sees it `kubeletSyncDelay` later
//             (Ready false) and restarts it at once the first time, then after a back-off of
//             10 s, 20 s, ... capped at 5 min (kuberuntime_manager.go doBackOff: no back-off entry
//             before the first exit), reset after 10 min of running.
//   node      the node vanishes: nothing answers and nothing is refused; requests in it hang;
//             new connections time out.  Ready false after node-monitor-grace-period (50 s).
//
// Coming back always passes through readiness: the app starts, the readinessProbe succeeds
// (first probe at the start, then every periodSeconds; those before initialDelaySeconds do not
// count; successThreshold in a row), the Pod turns Ready, and the endpoint propagates
// (control/control_plane.h).
// A timeline action with a duration brings its pods back at its end instead of Kubernetes' own
// recovery (a node that returns: what hung in it is reset, as a rebooted host answers RST).
#pragma once

#include <cstdint>

#include "models/config.h"
#include "models/ids.h"
#include "simcore/time.h"

namespace meshsim::models {

struct Runtime;

class PodLifecycle {
 public:
  explicit PodLifecycle(Runtime& rt) : rt_(rt) {}

  // Pod `p`, serving, is lost as `k` says.  `timed`: the action has a duration, and restore()
  // brings the pod back at its end (Kubernetes' own replacement or restart is not scheduled).
  void lose(PodId p, const KillPods& k, bool timed);
  // The action's duration is over: the pod starts again (a graceful one once its drain is over).
  void restore(PodId p);
  // A lifecycle timer fired (mesh.cc): `gen` holds its step and the pod's incarnation.
  void timer(PodId p, uint32_t gen);

  // The time from a container's start to its Pod turning Ready under the probe `r`.
  static simcore::Time readiness_time(const WorkloadConfig::ReadinessProbe& r);
  // The kubelet's restart back-off before restart number `n` (0-based) of a crashed container.
  static simcore::Time restart_backoff(uint32_t n);

 private:
  enum Step : uint32_t { kStopListening, kDrainEnd, kNotReady, kStart, kReady };
  void at(PodId p, simcore::Time t, Step s);
  void start(PodId p);

  Runtime& rt_;
};

}  // namespace meshsim::models
