// Running mean, variance, min and max of doubles, in one pass and mergeable.
//
// Batch means (and per-replication summaries) need a variance that does not lose its digits when
// the mean is large next to the spread, which the textbook sum-of-squares formula does.  Welford's
// update keeps the sum of squared deviations M2 directly, and Chan et al.'s pairwise formula
// merges two accumulators exactly as if one had seen both streams, so per-thread or per-batch
// accumulators can be combined in any order.
//
//   add:   n += 1;  d = x - mean;  mean += d / n;  M2 += d * (x - mean)
//   merge: d = mean_b - mean_a;  n = n_a + n_b;  mean = mean_a + d * n_b / n;
//          M2 = M2_a + M2_b + d^2 * n_a * n_b / n
//
// Statistics that are undefined (mean, min, max of nothing; the variance of fewer than two
// values) are quiet NaN rather than 0, so a missing batch cannot pass for a zero-width interval.
// Thread safety: not synchronised; keep one per thread and merge().
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace meshsim::analysis {

class Accumulator {
 public:
  void add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
    min_ = n_ == 1 ? x : std::min(min_, x);
    max_ = n_ == 1 ? x : std::max(max_, x);
  }

  // Combines `other` into this one (Chan, Golub and LeVeque's parallel formula).
  void merge(const Accumulator& other) {
    if (other.n_ == 0) return;
    if (n_ == 0) {
      *this = other;
      return;
    }
    const double na = static_cast<double>(n_);
    const double nb = static_cast<double>(other.n_);
    const double n = na + nb;
    const double delta = other.mean_ - mean_;
    mean_ += delta * nb / n;
    m2_ += other.m2_ + delta * delta * na * nb / n;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    n_ += other.n_;
  }

  void reset() { *this = Accumulator(); }

  uint64_t count() const { return n_; }
  double mean() const { return n_ == 0 ? kNaN : mean_; }
  double min() const { return n_ == 0 ? kNaN : min_; }
  double max() const { return n_ == 0 ? kNaN : max_; }
  // Unbiased sample variance, M2 / (n - 1).
  double variance() const { return n_ < 2 ? kNaN : m2_ / static_cast<double>(n_ - 1); }
  // Population variance, M2 / n.
  double population_variance() const { return n_ == 0 ? kNaN : m2_ / static_cast<double>(n_); }
  double stddev() const { return std::sqrt(variance()); }
  // Standard error of the mean, sqrt(variance / n): the scale of a batch-means interval.
  double standard_error() const { return std::sqrt(variance() / static_cast<double>(n_)); }

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  uint64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
};

}  // namespace meshsim::analysis
