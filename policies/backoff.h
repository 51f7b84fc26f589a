// Envoy's retry back-off: the fully jittered exponential strategy that the router's retry state
// draws from before every retry (envoy source/common/common/backoff_strategy.cc,
// JitteredExponentialBackOffStrategy; armed by source/common/router/retry_state_impl.cc).
//
// What the current code does, in whole milliseconds (Envoy keeps these intervals as integer ms):
//   I1 = base;  I(k+1) = 2 * I(k) if I(k) < floor(max / 2), else max;
//   the k-th back-off is  rand() % I(k),  i.e. uniform on [0, I(k)) ms.
// With Envoy's defaults (base 25 ms from runtime `upstream.base_retry_backoff_ms`, max 10 x base)
// the windows are [0,25), [0,50), [0,100), [0,200), [0,250), [0,250), ...
// Envoy's router documentation still describes the older formula [0, (2^N - 1) * base), i.e.
// 0-24, 0-74, 0-174 ms; that is not what the code has done since JitteredBackOffStrategy gained the
// doubling limit.  We follow the code.
//
// Randomness: exactly one 64-bit draw from the caller's Stream per back-off, reduced modulo the
// window as Envoy does (`random_.random() % backoff`), so a run reproduces draw for draw.
#pragma once

#include <cstdint>
#include <optional>

#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

// A route's retry back-off configuration, built once.  Immutable by convention.
struct BackoffConfig {
  // Envoy's default base interval: runtime key `upstream.base_retry_backoff_ms`, default 25 ms.
  static constexpr uint64_t kDefaultBaseMs = 25;
  // When max_interval is unset, Envoy caps the interval at 10 x base (retry_state_impl.cc).
  static constexpr uint64_t kDefaultMaxFactor = 10;

  // base_interval in ms.  Default 25 (Envoy's runtime default; Istio never changes it before
  // 1.26, when VirtualService `retries.backoff` sets it).
  uint64_t base_ms = kDefaultBaseMs;
  // max_interval in ms.  Default 10 x base = 250.  Never below base_ms.
  uint64_t max_ms = kDefaultBaseMs * kDefaultMaxFactor;

  // Builds the config as Envoy's RetryPolicyImpl does (router/retry_policy_impl.cc): durations
  // are truncated to whole milliseconds and anything below 1 ms becomes 1 ms; max defaults to
  // 10 x base.  Precondition (asserted; Envoy rejects such a route): max, when given, >= base.
  static BackoffConfig from(simcore::Time base, std::optional<simcore::Time> max = std::nullopt);

  simcore::Time base() const { return simcore::Time::from_ms(static_cast<int64_t>(base_ms)); }
  simcore::Time max() const { return simcore::Time::from_ms(static_cast<int64_t>(max_ms)); }

  friend bool operator==(const BackoffConfig&, const BackoffConfig&) = default;
};

// Per-request back-off progress (Envoy creates one strategy per request's retry state).
// A value-initialised state is "no back-off drawn yet".
struct BackoffState {
  // The window the next draw uses, in ms; 0 means "not started" (the next window is base_ms).
  uint64_t next_interval_ms = 0;
};

// Draws the next back-off and advances the window, exactly as
// JitteredExponentialBackOffStrategy::nextBackOffMs().  One draw from `stream`.
simcore::Time next_backoff(BackoffState& state, const BackoffConfig& config,
                           simcore::Stream& stream);

}  // namespace meshsim::policies
