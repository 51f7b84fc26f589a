// Paired t, paired jackknife, weighted histogram merges and Mann-Whitney; see
// paired_statistics.h.
#include "analysis/paired_statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

#include "analysis/accumulator.h"

namespace meshsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

ConfidenceInterval paired_t_interval(std::span<const double> base,
                                     std::span<const double> candidate, double level) {
  assert(base.size() == candidate.size());
  Accumulator d;
  for (size_t i = 0; i < base.size(); ++i) d.add(candidate[i] - base[i]);
  return t_interval(d, level);
}

ConfidenceInterval paired_jackknife(
    size_t n, const std::function<double(std::span<const uint32_t>)>& statistic, double level) {
  assert(n >= 2);
  ConfidenceInterval out;
  out.level = level;
  std::vector<uint32_t> weights(n, 1);
  out.estimate = statistic(weights);
  std::vector<double> theta(n);
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    weights[i] = 0;
    theta[i] = statistic(weights);
    weights[i] = 1;
    mean += theta[i] / static_cast<double>(n);
  }
  double ss = 0;
  for (double t : theta) ss += (t - mean) * (t - mean);
  const double se = std::sqrt(static_cast<double>(n - 1) / static_cast<double>(n) * ss);
  if (!std::isfinite(se)) {
    out.half_width = kNaN;
    return out;
  }
  const boost::math::students_t t(static_cast<double>(n - 1));
  out.half_width = boost::math::quantile(boost::math::complement(t, (1 - level) / 2)) * se;
  return out;
}

double t_p_value(const ConfidenceInterval& ci, double null, double df) {
  if (std::isnan(ci.estimate) || std::isnan(ci.half_width)) return kNaN;
  if (std::isinf(ci.estimate)) return 0;
  const double distance = std::abs(ci.estimate - null);
  if (ci.half_width == 0) return distance == 0 ? 1.0 : 0.0;
  const boost::math::students_t t(df);
  const double se = ci.half_width / boost::math::quantile(boost::math::complement(t, (1 - ci.level) / 2));
  return std::min(1.0, 2 * boost::math::cdf(boost::math::complement(t, distance / se)));
}

WeightedHistograms::WeightedHistograms(std::span<const Histogram> replications) {
  std::vector<std::vector<Bucket>> per;
  for (const Histogram& h : replications) {
    per.push_back(h.buckets());
    for (const Bucket& b : per.back()) grid_.push_back({b.lower, b.upper_exclusive, 0});
    mins_.push_back(h.min());
    maxs_.push_back(h.max());
    sums_.push_back(h.sum());
    totals_.push_back(h.count());
  }
  std::sort(grid_.begin(), grid_.end(),
            [](const Bucket& a, const Bucket& b) { return a.lower < b.lower; });
  grid_.erase(std::unique(grid_.begin(), grid_.end(),
                          [](const Bucket& a, const Bucket& b) { return a.lower == b.lower; }),
              grid_.end());
  counts_.assign(per.size(), std::vector<uint64_t>(grid_.size(), 0));
  for (size_t r = 0; r < per.size(); ++r) {
    size_t k = 0;
    for (const Bucket& b : per[r]) {
      while (grid_[k].lower != b.lower) ++k;  // both increasing; every bucket is on the grid
      counts_[r][k] = b.count;
    }
  }
}

double WeightedHistograms::percentile(std::span<const uint32_t> weights, double p) const {
  assert(weights.size() == replications());
  uint64_t total = 0;
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (size_t r = 0; r < weights.size(); ++r) {
    if (weights[r] == 0 || totals_[r] == 0) continue;
    total += weights[r] * totals_[r];
    lo = std::min(lo, mins_[r]);
    hi = std::max(hi, maxs_[r]);
  }
  if (total == 0) return kNaN;
  if (!(p > 0)) return static_cast<double>(lo);
  if (p >= 100) return static_cast<double>(hi);
  const uint64_t rank = percentile_rank(p, total);
  uint64_t seen = 0;
  for (size_t k = 0; k < grid_.size(); ++k) {
    for (size_t r = 0; r < weights.size(); ++r) seen += weights[r] * counts_[r][k];
    if (seen >= rank) {
      const auto mid = static_cast<int64_t>(grid_[k].midpoint());
      return static_cast<double>(std::clamp(mid, lo, hi));
    }
  }
  return static_cast<double>(hi);
}

