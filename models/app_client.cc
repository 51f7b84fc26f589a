// The application as a client: its calls, timeouts and retries; see app_client.h.
#include "models/app_client.h"

#include "models/runtime.h"

namespace meshsim::models {

namespace {
// A non-2xx/3xx answer fails, and so does a non-OK grpc-status: a gRPC client library reports
// it as an error whatever the HTTP status (always 200 for a gRPC server or a sidecar's reply).
bool success(uint32_t code, uint8_t grpc_status) {
  return code >= 200 && code < 400 && (grpc_status == policies::kNoGrpcStatus || grpc_status == policies::kGrpcOk);
}
}  // namespace

void AppClient::send(uint32_t ci) {
  Call& c = calls_[ci];
  const CallerView caller = rt_.caller(c);
  if (!c.root() && c.step->adaptive_throttling) {
    EdgeStreams& e = rt_.edge(c);
    if (!e.adaptive_throttle) e.adaptive_throttle.emplace(*c.step->adaptive_throttling);
    if (e.adaptive_throttle->should_reject(rt_.sched.now(), e.throttle.uniform())) {
      // Failed by the client library, never sent: as the next event (the handler may be in the
      // middle of making its calls), through timeout(), which sees `throttled`.
      c.throttled = true;
      c.timeout = rt_.sched.arm_at(rt_.sched.now(), Packed::make(kCallTimeout, ci, c.gen));
      return;
    }
  }
  ++c.attempts;
  const simcore::Time timeout = c.root() ? rt_.topo.loads[c.load].cfg->timeout : c.step->timeout;
  simcore::Time at = timeout == simcore::Time::max() ? timeout : rt_.sched.now() + timeout;
  if (c.deadline != simcore::Time::max()) {
    if (c.deadline <= rt_.sched.now()) {
      // A gRPC client fails a call past its deadline without sending it: as the next event, never
      // inside the caller's own call stack (a handler may be making its calls).
      c.timeout = rt_.sched.arm_at(rt_.sched.now(), Packed::make(kCallTimeout, ci, c.gen));
      return;
    }
    at = std::min(at, c.deadline);
  }
  if (at != simcore::Time::max())
    c.timeout = rt_.sched.arm_at(at, Packed::make(kCallTimeout, ci, c.gen));
  if (c.tcp_port != 0) {
    rt_.tcp.send(ci);
    return;
  }
  if (caller.sidecar) {
    rt_.router.start(ci);
    return;
  }
  // No client sidecar: kube-proxy picks a ready endpoint uniformly at random.
  const auto& ready = rt_.control.ready_pods(c.service);
  rt_.exchanges.send(ci, kNone, ready.empty() ? PodId() : ready[rt_.edge(c).pick.below(ready.size())]);
}

// The server keeps working after the application stops waiting; its answer will be discarded.
void AppClient::timeout(uint32_t ci) {
  Call& c = calls_[ci];
  c.timeout = simcore::TimerHandle{};
  if (c.throttled) {  // failed locally by adaptive throttling (send)
    c.throttled = false;
    const uint32_t code = c.grpc ? 200 : 503;
    const uint8_t status = c.grpc ? policies::kGrpcUnavailable : policies::kNoGrpcStatus;
    if (c.attempts_left > 0) {
      --c.attempts_left;
      send(ci);
    } else {
      complete(ci, code, status, 0);
    }
    return;
  }
  if (c.stream != kNone && rt_.router.is(c.stream, c.stream_gen)) {
    rt_.router.cancel(c.stream);
  } else if (c.exchange != kNone && rt_.exchanges.is(c.exchange, c.exchange_gen)) {
    rt_.exchanges.abandon(c.exchange);
  }
  c.stream = kNone;
  c.exchange = kNone;
  if (c.tcp_port != 0) rt_.tcp.abandon(ci);
  if (c.deadline <= rt_.sched.now()) {
    deadline_exceeded(ci);
    return;
  }
  attempt_outcome(ci, 0, policies::kNoGrpcStatus, kAppTimeout);
}

// The gRPC deadline passed: DEADLINE_EXCEEDED, no further attempt (gRPC's own semantics).
void AppClient::deadline_exceeded(uint32_t ci) {
  calls_[ci].attempts_left = 0;
  attempt_outcome(ci, 0, policies::kGrpcDeadlineExceeded, kAppTimeout);
}

// Overload answers that SRE adaptive throttling does not count as accepted: 503 / 429, gRPC
// UNAVAILABLE / RESOURCE_EXHAUSTED, and no answer at all (a timeout or a connection failure).
bool AppClient::throttles_allow_retry(Call& c, uint32_t code, uint8_t grpc_status, bool ok) {
  if (c.root() || (!c.step->adaptive_throttling && !c.step->retry_throttling)) return true;
  EdgeStreams& e = rt_.edge(c);
  if (c.step->adaptive_throttling && e.adaptive_throttle) {
    const bool rejected = code == 0 || code == 503 || code == 429 || grpc_status == policies::kGrpcUnavailable ||
                          grpc_status == policies::kGrpcResourceExhausted;
    if (!rejected) e.adaptive_throttle->record_accept(rt_.sched.now());
  }
  if (!c.grpc || !c.step->retry_throttling) return true;
  if (!e.retry_throttle)
    e.retry_throttle.emplace(c.step->retry_throttling->max_tokens, c.step->retry_throttling->token_ratio);
  if (ok) {
    e.retry_throttle->record_success();
    return true;
  }
  return e.retry_throttle->record_failure();
}

void AppClient::attempt_outcome(uint32_t ci, uint32_t code, uint8_t grpc_status, uint32_t flags) {
  Call& c = calls_[ci];
  const bool ok = success(code, grpc_status);
  if (!throttles_allow_retry(c, code, grpc_status, ok)) c.attempts_left = 0;
  if (!ok && c.attempts_left > 0) {
    --c.attempts_left;
    send(ci);
    return;
  }
  complete(ci, code, grpc_status, flags);
}

// The one place a call ends.
void AppClient::complete(uint32_t ci, uint32_t code, uint8_t grpc_status, uint32_t flags) {
  const Call c = calls_[ci];
  calls_.release(ci);
  if (c.mirror) return;  // a mirrored copy's answer is discarded
  if (c.root()) {
    rt_.loads.root_done(c, code, grpc_status, flags);
    return;
  }
  // The caller was reset meanwhile (released, or killed: no longer running its handler).
  if (!rt_.exchanges.is(c.parent, c.parent_gen) || rt_.exchanges[c.parent].phase != Exchange::kRunning) return;
  rt_.pods.call_done(c.parent, *c.step, code, grpc_status, flags);
}

}  // namespace meshsim::models
