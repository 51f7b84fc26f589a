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
//   WeightedHistograms::quantile
//                       a percentile of a weighted merge, interpolated linearly inside its
//                       bucket (the grouped-data formula L + (pN/100 - F) / f * w, which
//                       Prometheus's histogram_quantile uses too).  The histogram's own
//                       percentile reports a bucket's midpoint, a step function of the counts:
//                       every leave-one-replication-out resample of a p50 then lands in the same
//                       bucket and the jackknife interval has zero width (issue #15: 33 of 33 p50
//                       intervals).  Interpolated, the quantile moves smoothly with the counts,
//                       and leaving out a whole replication is a delete-d jackknife, which is
//                       consistent for smooth quantiles (Shao and Wu 1989), unlike the
//                       delete-one jackknife of single samples (Efron 1982).  The bucket width
//                       at the quantile comes with it: compare never reports a quantile
//                       interval narrower than that resolution.
//   t_p_value           the two-sided p-value that matches a Student-t interval (what
//                       multiple_testing.h adjusts).
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

// The two-sided p-value of "the true value is `null`" that matches `ci` (a Student-t interval
// with `df` degrees of freedom): the standard error is half_width / t(level, df), and
// p = 2 P(T_df > |estimate - null| / SE), so p < 1 - level exactly when the interval excludes
// `null`.  A zero-width interval gives 1 at `null` and 0 elsewhere; an infinite estimate 0; a
// NaN estimate or half width NaN.
double t_p_value(const ConfidenceInterval& ci, double null, double df);

// Per-replication histograms laid on one grid of buckets, so that a weighted merge (a jackknife
// resample) costs one pass over the grid and no allocation.  With every weight 1 each figure
// equals the one of all histograms merged (Histogram::merge).
class WeightedHistograms {
 public:
  explicit WeightedHistograms(std::span<const Histogram> replications);

  size_t replications() const { return mins_.size(); }
  // Histogram::value_at_percentile of the weighted merge, ns; NaN when it holds nothing.
  double percentile(std::span<const uint32_t> weights, double p) const;
  // A percentile of the weighted merge interpolated inside its bucket (see the top of this
  // file), clamped to the merge's [min, max]; p == 0 and p == 100 give min and max.  `width`:
  // the width of that bucket (0 at p == 0 or 100, where the value is exact).  NaN when the merge
  // holds nothing.
  struct Quantile {
    double value = 0;  // ns
    double width = 0;  // ns
  };
  Quantile quantile(std::span<const uint32_t> weights, double p) const;
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
