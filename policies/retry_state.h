// Per-request retry state and the retry decision, as Envoy's router makes it
// (envoy source/common/router/retry_state_impl.cc, driven from router.cc).
//
// Envoy's split, kept here under Envoy's names:
//   * would_retry()  = wouldRetryFromHeaders / wouldRetryFromReset: does the route's retry_on
//     cover this attempt's outcome?  Pure classification, no state.
//   * should_retry() = shouldRetry: release the slot a previous retry held, then
//     not covered -> No; retries_remaining == 0 -> NoRetryLimitExceeded (caller adds URX);
//     decrement; retry circuit breaker full -> NoOverflow (caller adds UO); else take a retry slot,
//     draw the back-off and return Yes.
// Unlike Envoy nothing here owns a timer or a callback: models/ arms the back-off timer with the
// returned delay and starts the next attempt when it fires.
//
// The caller's contract, which is how router.cc drives RetryStateImpl:
//   * call should_retry() for every attempt outcome that reaches the router before any response
//     headers went downstream, success included (a success returns No and releases the slot the
//     retry held, as Envoy's shouldRetry does first thing);
//   * call release() when the request ends any other way (global timeout, downstream reset): that
//     is Envoy's ~RetryStateImpl;
//   * never ask once response headers were sent downstream: Envoy never retries after that.
// Nothing here allocates per decision (the attempted-host list keeps 8 hosts inline).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "policies/backoff.h"
#include "policies/grpc_status.h"
#include "policies/response_flags.h"
#include "policies/retry_policy.h"
#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

// Envoy's Router::RetryStatus, in Envoy's order.
enum class RetryStatus : uint8_t { No, NoRetryLimitExceeded, NoOverflow, Yes };

// Why an attempt ended without response headers.  Each maps onto the Envoy path that produces it.
enum class ResetReason : uint8_t {
  // Pool failure: LocalConnectionFailure / RemoteConnectionFailure / ConnectionTimeout (incl.
  // the cluster connect timeout, Istio 10 s).  Nothing was sent.  Local reply 503 UF.
  ConnectFailure,
  // HTTP/2 RST_STREAM REFUSED_STREAM (RemoteRefusedStreamReset).  The request headers had gone
  // out (Envoy marks the first byte sent when the pool hands over the stream).  503 UR.
  RefusedStream,
  // The connection went away before the stream was handed to the request, so no byte was sent
  // (the one case besides ConnectFailure that `reset-before-request` retries).  503 UC.
  ResetBeforeRequestSent,
  // Remote reset or connection termination after the request went out.  503 UR (the runtime's
  // killed pod, a connection termination, replies 503 UC itself: models/exchange.cc).
  ResetAfterRequestSent,
  // Circuit breaker overflow (StreamResetReason::Overflow).  503 UO, x-envoy-overloaded.
  // Never retried (wouldRetryFromReset's first check).
  Overflow,
  // The load balancer found no host.  503 UH.  Envoy replies without consulting the retry state.
  NoHealthyUpstream,
  // Per-try timer (router.cc onPerTryTimeout -> LocalReset).  504 UT if not retried.  Retried only
  // under 5xx, gateway-error or reset (reset-before-request never: the timer starts when the
  // stream is ready, which is also when Envoy records the first byte sent).
  PerTryTimeout,
  // Route (global) timeout: ends the whole request.  504 UT.  Never retried.
  GlobalTimeout,
  // Fault filter abort: the request never reaches the router.  FI.  Never retried.
  FaultAbort,
};

// How one upstream attempt ended.  A small value type; build it with the factories.
struct AttemptOutcome {
  enum class Kind : uint8_t { Response, Reset };

  Kind kind = Kind::Response;
  // Response: the :status Envoy saw in the response headers.
  uint16_t http_status = 200;
  // Response: grpc-status in the response *headers* (a trailers-only response).  Envoy's gRPC
  // retry_on tokens read only headers; a grpc-status in trailers never triggers a retry.
  std::optional<uint8_t> grpc_status;
  // Response: the upstream Envoy set x-envoy-ratelimited.  Such a response is retried only under
  // envoy-ratelimited, whatever its status (wouldRetryFromHeaders' first check).
  bool envoy_ratelimited = false;
  // Reset: why.
  ResetReason reset_reason = ResetReason::ConnectFailure;
  // Reset: whether any byte of this attempt went upstream (Envoy: first_upstream_tx_byte_sent).
  bool request_sent = false;

