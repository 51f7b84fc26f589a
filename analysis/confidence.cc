// Student-t intervals and batch means; see confidence.h.
#include "analysis/confidence.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace meshsim::analysis {

ConfidenceInterval t_interval(const Accumulator& samples, double level) {
  if (!(level > 0.0 && level < 1.0)) throw std::invalid_argument("confidence level must be in (0,1)");
  ConfidenceInterval ci;
  ci.level = level;
  ci.estimate = samples.mean();
  if (samples.count() < 2) {
    ci.half_width = std::numeric_limits<double>::quiet_NaN();
    return ci;
  }
  const boost::math::students_t t(static_cast<double>(samples.count() - 1));
  const double q = boost::math::quantile(boost::math::complement(t, (1.0 - level) / 2.0));
  ci.half_width = q * samples.standard_error();
  return ci;
}

BatchMeans::BatchMeans(simcore::Time start, simcore::Time batch_length, size_t batches)
    : start_(start), length_(batch_length), batches_(batches) {
  if (batch_length <= simcore::Time::zero()) throw std::invalid_argument("batch length must be > 0");
  if (batches < 2) throw std::invalid_argument("batch means need at least two batches");
}

void BatchMeans::add(simcore::Time at, simcore::Time latency) {
  if (at < start_) return;
  const int64_t b = (at - start_) / length_;
  if (b >= static_cast<int64_t>(batches_.size())) return;
  batches_[static_cast<size_t>(b)].record(latency);
}

uint64_t BatchMeans::count() const {
  uint64_t n = 0;
  for (const auto& h : batches_) n += h.count();
  return n;
}

ConfidenceInterval BatchMeans::mean(double level) const {
  Accumulator acc;
  for (const auto& h : batches_) acc.add(h.mean() * 1e-9);
  return t_interval(acc, level);
}

ConfidenceInterval BatchMeans::percentile(double p, double level) const {
  Accumulator acc;
  for (const auto& h : batches_) acc.add(static_cast<double>(h.value_at_percentile(p)) * 1e-9);
  return t_interval(acc, level);
}

Histogram BatchMeans::merged() const {
  Histogram all;
  for (const auto& h : batches_) all.merge(h);
  return all;
}

}  // namespace meshsim::analysis
