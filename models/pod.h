// A pod's application: its workers and FIFO queue, and the handler it runs for each request
// (compute steps, calls, parallel calls).
//
// Semantics (pinned by tests/models/mesh_test.cpp):
//   * A worker is held for the whole handling of a request, downstream calls included
//     (thread-per-request servers); the rest wait in the pod's FIFO queue, and beyond
//     queue_limit the pod answers overflow_status at once.
//   * A killed pod resets every request in it, queued or in service (the caller's sidecar sees
//     503 UC); a request still on its way finds the connection refused (503 UF).
#pragma once

#include <cstdint>

#include "models/app_client.h"
#include "models/config/topology.h"
#include "models/exchange.h"
#include "models/ids.h"
#include "simcore/distribution.h"
#include "simcore/ring_queue.h"
#include "simcore/rng.h"

namespace meshsim::models {

struct Runtime;

struct PodState {
  bool ready = true;  // alive and in the endpoint set
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
  // A call this handler made has completed (after the application's retries).
  void call_done(uint32_t exchange, const CallStep& step, uint32_t code, uint8_t grpc_status, uint32_t flags);
  // The pod answers: the worker is freed (the next queued request starts) and the response
  // leaves through the inbound sidecar and the network.
  void respond(uint32_t exchange);
  // The pod dies: it leaves readiness, and every request in it is reset.  revive() undoes it.
  void kill(PodId p);
  void revive(PodId p);

 private:
  void start_handler(uint32_t exchange);
  void run_steps(uint32_t exchange);
  void make_call(uint32_t exchange, const CallRt& call);
  void finish_handler(uint32_t exchange);
  static void answer_error(Exchange& x, uint32_t status, uint8_t grpc_status);

  Runtime& rt_;
  const Topology& topo_;
  IdVector<PodId, PodState> state_;
};

}  // namespace meshsim::models
