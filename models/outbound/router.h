// The client (outbound) sidecar's request path, in Envoy's order: the route match (first match
// wins), the fault filter (delay, abort: Istio applies VirtualService faults on the client side),
// then the router, which owns the downstream request: the weighted pick of a destination, the
// route and per-try timeouts, the retry state and its backoff, mirroring, and one upstream
// attempt at a time (the load balancer's pick, the connection pool, the exchange on the wire).
//
// A stream ends in exactly one place, Router::end: it reports reporter=source and the client
// span, and hands the answer (or the reset) back to the application.
//
// Local replies (no route, fault abort, no healthy upstream, overflow, ...) come from one table,
// policies/local_reply.h.
#pragma once

#include <cstdint>
#include <optional>

#include "models/ids.h"
#include "models/pool.h"
#include "models/traffic.h"
#include "policies/connection_pool.h"
#include "policies/fault.h"
#include "policies/local_reply.h"
#include "policies/retry_state.h"
#include "simcore/scheduler.h"

namespace meshsim::models {

struct Runtime;

// Envoy's downstream stream plus router state for one request from the application.  Its
// upstream attempts are Exchanges.
struct SidecarStream {
  uint32_t gen = 0;
  bool live = false;
  uint32_t call = kNone, call_gen = 0;
  const RouteRt* route = nullptr;
  uint32_t cluster = kNoCluster;
  uint32_t client_cluster = kNone;
  policies::RetryState retry;
  policies::FaultDecision fault;
  simcore::TimerHandle global_timer, per_try_timer;
  uint32_t exchange = kNone, exchange_gen = 0;
  uint32_t host = kNone;        // index in the cluster of the current attempt's host
  uint32_t attempts = 0;
  uint32_t flags = 0;           // DI and the like, carried to the final answer
  ServiceId service;            // destination service (for the records)
  simcore::Time started;
  bool finished = false;
  uint32_t final_code = 0, final_flags = 0;
  uint8_t final_grpc = policies::kNoGrpcStatus;  // the answer's grpc-status, if it has one
  bool grpc = false;                             // a gRPC request: local replies are trailers-only
  std::optional<simcore::Time> grpc_timeout;     // the request's grpc-timeout header
  policies::RouteTimeouts timeouts;              // the route's, or finalTimeout's for gRPC
  uint32_t worker = 0;                 // the client sidecar worker (Envoy: per downstream connection)
  uint32_t pool = kNone;               // the HostPool of the current attempt
  policies::ConnectionId connection;   // attached connection, if any
  policies::PendingTicket ticket;      // waiting in the pool for a connection
  bool pending = false;
  bool in_attempt = false;             // an attempt holds its host's active count (and pool place)
  bool root = false;                   // a load generator's request (its record says so)
};

class Router {
 public:
  explicit Router(Runtime& rt) : rt_(rt) {}

  SidecarStream& operator[](uint32_t i) { return streams_[i]; }
  bool is(uint32_t i, uint32_t gen) const { return streams_.is(i, gen); }
  // A live stream whose answer is not decided yet.
  bool open(uint32_t i, uint32_t gen) const { return streams_.is(i, gen) && !streams_[i].finished; }

  // The application's request reaches its sidecar: route match, then the fault filter.
  void start(uint32_t call);
  // The fault filter let the request through (after its delay): the router takes it.
  void route(uint32_t stream);
  // One attempt: the load balancer's pick, the connection pool, the per-try timer, the send.
  void attempt(uint32_t stream);
  uint32_t dns_pick(uint32_t stream);  // a headless Service's pod (ORIGINAL_DST)
  // The attempt has a connection (or needs none): the per-try timer starts and it goes out.
  void start_upstream(uint32_t stream);
  // An attempt's outcome is back: outlier detection hears it, then the retry decision.
  void attempt_done(uint32_t stream, const policies::AttemptOutcome& outcome, uint32_t code,
                    uint32_t flags);
  // A local reply for an attempt that never went upstream (overflow in the pool).
  void reply(uint32_t stream, policies::LocalReply r);
  void per_try_timeout(uint32_t stream);
  void global_timeout(uint32_t stream);
  // The application gave up (its own timeout): the stream and its attempt are reset.
  void cancel(uint32_t stream);
  // The decided answer reaches the application (an event of its own for local replies).
  void deliver(uint32_t stream) { end(stream, /*reset=*/false); }

 private:
  // A local reply with HTTP `code` (trailers-only 200 + grpc-status to a gRPC request).
  void finish(uint32_t stream, uint32_t code, uint32_t flags, bool defer = true);
  // The answer as it goes back to the application, gRPC status included.
  void answer(uint32_t stream, uint32_t code, uint8_t grpc_status, uint32_t flags, bool defer = false);
  void fault_abort(uint32_t stream);
  void finish(uint32_t stream, policies::LocalReply r, uint32_t extra_flags);
  void end(uint32_t stream, bool reset);
  void end_attempt(uint32_t stream);
  void mirror(uint32_t stream);
  std::optional<uint64_t> hash_key(uint32_t stream);

  Runtime& rt_;
  Pool<SidecarStream> streams_;
};

}  // namespace meshsim::models
