// A streaming latency histogram with bounded relative error, in the HdrHistogram style.
//
// Latencies span nine orders of magnitude (a sidecar hop of 50 us, a timeout of 30 s), and a
// percentile must be right to a fixed *relative* precision at every scale, in O(1) per sample and
// without keeping the samples.  HdrHistogram's log-linear layout does exactly that: every
// power-of-two range [2^e, 2^(e+1)) is split into kSubBuckets = 128 equal sub-buckets, so a
// bucket's width is at most 1/128 of its lower bound.  Values below 256 land in width-1 buckets
// and are therefore exact (in particular every value below 2^7 = 128).
//
// Reported values: a bucket is reported as its midpoint lower + width/2, so a reported value is
// within half a bucket of the true one:
//
//     |reported - true| <= true / 256   (relative error <= 1/256 ~= 0.39 %, for every true > 0)
//
// count, sum, mean, min and max are exact (they are tracked beside the buckets, not read from
// them), and merge() is exact: merging a and b equals recording all of a's and b's values.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "simcore/time.h"

namespace meshsim::analysis {

// One non-empty bucket: the values lower <= v < upper_exclusive were counted `count` times.
// Unsigned because the topmost bucket's exclusive bound is 2^63, which int64 cannot hold.
struct Bucket {
  uint64_t lower = 0;
  uint64_t upper_exclusive = 0;
  uint64_t count = 0;

  // The value the histogram reports for any sample in this bucket (before clamping to the
  // recorded [min, max]).
  uint64_t midpoint() const { return lower + (upper_exclusive - lower) / 2; }
  bool operator==(const Bucket&) const = default;
};

// The rank (1-based, in [1, n]) of the p-th percentile of n sorted samples, as
// Histogram::value_at_percentile counts it: ceil(p/100 * n), with p/100 * n snapped to a nearby
// integer first.  For code that walks buckets of its own (weighted merges).  n > 0, 0 < p < 100.
uint64_t percentile_rank(double p, uint64_t n);

// Thread safety: a Histogram is not synchronised; record into one per thread and merge().
class Histogram {
 public:
  // log2 of the number of linear sub-buckets per power of two (HdrHistogram's precision knob).
  static constexpr int kSubBucketBits = 7;
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBucketBits;  // 128

  Histogram() = default;

  // Counts `count` occurrences of the value `ns` (nanoseconds, >= 0; a negative value is a
  // programming error and asserts).  O(1); allocates only when `ns` is the first value in a new
  // highest power-of-two range.  count == 0 records nothing.
  void record(int64_t ns, uint64_t count = 1);
  void record(simcore::Time t, uint64_t count = 1) { record(t.ns(), count); }

  // Adds every count of `other`, exactly as if its values had been recorded here.
  void merge(const Histogram& other);

  // Forgets every value; keeps the bucket storage so refilling does not allocate.
  void reset();

  // Exact statistics.  An empty histogram reports 0 for all of them, as HdrHistogram does.
  uint64_t count() const { return total_; }
  int64_t min() const { return total_ == 0 ? 0 : min_; }
  int64_t max() const { return total_ == 0 ? 0 : max_; }
  // Sum of all recorded values in nanoseconds.  Kept as a 128-bit integer; the long double result
  // is exact while the sum is below 2^64 ns (584 years) on x86-64 and aarch64 Linux.
  long double sum() const { return static_cast<long double>(sum_); }
  double mean() const;

  // HdrHistogram's percentile: the smallest recorded value v such that at least p % of the counts
  // are <= v, i.e. the sample of rank ceil(p/100 * count()) (at least 1) in sorted order.
  // Reported as its bucket's midpoint clamped to [min(), max()], so within the 1/256 bound above;
  // p == 0 gives min() and p == 100 gives max() exactly.  p outside [0, 100] is a programming
  // error (asserts).  Empty histogram: 0.  O(number of buckets), no allocation.
  int64_t value_at_percentile(double p) const;

  // The non-empty buckets in increasing order of value, for serialisation.  Allocates.
  std::vector<Bucket> buckets() const;

  // The inverse of buckets() + min() + max() + sum(): rebuilds a histogram, equal (==) to the one
  // they came from, e.g. from a results file or a compacted time-series cell.  Every bucket must
  // be one of this layout's (asserted), in increasing order; `sum` must be the integral value
  // sum() returned.  Ignores min/max/sum when the buckets hold no counts.  Allocates.
  static Histogram from_parts(std::span<const Bucket> buckets, int64_t min, int64_t max,
                              long double sum);

  // Equal when they hold the same counts in the same buckets and the same exact statistics,
  // regardless of how much bucket storage either has grown.
  friend bool operator==(const Histogram& a, const Histogram& b);

 private:
  __extension__ using Uint128 = unsigned __int128;  // __extension__: GCC/Clang, -Wpedantic clean

  std::vector<uint64_t> counts_;  // index = bucket_index(value); grows by whole exponents
  uint64_t total_ = 0;
  Uint128 sum_ = 0;
  int64_t min_ = 0;  // meaningful only when total_ > 0
  int64_t max_ = 0;
};

}  // namespace meshsim::analysis
