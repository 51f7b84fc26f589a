// gRPC retry throttling and SRE adaptive throttling; see client_throttling.h.
#include "policies/client_throttling.h"

#include <algorithm>
#include <cmath>

namespace meshsim::policies {

int64_t grpc_milli_token_ratio(double token_ratio) {
  // gRPC parses the JSON number's text; from a double, round to the nearest 1e-9 first so that
  // 0.1 (0.1000000000000000055...) keeps its 100, then drop digits past the third.
  const double scaled = std::round(token_ratio * 1e9) / 1e6;
  return static_cast<int64_t>(std::floor(scaled));
}

GrpcRetryThrottle::GrpcRetryThrottle(uint32_t max_tokens, double token_ratio)
    : max_milli_tokens_(int64_t{max_tokens} * 1000),
      milli_token_ratio_(grpc_milli_token_ratio(token_ratio)),
      milli_tokens_(max_milli_tokens_) {}

bool GrpcRetryThrottle::record_failure() {
  milli_tokens_ = std::clamp<int64_t>(milli_tokens_ - 1000, 0, max_milli_tokens_);
  return milli_tokens_ > max_milli_tokens_ / 2;
}

void GrpcRetryThrottle::record_success() {
  milli_tokens_ = std::clamp<int64_t>(milli_tokens_ + milli_token_ratio_, 0, max_milli_tokens_);
}

double sre_reject_probability(double requests, double accepts, double k) {
  return std::max(0.0, (requests - k * accepts) / (requests + 1));
}

bool AdaptiveThrottle::should_reject(simcore::Time now, double uniform) {
  const AdmissionWindow::Counts n = window_.counts(now);
  const bool reject = uniform < sre_reject_probability(static_cast<double>(n.requests),
                                                       static_cast<double>(n.successes), c_.k);
  window_.add(now, 1, 0);
  return reject;
}

}  // namespace meshsim::policies
