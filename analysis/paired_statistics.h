// Statistics for comparing two variants of a scenario run under common random numbers (CRN):
// replication r of the base and of the candidate use the same seed, so every entity draws the
// same random numbers in both, and the pair (base_r, candidate_r) differs only by the change.
// Paired methods use that: the variance of a difference of paired runs is far smaller than that
// of two independent runs (Law & Kelton, ch. 11.2).
//
//   paired_t_interval   Student-t interval of the mean of the differences candidate_r - base_r;
//                       for per-run means and rates (success rate, retry amplification).
//   paired_jackknife    delete-one-replication jackknife with a Student-t quantile, for any
//                       statistic of the weighted replications -- quantiles of the pooled
//                       latency distribution, which have no simple variance formula.  Leaving out
//                       a whole replication pair (not single requests) keeps the correlation of
//                       the requests of one run inside each pseudo-value and the pairing of the
//                       two variants.  For a mean it reproduces the t interval exactly.  (A
//                       percentile bootstrap over replications was tried first: with the 5
//                       replications a check runs, its "95 %" intervals covered about 85 %.)
//   WeightedHistograms::probability_greater
//                       Mann-Whitney's U / (n_x n_y) = P(X > Y) + P(X = Y) / 2 of two weighted
//                       merges (values in one histogram bucket count as ties; buckets below
//                       256 ns are exact).  Its textbook p-value is not computed: it assumes
//                       independent requests, and requests of one run are not independent, so
//                       it would call every tiny shift significant; `meshsim compare` decides on
//                       the paired jackknife interval of U / (n m) instead.
// Thread safety: pure functions and immutable objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "analysis/confidence.h"
#include "analysis/histogram.h"

namespace meshsim::analysis {

// Interval for mean(candidate_r - base_r) at `level`; the spans are equally long (asserted).
// Fewer than two pairs: half_width NaN.
ConfidenceInterval paired_t_interval(std::span<const double> base,
                                     std::span<const double> candidate, double level);

// Interval for statistic(all weights 1) at `level`: estimate +- t(level, n-1) * SE, with the
// jackknife standard error SE = sqrt((n-1)/n * sum_i (theta_i - mean theta)^2), theta_i the
// statistic with weights[i] = 0 and every other weight 1.  n >= 2 (asserted); a NaN or infinite
// theta_i gives half_width NaN.
ConfidenceInterval paired_jackknife(
    size_t n, const std::function<double(std::span<const uint32_t>)>& statistic, double level);

// Per-replication histograms laid on one grid of buckets, so that a weighted merge (a jackknife
// resample) costs one pass over the grid and no allocation.  With every weight 1 each figure
// equals the one of all histograms merged (Histogram::merge).
class WeightedHistograms {
 public:
  explicit WeightedHistograms(std::span<const Histogram> replications);

  size_t replications() const { return mins_.size(); }
  // Histogram::value_at_percentile of the weighted merge, ns; NaN when it holds nothing.
  double percentile(std::span<const uint32_t> weights, double p) const;
  // The exact mean of the weighted merge, ns; NaN when it holds nothing.
  double mean(std::span<const uint32_t> weights) const;
  // P(X > Y) + P(X = Y) / 2 for X from this weighted merge and Y from `other`'s (same number of
  // replications; the grids may differ).  NaN when either is empty.
  double probability_greater(std::span<const uint32_t> weights, const WeightedHistograms& other,
                             std::span<const uint32_t> other_weights) const;

 private:
  std::vector<Bucket> grid_;            // union of buckets, increasing; counts unused
  std::vector<std::vector<uint64_t>> counts_;  // [replication][grid index]
  std::vector<int64_t> mins_, maxs_;
  std::vector<long double> sums_;
  std::vector<uint64_t> totals_;
};

}  // namespace meshsim::analysis
