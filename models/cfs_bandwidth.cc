// CFS bandwidth control; see cfs_bandwidth.h.
#include "models/cfs_bandwidth.h"

#include <algorithm>
#include <cmath>

namespace meshsim::models {

using simcore::Time;

namespace {
// Seconds to whole nanoseconds, rounded up, so that an event lands at or after the instant.
Time ceil_seconds(double s) { return Time::from_ns(static_cast<int64_t>(std::ceil(s * 1e9))); }
}  // namespace

CfsBandwidth::CfsBandwidth(double cores, Time period)
    : period_(period), quota_(cores * period.to_seconds()) {}

Time CfsBandwidth::period_end(Time t) const {
  return Time::from_ns((t.ns() / period_.ns() + 1) * period_.ns());
}

void CfsBandwidth::advance(Time now) {
  if (jobs_.empty() && background_ == 0) {  // idle: nothing runs; only whether a new period began matters
    if (now >= period_end(last_)) used_ = 0;
    last_ = std::max(last_, now);
    return;
  }
  if (jobs_.empty() && now >= period_end(last_)) {  // idle but stressed: only the last period counts
    last_ = Time::from_ns(now.ns() / period_.ns() * period_.ns());
    used_ = 0;
  }
  while (last_ < now) {
    const Time end = period_end(last_);
    const Time segment_end = std::min(now, end);
    if (used_ < quota_) {
      const double k = static_cast<double>(jobs_.size());
      const double rate = k + background_;
      const double run = std::min((segment_end - last_).to_seconds(), (quota_ - used_) / rate);
      v_ += k > 0 ? run : 0;
      used_ += run * rate;
    }
    last_ = segment_end;
    if (segment_end == end) used_ = 0;  // a new period: a fresh quota
  }
}

void CfsBandwidth::set_background(Time now, double cores) {
  advance(now);
  background_ = cores;
}

void CfsBandwidth::add(Time now, double work, uint32_t exchange, uint32_t gen) {
  advance(now);
  jobs_.push({v_ + work, seq_++, exchange, gen});
}

Time CfsBandwidth::next_event() const {
  if (jobs_.empty()) return Time::max();
  const Time boundary = period_end(last_);
  // A relative tolerance for the rounding of used_ (a running sum) against the quota.
  if (used_ >= quota_ * (1 - 1e-12)) return boundary;
  const double k = static_cast<double>(jobs_.size());
  const Time finish = last_ + ceil_seconds(std::max(0.0, jobs_.top().finish - v_));
  const Time exhausted = last_ + ceil_seconds((quota_ - used_) / (k + background_));
  return std::min({finish, exhausted, boundary});
}

void CfsBandwidth::take_finished(Time now, std::vector<std::pair<uint32_t, uint32_t>>& out) {
  advance(now);
  if (used_ >= quota_ * (1 - 1e-12)) used_ = std::max(used_, quota_);  // snap rounding
  const double eps = 1e-12 * std::max(1.0, std::abs(v_));
  while (!jobs_.empty() && jobs_.top().finish <= v_ + eps) {
    out.emplace_back(jobs_.top().exchange, jobs_.top().gen);
    jobs_.pop();
  }
}

}  // namespace meshsim::models
