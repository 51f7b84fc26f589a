// Processor sharing under a CPU limit; see cpu_share.h.
#include "models/cpu_share.h"

#include <cmath>

namespace meshsim::models {

using simcore::Time;

void CpuShare::advance(Time now) {
  if (!jobs_.empty()) v_ += (now - last_).to_seconds() * rate(jobs_.size());
  last_ = now;
}

void CpuShare::add(Time now, double work, uint32_t exchange, uint32_t gen) {
  advance(now);
  jobs_.push({v_ + work, seq_++, exchange, gen});
}

Time CpuShare::next_finish() const {
  if (jobs_.empty()) return Time::max();
  const double left = std::max(0.0, jobs_.top().finish - v_) / rate(jobs_.size());
  // Rounded up to the next nanosecond, so that v has reached the finishing point by then.
  return last_ + Time::from_ns(static_cast<int64_t>(std::ceil(left * 1e9)));
}

void CpuShare::take_finished(Time now, std::vector<std::pair<uint32_t, uint32_t>>& out) {
  advance(now);
  // A relative tolerance for the rounding of v (a sum over the run) against a job's point.
  const double eps = 1e-12 * std::max(1.0, std::abs(v_));
  while (!jobs_.empty() && jobs_.top().finish <= v_ + eps) {
    out.emplace_back(jobs_.top().exchange, jobs_.top().gen);
    jobs_.pop();
  }
}

void CpuShare::clear() {
  jobs_ = {};
}

}  // namespace meshsim::models
