// A pod's application: its workers and FIFO queue, and the handler it runs for each request
// (compute steps, calls, parallel calls).
//
// Semantics (pinned by tests/models/mesh_test.cpp):
//   * A worker is held for the whole handling of a request, downstream calls included
//     (thread-per-request servers); the rest wait in the pod's FIFO queue, and beyond
//     queue_limit the pod answers overflow_status at once.
//   * What a request meets at a pod that is not serving (models/kube/pod_lifecycle.h says how a
//     pod gets there) is decided by the inbound sidecar (inbound/sidecar.h); what happens to the
//     requests inside a pod when it is lost is reset_inside().
//   * Under a CPU limit (WorkloadConfig::cpu_limit) the computes run under CFS bandwidth
//     control: full speed until the period's quota is used, then a stall (cfs_bandwidth.h).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/app_client.h"
#include "models/config/topology.h"
#include "models/cfs_bandwidth.h"
#include "models/exchange.h"
#include "models/ids.h"
#include "simcore/distribution.h"
#include "simcore/ring_queue.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

// Whether the pod serves, as a request reaching it finds it.
enum class PodPhase : uint8_t {
  kServing,   // the app accepts requests
  kAppDown,   // the app does not listen (crashed, or stopped on SIGTERM); its sidecar and IP stay
  kGone,      // deleted: no sidecar, the IP refuses connections
  kHostLost,  // its node vanished: packets to it are dropped
};

struct PodState {
  PodPhase phase = PodPhase::kServing;
  bool k8s_ready = true;     // the Pod's Ready condition (what the EndpointSlice follows)
  uint32_t incarnation = 0;  // bumped at every loss and return: older lifecycle timers are void
  uint32_t restarts = 0;     // crash restarts since the back-off was last reset
  simcore::Time running_since;  // when the app last started (the back-off resets after 10 min)
  simcore::Time gone_at;        // graceful: when its sidecar goes (end of the drain)
  uint32_t busy = 0;  // workers in use
  simcore::RingQueue<uint32_t> queue;  // exchanges waiting for a worker
  // Set by the chaos timeline.
  double slowdown = 1.0;
  const simcore::Distribution* extra_latency = nullptr;
  double error_probability = 0.0;
  uint32_t error_status = 503;
  uint8_t error_grpc_status = policies::kNoGrpcStatus;  // for gRPC requests, when set
  ClientState client;  // the application as a client of other services
  simcore::Stream compute_rng;           // compute step durations
  simcore::Stream call_rng;              // whether a call with probability < 1 is made
  simcore::Stream error_rng;             // the handler's own error probability
  simcore::Stream chaos_error_rng;       // the timeline's injected errors
  simcore::Stream chaos_latency_rng;     // the timeline's added latency
  simcore::Stream response_network_rng;  // its responses' (and refusals') network latency
  simcore::Stream repeat_rng;            // how many times a repeat step runs
  // Under a CPU limit, its computes run under CFS bandwidth control (cfs_bandwidth.h); none: each
  // compute runs at full speed on its worker.
  std::optional<CfsBandwidth> cpu;
  simcore::TimerHandle cpu_timer;        // the next change under the limit (cfs_bandwidth.h)
};

class Pods {
 public:
  Pods(Runtime& rt, const Topology& topo, uint64_t seed);

  PodState& operator[](PodId p) { return state_[p]; }
  const PodState& operator[](PodId p) const { return state_[p]; }
  uint32_t size() const { return state_.size(); }

  // A request got through the inbound sidecar: a worker takes it, or it waits in the queue.
  void arrive(uint32_t exchange);
  // A compute step finished.
  void compute_done(uint32_t exchange);
  // The next compute under the pod's CPU limit is due: those finished go on.
  void cpu_done(PodId p);
  // A call this handler made has completed (after the application's retries).
  void call_done(uint32_t exchange, const CallStep& step, uint32_t code, uint8_t grpc_status, uint32_t flags);
  // The pod answers: the worker is freed (the next queued request starts) and the response
  // leaves through the inbound sidecar and the network.
  void respond(uint32_t exchange);
  // What happens to the requests in a pod (queued or in service) when it is lost:
  //   kSidecarReply: the app died under them, the server sidecar answers 503 (flag UC there);
  //   kReset: the connection is reset (the sidecar is gone, or the pod has none): the caller's
  //     sidecar sees 503 UC;
  //   kHang: its node vanished: no answer ever comes (the caller's timeouts decide); a request
  //     that hangs and is reset later (the node returns) answers as kReset.
  // CPU stressors in the pod's cgroup want `cores` from now (chaos: cpuStress); under a CPU limit
  // they share its quota with the computes (cfs_bandwidth.h).  Without a limit the node is
  // assumed to have idle cores for them: nothing changes.
  void set_cpu_stress(PodId p, double cores);

  enum class Inside : uint8_t { kSidecarReply, kReset, kHang };
  void reset_inside(PodId p, Inside how);

 private:
  void start_handler(uint32_t exchange);
  void run_steps(uint32_t exchange);
  void make_call(uint32_t exchange, const CallRt& call);
  void finish_handler(uint32_t exchange);
  void arm_cpu(PodId p);
  static void answer_error(Exchange& x, uint32_t status, uint8_t grpc_status);

  Runtime& rt_;
  const Topology& topo_;
  IdVector<PodId, PodState> state_;
  std::vector<std::pair<uint32_t, uint32_t>> cpu_finished_;  // reused by cpu_done
};

}  // namespace meshsim::models
