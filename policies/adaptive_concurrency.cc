// Envoy adaptive concurrency, gradient controller; see adaptive_concurrency.h.
#include "policies/adaptive_concurrency.h"

#include <algorithm>
#include <cmath>

namespace meshsim::policies {

using simcore::Time;

uint32_t gradient_new_limit(int64_t min_rtt_us, int64_t sample_rtt_us, uint32_t limit,
                            const AdaptiveConcurrencyConfig& c) {
  const double buffered = static_cast<double>(min_rtt_us) + static_cast<double>(min_rtt_us) * c.buffer;
  const double gradient = std::clamp(buffered / static_cast<double>(sample_rtt_us), 0.5, 2.0);
  const double l = limit * gradient;
  const auto next = static_cast<uint32_t>(l + std::sqrt(l));
  return std::max(c.min_concurrency, std::min(c.max_concurrency_limit, next));
}

GradientController::GradientController(const AdaptiveConcurrencyConfig& c, Time now, simcore::Stream rng)
    : c_(c), rng_(rng), limit_(c.min_concurrency) {
  enter_min_rtt_window(now);
  sample_timer_ = now + c_.concurrency_update_interval;
}

bool GradientController::forward() {
  if (outstanding_ < limit_) {
    ++outstanding_;
    return true;
  }
  return false;
}

void GradientController::cancel() {
  if (outstanding_ > 0) --outstanding_;
}

void GradientController::complete(Time sent, Time now) {
  cancel();
  if (sent < epoch_) return;  // started before the current minRTT window
  samples_us_.push_back((now - sent).ns() / 1000);
  // updateMinRTT
  if (!measuring_min_rtt() || samples_us_.size() < c_.min_rtt_request_count) return;
  min_rtt_us_ = take_percentile();
  set_limit(deferred_limit_, now);  // still in the window: not a "set at the minimum"
  deferred_limit_ = 0;
  Time wait = c_.min_rtt_calc_interval;
  if (c_.jitter > 0) {
    const int64_t interval_ms = c_.min_rtt_calc_interval.ns() / 1'000'000;
    const auto range = static_cast<uint64_t>(std::ceil(static_cast<double>(interval_ms) * c_.jitter));
    if (range > 0) wait = Time::from_ms(interval_ms + static_cast<int64_t>(rng_.next_u64() % range));
  }
  min_rtt_timer_ = now + wait;
  sample_timer_ = now + c_.concurrency_update_interval;
}

Time GradientController::next_deadline() const { return std::min(min_rtt_timer_, sample_timer_); }

void GradientController::on_timer(Time now) {
  if (min_rtt_timer_ <= now) {
    min_rtt_timer_ = Time::max();
    enter_min_rtt_window(now);
  }
  if (sample_timer_ <= now) {
    sample_timer_ = Time::max();
    if (measuring_min_rtt()) return;  // re-armed when the minRTT window closes
    if (!samples_us_.empty()) {       // resetSampleWindow
      sample_rtt_us_ = take_percentile();
      if (sample_rtt_us_ > 0) set_limit(gradient_new_limit(min_rtt_us_, sample_rtt_us_, limit_, c_), now);
    }
    sample_timer_ = now + c_.concurrency_update_interval;
  }
}

void GradientController::enter_min_rtt_window(Time now) {
  if (measuring_min_rtt()) return;
  deferred_limit_ = limit_;
  set_limit(c_.min_concurrency, now);
  samples_us_.clear();
  epoch_ = now;
}

void GradientController::set_limit(uint32_t l, Time now) {
  const uint32_t old = limit_;
  limit_ = l;
  if (!measuring_min_rtt() && old == c_.min_concurrency && l == c_.min_concurrency)
    ++consecutive_min_;
  else
    consecutive_min_ = 0;
  if (consecutive_min_ >= 5) min_rtt_timer_ = now;  // measure minRTT again at once
}

int64_t GradientController::take_percentile() {
  std::sort(samples_us_.begin(), samples_us_.end());
  const double pos = c_.sample_aggregate_percentile * static_cast<double>(samples_us_.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, samples_us_.size() - 1);
  const double v = static_cast<double>(samples_us_[lo]) +
                   (pos - static_cast<double>(lo)) * static_cast<double>(samples_us_[hi] - samples_us_[lo]);
  samples_us_.clear();
  return static_cast<int64_t>(v);
}

}  // namespace meshsim::policies
