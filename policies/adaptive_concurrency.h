// Envoy's adaptive concurrency filter, gradient controller
// (envoy.filters.http.adaptive_concurrency): an inbound limit on concurrent requests that follows
// the measured latency.  Sources: envoy api/envoy/extensions/filters/http/adaptive_concurrency/
// v3/adaptive_concurrency.proto, source/extensions/filters/http/adaptive_concurrency/controller/
// gradient_controller.cc, docs adaptive_concurrency_filter.rst; chaos-and-overload.md §3.
//
//   Every concurrency_update_interval (outside a minRTT window), sampleRTT = the
//   sample_aggregate_percentile (p50) of the latencies recorded since the last update, in whole
//   microseconds, and
//     gradient  = clamp(minRTT x (1 + buffer) / sampleRTT, 0.5, 2.0)        (buffer 25 %)
//     limit'    = limit x gradient
//     new limit = clamp(trunc(limit' + sqrt(limit')), min_concurrency, max_concurrency_limit)
//   minRTT window: at start, every `interval` (+ a jitter drawn uniformly from [0, ceil(interval
//   x jitter)) ms, jitter 15 %), and after the limit was set to min_concurrency for 5 updates in
//   a row: the limit is pinned to min_concurrency (3) and the samples cleared; once request_count
//   (50) requests sent since the window opened have completed, minRTT = their p50 and the limit
//   goes back to the value it had.  No update happens during the window.
//   A request is forwarded while outstanding < limit, else answered 503 locally
//   ("reached concurrency limit").
// Difference from Envoy, small: Envoy takes percentiles from a circllhist histogram (two
// significant digits, interpolated); meshsim from the exact samples (linear interpolation).
#pragma once

#include <cstdint>
#include <vector>

#include "simcore/rng.h"
#include "simcore/time.h"

namespace meshsim::policies {

struct AdaptiveConcurrencyConfig {
  double sample_aggregate_percentile = 0.5;                             // default 50 %
  simcore::Time concurrency_update_interval = simcore::Time::from_ms(100);  // required in Envoy
  uint32_t max_concurrency_limit = 1000;                                // default 1000
  simcore::Time min_rtt_calc_interval = simcore::Time::from_s(60);      // min_rtt_calc_params.interval
  uint32_t min_rtt_request_count = 50;                                  // default 50
  double jitter = 0.15;                                                 // default 15 %
  uint32_t min_concurrency = 3;                                         // default 3
  double buffer = 0.25;                                                 // default 25 %
};

// calculateNewLimit: the closed form above.  Times in whole microseconds, as Envoy keeps them.
uint32_t gradient_new_limit(int64_t min_rtt_us, int64_t sample_rtt_us, uint32_t limit,
                            const AdaptiveConcurrencyConfig& c);

// The controller's state.  The owner calls forward() for each request, complete() or cancel()
// when it ends, and on_timer() at next_deadline().
class GradientController {
 public:
  GradientController(const AdaptiveConcurrencyConfig& c, simcore::Time now, simcore::Stream rng);

  bool forward();  // true: send it on (counted outstanding); false: 503
  void complete(simcore::Time sent, simcore::Time now);
  void cancel();   // ended without a latency sample (reset)
  simcore::Time next_deadline() const;
  void on_timer(simcore::Time now);

  uint32_t limit() const { return limit_; }
  uint32_t outstanding() const { return outstanding_; }
  bool measuring_min_rtt() const { return deferred_limit_ > 0; }
  int64_t min_rtt_us() const { return min_rtt_us_; }
  int64_t sample_rtt_us() const { return sample_rtt_us_; }

 private:
  void enter_min_rtt_window(simcore::Time now);
  void set_limit(uint32_t l, simcore::Time now);
  int64_t take_percentile();

  AdaptiveConcurrencyConfig c_;
  simcore::Stream rng_;
  uint32_t limit_;
  uint32_t deferred_limit_ = 0;  // > 0: in a minRTT window, the limit to go back to
  uint32_t outstanding_ = 0;
  uint32_t consecutive_min_ = 0;
  int64_t min_rtt_us_ = 0;
  int64_t sample_rtt_us_ = 0;
  simcore::Time epoch_;                         // the current minRTT window opened
  simcore::Time min_rtt_timer_ = simcore::Time::max();
  simcore::Time sample_timer_ = simcore::Time::max();
  std::vector<int64_t> samples_us_;
};

}  // namespace meshsim::policies
