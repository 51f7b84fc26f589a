// The log-linear bucket arithmetic behind Histogram (see histogram.h for the contract).
//
// Layout: a value v with bit width w is shifted right by s = max(0, w - 8) bits, which leaves a
// "sub-bucket" v >> s in [128, 256) (or v itself when v < 256), and the bucket index is
// s * 128 + (v >> s).  Indices are therefore contiguous: [0, 256) hold the exact values 0..255,
// and each further power of two adds 128 buckets of width 2^s.  The vector grows to
// (s + 2) * 128 entries the first time a value with shift s appears, and never otherwise.
#include "analysis/histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstddef>

namespace meshsim::analysis {
namespace {

constexpr int kBits = Histogram::kSubBucketBits;
constexpr uint64_t kSub = static_cast<uint64_t>(Histogram::kSubBuckets);

// bit_width returns T in GCC 12's libstdc++ and int after LWG 3656; cast for both.
int shift_of(uint64_t v) { return std::max(0, static_cast<int>(std::bit_width(v)) - (kBits + 1)); }

size_t bucket_index(uint64_t v) {
  const int s = shift_of(v);
  return static_cast<size_t>(static_cast<uint64_t>(s) * kSub + (v >> s));
}

// Storage needed to hold every bucket of shift s: the exact range plus s log ranges.
size_t size_for_shift(int s) { return static_cast<size_t>((static_cast<uint64_t>(s) + 2) * kSub); }

Bucket bucket_at(size_t index, uint64_t count) {
  const uint64_t i = index;
  const uint64_t s = i < 2 * kSub ? 0 : i / kSub - 1;
  const uint64_t lower = (i - s * kSub) << s;
  return Bucket{lower, lower + (uint64_t{1} << s), count};
}

// The 1-based rank of the p-th percentile among n samples: ceil(p/100 * n), at least 1.  The
// product is snapped to a nearby integer first, so p = 0.1 with n = 1e5 gives rank 100 and not
// the 101 that ceil(100.00000000000001) would.
uint64_t rank_for_impl(double p, uint64_t n) {
  const double exact = p / 100.0 * static_cast<double>(n);
  const double nearest = std::round(exact);
  const double r =
      std::abs(exact - nearest) <= 1e-9 * std::max(1.0, exact) ? nearest : std::ceil(exact);
  return std::clamp<uint64_t>(static_cast<uint64_t>(r), 1, n);
}

}  // namespace

uint64_t percentile_rank(double p, uint64_t n) { return rank_for_impl(p, n); }

void Histogram::record(int64_t ns, uint64_t count) {
  assert(ns >= 0 && "Histogram::record: negative latency");
  if (count == 0) return;
  const uint64_t v = static_cast<uint64_t>(ns);
  const size_t index = bucket_index(v);
  if (index >= counts_.size()) counts_.resize(size_for_shift(shift_of(v)), 0);
  counts_[index] += count;
  if (total_ == 0) {
    min_ = ns;
    max_ = ns;
  } else {
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }
  total_ += count;
  sum_ += static_cast<Uint128>(v) * count;
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (total_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  total_ += other.total_;
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  sum_ = 0;
  min_ = 0;
  max_ = 0;
}

double Histogram::mean() const {
  if (total_ == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(total_));
}

int64_t Histogram::value_at_percentile(double p) const {
  assert(p >= 0.0 && p <= 100.0 && "Histogram::value_at_percentile: p outside [0, 100]");
  if (total_ == 0) return 0;
  if (!(p > 0.0)) return min_;  // also NaN, should asserts be compiled out
  if (p >= 100.0) return max_;
  const uint64_t rank = rank_for_impl(p, total_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const auto mid = static_cast<int64_t>(bucket_at(i, 0).midpoint());
      return std::clamp(mid, min_, max_);
    }
  }
  assert(false && "Histogram: counts do not add up to total");
  return max_;
}

std::vector<Bucket> Histogram::buckets() const {
  std::vector<Bucket> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) out.push_back(bucket_at(i, counts_[i]));
  }
  return out;
}

Histogram Histogram::from_parts(std::span<const Bucket> buckets, int64_t min, int64_t max,
                                long double sum) {
  Histogram h;
  for (const Bucket& b : buckets) {
    const size_t index = bucket_index(b.lower);
    assert(bucket_at(index, 0) == (Bucket{b.lower, b.upper_exclusive, 0}) &&
           "Histogram::from_parts: not a bucket of this layout");
    if (b.count == 0) continue;
    if (index >= h.counts_.size()) h.counts_.resize(size_for_shift(shift_of(b.lower)), 0);
    h.counts_[index] += b.count;
    h.total_ += b.count;
  }
  if (h.total_ > 0) {
    assert(min >= 0 && min <= max && "Histogram::from_parts: bad min/max");
    h.min_ = min;
    h.max_ = max;
    h.sum_ = static_cast<Uint128>(sum);
  }
  return h;
}

bool operator==(const Histogram& a, const Histogram& b) {
  if (a.total_ != b.total_ || a.sum_ != b.sum_ || a.min() != b.min() || a.max() != b.max()) {
    return false;
  }
  const size_t common = std::min(a.counts_.size(), b.counts_.size());
  if (!std::equal(a.counts_.begin(), a.counts_.begin() + static_cast<std::ptrdiff_t>(common),
                  b.counts_.begin())) {
    return false;
  }
  // Storage beyond the shorter vector (left by reset() or a merge) must be empty.
  const auto& longer = a.counts_.size() > b.counts_.size() ? a.counts_ : b.counts_;
  return std::all_of(longer.begin() + static_cast<std::ptrdiff_t>(common), longer.end(),
                     [](uint64_t c) { return c == 0; });
}

}  // namespace meshsim::analysis