  static AttemptOutcome response(uint16_t status,
                                 std::optional<uint8_t> grpc_status = std::nullopt) {
    AttemptOutcome o;
    o.http_status = status;
    o.grpc_status = grpc_status;
    return o;
  }
  // request_sent defaults by reason: false for ConnectFailure, ResetBeforeRequestSent, Overflow,
  // NoHealthyUpstream, GlobalTimeout, FaultAbort; true for RefusedStream,
  // ResetAfterRequestSent, PerTryTimeout.
  static AttemptOutcome reset(ResetReason reason) {
    return reset(reason, default_request_sent(reason));
  }
  static AttemptOutcome reset(ResetReason reason, bool request_sent) {
    AttemptOutcome o;
    o.kind = Kind::Reset;
    o.reset_reason = reason;
    o.request_sent = request_sent;
    return o;
  }
  static constexpr bool default_request_sent(ResetReason r) {
    return r == ResetReason::RefusedStream || r == ResetReason::ResetAfterRequestSent ||
           r == ResetReason::PerTryTimeout;
  }
};

// Whether the route's retry_on covers this outcome (Envoy's wouldRetryFromHeaders /
// wouldRetryFromReset).  `upstream_request_started` is the router's sticky
// upstream_request_started_ flag, which only `reset-before-request` reads; the two-argument form
// uses outcome.request_sent.  Token by token:
//   5xx              any 5xx response; any reset (connect failure, refused stream, per-try timeout)
//   gateway-error    502/503/504 responses; any reset, as 5xx
//   reset            any reset
//   reset-before-request  any reset, as long as no earlier or current *reset* attempt of
//                    this request had sent a byte upstream (the sticky flag)
//   connect-failure  ConnectFailure
//   refused-stream   RefusedStream
//   retriable-4xx    409 only
//   retriable-status-codes  a response whose status is in the policy's list (never a reset)
//   retriable-headers  never: Istio cannot configure the header matchers it needs
//   envoy-ratelimited  a response carrying x-envoy-ratelimited
//   http3-post-connect-failure  never: the mesh's upstreams are not HTTP/3
//   cancelled/deadline-exceeded/resource-exhausted/internal/unavailable  grpc-status 1/4/8/13/14
//                    in the response headers
// Never, under any token: Overflow, NoHealthyUpstream, GlobalTimeout, FaultAbort.
bool would_retry(const RetryPolicy& policy, const AttemptOutcome& outcome,
                 bool upstream_request_started);
inline bool would_retry(const RetryPolicy& policy, const AttemptOutcome& outcome) {
  return would_retry(policy, outcome, outcome.request_sent);
}

// Envoy's default circuit-breaker threshold for concurrent retries (max_retries), and the value
// Istio writes on every cluster (2^32 - 1, cluster_traffic_policy.go) unless a DestinationRule
// sets connectionPool.http.maxRetries.
inline constexpr uint64_t kEnvoyDefaultMaxRetries = 3;
inline constexpr uint64_t kIstioDefaultMaxRetries = 4294967295;

// circuit_breakers.thresholds.retry_budget (Istio DestinationRule retryBudget, 1.27+).  When the
// message is present Envoy fills unset fields with these defaults (upstream_impl.cc).
struct RetryBudget {
  double budget_percent = 20.0;        // percent of active + pending requests
  uint32_t min_retry_concurrency = 3;  // floor on concurrent retries
};

// The budget_percent Istio writes for a DestinationRule retryBudget without `percent`.  Documented
// as 20 %, but applyRetryBudget (pilot/pkg/networking/core/cluster_traffic_policy.go) wrote
// xdstype.Percent{Value: 0.2} on Envoy's 0-100 scale, i.e. 0.2 %, from the field's first release
// (1.27) until istio/istio#59505 (merged 2026-03-18, no backport label: first released in 1.30).
// With 0.2 % the allowance is min_retry_concurrency below 1500 active requests.
constexpr double istio_retry_budget_default_percent(IstioVersion version) {
  return version.at_least(1, 30) ? 20.0 : 0.2;
}

