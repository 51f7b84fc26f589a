// Client-side loop breakers that live in the application's RPC library, not in Envoy:
//
// gRPC retry throttling (grpc/proposal A6-client-retries.md "Throttling Retry Attempts and
// Hedged RPCs"; grpc src/core/client_channel/retry_throttle.cc).  Per server name, in
// thousandths of a token: the count starts at maxTokens; a failure that the retry policy would
// retry takes 1 token (not below 0) and the attempt may be retried only if the count is then
// above maxTokens / 2; an OK response gives back tokenRatio (3 decimals kept, not above
// maxTokens).  maxTokens is an integer in (0, 1000], tokenRatio > 0.
//
// SRE adaptive throttling (Site Reliability Engineering, ch. 21 "Handling Overload"): over the
// last `window` (2 minutes) the client counts `requests` (attempted by the application, locally
// rejected ones included) and `accepts` (accepted by the backend), and rejects a new request
// locally with probability max(0, (requests - K x accepts) / (requests + 1)), K = 2.
#pragma once

#include <cstdint>

#include "policies/admission_control.h"
#include "simcore/time.h"

namespace meshsim::policies {

class GrpcRetryThrottle {
 public:
  // max_tokens in (0, 1000]; token_ratio > 0, used to 3 decimals.
  GrpcRetryThrottle(uint32_t max_tokens, double token_ratio);
  // A retryable failure: takes a token; whether the call may be retried.
  bool record_failure();
  void record_success();
  int64_t milli_tokens() const { return milli_tokens_; }

 private:
  int64_t max_milli_tokens_;
  int64_t milli_token_ratio_;
  int64_t milli_tokens_;
};

// tokenRatio as gRPC parses it: up to 3 decimal digits, the rest dropped ("0.1005" -> 100).
int64_t grpc_milli_token_ratio(double token_ratio);

struct AdaptiveThrottlingConfig {
  double k = 2.0;                                  // the SRE book's preferred multiplier
  simcore::Time window = simcore::Time::from_s(120);  // "the last two minutes"
};

double sre_reject_probability(double requests, double accepts, double k);

// One client's history (per calling pod and target service in meshsim), in 1 s buckets.
class AdaptiveThrottle {
 public:
  explicit AdaptiveThrottle(const AdaptiveThrottlingConfig& c) : c_(c), window_(c.window) {}
  // Whether to reject a new request locally, given a uniform draw on [0, 1).  Either way the
  // request is counted (a rejected one is never accepted).
  bool should_reject(simcore::Time now, double uniform);
  // The backend accepted a request sent (answered anything but an overload rejection).
  void record_accept(simcore::Time now) { window_.add(now, 0, 1); }

 private:
  AdaptiveThrottlingConfig c_;
  AdmissionWindow window_;  // requests, accepts
};

}  // namespace meshsim::policies
