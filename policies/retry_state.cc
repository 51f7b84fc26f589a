// Envoy's RetryStateImpl decisions (source/common/router/retry_state_impl.cc) and the retry
// resource of the cluster's circuit breakers (source/common/upstream/resource_manager_impl.h).
#include "policies/retry_state.h"

#include <algorithm>
#include <cassert>

namespace meshsim::policies {

namespace {

bool is_5xx(uint32_t code) { return code >= 500 && code < 600; }
// Http::CodeUtility::isGatewayError.
bool is_gateway_error(uint32_t code) { return code == 502 || code == 503 || code == 504; }

constexpr uint32_t kGrpcRetryOnBits = kRetryOnGrpcCancelled | kRetryOnGrpcDeadlineExceeded |
                                      kRetryOnGrpcResourceExhausted | kRetryOnGrpcUnavailable |
                                      kRetryOnGrpcInternal;

// wouldRetryFromHeaders, in Envoy's order.
bool would_retry_response(const RetryPolicy& p, const AttemptOutcome& o) {
  const uint32_t on = p.retry_on;
  if (o.envoy_ratelimited) return (on & kRetryOnEnvoyRateLimited) != 0;
  const uint32_t status = o.http_status;
  if ((on & kRetryOn5xx) && is_5xx(status)) return true;
  if ((on & kRetryOnGatewayError) && is_gateway_error(status)) return true;
  if ((on & kRetryOnRetriable4xx) && status == 409) return true;
  if ((on & kRetryOnRetriableStatusCodes) && p.has_retriable_status_code(status)) return true;
  // kRetryOnRetriableHeaders: no header matchers can be configured through Istio, so never.
  if ((on & kGrpcRetryOnBits) && o.grpc_status) {
    switch (*o.grpc_status) {
      case kGrpcCancelled:
        return (on & kRetryOnGrpcCancelled) != 0;
      case kGrpcDeadlineExceeded:
        return (on & kRetryOnGrpcDeadlineExceeded) != 0;
      case kGrpcResourceExhausted:
        return (on & kRetryOnGrpcResourceExhausted) != 0;
      case kGrpcUnavailable:
        return (on & kRetryOnGrpcUnavailable) != 0;
      case kGrpcInternal:
        return (on & kRetryOnGrpcInternal) != 0;
      default:
        return false;
    }
  }
  return false;
}

// wouldRetryFromReset, in Envoy's order.  The HTTP/3 branches (0-RTT handshake failure,
// http3-post-connect-failure) need an HTTP/3 upstream with TCP fallback, which the mesh never has.
bool would_retry_reset(const RetryPolicy& p, ResetReason reason, bool upstream_request_started) {
  const uint32_t on = p.retry_on;
  switch (reason) {
    case ResetReason::Overflow:           // "we never retry if the reset reason is overflow"
    case ResetReason::NoHealthyUpstream:  // never reaches the retry state
    case ResetReason::GlobalTimeout:      // onResponseTimeout does not consult it
    case ResetReason::FaultAbort:         // the router never sees the request
      return false;
    default:
      break;
  }
  if (reason == ResetReason::ConnectFailure && (on & kRetryOnConnectFailure)) return true;
  if ((on & kRetryOnResetBeforeRequest) && !upstream_request_started) return true;
  if (on & kRetryOnReset) return true;
  if (on & (kRetryOn5xx | kRetryOnGatewayError)) return true;  // "we count a reset as a 5xx"
  if ((on & kRetryOnRefusedStream) && reason == ResetReason::RefusedStream) return true;
  return false;
}

// The reset kinds that go through router.cc maybeRetryReset (and so update the sticky
// upstream_request_started_ flag before the decision).
bool goes_through_maybe_retry_reset(ResetReason r) {
  switch (r) {
    case ResetReason::ConnectFailure:
    case ResetReason::RefusedStream:
    case ResetReason::ResetBeforeRequestSent:
    case ResetReason::ResetAfterRequestSent:
    case ResetReason::Overflow:
    case ResetReason::PerTryTimeout:
      return true;
    case ResetReason::NoHealthyUpstream:
    case ResetReason::GlobalTimeout:
    case ResetReason::FaultAbort:
      return false;
  }
  return false;
}

}  // namespace

bool would_retry(const RetryPolicy& policy, const AttemptOutcome& outcome,
                 bool upstream_request_started) {
  if (outcome.kind == AttemptOutcome::Kind::Response) return would_retry_response(policy, outcome);
  return would_retry_reset(policy, outcome.reset_reason, upstream_request_started);
}

uint64_t RetryCircuitBreaker::max() const {
  if (!config.retry_budget) return config.max_retries;
  const RetryBudget& b = *config.retry_budget;
  const uint64_t current_active = requests_active + requests_pending;
  // RetryBudgetImpl::max(): std::max<uint64_t>(budget_percent / 100.0 * current_active,
  // min_retry_concurrency) - the product is truncated to an integer.
  const auto by_percent =
      static_cast<uint64_t>(b.budget_percent / 100.0 * static_cast<double>(current_active));
  return std::max<uint64_t>(by_percent, b.min_retry_concurrency);
}

void AttemptedHosts::add(uint32_t host) {
  if (count_ < kInline) {
    inline_[count_] = host;
  } else {
    if (count_ == kInline) overflow_.assign(inline_.begin(), inline_.end());
    overflow_.push_back(host);
  }
  ++count_;
}

bool AttemptedHosts::contains(uint32_t host) const {
  const std::span<const uint32_t> all = hosts();
  return std::find(all.begin(), all.end(), host) != all.end();
}

void release(RetryState& state, RetryCircuitBreaker& breaker) {
  if (!state.holds_retry_slot) return;
  assert(breaker.retries_open > 0);
  --breaker.retries_open;
  state.holds_retry_slot = false;
}

RetryStatus should_retry(RetryState& state, const RetryPolicy& policy,
                         const AttemptOutcome& outcome, RetryCircuitBreaker& breaker,
                         simcore::Stream& stream, simcore::Time& backoff_out) {
  // router.cc maybeRetryReset: "If the current request in this router has sent data to the
  // upstream, we consider the request started."  Sticky for the rest of the request.
  if (outcome.kind == AttemptOutcome::Kind::Reset &&
      goes_through_maybe_retry_reset(outcome.reset_reason)) {
    state.upstream_request_started |= outcome.request_sent;
  }
  const bool retry = would_retry(policy, outcome, state.upstream_request_started);

  release(state, breaker);  // resetRetry(): the previous retry's outcome is now decided
  if (!retry) return RetryStatus::No;
  if (state.retries_remaining == 0) return RetryStatus::NoRetryLimitExceeded;
  --state.retries_remaining;
  if (!breaker.can_create()) return RetryStatus::NoOverflow;

  ++breaker.retries_open;
  state.holds_retry_slot = true;
  ++state.retries_granted;
  backoff_out = next_backoff(state.backoff, policy.backoff, stream);
  return RetryStatus::Yes;
}

uint32_t response_flag(RetryStatus status) {
  switch (status) {
    case RetryStatus::NoRetryLimitExceeded:
      return kUpstreamRetryLimitExceeded;
    case RetryStatus::NoOverflow:
      return kUpstreamOverflow;
    case RetryStatus::No:
    case RetryStatus::Yes:
      return kNone;
  }
  return kNone;
}

}  // namespace meshsim::policies
