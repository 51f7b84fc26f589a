// Confidence intervals for simulation output: Student-t intervals over independent replicates,
// and non-overlapping batch means for one long steady-state run.
//
// Why batch means: successive response times in a queue are strongly correlated, so the naive
// standard error of their mean is far too small.  Cutting the measurement window into B equal
// batches, each many relaxation times long, gives B nearly independent batch means; a t-interval
// with B-1 degrees of freedom over them is the textbook remedy (Law & Kelton, ch. 9).  The same
// works for quantiles: one p99 per batch, a t-interval over the B of them.
// Thread safety: plain values; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/accumulator.h"
#include "analysis/histogram.h"
#include "simcore/time.h"

namespace meshsim::analysis {

struct ConfidenceInterval {
  double estimate = 0;
  double half_width = 0;  // NaN when fewer than two samples
  double level = 0;       // e.g. 0.99
  double lower() const { return estimate - half_width; }
  double upper() const { return estimate + half_width; }
  bool contains(double x) const { return x >= lower() && x <= upper(); }
};

// Two-sided Student-t interval for the mean of the values in `samples` at confidence `level`.
ConfidenceInterval t_interval(const Accumulator& samples, double level);

// Batch means over [start, start + batches * batch_length).  Observations outside the window
// (the warm-up before it, the tail after it) are ignored.
class BatchMeans {
 public:
  BatchMeans(simcore::Time start, simcore::Time batch_length, size_t batches);

  // Records a latency observed at simulated time `at` into its batch.
  void add(simcore::Time at, simcore::Time latency);

  simcore::Time end() const { return start_ + length_ * static_cast<int64_t>(batches_.size()); }
  size_t batches() const { return batches_.size(); }
  // Observations inside the window, over all batches.
  uint64_t count() const;
  // Interval for the mean latency (seconds) from the batch means.
  ConfidenceInterval mean(double level) const;
  // Interval for the p-th percentile of latency (seconds, p in [0,100]) from per-batch
  // percentiles.  Each batch percentile carries the histogram's relative error (<= 1/256).
  ConfidenceInterval percentile(double p, double level) const;
  // All observations of the window merged.
  Histogram merged() const;

 private:
  simcore::Time start_;
  simcore::Time length_;
  std::vector<Histogram> batches_;
};

}  // namespace meshsim::analysis
