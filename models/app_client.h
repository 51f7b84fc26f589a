// The application as a client: a call as the caller's code makes it (a handler step's call, or
// a load generator's root request), with the application's own timeout and retries, handed to
// its sidecar (or, without one, straight to a kube-proxy-picked pod).
//
// A call ends in exactly one place, AppClient::complete: a root request goes back to its load
// generator, a handler's call back to the handler that made it.
//
// Semantics (pinned by tests/models/mesh_test.cpp):
//   * A call's application-level timeout abandons the attempt (the server keeps working; its
//     answer is discarded) and counts as a failure; retries follow on any failure or non-2xx.
//   * A failed call (after its retries) with onFailure=fail ends the handler with the call's
//     5xx status (504 for a timeout, 503 for a connection failure); degrade and ignore go on.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "models/config.h"
#include "models/ids.h"
#include "models/pool.h"
#include "simcore/rng.h"
#include "simcore/scheduler.h"
#include "simcore/time.h"

namespace meshsim::models {

struct Runtime;

// The random streams of one edge: one caller (a pod or a load generator) towards one service.
// Keyed by ("<caller>><service>.<namespace>", purpose), so the draws of one edge do not depend
// on what happens on any other edge, even of the same caller (docs/architecture.md, "Random
// streams").
struct EdgeStreams {
  ServiceId service;
  simcore::Stream overhead;  // the sidecar pair's overhead per exchange, and local replies' passes
  simcore::Stream network;   // the requests' network latency (and mirrors' on their own edge)
  simcore::Stream fault;     // the fault filter's delay and abort draws
  simcore::Stream route;     // the weighted pick of a route's destination
  simcore::Stream mirror;    // whether to mirror (mirrorPercentage), and to which pod
  simcore::Stream pick;      // kube-proxy's endpoint pick, for a caller without a sidecar
  simcore::Stream throttle;  // SRE adaptive throttling's draws
  // The caller's client-side throttles towards this service (CallStep), once a call uses them.
  std::optional<policies::GrpcRetryThrottle> retry_throttle{};
  std::optional<policies::AdaptiveThrottle> adaptive_throttle{};
};

// What any caller (a pod's application or a load generator) keeps as a client.
struct ClientState {
  std::deque<EdgeStreams> edges;  // created on first use; a deque keeps references valid
  uint32_t next_worker = 0;       // round robin of its requests over its sidecar's workers
};

// Who a call's caller is, looked up once: where it runs, whether a sidecar intercepts its calls.
struct CallerView {
  uint32_t zone;
  bool sidecar;
  ClientState& client;
  uint32_t workload;  // kNoWorkload for a load generator
};

// A call as the caller's application makes it: its attempts, its timeout.
struct Call {
  uint32_t gen = 0;
  bool live = false;
  uint32_t parent = kNone, parent_gen = 0;  // the exchange whose handler made the call
  Caller caller;                            // a root request: its load, or its pod (Load `from`)
  LoadId load;                              // the load generator the root request came from
  uint32_t caller_incarnation = 0;          // a root request from a pod: the pod's, when sent
  uint32_t user = kNone;                    // closed loop: the user (connection)
  ServiceId service;
  uint32_t path = 0;
  const CallStep* step = nullptr;           // nullptr for a root request
  uint32_t attempts_left = 0;
  uint8_t attempts = 0;
  uint32_t exchange = kNone, exchange_gen = 0;
  uint32_t stream = kNone, stream_gen = 0;  // the attempt's client sidecar stream, if any
  uint64_t trace_client_span = 0;           // the sidecar's client span for this attempt
  bool mirror = false;                      // a mirrored copy: nobody waits for it
  bool throttled = false;                   // this attempt was failed locally (adaptive throttling)
  EdgeStreams* edge = nullptr;              // its edge's streams, once looked up (Runtime::edge)
  simcore::TimerHandle timeout;
  simcore::Time started;
  uint32_t depth = 0;
  uint16_t kind = 0;                        // the root request's kind (its headers travel along)
  uint64_t trace = 0, parent_span = 0;
  bool grpc = false;                        // a gRPC request (its port is grpc / grpc-web)
  simcore::Time deadline = simcore::Time::max();  // gRPC: the call's deadline (absolute)
  // A call to a TCP-proxied port (its Service port number; 0: HTTP family) goes as a request on
  // one of the application's pooled connections (models/tcp/tcp.h); the connection it waits on
  // or was sent on.
  uint32_t tcp_port = 0;
  uint32_t tcp_conn = kNone, tcp_conn_gen = 0;

  // A load generator's request (its caller a load, or a pod of the load's `from` workload).
  bool root() const { return step == nullptr; }
};

class AppClient {
 public:
  explicit AppClient(Runtime& rt) : rt_(rt) {}

  // A new call, its fields to be filled by the caller; then send() it.
  uint32_t alloc() { return calls_.alloc(); }
  Call& operator[](uint32_t i) { return calls_[i]; }
  bool is(uint32_t i, uint32_t gen) const { return calls_.is(i, gen); }

  // One attempt: arms the application's timeout, then hands the request to the caller's
  // sidecar, or (no sidecar) to a ready pod picked uniformly at random (kube-proxy).  With
  // adaptive throttling the attempt may instead fail locally, as the next event.
  void send(uint32_t call);
  // The application's own timeout fired: it stops waiting.
  void timeout(uint32_t call);
  // An attempt's answer reached the application: retry it or complete the call.
  // `grpc_status`: the response's grpc-status (policies::kNoGrpcStatus when it has none).
  void attempt_outcome(uint32_t call, uint32_t code, uint8_t grpc_status, uint32_t flags);

 private:
  void complete(uint32_t call, uint32_t code, uint8_t grpc_status, uint32_t flags);
  void deadline_exceeded(uint32_t call);
  // The client-side throttles see an attempt that was sent; false: retries are throttled.
  bool throttles_allow_retry(Call& c, uint32_t code, uint8_t grpc_status, bool ok);

  Runtime& rt_;
  Pool<Call> calls_;
};

}  // namespace meshsim::models