// The retry resource of one cluster's circuit breakers, per client Envoy and priority
// (envoy source/common/upstream/resource_manager_impl.h, RetryBudgetImpl).
struct RetryCircuitBreakerConfig {
  // max_retries.  Default 3 (Envoy); Istio: kIstioDefaultMaxRetries unless the DR sets maxRetries.
  uint64_t max_retries = kEnvoyDefaultMaxRetries;
  // retry_budget.  Default none.  When present it *replaces* max_retries: the allowance is
  // max(floor(budget_percent / 100 x (active + pending)), min_retry_concurrency), and
  // max_retries is ignored however low it is (RetryBudgetImpl::max / useRetryBudget).
  std::optional<RetryBudget> retry_budget;
};

// The live counters the decision reads.  `retries_open` is owned by the retry decisions here
// (should_retry takes a slot, release/should_retry give it back); `requests_active` and
// `requests_pending` are the cluster's rq / rq_pending resource counts, kept in step by whoever
// owns the connection pool (only the retry budget reads them).
struct RetryCircuitBreaker {
  RetryCircuitBreakerConfig config;
  uint64_t retries_open = 0;
  uint64_t requests_active = 0;
  uint64_t requests_pending = 0;

  // Concurrent retries allowed now.
  uint64_t max() const;
  // Envoy's retries().canCreate(): count < max.
  bool can_create() const { return retries_open < max(); }
};

// Hosts this request has attempted, in order (the previous_hosts predicate's attempted_hosts_).
// Host ids are the simulator's interned host indices.  Contiguous, so the router can hand the list
// to the load balancer as its reject span: eight live inline; the ninth add copies them all into
// the vector, which holds the whole list from then on (only a policy with more than 7 retries gets
// there).
class AttemptedHosts {
 public:
  void add(uint32_t host);
  bool contains(uint32_t host) const;
  uint32_t size() const { return count_; }
  // Every attempted host, in order.  Valid until the next add() or clear().
  std::span<const uint32_t> hosts() const {
    if (count_ <= kInline) return {inline_.data(), count_};
    return overflow_;
  }
  void clear() {
    count_ = 0;
    overflow_.clear();
  }

 private:
  static constexpr uint32_t kInline = 8;
  std::array<uint32_t, kInline> inline_{};
  uint32_t count_ = 0;
  std::vector<uint32_t> overflow_;  // all the hosts once there are more than kInline
};

// One request's retry state (RetryStateImpl's per-request fields).  Start it with start().
struct RetryState {
  uint32_t retries_remaining = 0;         // num_retries, counted down by should_retry
  BackoffState backoff;                   // the request's own back-off progression
  bool holds_retry_slot = false;          // Envoy: a retry callback is armed
  bool upstream_request_started = false;  // router.cc upstream_request_started_, sticky
  uint32_t retries_granted = 0;           // Yes answers so far (upstream_rq_retry)
  AttemptedHosts attempted_hosts;

  static RetryState start(const RetryPolicy& policy) {
    RetryState s;
    s.retries_remaining = policy.num_retries;
    return s;
  }
};

// Envoy's shouldRetry, in Envoy's order; see the file comment.  On Yes, `backoff_out` is the delay
// before the next attempt (one draw from `stream`); otherwise it is left untouched.
// For resets it first folds outcome.request_sent into state.upstream_request_started, as
// router.cc maybeRetryReset does (responses do not touch the flag).
RetryStatus should_retry(RetryState& state, const RetryPolicy& policy,
                         const AttemptOutcome& outcome, RetryCircuitBreaker& breaker,
                         simcore::Stream& stream, simcore::Time& backoff_out);

// Gives back the retry slot this request holds, if any (RetryStateImpl::resetRetry).  Idempotent.
void release(RetryState& state, RetryCircuitBreaker& breaker);

// The response flag a non-Yes status adds: URX for NoRetryLimitExceeded, UO for NoOverflow, none
// otherwise (router.cc maybeRetryReset / onUpstreamHeaders).
uint32_t response_flag(RetryStatus status);

// The local reply for a final reset: policies/local_reply.h (local_reply_for).

// --- Host re-selection on a retry (previous_hosts) -----------------------------------------------

// Record the host an attempt went to (router.cc onUpstreamHostSelected -> onHostAttempted), for
// successful and failed pool attempts alike.  The re-pick loop itself (chooseHost: pick again while
// the previous_hosts predicate rejects the host) is LoadBalancer::choose_host, whose reject span is
// state.attempted_hosts.hosts().
inline void on_host_attempted(RetryState& state, uint32_t host) { state.attempted_hosts.add(host); }

}  // namespace meshsim::policies
