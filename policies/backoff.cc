// Envoy's JitteredExponentialBackOffStrategy (source/common/common/backoff_strategy.cc/.h).
#include "policies/backoff.h"

#include <cassert>

namespace meshsim::policies {

namespace {

// Envoy reads durations with PROTOBUF_GET_MS_*: whole milliseconds, truncated; then
// RetryPolicyImpl raises anything below 1 ms to 1 ms.
uint64_t envoy_interval_ms(simcore::Time t) {
  const int64_t ms = t.ns() / 1'000'000;
  return ms < 1 ? uint64_t{1} : static_cast<uint64_t>(ms);
}

}  // namespace

BackoffConfig BackoffConfig::from(simcore::Time base, std::optional<simcore::Time> max) {
  BackoffConfig c;
  c.base_ms = envoy_interval_ms(base);
  c.max_ms = max ? envoy_interval_ms(*max) : c.base_ms * kDefaultMaxFactor;
  assert(c.max_ms >= c.base_ms && "Envoy rejects retry_back_off.max_interval < base_interval");
  return c;
}

simcore::Time next_backoff(BackoffState& state, const BackoffConfig& config,
                           simcore::Stream& stream) {
  if (state.next_interval_ms == 0) state.next_interval_ms = config.base_ms;
  const uint64_t backoff = state.next_interval_ms;
  assert(backoff > 0);
  // backoff_strategy.h: doubling_limit_{max_interval_ / 2u}; "Set next_interval_ to
  // max_interval_ if doubling the interval would exceed the max or overflow."
  const uint64_t doubling_limit = config.max_ms / 2u;
  state.next_interval_ms = backoff < doubling_limit ? backoff * 2u : config.max_ms;
  // `random_.random() % backoff`: modulo of a 64-bit word, bias and all, as Envoy does.
  const uint64_t ms = stream.next_u64() % backoff;
  return simcore::Time::from_ms(static_cast<int64_t>(ms));
}

}  // namespace meshsim::policies
