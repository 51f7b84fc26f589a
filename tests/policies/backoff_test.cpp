// Envoy's retry back-off (envoy source/common/common/backoff_strategy.cc,
// JitteredExponentialBackOffStrategy; base/max chosen in source/common/router/retry_state_impl.cc
// and router/retry_policy_impl.cc).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "policies/backoff.h"
#include "simcore/rng.h"
#include "simcore/time.h"

using namespace meshsim::policies;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

// Draws `requests` independent back-off sequences of `retries` each (a fresh state per request,
// as Envoy makes one strategy per request) and returns the draws per retry index, in ms.
std::vector<std::vector<int64_t>> draw_windows(const BackoffConfig& config, int requests,
                                               int retries, uint64_t seed) {
  Stream stream(seed, "backoff_test", "retry-backoff");
  std::vector<std::vector<int64_t>> draws(static_cast<size_t>(retries));
  int not_whole_ms = 0;
  for (int r = 0; r < requests; ++r) {
    BackoffState state;
    for (int k = 0; k < retries; ++k) {
      const Time d = next_backoff(state, config, stream);
      not_whole_ms += d.ns() % 1'000'000 != 0;
      draws[static_cast<size_t>(k)].push_back(d.ns() / 1'000'000);
    }
  }
  CHECK(not_whole_ms == 0);  // whole milliseconds, as Envoy arms its timer
  return draws;
}

}  // namespace

TEST_CASE(
    "Default back-off windows are [0,25) [0,50) [0,100) [0,200) [0,250) [0,250) ms "
    "(backoff_strategy.cc: double while below max/2, else max) - not the Envoy docs' "
    "older [0,(2^N-1)*25)") {
  const BackoffConfig config;  // Envoy defaults: runtime base 25 ms, max 10 x base
  REQUIRE(config.base_ms == 25);
  REQUIRE(config.max_ms == 250);

  constexpr int kRequests = 20000;
  const auto draws = draw_windows(config, kRequests, 6, 42);

  auto [retry, window_ms] =
      GENERATE(table<int, int64_t>({{1, 25}, {2, 50}, {3, 100}, {4, 200}, {5, 250}, {6, 250}}));
  INFO("retry " << retry << ", window [0, " << window_ms << ") ms");
  const auto& d = draws[static_cast<size_t>(retry - 1)];
  const auto [lo, hi] = std::minmax_element(d.begin(), d.end());
  // Every draw inside the window ...
  CHECK(*lo >= 0);
  CHECK(*hi < window_ms);
  // ... and the window is used up to its top: with 20000 draws over <= 250 values, missing the
  // top value has probability < e^-80, so the maximum observed is exactly window - 1 (this rules
  // out the docs' 0-74 ms second window, whose top would be 74).
  CHECK(*hi == window_ms - 1);
  // Uniform on {0..w-1}: mean (w-1)/2, sd ~ w/sqrt(12).  Tolerance: 5 standard errors.
  double sum = 0;
  for (int64_t x : d) sum += static_cast<double>(x);
  const double mean = sum / static_cast<double>(d.size());
  const double se = static_cast<double>(window_ms) / std::sqrt(12.0 * kRequests);
  CHECK(std::abs(mean - static_cast<double>(window_ms - 1) / 2.0) < 5.0 * se);
}

TEST_CASE(
    "Each back-off takes exactly one draw and moves the request's window on: 25, 50, 100, "
    "200, 250, 250 ms (backoff_strategy.cc)") {
  const BackoffConfig config;
  BackoffState state;
  Stream stream(7, "backoff_test", "window");
  for (uint64_t next : {50, 100, 200, 250, 250, 250}) {
    const uint64_t before = stream.draws();
    (void)next_backoff(state, config, stream);
    CHECK(stream.draws() == before + 1);
    CHECK(state.next_interval_ms == next);
  }
}

TEST_CASE(
    "A back-off is the stream's next 64-bit word modulo the window, in ms "
    "(backoff_strategy.cc: random_.random() % backoff)") {
  const BackoffConfig config;
  Stream stream(99, "backoff_test", "modulo");
  Stream twin = stream;  // same name, same position: the same words
  BackoffState state;
  for (uint64_t w : {25u, 50u, 100u, 200u, 250u}) {
    const Time d = next_backoff(state, config, stream);
    CHECK(d == Time::from_ms(static_cast<int64_t>(twin.next_u64() % w)));
  }
}

TEST_CASE(
    "A custom base sets the windows; max defaults to 10 x base "
    "(retry_state_impl.cc; Istio 1.26+ VirtualService retries.backoff)") {
  auto [base_ms, max_ms, windows] = GENERATE(table<int64_t, int64_t, std::vector<int64_t>>({
      {100, 0, {100, 200, 400, 800, 1000, 1000}},
      {10, 0, {10, 20, 40, 80, 100, 100}},
      // A max that is not a power-of-two multiple: 30 -> 60 (30 < 50) -> 100 (60 >= 50).
      {30, 100, {30, 60, 100, 100}},
      // max == base: the window never grows.
      {40, 40, {40, 40, 40}},
  }));
  const BackoffConfig config =
      max_ms == 0 ? BackoffConfig::from(Time::from_ms(base_ms))
                  : BackoffConfig::from(Time::from_ms(base_ms), Time::from_ms(max_ms));
  CHECK(config.max_ms == static_cast<uint64_t>(max_ms == 0 ? 10 * base_ms : max_ms));

  const auto draws = draw_windows(config, 5000, static_cast<int>(windows.size()), 3);
  for (size_t k = 0; k < windows.size(); ++k) {
    INFO("base " << base_ms << " ms, retry " << k + 1 << ", window " << windows[k] << " ms");
    const auto hi = *std::max_element(draws[k].begin(), draws[k].end());
    const auto lo = *std::min_element(draws[k].begin(), draws[k].end());
    CHECK(lo >= 0);
    CHECK(hi < windows[k]);
    CHECK(hi == windows[k] - 1);
  }
}

TEST_CASE(
    "Back-off intervals are whole milliseconds, at least 1 ms "
    "(retry_policy_impl.cc: PROTOBUF_GET_MS_REQUIRED, then < 1 ms -> 1 ms)") {
  CHECK(BackoffConfig::from(Time::from_us(300)).base_ms == 1);
  CHECK(BackoffConfig::from(Time::from_us(300)).max_ms == 10);
  CHECK(BackoffConfig::from(Time::from_us(25'900)).base_ms == 25);
  CHECK(BackoffConfig::from(25_ms, Time::from_us(80'400)).max_ms == 80);
  CHECK(BackoffConfig::from(25_ms).base() == 25_ms);
  CHECK(BackoffConfig::from(25_ms).max() == 250_ms);
}

TEST_CASE(
    "Two requests' back-offs are independent progressions (one strategy per request's "
    "retry state, retry_state_impl.cc)") {
  const BackoffConfig config;
  BackoffState a;
  BackoffState b;
  Stream stream(5, "backoff_test", "independent");
  (void)next_backoff(a, config, stream);
  (void)next_backoff(a, config, stream);
  CHECK(a.next_interval_ms == 100);
  CHECK(b.next_interval_ms == 0);  // not started: its first window is the base, 25 ms
}
