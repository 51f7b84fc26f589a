// Statistics for comparing two variants of a scenario run under common random numbers (CRN):
// replication r of the base and of the candidate use the same seed, so every entity draws the
// same random numbers in both, and the pair (base_r, candidate_r) differs only by the change.
// Paired methods use that: the variance of a difference of paired runs is far smaller than that
// of two independent runs (Law & Kelton, ch. 11.2).
//
//   paired_t_interval   Student-t interval of the mean of the differences candidate_r - base_r;
//                       for per-run means and rates (success rate, retry amplification).
//   paired_bootstrap    percentile bootstrap that resamples replication *pairs* with
//                       replacement (the same indices on both sides, keeping the pairing) and
//                       recomputes any statistic of the weighted replications; for quantiles of
//                       the pooled latency distribution, which have no simple variance formula.
//                       Resampling whole replications (not single requests) keeps the
//                       correlation between the requests of one run inside each resample.
//   mann_whitney        the Mann-Whitney U statistic of two samples given as histograms, with
//                       its probability of superiority A = U / (n_x n_y) = P(X > Y) + P(X = Y)/2
//                       and the classical normal-approximation p-value (tie-corrected, with
//                       continuity correction, as scipy.stats.mannwhitneyu computes it).  Values
//                       in one histogram bucket count as ties (buckets below 256 ns are exact).
//                       The p-value assumes independent samples; requests of one run are not
//                       independent, so `meshsim compare` decides on A's paired bootstrap
//                       interval instead and reports U and p for reference.
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

struct BootstrapInterval {
  double estimate = 0;  // the statistic on the data as it is (every weight 1)
  double lower = 0;     // percentile interval: the (1 - level)/2 and (1 + level)/2 quantiles
  double upper = 0;     // of the resampled statistics
  double level = 0;
  size_t resamples = 0;
  bool excludes(double x) const { return x < lower || x > upper; }
};

// Resamples n indices with replacement `resamples` times (a fixed Philox stream of `seed`, so
// the answer is reproducible) and calls statistic(weights), where weights[i] is how often index
// i was drawn.  Resamples where the statistic is NaN are left out of the quantiles.
// n >= 1 (asserted); `resamples` >= 1.
BootstrapInterval paired_bootstrap(size_t n,
                                   const std::function<double(std::span<const uint32_t>)>& statistic,
                                   double level, size_t resamples, uint64_t seed);

// Per-replication histograms laid on one grid of buckets, so that a weighted merge (a bootstrap
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

struct MannWhitney {
  double u = 0;            // U of x: #(x > y) + #(x == y) / 2 over all pairs
  double probability = 0;  // U / (n_x n_y): P(X > Y) + P(X = Y) / 2
  double z = 0;            // normal approximation, tie-corrected, continuity-corrected
  double p_value = 1;      // two-sided
};

// Mann-Whitney U of x against y.  Either empty: probability NaN, p_value 1.
MannWhitney mann_whitney(const Histogram& x, const Histogram& y);

}  // namespace meshsim::analysis
