// One attempt on the wire: from the caller's (or its sidecar's) send, over the network, through
// the callee's inbound sidecar to its pod, and back.  At the pod it is also the request being
// served (its handler's progress).
#pragma once

#include <cstdint>

#include "models/ids.h"
#include "models/pool.h"
#include "policies/grpc_status.h"
#include "simcore/time.h"

namespace meshsim::models {

struct Runtime;

struct Exchange {
  uint32_t gen = 0;
  bool live = false;
  // kLost: it reached a pod whose node then vanished (or it arrived after): no answer will come.
  enum Phase : uint8_t { kToPod, kQueued, kRunning, kToCaller, kLost } phase = kToPod;
  bool abandoned = false;  // the caller gave up; the answer is discarded
  bool failed = false;     // a call with onFailure=fail failed: answer `status`
  uint16_t step = 0;
  uint16_t pending = 0;    // calls of the current step still out
  // A repeat in progress: the steps [repeat_begin, repeat_end) run again while repeat_left > 0.
  uint16_t repeat_begin = 0, repeat_end = 0;
  uint32_t repeat_left = 0;
  uint32_t call = kNone, call_gen = 0;
  PodId pod;
  ServiceId service;  // the Service whose endpoint `pod` is for this request (its cluster's)
  uint32_t path = 0;
  uint32_t handler = kNone;
  uint32_t status = 0;
  uint8_t grpc_status = policies::kNoGrpcStatus;  // the response's grpc-status, if it has one
  bool grpc = false;                              // a gRPC request
  simcore::Time grpc_timeout = simcore::Time::max();  // the grpc-timeout header sent; max: none
  simcore::Time deadline = simcore::Time::max();      // the server's deadline from that header
  uint32_t flags = 0;
  uint32_t server_flags = 0;  // the server sidecar's own response flags (its reporter=destination)
  uint32_t depth = 0;
  uint16_t kind = 0;       // the root request's kind (its headers travel with it)
  const struct CallStep* call_step = nullptr;  // the call's method and headers (null: a root request)
  LoadId load;
  simcore::Time sent, dest_start, dest_end;
  simcore::Time sidecar_pass;  // a quarter of the pair overhead drawn for this exchange
  uint32_t stream = kNone, stream_gen = 0;  // the client sidecar stream it is an attempt of
  bool reached_pod = false;  // it arrived at a live pod (else: a connect failure)
  uint8_t filter_marks = 0;  // inbound filters that let it through (models/inbound/overload_filters.h)
  // A request on a TCP connection (models/tcp/tcp.h): no HTTP filter chain, no request records;
  // its answer goes back to the connection.  kNone: an HTTP exchange.
  uint32_t tcp_conn = kNone, tcp_conn_gen = 0;
  uint64_t trace = 0, client_span = 0, server_span = 0;
};

class Exchanges {
 public:
  explicit Exchanges(Runtime& rt) : rt_(rt) {}

  Exchange& operator[](uint32_t i) { return pool_[i]; }
  bool is(uint32_t i, uint32_t gen) const { return pool_.is(i, gen); }
  size_t live() const { return pool_.live(); }
  size_t size() const { return pool_.size(); }

  // Sends one attempt of `call` to `pod` (invalid: no endpoint, the connection is refused) for
  // the caller's sidecar stream `stream` (kNone: the application calls directly).  Returns it.
  uint32_t send(uint32_t call, uint32_t stream, PodId pod);
  // A request on established TCP connection `conn` to `pod`: over the network (and the caller's
  // sidecar pass if it has one) to the pod's inbound sidecar.  A pod whose node vanished (or a
  // partition) swallows it: it is lost at once, nobody answers.
  uint32_t send_on_connection(uint32_t call, uint32_t conn, uint32_t conn_gen, PodId pod);
  // It reached its pod, which died on the way: the connection fails back to the caller.
  void refused_at_pod(uint32_t exchange);
  // The caller stops waiting for it (a timeout or a reset): the server's answer, if any, is
  // discarded; a request lost with its node is released at once (no answer will come).
  void abandon(uint32_t exchange);
  // The answer (or failure) is back at the caller: to its sidecar's router, or its application.
  void at_caller(uint32_t exchange);

 private:
  Runtime& rt_;
  Pool<Exchange> pool_;
};

}  // namespace meshsim::models