WeightedHistograms::Quantile WeightedHistograms::quantile(std::span<const uint32_t> weights,
                                                          double p) const {
  assert(weights.size() == replications());
  uint64_t total = 0;
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (size_t r = 0; r < weights.size(); ++r) {
    if (weights[r] == 0 || totals_[r] == 0) continue;
    total += weights[r] * totals_[r];
    lo = std::min(lo, mins_[r]);
    hi = std::max(hi, maxs_[r]);
  }
  if (total == 0) return {kNaN, kNaN};
  if (!(p > 0)) return {static_cast<double>(lo), 0};
  if (p >= 100) return {static_cast<double>(hi), 0};
  // The position p N / 100 on the cumulative counts, and the bucket that holds it.
  const double position = p / 100 * static_cast<double>(total);
  double before = 0;
  for (size_t k = 0; k < grid_.size(); ++k) {
    double in = 0;
    for (size_t r = 0; r < weights.size(); ++r)
      in += static_cast<double>(weights[r]) * static_cast<double>(counts_[r][k]);
    if (in > 0 && before + in >= position) {
      const double width = static_cast<double>(grid_[k].upper_exclusive - grid_[k].lower);
      const double v = static_cast<double>(grid_[k].lower) + (position - before) / in * width;
      return {std::clamp(v, static_cast<double>(lo), static_cast<double>(hi)), width};
    }
    before += in;
  }
  return {static_cast<double>(hi), 0};
}

double WeightedHistograms::mean(std::span<const uint32_t> weights) const {
  assert(weights.size() == replications());
  long double sum = 0;
  uint64_t total = 0;
  for (size_t r = 0; r < weights.size(); ++r) {
    sum += static_cast<long double>(weights[r]) * sums_[r];
    total += weights[r] * totals_[r];
  }
  return total == 0 ? kNaN : static_cast<double>(sum / static_cast<long double>(total));
}

double WeightedHistograms::probability_greater(std::span<const uint32_t> weights,
                                               const WeightedHistograms& other,
                                               std::span<const uint32_t> other_weights) const {
  // Walk both grids in increasing order; for each of this side's buckets, count the other side's
  // mass strictly below it (greater) and in the same bucket (ties).  Buckets of one layout
  // either coincide or do not overlap, so comparing lower bounds orders them.
  auto mass = [](const WeightedHistograms& h, std::span<const uint32_t> w, size_t k) {
    long double m = 0;
    for (size_t r = 0; r < w.size(); ++r) m += static_cast<long double>(w[r]) * h.counts_[r][k];
    return m;
  };
  long double below = 0, u = 0, nx = 0, ny = 0;
  size_t j = 0;
  for (size_t k = 0; k < grid_.size(); ++k) {
    while (j < other.grid_.size() && other.grid_[j].lower < grid_[k].lower) {
      below += mass(other, other_weights, j);
      ++j;
    }
    long double tie = 0;
    if (j < other.grid_.size() && other.grid_[j].lower == grid_[k].lower) {
      tie = mass(other, other_weights, j);
    }
    const long double x = mass(*this, weights, k);
    u += x * (below + tie / 2);
    nx += x;
  }
  for (size_t k = 0; k < other.grid_.size(); ++k) ny += mass(other, other_weights, k);
  if (nx == 0 || ny == 0) return kNaN;
  return static_cast<double>(u / (nx * ny));
}

}  // namespace meshsim::analysis
